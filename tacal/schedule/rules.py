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
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from tacal.model import Cadence, Team
from tacal.schedule.fiscal import quarter_start_months

_MONTHLY_INTERVAL = {"monthly": 1, "bimonthly": 2, "quarterly": 3, "fiscal-quarterly": 3}


@dataclass(frozen=True)
class Recurrence:
    """A series' schedule; times are naive local wall-clock times in the team's zone."""

    start: dt.datetime
    rrule: str | None
    exdates: tuple[dt.datetime, ...] = ()
    rdates: tuple[dt.datetime, ...] = ()


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
        text = rule[len("RRULE:"):]
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
        return rrulestr(f"FREQ=WEEKLY;BYDAY={cadence.day}", dtstart=at).after(at, inc=True)
    if cadence.rule.upper().startswith("RRULE:") or cadence.rule == "daily":
        text = wall_clock(rrule_text(cadence, team), team.timezone)
        return rrulestr(text, dtstart=at).after(at, inc=True)
    # Search month by month in the aligned months only; the series' INTERVAL then counts from it.
    months = _aligned_months(cadence, team)
    search = rrulestr(f"FREQ=MONTHLY;BYMONTH={','.join(map(str, months))};"
                      f"BYDAY={cadence.week}{cadence.day}", dtstart=at)
    return search.after(at, inc=True)


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
def expand(rrule_value: str, start: dt.datetime, until: dt.datetime,
           timezone: str | None = None) -> tuple[dt.datetime, ...]:
    """The rule's wall-clock occurrences in [start, until].

    Cached: accounts laid out in the same slot share rule and start, and each series is expanded
    for holiday moves and again for clash checks, so the same expansion recurs many times.
    """
    rule = rrulestr(wall_clock(rrule_value, timezone), dtstart=start)
    return tuple(rule.between(start, until, inc=True))


def occurrences(rec: Recurrence, until: dt.datetime,
                timezone: str | None = None) -> list[dt.datetime]:
    """Wall-clock occurrences from the start through ``until`` (RRULE + RDATE − EXDATE).

    ``timezone`` (the series' zone) reads a UTC ``UNTIL`` exactly; without it the last day may
    be off by the zone's offset.
    """
    found: set[dt.datetime] = set()
    if rec.rrule:
        found.update(expand(rec.rrule, rec.start, until, timezone))
    else:
        found.add(rec.start)
    found.update(d for d in rec.rdates if d <= until)
    found.difference_update(rec.exdates)
    return sorted(found)


def holiday_moves(
    start: dt.datetime, rrule_value: str | None, team: Team
) -> tuple[tuple[dt.datetime, ...], tuple[dt.datetime, ...]]:
    """EXDATEs for occurrences on holidays and RDATEs on the next workday.

    When the rule already meets on that next workday (a daily series), the holiday's meeting is
    simply dropped rather than doubled.
    """
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
    exdates: list[dt.datetime] = []
    rdates: list[dt.datetime] = []
    for occ in planned:
        if occ.date() not in holidays:
            continue
        exdates.append(occ)
        target = team.next_workday(occ.date())
        if target not in planned_days:
            moved = dt.datetime.combine(target, occ.time())
            if moved not in rdates:
                rdates.append(moved)
    return tuple(exdates), tuple(rdates)


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
    exdates, rdates = holiday_moves(first, text, team)
    return Recurrence(first, text, exdates, rdates)


def one_off(when: dt.datetime, team: Team) -> Recurrence:
    """A single event moved off holidays and non-workdays (no RRULE)."""
    day = team.next_workday(when.date())
    return Recurrence(dt.datetime.combine(day, when.time()), None)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date | None:
    """The nth (1-5, or -1 for last) ``weekday`` (0=Monday) of a month, or None."""
    days = [d for d in _calendar.Calendar().itermonthdates(year, month)
            if d.month == month and d.weekday() == weekday]
    try:
        return days[n - 1] if n > 0 else days[n]
    except IndexError:
        return None


__all__ = ["Recurrence", "first_occurrence", "holiday_moves", "nth_weekday", "occurrences",
           "recurrence", "rrule_text", "one_off", "rrule"]
