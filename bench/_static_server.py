"""The floor for bench_feeds.py: Python's standard-library static file server.

    python bench/_static_server.py DIRECTORY PORT

``http.server.ThreadingHTTPServer`` + ``SimpleHTTPRequestHandler`` (which answers
``If-Modified-Since`` with 304 from the file's mtime), with two changes from
``python -m http.server``: HTTP/1.1, so the benchmark's keep-alive clients keep their
connection (as shipped it speaks HTTP/1.0 and closes after every answer), and no access log
on stderr. Both make it a stricter floor; bench_feeds.py also measures the module as shipped.
"""

from __future__ import annotations

import functools
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """No access log."""


def main() -> None:
    directory, port = sys.argv[1], int(sys.argv[2])
    server = ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(Handler, directory=directory)
    )
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
