"""The cadence model: validated, typed data that every later step reads.

Nothing here touches files or the clock; ``config`` builds these from TOML, ``rules`` turns them
into recurrence series.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from tacal.errors import Problem

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ROLES = ("ta", "director", "vp", "ae", "ce", "sdr", "other")
RULES = (
    "daily",
    "weekly",
    "biweekly",
    "monthly",
    "bimonthly",
    "quarterly",
    "fiscal-quarterly",
)
#: Per-account rules whose dates come from each account (built by ``account_series``).
ACCOUNT_RULES = ("check-in", "touch-base", "renewal", "onboarding")
#: Account rules whose meetings the account's TA organizes unless a cadence says otherwise:
#: the customer should get the invitation from the person they meet, not the team's director.
TA_ORGANIZED = ("check-in", "touch-base", "renewal")
#: Role references a cadence's ``organizer`` may use, and the ``per`` values that make each
#: one person: an account has one TA and one AE; a per-TA series one TA, a per-AE one AE.
ORGANIZER_ROLES = {"@ta": ("account", "ta"), "@ae": ("account", "ae")}
KINDS = ("internal", "external")
PER = ("team", "ta", "ae", "account")
CHECK_INS = ("weekly", "biweekly", "monthly", "bimonthly", "quarterly")
HEALTHS = ("green", "yellow", "red")


@dataclass(frozen=True)
class Team:
    name: str
    id: str
    timezone: str
    fiscal_year_start: int = 1
    fiscal_year_naming: str = "end"
    workdays: tuple[str, ...] = ("MO", "TU", "WE", "TH", "FR")
    holidays: tuple[dt.date, ...] = ()
    start: dt.date | None = None
    organizer: str | None = None
    calendar: str = "primary"
    workday_start: dt.time = dt.time(9, 0)
    workday_end: dt.time = dt.time(17, 0)
    leadership: tuple[str, ...] = ()
    #: Public holidays (ISO 3166 code for the ``holidays`` package) for people without their own.
    country: str | None = None
    subdivision: str | None = None
    max_meeting_hours_per_day: float | None = None
    #: Where ``holidays`` is written (``PATH:LINE: team.holidays``), for warnings after loading.
    holidays_where: str = ""
    #: How far ahead people's busy times count (``busy_horizon = "P8W"``).
    busy_horizon: dt.timedelta = dt.timedelta(weeks=8)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _holiday_set(self) -> frozenset[dt.date]:
        return frozenset(self.holidays)

    def is_workday(self, day: dt.date) -> bool:
        return WEEKDAYS[day.weekday()] in self.workdays and day not in self._holiday_set

    def next_workday(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a workday, else the first workday after it."""
        for _ in range(400):
            if self.is_workday(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no workday within 400 days: check team.workdays and team.holidays")


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str
    role: str = "other"
    #: Each person's own clock; None means "the team's" (see :mod:`tacal.schedule.clocks`).
    timezone: str | None = None
    hours: tuple[dt.time, dt.time] | None = None
    workdays: tuple[str, ...] | None = None
    holidays: tuple[dt.date, ...] = ()  # added to the team's
    country: str | None = None  # replaces the team's country
    subdivision: str | None = None
    max_meeting_hours_per_day: float | None = None
    holidays_where: str = ""  # ``PATH:LINE: people.KEY.holidays``
    #: Where this person's busy times come from: ``"google"``, an http(s) URL, or an
    #: absolute path to an .ics file (resolved against the config's folder); None: nowhere.
    busy: str | None = None
    busy_where: str = ""  # ``PATH:LINE: people.KEY.busy``


@dataclass(frozen=True)
class Account:
    name: str
    ta: str | None = None
    ae: str | None = None
    ce: str | None = None
    sdr: str | None = None
    contacts: tuple[str, ...] = ()
    check_in: str = "monthly"
    arr: float = 0.0
    renewal: dt.date | None = None
    health: str = "green"
    expansion: bool = False
    onboarding_start: dt.date | None = None
    where: str = ""
    #: The customer's clock, when known: external meetings also fit the customer's day.
    timezone: str | None = None
    hours: tuple[dt.time, dt.time] | None = None
    workdays: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Cadence:
    id: str
    summary: str
    rule: str
    time: dt.time
    duration: int
    day: str | None = None
    week: int | None = None
    attendees: tuple[str, ...] = ()
    template: str | None = None
    description: str | None = None
    kind: str = "internal"
    location: str | None = None
    per: str = "team"
    until: dt.date | None = None
    days_before: int | None = None  # renewal lead time / renewal window (account cadences)
    workdays_after: int | None = None  # onboarding step offset from onboarding_start
    top3: bool = False  # per-TA: the next occurrence names that TA's Top 3 accounts
    #: who sends the invitations: "@ta"/"@ae" (that series' TA/AE), a person key or an email;
    #: None means the default (:data:`TA_ORGANIZED` rules: the account's TA; else team.organizer)
    organizer: str | None = None
    where: str = ""


@dataclass(frozen=True)
class AccountsImport:
    """How an ``[accounts]`` table read its export: what ``tacal accounts`` shows."""

    file: Path
    preset: str | None = None
    encoding: str = "UTF-8"
    delimiter: str = ","
    #: (tacal field, where its value came from: a header, or a rule), in field order.
    columns: tuple[tuple[str, str], ...] = ()
    #: Headers of the export that no field reads.
    unused: tuple[str, ...] = ()
    #: (header, date format) of each date column.
    date_formats: tuple[tuple[str, str], ...] = ()
    #: Account names in file order (the rows as tacal read them).
    names: tuple[str, ...] = ()
    #: Keys of the people ``add_people`` created.
    added_people: tuple[str, ...] = ()
    contacts_file: Path | None = None
    #: Contact rows read from ``contacts_file`` and attached to an account.
    contacts_rows: int = 0
    #: Lines of a trailing report footer that were skipped.
    footer_lines: int = 0


DEFAULT_REFRESH = "PT1H"
SEND_UPDATES = ("none", "all", "externalOnly")
SYNC_TARGETS = ("google", "caldav")


@dataclass(frozen=True)
class FeedSettings:
    """The ``[feeds]`` table. The team feed is private unless the config says otherwise,
    because its agendas name customers and revenue."""

    team_public: bool = False
    refresh: dt.timedelta = dt.timedelta(hours=1)
    refresh_text: str = DEFAULT_REFRESH
    base_url: str | None = None


@dataclass(frozen=True)
class SyncSettings:
    """The ``[sync]`` table; None means "not set" (a flag, then a safe default decide)."""

    calendar: str | None = None
    send_updates: str | None = None
    batch_size: int | None = None
    credentials: str | None = None  # resolved against the config's folder
    as_user: str | None = None
    token: str | None = None  # resolved against the config's folder
    delete_threshold: float | None = None
    target: str | None = None  # "google" (the default) or "caldav"
    caldav_url: str | None = None
    username: str | None = None  # CalDAV; the password only from $TACAL_CALDAV_PASSWORD
    #: a service account with domain-wide delegation writes each series into its
    #: organizer's own calendar, as that organizer
    delegate: bool = False


SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class InviteSettings:
    """The ``[invite]`` table (iMIP over SMTP). The password is never here: it is read from
    ``$TACAL_SMTP_PASSWORD`` only, so a config that is committed or shared holds no secret."""

    smtp_host: str | None = None
    smtp_port: int | None = None  # None: 587 (starttls), 465 (ssl) or 25 (none)
    security: str = "starttls"
    username: str | None = None
    #: From address for every organizer (a string in the file) ...
    sender: str | None = None
    #: ... or per organizer: person key or organizer e-mail (lower case) -> From address
    senders: tuple[tuple[str, str], ...] = ()
    max_per_minute: int = 30
    state: str | None = None  # the send log; resolved against the config's folder
    #: e-mail domains counted as the team's (besides the [people] addresses)
    internal_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class LockEntry:
    """What tacal remembers of one series (see :mod:`tacal.config.lock`)."""

    placed: dt.date  # the day the series entered the lock: its DTSTART is on or after it
    start: dt.datetime  # DTSTART (wall clock, the series' zone)
    sequence: int
    dtstamp: dt.datetime  # UTC
    hash: str  # content hash (tacal.ical.stamps)
    inputs: str = ""  # hash of what it asks of placement: unchanged, it keeps a slot that fits
    slot: str = ""  # "WE 13:00 2" (weekday, time, week of month) for placed series
    people: tuple[str, ...] = ()  # internal attendees the slot was found for
    duration: int = 0  # minutes
    # what the series said, so `tacal plan` can show what a build changes:
    summary: str = ""
    rule: str | None = None  # RRULE value; "" for a one-off; None in locks from before
    skip: tuple[dt.datetime, ...] = ()  # occurrences of the rule that do not happen (moved)
    extra: tuple[dt.datetime, ...] = ()  # occurrences outside the rule (where they moved)
    attendees: tuple[str, ...] = ()  # e-mail addresses
    #: holiday moves as placement made them, (occurrence on the holiday, where it went): the
    #: next build gives them back first (skip and extra are what the calendar shows)
    moves: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    #: occurrences moved off someone's busy time (``tacal plan --apply --resolve
    #: UID=override``), (occurrence, where it went): every later build keeps them there
    busy_moves: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    #: occurrences that meet someone's busy time and were kept there on purpose
    #: (``--resolve UID=keep``): no longer reported as collisions
    busy_kept: tuple[dt.datetime, ...] = ()


@dataclass(frozen=True)
class PersonBusy:
    """One person's busy times from their ``busy`` source, as fetched for one run.

    ``blocks`` are (start, end) aware datetimes, sorted and merged; ``failed`` names the
    sources that could not be read (then placement goes on without them, and says so)."""

    blocks: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    failed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Busy:
    """Everyone's busy times over ``[start, end)``: plain data handed to placement, which
    never fetches anything itself (:mod:`tacal.busy` does, at the command's edge)."""

    start: dt.datetime
    end: dt.datetime
    people: dict[str, PersonBusy] = field(default_factory=dict)
    #: Located warnings from fetching (an unreachable source, an unreadable feed).
    warnings: tuple[Problem, ...] = ()

    def blocks(self, person: str) -> tuple[tuple[dt.datetime, dt.datetime], ...]:
        found = self.people.get(person)
        return found.blocks if found is not None else ()

    def missing(self) -> tuple[str, ...]:
        """Keys of the people whose busy source failed (sorted)."""
        return tuple(sorted(k for k, v in self.people.items() if v.failed))


@dataclass(frozen=True)
class Lock:
    """The project's memory: placements and stamps per series UID, for one team."""

    team: str
    entries: dict[str, LockEntry] = field(default_factory=dict)
    path: Path | None = None


@dataclass
class Config:
    """Everything a build needs; ``path`` is None for the built-in default."""

    team: Team
    people: dict[str, Person]
    cadences: list[Cadence]
    accounts: list[Account] = field(default_factory=list)
    path: Path | None = None
    template_dirs: list[Path] = field(default_factory=list)
    feeds: FeedSettings = field(default_factory=FeedSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    invite: InviteSettings = field(default_factory=InviteSettings)
    #: The accounts CSV (``accounts = "file.csv"``), resolved against the config's folder.
    accounts_file: Path | None = None
    #: How an ``[accounts]`` table read its CRM export (None for other sources).
    accounts_import: AccountsImport | None = None
    #: Warnings found while loading (printed by the CLI; the config is still valid).
    warnings: tuple[Problem, ...] = ()
    #: What earlier builds placed and stamped (empty for a config with no lock yet).
    lock: Lock | None = None
    #: People's busy times, fetched at the command's edge (None: no busy sources used).
    busy: Busy | None = None

    @property
    def source(self) -> str:
        return str(self.path) if self.path else "built-in default"

    def people_with_role(self, role: str) -> list[Person]:
        return [p for p in self.people.values() if p.role == role]

    @property
    def uses_busy(self) -> bool:
        """Whether anyone has a ``busy`` source (only then does a command fetch anything)."""
        return any(p.busy for p in self.people.values())


def slug(name: str) -> str:
    """The UID-safe form of an account name; two accounts must not share one."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "x"
