"""The shared planner: what each series needs, decided without any I/O, for any sink.

Every sink (Google Calendar, CalDAV) decides with these rules, stated once over
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
  objects it considers stops with :class:`TooManyDeletes` unless ``allow_deletes``: a
  config that briefly looks empty must not wipe a calendar;
- an object holding a wanted UID without tacal's marker (``FOREIGN``) is never touched,
  not even with ``overwrite``;
- a name in ``--overwrite`` / ``--restore`` that is no series of the plan is exit 2.

Held records are matched to wanted series by UID, or (``keyed``) by the sink's key, for
a sink whose keys derive from UIDs (Google's event ids): there every held record is an
object of its own, and a second one holding a wanted UID under another key is a leftover
like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

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

__all__ = ["TooManyDeletes", "check_deletes", "check_picks", "plan_sync"]


class TooManyDeletes(SyncError):
    """The mass-delete guard: the plan deletes more than the threshold allows."""


class _Named(Protocol):
    """An action of any sink's plan: its series' UID and cadence id."""

    uid: str
    cadence: str


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
    by_hand: str = "by hand",
    keyed: bool = False,
    check_names: bool = True,
) -> SinkPlan:
    """Decide, without any I/O, what each series needs (see the module docstring).

    The actions come in order: one per wanted series, then the held ones no series
    wants. ``where`` names the target in the mass-delete message and ``by_hand`` where
    hand edits happen in the reasons (``"in Google"``). ``keyed`` matches held records
    by ``Wanted.key``. ``check_names=False`` leaves checking the ``overwrite`` /
    ``restore`` names to the caller (:func:`check_picks`): a sync over several calendars
    checks them against all of its plans at once. Raises :class:`TooManyDeletes` when the
    plan would delete too much, and SyncError when ``overwrite`` / ``restore`` names a
    series the plan does not consider.
    """
    over = overwrite or Pick()
    back = restore or Pick()
    index: dict[str, Held] = {}
    if keyed:
        index = {h.key: h for h in held}
    else:
        for h in held:
            # a sink may hold two objects with one UID (a copy made by hand): the live one wins
            if h.uid not in index or index[h.uid].state != LIVE:
                index[h.uid] = h
    actions: list[SinkAction] = []
    matched: set[str] = set()
    considered = 0
    for w in wanted:
        at = w.key if keyed else w.uid
        have = index.get(at)
        if have is not None and have.state == LIVE and at not in matched:
            considered += 1
        matched.add(at)
        actions.append(_plan_series(w, have, over, back, by_hand))
    outside = 0
    for at, have in index.items():
        if at in matched or have.state != LIVE:
            continue
        if scope is not None and scope.leaves(have):
            outside += 1
            continue
        considered += 1
        kind, reason = DELETE, ""
        if have.edited and not over.picks(have.uid, have.cadence):
            kind = SKIPPED
            reason = f"gone from tacal's config but edited {by_hand}; --overwrite deletes it anyway"
        actions.append(SinkAction(kind, have.uid, have.summary, have.cadence, reason, held=have))
    if check_names:
        check_picks(actions, over, "--overwrite")
        check_picks(actions, back, "--restore")
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
        raise TooManyDeletes(
            f"this sync would delete {deletes} of the {existing} events tacal manages {where}",
            hint="if cadences were really removed, run again with --allow-deletes; "
            "otherwise check the config (an empty or broken config must not wipe "
            "the calendar)",
        )


def _plan_series(w: Wanted, have: Held | None, over: Pick, back: Pick, by_hand: str) -> SinkAction:
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
            return action(GONE, f"deleted {by_hand}; left deleted (--restore brings it back)")
        return action(
            RESTORE, warnings or ("back in the config" if ours else f"deleted {by_hand}; restored")
        )
    if have.edited and not over.picks(w.uid, w.cadence):
        return action(
            SKIPPED, f"edited {by_hand} since tacal wrote it; --overwrite replaces the edits"
        )
    if have.edited or have.pending or have.hash != w.hash:
        return action(UPDATE, f"overwriting edits made {by_hand}" if have.edited else warnings)
    return action(UNCHANGED, warnings)


def check_picks(actions: Sequence[_Named], pick: Pick, flag: str) -> None:
    """A name in ``--overwrite`` / ``--restore`` that is no series of these actions (of
    any sink's plan, or of several plans) is a typo, or outside the scope: exit 2 before
    anything is written."""
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
