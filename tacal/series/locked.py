"""What the lock remembers, given back before anything is placed afresh.

A build with a lock (:mod:`tacal.config.lock`) must give the same calendar as the build that
wrote it, and an edit must move only the series it concerns. So before the planner
(:class:`~tacal.series.planner.Planner`) places anything, each series whose placement inputs
are unchanged (:func:`placement_inputs`) takes back what the lock remembers: first what sits
on one date (holiday moves: :meth:`LockMemory.claim`, :meth:`LockMemory.claim_fixed`;
one-offs: :meth:`LockMemory.reserve_on`), checked against the fixed series only, then the
weekly slots (:meth:`LockMemory.reserve`). The planner then uses what was taken back
(:meth:`LockMemory.slot`, :meth:`LockMemory.time`, :meth:`LockMemory.moves`) and gives back
what it did not need (:meth:`LockMemory.give_back`, :meth:`LockMemory.unclaim`).

Kept apart from the planner because it decides no placement: it remembers, checks that a
remembered time still breaks no rule, and takes it on the shared grid; placement is the same
with or without a lock. Moves off people's busy times that the lock remembers are
:mod:`tacal.series.busy_moves`' own; they are claimed and given back from here with the rest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from tacal.model import WEEKDAYS, Cadence, Lock, LockEntry, Team
from tacal.schedule import rules
from tacal.schedule.occupancy import week_window, weeks_of
from tacal.schedule.slots import Grid, Slot, one_off_days
from tacal.series.busy_moves import BusyMoves


def slot_text(slot: Slot) -> str:
    """``"WE 13:00"`` or ``"WE 13:00 2"`` (with the week of the month), as the lock keeps it."""
    return f"{slot.day} {slot.time:%H:%M}" + (f" {slot.week}" if slot.week is not None else "")


def parse_slot(text: str) -> Slot:
    """The :class:`~tacal.schedule.slots.Slot` that :func:`slot_text` wrote."""
    parts = text.split()
    hour, minute = (int(x) for x in parts[1].split(":"))
    return Slot(parts[0], dt.time(hour, minute), int(parts[2]) if len(parts) > 2 else None)


def placement_inputs(cadence: Cadence, frequency: str, week: int | None) -> str:
    """A hash of what one series asks of placement: its rule, preferred day, time and
    week, length, ``per`` and ``kind``. Same inputs, same slot, as long as the slot still
    fits: who attends now and their clocks (hours, zone, workdays, budget) are checked
    when the slot is taken back (:meth:`LockMemory.reserve`), not hashed, so a change to
    someone's hours or to who attends moves only the series the old slot no longer fits."""
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


class LockMemory:
    """The slots, one-date times and holiday moves one build takes back from the lock."""

    def __init__(
        self,
        grid: Grid,
        team: Team,
        lock: Lock | None,
        until: dt.datetime,
        calendar: Callable[[tuple[str, ...]], Team],
        off_busy: BusyMoves,
        resolve: dict[str, str],
    ) -> None:
        self.grid = grid
        self.team = team
        self.lock = lock
        self.until = until
        #: the team's calendar as some people share it (the planner's, cached there)
        self.calendar = calendar
        self.off_busy = off_busy
        self.resolve = resolve
        #: slots taken back from the lock before anything new is placed (uid -> slot)
        self.reserved: dict[str, Slot] = {}
        #: one-date meetings taken back from the lock (uid -> start), see :meth:`reserve_on`
        self.reserved_on: dict[str, dt.datetime] = {}
        #: holiday moves taken back from the lock, not yet used by the planner's settling
        self.claimed: dict[str, dict[dt.datetime, dt.datetime]] = {}

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
            self.unclaim(uid, who, duration)  # placed afresh: other occurrences

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
        first, window = one_off_days(self.calendar(who), day, within)
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
        lands on a kept move moves its own occurrence instead (the planner's settling). Claims that
        the planner's settling does not use (the series did not keep its slot, or the occurrence is
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
            window = week_window(occ.date(), week)
            lo, hi = window or (calendar.next_workday(occ.date()), when.date())
            if not lo <= when.date() <= hi or not calendar.is_workday(when.date()):
                continue
            begin = when.hour * 60 + when.minute
            if self.grid.take_on(people, when.date(), begin, begin + duration):
                claimed[occ] = when
        if claimed:
            self.claimed[uid] = claimed

    def unclaim(self, uid: str, people: tuple[str, ...], duration: int) -> None:
        """Give back the claimed moves of ``uid`` that were not used."""
        for when in [
            *self.claimed.pop(uid, {}).values(),
            *self.off_busy.claimed.pop(uid, {}).values(),
        ]:
            begin = when.hour * 60 + when.minute
            self.grid.release_on(people, when.date(), begin, begin + duration)

    # ---- what the planner uses

    def slot(self, uid: str) -> Slot | None:
        """``uid``'s slot taken back by :meth:`reserve` (once), else None."""
        return self.reserved.pop(uid, None) if uid else None

    def time(self, uid: str) -> dt.datetime | None:
        """``uid``'s one-date time taken back by :meth:`reserve_on` (once), else None."""
        return self.reserved_on.pop(uid, None)

    def moves(self, uid: str) -> dict[dt.datetime, dt.datetime]:
        """``uid``'s holiday moves taken back by :meth:`claim` (once): occurrence -> where."""
        return self.claimed.pop(uid, {}) if uid else {}

    def give_back(
        self,
        uid: str,
        unused: dict[dt.datetime, dt.datetime],
        people: tuple[str, ...],
        duration: int,
    ) -> None:
        """Give back remembered moves of occurrences that no longer need one."""
        self.claimed[uid] = unused
        self.unclaim(uid, people, duration)


__all__ = ["LockMemory", "parse_slot", "placement_inputs", "slot_text"]
