"""The plan: what each series needs, decided without any I/O.

:func:`plan` compares the wanted series with what one listing of tacal's events returned
and yields create/update/restore/delete/unchanged/skip/gone actions, so ``--dry-run``
shows exactly what would be written, and what each write changes
(:mod:`tacal.gcal.changes`).

- **Scope.** With a :class:`Scope` (``--account`` / ``--for``) only the wanted series and,
  for deletions, tacal's events tagged with that account or inviting that person whose
  UID no series of the whole config has any more, are considered; every other event is
  counted (``Plan.outside``) and left alone.
- **Hand edits and hand deletions.** A series edited in Google is skipped unless
  ``overwrite`` picks it; one deleted in Google (cancelled, and not by tacal: tacal tags
  what it deletes with ``tacalDeleted``) is reported as gone unless ``restore`` picks it.
  :class:`Pick` is a set of cadence ids and UIDs, or every series.
- **Mass deletes.** A plan deleting all of the events it considers, or more than
  ``delete_threshold`` of them (and more than one), raises :class:`~tacal.errors.SyncError`
  unless ``allow_deletes``: a config that briefly looks empty must not wipe a calendar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar

from tacal.config.values import did_you_mean
from tacal.errors import SyncError
from tacal.gcal.changes import Change, describe_create, describe_update, guest_emails
from tacal.gcal.codec import (
    ACCOUNT_KEY,
    CADENCE_KEY,
    DELETED_KEY,
    HASH_KEY,
    ORGANIZER_KEY,
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
from tacal.sinks.contract import Pick

__all__ = [
    "Action",
    "InstanceWrite",
    "Pick",
    "Plan",
    "Scope",
    "TooManyDeletes",
    "check_picks",
    "plan",
]

# Action kinds, also the ``action`` of a SeriesLine.
CREATE = "create"
UPDATE = "update"
RESTORE = "restore"
DELETE = "delete"
UNCHANGED = "unchanged"
SKIPPED = "skipped-hand-edited"
GONE = "deleted-in-google"
#: kinds that write to Google
WRITES = (CREATE, UPDATE, RESTORE, DELETE)


class TooManyDeletes(SyncError):
    """The mass-delete guard: the plan deletes more than the threshold allows."""


@dataclass(frozen=True)
class Scope:
    """What a ``--account`` / ``--for`` sync may touch besides the series it wants: tacal's
    events in Google tagged with ``account`` (``tacalAccount``) and/or inviting ``email``
    (or organised by it: ``tacalOrganizer``), whose UID is not in ``known`` (every series
    of the whole config: one that merely left the scope is not deleted)."""

    account: str | None = None
    email: str | None = None
    known: frozenset[str] = frozenset()

    def holds(self, remote: dict[str, Any]) -> bool:
        private = _private(remote)
        if self.account is not None:
            tag = private.get(ACCOUNT_KEY)
            if tag is None or tag.casefold() != self.account.casefold():
                return False
        if self.email is not None:
            wanted = self.email.lower()
            if wanted not in guest_emails(remote) and (
                private.get(ORGANIZER_KEY, "").lower() != wanted
            ):
                return False
        return True

    def describe(self) -> str:
        parts = []
        if self.account is not None:
            parts.append(f"account {self.account}")
        if self.email is not None:
            parts.append(f"for {self.email}")
        return ", ".join(parts)


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
    cadence: str = ""
    #: what the write changes (first moved occurrence, fields, guests); None if no write
    change: Change | None = None
    #: the guests Google would notify about this write (``sendUpdates``), lower case
    emails: list[str] = field(default_factory=list)
    #: a CREATE that may restore an event Google still keeps cancelled under its id
    may_restore: bool = False


@dataclass
class Plan:
    """The actions of one sync, before anything is written."""

    actions: list[Action]
    existing: int
    #: tacal's live events left alone because they are outside the scope
    outside: int = 0
    scope: Scope | None = None

    def of(self, kind: str) -> list[Action]:
        return [a for a in self.actions if a.kind == kind]

    @property
    def write_count(self) -> int:
        """Calls :func:`~tacal.gcal.sync.apply` makes at least (retries and 409 conversions
        aside)."""
        n = 0
        for a in self.actions:
            if a.kind in WRITES:
                n += 1 + len(a.instance_writes) + (1 if a.instance_writes else 0)
            if a.kind == DELETE:
                n += 1  # the tacalDeleted tag before the delete
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
    overwrite: bool | Pick = False,
    restore: bool | Pick = False,
    allow_deletes: bool = False,
    delete_threshold: float = 0.2,
    scope: Scope | None = None,
    now: datetime | None = None,
    picks_checked: bool = True,
) -> Plan:
    """Decide, without any I/O, what each series needs.

    ``picks_checked=False`` leaves checking the ``overwrite``/``restore`` names to the
    caller: a sync over several calendars checks them against all of its plans at once.

    ``remote`` is tacal's listing (``privateExtendedProperty=tacal=1``,
    ``showDeleted=true``); a cancelled master of a wanted series should carry its private
    properties (``events.get`` gives them) so that tacal's own deletions are told from
    deletions in Google. ``now`` starts the search for the first changed occurrence.
    Raises SyncError when the plan would delete too much, or when ``overwrite`` /
    ``restore`` names a series the plan does not consider.
    """
    series = desired if isinstance(desired, list) else desired_series(desired)
    over = overwrite if isinstance(overwrite, Pick) else Pick.of(overwrite)
    back = restore if isinstance(restore, Pick) else Pick.of(restore)
    since = (now or datetime.now(UTC)).astimezone(UTC)
    masters, exceptions = _remote_groups(remote)
    actions: list[Action] = []
    wanted: set[str] = set()
    for ds in series:
        wanted.add(ds.event_id)
        actions.append(
            _plan_series(
                ds, masters.get(ds.event_id), exceptions.get(ds.event_id, []), over, back, since
            )
        )
    live = {eid: m for eid, m in masters.items() if m.get("status") != "cancelled" and _is_ours(m)}
    considered = sum(1 for eid in live if eid in wanted)
    outside = 0
    for eid, have in live.items():
        if eid in wanted:
            continue
        private = _private(have)
        uid = private.get(UID_KEY, "")
        if scope is not None and (uid in scope.known or not scope.holds(have)):
            outside += 1
            continue
        considered += 1
        common = dict(
            uid=uid,
            event_id=eid,
            summary=have.get("summary", ""),
            attendees=[str(a.get("email", "")) for a in have.get("attendees") or []],
            cadence=private.get(CADENCE_KEY, ""),
        )
        if _hand_edited(have, exceptions.get(eid, [])) and not over.picks(uid, common["cadence"]):
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
        actions.append(
            Action(
                DELETE, **common, etag=have.get("etag"), change=Change(), emails=guest_emails(have)
            )
        )
    if picks_checked:
        check_picks(actions, over, "--overwrite")
        check_picks(actions, back, "--restore")
    result = Plan(actions, existing=considered, outside=outside, scope=scope)
    deletes = len(result.of(DELETE))
    if deletes and not allow_deletes:
        existing = result.existing
        if deletes >= existing or deletes > max(1.0, delete_threshold * existing):
            where = f"for {scope.describe()}" if scope else "in this calendar"
            raise TooManyDeletes(
                f"this sync would delete {deletes} of the {existing} events tacal manages {where}",
                hint="if cadences were really removed, run again with --allow-deletes; "
                "otherwise check the config (an empty or broken config must not wipe "
                "the calendar)",
            )
    return result


def _plan_series(
    ds: DesiredSeries,
    have: dict[str, Any] | None,
    exc: list[dict[str, Any]],
    over: Pick,
    back: Pick,
    since: datetime,
) -> Action:
    """The action for one wanted series, given its master in Google (or None)."""
    common: dict[str, Any] = dict(
        uid=ds.uid,
        event_id=ds.event_id,
        summary=ds.body.get("summary", ""),
        attendees=ds.attendees,
        desired_hash=ds.hash,
        cadence=ds.cadence,
    )
    reason = "; ".join(ds.warnings)
    guests = guest_emails(ds.body)
    if have is None:
        writes = _instance_writes(ds, [], restore=False)
        return Action(
            CREATE,
            **common,
            body=_with_pending(ds.body, bool(writes)),
            instance_writes=writes,
            reason=reason,
            change=describe_create(ds.body, ds.overrides, since),
            emails=guests,
            may_restore=back.picks(ds.uid, ds.cadence),
        )
    private = _private(have)
    if have.get("status") == "cancelled":
        ours = private.get(DELETED_KEY) == "1"
        if not ours and not back.picks(ds.uid, ds.cadence):
            return Action(
                GONE,
                **common,
                etag=have.get("etag"),
                reason="deleted in Google; left deleted (--restore brings it back)",
            )
        writes = _instance_writes(ds, exc, restore=True)
        return Action(
            RESTORE,
            **common,
            body=_with_pending(ds.body, bool(writes)),
            etag=have.get("etag"),
            instance_writes=writes,
            reason=reason or ("back in the config" if ours else "deleted in Google; restored"),
            change=describe_create(ds.body, ds.overrides, since),
            emails=guests,
        )
    edited = _hand_edited(have, exc)
    pending = private.get(PENDING_KEY) == "1" or private.get(DELETED_KEY) == "1"
    if edited and not over.picks(ds.uid, ds.cadence):
        return Action(
            SKIPPED,
            **common,
            etag=have.get("etag"),
            reason="edited in Google since tacal wrote it; --overwrite replaces the edits",
        )
    if edited or pending or private.get(HASH_KEY) != ds.hash:
        writes = _instance_writes(ds, exc, restore=False)
        change = describe_update(have, exc, ds.body, ds.overrides, since)
        return Action(
            UPDATE,
            **common,
            body=_with_pending(ds.body, bool(writes)),
            etag=have.get("etag"),
            instance_writes=writes,
            reason="overwriting edits made in Google" if edited else reason,
            change=change,
            emails=guests + [e for e in change.removed if e not in guests],
        )
    return Action(UNCHANGED, **common, etag=have.get("etag"), reason=reason)


def check_picks(actions: list[Action], pick: Pick, flag: str) -> None:
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
