"""One placement engine for every generated meeting: team series, sessions, account meetings.

Every series goes through :class:`Planner`, which owns the busy grid of the whole build
(:class:`~tacal.schedule.slots.Grid`) and each person's clock
(:mod:`tacal.schedule.clocks`). Order matters and is fixed:

1. ``per = "team"`` cadences at their exact time (:meth:`Planner.fixed`): a time outside
   someone's hours is a located error that says who and which window would fit everyone;
2. sessions (``per = "ta" | "ae" | "account"`` with a plain rule) and account meetings at the
   nearest free time to the cadence's (:meth:`Planner.flexible`); monthly sessions keep their
   week of the month (an MBR stays in days 8-14, a QBR in days 1-7), or fail with an error;
3. one-offs (renewal checks, onboarding steps) on their dates (:meth:`Planner.one_off`).

An occurrence on a holiday or non-workday of any internal attendee moves (a RECURRENCE-ID
override) to the first free time on the next day that fits everyone, inside the week of the
month when the cadence names one; these moves are settled once every weekly pattern is in
place, the fixed series' first (:meth:`Planner.settle_fixed`, :meth:`Planner.settle_all`).

People's real busy times (``busy``, a :class:`~tacal.model.Busy`) are hard conflicts for
everything placed afresh; a slot the lock gives back keeps it even when it now meets a busy
time (``tacal plan`` lists that), unless the user chose to ``move`` that series (it is then
placed afresh) or to ``override`` it (each colliding occurrence moves, like a holiday move,
and the lock remembers where: :meth:`~tacal.series.locked.LockMemory.claim`).

With a lock (:mod:`tacal.config.lock`), what it remembers is given back before anything is
placed afresh (:attr:`Planner.locked`, a :class:`~tacal.series.locked.LockMemory`): first what
sits on one date (holiday moves, one-offs), checked against the fixed series only, then the
weekly slots; an edit then moves only the series it concerns. Nothing here reads the clock or
a file.

This module is the order of placement and nothing else. What the lock remembers
(:mod:`tacal.series.locked`) and why a meeting does not fit (:mod:`tacal.series.placement_errors`)
are kept apart: the first only takes back and checks what an earlier build placed, the second
only reads the grid to explain a refusal; neither decides where a new meeting goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import replace

from tacal.errors import Problem
from tacal.model import WEEKDAYS, Account, Busy, Cadence, Config, Lock, Team
from tacal.schedule import rules
from tacal.schedule.clocks import Clock, customer_clock, person_clock
from tacal.schedule.occupancy import week_of_month, week_window
from tacal.schedule.slots import Grid, Slot, one_off_days
from tacal.series.busy_moves import BusyMoves, NoTimeOffBusy
from tacal.series.locked import LockMemory
from tacal.series.placement_errors import PlacementError, check_hours, clock_change_warning, no_slot

#: How far ahead meetings are compared: a year from the start, and at least past the last
#: explicit holiday (after it, nothing moves and the weekly patterns tell the whole story).
LOOKAHEAD = dt.timedelta(days=366)
MONTHLY_TYPES = ("monthly", "bimonthly", "quarterly", "fiscal-quarterly")


def horizon_of(team: Team, start: dt.date, today: dt.date) -> tuple[dt.date, dt.date]:
    last = max([start + LOOKAHEAD, today + LOOKAHEAD, *team.holidays]) + dt.timedelta(days=14)
    return start, last


class Planner:
    """Who is busy when, and where each new meeting goes."""

    def __init__(
        self,
        config: Config,
        start: dt.date,
        today: dt.date,
        lock: Lock | None = None,
        busy: Busy | None = None,
        resolve: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.lock = lock
        self.team = config.team
        self.horizon = horizon_of(self.team, start, today)
        years = tuple(range(self.horizon[0].year, self.horizon[1].year + 1))
        self.clocks: dict[str, Clock] = {
            key: person_clock(self.team, p, years) for key, p in config.people.items()
        }
        self.grid = Grid(self.team, self.clocks, self.horizon)
        self.until = dt.datetime.combine(self.horizon[1], dt.time(0))
        self.by_email = {p.email.lower(): p.key for p in config.people.values()}
        self._calendars: dict[tuple[str, ...], Team] = {}
        self._workweeks: dict[tuple[str, ...], Team] = {}  # the same without holidays
        self._pending: list[
            tuple[rules.Recurrence, tuple[str, ...], int, Team, int | None, str]
        ] = []
        #: holiday moves made by this build (uid -> holiday occurrence -> where it went),
        #: for the lock
        self.moves: dict[str, dict[dt.datetime, dt.datetime]] = {}
        #: located warnings (a team time that a DST change skips or repeats)
        self.warnings: list[Problem] = []
        #: what the user chose for series that meet someone's busy time (uid -> "move" |
        #: "keep" | "override"); occurrences moved off busy time by this build (for the lock)
        self.resolve: dict[str, str] = dict(resolve or {})
        self.busy = busy
        self.off_busy = BusyMoves(self.grid, self.team, busy, self.resolve)
        self.busy_moves = self.off_busy.moves
        #: what the lock remembers, taken back before anything is placed afresh
        self.locked = LockMemory(
            self.grid, self.team, lock, self.until, self.calendar, self.off_busy, self.resolve
        )
        if busy is not None:
            for key, found in busy.people.items():
                if key in self.clocks:
                    self.grid.add_busy(key, found.blocks)

    # ---- who

    def internal(self, emails: Iterable[str]) -> tuple[str, ...]:
        """Person keys of the attendees on the team (sorted: a stable key)."""
        return tuple(
            sorted({self.by_email[e.lower()] for e in emails if e.lower() in self.by_email})
        )

    def customer(self, account: Account | None, external: bool) -> tuple[str, ...]:
        """The customer's clock key for an external meeting with a known customer zone."""
        if account is None or not external:
            return ()
        clock = customer_clock(account)
        if clock is None:
            return ()
        self.grid.add_clock(clock)
        return (clock.key,)

    def calendar(self, people: tuple[str, ...]) -> Team:
        """The team's calendar as these people share it: every attendee's holidays, and only
        the weekdays all of them work."""
        if people not in self._calendars:
            clocks = [self.clocks[p] for p in people if p in self.clocks]
            lo, hi = self.horizon
            holidays = set(self.team.holidays)
            workdays = set(self.team.workdays)
            for c in clocks:
                holidays |= {d for d in c.holidays if lo <= d <= hi}
                workdays &= {WEEKDAYS[i] for i in c.workdays}
            days = tuple(d for d in self.team.workdays if d in workdays) or self.team.workdays
            self._calendars[people] = replace(
                self.team, holidays=tuple(sorted(holidays)), workdays=days
            )
        return self._calendars[people]

    def workweek(self, people: tuple[str, ...]) -> Team:
        """:meth:`calendar` without its holidays (what a pattern is laid out on)."""
        if people not in self._workweeks:
            self._workweeks[people] = replace(self.calendar(people), holidays=())
        return self._workweeks[people]

    # ---- placing

    def fixed(
        self, cadence: Cadence, people: tuple[str, ...], start: dt.date
    ) -> rules.Recurrence | None:
        """A ``per = "team"`` series at exactly its time, its workday occurrences blocked;
        raises PlacementError when the time is outside someone's hours. Its holiday moves are
        placed by :meth:`settle_fixed` once every weekly pattern is in place."""
        calendar = self.calendar(people)
        rec = rules.recurrence(cadence, replace(calendar, holidays=()), start)
        if rec is None:
            return None
        check_hours(
            cadence, people, rec, self.grid, self.team, self.clocks, self.horizon, self.until
        )
        warning = clock_change_warning(cadence, rec, self.grid, self.team, self.until)
        if warning is not None:
            self.warnings.append(warning)
        patterns = {
            (occ.weekday(), week_of_month(occ.date()), occ.hour * 60 + occ.minute)
            for occ in rules.occurrences(rec, self.until, self.team.timezone)
            if calendar.is_workday(occ.date())
        }
        for weekday, week, begin in patterns:
            end = min(begin + cadence.duration, 24 * 60)
            for p in people:
                self.grid.block_pattern(p, weekday, week, begin, end)
        return rec

    def settle_fixed(
        self, cadence: Cadence, people: tuple[str, ...], rec: rules.Recurrence, uid: str = ""
    ) -> rules.Recurrence:
        """Holiday moves of a fixed series, after every weekly pattern is placed (fixed ones,
        sessions, account meetings) and before those of the others: to the first free time on
        the next workday that fits (a team cadence's day is a fact, not a window to stay
        in)."""
        return self._settle(
            rec,
            people,
            cadence.duration,
            self.calendar(people),
            None,
            block=False,
            only_holidays=True,
            uid=uid,
        )

    def flexible(
        self,
        cadence: Cadence,
        people: tuple[str, ...],
        start: dt.date,
        rule: str | None = None,
        day: str | None = None,
        week: int | None = None,
        session: bool = False,
        extra: tuple[str, ...] = (),
        uid: str = "",
    ) -> tuple[rules.Recurrence | None, Slot]:
        """A series at the nearest free pattern to the cadence's; PlacementError when full.

        ``extra`` are clocks that must fit but are not tracked as busy (a customer's).
        Sessions fill their day first and keep their week of the month.
        """
        frequency = rule or cadence.rule
        monthly = frequency in MONTHLY_TYPES
        who = (*people, *extra)
        slot = self.locked.slot(uid)
        if slot is None:
            slot = self.grid.place_recurring(
                who,
                cadence.duration,
                monthly,
                cadence.time,
                day or cadence.day,
                week if week is not None else cadence.week,
                fixed_week=session and monthly,
                day_major=session,
            )
        if slot is None:
            raise PlacementError(
                no_slot(
                    cadence,
                    people,
                    extra,
                    session and monthly,
                    self.grid,
                    self.team,
                    self.clocks,
                    self.horizon,
                    self.busy,
                )
            )
        placed = replace(cadence, rule=frequency, day=slot.day, week=slot.week, time=slot.time)
        calendar = self.calendar(people)
        rec = rules.recurrence(placed, self.workweek(people), start)
        if rec is None:
            self.locked.unclaim(uid, who, cadence.duration)
            return None, slot
        window_week = slot.week if monthly and session else None
        self._pending.append((rec, who, cadence.duration, calendar, window_week, uid))
        return rec, slot

    def settle_all(self) -> dict[int, rules.Recurrence | PlacementError]:
        """Holiday moves and clashes with one-date meetings of every series placed by
        :meth:`flexible`, once every weekly pattern is in place, in the order they were
        placed. Keyed by ``id()`` of the recurrence :meth:`flexible` returned.

        Settling only after all patterns are placed is what makes a build with a lock give the
        same result as the build that wrote it (the lock gives back the holiday moves and
        one-offs it remembers, then the slots, before anything is placed afresh)."""
        out: dict[int, rules.Recurrence | PlacementError] = {}
        for rec, who, duration, calendar, week, uid in self._pending:
            try:
                out[id(rec)] = self._settle(
                    rec, who, duration, calendar, week, block=False, uid=uid
                )
            except PlacementError as exc:
                out[id(rec)] = exc
        self._pending.clear()
        return out

    def one_off(
        self,
        people: tuple[str, ...],
        day: dt.date,
        time: dt.time,
        duration: int,
        within: int | None = None,
        uid: str = "",
    ) -> dt.datetime | None:
        """A single meeting on ``day`` or the first workday after it that fits everyone;
        ``within`` limits the search to that many workdays. A meeting the lock gave back
        (:meth:`LockMemory.reserve_on`) keeps its time."""
        kept = self.locked.time(uid)
        if kept is not None:
            return kept
        first, window = one_off_days(self.calendar(people), day, within)
        return self.grid.place_on(people, first, time, duration, self.calendar(people), window)

    # ---- holiday moves and clashes with one-date meetings

    def _settle(
        self,
        rec: rules.Recurrence,
        people: tuple[str, ...],
        duration: int,
        calendar: Team,
        week: int | None,
        *,
        block: bool,
        only_holidays: bool = False,
        uid: str = "",
    ) -> rules.Recurrence:
        """Move occurrences that fall on a holiday (of anyone attending) or on a one-date
        meeting to the first free time on the next day that fits (or where the lock says it
        went: :meth:`LockMemory.claim`); block what remains."""
        claimed = self.locked.moves(uid)
        planned = rules.occurrences(rec, self.until, self.team.timezone)
        days = {o.date() for o in planned}
        exdates: list[dt.datetime] = []
        moved: list[rules.Move] = []
        kept: list[dt.datetime] = []
        for occ in planned:
            if not calendar.is_workday(occ.date()):
                target = calendar.next_workday(occ.date())
                if rec.rrule and target in days and week is None:
                    exdates.append(occ)
                    continue  # a daily series already meets that day: drop, do not double
                window = week_window(occ.date(), week)
                when = claimed.pop(occ, None) or self.grid.place_on(
                    people, target, occ.time(), duration, calendar, window
                )
                if when is None:
                    raise PlacementError(
                        f"the {occ:%Y-%m-%d} meeting falls on a holiday and no later time "
                        "fits everyone" + (" in the same week of the month" if window else "")
                    )
                moved.append((occ, when))
                if uid:
                    self.moves.setdefault(uid, {})[occ] = when
            else:
                kept.append(occ)
        if uid:
            try:
                kept = self.off_busy.settle(
                    uid, kept, people, duration, calendar, lambda d: week_window(d, week), moved
                )
            except NoTimeOffBusy as exc:
                raise PlacementError(str(exc)) from None
        if block:
            for occ in kept:
                for p in people:
                    self.grid.block(p, occ, occ + dt.timedelta(minutes=duration))
        elif not only_holidays:
            clashes = [o for o in kept if self.grid.clashes_on(people, o, duration)]
            for occ in clashes:
                when = self.grid.place_on(
                    people,
                    occ.date(),
                    occ.time(),
                    duration,
                    calendar,
                    week_window(occ.date(), week),
                )
                if when is None:
                    raise PlacementError(
                        f"the {occ:%Y-%m-%d} meeting meets a moved meeting "
                        "and no other time fits everyone"
                    )
                moved.append((occ, when))
        if claimed:  # remembered moves of occurrences that no longer need one
            self.locked.give_back(uid, claimed, people, duration)
        return rules.with_moves(rec, exdates, moved)


__all__ = ["LOOKAHEAD", "MONTHLY_TYPES", "Planner", "horizon_of"]
