"""Malformed requests to ``tacal serve`` over raw sockets (issue #6).

Every request gets a proper 4xx, or the connection is closed where nothing parseable arrived,
never a 500 and never a file; afterwards a normal request still succeeds.

Who answers (checked per case through the access log, which only tacal's app writes):

- waitress itself, before tacal sees anything: garbage and binary request lines, a malformed
  version (``HTTP/1.x``, lowercase ``http/1.1``), extra words on the request line, lowercase
  methods, raw non-ASCII bytes in the path, control characters in headers, header lines
  without a colon or with a space before it, negative or duplicate Content-Length (all 400);
  request heads over 256 KiB, whether a header or the URL (431); any request body, on any
  method, chunked or not, well-formed or not (413: feeds take none, see tacal.feeds.server);
  unknown Transfer-Encoding (501). An empty request or one with bare-LF line ends never
  completes: waitress waits, then closes it at the request deadline without an answer.
- waitress answers unknown HTTP versions (``HTTP/2.0``, ``HTTP/9.9``, ``HTTP/0.9``) and
  version-less (HTTP/0.9-style) request lines as HTTP/1.0: the app sees ``HTTP/1.0`` and cannot
  tell, so those get the feed (RFC 9110 6.2 allows answering with a lower version).
- tacal's app: everything that parses: unknown paths and every traversal spelling (encoded,
  double-encoded, overlong UTF-8, backslashes, NUL, absolute-form URIs), wrong tokens,
  ``OPTIONS *`` and ``CONNECT`` (404); other methods on a feed (405 with Allow). Range headers
  are ignored (200 with the whole feed), as RFC 9110 14.2 allows. PATH_INFO arrives decoded
  (WSGI), so ``%2F`` in a token URL is a slash: the same secret, spelled differently.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import re
import socket
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tacal.feeds.tokens import TokenStore
from tests.support.feed_server import Running, copy_fixture, serving

TEAM = b"/team.ics"
HOST = b"Host: x\r\n"


class _AppLog(logging.Handler):
    """Counts the access-log lines of tacal's app: a request it never saw was waitress's."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@dataclass
class Server:
    running: Running
    log: _AppLog
    token: str
    feed: bytes

    @property
    def port(self) -> int:
        return self.running.port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("fuzz-serve")
    config = copy_fixture(tmp)
    log = _AppLog()
    logger = logging.getLogger("tacal.server")
    old_level = logger.level
    logger.addHandler(log)
    logger.setLevel(logging.INFO)
    try:
        with serving(config, tmp / "state") as running:
            token = TokenStore.load(config.with_name("tacal.tokens.json")).tokens["person-ana"]
            feed = running.get("/team.ics").body
            yield Server(running, log, token, feed)
    finally:
        logger.removeHandler(log)
        logger.setLevel(old_level)


@dataclass
class Reply:
    statuses: list[int]
    raw: bytes
    seen_by_app: int


def exchange(server: Server, data: bytes, *, timeout: float = 3.0) -> Reply:
    """Send ``data``, half-close (unless it asks to close), read until the server closes."""
    before = len(server.log.lines)
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(data)
            if not data.endswith(b"Connection: close\r\n\r\n"):
                sock.shutdown(socket.SHUT_WR)
        raw = b""
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := sock.recv(65536):
                raw += chunk
    statuses = [int(code) for code in re.findall(rb"(?:^|\n)HTTP/1\.[01] (\d{3}) ", raw)]
    time.sleep(0.005)  # the access-log line is written just before the response goes out
    return Reply(statuses, raw, len(server.log.lines) - before)


def still_up(server: Server) -> None:
    r = server.running.get("/team.ics")
    assert r.status == 200 and r.body == server.feed


def request(line: bytes, *headers: bytes, body: bytes = b"") -> bytes:
    return line + b"\r\n" + HOST + b"".join(h + b"\r\n" for h in headers) + b"\r\n" + body


