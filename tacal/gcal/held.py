"""What tacal holds in a Google calendar, as the shared planner sees it.

:func:`held_records` reduces one listing of tacal's events (cancelled ones included, and
those of the wanted series read in full, :mod:`tacal.gcal.listing`) to
:class:`~tacal.sinks.contract.Held` records, one per master event, keyed by event id:
the stored ``tacalHash``, whether the event still matches ``tacalCheck`` (a hand edit,
:mod:`tacal.gcal.compare`), whether it was deleted by hand or by tacal (``tacalDeleted``),
its ``tacalPending`` flag and its scope tags. :func:`tacal.sinks.plan.plan_sync` then
decides; nothing here decides anything.

Event ids derive from UIDs (:func:`~tacal.gcal.codec.event_id_for`), so the planner
matches by event id (``keyed``): an event under a wanted series' id is that series,
whatever its tags say, and any other event of tacal's is a leftover of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tacal.gcal.changes import guest_emails
from tacal.gcal.codec import (
    ACCOUNT_KEY,
    CADENCE_KEY,
    DELETED_KEY,
    HASH_KEY,
    ORGANIZER_KEY,
    PENDING_KEY,
    UID_KEY,
    _is_ours,
    _private,
)
from tacal.gcal.compare import _hand_edited
from tacal.sinks.contract import DELETED_BY_HAND, DELETED_BY_TACAL, LIVE, Held
from tacal.sinks.contract import Scope as SinkScope

__all__ = ["Scope", "held_of", "held_records"]


def held_of(item: dict[str, Any], uid: str = "", *, edited: bool = False) -> Held:
    """The record of one master event; ``edited`` is the hand-edit check's answer
    (:func:`held_records` makes it). ``uid`` stands in when the event does not carry its
    own (a cancelled event Google keeps little of)."""
    private = _private(item)
    if item.get("status") == "cancelled":
        state = DELETED_BY_TACAL if private.get(DELETED_KEY) == "1" else DELETED_BY_HAND
    else:
        state = LIVE
    return Held(
        uid=private.get(UID_KEY) or uid,
        key=str(item.get("id") or ""),
        hash=private.get(HASH_KEY, ""),
        summary=str(item.get("summary", "")),
        cadence=private.get(CADENCE_KEY, ""),
        state=state,
        edited=edited and state == LIVE,
        pending=private.get(PENDING_KEY) == "1" or private.get(DELETED_KEY) == "1",
        account=private.get(ACCOUNT_KEY, ""),
        organizer=private.get(ORGANIZER_KEY, "").lower(),
        emails=tuple(guest_emails(item)),
        etag=str(item["etag"]) if item.get("etag") else None,
    )


def held_records(
    masters: Mapping[str, dict[str, Any]],
    exceptions: Mapping[str, list[dict[str, Any]]],
    wanted: Mapping[str, str],
    scope: SinkScope | None = None,
) -> list[Held]:
    """One record per master event (``masters``: event id -> event, in listing order)
    that the plan may need: those under a wanted series' id (``wanted``: event id ->
    UID), and tacal's live events (``tacal=1``) under any other id. A cancelled event is
    only read under a wanted id (whether tacal deleted it); the hand-edit check, the
    costly part, only where the planner looks at it: every live wanted series, and
    leftovers that ``scope`` does not leave alone."""
    out = []
    for eid, item in masters.items():
        mine = eid in wanted
        if not mine and (item.get("status") == "cancelled" or not _is_ours(item)):
            continue
        live = item.get("status") != "cancelled"
        if mine or scope is None:
            edited = live and _hand_edited(item, exceptions.get(eid, []))
            out.append(held_of(item, wanted.get(eid, ""), edited=edited))
            continue
        held = held_of(item)
        if not scope.leaves(held):
            held = replace(held, edited=_hand_edited(item, exceptions.get(eid, [])))
        out.append(held)
    return out


class Scope(SinkScope):
    """The contract's :class:`~tacal.sinks.contract.Scope`, whose ``holds`` also reads a
    Google event as listed (its ``tacalAccount`` and ``tacalOrganizer`` tags, its guests)."""

    def holds(self, held: Held | dict[str, Any]) -> bool:
        return super().holds(held_of(held) if isinstance(held, dict) else held)
