"""Model → series: what the calendar should contain, decided without any I/O.

A *series* is one VEVENT master (maybe with overrides). ``per`` cadences fan out into one
series per TA, AE or account; role references in attendees (``@ta``, ``@ae``, ``@leadership``)
resolve against the person or account the series is for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from tacal.errors import ConfigError, Problem
from tacal.model import Config, Lock
from tacal.series.accounts import AccountSeries
from tacal.series.agenda import Agendas
from tacal.series.busy_check import collisions
from tacal.series.context import BuildContext, series_start
from tacal.series.people_check import PeopleReport, check_people, problems
from tacal.series.planner import Planner
from tacal.series.team import (
    finish,
    fixed_drafts,
    place_sessions,
    reserve_sessions,
    session_drafts,
    settle_fixed,
)
from tacal.series.types import Attendee, Override, Series, uid_for


def build_series(
    config: Config,
    today: dt.date,
    warnings: list[Problem] | None = None,
    lock: Lock | None = None,
    resolve: Mapping[str, str] | None = None,
    agendas: Agendas | None = None,
) -> list[Series]:
    """Every series the config means, sorted by UID; raises ConfigError on cadence problems.

    Plain cadences first, then the account series, which are placed around the meetings the
    plain cadences already gave people. ``config.busy`` (people's real busy times, fetched
    by the command) is avoided by everything placed afresh; ``resolve`` says what to do with
    series kept from the lock that meet a busy time (uid -> keep | move | override).
    """
    return build_checked(config, today, warnings, lock, resolve, agendas)[0]


def build_checked(
    config: Config,
    today: dt.date,
    warnings: list[Problem] | None = None,
    lock: Lock | None = None,
    resolve: Mapping[str, str] | None = None,
    agendas: Agendas | None = None,
) -> tuple[list[Series], PeopleReport]:
    """:func:`build_series` and the (clean) people check it ended with, for ``validate``;
    placement warnings (a team time a DST change skips) go to ``warnings``."""
    ctx = BuildContext(config, today, agendas=agendas, lock=lock)
    planner = Planner(config, ctx.start, today, lock=ctx.lock, busy=config.busy, resolve=resolve)
    # exact times first; then everything the lock still vouches for is taken back before
    # anything is placed afresh, so an edit moves only the series it concerns: first what
    # sits on one date (holiday moves, one-offs), checked against the fixed series only, then
    # the weekly patterns
    fixed = fixed_drafts(ctx, planner)
    sessions = session_drafts(ctx, planner)
    accounts = AccountSeries(ctx, planner) if config.accounts else None
    if accounts is not None:
        accounts.claim()
        accounts.reserve_one_offs()
    reserve_sessions(ctx, planner, sessions)
    if accounts is not None:
        accounts.reserve()
    place_sessions(ctx, planner, sessions)
    if accounts is not None:
        accounts.place()
    settle_fixed(ctx, planner, fixed)
    # holiday moves and clashes only once every weekly pattern is placed (same order each
    # time): the fixed series' first
    settled = planner.settle_all()
    out = finish(ctx, [*fixed, *sessions], settled)
    if accounts is not None:
        accounts.settle(settled)
        out += accounts.build()
    if warnings is not None:
        warnings.extend(planner.warnings)
    if ctx.problems:
        raise ConfigError(ctx.problems)
    seen: dict[str, Series] = {}
    dupes = []
    for s in out:
        if s.uid in seen:
            dupes.append(
                Problem(
                    config.source,
                    f"two series share the UID {s.uid}; make the "
                    "cadence ids or account names distinct",
                )
            )
        seen[s.uid] = s
    if dupes:
        raise ConfigError(dupes)
    out = [
        replace(s, moves=tuple(sorted(planner.moves[s.uid].items())))
        if s.uid in planner.moves
        else s
        for s in out
    ]
    out.sort(key=lambda s: s.uid)
    if config.busy is not None or any(
        e.busy_moves or e.busy_kept for e in ctx.lock.entries.values()
    ):
        out = _busy_bookkeeping(config, out, planner, ctx.lock, resolve or {})
    report = check_people(config, out, today)
    if not report.clean:
        raise ConfigError(problems(config, report))
    return out, report


def _busy_bookkeeping(
    config: Config,
    series: list[Series],
    planner: Planner,
    lock: Lock,
    resolve: Mapping[str, str],
) -> list[Series]:
    """Each series with the occurrences it moved off busy time and those kept on it on
    purpose (from the lock while the series meets as it did, plus this run's ``keep``)."""
    out = []
    for s in series:
        entry = lock.entries.get(s.uid)
        kept: set[dt.datetime] = set()
        if (
            entry is not None
            and entry.start == s.start
            and (entry.rule or None) == s.recurrence.rrule
        ):
            kept.update(entry.busy_kept)
        moved = planner.busy_moves.get(s.uid, {})
        out.append(
            replace(s, busy_moves=tuple(sorted(moved.items())), busy_kept=tuple(sorted(kept)))
        )
    wanted = {uid for uid, choice in resolve.items() if choice == "keep"}
    if wanted and config.busy is not None:
        found: dict[str, set[dt.datetime]] = {}
        for c in collisions(config, [s for s in out if s.uid in wanted], config.busy):
            found.setdefault(c.uid, set()).add(c.original)
        out = [
            replace(s, busy_kept=tuple(sorted({*s.busy_kept, *found[s.uid]})))
            if s.uid in found
            else s
            for s in out
        ]
    return out


__all__ = [
    "Attendee",
    "BuildContext",
    "Override",
    "Series",
    "build_checked",
    "build_series",
    "series_start",
    "uid_for",
]
