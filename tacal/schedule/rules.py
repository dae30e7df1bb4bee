"""Cadence → RFC 5545 recurrence: the RRULE text, the first occurrence, holiday moves.

Pure functions on naive *wall-clock* datetimes in the team's zone, which is exactly how RFC 5545
expands an RRULE whose DTSTART carries a TZID: the same local time on every occurrence, whatever
the UTC offset. Portable rule shapes are preferred over clever ones (``FREQ=MONTHLY;INTERVAL=3``
with an aligned DTSTART, not ``BYMONTH`` lists) because Outlook only maps the common patterns.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from tacal.model import Cadence, Team
from tacal.schedule.fiscal import quarter_start_months

_MONTHLY_INTERVAL = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "fiscal-quarterly": 3}


#: One moved occurrence: (the occurrence the rule generates, the time it meets instead).
Move = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Recurrence:
    """A series' schedule; times are naive local wall-clock times in the team's zone.

    ``exdates`` are occurrences dropped with no replacement (a daily series' holiday, when it
    meets the next workday anyway); ``moves`` pair an occurrence with the time it meets instead
    (a holiday or a clash), sorted by the occurrence, and are written as RECURRENCE-ID
    overrides; ``rdates`` are extra occurrences of no occurrence of the rule (none today).
    """

    start: dt.datetime
    rrule: str | None
    exdates: tuple[dt.datetime, ...] = ()
    rdates: tuple[dt.datetime, ...] = ()
    moves: tuple[Move, ...] = ()


def _aligned_months(cadence: Cadence, team: Team) -> list[int]:
    """The calendar months a monthly-type rule may start in, so its INTERVAL lands right."""
    if cadence.rule == "fiscal-quarterly":
        return quarter_start_months(team.fiscal_year_start)
    if cadence.rule == "quarterly":
        return [1, 4, 7, 10]
    if cadence.rule == "bimonthly":
        return sorted({((team.fiscal_year_start - 1 + 2 * i) % 12) + 1 for i in range(6)})
    return list(range(1, 13))


def rrule_text(cadence: Cadence, team: Team, until_utc: dt.datetime | None = None) -> str:
    """The RRULE value (without ``RRULE:``) for a cadence."""
    rule = cadence.rule
    if rule.upper().startswith("RRULE:"):
        text = rule[len("RRULE:") :]
    elif rule == "daily":
        text = "FREQ=DAILY;BYDAY=" + ",".join(team.workdays)
    elif rule == "weekly":
        text = f"FREQ=WEEKLY;BYDAY={cadence.day}"
    elif rule == "biweekly":
        text = f"FREQ=WEEKLY;INTERVAL=2;BYDAY={cadence.day}"
    else:
        interval = _MONTHLY_INTERVAL[rule]
        text = "FREQ=MONTHLY" + (f";INTERVAL={interval}" if interval > 1 else "")
        text += f";BYDAY={cadence.week}{cadence.day}"
    if until_utc is not None and "UNTIL=" not in text.upper() and "COUNT=" not in text.upper():
        text += ";UNTIL=" + until_utc.strftime("%Y%m%dT%H%M%SZ")
    return text


def first_occurrence(cadence: Cadence, team: Team, start: dt.date) -> dt.datetime | None:
    """First wall-clock occurrence on or after ``start``, in a month the rule is aligned to."""
    at = dt.datetime.combine(start, cadence.time)
    if cadence.rule in ("weekly", "biweekly"):
        # The first such weekday on or after start, then every (other) week from there. An
        # INTERVAL=2 search would count from the week containing start and could skip a week.
        return _first_after(f"FREQ=WEEKLY;BYDAY={cadence.day}", at)
    if cadence.rule.upper().startswith("RRULE:") or cadence.rule == "daily":
        return _first_after(wall_clock(rrule_text(cadence, team), team.timezone), at)
    # Search month by month in the aligned months only; the series' INTERVAL then counts from it.
    months = _aligned_months(cadence, team)
    return _first_after(
        f"FREQ=MONTHLY;BYMONTH={','.join(map(str, months))};BYDAY={cadence.week}{cadence.day}",
        at,
    )


@lru_cache(maxsize=8192)
def _first_after(rule_text: str, at: dt.datetime) -> dt.datetime | None:
    """The rule's first occurrence on or after ``at``, counting from ``at``. Cached: accounts
    share days, times and the day they entered the lock, and parsing the rule each time was
    most of placing a locked series again."""
    return rrulestr(rule_text, dtstart=at).after(at, inc=True)


_UTC_UNTIL = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)


def wall_clock(rrule_value: str, timezone: str | None) -> str:
    """The rule with its UTC ``UNTIL`` (what RFC 5545 wants beside a TZID) as wall-clock time.

    Rules here expand from naive wall-clock starts, and dateutil refuses a UTC UNTIL with a naive
    DTSTART. Without a zone the UTC digits are read as wall-clock time, which is off by at most
    the zone's offset, and only on the last day.
    """

    def local(m: re.Match[str]) -> str:
        moment = dt.datetime.strptime(m.group(1), "%Y%m%dT%H%M%S")
        if timezone:
            moment = moment.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(timezone))
        return "UNTIL=" + moment.strftime("%Y%m%dT%H%M%S")

    return _UTC_UNTIL.sub(local, rrule_value)


@lru_cache(maxsize=8192)
def expand(
    rrule_value: str, start: dt.datetime, until: dt.datetime, timezone: str | None = None
) -> tuple[dt.datetime, ...]:
    """The rule's wall-clock occurrences in [start, until].

    Cached: accounts laid out in the same slot share rule and start, and each series is expanded
    for holiday moves and again for clash checks, so the same expansion recurs many times.
    """
    rule = rrulestr(wall_clock(rrule_value, timezone), dtstart=start)
    return tuple(rule.between(start, until, inc=True))


def occurrences(
    rec: Recurrence, until: dt.datetime, timezone: str | None = None
) -> list[dt.datetime]:
    """Wall-clock starts from the start through ``until`` (RRULE + RDATE − EXDATE, each moved
    occurrence at the time it meets instead).

    ``timezone`` (the series' zone) reads a UTC ``UNTIL`` exactly; without it the last day may
    be off by the zone's offset.
    """
    return sorted(start for _, start in instances(rec, until, timezone))


def instances(rec: Recurrence, until: dt.datetime, timezone: str | None = None) -> list[Move]:
    """(RECURRENCE-ID, start) of every meeting through ``until``, sorted by start: the
    occurrence of the rule it stands for and when it meets (the same but for moves).

    A moved occurrence counts when its new start is within ``until``, as an RDATE did.
    """
    found: set[dt.datetime] = set()
    if rec.rrule:
        found.update(expand(rec.rrule, rec.start, until, timezone))
    else:
        found.add(rec.start)
    found.update(d for d in rec.rdates if d <= until)
    found.difference_update(rec.exdates)
    moved = dict(rec.moves)
    found.difference_update(moved)
    out = [(d, d) for d in found]
    out += [(old, new) for old, new in moved.items() if new <= until]
    return sorted(out, key=lambda m: (m[1], m[0]))


def with_moves(
    rec: Recurrence, dropped: Iterable[dt.datetime], moves: Iterable[Move]
) -> Recurrence:
    """``rec`` with more occurrences dropped and moved.

    Two occurrences moved to the same time meet once (the second is dropped), as they did
    when moves were EXDATE + RDATE sets; two overrides would have doubled the meeting.
    """
    taken = {new for _, new in rec.moves}
    kept: list[Move] = list(rec.moves)
    exdates = set(rec.exdates) | set(dropped)
    for old, new in sorted(moves):
        if new in taken:
            exdates.add(old)
            continue
        taken.add(new)
        kept.append((old, new))
    return replace(rec, exdates=tuple(sorted(exdates)), moves=tuple(sorted(kept)))


def holiday_moves(
    start: dt.datetime, rrule_value: str | None, team: Team
) -> tuple[tuple[dt.datetime, ...], tuple[Move, ...]]:
    """Occurrences on holidays: moved to the same time on the next workday, or dropped (the
    EXDATEs) when the rule already meets that day (a daily series), rather than doubled."""
    if not team.holidays:
        return (), ()
    last = dt.datetime.combine(team.holidays[-1], dt.time(23, 59, 59))
    if rrule_value:
        # A month past the last holiday covers the workday a meeting moves to (and whether the
        # rule already meets that day); the rest of the series cannot be affected.
        planned = list(expand(rrule_value, start, last + dt.timedelta(days=31), team.timezone))
    else:
        planned = [start]
    planned_days = {d.date() for d in planned}
    holidays = set(team.holidays)
    dropped: list[dt.datetime] = []
    moves: list[Move] = []
    for occ in planned:
        if occ.date() not in holidays:
            continue
        target = team.next_workday(occ.date())
        if target in planned_days:
            dropped.append(occ)
        else:
            moves.append((occ, dt.datetime.combine(target, occ.time())))
    rec = with_moves(Recurrence(start, rrule_value), dropped, moves)
    return rec.exdates, rec.moves


def recurrence(cadence: Cadence, team: Team, start: dt.date) -> Recurrence | None:
    """The full schedule of a cadence from ``start``; None when it has no occurrence at all."""
    first = first_occurrence(cadence, team, start)
    if first is None:
        return None
    until_utc = None
    if cadence.until is not None:
        if cadence.until < first.date():
            return None
        local_end = dt.datetime.combine(cadence.until, dt.time(23, 59, 59), tzinfo=team.tz)
        until_utc = local_end.astimezone(dt.UTC)
    text = rrule_text(cadence, team, until_utc)
    exdates, moves = holiday_moves(first, text, team)
    return Recurrence(first, text, exdates, moves=moves)


def one_off(when: dt.datetime, team: Team) -> Recurrence:
    """A single event moved off holidays and non-workdays (no RRULE)."""
    day = team.next_workday(when.date())
    return Recurrence(dt.datetime.combine(day, when.time()), None)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date | None:
    """The nth (1-5, or -1 for last) ``weekday`` (0=Monday) of a month, or None."""
    days = [
        d
        for d in _calendar.Calendar().itermonthdates(year, month)
        if d.month == month and d.weekday() == weekday
    ]
    try:
        return days[n - 1] if n > 0 else days[n]
    except IndexError:
        return None


__all__ = [
    "Move",
    "Recurrence",
    "first_occurrence",
    "holiday_moves",
    "instances",
    "nth_weekday",
    "occurrences",
    "recurrence",
    "rrule_text",
    "one_off",
    "rrule",
    "with_moves",
]
