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
and the lock remembers where: :meth:`Planner.claim`).

With a lock (:mod:`tacal.config.lock`), what it remembers is given back before anything is
placed afresh: first what sits on one date (holiday moves: :meth:`Planner.claim`; one-offs:
:meth:`Planner.reserve_on`), checked against the fixed series only, then the weekly slots
(:meth:`Planner.reserve`); an edit then moves only the series it concerns. Nothing here reads
the clock or a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import replace

from tacal.errors import Problem
from tacal.model import WEEKDAYS, Account, Busy, Cadence, Config, Lock, LockEntry, Team
from tacal.schedule import rules
from tacal.schedule.clocks import Clock, customer_clock, person_clock, team_window
from tacal.schedule.occupancy import week_of_month, weeks_of
from tacal.schedule.slots import Grid, Slot
from tacal.series.busy_moves import BusyMoves, NoTimeOffBusy

#: How far ahead meetings are compared: a year from the start, and at least past the last
#: explicit holiday (after it, nothing moves and the weekly patterns tell the whole story).
LOOKAHEAD = dt.timedelta(days=366)
MONTHLY_TYPES = ("monthly", "bimonthly", "quarterly", "fiscal-quarterly")


class PlacementError(ValueError):
    """A meeting cannot be placed; the message says why and what to change."""


def slot_text(slot: Slot) -> str:
    """``"WE 13:00"`` or ``"WE 13:00 2"`` (with the week of the month), as the lock keeps it."""
    return f"{slot.day} {slot.time:%H:%M}" + (f" {slot.week}" if slot.week is not None else "")


