"""Slow and hostile clients against the server ``tacal serve`` runs, over real sockets (#12).

waitress's defaults (100 connections, idle ones closed after 120 s, checked every 30 s) let
about a hundred half-open connections stop every feed request, and spooled request bodies
of up to 1 GiB to disk. :mod:`tacal.feeds.server` bounds both; these replay the attacks.
"""

from __future__ import annotations

import contextlib
import logging
import resource
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tacal.feeds.app import FeedApp
from tacal.feeds.server import Limits
from tacal.feeds.tokens import TokenStore
from tests.support.feed_server import Running, copy_fixture, serving

HALF_OPEN = b"GET /team.ics HTTP/1.1\r\nHost: x\r\n"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return copy_fixture(tmp_path)


@contextlib.contextmanager
def open_files(count: int) -> Iterator[None]:
    """Room for ``count`` more descriptors in this process (client and server ends)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < count + 256:
        if hard != resource.RLIM_INFINITY and hard < count + 256:
            pytest.skip(f"needs {count + 256} open files, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (count + 256, hard))
    try:
        yield
    finally:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@contextlib.contextmanager
def half_open(port: int, count: int, data: bytes = HALF_OPEN) -> Iterator[list[socket.socket]]:
    """``count`` connections that each sent ``data`` (an unfinished request) and wait."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            if data:
                sock.sendall(data)
            socks.append(sock)
        yield socks
    finally:
        for sock in socks:
            sock.close()


def timed_get(running: Running, path: str = "/team.ics") -> tuple[int, float]:
    started = time.monotonic()
    status = running.get(path).status
    return status, time.monotonic() - started


def closed_by_server(sock: socket.socket, within: float) -> float | None:
    """Seconds until the server closed ``sock`` (EOF or reset), None if still open."""
    started = time.monotonic()
    sock.settimeout(0.1)
    while time.monotonic() - started < within:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except ConnectionResetError:
            return time.monotonic() - started
    return None


def test_regression_slowloris_500_half_open_connections_do_not_block_feeds(
    config: Path, tmp_path: Path
) -> None:
    """500 connections holding an unfinished request head took every one of waitress's 100
    slots: a feed request then waited in the listen queue for minutes. Now it is served
    within 2 s (well under: it takes milliseconds)."""
    with (
        open_files(1100),
        serving(config, tmp_path / "state") as running,
        half_open(running.port, 500),
    ):
        for _ in range(5):
            status, took = timed_get(running)
            assert status == 200 and took < 2, took


def test_regression_slowloris_trickled_bytes_do_not_extend_the_request_deadline(
    config: Path, tmp_path: Path
) -> None:
    """A client sending one header byte at a time was never idle, so never closed. A request
    must now be complete within request_timeout of its first byte (or of the connect)."""
    limits = Limits(request_timeout=1.0)
    with (
        serving(config, tmp_path / "state", limits=limits) as running,
        half_open(running.port, 2, b"") as (silent, trickler),
    ):
        trickler.sendall(b"GET /team.ics HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        while time.monotonic() - started < 5 and not closed:
            try:
                trickler.send(b"X")
                time.sleep(0.1)
            except OSError:
                closed = True
        assert closed, "a trickling connection was still open after 5 s"
        assert time.monotonic() - started < 4
        assert closed_by_server(silent, 1) is not None, "a silent connection stayed open"
        # a normal client on a kept-alive connection is not cut off by the deadline
        assert timed_get(running)[0] == 200


def test_regression_slowloris_full_slots_close_the_stalled_connections(
    config: Path, tmp_path: Path
) -> None:
    """With every slot taken by stalled connections, waitress stopped accepting; now the
    connections that waited longest without a request are closed to make room."""
    limits = Limits(connections=40)
    with (
        open_files(400),
        serving(config, tmp_path / "state", limits=limits) as running,
        half_open(running.port, 120) as socks,
    ):
        for _ in range(5):
            status, took = timed_get(running)
            assert status == 200 and took < 2, took
        evicted = [s for s in socks[:20] if closed_by_server(s, 0.05) is not None]
        assert evicted, "the oldest stalled connections were not the ones closed"


@pytest.mark.parametrize(
    "head",
    [
        b"GET /team.ics HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741823\r\n\r\n",
        b"GET /team.ics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n",
        b"HEAD /team.ics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
        b"GET /team.ics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody",
    ],
    ids=["get-1gib", "get-1-byte", "head", "get-chunked"],
)
def test_regression_request_body_on_get_is_refused_not_spooled(
    config: Path, tmp_path: Path, head: bytes
) -> None:
    """A GET announcing a 1 GiB body was read and spooled to a temporary file before the app
    ran; any body is now refused with 413 as soon as the head arrives."""
    with (
        serving(config, tmp_path / "state") as running,
        socket.create_connection(("127.0.0.1", running.port), timeout=5) as sock,
    ):
        sock.sendall(head)
        reply = sock.recv(65536)
        assert reply.startswith(b"HTTP/1.1 413 "), reply[:100]
        assert closed_by_server(sock, 2) is not None


def test_regression_app_refuses_bodies_under_any_server(config: Path, tmp_path: Path) -> None:
    """The app itself refuses a body too (another WSGI server may not)."""
    from tacal.feeds.source import FeedSource

    source = FeedSource(
        config, base_url="http://x", state_dir=tmp_path / "state", today_value="2027-01-04"
    )
    app = FeedApp(source)
    seen: list[str] = []
    for extra in (
        {"CONTENT_LENGTH": "5"},
        {"HTTP_TRANSFER_ENCODING": "chunked"},
        {"CONTENT_LENGTH": "0"},
        {},
    ):
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/team.ics", **extra}
        app(environ, lambda status, headers: seen.append(status))
    assert [s.split()[0] for s in seen] == ["413", "413", "200", "200"]


def test_regression_access_log_masks_token_in_any_position(
    config: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``GET /TOKEN`` (no trailing slash) logged the token in clear: only the last segment
    was masked... and it was the token. Only page names are logged now."""
    with serving(config, tmp_path / "state") as running:
        secret = TokenStore.load(config.with_name("tacal.tokens.json")).tokens["person-ana"]
        with caplog.at_level(logging.INFO, logger="tacal.server"):
            for path in [
                f"/{secret}",
                f"/{secret}/",
                f"/{secret}.ics",
                f"/x/{secret}",
                f"/{secret}/index.html",
                f"/{secret}/person-ana.ics",
                f"/{secret[:-1]}/person-ana.ics",
                f"/{secret}/x/y",
                "/team.ics",
                "/nope",
            ]:
                running.get(path)
    lines = [r.getMessage() for r in caplog.records if r.name == "tacal.server"]
    assert len(lines) == 10
    assert not any(secret[:8] in line or secret[-8:] in line for line in lines), lines
    assert '"GET /***" 404' in lines[0] and '"GET /***/" 200' in lines[1]
    assert '"GET /***/index.html" 200' in lines[4]
    assert '"GET /***/person-ana.ics" 200' in lines[5]
    assert '"GET /team.ics" 200' in lines[8]
