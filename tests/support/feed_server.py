"""Runs ``tacal serve``'s app under a real waitress server on an ephemeral 127.0.0.1 port.

The socket is bound before the app is built so the subscribe links can carry the real port
(waitress accepts pre-bound sockets). Requests go through :mod:`http.client`, which sends the
path exactly as given: traversal tests need ``..`` and ``%2e`` to reach the server unaltered.
"""

from __future__ import annotations

import contextlib
import http.client
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tacal.feeds.app import FeedApp
from tacal.feeds.server import DEFAULT_LIMITS, Limits, make_server
from tacal.feeds.source import FeedSource
from tests.conftest import FIXTURES

TODAY = "2027-01-04"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Running:
    app: FeedApp
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(
        self, path: str, *, method: str = "GET", headers: dict[str, str] | None = None
    ) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            conn.endheaders()
            resp = conn.getresponse()
            body = resp.read()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
        finally:
            conn.close()

    def get(self, path: str, **headers: str) -> Response:
        return self.request(path, headers={k.replace("_", "-"): v for k, v in headers.items()})


def copy_fixture(tmp_path: Path, name: str = "feeds.toml") -> Path:
    """The fixture config in a fresh folder (its token sidecar and templates land there)."""
    target = tmp_path / "conf" / "tacal.toml"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / name, target)
    return target


@contextlib.contextmanager
def serving(
    config: Path,
    state_dir: Path,
    *,
    check_interval: float = 0.0,
    today: str = TODAY,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[Running]:
    """The app under the server ``tacal serve`` runs (same limits unless ``limits``)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    source = FeedSource(
        config, base_url=f"http://127.0.0.1:{port}", state_dir=state_dir, today_value=today
    )
    app = FeedApp(source, check_interval=check_interval)
    server = make_server(
        app, sockets=[sock], threads=8, limits=limits, loop_timeout=0.05
    )  # so that stopping takes no second
    thread = threading.Thread(target=server.run, name="tacal-serve", daemon=True)
    thread.start()
    try:
        yield Running(app, port)
    finally:
        server.stop()  # with its map empty the loop returns
        thread.join(5)
        server.shutdown()
