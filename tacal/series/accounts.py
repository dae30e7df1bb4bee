"""Series that follow from the accounts: check-ins, touch-bases, renewal checks, onboarding.

These are cadences with ``per = "account"`` and an account rule (``check-in``, ``touch-base``,
``renewal``, ``onboarding``): their dates come from each account, so
:func:`tacal.series.team.cadence_series` leaves them to :func:`account_series`, which runs after
every plain cadence is built and places account meetings around them:

1. recurring meetings first (check-ins, then touch-bases), every account in name order, each on
   the first free slot of everyone internal who attends (see :mod:`tacal.slots`); a holiday
   occurrence moves to the first free time on the next workday;
2. then one-offs (onboarding steps, renewal health checks) on their dates.

Laying out in name order, not file order, is what makes CSV and TOML accounts give the same
calendar. Nothing here reads the clock or a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from tacal.errors import Problem
from tacal.model import Account, Cadence, Config, slug
from tacal.schedule import rules
from tacal.schedule.slots import Grid
from tacal.series.context import BuildContext
from tacal.series.types import Attendee, Series, uid_for

#: Check-ins rarer than monthly get a monthly touch-base reminder.
RARE = ("bimonthly", "quarterly")
MONTHLY_TYPES = ("monthly", "bimonthly", "quarterly")
#: How far ahead meetings are compared to find free slots: a year from the start, and at least
#: past the last holiday (after it, nothing moves and the weekly patterns tell the whole story).
_LOOKAHEAD = dt.timedelta(days=366)


class AccountSeries:
    """One run of the generator: the grid of busy time and the series made so far."""

    def __init__(self, builder: BuildContext, regular: Iterable[Series]) -> None:
        self.builder = builder
        self.config: Config = builder.config
        self.team = builder.team
        self.grid = Grid(self.team)
        self.by_email = {p.email.lower(): p.key for p in self.config.people.values()}
        self.out: list[Series] = []
        self.accounts = sorted(self.config.accounts, key=lambda a: (a.name.casefold(), a.name))
        last = max([builder.start + _LOOKAHEAD, *self.team.holidays]) + dt.timedelta(days=14)
        self.until = dt.datetime.combine(last, dt.time(0))
        self._block_regular(regular)

    # ---- inputs

    def _block_regular(self, series: Iterable[Series]) -> None:
        """Mark every internal attendee busy at the meetings they already have.

        A regular occurrence blocks its weekday and week of the month; one moved by a holiday
        (an RDATE) blocks only its date, so one moved Friday meeting does not take a Monday slot
        away from every week of the year.
        """
        for s in series:
            people = self.internal(s.attendees)
            if not people:
                continue
            moved = set(s.recurrence.rdates)
            for start in rules.occurrences(s.recurrence, self.until):
                block = self.grid.block_on if start in moved else self.grid.block
                for person in people:
                    block(person, start, start + s.duration)

    def internal(self, attendees: Iterable[Attendee]) -> tuple[str, ...]:
        """Person keys of the attendees on the team (sorted: a stable cursor key)."""
        return tuple(sorted({self.by_email[a.email.lower()] for a in attendees
                             if a.email.lower() in self.by_email}))

    def cadences(self, rule: str) -> list[Cadence]:
        return [c for c in self.config.cadences if c.rule == rule and c.per == "account"]

    def focus(self, account: Account) -> dict[str, Any]:
        people = self.config.people
        return {**self.builder.account_focus(account),
                "ta_person": people.get(account.ta or ""),
                "ae_person": people.get(account.ae or ""),
                "check_in": account.check_in}

    def attendees(self, cadence: Cadence, focus: dict[str, Any]) -> list[Attendee]:
        found = self.builder.resolve(cadence.attendees, focus)
        account: Account = focus["account"]
        ta = self.config.people.get(account.ta or "")
        if ta is not None and all(a.email.lower() != ta.email.lower() for a in found):
            found.insert(0, Attendee(ta.email, ta.name))  # every account item is in its TA's feed
        if cadence.kind == "external":
            found.extend(Attendee(c) for c in account.contacts)
        unique: dict[str, Attendee] = {}
        for a in found:
            unique.setdefault(a.email.lower(), a)
        return list(unique.values())

    def problem(self, cadence: Cadence, message: str) -> None:
        self.builder.problems.append(Problem(cadence.where, message))

    # ---- when each account's own meetings may start

    def onboarding_days(self, account: Account) -> dict[str, dt.date]:
        """Cadence id -> the workday of each onboarding step for this account."""
        if account.onboarding_start is None:
            return {}
        first = self.team.next_workday(account.onboarding_start)
        out = {}
        for cadence in self.cadences("onboarding"):
            day = first
            for _ in range(cadence.workdays_after or 0):
                day = self.team.next_workday(day + dt.timedelta(days=1))
            out[cadence.id] = day
        return out

    def first_day(self, account: Account) -> dt.date:
        """Regular meetings start with the series, or the day after the onboarding kickoff."""
        if account.onboarding_start is None:
            return self.builder.start
        steps = self.onboarding_days(account)
        begin = max(steps.values()) + dt.timedelta(days=1) if steps else account.onboarding_start
        return max(self.builder.start, begin)

    # ---- series

    def series(self, cadence: Cadence, account: Account, rec: rules.Recurrence,
               focus: dict[str, Any], *suffix: str) -> Series:
        attendees = self.attendees(cadence, focus)
        return Series(
            uid=uid_for(self.team, cadence.id, slug(account.name), *suffix),
            cadence_id=cadence.id,
            summary=f"{cadence.summary}: {account.name}",
            description=self.builder.describe(cadence, focus),
            recurrence=rec,
            duration=dt.timedelta(minutes=cadence.duration),
            timezone=self.team.timezone,
            attendees=tuple(attendees),
            organizer=self.builder.organizer(),
            kind=cadence.kind,
            location=cadence.location,
            account=account.name,
        )

    def recurring(self, cadence: Cadence, account: Account, frequency: str,
                  default_week: int) -> None:
        """One laid-out series with ``frequency`` (weekly ... quarterly) for ``account``."""
        focus = self.focus(account)
        people = self.internal(self.attendees(cadence, focus))
        monthly = frequency in MONTHLY_TYPES
        slot = self.grid.place_recurring(people, cadence.duration, monthly, cadence.time,
                                         cadence.day, cadence.week or default_week)
        if slot is None:
            self.problem(cadence, f"no free {cadence.duration}-minute slot for "
                         f"{account.name!r} between team.workday_start and workday_end for "
                         f"{', '.join(people)}; shorten the meetings, widen the workday or "
                         "spread the accounts over more people")
            return
        session = replace(cadence, rule=frequency, day=slot.day, week=slot.week, time=slot.time)
        rec = rules.recurrence(session, self.team, self.first_day(account))
        if rec is None:
            return  # ended (until) before this account's meetings begin
        moved = [self.grid.place_on(people, r.date(), r.time(), cadence.duration)
                 for r in rec.rdates]
        # occurrences that meet a moved meeting (a one-date block) move to a free time that day
        regular = rules.occurrences(replace(rec, rdates=()), self.until)
        clashes = [o for o in regular if self.grid.clashes_on(people, o, cadence.duration)]
        moved += [self.grid.place_on(people, o.date(), o.time(), cadence.duration)
                  for o in clashes]
        rec = replace(rec, exdates=tuple(sorted({*rec.exdates, *clashes})),
                      rdates=tuple(sorted(moved)))
        self.out.append(self.series(cadence, account, rec, {**focus, "slot": slot}))

    def one_off(self, cadence: Cadence, account: Account, day: dt.date, suffix: str,
                extra: dict[str, Any]) -> None:
        if day < self.builder.start:
            return  # long past: the calendar starts with the current fiscal year
        focus = {**self.focus(account), **extra}
        people = self.internal(self.attendees(cadence, focus))
        when = self.grid.place_on(people, self.team.next_workday(day), cadence.time,
                                  cadence.duration)
        rec = rules.Recurrence(when, None)
        self.out.append(self.series(cadence, account, rec, {**focus, "date": when.date()},
                                    suffix))

    def build(self) -> list[Series]:
        for cadence in self.cadences("check-in"):
            for account in self.accounts:
                self.recurring(cadence, account, account.check_in, 1)
        for cadence in self.cadences("touch-base"):
            for account in self.accounts:
                if account.check_in in RARE:
                    self.recurring(cadence, account, "monthly", 3)
        for account in self.accounts:
            steps = self.onboarding_days(account)
            for cadence in self.cadences("onboarding"):
                if cadence.id in steps:
                    self.one_off(cadence, account, steps[cadence.id],
                                 f"{account.onboarding_start:%Y%m%d}",
                                 {"onboarding_start": account.onboarding_start,
                                  "steps": steps})
        for cadence in self.cadences("renewal"):
            for account in self.accounts:
                if account.renewal is None:
                    continue
                day = account.renewal - dt.timedelta(days=cadence.days_before or 180)
                self.one_off(cadence, account, day, f"{account.renewal:%Y%m%d}",
                             {"renewal": account.renewal,
                              "days_before": cadence.days_before or 180})
        return self.out


def account_series(ctx: BuildContext, regular: Iterable[Series]) -> list[Series]:
    """Every account's series, placed around ``regular`` (the plain cadences' series)."""
    if not ctx.config.accounts:
        return []
    return AccountSeries(ctx, regular).build()


__all__ = ["AccountSeries", "account_series"]
