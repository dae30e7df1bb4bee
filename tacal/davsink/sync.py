"""Sync to a CalDAV calendar: list once, plan with the shared planner, apply one
conditional request per written series.

Why it is shaped this way:

- **One listing.** :meth:`CalDavSink.list` is one calendar-query REPORT returning every
  object's ETag and data; a re-run with nothing changed makes no other request.
- **Found by UID.** A series is matched by the UID inside the object, not by its name, so
  an object a server renamed (or one written by an older tacal under another name) is
  still updated in place.
- **Atomic per series.** A series and its overrides are one resource, written by one PUT;
  a run killed halfway leaves every series either old or new, and the next run finishes
  the rest (no pending marker needed, unlike Google's separate exception writes).
- **Never blindly.** Creates carry ``If-None-Match: *``, updates and deletes ``If-Match``
  with the listed ETag; a 412 is reported as a conflict and left as it is.

Nothing here prints: :func:`sync` returns a :class:`CalDavRun` for the CLI.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from icalendar import Calendar

from tacal.davsink.client import Connection
from tacal.davsink.resources import Resource, held_of, resources_of
from tacal.sinks.contract import (
    CREATE,
    DELETE,
    RESTORE,
    UPDATE,
    Held,
    Outcome,
    Pick,
    Scope,
    SinkPlan,
    Wanted,
)
from tacal.sinks.plan import plan_sync

__all__ = ["CalDavRun", "CalDavSink", "sync"]


class CalDavSink:
    """A CalDAV calendar as a :class:`~tacal.sinks.contract.Sink` for ``resources``."""

    def __init__(self, connection: Connection, resources: list[Resource]) -> None:
        self.connection = connection
        self.resources = {r.uid: r for r in resources}
        #: the data each listed object of tacal's had, by UID (for describing updates)
        self.listed: dict[str, str] = {}

    @property
    def requests(self) -> int:
        return self.connection.requests

    @property
    def writes(self) -> int:
        return self.connection.writes

    def wanted(self) -> list[Wanted]:
        return [r.wanted for r in self.resources.values()]

    def list(self) -> builtins.list[Held]:
        out = []
        for item in self.connection.list():
            held = held_of(item.url, item.data, item.etag)
            if held is None:
                continue
            out.append(held)
            self.listed.setdefault(held.uid, item.data)
        return out

    def apply(self, plan: SinkPlan) -> builtins.list[Outcome]:
        """One conditional request per write action, in plan order."""
        outcomes = []
        for action in plan.writes:
            if action.kind in (CREATE, RESTORE):
                res = self.resources[action.uid]
                result = self.connection.put(self.connection.url + res.name, res.data, etag=None)
            elif action.kind == UPDATE and action.held is not None:
                res = self.resources[action.uid]
                result = self.connection.put(action.held.key, res.data, etag=action.held.etag)
            elif action.kind == DELETE and action.held is not None:
                result = self.connection.delete(action.held.key, etag=action.held.etag)
            else:  # pragma: no cover - the planner gives every update and delete a held
                continue
            status = result.outcome
            if action.kind == DELETE and status == "gone":
                status = "done"  # deleted meanwhile: what was wanted
            outcomes.append(Outcome(action.uid, status, result.detail))
        return outcomes


@dataclass
class CalDavRun:
    """What :func:`sync` planned and (unless a dry run) did."""

    plan: SinkPlan
    sink: CalDavSink
    outcomes: list[Outcome] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not any(o.status == "failed" for o in self.outcomes)


def sync(
    calendar: Calendar,
    connection: Connection,
    *,
    dry_run: bool = False,
    overwrite: Pick | None = None,
    allow_deletes: bool = False,
    delete_threshold: float = 0.2,
    scope: Scope | None = None,
) -> CalDavRun:
    """List tacal's objects once, plan, and (unless ``dry_run``) apply.

    Raises SyncError for problems the user must fix (sign-in, URL, the mass-delete guard,
    an ``--overwrite`` name that is no series); write failures and conflicts are in the
    run's outcomes, and re-running is always safe.
    """
    sink = CalDavSink(connection, resources_of(calendar))
    held = sink.list()
    plan = plan_sync(
        sink.wanted(),
        held,
        overwrite=overwrite,
        allow_deletes=allow_deletes,
        delete_threshold=delete_threshold,
        scope=scope,
        where=f"in {connection.url}",
    )
    run = CalDavRun(plan, sink, dry_run=dry_run)
    if not dry_run:
        run.outcomes = sink.apply(plan)
    return run
