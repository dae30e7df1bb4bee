"""Per-person sessions (one per TA or AE) laid out so that none of them overlap.

The QBR is one 60-minute session per AE and the MBR one 30-minute session per TA, all with the
same leadership, so the sessions must never overlap. They fill the meeting day back to back from
the cadence's ``time`` while they end by ``team.workday_end``; the rest go to the next workday(s),
again from ``time``.

Every session is still a real RRULE series: the *pattern* of a spilled session ("the workday after
the first Tuesday of the fiscal quarter") is written as ``BYDAY=WE;BYMONTHDAY=2,...,8``, and where
holidays make reality differ from that pattern (the first Tuesday is a holiday, so the whole day
moves and pushes the spilled sessions one workday further) the difference is written as moved
occurrences (RECURRENCE-ID overrides), exactly like a single series' holiday moves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import lru_cache

from dateutil.rrule import rrulestr

from tacal.model import WEEKDAYS, Cadence, Team
from tacal.schedule import rules
from tacal.schedule.rules import Recurrence

#: How far past the last holiday fix-ups are computed; after it pattern and reality agree.
_SLACK = dt.timedelta(days=400)


class LayoutError(ValueError):
    """The sessions cannot be laid out; the message says what to change."""


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def per_day(cadence: Cadence, team: Team) -> int:
    """How many back-to-back sessions fit between ``cadence.time`` and the end of the workday."""
    return max(0, (_minutes(team.workday_end) - _minutes(cadence.time)) // cadence.duration)


def workday_offset(day: str, steps: int, workdays: tuple[str, ...]) -> int:
    """Calendar days from weekday ``day`` to the ``steps``-th workday after it (no holidays)."""
    index, offset = WEEKDAYS.index(day), 0
    for _ in range(steps):
        offset += 1
        while WEEKDAYS[(index + offset) % 7] not in workdays:
            offset += 1
    return offset


@lru_cache(maxsize=65536)
def _after_workdays(team: Team, day: dt.date, steps: int) -> dt.date:
    """The ``steps``-th workday after ``day``.

    Memoised one step at a time: every session of a cadence shares the same base days, so
    walking each session's whole offset again made large teams quadratic.
    """
    if steps <= 0:
        return day
    day = _after_workdays(team, day, steps - 1) + dt.timedelta(days=1)
    while not team.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def _pattern(cadence: Cadence, team: Team, offset: int, until_utc: dt.datetime | None) -> str:
    """The RRULE of the workday ``offset`` calendar days after each base occurrence."""
    assert cadence.day is not None
    weekday = WEEKDAYS[(WEEKDAYS.index(cadence.day) + offset) % 7]
    if cadence.rule in ("weekly", "biweekly"):
        text = "FREQ=WEEKLY" + (";INTERVAL=2" if cadence.rule == "biweekly" else "")
        text += f";BYDAY={weekday}"
    else:
        assert cadence.week is not None
        interval = rules._MONTHLY_INTERVAL[cadence.rule]
        first = 7 * (cadence.week - 1) + 1 + offset
        days = ",".join(str(d) for d in range(first, first + 7))
        text = "FREQ=MONTHLY" + (f";INTERVAL={interval}" if interval > 1 else "")
        text += f";BYDAY={weekday};BYMONTHDAY={days}"
    if until_utc is not None:
        text += ";UNTIL=" + until_utc.strftime("%Y%m%dT%H%M%SZ")
    return text


def _spilled(cadence: Cadence, team: Team, start: dt.date, steps: int) -> Recurrence | None:
    """The session that meets ``steps`` workdays after the cadence's own day."""
    if cadence.rule not in ("weekly", "biweekly", "monthly", "bimonthly", "quarterly",
                            "fiscal-quarterly") or cadence.day is None:
        raise LayoutError(
            f"the sessions do not fit between {cadence.time:%H:%M} and team.workday_end, and a "
            f"{cadence.rule!r} rule cannot spill to the next workday; start earlier, shorten "
            "them, or use a weekly or monthly rule")
    offset = workday_offset(cadence.day, steps, team.workdays)
    if cadence.rule not in ("weekly", "biweekly") and (
        cadence.week is None or cadence.week < 1 or 7 * cadence.week + offset > 28
    ):
        earlier = ", or use an earlier week" if (cadence.week or 0) > 1 else ""
        raise LayoutError(
            f"the sessions fill {steps + 1} workdays from the day of week = {cadence.week}, "
            f"which could run into the next month; start earlier so more fit in a day, or "
            f"shorten them{earlier} (week = 4 and -1 cannot spill)")
    base_first = rules.first_occurrence(cadence, team, start)
    if base_first is None:
        return None
    first = base_first + dt.timedelta(days=offset)
    until_utc = None
    if cadence.until is not None:
        if cadence.until < first.date():
            return None
        local_end = dt.datetime.combine(cadence.until, dt.time(23, 59, 59), tzinfo=team.tz)
        until_utc = local_end.astimezone(dt.UTC)
    base_text = rules.rrule_text(cadence, team, until_utc)
    pattern = _pattern(cadence, team, offset, until_utc)
    horizon = dt.datetime.combine(max([start, *team.holidays]), dt.time(23, 59)) + _SLACK
    holidays = set(team.holidays)
    actual: set[dt.datetime] = set()
    #: where the pattern puts each base occurrence's session, and where it really meets
    pairs: list[tuple[dt.datetime, dt.datetime]] = []
    # both rules carry a UTC UNTIL when the cadence has `until`: expand it as wall-clock time
    base_rule = rrulestr(rules.wall_clock(base_text, team.timezone), dtstart=base_first)
    for base in base_rule.between(base_first, horizon, inc=True):
        day = base.date()
        if day in holidays:
            day = team.next_workday(day)
        real = dt.datetime.combine(_after_workdays(team, day, steps), cadence.time)
        actual.add(real)
        pairs.append((base + dt.timedelta(days=offset), real))
    planned = set(rrulestr(rules.wall_clock(pattern, team.timezone), dtstart=first).between(
        first, horizon + dt.timedelta(days=60), inc=True))
    cut = max(actual, default=first)
    exdates = {p for p in planned if p <= cut and p not in actual}
    rdates = {a for a in actual if a not in planned}
    # a pattern occurrence that really meets elsewhere is a move (a RECURRENCE-ID override);
    # whatever pairs with nothing stays an EXDATE or RDATE
    moves: list[rules.Move] = []
    for old, new in pairs:
        if old in exdates and new in rdates:
            exdates.discard(old)
            rdates.discard(new)
            moves.append((old, new))
    return Recurrence(first, pattern, tuple(sorted(exdates)), tuple(sorted(rdates)),
                      tuple(sorted(moves)))


def session_recurrences(cadence: Cadence, team: Team, start: dt.date,
                        count: int) -> list[Recurrence | None]:
    """One schedule per session, in order: back to back from ``time``, then the next workday.

    Raises :class:`LayoutError` when the sessions cannot be laid out within the workday.
    """
    fits = per_day(cadence, team)
    if count and not fits:
        raise LayoutError(
            f"a {cadence.duration}-minute session from {cadence.time:%H:%M} ends after "
            f"team.workday_end ({team.workday_end:%H:%M}); start earlier or shorten it")
    out: list[Recurrence | None] = []
    for index in range(count):
        steps, slot = divmod(index, fits)
        minutes = _minutes(cadence.time) + slot * cadence.duration
        session = replace(cadence, time=dt.time(minutes // 60, minutes % 60))
        if steps == 0:
            out.append(rules.recurrence(session, team, start))
        else:
            out.append(_spilled(session, team, start, steps))
    return out


__all__ = ["LayoutError", "per_day", "session_recurrences", "workday_offset"]