def parse_slot(text: str) -> Slot:
    parts = text.split()
    hour, minute = (int(x) for x in parts[1].split(":"))
    return Slot(parts[0], dt.time(hour, minute), int(parts[2]) if len(parts) > 2 else None)


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
        #: slots taken back from the lock before anything new is placed (uid -> slot)
        self.reserved: dict[str, Slot] = {}
        #: one-date meetings taken back from the lock (uid -> start), see :meth:`reserve_on`
        self.reserved_on: dict[str, dt.datetime] = {}
        self._pending: list[
            tuple[rules.Recurrence, tuple[str, ...], int, Team, int | None, str]
        ] = []
        #: holiday moves made by this build (uid -> holiday occurrence -> where it went),
        #: for the lock; and those taken back from the lock, not yet used by :meth:`_settle`
        self.moves: dict[str, dict[dt.datetime, dt.datetime]] = {}
        self._claimed: dict[str, dict[dt.datetime, dt.datetime]] = {}
        #: located warnings (a team time that a DST change skips or repeats)
        self.warnings: list[Problem] = []
        #: what the user chose for series that meet someone's busy time (uid -> "move" |
        #: "keep" | "override"); occurrences moved off busy time by this build (for the lock)
        self.resolve: dict[str, str] = dict(resolve or {})
        self.busy = busy
        self.off_busy = BusyMoves(self.grid, self.team, busy, self.resolve)
        self.busy_moves = self.off_busy.moves
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

    # ---- the lock: unchanged series keep their slot

    def inputs(self, cadence: Cadence, frequency: str, week: int | None) -> str:
        """A hash of what one series asks of placement: its rule, preferred day, time and
        week, length, ``per`` and ``kind``. Same inputs, same slot, as long as the slot still
        fits: who attends now and their clocks (hours, zone, workdays, budget) are checked
        when the slot is taken back (:meth:`reserve`), not hashed, so a change to someone's
        hours or to who attends moves only the series the old slot no longer fits."""
        key = (
            frequency,
            cadence.day,
            week,
            cadence.time.isoformat(),
            cadence.duration,
            cadence.per,
            cadence.kind,
        )
        return hashlib.sha256(repr(key).encode()).hexdigest()[:16]

    def reserve(
        self,
        uid: str,
        inputs: str,
        who: tuple[str, ...],
        duration: int,
        monthly: bool,
        entry: LockEntry | None,
    ) -> None:
        """Take ``uid``'s locked slot back before anything new is placed, if its inputs are
        unchanged and the slot still breaks no rule (hours, a fixed series that changed)."""
        if entry is None or not entry.slot or entry.inputs != inputs:
            return
        slot = parse_slot(entry.slot)
        weekday = WEEKDAYS.index(slot.day)
        begin = slot.time.hour * 60 + slot.time.minute
        if monthly == (slot.week is not None) and self.grid.take_pattern(
            who,
            weekday,
            weeks_of(slot.week),
            begin,
            begin + duration,
            busy=self.resolve.get(uid) == "move",
        ):
            self.reserved[uid] = slot
        else:
            self._unclaim(uid, who, duration)  # placed afresh: other occurrences

    def reserve_on(
        self,
        uid: str,
        inputs: str,
        who: tuple[str, ...],
        day: dt.date,
        duration: int,
        within: int | None,
        entry: LockEntry | None,
    ) -> None:
        """Take ``uid``'s locked one-date meeting (a renewal check, an onboarding step) back
        before holiday moves and other one-offs are placed, if its inputs are unchanged and
        its time is still free, a workday and inside the days it may use."""
        if entry is None or entry.slot or not entry.inputs or entry.inputs != inputs:
            return
        when = entry.start.replace(tzinfo=None)
        first, window = self._one_off_days(who, day, within)
        if when.date() < first or (window is not None and when.date() > window[1]):
            return
        if not self.calendar(who).is_workday(when.date()):
            return
        begin = when.hour * 60 + when.minute
        if self.resolve.get(uid) == "move" and self.grid.busy_on(who, when, duration):
            return  # the user chose to move it off someone's busy time: placed afresh
        if self.grid.take_on(who, when.date(), begin, begin + duration):
            self.reserved_on[uid] = when

    def claim(
        self,
        uid: str,
        inputs: str,
        who: tuple[str, ...],
        duration: int,
        session: bool,
        entry: LockEntry | None,
    ) -> None:
        """Take back where the lock says the holiday occurrences of series ``uid`` went, if its
        inputs are unchanged: before any slot is reserved or placed, so that only fixed series
        (and what the lock already gave back) can make such a time unavailable.

        Holiday moves go to the first free time on the next day, so they compete: settled in
        name order, a new account's move would take an existing one's time and push it on,
        and removing an account would pull later ones forward. A new series whose pattern
        lands on a kept move moves its own occurrence instead (:meth:`_settle`). Claims that
        :meth:`_settle` does not use (the series did not keep its slot, or the occurrence is
        gone) are given back."""
        if entry is None or not entry.slot or entry.inputs != inputs:
            return
        self.off_busy.claim(uid, entry, who, duration)
        if not entry.moves:
            return
        slot = parse_slot(entry.slot)
        week = slot.week if session and slot.week is not None else None
        self._claim(uid, entry.moves, who, duration, self.calendar(who), week)

    def claim_fixed(
        self, cadence: Cadence, people: tuple[str, ...], rec: rules.Recurrence, uid: str
    ) -> None:
        """:meth:`claim` for a fixed series, before any fixed series is settled."""
        entry = self.lock.entries.get(uid) if self.lock is not None else None
        if entry is None:
            return
        self.off_busy.claim(uid, entry, people, cadence.duration)
        if not entry.moves:
            return
        planned = set(rules.occurrences(rec, self.until, self.team.timezone))
        calendar = self.calendar(people)
        days = {o.date() for o in planned}
        moves = [
            (occ, when)
            for occ, when in entry.moves
            if occ in planned
            and not (rec.rrule and calendar.next_workday(occ.date()) in days)  # dropped
        ]
        self._claim(uid, tuple(moves), people, cadence.duration, calendar, None)

    def _claim(
        self,
        uid: str,
        moves: tuple[tuple[dt.datetime, dt.datetime], ...],
        people: tuple[str, ...],
        duration: int,
        calendar: Team,
        week: int | None,
    ) -> None:
        """Each move whose occurrence still falls on a holiday and whose time is still free
        and allowed (a workday: in its week of the month for a session that keeps one, else
        on or after the next workday)."""
        claimed: dict[dt.datetime, dt.datetime] = {}
        for occ, when in moves:
            if calendar.is_workday(occ.date()):
                continue  # no longer on a holiday
            window = _week_window(occ.date(), week)
            lo, hi = window or (calendar.next_workday(occ.date()), when.date())
            if not lo <= when.date() <= hi or not calendar.is_workday(when.date()):
                continue
            begin = when.hour * 60 + when.minute
            if self.grid.take_on(people, when.date(), begin, begin + duration):
                claimed[occ] = when
        if claimed:
            self._claimed[uid] = claimed

    def _unclaim(self, uid: str, people: tuple[str, ...], duration: int) -> None:
        """Give back the claimed moves of ``uid`` that were not used."""
        for when in [
            *self._claimed.pop(uid, {}).values(),
            *self.off_busy.claimed.pop(uid, {}).values(),
        ]:
            begin = when.hour * 60 + when.minute
            self.grid.release_on(people, when.date(), begin, begin + duration)

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
        self._check_hours(cadence, people, rec)
        self._check_clock_change(cadence, rec)
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
        slot = self.reserved.pop(uid, None) if uid else None
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
            raise PlacementError(self._no_slot(cadence, people, extra, session and monthly))
        placed = replace(cadence, rule=frequency, day=slot.day, week=slot.week, time=slot.time)
        calendar = self.calendar(people)
        rec = rules.recurrence(placed, replace(calendar, holidays=()), start)
        if rec is None:
            self._unclaim(uid, who, cadence.duration)
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
        ``within`` limits the search to that many workdays. A meeting :meth:`reserve_on` took
        back from the lock keeps its time."""
        if uid in self.reserved_on:
            return self.reserved_on.pop(uid)
        first, window = self._one_off_days(people, day, within)
        return self.grid.place_on(people, first, time, duration, self.calendar(people), window)

    def _one_off_days(
        self, people: tuple[str, ...], day: dt.date, within: int | None
    ) -> tuple[dt.date, tuple[dt.date, dt.date] | None]:
        """The first workday a one-off may use and, with ``within``, its last."""
        calendar = self.calendar(people)
        first = calendar.next_workday(day)
        if within is None:
            return first, None
        last = first
        for _ in range(within - 1):
            last = calendar.next_workday(last + dt.timedelta(days=1))
        return first, (first, last)

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
        went: :meth:`claim`); block what remains."""
        claimed = self._claimed.pop(uid, {}) if uid else {}
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
                window = _week_window(occ.date(), week)
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
                    uid, kept, people, duration, calendar, lambda d: _week_window(d, week), moved
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
                    _week_window(occ.date(), week),
                )
                if when is None:
                    raise PlacementError(
                        f"the {occ:%Y-%m-%d} meeting meets a moved meeting "
                        "and no other time fits everyone"
                    )
                moved.append((occ, when))
        if claimed:  # remembered moves of occurrences that no longer need one
            self._claimed[uid] = claimed
            self._unclaim(uid, people, duration)
        return rules.with_moves(rec, exdates, moved)

    # ---- messages

    def _check_clock_change(self, cadence: Cadence, rec: rules.Recurrence) -> None:
        """A located warning when an exact team time falls in an hour a DST change skips or
        repeats (the writer then keeps the meeting's length with DURATION)."""
        dst = self.grid.dst_dated
        if not dst:
            return
        for occ in rules.occurrences(rec, self.until, self.team.timezone):
            first = (occ.hour * 60 + occ.minute) // 5
            cells = range(first, first + max(1, cadence.duration // 5))
            if any((occ.date(), c) in dst for c in cells):
                self.warnings.append(
                    Problem(
                        cadence.where,
                        f"time = {cadence.time:%H:%M} on {occ:%a %Y-%m-%d} is in an "
                        f"hour that a daylight-saving change skips or repeats in "
                        f"{self.team.timezone}; clients show that meeting at a shifted time: "
                        "choose a time outside 01:00-03:00",
                        "warning",
                    )
                )
                return

    def _check_hours(
        self, cadence: Cadence, people: tuple[str, ...], rec: rules.Recurrence
    ) -> None:
        tz = self.team.tz
        lo, hi = self.horizon
        outside: list[str] = []
        instants = [
            (occ, occ.replace(tzinfo=tz))
            for occ in rules.occurrences(rec, self.until, self.team.timezone)
        ]
        length = dt.timedelta(minutes=cadence.duration)
        seen: dict[tuple[object, ...], bool] = {}
        for p in people:
            clock = self.clocks.get(p)
            if clock is None:
                continue
            probe = replace(clock, holidays=frozenset())
            shape = (clock.zone, clock.start, clock.end, clock.workdays)
            for occ, begin in instants:
                key = (shape, occ)
                ok = seen.get(key)
                if ok is None:
                    ok = seen[key] = probe.fits(begin, begin.astimezone(dt.UTC) + length)
                if not ok:
                    local = (
                        ""
                        if clock.zone == self.team.timezone
                        else (
                            f", that is {team_window(clock, self.team.timezone, lo, hi)} in "
                            f"{self.team.timezone}"
                        )
                    )
                    outside.append(
                        f"{clock.label} ({clock.hours_text()} {clock.zone}{local}; "
                        f"first miss {occ:%a %Y-%m-%d %H:%M})"
                    )
                    break
        if outside:
            raise PlacementError(
                f"time = {cadence.time:%H:%M} ({self.team.timezone}) is outside the working "
                f"hours of {'; '.join(outside)}; {self._window_text(cadence, people)}"
            )

    def _window_text(self, cadence: Cadence, people: tuple[str, ...]) -> str:
        """Which team-local times on the cadence's day would fit everyone, for messages."""
        day = WEEKDAYS.index(cadence.day) if cadence.day else 0
        free = [
            c
            for c in range(24 * 60 // 5)
            if all((day, c) not in self.grid.off.get(p, frozenset()) for p in people)
        ]
        runs: list[tuple[int, int]] = []
        for c in free:
            if runs and runs[-1][1] == c:
                runs[-1] = (runs[-1][0], c + 1)
            else:
                runs.append((c, c + 1))
        fitting = [(a * 5, b * 5) for a, b in runs if (b - a) * 5 >= cadence.duration]
        if not fitting:
            return "no time of day fits everyone: change someone's hours or the attendees"
        shown = ", ".join(
            f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in fitting
        )
        return f"a time that fits everyone: {shown} ({self.team.timezone})"

    def _no_slot(
        self, cadence: Cadence, people: tuple[str, ...], extra: tuple[str, ...], in_week: bool
    ) -> str:
        who = (*people, *extra)
        common = [
            c
            for c in range(24 * 60 // 5)
            if any(
                all((d, c) not in self.grid.off.get(p, frozenset()) for p in who) for d in range(7)
            )
        ]
        if not common:
            lo, hi = self.horizon
            hours = "; ".join(
                f"{self.grid.clocks[p].label} {self.grid.clocks[p].hours_text()} "
                f"{self.grid.clocks[p].zone} ("
                f"{team_window(self.grid.clocks[p], self.team.timezone, lo, hi)} in "
                f"{self.team.timezone})"
                for p in who
                if p in self.grid.clocks
            )
            return (
                f"no time of day is inside everyone's working hours: {hours}; change "
                "someone's hours or who attends"
            )
        names = ", ".join(self.clocks[p].label if p in self.clocks else p for p in people)
        where = f" in week {cadence.week} of the month" if in_week and cadence.week else ""
        customer = " and the customer's hours" if extra else ""
        busy = [
            self.clocks[p].label
            for p in people
            if p in self.clocks and self.busy is not None and self.busy.blocks(p)
        ]
        around = (
            f" around the busy times of {', '.join(busy)} (their calendars, over the busy "
            "horizon; --no-busy shows placement without them)"
            if busy
            else ""
        )
        return (
            f"no free {cadence.duration}-minute time{where} within the working hours of "
            f"{names}{customer}{around}; shorten the meetings, widen someone's hours, or "
            "spread the work over more people"
        )


def _week_window(day: dt.date, week: int | None) -> tuple[dt.date, dt.date] | None:
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


__all__ = ["LOOKAHEAD", "PlacementError", "Planner", "Slot", "horizon_of", "week_of_month"]
