"""Occurrences moved off someone's busy time, by the user's choice (``override``).

A series kept from the lock is never moved because a real meeting appeared where it meets;
``tacal plan --resolve UID=override --apply`` moves only the colliding occurrences, like
holiday moves (RECURRENCE-ID overrides), and the lock remembers where they went
(``busy_moves``) so every later build gives them back first (:meth:`BusyMoves.claim`), with
or without busy data. Kept apart from :mod:`tacal.series.planner`, which calls it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tacal.model import Busy, LockEntry, Team
from tacal.schedule import rules
from tacal.schedule.slots import Grid

Window = Callable[[dt.date], tuple[dt.date, dt.date] | None]


class NoTimeOffBusy(ValueError):
    """An occurrence to move off busy time has nowhere to go; the message says which."""


class BusyMoves:
    """The user's ``override`` choices for one build, and the moves they make."""

    def __init__(self, grid: Grid, team: Team, busy: Busy | None, resolve: dict[str, str]) -> None:
        self.grid = grid
        self.team = team
        self.busy = busy
        self.resolve = resolve
        #: occurrences moved off busy time by this build, for the lock (uid -> occ -> where)
        self.moves: dict[str, dict[dt.datetime, dt.datetime]] = {}
        #: where the lock says they went, taken back before anything is placed
        self.claimed: dict[str, dict[dt.datetime, dt.datetime]] = {}

    def claim(self, uid: str, entry: LockEntry, people: tuple[str, ...], duration: int) -> None:
        """Take back where the lock says occurrences of ``uid`` went off someone's busy time,
        while that time is still free of tacal's meetings: the user chose it, so the next build
        keeps it (even without busy data). ``move`` drops them: the series is placed afresh."""
        if not entry.busy_moves or self.resolve.get(uid) == "move":
            return
        claimed: dict[dt.datetime, dt.datetime] = {}
        for occ, when in entry.busy_moves:
            begin = when.hour * 60 + when.minute
            if self.grid.take_on(people, when.date(), begin, begin + duration):
                claimed[occ] = when
        if claimed:
            self.claimed[uid] = claimed

    def settle(
        self,
        uid: str,
        kept: list[dt.datetime],
        people: tuple[str, ...],
        duration: int,
        calendar: Team,
        window: Window,
        moved: list[rules.Move],
    ) -> list[dt.datetime]:
        """The occurrences of ``uid`` that stay where the rule puts them. Those the lock moved
        off busy time go back where it says; with ``override``, each other occurrence inside
        the busy horizon that meets someone's busy time moves to the first free time from its
        day (inside ``window(day)``, the week of the month, when there is one). Appends the
        moves to ``moved``; raises NoTimeOffBusy when one has nowhere to go."""
        claimed = self.claimed.pop(uid, {})
        override = self.resolve.get(uid) == "override"
        if not claimed and not override:
            return kept
        last = (
            self.busy.end.astimezone(self.team.tz).replace(tzinfo=None)
            if self.busy is not None
            else None
        )
        stay: list[dt.datetime] = []
        for occ in kept:
            when = claimed.pop(occ, None)
            if (
                when is None
                and override
                and last is not None
                and occ < last
                and self.grid.busy_on(people, occ, duration)
            ):
                when = self.grid.place_on(
                    people, occ.date(), occ.time(), duration, calendar, window(occ.date())
                )
                if when is None:
                    raise NoTimeOffBusy(
                        f"the {occ:%Y-%m-%d %H:%M} meeting meets someone's busy time and no "
                        "other time fits everyone; keep it or move the series"
                    )
            if when is None:
                stay.append(occ)
                continue
            moved.append((occ, when))
            self.moves.setdefault(uid, {})[occ] = when
        for when in claimed.values():  # remembered moves of occurrences that are gone
            begin = when.hour * 60 + when.minute
            self.grid.release_on(people, when.date(), begin, begin + duration)
        return stay


__all__ = ["BusyMoves", "NoTimeOffBusy"]
