"""Subscribable feeds: which exist, their secret tokens, their bytes and subscribe pages.

``publish`` (static files) and ``serve`` (HTTP) both call :func:`build_site`, so a feed has the
same URL path and the same bytes whichever way it is delivered.

Every per-person and per-account feed, and the team feed unless ``[feeds] team = "public"``,
lives under its own random token path segment. One token per feed means one leaked URL exposes
one feed only; that is also why the public root ``index.html`` never names private feeds (their
titles carry people and customer names) and each private feed gets its own subscribe page at
``<token>/index.html`` instead.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from icalendar import vDuration, vText

from tacal.errors import TacalError
from tacal.ical.calendar import calendar_for, select
from tacal.model import Config, FeedSettings, slug
from tacal.output import read_if_exists, write_atomic
from tacal.series import Series, build_series

TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 32 URL-safe characters, 192 bits
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,}$")
ENV_STATE = "XDG_STATE_HOME"


def settings(config: Config) -> FeedSettings:
    """The config's ``[feeds]`` table, validated when the config was loaded."""
    return config.feeds


# --------------------------------------------------------------------------- which feeds exist


@dataclass(frozen=True)
class Feed:
    """One subscribable calendar. ``id`` is stable (it names the token and the file)."""

    id: str
    kind: str  # "team" | "person" | "account"
    title: str
    private: bool
    for_email: str | None = None
    account: str | None = None

    @property
    def filename(self) -> str:
        return f"{self.id}.ics"


def feeds_of(config: Config, series: list[Series], team_public: bool) -> list[Feed]:
    """The team feed, one per person with at least one series, one per account."""
    team = config.team
    out = [Feed("team", "team", team.name, private=not team_public)]
    for person in config.people.values():
        if select(series, for_email=person.email):
            out.append(Feed(f"person-{slug(person.key)}", "person",
                            f"{team.name}: {person.name}", True, for_email=person.email))
    for account in config.accounts:
        out.append(Feed(f"account-{slug(account.name)}", "account",
                        f"{team.name}: {account.name}", True, account=account.name))
    seen: dict[str, Feed] = {}
    for f in out:
        if f.id in seen:
            raise TacalError(f"two feeds would share the id {f.id!r} ({seen[f.id].title!r} and "
                             f"{f.title!r})", hint="make the person keys or account names "
                             "differ in more than case and punctuation")
        seen[f.id] = f
    return out


# --------------------------------------------------------------------------- tokens


def state_home() -> Path:
    """``$XDG_STATE_HOME/tacal`` (default ``~/.local/state/tacal``)."""
    base = os.environ.get(ENV_STATE) or str(Path.home() / ".local" / "state")
    return Path(base) / "tacal"


def tokens_path(config: Config) -> Path:
    """A sidecar next to the config (``team.toml`` → ``team.tokens.json``), so the URLs
    belong to that config; the built-in default keeps its tokens in the state home."""
    if config.path is None:
        return state_home() / "default.tokens.json"
    return config.path.with_name(f"{config.path.stem}.tokens.json")


@dataclass
class TokenStore:
    """Feed id → token, plus the tokens each feed had before (so ``publish`` can delete
    the files left at old, possibly leaked, paths). Written atomically with mode 0600."""

    path: Path
    tokens: dict[str, str] = field(default_factory=dict)
    retired: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> TokenStore:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise TacalError(f"{path}: cannot read feed tokens: {exc.strerror or exc}") from None
        try:
            data = json.loads(text)
            tokens = {str(k): str(v) for k, v in data["tokens"].items()}
            retired = {str(k): [str(t) for t in v] for k, v in data.get("retired", {}).items()}
        except (ValueError, KeyError, TypeError, AttributeError):
            raise TacalError(f"{path}: not a tacal tokens file",
                             hint="fix it, or delete it to issue new feed URLs") from None
        bad = [k for k, v in tokens.items() if not TOKEN_RE.match(v)]
        if bad:
            raise TacalError(f"{path}: the token of {bad[0]!r} is not a tacal token",
                             hint="delete that entry; a new token is issued on the next run")
        return cls(path, tokens, retired)

    def ensure(self, feeds: Iterable[Feed]) -> bool:
        """Issue a token for each private feed that has none; True when any was issued."""
        changed = False
        for f in feeds:
            if f.private and f.id not in self.tokens:
                self.tokens[f.id] = secrets.token_urlsafe(TOKEN_BYTES)
                changed = True
        return changed

    def rotate(self, feed_ids: Iterable[str]) -> None:
        for fid in feed_ids:
            old = self.tokens.get(fid)
            if old:
                self.retired.setdefault(fid, []).append(old)
            self.tokens[fid] = secrets.token_urlsafe(TOKEN_BYTES)

    def save(self) -> None:
        data = {"version": 1, "tokens": dict(sorted(self.tokens.items())),
                "retired": dict(sorted(self.retired.items()))}
        text = json.dumps(data, indent=2) + "\n"
        write_atomic(self.path, text.encode("utf-8"), mode=0o600)

    def every_token(self) -> Iterable[tuple[str, str]]:
        """(feed id, token) for current and retired tokens."""
        for fid, tok in self.tokens.items():
            yield fid, tok
        for fid, toks in self.retired.items():
            for tok in toks:
                yield fid, tok


