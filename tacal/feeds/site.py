"""The site: every feed's bytes and every subscribe page, planned from the config.

``publish`` (static files) and ``serve`` (HTTP) both call :func:`build_site`, so a feed has the
same URL path and the same bytes whichever way it is delivered. Every per-person and
per-account feed, and the team feed unless ``[feeds] team = "public"``, is private: it lives
under its own token (:mod:`tacal.feeds.tokens`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from icalendar import vDuration, vText

from tacal.config.lock import lock_path
from tacal.feeds.catalogue import Feed, feeds_of, settings
from tacal.feeds.pages import feed_page, feed_path, feed_url, index_page
from tacal.feeds.tokens import TokenStore, tokens_path
from tacal.ical.cache import SeriesCache
from tacal.ical.calendar import calendar_bytes
from tacal.ical.expand import Occurrence, expand
from tacal.ical.size import SPLIT_FEED, SPLIT_TEAM, size_warning
from tacal.ical.stamps import Stamp
from tacal.model import Config, FeedSettings, Person
from tacal.schedule.fiscal import parse_quarter
from tacal.series import Series, build_series
from tacal.views.grid import PersonGrid, by_attendee, meeting_kinds
from tacal.views.pages import subscribe_grid, two_weeks, week_view

ICS_TYPE = "text/calendar; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"


@dataclass(frozen=True)
class Page:
    """One file of the site. ``path`` is relative to the base URL; ``token`` is the secret
    first segment for private pages (None for public ones)."""

    path: str
    body: bytes
    content_type: str
    feed: Feed | None = None
    token: str | None = None


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
    series: list[Series] | None = None,
    stamps: Mapping[str, Stamp] | None = None,
    preview: bool = False,
) -> Site:
    """Every page of the site. SEQUENCE/DTSTAMP come from ``stamps`` (the lock's) when given,
    else from ``previous(feed, path)``, the feed's last bytes. Issues (and saves) tokens for
    new private feeds. ``preview`` adds the week view of the next quarter (``serve``'s
    ``/preview``), beside the team feed: under its token when the team feed is private."""
    planned, feeds, store, written = _plan(config, today, tokens, series)
    series = planned
    props = feed_props(settings(config))
    # a series is in the team feed, its people's and its account's: serialised once for all
    cache = SeriesCache.for_lock(lock_path(config))
    built: list[tuple[Feed, str, str | None, bytes]] = []
    pick = _Picker(series)
    for feed in feeds:
        path = feed_path(feed, store)
        # only the feed's own series: without the lock's stamps, each feed's are worked out
        # from its previous bytes, and hashing every series for every feed was most of the build
        body = calendar_bytes(
            config,
            today=today,
            now=now,
            previous=None if stamps is not None else previous(feed, path),
            for_email=feed.for_email,
            account=feed.account,
            name=feed.title,
            extra_props=props,
            series=pick(feed),
            stamps=stamps,
            cache=cache,
        )
        built.append((feed, path, store.tokens[feed.id] if feed.private else None, body))
    cache.save(s.uid for s in series)
    # every person's two weeks from one expansion of the team feed (a person's feed holds the
    # same events, selected), not one parse per person
    team_data = next(data for feed, _, _, data in built if feed.kind == "team")
    soon = _Soon(config, series, _soon(team_data, today, config.team.timezone), today)
    pages: list[Page] = []
    public: list[tuple[Feed, str]] = []
    for feed, path, token, data in built:
        pages.append(Page(path, data, ICS_TYPE, feed, token))
        url = feed_url(base_url, feed, store)
        if token:
            grid = soon.grid(feed)
            page = feed_page(feed, url, grid)
            pages.append(Page(f"{token}/index.html", page, HTML_TYPE, feed, token))
        else:
            public.append((feed, url))
        if preview and feed.kind == "team":
            where = f"{token}/preview" if token else "preview"
            body = _preview(config, series, data, today)
            pages.append(Page(where, body, HTML_TYPE, feed, token))
    private_count = sum(1 for f in feeds if f.private)
    pages.insert(0, Page("index.html", index_page(config, public, private_count), HTML_TYPE))
    return Site(pages, feeds, store, written)


class _Picker:
    """The series of a feed, as :func:`tacal.ical.calendar.select` chooses them (same series,
    same order), from an index built once instead of a scan of every series per feed."""

    def __init__(self, series: list[Series]) -> None:
        self.series = series
        self.by_email: dict[str, list[int]] = {}
        self.by_account: dict[str, list[int]] = {}
        for i, s in enumerate(series):
            emails = {a.email.lower() for a in s.attendees}
            if s.organizer is not None:
                emails.add(s.organizer.email.lower())
            for email in emails:
                self.by_email.setdefault(email, []).append(i)
            if s.account is not None:
                self.by_account.setdefault(s.account.casefold(), []).append(i)

    def __call__(self, feed: Feed) -> list[Series]:
        if not feed.for_email and not feed.account:
            return self.series
        picked: set[int] | None = None
        if feed.for_email:
            picked = set(self.by_email.get(feed.for_email.lower(), ()))
        if feed.account:
            of_account = set(self.by_account.get(feed.account.casefold(), ()))
            picked = of_account if picked is None else picked & of_account
        return [self.series[i] for i in sorted(picked or ())]


def _soon(team_data: bytes, today: dt.date, zone: str) -> list[Occurrence]:
    """The team feed's occurrences of the subscribe pages' two weeks, a day either side (a
    person's zone may put a meeting on another date than the team's)."""
    lo, hi = two_weeks(today)
    lo, hi = lo - dt.timedelta(days=1), hi + dt.timedelta(days=1)
    return expand(near(team_data, lo, hi), lo, hi, zone)


class _Soon:
    """The subscribe pages' two weeks, drawn from one expansion of the team feed: the
    meetings' kinds, who has which e-mail and who attends what are worked out once for all
    the pages, not once per person."""

    def __init__(
        self, config: Config, series: list[Series], soon: list[Occurrence], today: dt.date
    ) -> None:
        self.config = config
        self.series = series
        self.today = today
        self.kinds = meeting_kinds(config, series)
        self.by_email = by_attendee(soon)
        self.people: dict[str, Person] = {}
        for p in config.people.values():
            self.people.setdefault(p.email, p)  # the first with that e-mail, as before

    def grid(self, feed: Feed) -> PersonGrid | None:
        """A person's next two weeks, for their page (None for other feeds)."""
        person = self.people.get(feed.for_email) if feed.for_email else None
        if feed.kind != "person" or person is None:
            return None
        mine = self.by_email.get(person.email.lower(), [])
        return subscribe_grid(self.config, self.series, person, mine, self.today, self.kinds)


def _preview(config: Config, series: list[Series], data: bytes, today: dt.date) -> bytes:
    """The week view of the next fiscal quarter, as ``tacal preview --format html`` shows it."""
    team = config.team
    q = parse_quarter("next", today, team.fiscal_year_start, team.fiscal_year_naming)
    occurrences = expand(near(data, q.start, q.end), q.start, q.end, team.timezone)
    page = week_view(
        config,
        series,
        occurrences,
        (q.start, q.end),
        title=f"{team.name}: {q.label} ({q.start} to {q.end - dt.timedelta(days=1)})",
        subtitle=f"times in {team.timezone}",
        today=today,
    )
    return page.encode("utf-8")


_VEVENT = re.compile(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.DOTALL)
_REPEATS = ("RRULE", "RDATE", "EXRULE")
#: more than any zone's distance from the team's: a one-off dated this far outside the
#: window cannot start inside it, whatever its zone
_SLACK = dt.timedelta(days=2)


def near(data: bytes, lo: dt.date, hi: dt.date) -> bytes:
    """``data`` without the one-off events dated well outside ``[lo, hi)``: expanding a
    window of the team feed parses the whole file, and most of a big team's renewal checks,
    QBRs and kick-offs are months away. Read from the bytes themselves, so the expansion
    still shows what the file means: an event (all of a UID's VEVENTs) is left out only when
    none of them repeats (RRULE, RDATE, EXRULE) or holds another component, and every one's
    DTSTART is a date more than two days outside the window. Anything unexpected is kept."""
    blocks = []
    drop: dict[str, bool] = {}
    for m in _VEVENT.finditer(data):
        uid, far = _far_one_off(m.group(), lo - _SLACK, hi + _SLACK)
        if uid is None:
            return data
        drop[uid] = drop.get(uid, True) and far
        blocks.append((m, uid))
    if not any(drop.values()):
        return data
    out, at = [], 0
    for m, uid in blocks:
        if drop[uid]:
            out.append(data[at : m.start()])
            at = m.end()
    out.append(data[at:])
    return b"".join(out)


def _far_one_off(block: bytes, lo: dt.date, hi: dt.date) -> tuple[str | None, bool]:
    """The VEVENT's UID (None when it has none) and whether it is a one-off dated before
    ``lo`` or after ``hi``."""
    text = block.decode("utf-8", "replace").replace("\r\n ", "").replace("\r\n\t", "")
    lines = text.split("\r\n")
    props: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.split(";", 1)[0].upper()
        if name == "BEGIN":
            props["BEGIN"] = value  # a nested component: never left out
        props.setdefault(name, line)
    uid = props.get("UID", "").partition(":")[2] or None
    if uid is None or "BEGIN" in props or any(r in props for r in _REPEATS):
        return uid, False
    start = props.get("DTSTART", "").rpartition(":")[2][:8]
    try:
        day = dt.date(int(start[:4]), int(start[4:6]), int(start[6:8]))
    except ValueError:
        return uid, False
    return uid, day < lo or day > hi


def size_warnings(pages: list[Page]) -> list[str]:
    """A warning for each feed too large for Google Calendar to subscribe to."""
    out = []
    for page in pages:
        if page.feed is not None and page.path.endswith(".ics"):
            split = SPLIT_TEAM if page.feed.kind == "team" else SPLIT_FEED
            warning = size_warning(f"feed {page.feed.id}", len(page.body), split)
            if warning:
                out.append(warning)
    return out


def _plan(
    config: Config, today: dt.date, tokens: TokenStore | None, series: list[Series] | None = None
) -> tuple[list[Series], list[Feed], TokenStore, bool]:
    """Series, feeds and tokens; issues (and saves) tokens for new private feeds."""
    if series is None:
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
