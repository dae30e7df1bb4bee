"""The plan: what each series needs, decided without any I/O.

:func:`plan` compares the wanted series with what one listing of tacal's events returned
and yields create/update/restore/delete/unchanged/skip actions, so ``--dry-run`` shows
exactly what would be written. A plan deleting all of tacal's events, or more than
``delete_threshold`` of them (and more than one), raises :class:`~tacal.errors.SyncError`
unless ``allow_deletes``: a config that briefly looks empty must not wipe a calendar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from icalendar import Calendar

from tacal.errors import SyncError
from tacal.gcal.codec import (
    HASH_KEY,
    PENDING_KEY,
    UID_KEY,
    _is_ours,
    _occurs,
    _private,
    _reset_body,
    instance_id,
)
from tacal.gcal.compare import _generated, _hand_edited, _observable, _remote_exceptions, _same
from tacal.gcal.desired import DesiredSeries, desired_series

__all__ = ["Action", "InstanceWrite", "Plan", "plan"]

# Action kinds, also the ``action`` of a SeriesLine.
CREATE = "create"
UPDATE = "update"
RESTORE = "restore"
DELETE = "delete"
UNCHANGED = "unchanged"
SKIPPED = "skipped-hand-edited"


@dataclass
class InstanceWrite:
    """A write to one occurrence: ``body`` puts an exception, ``None`` cancels it."""

    instance_id: str
    key: str
    body: dict[str, Any] | None


@dataclass
class Action:
    """What to do with one series; ``body`` is the full master body to send."""

    kind: str
    uid: str
    event_id: str
    summary: str
    attendees: list[str]
    body: dict[str, Any] | None = None
    etag: str | None = None
    instance_writes: list[InstanceWrite] = field(default_factory=list)
    reason: str = ""
    desired_hash: str = ""


@dataclass
class Plan:
    """The actions of one sync, before anything is written."""

    actions: list[Action]
    existing: int

    def of(self, kind: str) -> list[Action]:
        return [a for a in self.actions if a.kind == kind]

    @property
    def write_count(self) -> int:
        """Calls :func:`~tacal.gcal.sync.apply` makes at least (retries and 409 conversions
        aside)."""
        n = 0
        for a in self.actions:
            if a.kind in (CREATE, UPDATE, RESTORE, DELETE):
                n += 1 + len(a.instance_writes) + (1 if a.instance_writes else 0)
        return n


def _remote_groups(
    remote: Iterable[dict[str, Any]],
) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    masters: dict[str, dict[str, Any]] = {}
    exceptions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in remote:
        if item.get("recurringEventId"):
            exceptions[item["recurringEventId"]].append(item)
        elif item.get("id"):
            masters[item["id"]] = item
    return masters, exceptions


def _instance_writes(
    ds: DesiredSeries, remote_exc: list[dict[str, Any]], *, restore: bool
) -> list[InstanceWrite]:
    """Exception writes that make Google's occurrences match ``ds``."""
    cache: dict[int, Any] = {}
    current = {k: v for k, v in _remote_exceptions(remote_exc)}
    writes = []
    for key, want in sorted(ds.overrides.items()):
        have = current.get(key, "absent")
        if want is None:
            if have is None and not restore:
                continue
            writes.append(InstanceWrite(instance_id(ds.event_id, key), key, None))
        else:
            if (
                isinstance(have, dict)
                and not restore
                and _same(have, _observable(want, master=False))
            ):
                continue
            if _observable(want, master=False) == _generated(ds.body, key) and have == "absent":
                continue
            writes.append(InstanceWrite(instance_id(ds.event_id, key), key, want))
    for key, have in sorted(current.items(), key=lambda kv: kv[0]):
        if key in ds.overrides:
            continue
        if _occurs(ds.body, key, cache):
            if have is None or restore or not _same(have, _generated(ds.body, key)):
                writes.append(
                    InstanceWrite(instance_id(ds.event_id, key), key, _reset_body(ds.body, key))
                )
        elif have is not None:
            writes.append(InstanceWrite(instance_id(ds.event_id, key), key, None))
    return writes