# --------------------------------------------------------------------------- URLs and pages


def feed_path(feed: Feed, tokens: TokenStore) -> str:
    """The feed's path relative to the base URL: ``team.ics`` or ``<token>/<id>.ics``."""
    return f"{tokens.tokens[feed.id]}/{feed.filename}" if feed.private else feed.filename


def feed_url(base_url: str, feed: Feed, tokens: TokenStore) -> str:
    return f"{base_url.rstrip('/')}/{feed_path(feed, tokens)}"


def webcal_url(url: str) -> str:
    """``webcal://``: the scheme that makes Apple Calendar and Outlook offer to subscribe."""
    return "webcal://" + url.split("://", 1)[1]


def google_url(url: str) -> str:
    """Google Calendar's "add by URL" link for the feed."""
    return "https://calendar.google.com/calendar/r?cid=" + quote(webcal_url(url), safe="")


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem}}
li{{margin:.6rem 0}}a{{margin-right:1rem}}</style>
</head>
<body>
<h1>{title}</h1>
{body}
</body>
</html>
"""


def _links(feed: Feed, url: str) -> str:
    e = html.escape
    return (f'<li><strong>{e(feed.title)}</strong><br>'
            f'<a class="webcal" href="{e(webcal_url(url))}">Subscribe</a>'
            f'<a class="google" href="{e(google_url(url))}">Add to Google Calendar</a>'
            f'<a class="ics" href="{e(url)}">Download .ics</a></li>')


def index_page(config: Config, public: list[tuple[Feed, str]], private_count: int) -> bytes:
    """The root page: links for public feeds only; private feeds are counted, not named."""
    items = "\n".join(_links(f, url) for f, url in public)
    body = f"<ul>\n{items}\n</ul>" if items else "<p>No public calendars.</p>"
    if private_count:
        body += (f"\n<p>{private_count} private calendar(s) are not listed here: each has its "
                 "own secret subscribe page (ask whoever runs tacal: "
                 "<code>tacal feeds list</code>).</p>")
    title = html.escape(f"{config.team.name} calendars")
    return _PAGE.format(title=title, body=body).encode("utf-8")


def feed_page(feed: Feed, url: str) -> bytes:
    """The subscribe page of one private feed, at that feed's secret path only."""
    body = (f"<ul>\n{_links(feed, url)}\n</ul>\n<p>This link is personal: anyone who has it "
            "can read this calendar.</p>")
    return _PAGE.format(title=html.escape(feed.title), body=body).encode("utf-8")


# --------------------------------------------------------------------------- the site


@dataclass(frozen=True)
class Page:
    """One file of the site. ``path`` is relative to the base URL; ``token`` is the secret
    first segment for private pages (None for public ones)."""

    path: str
    body: bytes
    content_type: str
    feed: Feed | None = None
    token: str | None = None


ICS_TYPE = "text/calendar; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


def feed_props(s: FeedSettings) -> dict[str, object]:
    """Calendar properties that tell subscribing clients how often to poll (RFC 7986
    REFRESH-INTERVAL needs VALUE=DURATION; Outlook reads X-PUBLISHED-TTL)."""
    refresh = vDuration(s.refresh)
    refresh.params["VALUE"] = "DURATION"
    return {"REFRESH-INTERVAL": refresh, "X-PUBLISHED-TTL": vText(s.refresh_text)}


