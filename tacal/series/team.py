"""Series of plain cadences: one per team, per TA, per AE or per account (``per``).

``per = "team"`` cadences meet at exactly their time; sessions (one per TA, AE or account) go
to the nearest time that fits their attendees (:mod:`tacal.series.planner`). The MBR's next
occurrence carries the TA's Top 3 as an override.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tacal.errors import Problem
from tacal.model import ACCOUNT_RULES, Account, Cadence, Person
from tacal.schedule import rules
from tacal.schedule.fiscal import quarter_of
from tacal.series.context import BuildContext, dedupe
from tacal.series.locked import placement_inputs, slot_text
from tacal.series.placement_errors import PlacementError
from tacal.series.planner import MONTHLY_TYPES, Planner
from tacal.series.ranking import top3
from tacal.series.types import Attendee, Override, Series, uid_for


def team_series(ctx: BuildContext, planner: Planner) -> list[Series]:
    """Every series of the plain cadences, placed by ``planner`` in its fixed order:
    ``per = "team"`` cadences at their exact time first, then the sessions."""
    fixed = fixed_drafts(ctx, planner)
    sessions = session_drafts(ctx, planner)
    reserve_sessions(ctx, planner, sessions)
    place_sessions(ctx, planner, sessions)
    settle_fixed(ctx, planner, fixed)
    return finish(ctx, [*fixed, *sessions], planner.settle_all())


def _exact(cadence: Cadence) -> bool:
    return (
        cadence.per == "team"
        or cadence.rule == "daily"
        or cadence.rule.upper().startswith("RRULE:")
    )


def fixed_drafts(ctx: BuildContext, planner: Planner) -> list[_Draft]:
    """The cadences that meet at exactly their time, blocked, and the holiday moves the lock
    remembers for them; the others come in :func:`settle_fixed`."""
    drafts: list[_Draft] = []
    for cadence in ctx.config.cadences:
        if cadence.rule in ACCOUNT_RULES or not _exact(cadence):
            continue
        for suffix, focus in ctx.focuses(cadence):
            draft = _draft(ctx, planner, cadence, suffix, focus)
            try:
                draft.rec = planner.fixed(cadence, draft.people, ctx.start_for(draft.uid))
            except PlacementError as exc:
                ctx.problems.append(Problem(cadence.where, str(exc)))
                continue
            drafts.append(draft)
    for draft in drafts:
        if draft.rec is not None:  # the holiday moves the lock remembers, before any new one
            planner.locked.claim_fixed(draft.cadence, draft.people, draft.rec, draft.uid)
    return drafts


def settle_fixed(ctx: BuildContext, planner: Planner, drafts: list[_Draft]) -> None:
    """The holiday moves of the fixed series, once every weekly pattern (sessions, account
    meetings) is in place: a team meeting moved off a holiday goes to the first time that
    everyone attending has free, instead of landing on their check-ins and pushing those."""
    for draft in drafts:
        if draft.rec is not None:
            try:
                draft.rec = planner.settle_fixed(draft.cadence, draft.people, draft.rec, draft.uid)
            except PlacementError as exc:
                ctx.problems.append(Problem(draft.cadence.where, str(exc)))


def session_drafts(ctx: BuildContext, planner: Planner) -> list[_Draft]:
    """One draft per session (per TA, AE or account), with the holiday moves the lock
    remembers for it taken back when its inputs are unchanged (:meth:`LockMemory.claim`)."""
    drafts = []
    for cadence in ctx.config.cadences:
        if cadence.rule in ACCOUNT_RULES or _exact(cadence):
            continue
        for suffix, focus in ctx.focuses(cadence):
            draft = _draft(ctx, planner, cadence, suffix, focus)
            account = focus.get("account")
            draft.extra = planner.customer(
                account if isinstance(account, Account) else None, cadence.kind == "external"
            )
            who = (*draft.people, *draft.extra)
            draft.inputs = placement_inputs(cadence, cadence.rule, cadence.week)
            planner.locked.claim(
                draft.uid,
                draft.inputs,
                who,
                cadence.duration,
                True,
                ctx.lock.entries.get(draft.uid),
            )
            drafts.append(draft)
    return drafts


def reserve_sessions(ctx: BuildContext, planner: Planner, drafts: list[_Draft]) -> None:
    """Each session's locked slot, when its inputs are unchanged, so that nothing placed
    afresh can take it."""
    for draft in drafts:
        cadence = draft.cadence
        planner.locked.reserve(
            draft.uid,
            draft.inputs,
            (*draft.people, *draft.extra),
            cadence.duration,
            cadence.rule in MONTHLY_TYPES,
            ctx.lock.entries.get(draft.uid),
        )


def place_sessions(ctx: BuildContext, planner: Planner, drafts: list[_Draft]) -> None:
    for draft in drafts:
        try:
            draft.rec, slot = planner.flexible(
                draft.cadence,
                draft.people,
                ctx.start_for(draft.uid),
                session=True,
                extra=draft.extra,
                uid=draft.uid,
            )
            draft.slot = slot_text(slot)
        except PlacementError as exc:
            ctx.problems.append(Problem(draft.cadence.where, f"{_who(draft)}{exc}"))
            draft.failed = True


def finish(
    ctx: BuildContext,
    drafts: list[_Draft],
    settled: dict[int, rules.Recurrence | PlacementError] | None = None,
) -> list[Series]:
    """The series of the drafts, with the holiday moves :meth:`Planner.settle_all` made."""
    out = []
    for draft in drafts:
        if settled is not None and draft.rec is not None and id(draft.rec) in settled:
            done = settled[id(draft.rec)]
            if isinstance(done, PlacementError):
                ctx.problems.append(Problem(draft.cadence.where, f"{_who(draft)}{done}"))
                continue
            draft.rec = done
        if draft.failed:
            continue
        if draft.rec is None:
            ctx.problems.append(
                Problem(
                    draft.cadence.where,
                    "this cadence has no occurrence "
                    "after team.start; check rule, day, week and until",
                )
            )
            continue
        out.append(_series(ctx, draft, draft.rec))
    return out


class _Draft:
    """A series on its way: who attends, and (once placed) its recurrence."""

    def __init__(
        self,
        cadence: Cadence,
        suffix: str,
        focus: dict[str, Any],
        attendees: list[Attendee],
        people: tuple[str, ...],
    ) -> None:
        self.cadence = cadence
        self.suffix = suffix
        self.focus = focus
        self.attendees = attendees
        self.people = people
        self.uid = ""
        self.extra: tuple[str, ...] = ()
        self.inputs = ""
        self.slot = ""
        self.failed = False
        self.rec: rules.Recurrence | None = None


def _who(draft: _Draft) -> str:
    person = draft.focus.get("person")
    account = draft.focus.get("account")
    if isinstance(person, Person):
        return f"{person.name}'s session: "
    if isinstance(account, Account):
        return f"{account.name}: "
    return ""


def _draft(
    ctx: BuildContext, planner: Planner, cadence: Cadence, suffix: str, focus: dict[str, Any]
) -> _Draft:
    attendees = ctx.resolve(cadence.attendees, focus)
    for c in focus.get("contacts", []) if cadence.kind == "external" else []:
        attendees.append(Attendee(c))
    person: Person | None = focus.get("person")
    if person is not None:
        # a per-TA / per-AE series always reaches that person's own feed
        attendees.insert(0, Attendee(person.email, person.name))
    attendees = dedupe(attendees)
    draft = _Draft(cadence, suffix, focus, attendees, planner.internal(a.email for a in attendees))
    draft.uid = uid_for(ctx.team, cadence.id, suffix)
    return draft


def _series(ctx: BuildContext, draft: _Draft, rec: rules.Recurrence) -> Series:
    cadence, focus = draft.cadence, draft.focus
    account = focus.get("account")
    summary = cadence.summary
    person: Person | None = focus.get("person")
    overrides: tuple[Override, ...] = ()
    if cadence.top3 and person is not None:
        overrides = top3_override(ctx, cadence, rec, focus)
    if person is not None:
        summary = f"{summary}: {person.name}"
    if isinstance(account, Account):
        summary = f"{summary}: {account.name}"
    return Series(
        uid=draft.uid,
        cadence_id=cadence.id,
        summary=summary,
        description=ctx.describe(cadence, focus),
        recurrence=rec,
        duration=dt.timedelta(minutes=cadence.duration),
        timezone=ctx.team.timezone,
        attendees=tuple(draft.attendees),
        organizer=ctx.organizer(cadence, focus),
        kind=cadence.kind,
        location=cadence.location,
        account=account.name if isinstance(account, Account) else None,
        overrides=overrides,
        placed=ctx.placed(draft.uid),
        slot=draft.slot,
        people=(*draft.people, *draft.extra) if draft.slot else (),
        inputs=draft.inputs,
    )


def top3_override(
    ctx: BuildContext, cadence: Cadence, rec: rules.Recurrence, focus: dict[str, Any]
) -> tuple[Override, ...]:
    """The next occurrence on or after today, with the TA's Top 3 named in its agenda.

    A series has one description, but the Top 3 depends on the day (which fiscal quarter
    it is in), so only the next occurrence, the one the TA prepares for, carries it.
    """
    horizon = dt.datetime.combine(ctx.today + dt.timedelta(days=400), dt.time(23, 59))
    upcoming = [i for i in rules.instances(rec, horizon) if i[1].date() >= ctx.today]
    if not upcoming:
        return ()
    # a moved occurrence keeps the RECURRENCE-ID of the one it stands for
    original, when = upcoming[0]
    quarter = quarter_of(when.date(), ctx.team.fiscal_year_start, ctx.team.fiscal_year_naming)
    extra = {
        **focus,
        "top3": top3(focus.get("my_accounts", []), quarter),
        "occurrence": when.date(),
        "quarter": quarter,
    }
    return (Override(recurrence_id=original, start=when, description=ctx.describe(cadence, extra)),)
