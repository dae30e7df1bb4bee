"""A real Radicale CalDAV server for tests, on 127.0.0.1 with a free port and a temporary
storage folder, behind a middleware that logs every request.

Why Radicale: it is a complete, standards-following CalDAV server (RFC 4791 reports,
ETags, ``If-Match``/``If-None-Match``, htpasswd authentication) installable from PyPI,
so the CalDAV sink is tested against a server that was not written to agree with it.
The request log lets tests count what a sync cost on the server side (writes included),
independently of the client's own counters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

__all__ = ["RadicaleServer", "radicale_server"]

USER = "ann"
PASSWORD = "correct horse battery staple"
WRITES = ("PUT", "DELETE", "MKCALENDAR", "MKCOL", "PROPPATCH", "MOVE", "COPY")


@dataclass
class Request:
    method: str
    path: str
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class _Threaded(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class RadicaleServer:
    """Radicale in a thread; ``log`` holds every request it answered."""

    def __init__(self, folder: Path, *, with_auth: bool = True) -> None:
        from radicale import Application, config

        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.with_auth = with_auth
        self.log: list[Request] = []
        self._lock = threading.Lock()
        #: called with (method, path) before Radicale answers; may raise to drop the request
        self.before: Callable[[str, str], None] | None = None
        settings: dict[str, dict[str, str]] = {
            "storage": {"filesystem_folder": str(folder / "collections")},
            "rights": {"type": "owner_only" if with_auth else "authenticated"},
            "logging": {"level": "warning", "mask_passwords": "True"},
        }
        if with_auth:
            users = folder / "users"
            users.write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
            settings["auth"] = {
                "type": "htpasswd",
                "htpasswd_filename": str(users),
                "htpasswd_encryption": "plain",
                "delay": "0.001",
            }
        else:
            settings["auth"] = {"type": "none"}
        configuration = config.load([])
        configuration.update(settings, "tests", privileged=True)
        self.app = Application(configuration)
        self.server = make_server(
            "127.0.0.1", 0, self._wsgi, server_class=_Threaded, handler_class=_Quiet
        )
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ------------------------------------------------------------------ wsgi
    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        record = Request(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            headers={
                k[5:].replace("_", "-").lower(): v
                for k, v in environ.items()
                if k.startswith("HTTP_IF_")
            },
        )
        with self._lock:
            self.log.append(record)
        if self.before is not None:
            self.before(record.method, record.path)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            record.status = int(status.split()[0])
            return start_response(status, headers, exc_info)

        return self.app(environ, start)

    # ------------------------------------------------------------ lifecycle
    def start(self) -> RadicaleServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def make_calendar(self, name: str = "work", user: str = USER) -> str:
        """Creates a calendar collection (MKCALENDAR) and returns its URL."""
        import niquests

        url = f"{self.base}/{user}/{name}/"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:set><D:prop><D:displayname>{name}</D:displayname></D:prop></D:set>"
            "</C:mkcalendar>"
        )
        auth = (user, PASSWORD) if self.with_auth else (user, "")
        with niquests.Session() as s:
            r = s.request("MKCALENDAR", url, data=body, auth=auth)
        assert r.status_code == 201, (r.status_code, r.text)
        self.reset_log()
        return url

    # ---------------------------------------------------------------- reading
    def reset_log(self) -> None:
        with self._lock:
            self.log.clear()

    def requests(self) -> list[Request]:
        with self._lock:
            return list(self.log)

    def writes(self) -> list[Request]:
        """The write requests Radicale answered (any status)."""
        return [r for r in self.requests() if r.method in WRITES]

    def objects(self, calendar_url: str) -> dict[str, bytes]:
        """The calendar's objects as stored: file name -> bytes (read from disk, not over
        HTTP, so that checking costs no request)."""
        path = calendar_url.split(f":{self.port}", 1)[1].strip("/")
        folder = self.folder / "collections" / "collection-root" / path
        return {
            p.name: p.read_bytes()
            for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".")
        }


@pytest.fixture
def radicale_server(tmp_path: Path) -> Iterator[RadicaleServer]:
    """A started Radicale with htpasswd authentication (user ``ann``) for one test."""
    server = RadicaleServer(tmp_path / "radicale").start()
    try:
        yield server
    finally:
        server.stop()
