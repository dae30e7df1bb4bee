"""Free time for account-driven meetings, so a TA's check-ins never overlap.

A TA with a dozen accounts has a dozen check-in series with different frequencies. Two series
can only collide on the same weekday at the same time, so a recurring meeting is placed on a
*pattern*: a weekday, a time and the weeks of the month it can fall in (1-5: a date's week is
``(day - 1) // 7 + 1``, the N of "Nth Tuesday"). Weekly and bi-weekly meetings can fall in any
week; monthly, bi-monthly and quarterly ones meet on the Nth weekday, so only in week N. Two
monthly check-ins may share Tuesday 14:00 as long as one is on the 1st and the other on the 2nd
Tuesday. One-off events (renewal checks, onboarding, moved holiday occurrences) are placed on a
date and must miss both the patterns and the other one-offs of that date.

Every person (and a customer whose zone is known) has a :class:`~tacal.schedule.clocks.Clock`:
a pattern is only a candidate where it lies inside each attendee's hours on every week of the
horizon, and a dated meeting only where it fits their day exactly (their zone, workdays and
holidays). Wall-clock times that a DST change skips or repeats in the team's zone are never
chosen. An optional daily meeting budget per person is respected.

People's real busy times (:class:`~tacal.model.Busy`, fetched at the command's edge) are kept
apart from tacal's own meetings: as dated cells, and projected onto the patterns (a busy
Tuesday the 9th, 14:00, makes the pattern "Tuesday 14:00, week 2" busy: a weekly or monthly
series there would meet it). New placements avoid them; a slot kept from the lock does not
look at them (:meth:`Grid.take_pattern` with ``busy=False``), so nothing moves silently
when someone's calendar fills up: ``tacal plan`` reports that instead.

Time is kept in 5-minute cells per person, so a check is a few set look-ups. Each kind of
request keeps a cursor past the candidates that were already full for it, because a slot that
was busy stays busy: laying out n accounts costs O(n + candidates), never O(n^2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tacal.model import WEEKDAYS, Team
from tacal.schedule.clocks import Clock, dst_cells, off_cells

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


def weeks_of(week: int | None) -> tuple[int, ...]:
    """The weeks of the month (1-5) a pattern can fall in: every week for weekly patterns, the
    4th or 5th for "last" (-1)."""
    if week is None:
        return ALL_WEEKS
    if week == -1:
        return (4, 5)
    return (week,)


@dataclass(frozen=True)
class Slot:
    """Where a recurring meeting goes: a weekday, a start time and (monthly types) a week."""

    day: str
    time: dt.time
    week: int | None


class Grid:
    """Who is busy when; ``people`` are person keys (everyone internal who attends)."""

    def __init__(
        self,
        team: Team,
        clocks: Mapping[str, Clock] | None = None,
        horizon: tuple[dt.date, dt.date] | None = None,
    ) -> None:
        self.team = team
        self.tz = ZoneInfo(team.timezone)
        self.start_min = _minutes(team.workday_start)
        self.end_min = _minutes(team.workday_end)
        self.pattern: set[tuple[str, int, int, int]] = set()  # person, weekday, week, cell
        self.dated: set[tuple[str, dt.date, int]] = set()  # person, date, cell
        self.dated_days: set[tuple[str, dt.date]] = set()  # who has a one-date meeting when
        self.probes = 0  # candidate checks made, for the "nothing is quadratic" test
        self._cursors: dict[tuple[object, ...], int] = {}
        self._candidates: dict[tuple[object, ...], list[tuple[int, int, int | None]]] = {}
        self._time_lists: dict[tuple[int, dt.time, bool], list[int]] = {}
        self._person_cursors: dict[tuple[object, ...], int] = {}
        self.clocks: dict[str, Clock] = dict(clocks or {})
        first, last = horizon or (dt.date(2000, 1, 1), dt.date(2000, 1, 1))
        self.horizon = (first, last)
        #: team-local (weekday, cell) outside each person's hours in some week of the horizon
        self.off = {key: off_cells(c, team.timezone, first, last) for key, c in self.clocks.items()}
        self.dst_dated = dst_cells(team.timezone, first, last) if clocks else frozenset()
        self.dst_pattern = {(d.weekday(), week_of_month(d), c) for d, c in self.dst_dated}
        self.budget = {
            k: c.max_minutes // CELL for k, c in self.clocks.items() if c.max_minutes is not None
        }
        #: busy cells per (person, weekday, week) and per (person, date), for the budgets
        self.pattern_load: dict[tuple[str, int, int], int] = {}
        self.dated_load: dict[tuple[str, dt.date], int] = {}
        #: people's real busy times, team-local: per date, and projected onto patterns
        self.busy_dated: set[tuple[str, dt.date, int]] = set()
        self.busy_pattern: set[tuple[str, int, int, int]] = set()

    def add_busy(self, person: str, blocks: Iterable[tuple[dt.datetime, dt.datetime]]) -> None:
        """``person``'s busy blocks (aware datetimes), as team-local cells: a block across
        midnight covers both days. Cells outside the horizon are kept too (harmless)."""
        for start, end in blocks:
            local = start.astimezone(self.tz).replace(tzinfo=None)
            stop = end.astimezone(self.tz).replace(tzinfo=None)
            while local < stop:
                day = local.date()
                next_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0))
                last = min(stop, next_day)
                first_min = _minutes(local.time())
                end_min = 24 * 60 if last == next_day else _minutes(last.time())
                week = week_of_month(day)
                for cell in _cells(first_min, end_min):
                    self.busy_dated.add((person, day, cell))
                    self.busy_pattern.add((person, day.weekday(), week, cell))
                local = last

    def busy_on(self, people: Iterable[str], start: dt.datetime, duration: int) -> bool:
        """Whether a team-local meeting on one date meets someone's busy time."""
        if not self.busy_dated:
            return False
        day = start.date()
        first = _minutes(start.time())
        cells = _cells(first, min(first + duration, 24 * 60))
        return any((p, day, c) in self.busy_dated for p in people for c in cells)

    def add_clock(self, clock: Clock) -> None:
        """A clock met late (a customer's): its mask is computed once."""
        if clock.key not in self.clocks:
            self.clocks[clock.key] = clock
            self.off[clock.key] = off_cells(clock, self.team.timezone, *self.horizon)

    def _mark(self, person: str, weekday: int, week: int, cell: int) -> None:
        key = (person, weekday, week, cell)
        if key not in self.pattern:
            self.pattern.add(key)
            if person in self.budget:
                load = (person, weekday, week)
                self.pattern_load[load] = self.pattern_load.get(load, 0) + 1

    def _mark_on(self, person: str, day: dt.date, cell: int) -> None:
        key = (person, day, cell)
        if key not in self.dated:
            self.dated.add(key)
            self.dated_days.add((person, day))
            if person in self.budget:
                load = (person, day)
                self.dated_load[load] = self.dated_load.get(load, 0) + 1

    def _within_hours(self, people: Iterable[str], weekday: int, cells: range) -> bool:
        for p in people:
            off = self.off.get(p)
            if off and any((weekday, c) in off for c in cells):
                return False
        return True

    def _within_budget(
        self,
        people: Iterable[str],
        weekday: int,
        weeks: Iterable[int],
        cells: int,
        day: dt.date | None = None,
    ) -> bool:
        for p in people:
            limit = self.budget.get(p)
            if limit is None:
                continue
            for w in weeks:
                used = self.pattern_load.get((p, weekday, w), 0)
                if day is not None:
                    used += self.dated_load.get((p, day), 0)
                if used + cells > limit:
                    return False
        return True

    # ---- occupancy

    def take_pattern(
        self,
        people: tuple[str, ...],
        weekday: int,
        weeks: tuple[int, ...],
        start: int,
        end: int,
        busy: bool = False,
    ) -> bool:
        """Take one given pattern for ``people`` if it is free (a slot kept from the lock);
        people's busy times count only with ``busy`` (a series the user chose to move)."""
        if not self._pattern_free(people, weekday, weeks, start, end, busy):
            return False
        for p in people:
            for w in weeks:
                for c in _cells(start, end):
                    self._mark(p, weekday, w, c)
        return True

    def block_pattern(self, person: str, weekday: int, week: int, start: int, end: int) -> None:
        """Busy on one weekday of one week of the month, from ``start`` to ``end`` minutes."""
        for cell in _cells(start, end):
            self._mark(person, weekday, week, cell)

    def block(self, person: str, start: dt.datetime, end: dt.datetime) -> None:
        """An existing meeting: its weekday and week become busy in the person's pattern."""
        day = start.date()
        stop = _minutes(end.time()) if end.date() == day else 24 * 60
        for cell in _cells(_minutes(start.time()), stop):
            self._mark(person, day.weekday(), week_of_month(day), cell)

    def block_on(self, person: str, start: dt.datetime, end: dt.datetime) -> None:
        """A meeting on one date only (a moved occurrence): busy that day, not every week."""
        day = start.date()
        stop = _minutes(end.time()) if end.date() == day else 24 * 60
        for cell in _cells(_minutes(start.time()), stop):
            self._mark_on(person, day, cell)

    def clashes_on(self, people: Iterable[str], start: dt.datetime, duration: int) -> bool:
        """Whether a one-date meeting of someone in ``people`` overlaps this occurrence."""
        day = start.date()
        busy = [p for p in people if (p, day) in self.dated_days]
        if not busy:
            return False
        first = _minutes(start.time())
        return any((p, day, c) in self.dated for p in busy for c in _cells(first, first + duration))

    def _pattern_free(
        self,
        people: Iterable[str],
        weekday: int,
        weeks: Iterable[int],
        start: int,
        end: int,
        busy: bool = True,
    ) -> bool:
        cells = _cells(start, end)
        if any((p, weekday, w, c) in self.pattern for p in people for w in weeks for c in cells):
            return False
        if (
            busy
            and self.busy_pattern
            and any(
                (p, weekday, w, c) in self.busy_pattern
                for p in people
                for w in weeks
                for c in cells
            )
        ):
            return False
        if not self._within_hours(people, weekday, cells):
            return False
        if self.dst_pattern and any(
            (weekday, w, c) in self.dst_pattern for w in weeks for c in cells
        ):
            return False
        return self._within_budget(people, weekday, weeks, len(cells))

    def _date_free(
        self, people: Iterable[str], day: dt.date, start: int, end: int, busy: bool = True
    ) -> bool:
        cells = _cells(start, end)
        if (
            busy
            and self.busy_dated
            and any((p, day, c) in self.busy_dated for p in people for c in cells)
        ):
            return False
        if any(
            (p, day.weekday(), week_of_month(day), c) in self.pattern for p in people for c in cells
        ):
            return False
        if any((p, day, c) in self.dated for p in people for c in cells):
            return False
        if self.dst_dated and any((day, c) in self.dst_dated for c in cells):
            return False
        if not self.fits_clocks(
            people, dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=start), end - start
        ):
            return False
        return self._within_budget(people, day.weekday(), (week_of_month(day),), len(cells), day)

    def fits_clocks(self, people: Iterable[str], start: dt.datetime, duration: int) -> bool:
        """Whether a team-local wall-clock meeting misses every attendee's holidays.

        Hours and workdays are already settled by the masks (a cell passes only if it is
        inside the person's hours in every week of the horizon), so only the date is left:
        the attendee's own local date, which is the team's unless they live elsewhere.
        """
        aware: dt.datetime | None = None
        for p in people:
            clock = self.clocks.get(p)
            if clock is None or not clock.holidays:
                continue
            if clock.zone == self.team.timezone:
                local = start.date()
            else:
                aware = aware or start.replace(tzinfo=self.tz)
                local = aware.astimezone(clock.tz).date()
            if local in clock.holidays:
                return False
        return True

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
        first = _minutes(time)
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
            if not self._within_hours(people, weekday, _cells(minutes, minutes + duration)):
                index += 1  # outside someone's hours: not a candidate at all
                continue
            self.probes += 1
            if self._pattern_free(people, weekday, weeks, minutes, minutes + duration):
                self._cursors[cursor_key] = index
                for p in people:
                    for w in weeks:
                        for c in _cells(minutes, minutes + duration):
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
                if not self._within_hours(people, weekday, _cells(minutes, minutes + duration)):
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

    def take_on(self, people: tuple[str, ...], day: dt.date, start: int, end: int) -> bool:
        """Take one given time on ``day`` for ``people`` if it is free and inside everyone's
        hours (a one-date meeting kept from the lock: busy times do not move it silently)."""
        if not self._within_hours(people, day.weekday(), _cells(start, end)):
            return False
        if not self._date_free(people, day, start, end, busy=False):
            return False
        self._take_on(people, day, start, end - start)
        return True

    def release_on(self, people: tuple[str, ...], day: dt.date, start: int, end: int) -> None:
        """Undo :meth:`take_on` (a kept time that was not needed after all)."""
        for p in people:
            for c in _cells(start, end):
                key = (p, day, c)
                if key in self.dated:
                    self.dated.discard(key)
                    load = (p, day)
                    if load in self.dated_load:
                        self.dated_load[load] -= 1

    def take(self, people: Iterable[str], start: dt.datetime, duration: int) -> None:
        """Mark a dated meeting busy whether or not it was free (a fixed team occurrence)."""
        self._take_on(people, start.date(), _minutes(start.time()), duration)

    def _take_on(self, people: Iterable[str], day: dt.date, minutes: int, duration: int) -> None:
        for p in people:
            for c in _cells(minutes, minutes + duration):
                self._mark_on(p, day, c)


__all__ = ["ALL_WEEKS", "CELL", "STEP", "Grid", "Slot", "week_of_month", "weeks_of"]
