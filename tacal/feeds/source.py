"""What ``tacal serve`` serves: snapshots of the site, rebuilt from the config on demand.

- A :class:`Snapshot` holds every page in both encodings with its validators, and is never
  changed after it is built: a rebuild makes a new one.
- Bytes are deterministic, so the strong ETag is a hash of them; the gzip representation has
  its own ETag (a hash of the gzip bytes, compressed with mtime 0).
- ``Last-Modified`` comes from the feed's DTSTAMPs and its state, and strictly increases
  whenever the bytes change, so ``If-Modified-Since`` alone never hides a change (e.g. a
  removed series).
- SEQUENCE/DTSTAMP come from the config's lock, which every rebuild writes when it changes,
  as ``tacal build`` does: serve, build, publish and sync give the same stamps.
- Each feed's last bytes and Last-Modified are kept in a state folder across rebuilds and
  restarts (:class:`FeedState`); the bytes stand in for the lock only for series it lacks.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from pathlib import Path

from tacal import clock
from tacal import config as config_mod
from tacal.config import lock as lock_file
from tacal.feeds.catalogue import Feed, feeds_of, settings
from tacal.feeds.site import HTML_TYPE, Page, build_site, size_warnings
from tacal.feeds.tokens import state_home
from tacal.feeds.watch import input_digests, input_files
from tacal.ical.calendar import next_lock, stamps_for
from tacal.ical.stamps import Stamp, lock_stamps, previous_stamps
from tacal.model import Config
from tacal.output import write_atomic
from tacal.series import Series, build_series

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
        return cls(
            page.body,
            zipped,
            _etag(page.body),
            _etag(zipped),
            page.content_type,
            cache,
            last_modified,
            page.token is not None,
        )


@dataclass(frozen=True)
class Snapshot:
    """Everything served, immutable. ``private`` maps the last path segment to the
    (token, resource) pairs that share it (``index.html`` exists once per private feed)."""

    public: dict[str, Resource]
    private: dict[str, list[tuple[str, Resource]]]
    feeds: int
    #: feeds too large for Google Calendar to subscribe to
    warnings: tuple[str, ...] = ()

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
    restarts: the bytes tell when a feed changed, and stand in for the lock's SEQUENCE/DTSTAMP
    for series it lacks (a state folder from before the lock existed)."""

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
        candidates = [
            d
            for d in (latest_dtstamp(body), before + dt.timedelta(seconds=1) if before else None)
            if d
        ]
        modified = max(candidates) if candidates else None
        write_atomic(self.dir / f"{feed_id}.ics", body, mode=0o600)
        self._bodies[feed_id] = body
        if modified is not None:
            self._modified[feed_id] = modified
            text = json.dumps(
                {k: v.isoformat() for k, v in sorted(self._modified.items())}, indent=1
            )
            write_atomic(self._meta_path, text.encode("utf-8"), mode=0o600)
        return modified


def default_state_dir(config_path: Path | None) -> Path:
    """``$XDG_STATE_HOME/tacal/serve/<config>-<hash of its absolute path>``: one per config,
    outside the config folder (which is often a git checkout)."""
    if config_path is None:
        return state_home() / "serve" / "default"
    digest = hashlib.sha256(str(config_path.resolve()).encode()).hexdigest()[:12]
    return state_home() / "serve" / f"{config_path.stem}-{digest}"


# --------------------------------------------------------------------------- the source


class FeedSource:
    """Builds snapshots from a config path, and digests the inputs to tell when they change."""

    def __init__(
        self,
        config_path: Path | None,
        *,
        base_url: str,
        state_dir: Path | None = None,
        today_value: str | None = None,
    ) -> None:
        self.config_path = config_path
        self.base_url = base_url
        self.state = FeedState(state_dir or default_state_dir(config_path))
        self.today_value = today_value
        self._files: list[Path] = [config_path] if config_path else []
        self._folders: list[Path] = []

    def inputs(self) -> dict[str, str]:
        """Digest per input known from the last build: files, template folder listings, and
        today's date (a new fiscal year can move series starts)."""
        return input_digests(clock.today(self.today_value), self._folders, self._files)

    def build(self) -> tuple[Snapshot, dict[str, str]]:
        """A new snapshot, and the input digests it was built from.

        Plans like ``tacal build``: from the config's lock, and writes the lock when the plan
        changed it, so serve, build, publish and sync agree on every SEQUENCE and DTSTAMP
        (the feeds' last bytes only stand in for series the lock does not know yet).

        Digests are taken before reading, so an edit made during the build shows up as a
        change at the next check. Inputs first seen in this build (the config named a new
        CSV, a template was added) are digested after it, and so are the tokens and the lock
        when this build wrote them; otherwise the next check would rebuild for nothing.
        """
        before = self.inputs()
        config = config_mod.load(self.config_path)
        today, now = clock.today(self.today_value), clock.now(self.today_value)
        max_age = min(300, int(settings(config).refresh.total_seconds()))
        series = build_series(config, today)
        stamps = self._stamps(config, series, now)
        site = build_site(
            config,
            today=today,
            now=now,
            base_url=self.base_url,
            previous=lambda feed, path: self.state.previous(feed.id),
            series=series,
            stamps=stamps,
            preview=True,
        )
        lock = lock_file.lock_path(config)
        lock_written = lock_file.save(next_lock(config, series, stamps, today), lock)
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
        # the lock is an input too: `tacal build` or `tacal plan --reflow --apply` may change it
        self._files = [*input_files(config), lock]
        self._folders = list(config.template_dirs)
        after = self.inputs()
        seen = {key: before.get(key, value) for key, value in after.items()}
        written = [site.tokens.path] if site.tokens_written else []
        for path in [*written, *([lock] if lock_written else [])]:
            key = f"file:{path}"
            seen[key] = after[key]
        return Snapshot(public, private, len(site.feeds), tuple(size_warnings(site.pages))), seen

    def _stamps(self, config: Config, series: list[Series], now: dt.datetime) -> dict[str, Stamp]:
        """SEQUENCE/DTSTAMP/hash per series: the lock's, else what a feed served last (a
        state folder from before the lock existed), else new."""
        locked = lock_stamps(config.lock)
        known: dict[str, Stamp] = {}
        if any(s.uid not in locked for s in series):
            for feed in feeds_of(config, series, settings(config).team_public):
                for uid, stamp in previous_stamps(self.state.previous(feed.id)).items():
                    known.setdefault(uid, stamp)
        return stamps_for(config, series, now, known)
