"""The emulator over HTTP/1.1 on 127.0.0.1: single calls, the batch endpoint, faults, and a
log of every request.

Single calls go to ``/calendar/v3/...``, batches to ``/batch/calendar/v3`` (the batch
path Google's discovery document gives for Calendar v3; see
https://developers.google.com/calendar/api/guides/batch). Connections are kept alive,
as Google's are, so a dropped connection reaches the client the way a real one would.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.gcal_emulator.faults import _STATUS_FAULTS, CallInfo, Fault, FaultInjector
from tests.support.gcal_emulator.resource import Answer, ApiError
from tests.support.gcal_emulator.store import API_PREFIX, CalendarStore
from tests.support.gcal_emulator.wire import (
    _REASONS,
    _frame_part,
    _json_or_none,
    close_batch,
    new_boundary,
    read_part,
    split_batch,
)

__all__ = ["BATCH_PATH", "CalendarEmulator", "InnerCall", "RequestRecord"]

BATCH_PATH = "/batch/calendar/v3"


@dataclass
class InnerCall:
    """One call inside a batch, as logged."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int | None = None


@dataclass
class RequestRecord:
    """One HTTP request received, as logged (batches list their inner calls)."""

    method: str
    path: str
    query: dict[str, list[str]]
    is_batch: bool = False
    inner: list[InnerCall] = field(default_factory=list)
    status: int | None = None
    dropped: bool = False

    @property
    def inner_count(self) -> int:
        return len(self.inner)

    @property
    def inner_methods(self) -> list[str]:
        return [c.method for c in self.inner]


