"""The plan: what each series needs in Google, and the writes that take it there.

:func:`plan` reduces one listing of tacal's events to the shared contract's records
(:mod:`tacal.gcal.held`), has the shared planner (:func:`tacal.sinks.plan.plan_sync`)
decide create/update/restore/delete/unchanged/skip/gone per series, then turns each
decision into what Google needs (:func:`google_plan`): the full event body (with
``tacalPending`` while occurrence exceptions are still to be written), the exception
writes that make Google's occurrences match, what the write changes
(:mod:`tacal.gcal.changes`) and whom Google would notify. No I/O, so ``--dry-run`` shows
exactly what would be written.

The rules themselves (hand edits skipped unless ``--overwrite``, hand deletions left
deleted unless ``--restore``, the ``--account`` / ``--for`` scope, the mass-delete
guard) are the shared planner's, so Google and CalDAV behave alike; only the wording
says where edits happen ("in Google").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar

from tacal.gcal.changes import Change, describe_create, describe_update, guest_emails
from tacal.gcal.codec import (
    CADENCE_KEY,
    PENDING_KEY,
    _occurs,
    _private,
    _reset_body,
    instance_id,
)
from tacal.gcal.compare import _generated, _observable, _remote_exceptions, _same
from tacal.gcal.desired import DesiredSeries, desired_series
from tacal.gcal.held import Scope, held_records
from tacal.sinks.contract import (
    CREATE,
    DELETE,
    GONE,
    RESTORE,
    SKIPPED,
    UNCHANGED,
    UPDATE,
    WRITES,
    Pick,
    SinkAction,
    SinkPlan,
    Wanted,
)
from tacal.sinks.contract import Scope as SinkScope
from tacal.sinks.plan import TooManyDeletes, check_picks, plan_sync

__all__ = [
    "CREATE",
    "DELETE",
    "GONE",
    "RESTORE",
    "SKIPPED",
    "UNCHANGED",
    "UPDATE",
    "WRITES",
    "Action",
    "InstanceWrite",
    "Pick",
    "Plan",
    "Scope",
    "TooManyDeletes",
    "check_picks",
    "google_plan",
    "plan",
]


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
    scope: SinkScope | None = None

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
    scope: SinkScope | None = None,
    now: datetime | None = None,
    picks_checked: bool = True,
) -> Plan:
    """Decide, without any I/O, what each series needs, and the writes that do it.

    ``picks_checked=False`` leaves checking the ``overwrite``/``restore`` names to the
    caller: a sync over several calendars checks them against all of its plans at once.

    ``remote`` is tacal's listing (``privateExtendedProperty=tacal=1``,
    ``showDeleted=true``); a cancelled master of a wanted series should carry its private
    properties (``events.get`` gives them) so that tacal's own deletions are told from
    deletions in Google. ``now`` starts the search for the first changed occurrence.
    Raises SyncError when the plan would delete too much (:class:`TooManyDeletes`), or
    when ``overwrite`` / ``restore`` names a series the plan does not consider.
    """
    series = desired if isinstance(desired, list) else desired_series(desired)
    over = overwrite if isinstance(overwrite, Pick) else Pick.of(overwrite)
    back = restore if isinstance(restore, Pick) else Pick.of(restore)
    masters, exceptions = _remote_groups(remote)
    held = held_records(masters, exceptions, {ds.event_id: ds.uid for ds in series}, scope)
    decided = plan_sync(
        [wanted_of(ds) for ds in series],
        held,
        overwrite=over,
        restore=back,
        allow_deletes=allow_deletes,
        delete_threshold=delete_threshold,
        scope=scope,
        by_hand="in Google",
        keyed=True,
        check_names=picks_checked,
    )
    return _google_writes(decided, series, masters, exceptions, back, now)


def wanted_of(ds: DesiredSeries) -> Wanted:
    """A desired series as the shared planner sees it, keyed by its event id."""
    summary = str(ds.body.get("summary", ""))
    return Wanted(ds.uid, ds.hash, summary, ds.cadence, tuple(ds.warnings), key=ds.event_id)


def google_plan(
    decided: SinkPlan,
    series: list[DesiredSeries],
    remote: list[dict[str, Any]],
    *,
    restore: Pick | None = None,
    now: datetime | None = None,
) -> Plan:
    """The Google writes each action of the shared plan needs: every action's held
    record names its master by event id in ``remote`` (the listing planned from), each
    wanted one its series in ``series``. ``restore`` lets a create take back an event
    Google still keeps cancelled under its id."""
    masters, exceptions = _remote_groups(remote)
    return _google_writes(decided, series, masters, exceptions, restore or Pick(), now)


def _google_writes(
    decided: SinkPlan,
    series: list[DesiredSeries],
    masters: dict[str, dict[str, Any]],
    exceptions: dict[str, list[dict[str, Any]]],
    back: Pick,
    now: datetime | None,
) -> Plan:
    since = (now or datetime.now(UTC)).astimezone(UTC)
    by_uid = {ds.uid: ds for ds in series}
    actions = []
    for a in decided.actions:
        have = masters.get(a.held.key) if a.held is not None else None
        if a.wanted is None:
            assert have is not None and a.held is not None  # a leftover is always held
            actions.append(_leftover(a, a.held.key, have))
            continue
        ds = by_uid[a.wanted.uid]
        exc = exceptions.get(ds.event_id, [])
        actions.append(_for_series(a, ds, have, exc, back, since))
    return Plan(actions, existing=decided.existing, outside=decided.outside, scope=decided.scope)


def _leftover(a: SinkAction, event_id: str, have: dict[str, Any]) -> Action:
    """A series gone from the config: delete it, or skip it (edited in Google)."""
    common: dict[str, Any] = dict(
        uid=a.uid,
        event_id=event_id,
        summary=have.get("summary", ""),
        attendees=[str(x.get("email", "")) for x in have.get("attendees") or []],
        cadence=_private(have).get(CADENCE_KEY, ""),
        etag=have.get("etag"),
    )
    if a.kind == DELETE:
        return Action(DELETE, **common, change=Change(), emails=guest_emails(have))
    return Action(a.kind, **common, reason=a.reason)


def _for_series(
    a: SinkAction,
    ds: DesiredSeries,
    have: dict[str, Any] | None,
    exc: list[dict[str, Any]],
    back: Pick,
    since: datetime,
) -> Action:
    """The body, exception writes, change and notified guests of one wanted series."""
    common: dict[str, Any] = dict(
        uid=ds.uid,
        event_id=ds.event_id,
        summary=ds.body.get("summary", ""),
        attendees=ds.attendees,
        desired_hash=ds.hash,
        cadence=ds.cadence,
        reason=a.reason,
    )
    if a.kind == CREATE:
        writes = _instance_writes(ds, [], restore=False)
        return Action(
            a.kind,
            **common,
            body=_with_pending(ds.body, bool(writes)),
            instance_writes=writes,
            change=describe_create(ds.body, ds.overrides, since),
            emails=guest_emails(ds.body),
            may_restore=back.picks(ds.uid, ds.cadence),
        )
    assert have is not None  # every other action has an event in Google
    common["etag"] = have.get("etag")
    if a.kind not in (RESTORE, UPDATE):  # UNCHANGED, SKIPPED, GONE: nothing to send
        return Action(a.kind, **common)
    writes = _instance_writes(ds, exc, restore=a.kind == RESTORE)
    guests = guest_emails(ds.body)
    if a.kind == RESTORE:
        change = describe_create(ds.body, ds.overrides, since)
        emails = guests
    else:
        change = describe_update(have, exc, ds.body, ds.overrides, since)
        emails = guests + [e for e in change.removed if e not in guests]
    return Action(
        a.kind,
        **common,
        body=_with_pending(ds.body, bool(writes)),
        instance_writes=writes,
        change=change,
        emails=emails,
    )