# (id, request, statuses expected, who answers: "waitress", "tacal" or "nobody")
CASES: list[tuple[str, bytes, list[int], str]] = [
    # request lines
    ("garbage", b"GARBAGE\r\n\r\n", [400], "waitress"),
    ("binary", b"\x00\x01\x02\xff\xfe\r\n\r\n", [400], "waitress"),
    ("only-crlf", b"\r\n\r\n", [], "nobody"),
    ("nothing", b"", [], "nobody"),
    ("bare-lf", b"GET /team.ics HTTP/1.1\nHost: x\n\n", [], "nobody"),
    ("extra-word", request(b"GET /team.ics HTTP/1.1 extra"), [400], "waitress"),
    ("two-spaces", request(b"GET  /team.ics HTTP/1.1"), [400], "waitress"),
    ("lowercase-method", request(b"get /team.ics HTTP/1.1"), [400], "waitress"),
    # versions
    ("version-1.x", request(b"GET /team.ics HTTP/1.x"), [400], "waitress"),
    ("version-lowercase", request(b"GET /team.ics http/1.1"), [400], "waitress"),
    ("version-word", request(b"GET /team.ics HTTPS/1.1"), [400], "waitress"),
    ("version-2.0", request(b"GET /team.ics HTTP/2.0"), [200], "tacal"),
    ("version-9.9", request(b"GET /team.ics HTTP/9.9"), [200], "tacal"),
    ("version-0.9", b"GET /team.ics HTTP/0.9\r\n\r\n", [200], "tacal"),
    ("no-version", b"GET /team.ics\r\n\r\n", [200], "tacal"),
    # sizes
    (
        "header-100k",
        request(b"GET /team.ics HTTP/1.1", b"X-Big: " + b"a" * 100_000),
        [200],
        "tacal",
    ),
    (
        "header-300k",
        request(b"GET /team.ics HTTP/1.1", b"X-Big: " + b"a" * 300_000),
        [431],
        "waitress",
    ),
    (
        "many-headers",
        request(b"GET /team.ics HTTP/1.1", *[b"X-%d: v" % i for i in range(5000)]),
        [200],
        "tacal",
    ),
    ("url-100k", request(b"GET /" + b"a" * 100_000 + b" HTTP/1.1"), [404], "tacal"),
    ("url-300k", request(b"GET /" + b"a/" * 150_000 + b" HTTP/1.1"), [431], "waitress"),
    (
        "url-long-query",
        request(b"GET /team.ics?" + b"q=1&" * 20_000 + b" HTTP/1.1"),
        [200],
        "tacal",
    ),
    # paths
    ("dotdot", request(b"GET /../../../etc/passwd HTTP/1.1"), [404], "tacal"),
    ("relative", request(b"GET ../../etc/passwd HTTP/1.1"), [404], "tacal"),
    ("encoded", request(b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1"), [404], "tacal"),
    ("double-encoded", request(b"GET /%252e%252e/%252e%252e/etc/passwd HTTP/1.1"), [404], "tacal"),
    ("encoded-slash", request(b"GET /..%2f..%2f..%2fetc%2fpasswd HTTP/1.1"), [404], "tacal"),
    (
        "overlong-utf8",
        request(b"GET /%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd HTTP/1.1"),
        [404],
        "tacal",
    ),
    ("backslashes", request(b"GET /..\\..\\etc\\passwd HTTP/1.1"), [404], "tacal"),
    ("encoded-backslashes", request(b"GET /..%5c..%5cetc%5cpasswd HTTP/1.1"), [404], "tacal"),
    ("nul-encoded", request(b"GET /team.ics%00.html HTTP/1.1"), [404], "tacal"),
    ("nul-raw", request(b"GET /team.ics\x00 HTTP/1.1"), [404], "tacal"),
    ("config", request(b"GET /tacal.toml HTTP/1.1"), [404], "tacal"),
    ("tokens-file", request(b"GET /tacal.tokens.json HTTP/1.1"), [404], "tacal"),
    ("state-file", request(b"GET /last-modified.json HTTP/1.1"), [404], "tacal"),
    ("dot-segment", request(b"GET /./team.ics/. HTTP/1.1"), [404], "tacal"),
    ("absolute-form", request(b"GET http://evil.example/team.ics HTTP/1.1"), [200], "tacal"),
    (
        "absolute-traversal",
        request(b"GET http://evil.example/../../etc/passwd HTTP/1.1"),
        [404],
        "tacal",
    ),
    ("file-scheme", request(b"GET file:///etc/passwd HTTP/1.1"), [404], "tacal"),
    ("raw-non-ascii", request(b"GET /\xff\xfe/team.ics HTTP/1.1"), [400], "waitress"),
    ("asterisk", request(b"OPTIONS * HTTP/1.1"), [404], "tacal"),
    # methods
    ("connect", request(b"CONNECT evil.example:443 HTTP/1.1"), [404], "tacal"),
    ("trace", request(b"TRACE /team.ics HTTP/1.1"), [405], "tacal"),
    ("unknown-method", request(b"BREW /team.ics HTTP/1.1"), [405], "tacal"),
    (
        "post-body",
        request(b"POST /team.ics HTTP/1.1", b"Content-Length: 5", body=b"hello"),
        [413],
        "waitress",
    ),
    (
        "put-chunked",
        request(
            b"PUT /team.ics HTTP/1.1",
            b"Transfer-Encoding: chunked",
            body=b"5\r\nhello\r\n0\r\n\r\n",
        ),
        [413],
        "waitress",
    ),
    ("post-no-body", request(b"POST /team.ics HTTP/1.1", b"Content-Length: 0"), [405], "tacal"),
    ("delete", request(b"DELETE /team.ics HTTP/1.1"), [405], "tacal"),
    ("propfind", request(b"PROPFIND /team.ics HTTP/1.1", b"Depth: 1"), [405], "tacal"),
    # framing
    (
        "negative-length",
        request(b"GET /team.ics HTTP/1.1", b"Content-Length: -1"),
        [400],
        "waitress",
    ),
    (
        "huge-length",
        request(b"POST /team.ics HTTP/1.1", b"Content-Length: " + b"9" * 30),
        [413],
        "waitress",
    ),
    (
        "duplicate-length",
        request(b"POST /team.ics HTTP/1.1", b"Content-Length: 1", b"Content-Length: 2", body=b"ab"),
        [400],
        "waitress",
    ),
    (
        "bad-chunk",
        request(
            b"POST /team.ics HTTP/1.1",
            b"Transfer-Encoding: chunked",
            body=b"zz\r\nabc\r\n0\r\n\r\n",
        ),
        [413],
        "waitress",
    ),
    (
        "gzip-encoding",
        request(b"POST /team.ics HTTP/1.1", b"Transfer-Encoding: gzip"),
        [501],
        "waitress",
    ),
    ("no-colon", request(b"GET /team.ics HTTP/1.1", b"BadHeader"), [400], "waitress"),
    ("space-before-colon", request(b"GET /team.ics HTTP/1.1", b"X-A : b"), [400], "waitress"),
    ("nul-in-header", request(b"GET /team.ics HTTP/1.1", b"X-A: a\x00b"), [400], "waitress"),
    ("cr-in-header", request(b"GET /team.ics HTTP/1.1", b"X-A: a\rb"), [400], "waitress"),
    # (waitress drops pipelined requests it has not started once the client half-closes, so
    # the last one asks to close instead)
    (
        "pipelined",
        request(b"GET /team.ics HTTP/1.1")
        + request(b"GET /nope HTTP/1.1")
        + request(b"HEAD /team.ics HTTP/1.1", b"Connection: close"),
        [200, 404, 200],
        "tacal",
    ),
    # conditional and range
    ("range", request(b"GET /team.ics HTTP/1.1", b"Range: bytes=0-10"), [200], "tacal"),
    ("range-suffix", request(b"GET /team.ics HTTP/1.1", b"Range: bytes=-5"), [200], "tacal"),
    ("range-garbage", request(b"GET /team.ics HTTP/1.1", b"Range: bytes=zz-"), [200], "tacal"),
    (
        "range-many",
        request(
            b"GET /team.ics HTTP/1.1",
            b"Range: bytes=" + b",".join(b"%d-%d" % (i, i) for i in range(2000)),
        ),
        [200],
        "tacal",
    ),
    (
        "if-range",
        request(b"GET /team.ics HTTP/1.1", b"Range: bytes=0-1", b'If-Range: "x"'),
        [200],
        "tacal",
    ),
    (
        "bad-dates",
        request(
            b"GET /team.ics HTTP/1.1",
            b"If-Modified-Since: yesterday-ish",
            b"If-Unmodified-Since: \xff",
        ),
        [200],
        "tacal",
    ),
    (
        "bad-accept-encoding",
        request(b"GET /team.ics HTTP/1.1", b"Accept-Encoding: gzip;q=zz, *;q=, br;q=1e999"),
        [200],
        "tacal",
    ),
]


@pytest.mark.parametrize(
    ("data", "statuses", "layer"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_malformed_request(server: Server, data: bytes, statuses: list[int], layer: str) -> None:
    reply = exchange(server, data)
    assert reply.statuses == statuses, reply.raw[:300]
    assert b"root:" not in reply.raw and b"[team]" not in reply.raw
    assert server.token.encode() not in reply.raw
    if layer == "tacal":
        assert reply.seen_by_app == len(statuses) - statuses.count(400)
    else:
        assert reply.seen_by_app == 0, server.log.lines[-1:]
    if statuses == [200] and b"Content-Encoding" not in reply.raw:
        assert reply.raw.endswith(server.feed), "the whole feed, Range or not"
    still_up(server)


# --------------------------------------------------------------------------- tokens


def test_bad_tokens(server: Server) -> None:
    token = server.token
    good = f"/{token}/person-ana.ics".encode()
    assert exchange(server, request(b"GET " + good + b" HTTP/1.1")).statuses == [200]
    for path in [
        b"/person-ana.ics",
        f"/{token[:-1]}/person-ana.ics".encode(),
        f"/{token}%00/person-ana.ics".encode(),
        f"/{token}/%2e%2e/person-ana.ics".encode(),
        f"/{token}/person-ana.ics/..".encode(),
        f"/{token * 100}/person-ana.ics".encode(),
        f"/{'x' * 100_000}/person-ana.ics".encode(),
        f"/person-ana.ics?token={token}".encode(),
        f"/{token.swapcase()}/person-ana.ics".encode(),
        b"/%C3%A9" + b"/person-ana.ics",
        b"/../person-ana.ics",
    ]:
        reply = exchange(server, request(b"GET " + path + b" HTTP/1.1"))
        assert reply.statuses == [404], path[:80]
        assert b"BEGIN:VCALENDAR" not in reply.raw
    reply = exchange(server, request(b"GET " + good + b" HTTP/1.1", b"Authorization: Basic x"))
    assert reply.statuses == [200]  # the token is the credential; other auth changes nothing
    # WSGI decodes PATH_INFO, so %2F is a slash and %41 an "A": the same token, still secret
    for spelling in [f"/{token}%2fperson-ana.ics", f"/{token}/person%2Dana.ics"]:
        assert exchange(server, request(f"GET {spelling} HTTP/1.1".encode())).statuses == [200]
    still_up(server)


# --------------------------------------------------------------------------- random


# well-formed parts are drawn more often, so that requests get past waitress to the app
METHODS = st.sampled_from(
    [b"GET"] * 6 + [b"HEAD", b"POST", b"OPTIONS", b"get", b"G ET", b"", b"\x00", b"PRI", b"X" * 300]
)
TARGETS = st.one_of(
    st.sampled_from([b"/team.ics", b"/", b"/index.html", b"*", b"/team.ics?x", b"//team.ics"]),
    st.text(max_size=60).map(lambda t: ("/" + t).encode("utf-8", "surrogatepass")),
    st.binary(max_size=60),
    st.lists(
        st.sampled_from(
            [
                b"..",
                b"%2e",
                b"%252e",
                b"%00",
                b"%",
                b"%zz",
                b"\\",
                b"team.ics",
                b";",
                b"?",
                b"#",
                b"%c0%af",
                b"~",
            ]
        ),
        max_size=8,
    ).map(lambda parts: b"/" + b"/".join(parts)),
)
VERSIONS = st.sampled_from(
    [b" HTTP/1.1"] * 4 + [b" HTTP/1.0", b"", b" HTTP/2", b" HTTP/1.1 ", b" X"]
)
HEADERS = st.lists(
    st.sampled_from(
        [
            b"Host: x",
            b"Host: x",
            b"Host: x",
            b"Accept: */*",
            b"Host:",
            b"Connection: close",
            b"Connection: keep-alive, upgrade",
            b"Upgrade: h2c",
            b"Content-Length: 0",
            b"Content-Length: 4",
            b"Content-Length: x",
            b"Transfer-Encoding: chunked",
            b"Range: bytes=0-",
            b"If-None-Match: *",
            b'If-None-Match: W/"x", "',
            b"If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT",
            b"Accept-Encoding: gzip",
            b"Expect: 100-continue",
            b": empty",
            b"X",
            b" X-Folded: y",
            b"X-Nul: \x00",
            b"\xff\xfe: \xff",
        ]
    ),
    max_size=4,
)


@settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    METHODS,
    TARGETS,
    VERSIONS,
    HEADERS,
    st.sampled_from([b"", b"abcd", b"0\r\n\r\n"]),
    st.sampled_from([b"\r\n"] * 4 + [b"\n"]),
)
def test_random_requests(
    server: Server,
    method: bytes,
    target: bytes,
    version: bytes,
    headers: list[bytes],
    body: bytes,
    eol: bytes,
) -> None:
    data = method + b" " + target + version + eol + b"".join(h + eol for h in headers) + eol + body
    reply = exchange(server, data, timeout=2.0)
    for status in reply.statuses:
        assert status in (100, 200, 304, 400, 404, 405, 413, 431, 501), (status, data[:200])
    assert b"root:" not in reply.raw and b"[team]" not in reply.raw
    assert server.token.encode() not in reply.raw
    still_up(server)


# --------------------------------------------------------------------------- slow clients


def test_partial_requests_do_not_block_others(server: Server) -> None:
    """Ten connections stuck mid-request (slowloris-style) do not delay a normal request;
    closing them abruptly, mid-header or mid-body, leaves the server serving."""
    partial = [
        b"G",
        b"GET /team.ics",
        b"GET /team.ics HTTP/1.1\r\n",
        b"GET /team.ics HTTP/1.1\r\nHost",
        b"GET /team.ics HTTP/1.1\r\nHost: x\r\nX-Slow: aaaa",
        b"POST /team.ics HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc",
        b"POST /team.ics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nab",
        b"GET /team.ics HTTP/1.1\r\nHost: x\r\n\r",
        b"\r\n",
        b"GET / HTTP/1.1\r\nRange: bytes=",
    ]
    socks = []
    try:
        for data in partial:
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(data)
            socks.append(sock)
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request("GET", "/team.ics")
        response = conn.getresponse()
        assert response.status == 200 and response.read() == server.feed
        conn.close()
        assert time.monotonic() - started < 2
        # trickle one byte at a time on one of them: it completes and is answered
        trickle = socks.pop(2)
        for byte in b"Host: x\r\nConnection: close\r\n\r\n":
            trickle.send(bytes([byte]))
        raw = b""
        while chunk := trickle.recv(65536):
            raw += chunk
        assert raw.startswith(b"HTTP/1.1 200 ") and raw.endswith(server.feed)
        trickle.close()
    finally:
        for sock in socks:  # reset, not a clean close
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
    still_up(server)


def test_client_that_vanishes_mid_response(server: Server) -> None:
    """A client that asks for a feed and closes before reading: the server moves on."""
    for _ in range(20):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        sock.sendall(request(b"GET /team.ics HTTP/1.1"))
        sock.close()
    still_up(server)