class CalendarEmulator(CalendarStore):
    """In-memory Calendar v3 served by a ThreadingHTTPServer on an ephemeral port."""

    def __init__(
        self,
        *,
        time_zone: str = "America/New_York",
        owner: str = "owner@example.com",
        add_organizer_attendee: bool = False,
        match_cancelled_properties: bool = True,
    ):
        super().__init__(
            time_zone=time_zone,
            owner=owner,
            add_organizer_attendee=add_organizer_attendee,
            match_cancelled_properties=match_cancelled_properties,
        )
        self.requests: list[RequestRecord] = []
        self.faults = FaultInjector()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._inflight = 0
        self._idle = threading.Condition()

    # ----------------------------------------------------------------- lifecycle
    def start(self, port: int = 0) -> CalendarEmulator:
        """Bind 127.0.0.1 on ``port`` (0: a free one) and serve in a daemon thread."""
        handler = type("_BoundHandler", (_Handler,), {"emulator": self})
        server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close open keep-alive connections."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> CalendarEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def host_port(self) -> str:
        assert self._server is not None, "emulator not started"
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    @property
    def api_endpoint(self) -> str:
        return f"http://{self.host_port}{API_PREFIX}"

    @property
    def batch_uri(self) -> str:
        return f"http://{self.host_port}{BATCH_PATH}"

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being handled (e.g. a slow one the client gave up on)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._inflight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    # ---------------------------------------------------------------------- log
    def http_request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def write_call_count(self) -> int:
        """API calls that write: non-GET single requests plus non-GET inner batch calls."""
        with self._lock:
            n = 0
            for r in self.requests:
                if r.is_batch:
                    n += sum(1 for c in r.inner if c.method != "GET")
                elif r.method != "GET":
                    n += 1
            return n

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.notifications.clear()

    # -------------------------------------------------------------------- batches
    def _batch(
        self, content_type: str, raw: bytes, record: RequestRecord
    ) -> tuple[Answer | None, str, bytes | None, float]:
        """Handle a batch envelope.

        Returns (error answer or None, boundary, multipart body or None when the
        connection must be dropped, seconds to wait before answering).
        """
        parts = split_batch(content_type, raw)
        if isinstance(parts, Answer):
            return parts, "", b"", 0
        outer = self.faults.take(
            "request", CallInfo("POST", BATCH_PATH, {}, None, is_batch=True, in_batch=False)
        )
        drop_after: int | None = None
        delay = 0.0
        if outer is not None and outer.kind in _STATUS_FAULTS:
            return self._outer_fault(outer, record), "", b"", 0
        if outer is not None and outer.kind in ("drop-mid-batch", "drop"):
            drop_after = outer.after
        elif outer is not None and outer.kind == "slow":
            delay = outer.delay
        boundary = new_boundary()
        chunks: list[str] = []
        for index, part in enumerate(parts):
            if drop_after is not None and index >= drop_after:
                break
            content_id, method, ipath, iquery, iheaders, ibody = read_part(part, index)
            inner = InnerCall(method, ipath, iquery)
            with self._lock:
                record.inner.append(inner)
            info = CallInfo(method, ipath, iquery, _json_or_none(ibody), False, True)
            fault = self.faults.take("inner", info)
            if fault is not None and fault.kind in _STATUS_FAULTS:
                status, domain, reason, message = _STATUS_FAULTS[fault.kind]
                answer = Answer(status, ApiError(status, reason, message, domain).body())
            else:
                if fault is not None and fault.kind == "slow":
                    self._stopping.wait(fault.delay)
                answer = self.call(method, ipath, iquery, iheaders, ibody)
            inner.status = answer.status
            chunks.append(_frame_part(boundary, content_id, answer))
        if drop_after is not None:
            record.dropped = True
            return None, boundary, None, 0
        record.status = 200
        return None, boundary, close_batch(boundary, chunks), delay

    def _outer_fault(self, fault: Fault, record: RequestRecord) -> Answer:
        status, domain, reason, message = _STATUS_FAULTS[fault.kind]
        record.status = status
        return Answer(status, ApiError(status, reason, message, domain).body())


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler; every request goes through ``_serve``."""

    protocol_version = "HTTP/1.1"
    emulator: CalendarEmulator

    def setup(self) -> None:
        super().setup()
        # One segment per answer: without this, delayed ACKs add ~40 ms per request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.emulator._lock:
            self.emulator._connections.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        with self.emulator._lock:
            self.emulator._connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the default stderr access log."""

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._serve("PUT")

    def do_PATCH(self) -> None:  # noqa: N802
        self._serve("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        em = self.emulator
        with em._idle:
            em._inflight += 1
        try:
            self._serve_inner(method)
        finally:
            with em._idle:
                em._inflight -= 1
                em._idle.notify_all()

    def _serve_inner(self, method: str) -> None:
        em = self.emulator
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        is_batch = split.path == BATCH_PATH
        record = RequestRecord(method, split.path, query, is_batch=is_batch)
        with em._lock:
            em.requests.append(record)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if is_batch:
            if method != "POST":
                self._send(Answer(405, ApiError(405, "httpMethodNotAllowed", "Method").body()))
                return
            error, boundary, body, delay = em._batch(
                self.headers.get("Content-Type", ""), raw, record
            )
            if error is not None:
                record.status = error.status
                self._send(error)
            elif body is None:
                self._drop()
            else:
                if delay:
                    em._stopping.wait(delay)
                self._send_raw(200, f"multipart/mixed; boundary={boundary}", body, {})
            return
        info = CallInfo(method, split.path, query, _json_or_none(raw), False, False)
        fault = em.faults.take("request", info) or em.faults.take("single", info)
        delay = 0.0
        if fault is not None and fault.kind in _STATUS_FAULTS:
            self._send(em._outer_fault(fault, record))
            return
        if fault is not None and fault.kind == "drop":
            if fault.after >= 1:
                em.call(method, split.path, query, headers, raw)
            record.dropped = True
            self._drop()
            return
        if fault is not None and fault.kind == "slow":
            delay = fault.delay
        answer = em.call(method, split.path, query, headers, raw)
        if delay:
            em._stopping.wait(delay)
        record.status = answer.status
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        body = answer.payload()
        ctype = "application/json; charset=UTF-8" if answer.body is not None else ""
        self._send_raw(answer.status, ctype, body, answer.headers)

    def _send_raw(self, status: int, ctype: str, body: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status, _REASONS.get(status))
            if ctype:
                self.send_header("Content-Type", ctype)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _drop(self) -> None:
        """Close the socket without a response, like a connection cut mid-request."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
