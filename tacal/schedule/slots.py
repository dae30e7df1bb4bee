"""Free time for account-driven meetings, so a TA's check-ins never overlap: the search.

A TA with a dozen accounts has a dozen check-in series with different frequencies. Each new
recurring meeting goes to the first free *pattern* in preference order (its own time, then
the rest of the team's workday, then hours only other zones' clocks open; its own weekday
first; its week of the month first), each one-off to the first free time on its date or the
workdays after it. Two monthly check-ins may share Tuesday 14:00 as long as one is on the 1st
and the other on the 2nd Tuesday.

What is free (patterns, dated cells, hours masks, budgets, people's busy times) is
:class:`~tacal.schedule.occupancy.Occupancy`'s; :class:`Grid` adds only the search, because
the search has its own state that the rules never read: the candidate lists and the cursors.
Each kind of request keeps a cursor past the candidates that were already full for it, and
each person one past what is full for them, because a slot that was busy stays busy: laying
out n accounts costs O(n + candidates), never O(n^2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from tacal.model import WEEKDAYS, Team
from tacal.schedule.clocks import Clock
from tacal.schedule.occupancy import Occupancy, cell_range, minutes_of, weeks_of

STEP = 15  # minutes between candidate start times


@dataclass(frozen=True)
class Slot:
    """Where a recurring meeting goes: a weekday, a start time and (monthly types) a week."""

    day: str
    time: dt.time
    week: int | None


class Grid(Occupancy):
    """Who is busy when, and where each new meeting goes (the first free candidate)."""

    def __init__(
        self,
        team: Team,
        clocks: Mapping[str, Clock] | None = None,
        horizon: tuple[dt.date, dt.date] | None = None,
    ) -> None:
        super().__init__(team, clocks, horizon)
        self.start_min = minutes_of(team.workday_start)
        self.end_min = minutes_of(team.workday_end)
        self.probes = 0  # candidate checks made, for the "nothing is quadratic" test
        self._cursors: dict[tuple[object, ...], int] = {}
        self._candidates: dict[tuple[object, ...], list[tuple[int, int, int | None]]] = {}
        self._time_lists: dict[tuple[int, dt.time, bool], list[int]] = {}
        self._person_cursors: dict[tuple[object, ...], int] = {}

    # ---- recurring meetings

    def _times(self, duration: int, time: dt.time, back: bool = False) -> list[int]:
        key = (duration, time, back)
        found = self._time_lists.get(key)
        if found is None:
            found = self._time_lists[key] = self._time_order(duration, time, back)
        return found

    def _time_order(self, duration: int, time: dt.time, back: bool) -> list[int]:
        """Start minutes in preference order: from ``time`` to the end of the team's workday,
        then from its start (``back``: from ``time`` backwards, nearest first); then the rest
        of the day, nearest to ``time`` first (people in other zones work at other team-local
        hours)."""
        first = minutes_of(time)
        later = range(first, self.end_min - duration + 1, STEP)
        earlier: Iterable[int] = range(
            self.start_min, min(first, self.end_min - duration + 1), STEP
        )
        if back:
            earlier = sorted(earlier, reverse=True)
        seen = {*later, *earlier}
        rest = sorted(
            (m for m in range(0, 24 * 60 - duration + 1, STEP) if m not in seen),
            key=lambda m: (abs(m - first), -m),
        )
        if not self.clocks:
            rest = []  # nobody's clock widens the day
        head = [] if first in later else [first]
        return [
            *head,
            *later,
            *(m for m in earlier if m != first),
            *(m for m in rest if m != first),
        ]

    def _candidate_list(
        self,
        duration: int,
        monthly: bool,
        time: dt.time,
        day: str | None,
        week: int | None,
        fixed_week: bool = False,
        day_major: bool = False,
    ) -> list[tuple[int, int, int | None]]:
        """(minutes, weekday, week) in preference order: per time (see :meth:`_times`) every
        workday (from ``day``); per day every week (from ``week``) for monthly types. With
        ``fixed_week`` only ``week`` itself; with ``day_major`` every time of a day before the
        next day (sessions fill their day first)."""
        key = (duration, monthly, time, day, week, fixed_week, day_major)
        if key not in self._candidates:
            times = self._times(duration, time, back=day_major)
            days = [WEEKDAYS.index(d) for d in self.team.workdays]
            if day in self.team.workdays:
                at = self.team.workdays.index(day)
                days = days[at:] + days[:at]
            weeks: list[int | None] = [None]
            if monthly and fixed_week:
                weeks = [week]
            elif monthly:
                pref = week if week in (1, 2, 3, 4) else 1
                weeks = [1 + (pref - 1 + i) % 4 for i in range(4)]
            if day_major:
                found = [(m, d, w) for d in days for w in weeks for m in times]
            else:
                found = [(m, d, w) for m in times for d in days for w in weeks]
            # cells outside the team's workdays are nobody's hours unless someone's clock says
            # so; the masks of the attendees decide at probe time
            self._candidates[key] = found
        return self._candidates[key]

    def place_recurring(
        self,
        people: tuple[str, ...],
        duration: int,
        monthly: bool,
        time: dt.time,
        day: str | None = None,
        week: int | None = None,
        fixed_week: bool = False,
        day_major: bool = False,
    ) -> Slot | None:
        """The first free pattern for everyone in ``people``, now taken; None when full."""
        candidates = self._candidate_list(duration, monthly, time, day, week, fixed_week, day_major)
        base = (duration, monthly, time, day, week, fixed_week, day_major)
        cursor_key = (*base, people)
        # Candidates before a person's own cursor are busy for that person, so for everyone
        # with them: sessions that share a director skip what earlier sessions filled.
        index = max(
            [
                self._cursors.get(cursor_key, 0),
                *(self._person_cursors.get((*base, p), 0) for p in people),
            ]
        )
        while index < len(candidates):
            minutes, weekday, wk = candidates[index]
            weeks = weeks_of(wk)
            if not self._within_hours(people, weekday, cell_range(minutes, minutes + duration)):
                index += 1  # outside someone's hours: not a candidate at all
                continue
            self.probes += 1
            if self._pattern_free(people, weekday, weeks, minutes, minutes + duration):
                self._cursors[cursor_key] = index
                for p in people:
                    for w in weeks:
                        for c in cell_range(minutes, minutes + duration):
                            self._mark(p, weekday, w, c)
                self._advance(base, people, candidates, duration)
                return Slot(WEEKDAYS[weekday], dt.time(minutes // 60, minutes % 60), wk)
            index += 1
        self._cursors[cursor_key] = index
        return None

    def _advance(
        self,
        base: tuple[object, ...],
        people: tuple[str, ...],
        candidates: list[tuple[int, int, int | None]],
        duration: int,
    ) -> None:
        """Move each person's cursor past the candidates now busy for them (busy stays busy,
        so each cursor only moves forward: linear over a whole build)."""
        for p in people:
            key = (*base, p)
            at = self._person_cursors.get(key, 0)
            while at < len(candidates):
                minutes, weekday, wk = candidates[at]
                if self._pattern_free((p,), weekday, weeks_of(wk), minutes, minutes + duration):
                    break
                at += 1
            self._person_cursors[key] = at

    # ---- one-off meetings

    def place_on(
        self,
        people: tuple[str, ...],
        day: dt.date,
        time: dt.time,
        duration: int,
        calendar: Team | None = None,
        window: tuple[dt.date, dt.date] | None = None,
    ) -> dt.datetime | None:
        """The first free start on ``day`` (from ``time``, then from the start of the workday,
        then the rest of the day), else on the following workdays of ``calendar`` (the team's
        by default); taken. ``window`` (inclusive) keeps it within a range of dates, trying the
        days after ``day`` first and then the days before it. None when nothing fits."""
        calendar = calendar or self.team
        starts = self._times(duration, time)
        for candidate in self._days_from(day, calendar, window):
            weekday = candidate.weekday()
            for minutes in starts:
                if not self._within_hours(people, weekday, cell_range(minutes, minutes + duration)):
                    continue  # outside someone's hours: not a candidate at all
                self.probes += 1
                if self._date_free(people, candidate, minutes, minutes + duration):
                    self._take_on(people, candidate, minutes, duration)
                    return dt.datetime.combine(candidate, dt.time(minutes // 60, minutes % 60))
        return None

    @staticmethod
    def _days_from(
        day: dt.date, calendar: Team, window: tuple[dt.date, dt.date] | None
    ) -> Iterator[dt.date]:
        """Workdays to try, lazily: most meetings fit on the first one."""
        if window is None:
            current = day
            for _ in range(31):
                current = calendar.next_workday(current)
                yield current
                current += dt.timedelta(days=1)
            return
        lo, hi = window
        after = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
        yield from (d for d in after if d >= day and calendar.is_workday(d))
        yield from (d for d in reversed(after) if d < day and calendar.is_workday(d))


def one_off_days(
    calendar: Team, day: dt.date, within: int | None
) -> tuple[dt.date, tuple[dt.date, dt.date] | None]:
    """The first workday of ``calendar`` a one-off asked for on ``day`` may use and, with
    ``within`` (that many workdays), the window :meth:`Grid.place_on` keeps it in."""
    first = calendar.next_workday(day)
    if within is None:
        return first, None
    last = first
    for _ in range(within - 1):
        last = calendar.next_workday(last + dt.timedelta(days=1))
    return first, (first, last)


__all__ = ["STEP", "Grid", "Slot", "one_off_days"]
