"""Who is busy when: the cells every placement checks, and nothing that searches them.

Two series can only collide on the same weekday at the same time, so a recurring meeting
occupies a *pattern*: a weekday, a time and the weeks of the month it can fall in (1-5: a
date's week is ``(day - 1) // 7 + 1``, the N of "Nth Tuesday"). Weekly and bi-weekly meetings
can fall in any week; monthly, bi-monthly and quarterly ones meet on the Nth weekday, so only
in week N. One-off events (renewal checks, onboarding, moved holiday occurrences) occupy a
date and must miss both the patterns and the other one-offs of that date.

Every person (and a customer whose zone is known) has a :class:`~tacal.schedule.clocks.Clock`:
a pattern is only free where it lies inside each attendee's hours on every week of the
horizon (their mask, :attr:`Occupancy.off`), and a dated meeting only where it fits their day
exactly (their zone, workdays and holidays). Wall-clock times that a DST change skips or
repeats in the team's zone are never free. An optional daily meeting budget per person is
counted as cells are marked.

People's real busy times (:class:`~tacal.model.Busy`, fetched at the command's edge) are kept
apart from tacal's own meetings: as dated cells, and projected onto the patterns (a busy
Tuesday the 9th, 14:00, makes the pattern "Tuesday 14:00, week 2" busy: a weekly or monthly
series there would meet it). New placements avoid them; a slot kept from the lock does not
look at them (:meth:`Occupancy.take_pattern` with ``busy=False``), so nothing moves silently
when someone's calendar fills up: ``tacal plan`` reports that instead.

Time is kept in 5-minute cells per person, so a check is a few set look-ups. Where a *new*
meeting goes (candidate order, the cursors that keep a whole build linear) is
:mod:`tacal.schedule.slots`, split from here because it only asks these questions and marks
the answer: the state and its rules live in one file, the search in the other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from tacal.model import Team
from tacal.schedule.clocks import Clock, dst_cells, off_cells

CELL = 5  # minutes
ALL_WEEKS = (1, 2, 3, 4, 5)


def week_of_month(day: dt.date) -> int:
    """1 for days 1-7 (the first Tuesday is in week 1), ..., 5 for days 29-31."""
    return (day.day - 1) // 7 + 1


def minutes_of(t: dt.time) -> int:
    """Minutes since midnight."""
    return t.hour * 60 + t.minute


def cell_range(start: int, end: int) -> range:
    """The cells a meeting from ``start`` to ``end`` minutes touches."""
    return range(start // CELL, -(-end // CELL))


def weeks_of(week: int | None) -> tuple[int, ...]:
    """The weeks of the month (1-5) a pattern can fall in: every week for weekly patterns, the
    4th or 5th for "last" (-1)."""
    if week is None:
        return ALL_WEEKS
    if week == -1:
        return (4, 5)
    return (week,)


def week_window(day: dt.date, week: int | None) -> tuple[dt.date, dt.date] | None:
    """The days of ``day``'s month that count as week ``week`` (days 8-14 for week 2; the
    last seven days for -1), so a moved MBR stays in its week."""
    if week is None:
        return None
    if week == -1:
        nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return nxt - dt.timedelta(days=7), nxt - dt.timedelta(days=1)
    first = day.replace(day=7 * (week - 1) + 1)
    last_day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return first, min(first + dt.timedelta(days=6), last_day)


class Occupancy:
    """Who is busy when; ``people`` are person keys (everyone internal who attends)."""

    def __init__(
        self,
        team: Team,
        clocks: Mapping[str, Clock] | None = None,
        horizon: tuple[dt.date, dt.date] | None = None,
    ) -> None:
        self.team = team
        self.tz = ZoneInfo(team.timezone)
        self.pattern: set[tuple[str, int, int, int]] = set()  # person, weekday, week, cell
        self.dated: set[tuple[str, dt.date, int]] = set()  # person, date, cell
        self.dated_days: set[tuple[str, dt.date]] = set()  # who has a one-date meeting when
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
                first_min = minutes_of(local.time())
                end_min = 24 * 60 if last == next_day else minutes_of(last.time())
                week = week_of_month(day)
                for cell in cell_range(first_min, end_min):
                    self.busy_dated.add((person, day, cell))
                    self.busy_pattern.add((person, day.weekday(), week, cell))
                local = last

    def busy_on(self, people: Iterable[str], start: dt.datetime, duration: int) -> bool:
        """Whether a team-local meeting on one date meets someone's busy time."""
        if not self.busy_dated:
            return False
        day = start.date()
        first = minutes_of(start.time())
        cells = cell_range(first, min(first + duration, 24 * 60))
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
                for c in cell_range(start, end):
                    self._mark(p, weekday, w, c)
        return True

    def block_pattern(self, person: str, weekday: int, week: int, start: int, end: int) -> None:
        """Busy on one weekday of one week of the month, from ``start`` to ``end`` minutes."""
        for cell in cell_range(start, end):
            self._mark(person, weekday, week, cell)

    def block(self, person: str, start: dt.datetime, end: dt.datetime) -> None:
        """An existing meeting: its weekday and week become busy in the person's pattern."""
        day = start.date()
        stop = minutes_of(end.time()) if end.date() == day else 24 * 60
        for cell in cell_range(minutes_of(start.time()), stop):
            self._mark(person, day.weekday(), week_of_month(day), cell)

    def block_on(self, person: str, start: dt.datetime, end: dt.datetime) -> None:
        """A meeting on one date only (a moved occurrence): busy that day, not every week."""
        day = start.date()
        stop = minutes_of(end.time()) if end.date() == day else 24 * 60
        for cell in cell_range(minutes_of(start.time()), stop):
            self._mark_on(person, day, cell)

    def clashes_on(self, people: Iterable[str], start: dt.datetime, duration: int) -> bool:
        """Whether a one-date meeting of someone in ``people`` overlaps this occurrence."""
        day = start.date()
        busy = [p for p in people if (p, day) in self.dated_days]
        if not busy:
            return False
        first = minutes_of(start.time())
        return any(
            (p, day, c) in self.dated for p in busy for c in cell_range(first, first + duration)
        )

    def _pattern_free(
        self,
        people: Iterable[str],
        weekday: int,
        weeks: Iterable[int],
        start: int,
        end: int,
        busy: bool = True,
    ) -> bool:
        cells = cell_range(start, end)
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
        cells = cell_range(start, end)
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

    # ---- one-date meetings

    def take_on(self, people: tuple[str, ...], day: dt.date, start: int, end: int) -> bool:
        """Take one given time on ``day`` for ``people`` if it is free and inside everyone's
        hours (a one-date meeting kept from the lock: busy times do not move it silently)."""
        if not self._within_hours(people, day.weekday(), cell_range(start, end)):
            return False
        if not self._date_free(people, day, start, end, busy=False):
            return False
        self._take_on(people, day, start, end - start)
        return True

    def release_on(self, people: tuple[str, ...], day: dt.date, start: int, end: int) -> None:
        """Undo :meth:`take_on` (a kept time that was not needed after all)."""
        for p in people:
            for c in cell_range(start, end):
                key = (p, day, c)
                if key in self.dated:
                    self.dated.discard(key)
                    load = (p, day)
                    if load in self.dated_load:
                        self.dated_load[load] -= 1

    def take(self, people: Iterable[str], start: dt.datetime, duration: int) -> None:
        """Mark a dated meeting busy whether or not it was free (a fixed team occurrence)."""
        self._take_on(people, start.date(), minutes_of(start.time()), duration)

    def _take_on(self, people: Iterable[str], day: dt.date, minutes: int, duration: int) -> None:
        for p in people:
            for c in cell_range(minutes, minutes + duration):
                self._mark_on(p, day, c)


__all__ = [
    "ALL_WEEKS",
    "CELL",
    "Occupancy",
    "cell_range",
    "minutes_of",
    "week_of_month",
    "week_window",
    "weeks_of",
]