def _with_pending(body: dict[str, Any], pending: bool) -> dict[str, Any]:
    out = dict(body)
    private = dict(out["extendedProperties"]["private"])
    if pending:
        private[PENDING_KEY] = "1"
    out["extendedProperties"] = {"private": private}
    return out


def plan(
    desired: Calendar | list[DesiredSeries],
    remote: list[dict[str, Any]],
    *,
    overwrite: bool = False,
    allow_deletes: bool = False,
    delete_threshold: float = 0.2,
) -> Plan:
    """Decide, without any I/O, what each series needs.

    ``remote`` is tacal's listing (``privateExtendedProperty=tacal=1``,
    ``showDeleted=true``). Raises SyncError when the plan would delete too much.
    """
    series = desired if isinstance(desired, list) else desired_series(desired)
    masters, exceptions = _remote_groups(remote)
    actions: list[Action] = []
    wanted: set[str] = set()
    for ds in series:
        wanted.add(ds.event_id)
        have = masters.get(ds.event_id)
        common = dict(uid=ds.uid, event_id=ds.event_id, summary=ds.body.get("summary", ""))
        common["attendees"] = ds.attendees
        exc = exceptions.get(ds.event_id, [])
        reason = "; ".join(ds.warnings)
        if have is None:
            writes = _instance_writes(ds, [], restore=False)
            body = _with_pending(ds.body, bool(writes))
            actions.append(
                Action(
                    CREATE,
                    **common,
                    body=body,
                    instance_writes=writes,
                    reason=reason,
                    desired_hash=ds.hash,
                )
            )
            continue
        if have.get("status") == "cancelled":
            writes = _instance_writes(ds, exc, restore=True)
            body = _with_pending(ds.body, bool(writes))
            actions.append(
                Action(
                    RESTORE,
                    **common,
                    body=body,
                    etag=have.get("etag"),
                    instance_writes=writes,
                    reason=reason or "deleted in Google",
                    desired_hash=ds.hash,
                )
            )
            continue
        private = _private(have)
        edited = _hand_edited(have, exc)
        pending = private.get(PENDING_KEY) == "1"
        if edited and not overwrite:
            actions.append(
                Action(
                    SKIPPED,
                    **common,
                    etag=have.get("etag"),
                    reason="edited in Google since tacal wrote it; --overwrite replaces the edits",
                    desired_hash=ds.hash,
                )
            )
            continue
        if edited or pending or private.get(HASH_KEY) != ds.hash:
            writes = _instance_writes(ds, exc, restore=False)
            body = _with_pending(ds.body, bool(writes))
            why = "overwriting edits made in Google" if edited else reason
            actions.append(
                Action(
                    UPDATE,
                    **common,
                    body=body,
                    etag=have.get("etag"),
                    instance_writes=writes,
                    reason=why,
                    desired_hash=ds.hash,
                )
            )
        else:
            actions.append(
                Action(
                    UNCHANGED, **common, etag=have.get("etag"), reason=reason, desired_hash=ds.hash
                )
            )
    live = {eid: m for eid, m in masters.items() if m.get("status") != "cancelled" and _is_ours(m)}
    for eid, have in live.items():
        if eid in wanted:
            continue
        common = dict(
            uid=_private(have).get(UID_KEY, ""),
            event_id=eid,
            summary=have.get("summary", ""),
            attendees=[str(a.get("email", "")) for a in have.get("attendees") or []],
        )
        if _hand_edited(have, exceptions.get(eid, [])) and not overwrite:
            actions.append(
                Action(
                    SKIPPED,
                    **common,
                    etag=have.get("etag"),
                    reason="gone from tacal's config but edited in Google; "
                    "--overwrite deletes it anyway",
                )
            )
            continue
        actions.append(Action(DELETE, **common, etag=have.get("etag")))
    result = Plan(actions, existing=len(live))
    deletes = len(result.of(DELETE))
    if deletes and not allow_deletes:
        existing = result.existing
        if deletes >= existing or deletes > max(1.0, delete_threshold * existing):
            raise SyncError(
                f"this sync would delete {deletes} of the {existing} events tacal manages "
                "in this calendar",
                hint="if cadences were really removed, run again with --allow-deletes; "
                "otherwise check the config (an empty or broken config must not wipe "
                "the calendar)",
            )
    return result
