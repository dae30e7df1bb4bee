"""Each person's own clock: time zone, working hours, workdays, holidays and meeting budget.

Series are written in the team's zone, but every attendee lives by their own clock: 14:00 in
New York is 19:00 in London, and a London TA does not work on US Thanksgiving but does not work on
the UK's bank holidays either. Placement (:mod:`tacal.schedule.occupancy`) asks two questions:

- *which team-local weekday/time cells are inside someone's hours on every week of the
  horizon* (:func:`off_cells`): the UTC offsets of two zones differ by different amounts in the
  weeks when only one of them is on summer time, so a cell counts as free only if it is inside
  the person's hours under every offset pair the horizon contains;
- *whether one dated occurrence fits* (:meth:`Clock.fits`): exact, in the person's own zone.

Public holidays come from the ``holidays`` package (maintained tables for about 200 countries
and their subdivisions), never from hand-written lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from tacal.model import WEEKDAYS, Account, Person, Team, slug

CELL = 5  # minutes; the grain of every availability check
DAY_CELLS = 24 * 60 // CELL


def minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _hhmm(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


@dataclass(frozen=True)
class Clock:
    """One person's (or customer's) working clock. Minutes are local to ``zone``."""

    key: str
    zone: str
    start: int
    end: int
    workdays: frozenset[int]  # 0 = Monday
    holidays: frozenset[dt.date] = frozenset()
    max_minutes: int | None = None
    label: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def hours_text(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"

    def is_workday(self, day: dt.date) -> bool:
        return day.weekday() in self.workdays and day not in self.holidays

    def fits(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether [start, end) (aware) lies on one of this clock's workdays, inside its hours."""
        local_start = start.astimezone(self.tz)
        local_end = end.astimezone(self.tz)
        if not self.is_workday(local_start.date()):
            return False
        first = minutes(local_start.time())
        last = (
            minutes(local_end.time())
            if local_end.date() == local_start.date()
            else (
                24 * 60 + minutes(local_end.time())
                if local_end.date() == local_start.date() + dt.timedelta(days=1)
                else 10**6
            )
        )
        return self.start <= first and last <= self.end


@lru_cache(maxsize=256)
def public_holidays(
    country: str, subdivision: str | None, years: tuple[int, ...]
) -> frozenset[dt.date]:
    """Public holidays of ``country`` (ISO 3166-1 alpha-2) and ``subdivision`` in ``years``."""
    import holidays as holidays_pkg  # imported when a country is named: a tenth of a start-up

    table = holidays_pkg.country_holidays(country, subdiv=subdivision, years=list(years))
    return frozenset(table.keys())


def country_problem(country: object, subdivision: object) -> str | None:
    """Why ``country``/``subdivision`` are not a known pair (None when they are)."""
    import holidays as holidays_pkg

    if not isinstance(country, str):
        return f'{country!r}: use an ISO 3166 country code such as "US" or "GB"'
    supported = holidays_pkg.list_supported_countries()
    if country not in supported:
        return (
            f"{country!r} is not a country the holidays package knows; use an ISO 3166 "
            'code such as "US", "GB", "DE"'
        )
    if subdivision is not None and subdivision not in supported[country]:
        shown = ", ".join(supported[country][:12])
        return (
            f"subdivision {subdivision!r} is not one of {country}'s "
            f"({shown}{', ...' if len(supported[country]) > 12 else ''})"
        )
    return None


def _days(codes: Iterable[str]) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(c) for c in codes)


def person_clock(team: Team, person: Person, years: tuple[int, ...]) -> Clock:
    """``person``'s clock: their own settings, else the team's."""
    country = person.country or team.country
    subdivision = person.subdivision if person.country else team.subdivision
    hols = set(team.holidays) | set(person.holidays)
    if country:
        hols |= public_holidays(country, subdivision, years)
    start, end = person.hours or (team.workday_start, team.workday_end)
    budget = person.max_meeting_hours_per_day or team.max_meeting_hours_per_day
    return Clock(
        key=person.key,
        zone=person.timezone or team.timezone,
        start=minutes(start),
        end=minutes(end) if end != dt.time(0) else 24 * 60,
        workdays=_days(person.workdays or team.workdays),
        holidays=frozenset(hols),
        max_minutes=int(budget * 60) if budget else None,
        label=person.name,
    )


def customer_clock(account: Account) -> Clock | None:
    """The customer's clock when the account names a zone, hours or workdays; else None
    (nothing is known about the customer's day, so nothing is assumed)."""
    if account.timezone is None and account.hours is None and account.workdays is None:
        return None
    start, end = account.hours or (dt.time(9, 0), dt.time(17, 0))
    return Clock(
        key=f"customer:{slug(account.name)}",
        zone=account.timezone or "UTC",
        start=minutes(start),
        end=minutes(end) if end != dt.time(0) else 24 * 60,
        workdays=_days(account.workdays or ("MO", "TU", "WE", "TH", "FR")),
        label=f"{account.name} (customer)",
    )


