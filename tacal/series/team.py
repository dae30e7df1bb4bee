"""Series of plain cadences: one per team, per TA, per AE or per account (``per``).

Per-TA/AE sessions are laid out back to back (:mod:`tacal.schedule.sessions`); the MBR's next
occurrence carries the TA's Top 3 as an override.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tacal.errors import Problem
from tacal.model import ACCOUNT_RULES, Account, Cadence, Person
from tacal.schedule import rules
from tacal.schedule.fiscal import quarter_of
from tacal.schedule.sessions import LayoutError, session_recurrences
from tacal.series.context import BuildContext, dedupe
from tacal.series.ranking import top3
from tacal.series.types import Attendee, Override, Series, uid_for


def cadence_series(ctx: BuildContext, cadence: Cadence) -> list[Series]:
    """One series per focus; per-TA/AE sessions are laid out so that none overlap."""
    if cadence.rule in ACCOUNT_RULES:
        return []  # dates come from each account: built by tacal.account_series
    focuses = ctx.focuses(cadence)
    laid_out: list[rules.Recurrence | None] | None = None
    if cadence.per in ("ta", "ae"):
        try:
            laid_out = session_recurrences(cadence, ctx.team, ctx.start, len(focuses))
        except LayoutError as exc:
            ctx.problems.append(Problem(cadence.where, str(exc)))
            return []
    out = []
    for index, (suffix, focus) in enumerate(focuses):
        if laid_out is not None:
            rec = laid_out[index]
        else:
            rec = rules.recurrence(cadence, ctx.team, ctx.start)
        if rec is None:
            ctx.problems.append(Problem(cadence.where, "this cadence has no occurrence "
                                         "after team.start; check rule, day, week and until"))
            continue
        attendees = ctx.resolve(cadence.attendees, focus)
        for c in focus.get("contacts", []) if cadence.kind == "external" else []:
            attendees.append(Attendee(c))
        account = focus.get("account")
        summary = cadence.summary
        person: Person | None = focus.get("person")
        if person is not None:
            # a per-TA / per-AE series always reaches that person's own feed
            attendees.insert(0, Attendee(person.email, person.name))
        overrides: tuple[Override, ...] = ()
        if cadence.top3 and person is not None:
            overrides = top3_override(ctx, cadence, rec, focus)
        if person is not None:
            summary = f"{summary}: {person.name}"
        if isinstance(account, Account):
            summary = f"{summary}: {account.name}"
        out.append(Series(
            uid=uid_for(ctx.team, cadence.id, suffix),
            cadence_id=cadence.id,
            summary=summary,
            description=ctx.describe(cadence, focus),
            recurrence=rec,
            duration=dt.timedelta(minutes=cadence.duration),
            timezone=ctx.team.timezone,
            attendees=tuple(dedupe(attendees)),
            organizer=ctx.organizer(),
            kind=cadence.kind,
            location=cadence.location,
            account=account.name if isinstance(account, Account) else None,
            overrides=overrides,
        ))
    return out

def top3_override(ctx: BuildContext, cadence: Cadence, rec: rules.Recurrence,
              focus: dict[str, Any]) -> tuple[Override, ...]:
    """The next occurrence on or after today, with the TA's Top 3 named in its agenda.

    A series has one description, but the Top 3 depends on the day (which fiscal quarter
    it is in), so only the next occurrence, the one the TA prepares for, carries it.
    """
    horizon = dt.datetime.combine(ctx.today + dt.timedelta(days=400), dt.time(23, 59))
    upcoming = [o for o in rules.occurrences(rec, horizon) if o.date() >= ctx.today]
    if not upcoming:
        return ()
    when = upcoming[0]
    quarter = quarter_of(when.date(), ctx.team.fiscal_year_start,
                         ctx.team.fiscal_year_naming)
    extra = {**focus, "top3": top3(focus.get("my_accounts", []), quarter),
             "occurrence": when.date(), "quarter": quarter}
    return (Override(recurrence_id=when, start=when,
                     description=ctx.describe(cadence, extra)),)
