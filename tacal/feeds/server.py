"""``tacal serve``: the feeds over HTTP, from memory, rebuilt when their inputs change.

Design choices, each for a failure feed servers are known for:

- Routes are a dict lookup on the request path; nothing maps a path to the filesystem, so no
  spelling of ``..`` can reach a file. Private pages are found by their non-secret last
  segment and the token is then checked with :func:`hmac.compare_digest`; a wrong or missing
  token is a 404, exactly like an unknown path, so a probe learns nothing.
- Bytes are deterministic, so the strong ETag is a hash of them; the gzip representation has
  its own ETag (a hash of the gzip bytes, compressed with mtime 0). ``Last-Modified`` comes
  from the feed's DTSTAMPs and its state, and strictly increases whenever the bytes change,
  so ``If-Modified-Since`` alone never hides a change (e.g. a removed series).
- Every rebuild makes a complete new :class:`Snapshot` and swaps one reference: a request
  sees the old feeds or the new ones, never a mix. A failed rebuild (say, a half-saved
  config) logs the problem and keeps serving the last good snapshot.
- The access log masks every path segment but the last: tokens never reach a log.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import io
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tacal import clock
from tacal import config as config_mod
from tacal.errors import TacalError
from tacal.feeds.catalogue import Feed, settings
from tacal.feeds.site import HTML_TYPE, Page, build_site
from tacal.feeds.tokens import state_home, tokens_path
from tacal.model import Config
from tacal.output import write_atomic

#: Bodies larger than this are streamed through wsgi.file_wrapper.
_STREAM_OVER = 256 * 1024

log = logging.getLogger("tacal.server")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]

# --------------------------------------------------------------------------- representations


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


@dataclass(frozen=True)
class Resource:
    """One page in both encodings, with the validators of each."""

    body: bytes
    gzipped: bytes
    etag: str
    gzip_etag: str
    content_type: str
    cache_control: str
    last_modified: dt.datetime | None
    secret: bool

    @classmethod
    def of(cls, page: Page, last_modified: dt.datetime | None, max_age: int) -> Resource:
        zipped = gzip.compress(page.body, compresslevel=6, mtime=0)
        if page.content_type == HTML_TYPE:
            cache = "no-cache"
        else:
            cache = f"{'private' if page.token else 'public'}, max-age={max_age}"
        return cls(page.body, zipped, _etag(page.body), _etag(zipped), page.content_type,
                   cache, last_modified, page.token is not None)


@dataclass(frozen=True)
class Snapshot:
    """Everything served, immutable. ``private`` maps the last path segment to the
    (token, resource) pairs that share it (``index.html`` exists once per private feed)."""

    public: dict[str, Resource]
    private: dict[str, list[tuple[str, Resource]]]
    feeds: int

    def lookup(self, path: str) -> Resource | None:
        found = self.public.get(path)
        if found is not None:
            return found
        parts = path.split("/")
        if len(parts) != 3 or parts[0] != "":
            return None
        given = parts[1].encode("utf-8", "surrogateescape")
        match = None
        for token, resource in self.private.get(parts[2] or "index.html", ()):
            # compare every candidate: the time taken does not depend on which one matched
            if hmac.compare_digest(token.encode("ascii"), given):
                match = resource
        return match


# --------------------------------------------------------------------------- state


_DTSTAMP_RE = re.compile(rb"^DTSTAMP:(\d{8}T\d{6}Z)\r?$", re.MULTILINE)


def latest_dtstamp(data: bytes) -> dt.datetime | None:
    stamps = _DTSTAMP_RE.findall(data)
    if not stamps:
        return None
    return dt.datetime.strptime(max(stamps).decode(), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


class FeedState:
    """Each feed's last bytes and Last-Modified, kept in a folder across rebuilds and
    restarts: the bytes are the ``previous`` that SEQUENCE/DTSTAMP carry over from."""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self._bodies: dict[str, bytes | None] = {}
        self._meta_path = directory / "last-modified.json"
        try:
            raw = json.loads(self._meta_path.read_text(encoding="utf-8"))
            self._modified = {k: dt.datetime.fromisoformat(v) for k, v in raw.items()}
        except (OSError, ValueError, AttributeError, TypeError):
            self._modified = {}

    def previous(self, feed_id: str) -> bytes | None:
        if feed_id not in self._bodies:
            try:
                self._bodies[feed_id] = (self.dir / f"{feed_id}.ics").read_bytes()
            except OSError:
                self._bodies[feed_id] = None
        return self._bodies[feed_id]

    def commit(self, feed_id: str, body: bytes) -> dt.datetime | None:
        """Record the new bytes; return Last-Modified: the latest DTSTAMP, and at least one
        second later than before whenever the bytes changed."""
        before = self._modified.get(feed_id)
        if self.previous(feed_id) == body and before is not None:
            return before
        candidates = [d for d in (latest_dtstamp(body),
                                  before + dt.timedelta(seconds=1) if before else None) if d]
        modified = max(candidates) if candidates else None
        write_atomic(self.dir / f"{feed_id}.ics", body, mode=0o600)
        self._bodies[feed_id] = body
        if modified is not None:
            self._modified[feed_id] = modified
            text = json.dumps({k: v.isoformat() for k, v in sorted(self._modified.items())},
                              indent=1)
            write_atomic(self._meta_path, text.encode("utf-8"), mode=0o600)
        return modified


def default_state_dir(config_path: Path | None) -> Path:
    """``$XDG_STATE_HOME/tacal/serve/<config>-<hash of its absolute path>``: one per config,
    outside the config folder (which is often a git checkout)."""
    if config_path is None:
        return state_home() / "serve" / "default"
    digest = hashlib.sha256(str(config_path.resolve()).encode()).hexdigest()[:12]
    return state_home() / "serve" / f"{config_path.stem}-{digest}"


# --------------------------------------------------------------------------- inputs


def accounts_file(config: Config) -> Path | None:
    """The accounts CSV the config names (``accounts = "accounts.csv"``), resolved the way
    the config loader resolves it: relative to the config file."""
    return config.accounts_file


def input_files(config: Config) -> list[Path]:
    """Every file whose change changes the feeds: config, accounts CSV, user templates and
    the tokens sidecar (so ``tacal feeds rotate`` takes effect without a restart)."""
    files = [p for p in (config.path, accounts_file(config), tokens_path(config)) if p]
    for folder in config.template_dirs:
        if folder.is_dir():
            files.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
    return files


def _digest(path: Path) -> str:
    """A hash of the contents (not the mtime, whose granularity can hide a quick resave)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "-"


