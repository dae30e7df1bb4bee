"""Google Calendar as a :class:`~tacal.sinks.contract.Sink`, for the shared contract tests.

``list`` reduces one listing of tacal's events (cancelled ones included, and those of the
wanted series read in full) to :class:`~tacal.sinks.contract.Held` records
(:func:`tacal.gcal.held.held_records`, as ``tacal sync`` does); ``apply`` turns the
shared plan's write actions into Google writes (:func:`tacal.gcal.plan.google_plan`:
bodies, occurrence exceptions) and writes them with :func:`tacal.gcal.sync.apply`.
``tacal sync`` itself plans through :func:`tacal.gcal.plan.plan`, which calls the same
shared planner matching by event id; this class matches by UID like any sink.
"""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from icalendar import Calendar

from tacal.gcal.auth import ServiceBundle
from tacal.gcal.desired import DesiredSeries, desired_series
from tacal.gcal.held import held_records
from tacal.gcal.plan import _remote_groups, google_plan, wanted_of
from tacal.gcal.report import SyncReport
from tacal.gcal.sync import apply, details_of_cancelled, list_remote
from tacal.gcal.transport import Timing
from tacal.sinks.contract import Held, Outcome, SinkPlan, Wanted

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
        self._remote: builtins.list[dict[str, Any]] = []
        self.writes = 0
        self.report: SyncReport | None = None

    @property
    def requests(self) -> int:
        return self.bundle.http.count - self._start

    def wanted(self) -> builtins.list[Wanted]:
        return [wanted_of(ds) for ds in self.series]

    def list(self) -> builtins.list[Held]:
        remote, _ = list_remote(self.bundle, self.calendar_id, timing=self.timing)
        by_id = {ds.event_id: ds.uid for ds in self.series}
        remote = details_of_cancelled(
            self.bundle, self.calendar_id, remote, set(by_id), timing=self.timing
        )
        self._remote = remote
        masters, exceptions = _remote_groups(remote)
        # a cancelled event Google keeps nothing of is not ours to know
        return [h for h in held_records(masters, exceptions, by_id) if h.uid]

    def apply(self, sink_plan: SinkPlan) -> builtins.list[Outcome]:
        """Writes the plan's write actions (batched, paced, retried)."""
        writes = SinkPlan(sink_plan.writes, sink_plan.existing, sink_plan.outside, sink_plan.scope)
        chosen = google_plan(writes, self.series, self._remote, now=self.now)
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
