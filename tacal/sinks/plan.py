"""The shared planner: what each series needs, decided without any I/O, for any sink.

These are the rules :mod:`tacal.gcal.plan` applies to Google events, stated once over
:class:`~tacal.sinks.contract.Held` records so that every sink behaves alike:

- a wanted series the sink does not hold is created; one it holds with another hash (or
  half-written by a run that died) is updated; one with the same hash is unchanged;
- a held series whose content no longer matches its check hash was edited by hand: it is
  skipped unless ``overwrite`` picks it;
- a series deleted by hand (a sink that keeps such traces: Google's cancelled events)
  stays deleted unless ``restore`` picks it; one tacal itself deleted is re-created;
- a held series no longer wanted is deleted, unless edited by hand (skipped), or outside
  the ``scope`` of a ``--account`` / ``--for`` sync (counted in ``outside``);
- a plan deleting all, or more than ``delete_threshold`` (and more than one), of the
  objects it considers stops with :class:`~tacal.errors.SyncError` unless
  ``allow_deletes``: a config that briefly looks empty must not wipe a calendar;
- an object holding a wanted UID without tacal's marker (``FOREIGN``) is never touched,
  not even with ``overwrite``;
- a name in ``--overwrite`` / ``--restore`` that is no series of the plan is exit 2.
"""

from __future__ import annotations

from collections.abc import Iterable

from tacal.config.values import did_you_mean
from tacal.errors import SyncError
from tacal.sinks.contract import (
    CREATE,
    DELETE,
    DELETED_BY_HAND,
    DELETED_BY_TACAL,
    FOREIGN,
    GONE,
    LIVE,
    RESTORE,
    SKIPPED,
    UNCHANGED,
    UPDATE,
    Held,
    Pick,
    Scope,
    SinkAction,
    SinkPlan,
    Wanted,
)

__all__ = ["check_deletes", "plan_sync"]


def plan_sync(
    wanted: Iterable[Wanted],
    held: Iterable[Held],
    *,
    overwrite: Pick | None = None,
    restore: Pick | None = None,
    allow_deletes: bool = False,
    delete_threshold: float = 0.2,
    scope: Scope | None = None,
    where: str = "in this calendar",
) -> SinkPlan:
    """Decide, without any I/O, what each series needs (see the module docstring).

    ``where`` names the target in the mass-delete message. Raises SyncError when the plan
    would delete too much, or when ``overwrite`` / ``restore`` names a series the plan
    does not consider.
    """
    over = overwrite or Pick()
    back = restore or Pick()
    by_uid: dict[str, Held] = {}
    for h in held:
        # a sink may hold two objects with one UID (a copy made by hand): the live one wins
        if h.uid not in by_uid or by_uid[h.uid].state != LIVE:
            by_uid[h.uid] = h
    actions: list[SinkAction] = []
    wanted_uids: set[str] = set()
    considered = 0
    for w in wanted:
        wanted_uids.add(w.uid)
        have = by_uid.get(w.uid)
        if have is not None and have.state == LIVE:
            considered += 1
        actions.append(_plan_series(w, have, over, back))
    outside = 0
    for uid, have in by_uid.items():
        if uid in wanted_uids or have.state != LIVE:
            continue
        if scope is not None and (uid in scope.known or not scope.holds(have)):
            outside += 1
            continue
        considered += 1
        kind, reason = DELETE, ""
        if have.edited and not over.picks(uid, have.cadence):
            kind = SKIPPED
            reason = "gone from tacal's config but edited by hand; --overwrite deletes it anyway"
        actions.append(SinkAction(kind, uid, have.summary, have.cadence, reason, held=have))
    _check_picks(actions, over, "--overwrite")
    _check_picks(actions, back, "--restore")
    result = SinkPlan(actions, existing=considered, outside=outside, scope=scope)
    check_deletes(
        len(result.of(DELETE)),
        result.existing,
        allow_deletes=allow_deletes,
        delete_threshold=delete_threshold,
        where=f"for {scope.describe()}" if scope else where,
    )
    return result


def check_deletes(
    deletes: int, existing: int, *, allow_deletes: bool, delete_threshold: float, where: str
) -> None:
    """The mass-delete guard: all of the objects considered, or more than the threshold
    of them (and more than one), need ``allow_deletes``."""
    if not deletes or allow_deletes:
        return
    if deletes >= existing or deletes > max(1.0, delete_threshold * existing):
        raise SyncError(
            f"this sync would delete {deletes} of the {existing} events tacal manages {where}",
            hint="if cadences were really removed, run again with --allow-deletes; "
            "otherwise check the config (an empty or broken config must not wipe "
            "the calendar)",
        )


def _plan_series(w: Wanted, have: Held | None, over: Pick, back: Pick) -> SinkAction:
    """The action for one wanted series, given what the sink holds of it (or None)."""

    def action(kind: str, reason: str) -> SinkAction:
        return SinkAction(kind, w.uid, w.summary, w.cadence, reason, wanted=w, held=have)

    warnings = "; ".join(w.warnings)
    if have is None:
        return action(CREATE, warnings)
    if have.state == FOREIGN:
        return action(SKIPPED, "an object tacal did not write holds this UID; left alone")
    if have.state in (DELETED_BY_HAND, DELETED_BY_TACAL):
        ours = have.state == DELETED_BY_TACAL
        if not ours and not back.picks(w.uid, w.cadence):
            return action(GONE, "deleted by hand; left deleted (--restore brings it back)")
        return action(
            RESTORE, warnings or ("back in the config" if ours else "deleted by hand; restored")
        )
    if have.edited and not over.picks(w.uid, w.cadence):
        return action(
            SKIPPED, "edited by hand since tacal wrote it; --overwrite replaces the edits"
        )
    if have.edited or have.pending or have.hash != w.hash:
        return action(UPDATE, "overwriting edits made by hand" if have.edited else warnings)
    return action(UNCHANGED, warnings)


def _check_picks(actions: list[SinkAction], pick: Pick, flag: str) -> None:
    """A name in ``--overwrite`` / ``--restore`` that is no series of this plan is a typo
    (or outside the scope): exit 2 before anything is written."""
    if pick.every or not pick.names:
        return
    known = {a.uid for a in actions} | {a.cadence for a in actions if a.cadence}
    unknown = sorted(pick.names - known)
    if unknown:
        name = unknown[0]
        raise SyncError(
            f"{flag} {name!r}: no series with that cadence id or UID in this sync"
            f"{did_you_mean(name, sorted(known))}",
            hint=f"name series by cadence id (all its series) or UID, or use {flag} all",
        )
