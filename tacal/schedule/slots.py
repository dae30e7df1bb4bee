"""Free time for account-driven meetings, so a TA's check-ins never overlap.

A TA with a dozen accounts has a dozen check-in series with different frequencies. Two series
can only collide on the same weekday at the same time, so a recurring meeting is placed on a
*pattern*: a weekday, a time and the weeks of the month it can fall in (1-5: a date's week is
``(day - 1) // 7 + 1``, the N of "Nth Tuesday"). Weekly and bi-weekly meetings can fall in any
week; monthly, bi-monthly and quarterly ones meet on the Nth weekday, so only in week N. Two
monthly check-ins may share Tuesday 14:00 as long as one is on the 1st and the other on the 2nd
Tuesday. One-off events (renewal checks, onboarding, moved holiday occurrences) are placed on a
date and must miss both the patterns and the other one-offs of that date.

Time is kept in 5-minute cells per person, so a check is a few set look-ups. Each kind of
request keeps a cursor past the candidates that were already full for it, because a slot that
was busy stays busy: laying out n accounts costs O(n + candidates), never O(n^2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from tacal.model import WEEKDAYS, Team

CELL = 5  # minutes
STEP = 15  # minutes between candidate start times
ALL_WEEKS = (1, 2, 3, 4, 5)


def week_of_month(day: dt.date) -> int:
    """1 for days 1-7 (the first Tuesday is in week 1), ..., 5 for days 29-31."""
    return (day.day - 1) // 7 + 1


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _cells(start: int, end: int) -> range:
    return range(start // CELL, -(-end // CELL))


@dataclass(frozen=True)
class Slot:
    """Where a recurring meeting goes: a weekday, a start time and (monthly types) a week."""

    day: str
    time: dt.time
    week: int | None


class Grid:
    """Who is busy when; ``people`` are person keys (everyone internal who attends)."""

    def __init__(self, team: Team) -> None:
        self.team = team
        self.start_min = _minutes(team.workday_start)
        self.end_min = _minutes(team.workday_end)
        self.pattern: set[tuple[str, int, int, int]] = set()  # person, weekday, week, cell
        self.dated: set[tuple[str, dt.date, int]] = set()  # person, date, cell
        self.probes = 0  # candidate checks made, for the "nothing is quadratic" test
        self._cursors: dict[tuple[object, ...], int] = {}
        self._candidates: dict[tuple[object, ...], list[tuple[int, int, int | None]]] = {}

    # ---- occupancy

    def block(self, person: str, start: dt.datetime, end: dt.datetime) -> None:
        """An existing meeting: its weekday and week become busy in the person's pattern."""
        day = start.date()
        stop = _minutes(end.time()) if end.date() == day else 24 * 60
        for cell in _cells(_minutes(start.time()), stop):
            self.pattern.add((person, day.weekday(), week_of_month(day), cell))

    def block_on(self, person: str, start: dt.datetime, end: dt.datetime) -> None:
        """A meeting on one date only (a moved occurrence): busy that day, not every week."""
        day = start.date()
        stop = _minutes(end.time()) if end.date() == day else 24 * 60
        for cell in _cells(_minutes(start.time()), stop):
            self.dated.add((person, day, cell))

    def clashes_on(self, people: Iterable[str], start: dt.datetime, duration: int) -> bool:
        """Whether a one-date meeting of someone in ``people`` overlaps this occurrence."""
        first = _minutes(start.time())
        return any((p, start.date(), c) in self.dated
                   for p in people for c in _cells(first, first + duration))

    def _pattern_free(self, people: Iterable[str], weekday: int, weeks: Iterable[int],
                      start: int, end: int) -> bool:
        cells = _cells(start, end)
        return not any((p, weekday, w, c) in self.pattern
                       for p in people for w in weeks for c in cells)

    def _date_free(self, people: Iterable[str], day: dt.date, start: int, end: int) -> bool:
        if not self._pattern_free(people, day.weekday(), (week_of_month(day),), start, end):
            return False
        return not any((p, day, c) in self.dated for p in people for c in _cells(start, end))

    # ---- recurring meetings

    def _candidate_list(self, duration: int, monthly: bool, time: dt.time, day: str | None,
                        week: int | None) -> list[tuple[int, int, int | None]]:
        """(minutes, weekday, week) in preference order: from ``time`` to the end of the
        workday, then from its start; per time every workday (from ``day``); per day every
        week (from ``week``) for monthly types."""
        key = (duration, monthly, time, day, week)
        if key not in self._candidates:
            first = _minutes(time)
            later = range(first, self.end_min - duration + 1, STEP)
            earlier = range(self.start_min, min(first, self.end_min - duration + 1), STEP)
            days = [WEEKDAYS.index(d) for d in self.team.workdays]
            if day in self.team.workdays:
                at = self.team.workdays.index(day)
                days = days[at:] + days[:at]
            weeks: list[int | None] = [None]
            if monthly:
                pref = week if week in (1, 2, 3, 4) else 1
                weeks = [1 + (pref - 1 + i) % 4 for i in range(4)]
            self._candidates[key] = [(m, d, w) for m in (*later, *earlier) for d in days
                                     for w in weeks]
        return self._candidates[key]

    def place_recurring(self, people: tuple[str, ...], duration: int, monthly: bool,
                        time: dt.time, day: str | None = None,
                        week: int | None = None) -> Slot | None:
        """The first free pattern for everyone in ``people``, now taken; None when full."""
        candidates = self._candidate_list(duration, monthly, time, day, week)
        cursor_key = (duration, monthly, time, day, week, people)
        index = self._cursors.get(cursor_key, 0)
        while index < len(candidates):
            minutes, weekday, wk = candidates[index]
            weeks = ALL_WEEKS if wk is None else (wk,)
            self.probes += 1
            if self._pattern_free(people, weekday, weeks, minutes, minutes + duration):
                self._cursors[cursor_key] = index
                for p in people:
                    for w in weeks:
                        for c in _cells(minutes, minutes + duration):
                            self.pattern.add((p, weekday, w, c))
                return Slot(WEEKDAYS[weekday], dt.time(minutes // 60, minutes % 60), wk)
            index += 1
        self._cursors[cursor_key] = index
        return None

    # ---- one-off meetings

    def place_on(self, people: tuple[str, ...], day: dt.date, time: dt.time,
                 duration: int) -> dt.datetime:
        """The first free start on ``day`` (from ``time``, then from the start of the workday),
        else on the following workdays; taken. Falls back to ``day`` at ``time`` when a whole
        month of workdays is full, so a one-off is never silently dropped."""
        first, wanted = _minutes(time), day
        for offset in range(31):
            if offset:
                day = self.team.next_workday(day + dt.timedelta(days=1))
            starts = [*range(first, self.end_min - duration + 1, STEP),
                      *range(self.start_min, min(first, self.end_min - duration + 1), STEP)]
            for minutes in starts:
                self.probes += 1
                if self._date_free(people, day, minutes, minutes + duration):
                    self._take_on(people, day, minutes, duration)
                    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60))
        return dt.datetime.combine(wanted, time)

    def _take_on(self, people: Iterable[str], day: dt.date, minutes: int, duration: int) -> None:
        for p in people:
            for c in _cells(minutes, minutes + duration):
                self.dated.add((p, day, c))


__all__ = ["ALL_WEEKS", "CELL", "STEP", "Grid", "Slot", "week_of_month"]
