"""Google Calendar as a :class:`~tacal.sinks.contract.Sink`: the shared contract on top of
the Google engine, without changing it.

``list`` reduces one listing of tacal's events (cancelled ones included, and those of the
wanted series read in full) to :class:`~tacal.sinks.contract.Held` records: the stored
``tacalHash``, whether the event still matches ``tacalCheck`` (hand edits), whether it was
deleted by hand or by tacal, its pending flag and its scope tags. The shared planner
(:func:`tacal.sinks.plan.plan_sync`) then decides. ``apply`` has the Google engine build
the bodies and occurrence exceptions (:func:`tacal.gcal.plan.plan`, told which series the
shared plan overwrites and restores) and checks that both planners agree on every series
before writing anything with :func:`tacal.gcal.sync.apply`; a disagreement is a bug and
stops the sync.
"""

from __future__ import annotations

import builtins
from datetime import datetime

from icalendar import Calendar

from tacal.errors import SyncError
from tacal.gcal.auth import ServiceBundle
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
from tacal.gcal.desired import DesiredSeries, desired_series
from tacal.gcal.plan import Plan, plan
from tacal.gcal.plan import Scope as GoogleScope
from tacal.gcal.report import SyncReport
from tacal.gcal.sync import apply, details_of_cancelled, list_remote
from tacal.gcal.transport import Timing
from tacal.sinks.contract import (
    DELETE,
    DELETED_BY_HAND,
    DELETED_BY_TACAL,
    LIVE,
    RESTORE,
    UPDATE,
    Held,
    Outcome,
    Pick,
    SinkPlan,
    Wanted,
)

__all__ = ["GoogleSink"]


class GoogleSink:
    """One Google calendar, for the series of ``calendar``."""

    def __init__(
        self,
        bundle: ServiceBundle,
        calendar: Calendar,
        calendar_id: str = "primary",
        *,
        send_updates: str = "none",
        batch_size: int = 50,
        timing: Timing | None = None,
        now: datetime | None = None,
    ) -> None:
        self.bundle = bundle
        self.calendar_id = calendar_id
        self.series: list[DesiredSeries] = desired_series(calendar)
        self.send_updates = send_updates
        self.batch_size = batch_size
        self.timing = timing or Timing()
        self.now = now
        self._start = bundle.http.count
        self._remote: list[dict[str, object]] = []
        self.writes = 0
        self.report: SyncReport | None = None

    @property
    def requests(self) -> int:
        return self.bundle.http.count - self._start

    def wanted(self) -> builtins.list[Wanted]:
        return [
            Wanted(ds.uid, ds.hash, str(ds.body.get("summary", "")), ds.cadence, tuple(ds.warnings))
            for ds in self.series
        ]

    def list(self) -> builtins.list[Held]:
        remote, _ = list_remote(self.bundle, self.calendar_id, timing=self.timing)
        by_id = {ds.event_id: ds.uid for ds in self.series}
        remote = details_of_cancelled(
            self.bundle, self.calendar_id, remote, set(by_id), timing=self.timing
        )
        self._remote = remote  # type: ignore[assignment]
        exceptions: dict[str, builtins.list[dict[str, object]]] = {}
        for item in remote:
            if item.get("recurringEventId"):
                exceptions.setdefault(str(item["recurringEventId"]), []).append(item)
        out = []
        for item in remote:
            eid = str(item.get("id") or "")
            if not eid or item.get("recurringEventId"):
                continue
            private = _private(item)
            cancelled = item.get("status") == "cancelled"
            if not cancelled and not _is_ours(item):
                continue
            uid = private.get(UID_KEY) or by_id.get(eid)
            if not uid:
                continue  # a cancelled event Google keeps nothing of: not ours to know
            if cancelled:
                state = DELETED_BY_TACAL if private.get(DELETED_KEY) == "1" else DELETED_BY_HAND
            else:
                state = LIVE
            out.append(
                Held(
                    uid=uid,
                    key=eid,
                    hash=private.get(HASH_KEY, ""),
                    summary=str(item.get("summary", "")),
                    cadence=private.get(CADENCE_KEY, ""),
                    state=state,
                    edited=state == LIVE and _hand_edited(item, exceptions.get(eid, [])),  # type: ignore[arg-type]
                    pending=private.get(PENDING_KEY) == "1" or private.get(DELETED_KEY) == "1",
                    account=private.get(ACCOUNT_KEY, ""),
                    organizer=private.get(ORGANIZER_KEY, "").lower(),
                    emails=tuple(guest_emails(item)),
                    etag=str(item["etag"]) if item.get("etag") else None,
                )
            )
        return out

    def apply(self, sink_plan: SinkPlan) -> builtins.list[Outcome]:
        """Writes the plan's write actions through the Google engine (batched, paced,
        retried), after checking that it plans the same action for every series."""
        overwrite = {a.uid for a in sink_plan.actions if a.held is not None and a.held.edited}
        overwrite &= {a.uid for a in sink_plan.actions if a.kind in (UPDATE, DELETE)}
        restore = {
            a.uid
            for a in sink_plan.actions
            if a.kind == RESTORE and a.held is not None and a.held.state == DELETED_BY_HAND
        }
        scope = None
        if sink_plan.scope is not None:
            s = sink_plan.scope
            scope = GoogleScope(account=s.account, email=s.email, known=s.known)
        google = plan(
            self.series,
            self._remote,  # type: ignore[arg-type]
            overwrite=Pick(frozenset(overwrite)),
            restore=Pick(frozenset(restore)),
            allow_deletes=True,
            scope=scope,
            now=self.now,
        )
        theirs = {a.uid: a for a in google.actions}
        for a in sink_plan.actions:
            other = theirs.get(a.uid)
            if other is None or other.kind != a.kind:
                raise SyncError(
                    f"internal: the shared plan says {a.kind} for {a.uid}, Google's plan "
                    f"{other.kind if other else 'nothing'}; nothing was written",
                    hint="please report this",
                )
        writes = {a.uid for a in sink_plan.writes}
        chosen = Plan(
            [a for a in google.actions if a.uid in writes],
            existing=google.existing,
            outside=google.outside,
            scope=scope,
        )
        before = self.bundle.http.count
        report = apply(
            self.bundle,
            chosen,
            self.calendar_id,
            send_updates=self.send_updates,
            batch_size=self.batch_size,
            timing=self.timing,
        )
        self.report = report
        self.writes += report.write_calls or (self.bundle.http.count - before)
        return [Outcome(line.uid, line.status, line.detail) for line in report.lines]