class FeedSource:
    """Builds snapshots from a config path, and digests the inputs to tell when they change."""

    def __init__(self, config_path: Path | None, *, base_url: str, state_dir: Path | None = None,
                 today_value: str | None = None) -> None:
        self.config_path = config_path
        self.base_url = base_url
        self.state = FeedState(state_dir or default_state_dir(config_path))
        self.today_value = today_value
        self._files: list[Path] = [config_path] if config_path else []
        self._folders: list[Path] = []

    def inputs(self) -> dict[str, str]:
        """Digest per input known from the last build: files, template folder listings, and
        today's date (a new fiscal year can move series starts)."""
        out = {"today": clock.today(self.today_value).isoformat()}
        for folder in self._folders:
            listing = sorted(str(p) for p in folder.rglob("*")) if folder.is_dir() else []
            out[f"dir:{folder}"] = hashlib.sha256(json.dumps(listing).encode()).hexdigest()
        for path in self._files:
            out[f"file:{path}"] = _digest(path)
        return out

    def build(self) -> tuple[Snapshot, dict[str, str]]:
        """A new snapshot, and the input digests it was built from.

        Digests are taken before reading, so an edit made during the build shows up as a
        change at the next check. Inputs first seen in this build (the config named a new
        CSV, a template was added) are digested after it, and so are the tokens when this
        build issued new ones; otherwise the next check would rebuild for nothing.
        """
        before = self.inputs()
        config = config_mod.load(self.config_path)
        max_age = min(300, int(settings(config).refresh.total_seconds()))
        site = build_site(config, today=clock.today(self.today_value),
                          now=clock.now(self.today_value), base_url=self.base_url,
                          previous=lambda feed, path: self.state.previous(feed.id))
        public: dict[str, Resource] = {}
        private: dict[str, list[tuple[str, Resource]]] = {}
        for page in site.pages:
            feed: Feed | None = page.feed
            modified = None
            if page.path.endswith(".ics") and feed is not None:
                modified = self.state.commit(feed.id, page.body)
            resource = Resource.of(page, modified, max_age)
            if page.token:
                private.setdefault(page.path.split("/", 1)[1], []).append((page.token, resource))
            else:
                public["/" + page.path] = resource
        public["/"] = public["/index.html"]
        self._files = input_files(config)
        self._folders = list(config.template_dirs)
        after = self.inputs()
        seen = {key: before.get(key, value) for key, value in after.items()}
        if site.tokens_written:
            key = f"file:{site.tokens.path}"
            seen[key] = after[key]
        return Snapshot(public, private, len(site.feeds)), seen