@dataclass(frozen=True)
class Site:
    pages: list[Page]
    feeds: list[Feed]
    tokens: TokenStore
    tokens_written: bool


def build_site(
    config: Config,
    *,
    today: dt.date,
    now: dt.datetime,
    base_url: str,
    previous: Callable[[Feed, str], bytes | None],
    tokens: TokenStore | None = None,
) -> Site:
    """Every page of the site. ``previous(feed, path)`` gives the feed's last bytes, from
    which SEQUENCE/DTSTAMP carry over. Issues (and saves) tokens for new private feeds."""
    series, feeds, store, written = _plan(config, today, tokens)
    props = feed_props(settings(config))
    pages: list[Page] = []
    public: list[tuple[Feed, str]] = []
    for feed in feeds:
        path = feed_path(feed, store)
        cal = calendar_for(config, today=today, now=now, previous=previous(feed, path),
                           for_email=feed.for_email, account=feed.account, name=feed.title,
                           extra_props=props, series=series)
        token = store.tokens[feed.id] if feed.private else None
        pages.append(Page(path, cal.to_ical(), ICS_TYPE, feed, token))
        url = feed_url(base_url, feed, store)
        if token:
            pages.append(Page(f"{token}/index.html", feed_page(feed, url), HTML_TYPE, feed,
                              token))
        else:
            public.append((feed, url))
    private_count = sum(1 for f in feeds if f.private)
    pages.insert(0, Page("index.html", index_page(config, public, private_count), HTML_TYPE))
    return Site(pages, feeds, store, written)


def _plan(config: Config, today: dt.date, tokens: TokenStore | None
          ) -> tuple[list[Series], list[Feed], TokenStore, bool]:
    """Series, feeds and tokens; issues (and saves) tokens for new private feeds."""
    series = build_series(config, today)
    feeds = feeds_of(config, series, settings(config).team_public)
    store = tokens if tokens is not None else TokenStore.load(tokens_path(config))
    issued = store.ensure(feeds)
    if issued:
        store.save()
    return series, feeds, store, issued


def list_feeds(config: Config, today: dt.date) -> tuple[list[Feed], TokenStore, bool]:
    """The feeds and their tokens, without rendering any calendar; True when tokens for
    new feeds were issued (and saved)."""
    _, feeds, store, issued = _plan(config, today, None)
    return feeds, store, issued


# --------------------------------------------------------------------------- publish


@dataclass(frozen=True)
class PublishResult:
    written: list[str]
    unchanged: list[str]
    removed: list[str]
    site: Site


def publish(config: Config, directory: Path, *, today: dt.date, now: dt.datetime,
            base_url: str) -> PublishResult:
    """Write the site into ``directory``; unchanged files are not touched.

    The previous bytes of each feed are read from its current path, else from a path under
    one of its retired tokens, so rotating a token keeps SEQUENCE. Files tacal wrote at
    paths that are no longer current (rotated tokens, removed people or accounts, a team feed
    that became private) are deleted; nothing else in the folder is.
    """
    store = TokenStore.load(tokens_path(config))

    def previous(feed: Feed, path: str) -> bytes | None:
        tokens = [store.tokens.get(feed.id), *reversed(store.retired.get(feed.id, []))]
        candidates = [path, *(f"{t}/{feed.filename}" for t in tokens if t)]
        if feed.kind == "team":
            candidates.append(feed.filename)  # it was public before
        for rel in candidates:
            data = read_if_exists(directory / rel)
            if data is not None:
                return data
        return None

    site = build_site(config, today=today, now=now, base_url=base_url, previous=previous,
                      tokens=store)
    written, unchanged = [], []
    for page in site.pages:
        target = directory / page.path
        if read_if_exists(target) == page.body:
            unchanged.append(page.path)
            continue
        write_atomic(target, page.body)
        written.append(page.path)
    current = {p.path for p in site.pages}
    ours = {"team.ics"} | {f"{tok}/{name}" for fid, tok in store.every_token()
                           for name in (f"{fid}.ics", "index.html")}
    removed = []
    for rel in sorted(ours - current):
        target = directory / rel
        if target.is_file():
            target.unlink()
            removed.append(rel)
            if target.parent != directory:
                with contextlib.suppress(OSError):  # not empty: leave what else lives there
                    target.parent.rmdir()
    return PublishResult(written, unchanged, removed, site)

