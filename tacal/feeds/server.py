"""``tacal serve``: runs :class:`~tacal.feeds.app.FeedApp` under waitress.

waitress is a production WSGI server with no dependencies outside the standard library; it
serves each request on one of a fixed pool of worker threads (``--threads``).
"""

from __future__ import annotations

from collections.abc import Callable

from tacal.errors import TacalError
from tacal.feeds.app import FeedApp


def run(app: FeedApp, host: str, port: int, *, threads: int = 8,
        on_listen: Callable[[str], None] = lambda url: None) -> None:
    """Serve with waitress (a production WSGI server) until interrupted."""
    from waitress.server import create_server

    try:
        server = create_server(app, host=host, port=port, threads=threads, ident="tacal")
    except OSError as exc:
        raise TacalError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                         hint="pick another --port, or stop what is using it") from None
    on_listen(http_address(host, server.effective_port))  # type: ignore[union-attr]
    server.run()


def http_address(host: str, port: int) -> str:
    """``http://host:port`` with IPv6 literals bracketed."""
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"
