"""Busy-time feeds for tests: an http.server on 127.0.0.1 serving .ics bytes by path and
counting requests, and a writer of small VCALENDARs with real meetings in them."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class FeedHost:
    """Feeds by path (``/ana.ics``); ``hits`` counts GETs per path."""

    port: int = 0
    feeds: dict[str, bytes] = field(default_factory=dict)
    hits: Counter[str] = field(default_factory=Counter)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def feed_host() -> Iterator[FeedHost]:
    host = FeedHost()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?", 1)[0]
            host.hits[path] += 1
            body = host.feeds.get(path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def free_port() -> int:
    """A 127.0.0.1 port nothing listens on (bound, then closed)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stamp(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def vevent(
    uid: str,
    start: dt.datetime,
    end: dt.datetime,
    *,
    rrule: str | None = None,
    extra: Iterable[str] = (),
) -> str:
    """One VEVENT with UTC times (aware ``start``/``end``)."""
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20270101T000000Z",
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(end)}",
        f"SUMMARY:{uid.split('@')[0]}",
        *([f"RRULE:{rrule}"] if rrule else []),
        *extra,
        "END:VEVENT",
    ]
    return "\r\n".join(lines)


def calendar(*components: str) -> bytes:
    body = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//tests//busy//EN",
            *components,
            "END:VCALENDAR",
        ]
    )
    return (body + "\r\n").encode()


def feed(blocks: Iterable[tuple[dt.datetime, dt.datetime]], prefix: str = "m") -> bytes:
    """A feed with one plain meeting per block."""
    return calendar(*(vevent(f"{prefix}{i}@example.com", a, b) for i, (a, b) in enumerate(blocks)))