@lru_cache(maxsize=1024)
def hourly_shifts(
    zone: str, team_zone: str, first: dt.date, last: dt.date
) -> dict[tuple[int, int], frozenset[int]]:
    """(team-local weekday, hour) -> every (zone offset - team offset), in minutes, seen at that
    team-local weekday and hour between ``first`` and ``last``.

    Per weekday and hour, not overall: the two zones change at different moments (2 a.m. local
    each), and the odd hour in between on a Sunday night must not make every Tuesday afternoon
    look different.
    """
    if zone == team_zone:
        return {(w, h): frozenset({0}) for w in range(7) for h in range(24)}
    a, b = ZoneInfo(zone), ZoneInfo(team_zone)
    out: dict[tuple[int, int], set[int]] = {}
    day = first
    while day <= last:
        for hour in range(24):
            local = dt.datetime.combine(day, dt.time(hour, 30), tzinfo=b)
            off_b = local.utcoffset() or dt.timedelta(0)
            off_a = local.astimezone(a).utcoffset() or dt.timedelta(0)
            out.setdefault((day.weekday(), hour), set()).add(
                int((off_a - off_b).total_seconds() // 60)
            )
        day += dt.timedelta(days=1)
    return {k: frozenset(v) for k, v in out.items()}


def offset_shifts(zone: str, team_zone: str, first: dt.date, last: dt.date) -> frozenset[int]:
    """Every (zone offset - team offset) in minutes between ``first`` and ``last``."""
    found: set[int] = set()
    for shifts in hourly_shifts(zone, team_zone, first, last).values():
        found |= shifts
    return frozenset(found)


def off_cells(
    clock: Clock, team_zone: str, first: dt.date, last: dt.date
) -> frozenset[tuple[int, int]]:
    """Team-local (weekday, cell) pairs that are outside ``clock``'s hours in some week."""
    return _off_cells(clock.zone, clock.start, clock.end, clock.workdays, team_zone, first, last)


@lru_cache(maxsize=4096)
def _off_cells(
    zone: str,
    start: int,
    end: int,
    workdays: frozenset[int],
    team_zone: str,
    first: dt.date,
    last: dt.date,
) -> frozenset[tuple[int, int]]:
    by_hour = hourly_shifts(zone, team_zone, first, last)
    out = set()
    for weekday in range(7):
        for cell in range(DAY_CELLS):
            for shift in by_hour.get((weekday, cell * CELL // 60), frozenset({0})):
                local = cell * CELL + shift
                day_shift, local_min = divmod(local, 24 * 60)
                local_day = (weekday + day_shift) % 7
                if local_day not in workdays or local_min < start or local_min + CELL > end:
                    out.add((weekday, cell))
                    break
    return frozenset(out)


def team_window(clock: Clock, team_zone: str, first: dt.date, last: dt.date) -> str:
    """``clock``'s hours as team-local times, for messages ("14:00-22:00 in America/New_York")."""
    shifts = sorted(offset_shifts(clock.zone, team_zone, first, last))
    parts = []
    for shift in shifts:
        lo = (clock.start - shift) % (24 * 60)
        hi = (clock.end - shift) % (24 * 60) or 24 * 60
        parts.append(f"{lo // 60:02d}:{lo % 60:02d}-{hi // 60:02d}:{hi % 60:02d}")
    return " / ".join(dict.fromkeys(parts))


def dst_days(team_zone: str, first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    """The days from ``first`` to ``last`` on which a DST change may skip or repeat wall-clock
    time in ``team_zone``: the offset at 00:00, 12:00 and 23:59 is not the same. Every other
    day is clean at every cell, so :func:`dst_cells` looks only at these."""
    tz = ZoneInfo(team_zone)
    out = []
    day = first
    while day <= last:
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
        before = dt.datetime.combine(day, dt.time(0), tzinfo=tz).utcoffset()
        after = (dt.datetime.combine(day, dt.time(23, 59), tzinfo=tz)).utcoffset()
        if before != after or noon.utcoffset() != before:
            out.append(day)
        day += dt.timedelta(days=1)
    return tuple(out)


def cell_is_clean(day: dt.date, cell: int, tz: ZoneInfo) -> bool:
    """Whether the wall-clock time of ``cell`` (5-minute steps) on ``day`` exists exactly
    once in ``tz``."""
    return wall_time_is_clean(
        dt.datetime.combine(day, dt.time(cell * CELL // 60, cell * CELL % 60)), tz
    )


def dst_cells(team_zone: str, first: dt.date, last: dt.date) -> frozenset[tuple[dt.date, int]]:
    """(date, cell) pairs of wall-clock time in ``team_zone`` that a DST change skips or
    repeats: a meeting there would end before it starts, or last twice as long."""
    tz = ZoneInfo(team_zone)
    return frozenset(
        (day, cell)
        for day in dst_days(team_zone, first, last)
        for cell in range(DAY_CELLS)
        if not cell_is_clean(day, cell, tz)
    )


def wall_time_is_clean(wall: dt.datetime, tz: ZoneInfo) -> bool:
    """Whether a naive wall-clock time exists exactly once in ``tz`` (not in a gap or fold)."""
    early = wall.replace(tzinfo=tz, fold=0)
    late = wall.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        return False  # repeated (fold) or skipped (gap): the two readings differ
    back = early.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
    return back == wall


__all__ = [
    "CELL",
    "Clock",
    "cell_is_clean",
    "country_problem",
    "customer_clock",
    "dst_cells",
    "dst_days",
    "hourly_shifts",
    "minutes",
    "off_cells",
    "offset_shifts",
    "person_clock",
    "public_holidays",
    "team_window",
    "wall_time_is_clean",
]
