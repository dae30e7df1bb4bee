"""The WSGI app of ``tacal serve``: GET and HEAD of the current snapshot, from memory.

Design choices, each against a failure feed servers are known for:

- Routes are a dict lookup on the request path (:meth:`Snapshot.lookup`); nothing maps a path
  to the filesystem, so no spelling of ``..`` can reach a file. Private pages are found by
  their non-secret last segment and the token is then checked with
  :func:`hmac.compare_digest`; a wrong or missing token is a 404, exactly like an unknown
  path, so a probe learns nothing.
- Conditional requests follow RFC 9110 section 13 (which replaced RFC 7232): each encoding
  has its own strong ETag, ``If-None-Match`` decides when present, and a match is a 304.
- Every rebuild makes a complete new snapshot and swaps one reference: a request sees the
  old feeds or the new ones, never a mix. A failed rebuild (say, a half-saved config) logs
  the problem and keeps serving the last good snapshot.
- The access log shows a path segment only when it names a page of the snapshot
  (``team.ics``, ``person-ana.ics``, ``index.html``); every other segment, a token or a
  mistyped one, is logged as ``***``: tokens never reach a log.
- Request bodies are refused (413): the server serves GET and HEAD only (waitress refuses
  them first, see :mod:`tacal.feeds.server`; this check holds under any WSGI server).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import threading
import time
from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote

from tacal.errors import TacalError
from tacal.feeds.site import HTML_TYPE
from tacal.feeds.source import FeedSource, Snapshot
from tacal.views.render import SCRIPT_CSP

#: Bodies larger than this are streamed through wsgi.file_wrapper.
_STREAM_OVER = 256 * 1024

log = logging.getLogger("tacal.server")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def accepts_gzip(header: str) -> bool:
    """Whether Accept-Encoding allows gzip (q-values honoured, ``*`` counts)."""
    gzip_q: float | None = None
    star_q: float | None = None
    for part in header.split(","):
        name, _, params = part.partition(";")
        name = name.strip().lower()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if name in ("gzip", "x-gzip"):
            gzip_q = q if gzip_q is None else max(gzip_q, q)
        elif name == "*":
            star_q = q
    if gzip_q is not None:
        return gzip_q > 0
    return star_q is not None and star_q > 0


def not_modified(environ: dict[str, Any], etag: str, modified: dt.datetime | None) -> bool:
    """RFC 9110 13.1: If-None-Match (weak comparison) decides when present; only without it
    is If-Modified-Since considered."""
    inm = environ.get("HTTP_IF_NONE_MATCH")
    if inm is not None:
        tags = [t.strip() for t in inm.split(",")]
        return "*" in tags or any(t.removeprefix("W/") == etag for t in tags)
    ims = environ.get("HTTP_IF_MODIFIED_SINCE")
    if not ims or modified is None:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    return modified <= since


def mask(path: str, snapshot: Snapshot) -> str:
    """The path for logs: a segment is shown only when it names a page of ``snapshot``
    (a public page, or the non-secret last segment of a private one); any other segment is
    ``***``, so no token, right or wrong, reaches a log. Non-ASCII and controls are quoted."""
    parts = path.split("/")
    shown = [
        p if p == "" or p in snapshot.private or "/" + p in snapshot.public else "***"
        for p in parts
    ]
    return quote("/".join(shown), safe="/*.-_~")


def _has_body(environ: dict[str, Any]) -> bool:
    return (environ.get("CONTENT_LENGTH") or "0").strip() != "0" or (
        "HTTP_TRANSFER_ENCODING" in environ
    )


class FeedApp:
    """WSGI app: GET/HEAD of the current snapshot; checks inputs at most once per
    ``check_interval`` seconds, from whichever request comes first."""

    def __init__(self, source: FeedSource, *, check_interval: float = 1.0) -> None:
        self.source = source
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._snapshot, self._seen = source.build()
        self._warn(self._snapshot)
        self._failing: str | None = None
        self._retry_at = 0.0
        self._checked = time.monotonic()

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def refresh(self) -> None:
        """Rebuild if the inputs changed. Requests arriving meanwhile keep the old snapshot."""
        if time.monotonic() - self._checked < self.check_interval:
            return
        if not self._lock.acquire(blocking=False):
            return
        try:
            self._checked = time.monotonic()
            current = self.source.inputs()
            if current == self._seen and (
                self._failing is None or time.monotonic() < self._retry_at
            ):
                return
            started = time.monotonic()
            try:
                snapshot, self._seen = self.source.build()
            except Exception as exc:  # noqa: BLE001 - whatever fails, the old feeds stay up
                # Retried at every check: the fix may be in a file not yet among the known
                # inputs (a CSV or template the config names but that does not exist yet).
                # A build that fails slowly (a template stopped at its time budget) is
                # retried with unchanged inputs only after ten times as long as it took.
                self._seen = current
                self._retry_at = time.monotonic() + 10 * (time.monotonic() - started)
                problem = str(exc) if isinstance(exc, TacalError) else repr(exc)
                if problem != self._failing:
                    log.error(
                        "inputs changed but do not build; still serving the previous feeds:\n%s",
                        problem,
                        exc_info=not isinstance(exc, TacalError),
                    )
                self._failing = problem
                return
            self._failing = None
            if snapshot.warnings != self._snapshot.warnings:
                self._warn(snapshot)
            self._snapshot = snapshot
            log.info("rebuilt %d feeds", snapshot.feeds)
        finally:
            self._lock.release()

    @staticmethod
    def _warn(snapshot: Snapshot) -> None:
        for warning in snapshot.warnings:
            log.warning("%s", warning)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "") or "/"
        try:
            status, headers, body = self.respond(method, path, environ)
        except Exception:  # noqa: BLE001 - waitress would log the unmasked path
            log.exception("error serving %s %s", method, mask(path, self._snapshot))
            status, headers, body = _plain("500 Internal Server Error", method)
        log.info(
            '%s "%s %s" %s %d',
            environ.get("REMOTE_ADDR", "-"),
            method,
            mask(path, self._snapshot),
            status.split(" ", 1)[0],
            len(body),
        )
        start_response(status, headers)
        wrapper = environ.get("wsgi.file_wrapper")
        if wrapper is not None and len(body) > _STREAM_OVER:
            # waitress copies a returned list into its output buffer and spills anything past
            # its outbuf_overflow (1 MB by default) to a temp file on every response; a file
            # wrapper streams from memory instead (measured: 3.2 MB feed, 4.7 -> 1.5 ms CPU
            # per request).
            return wrapper(io.BytesIO(body), 256 * 1024)  # type: ignore[no-any-return]
        return [body]

    def respond(
        self, method: str, path: str, environ: dict[str, Any]
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        self.refresh()
        if _has_body(environ):
            return _plain("413 Content Too Large", method)
        resource = self._snapshot.lookup(path)
        if resource is None:
            return _plain("404 Not Found", method)
        if method not in ("GET", "HEAD"):
            status, headers, body = _plain("405 Method Not Allowed", method)
            return status, [*headers, ("Allow", "GET, HEAD")], body
        zipped = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        body = resource.gzipped if zipped else resource.body
        etag = resource.gzip_etag if zipped else resource.etag
        headers = [
            ("ETag", etag),
            ("Cache-Control", resource.cache_control),
            ("Vary", "Accept-Encoding"),
        ]
        if resource.last_modified is not None:
            headers.append(("Last-Modified", format_datetime(resource.last_modified, True)))
        if resource.secret or resource.content_type == HTML_TYPE:
            headers.append(("Referrer-Policy", "no-referrer"))
        if not_modified(environ, etag, resource.last_modified):
            return "304 Not Modified", headers, b""
        headers += [
            ("Content-Type", resource.content_type),
            ("Content-Length", str(len(body))),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if zipped:
            headers.append(("Content-Encoding", "gzip"))
        if resource.content_type == HTML_TYPE:
            # inline styles, and only the one script whose hash is known (the copy button)
            headers.append(
                (
                    "Content-Security-Policy",
                    f"default-src 'none'; style-src 'unsafe-inline'; script-src {SCRIPT_CSP}",
                )
            )
        return "200 OK", headers, b"" if method == "HEAD" else body


def _plain(status: str, method: str) -> tuple[str, list[tuple[str, str]], bytes]:
    text = (status.split(" ", 1)[1] + "\n").encode()
    headers = [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(text))),
        ("Cache-Control", "no-store"),
    ]
    return status, headers, b"" if method == "HEAD" else text
