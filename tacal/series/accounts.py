"""Series that follow from the accounts: check-ins, touch-bases, renewal checks, onboarding.

These are cadences with ``per = "account"`` and an account rule (``check-in``, ``touch-base``,
``renewal``, ``onboarding``): their dates come from each account, so
:func:`tacal.series.team.cadence_series` leaves them to :func:`account_series`, which runs after
every plain cadence is built and places account meetings around them:

1. recurring meetings first (check-ins, then touch-bases), every account in name order, each on
   the first free slot of everyone internal who attends (see :mod:`tacal.schedule.slots`); a holiday
   occurrence moves to the first free time on the next workday;
2. then one-offs (onboarding steps, renewal health checks) on their dates.

Laying out in name order, not file order, is what makes CSV and TOML accounts give the same
calendar. Nothing here reads the clock or a file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from tacal.errors import Problem
from tacal.model import Account, Cadence, Config, slug
from tacal.schedule import rules
from tacal.series.context import BuildContext
from tacal.series.locked import placement_inputs, slot_text
from tacal.series.placement_errors import PlacementError
from tacal.series.planner import MONTHLY_TYPES, Planner
from tacal.series.types import Attendee, Series, uid_for

#: Check-ins rarer than monthly get a monthly touch-base reminder.
RARE = ("bimonthly", "quarterly")


class AccountSeries:
    """One run over the accounts, placing into the build's shared :class:`Planner`."""

    def __init__(self, builder: BuildContext, planner: Planner) -> None:
        self.builder = builder
        self.planner = planner
        self.config: Config = builder.config
        self.team = builder.team
        self.grid = planner.grid
        self.out: list[Series] = []
        self._placed: list[
            tuple[Cadence, Account, rules.Recurrence, dict[str, Any], str, tuple[str, ...], str]
        ] = []
        self.accounts = sorted(self.config.accounts, key=lambda a: (a.name.casefold(), a.name))
        # each series' plan is asked for when its slot is claimed or reserved and again when it
        # is placed: made once (keyed by the config's own objects, which outlive the run)
        self._plans: dict[tuple[Any, ...], Any] = {}

    def internal(self, attendees: Iterable[Attendee]) -> tuple[str, ...]:
        """Person keys of the attendees on the team (sorted: a stable cursor key)."""
        return self.planner.internal(a.email for a in attendees)

    def cadences(self, rule: str) -> list[Cadence]:
        return [c for c in self.config.cadences if c.rule == rule and c.per == "account"]

    def focus(self, account: Account) -> dict[str, Any]:
        people = self.config.people
        return {
            **self.builder.account_focus(account),
            "ta_person": people.get(account.ta or ""),
            "ae_person": people.get(account.ae or ""),
            "check_in": account.check_in,
        }

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

    def first_day(self, account: Account, uid: str) -> dt.date:
        """Regular meetings start with the series (the day it entered the lock), or the day
        after the onboarding kickoff."""
        start = self.builder.start_for(uid)
        if account.onboarding_start is None:
            return start
        steps = self.onboarding_days(account)
        begin = max(steps.values()) + dt.timedelta(days=1) if steps else account.onboarding_start
        return max(start, begin)

    # ---- series

    def series(
        self,
        cadence: Cadence,
        account: Account,
        rec: rules.Recurrence,
        focus: dict[str, Any],
        *suffix: str,
        slot: str = "",
        who: tuple[str, ...] = (),
        inputs: str = "",
        note: str = "",
    ) -> Series:
        attendees = self.attendees(cadence, focus)
        uid = uid_for(self.team, cadence.id, slug(account.name), *suffix)
        return Series(
            uid=uid,
            cadence_id=cadence.id,
            summary=f"{cadence.summary}: {account.name}{note}",
            description=self.builder.describe(cadence, focus),
            recurrence=rec,
            duration=dt.timedelta(minutes=cadence.duration),
            timezone=self.team.timezone,
            attendees=tuple(attendees),
            organizer=self.builder.organizer(cadence, focus),
            kind=cadence.kind,
            location=cadence.location,
            account=account.name,
            placed=self.builder.placed(uid),
            slot=slot,
            people=who if slot else (),
            inputs=inputs,
        )

    def _recurring_plan(
        self, cadence: Cadence, account: Account, frequency: str, default_week: int
    ) -> tuple[str, tuple[str, ...], tuple[str, ...], str]:
        """uid, internal people, customer clock and placement inputs of one recurring series."""
        key = (id(cadence), id(account), frequency, default_week)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._make_recurring_plan(
                cadence, account, frequency, default_week
            )
        return plan  # type: ignore[no-any-return]

    def _make_recurring_plan(
        self, cadence: Cadence, account: Account, frequency: str, default_week: int
    ) -> tuple[str, tuple[str, ...], tuple[str, ...], str]:
        focus = self.focus(account)
        people = self.internal(self.attendees(cadence, focus))
        extra = self.planner.customer(account, cadence.kind == "external")
        inputs = placement_inputs(cadence, frequency, cadence.week or default_week)
        return uid_for(self.team, cadence.id, slug(account.name)), people, extra, inputs

    def recurring(
        self, cadence: Cadence, account: Account, frequency: str, default_week: int
    ) -> None:
        """One laid-out series with ``frequency`` (weekly ... quarterly) for ``account``; its
        holiday moves come in :meth:`settle` once every pattern is placed."""
        focus = self.focus(account)
        uid, people, extra, inputs = self._recurring_plan(cadence, account, frequency, default_week)
        try:
            rec, slot = self.planner.flexible(
                cadence,
                people,
                self.first_day(account, uid),
                rule=frequency,
                week=cadence.week or default_week,
                extra=extra,
                uid=uid,
            )
        except PlacementError as exc:
            self.problem(cadence, f"{account.name}: {exc}")
            return
        if rec is None:
            return  # ended (until) before this account's meetings begin
        self._placed.append(
            (
                cadence,
                account,
                rec,
                {**focus, "slot": slot},
                slot_text(slot),
                (*people, *extra),
                inputs,
            )
        )

    def place(self) -> None:
        """Every recurring account meeting's weekly pattern (after the sessions')."""
        for cadence, account, frequency, week in self._recurring_jobs():
            self.recurring(cadence, account, frequency, week)

    def settle(self, settled: dict[int, rules.Recurrence | PlacementError]) -> None:
        for cadence, account, rec, focus, slot, who, inputs in self._placed:
            done = settled.get(id(rec), rec)
            if isinstance(done, PlacementError):
                self.problem(cadence, f"{account.name}: {done}")
                continue
            self.out.append(
                self.series(cadence, account, done, focus, slot=slot, who=who, inputs=inputs)
            )
        self._placed.clear()

    def _recurring_jobs(self) -> list[tuple[Cadence, Account, str, int]]:
        jobs = [(c, a, a.check_in, 1) for c in self.cadences("check-in") for a in self.accounts]
        jobs += [
            (c, a, "monthly", 3)
            for c in self.cadences("touch-base")
            for a in self.accounts
            if a.check_in in RARE
        ]
        return jobs

    def claim(self) -> None:
        """Take back the holiday moves the lock remembers for every recurring series whose
        inputs are unchanged (:meth:`LockMemory.claim`), before any slot is reserved."""
        for cadence, account, frequency, week in self._recurring_jobs():
            uid, people, extra, inputs = self._recurring_plan(cadence, account, frequency, week)
            self.planner.locked.claim(
                uid,
                inputs,
                (*people, *extra),
                cadence.duration,
                False,
                self.builder.lock.entries.get(uid),
            )

    def reserve(self) -> None:
        """Take back every locked slot whose inputs are unchanged, before anything new is
        placed: adding, removing or editing one account moves no other account's meetings."""
        for cadence, account, frequency, week in self._recurring_jobs():
            uid, people, extra, inputs = self._recurring_plan(cadence, account, frequency, week)
            self.planner.locked.reserve(
                uid,
                inputs,
                (*people, *extra),
                cadence.duration,
                frequency in MONTHLY_TYPES,
                self.builder.lock.entries.get(uid),
            )

    def _one_off_plan(
        self, cadence: Cadence, account: Account, day: dt.date, suffix: str, overdue_ok: bool
    ) -> tuple[str, tuple[str, ...], dt.date, int | None, str, str] | None:
        """uid, everyone whose time it takes (people and customer clock), the day to start
        looking, how many workdays it may use, the summary note and the placement inputs of
        one one-off; None when it is history.

        A date already past when the meeting entered the lock is history (no event), unless
        ``overdue_ok`` (a renewal check): that goes to the first free time within the 5
        workdays from that day, and its summary says "overdue" (for good: the same every
        build).
        """
        key = ("once", id(cadence), id(account), day, suffix, overdue_ok)
        if key not in self._plans:
            self._plans[key] = self._make_one_off_plan(cadence, account, day, suffix, overdue_ok)
        return self._plans[key]  # type: ignore[no-any-return]

    def _make_one_off_plan(
        self, cadence: Cadence, account: Account, day: dt.date, suffix: str, overdue_ok: bool
    ) -> tuple[str, tuple[str, ...], dt.date, int | None, str, str] | None:
        uid = uid_for(self.team, cadence.id, slug(account.name), suffix)
        placed = self.builder.placed(uid)  # the day it entered the lock (today if new)
        note, within = "", None
        start = self.builder.start_for(uid)
        if day < placed and day < start:
            if not overdue_ok:
                return None  # long past: history
            # already past when it entered the lock: the first free time from then on
            note, day, within = " (overdue)", max(placed, start), 5
        people = self.internal(self.attendees(cadence, self.focus(account)))
        customer = self.planner.customer(account, cadence.kind == "external")
        who = (*people, *customer)
        inputs = placement_inputs(cadence, f"once {day} {within}", None)
        return uid, who, day, within, note, inputs

    def one_off(
        self,
        cadence: Cadence,
        account: Account,
        day: dt.date,
        suffix: str,
        extra: dict[str, Any],
        overdue_ok: bool = False,
    ) -> None:
        """A single meeting on ``day`` (the first free time from it; see
        :meth:`_one_off_plan`), or where the lock says it already is."""
        plan = self._one_off_plan(cadence, account, day, suffix, overdue_ok)
        if plan is None:
            return
        uid, who, day, within, note, inputs = plan
        focus = {**self.focus(account), **extra}
        when = self.planner.one_off(who, day, cadence.time, cadence.duration, within, uid=uid)
        if when is None:
            span = f"the next {within} workdays" if within else f"a month of {day}"
            self.problem(
                cadence,
                f"{account.name}: no free {cadence.duration}-minute time "
                f"within {span} that fits everyone's hours",
            )
            return
        rec = rules.Recurrence(when, None)
        self.out.append(
            self.series(
                cadence,
                account,
                rec,
                {**focus, "date": when.date()},
                suffix,
                note=note,
                inputs=inputs,
            )
        )

    def _one_off_jobs(self) -> list[tuple[Cadence, Account, dt.date, str, dict[str, Any], bool]]:
        """(cadence, account, day, uid suffix, template variables, overdue_ok) of every
        onboarding step and renewal check, in the order they are placed."""
        jobs: list[tuple[Cadence, Account, dt.date, str, dict[str, Any], bool]] = []
        for account in self.accounts:
            steps = self.onboarding_days(account)
            for cadence in self.cadences("onboarding"):
                if cadence.id in steps:
                    jobs.append(
                        (
                            cadence,
                            account,
                            steps[cadence.id],
                            f"{account.onboarding_start:%Y%m%d}",
                            {"onboarding_start": account.onboarding_start, "steps": steps},
                            False,
                        )
                    )
        for cadence in self.cadences("renewal"):
            for account in self.accounts:
                if account.renewal is None or account.renewal < self.builder.today:
                    continue  # a stale renewal date: a warning from build()
                day = account.renewal - dt.timedelta(days=cadence.days_before or 180)
                jobs.append(
                    (
                        cadence,
                        account,
                        day,
                        f"{account.renewal:%Y%m%d}",
                        {
                            "renewal": account.renewal,
                            "due": day,
                            "days_before": cadence.days_before or 180,
                        },
                        True,
                    )
                )
        return jobs

    def reserve_one_offs(self) -> None:
        """Take back every one-off the lock placed whose inputs are unchanged, before any slot
        is reserved or placed: a new account's renewal check must not push an existing one to
        a later time (one-offs are placed in name order), nor may a new account's check-in
        pattern (its occurrence that day moves instead, :meth:`Planner._settle`)."""
        for cadence, account, day, suffix, _extra, overdue_ok in self._one_off_jobs():
            plan = self._one_off_plan(cadence, account, day, suffix, overdue_ok)
            if plan is None:
                continue
            uid, who, day, within, _note, inputs = plan
            self.planner.locked.reserve_on(
                uid, inputs, who, day, cadence.duration, within, self.builder.lock.entries.get(uid)
            )

    def build(self) -> list[Series]:
        """The one-offs (onboarding steps, renewal checks), after :meth:`place` and
        :meth:`settle`; every series made."""
        for _cadence in self.cadences("renewal"):  # one warning per renewal cadence
            for account in self.accounts:
                if account.renewal is not None and account.renewal < self.builder.today:
                    self.planner.warnings.append(
                        Problem(
                            account.where,
                            f"stale renewal date: {account.name!r} renewed on "
                            f"{account.renewal} (in the past), so no renewal check is planned; "
                            "enter the next renewal date",
                            "warning",
                        )
                    )
        for cadence, account, day, suffix, extra, overdue_ok in self._one_off_jobs():
            self.one_off(cadence, account, day, suffix, extra, overdue_ok)
        return self.out


def account_series(ctx: BuildContext, planner: Planner) -> list[Series]:
    """Every account's series, placed around what ``planner`` already holds."""
    if not ctx.config.accounts:
        return []
    run = AccountSeries(ctx, planner)
    run.claim()
    run.reserve_one_offs()
    run.reserve()
    run.place()
    run.settle(planner.settle_all())
    return run.build()


__all__ = ["AccountSeries", "account_series"]