# --------------------------------------------------------------------------- the WSGI app


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


def mask(path: str) -> str:
    """The path for logs: every segment but the last hidden, non-ASCII and controls quoted."""
    parts = path.split("/")
    shown = [p if i in (0, len(parts) - 1) else "***" for i, p in enumerate(parts)]
    return quote("/".join(shown), safe="/*.-_~")


class FeedApp:
    """WSGI app: GET/HEAD of the current snapshot; checks inputs at most once per
    ``check_interval`` seconds, from whichever request comes first."""

    def __init__(self, source: FeedSource, *, check_interval: float = 1.0) -> None:
        self.source = source
        self.check_interval = check_interval
        self._lock = threading.Lock()
        self._snapshot, self._seen = source.build()
        self._failing: str | None = None
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
            if current == self._seen and self._failing is None:
                return
            try:
                snapshot, self._seen = self.source.build()
            except TacalError as exc:
                # Retried at every check: the fix may be in a file not yet among the known
                # inputs (a CSV or template the config names but that does not exist yet).
                self._seen = current
                if str(exc) != self._failing:
                    log.error("inputs changed but do not build; still serving the previous "
                              "feeds:\n%s", exc)
                self._failing = str(exc)
                return
            self._failing = None
            self._snapshot = snapshot
            log.info("rebuilt %d feeds", snapshot.feeds)
        finally:
            self._lock.release()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "") or "/"
        try:
            status, headers, body = self.respond(method, path, environ)
        except Exception:  # noqa: BLE001 - waitress would log the unmasked path
            log.exception("error serving %s %s", method, mask(path))
            status, headers, body = _plain("500 Internal Server Error", method)
        log.info('%s "%s %s" %s %d', environ.get("REMOTE_ADDR", "-"), method, mask(path),
                 status.split(" ", 1)[0], len(body))
        start_response(status, headers)
        wrapper = environ.get("wsgi.file_wrapper")
        if wrapper is not None and len(body) > _STREAM_OVER:
            # waitress copies a returned list into its output buffer and spills anything past
            # 1 MB to a temp file on every response; a file wrapper streams from memory instead
            # (measured: 3.2 MB feed, 4.7 -> 1.5 ms CPU per request).
            return wrapper(io.BytesIO(body), 256 * 1024)  # type: ignore[no-any-return]
        return [body]

    def respond(self, method: str, path: str,
                environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        self.refresh()
        resource = self._snapshot.lookup(path)
        if resource is None:
            return _plain("404 Not Found", method)
        if method not in ("GET", "HEAD"):
            status, headers, body = _plain("405 Method Not Allowed", method)
            return status, [*headers, ("Allow", "GET, HEAD")], body
        zipped = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        body = resource.gzipped if zipped else resource.body
        etag = resource.gzip_etag if zipped else resource.etag
        headers = [("ETag", etag), ("Cache-Control", resource.cache_control),
                   ("Vary", "Accept-Encoding")]
        if resource.last_modified is not None:
            headers.append(("Last-Modified", format_datetime(resource.last_modified, True)))
        if resource.secret or resource.content_type == HTML_TYPE:
            headers.append(("Referrer-Policy", "no-referrer"))
        if not_modified(environ, etag, resource.last_modified):
            return "304 Not Modified", headers, b""
        headers += [("Content-Type", resource.content_type),
                    ("Content-Length", str(len(body))),
                    ("X-Content-Type-Options", "nosniff")]
        if zipped:
            headers.append(("Content-Encoding", "gzip"))
        if resource.content_type == HTML_TYPE:
            headers.append(("Content-Security-Policy", "default-src 'none'; "
                            "style-src 'unsafe-inline'"))
        return "200 OK", headers, b"" if method == "HEAD" else body


def _plain(status: str, method: str) -> tuple[str, list[tuple[str, str]], bytes]:
    text = (status.split(" ", 1)[1] + "\n").encode()
    headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(text))),
               ("Cache-Control", "no-store")]
    return status, headers, b"" if method == "HEAD" else text


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
