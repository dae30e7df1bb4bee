"""The week grid as data: per person, per week, seven day columns with positioned meetings.

The grid is laid out in each person's own zone, because that is the day they live: a 16:00
New York check-in is 21:00 for the London TA, and it must look late on her grid. Working hours
and workdays come from :func:`tacal.schedule.clocks.person_clock` (the same clock placement
and the people check use), and a meeting is *outside hours* exactly when
:meth:`~tacal.schedule.clocks.Clock.fits` says so, so the page and ``validate`` agree.
A meeting *overlaps* when another of the same person's meetings shares some of its time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from tacal.ical.expand import Occurrence
from tacal.model import Config, Person
from tacal.schedule.clocks import Clock, person_clock
from tacal.series.types import Series

DAY = 24 * 60

#: kinds a meeting is coloured by
KINDS = ("internal", "customer", "reminder")


def meeting_kinds(config: Config, series: Iterable[Series]) -> dict[str, str]:
    """UID -> ``customer`` (the series is external: it invites the customer), ``reminder``
    (a touch-base: the TA's own reminder to contact an account) or ``internal``."""
    rule_of = {c.id: c.rule for c in config.cadences}
    out = {}
    for s in series:
        if s.kind == "external":
            out[s.uid] = "customer"
        elif rule_of.get(s.cadence_id) == "touch-base":
            out[s.uid] = "reminder"
        else:
            out[s.uid] = "internal"
    return out


@dataclass(frozen=True)
class Block:
    """One occurrence on one person's grid: times in that person's zone, position in
    percent of the day column, and what is wrong with it (``flags``)."""

    occurrence: Occurrence
    start: dt.datetime
    end: dt.datetime
    kind: str
    flags: tuple[str, ...]
    top: float
    height: float
    lane: int = 0
    lanes: int = 1

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def label(self) -> str:
        """What a screen reader and the tooltip say."""
        text = (
            f"{self.start:%a %H:%M}-{self.end:%H:%M} {self.occurrence.summary} "
            f"({self.kind}, {self.minutes} min)"
        )
        if self.flags:
            text += ": " + ", ".join(FLAG_TEXT[f] for f in self.flags)
        return text


FLAG_TEXT = {"overlap": "overlaps another meeting", "outside": "outside working hours"}


@dataclass(frozen=True)
class Day:
    date: dt.date
    in_window: bool
    workday: bool
    holiday: bool
    #: the working-hours band, percent of the column
    band_top: float
    band_height: float
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Week:
    monday: dt.date
    days: tuple[Day, ...]

    @property
    def blocks(self) -> list[Block]:
        return [b for d in self.days for b in d.blocks]

    @property
    def hours(self) -> float:
        return sum(b.minutes for b in self.blocks) / 60

    @property
    def inside_hours(self) -> float:
        return sum(b.minutes for b in self.blocks if "outside" not in b.flags) / 60


@dataclass(frozen=True)
class PersonGrid:
    """Everything the page shows for one person."""

    key: str
    name: str
    email: str
    zone: str
    hours: str
    first_hour: int
    last_hour: int
    weeks: tuple[Week, ...]
    flagged: tuple[Block, ...] = field(default_factory=tuple)

    @property
    def blocks(self) -> list[Block]:
        return [b for w in self.weeks for b in w.blocks]

    @property
    def hour_labels(self) -> list[tuple[str, float]]:
        """(``"09:00"``, percent from the top) for every other hour of the grid."""
        span = self.last_hour - self.first_hour
        return [
            (f"{h:02d}:00", (h - self.first_hour) * 100 / span)
            for h in range(self.first_hour, self.last_hour, 2 if span > 8 else 1)
        ]


def attends(occ: Occurrence, email: str) -> bool:
    wanted = email.lower()
    return any(a.lower() == wanted for a in occ.attendees)


def _local_minutes(when: dt.datetime, day: dt.date, tz: ZoneInfo) -> int:
    local = when.astimezone(tz)
    return (local.date() - day).days * DAY + local.hour * 60 + local.minute


def _flags(occs: Sequence[Occurrence], clock: Clock) -> dict[int, tuple[str, ...]]:
    """index -> flags, for one person's occurrences sorted by start."""
    found: dict[int, set[str]] = {i: set() for i in range(len(occs))}
    active: list[int] = []
    for i, occ in enumerate(occs):
        active = [j for j in active if occs[j].end > occ.start]
        for j in active:
            found[i].add("overlap")
            found[j].add("overlap")
        active.append(i)
        if not clock.fits(occ.start, occ.end):
            found[i].add("outside")
    return {i: tuple(f for f in ("overlap", "outside") if f in s) for i, s in found.items()}


def _lanes(blocks: list[Block]) -> list[Block]:
    """Side by side where meetings share time, so an overlap is visible, not hidden."""
    ends: list[dt.datetime] = []
    placed = []
    for b in sorted(blocks, key=lambda b: (b.start, b.occurrence.uid)):
        lane = next((i for i, e in enumerate(ends) if e <= b.start), len(ends))
        if lane == len(ends):
            ends.append(b.end)
        else:
            ends[lane] = b.end
        placed.append((b, lane))
    lanes = max(len(ends), 1)
    return [
        Block(b.occurrence, b.start, b.end, b.kind, b.flags, b.top, b.height, lane, lanes)
        for b, lane in placed
    ]


def person_grid(
    config: Config,
    person: Person,
    occurrences: Iterable[Occurrence],
    window: tuple[dt.date, dt.date],
    kinds: Mapping[str, str],
) -> PersonGrid:
    """``person``'s weeks covering ``window`` (``[lo, hi)``, dates in their zone), with the
    occurrences they attend placed in their own zone."""
    lo, hi = window
    years = tuple(range(lo.year - 1, hi.year + 2))
    clock = person_clock(config.team, person, years)
    tz = clock.tz
    mine = sorted(
        (o for o in occurrences if attends(o, person.email)), key=lambda o: (o.start, o.uid)
    )
    flags = _flags(mine, clock)
    # the rows shown: the working day, stretched to every meeting of the window
    first = clock.start // 60
    last = -(-clock.end // 60)
    for occ in mine:
        start = occ.start.astimezone(tz)
        first = min(first, start.hour)
        last = max(last, min(24, -(-_local_minutes(occ.end, start.date(), tz) // 60)))
    first, last = max(0, first), min(24, max(last, first + 1))
    span = (last - first) * 60

    def pct(minute: int) -> float:
        return round(max(0.0, min(100.0, (minute - first * 60) * 100 / span)), 3)

    by_day: dict[dt.date, list[Block]] = {}
    flagged = []
    for i, occ in enumerate(mine):
        start, end = occ.start.astimezone(tz), occ.end.astimezone(tz)
        begin = _local_minutes(start, start.date(), tz)
        finish = min(_local_minutes(end, start.date(), tz), DAY)
        top = pct(begin)
        block = Block(
            occ,
            start,
            end,
            kinds.get(occ.uid, "internal"),
            flags[i],
            top,
            max(pct(finish) - top, 1.5),
        )
        by_day.setdefault(start.date(), []).append(block)
        if block.flags:
            flagged.append(block)
    # a meeting near midnight may fall on a day just outside the window in this zone: the
    # weeks stretch to it rather than lose it
    first_day = min([lo, *by_day])
    last_day = max([hi - dt.timedelta(days=1), *by_day])
    monday = first_day - dt.timedelta(days=first_day.weekday())
    weeks = []
    while monday <= last_day:
        days = []
        for n in range(7):
            date = monday + dt.timedelta(days=n)
            workday = date.weekday() in clock.workdays
            holiday = date in clock.holidays
            days.append(
                Day(
                    date,
                    lo <= date < hi,
                    workday,
                    holiday,
                    pct(clock.start),
                    pct(clock.end) - pct(clock.start),
                    tuple(_lanes(by_day.get(date, []))),
                )
            )
        weeks.append(Week(monday, tuple(days)))
        monday += dt.timedelta(days=7)
    return PersonGrid(
        person.key,
        person.name,
        person.email,
        clock.zone,
        clock.hours_text(),
        first,
        last,
        tuple(weeks),
        tuple(flagged),
    )


def team_grids(
    config: Config,
    occurrences: Sequence[Occurrence],
    window: tuple[dt.date, dt.date],
    kinds: Mapping[str, str],
    people: Iterable[Person] | None = None,
) -> list[PersonGrid]:
    """One grid per person who attends anything in the window (``people``: only those)."""
    chosen = list(people) if people is not None else list(config.people.values())
    by_email = by_attendee(occurrences)
    return [
        person_grid(config, p, by_email[p.email.lower()], window, kinds)
        for p in chosen
        if by_email.get(p.email.lower())
    ]


def by_attendee(occurrences: Iterable[Occurrence]) -> dict[str, list[Occurrence]]:
    """Lower-cased e-mail -> the occurrences that person attends, in the given order: one
    pass, instead of every person scanning every occurrence (:func:`attends` per person)."""
    out: dict[str, list[Occurrence]] = {}
    for occ in occurrences:
        for email in dict.fromkeys(a.lower() for a in occ.attendees):
            out.setdefault(email, []).append(occ)
    return out


__all__ = [
    "FLAG_TEXT",
    "KINDS",
    "Block",
    "Day",
    "PersonGrid",
    "Week",
    "attends",
    "by_attendee",
    "meeting_kinds",
    "person_grid",
    "team_grids",
]
