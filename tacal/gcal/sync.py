"""Sync tacal's calendar to Google Calendar: list once, plan, then apply in paced batches.

Why it is shaped this way:

- **No duplicates, ever.** Every series gets a deterministic event id derived from its
  UID (:func:`~tacal.gcal.codec.event_id_for`), so a re-run, a crash or a lost response
  can never insert the same series twice: a second insert is a 409, which becomes an
  update (that also restores an id Google keeps for a deleted event).
- **Plan, then apply.** :func:`~tacal.gcal.plan.plan` is pure, so ``--dry-run`` shows
  exactly what would be written; it decides with the planner every sink shares
  (:mod:`tacal.sinks.plan`).
- **Only tacal's events.** Events are listed and matched by the private extended
  property ``tacal=1``; anything without it is never read for changes, updated or deleted.
- **Hand edits are not overwritten** (:mod:`tacal.gcal.compare`): an event edited in
  Google is reported and left alone unless ``overwrite`` names it; one deleted in Google
  stays deleted unless ``restore`` names it. tacal tags an event ``tacalDeleted=1``
  before deleting it, so that its own deletions (a series that comes back to the
  config) are told from deletions by hand.
- **Scoped syncs** (``--account`` / ``--for``, :class:`~tacal.sinks.contract.Scope`) touch
  only the series in the scope.
- **Mass deletes need consent** (:mod:`tacal.sinks.plan`).
- **Quota-friendly** (:mod:`tacal.gcal.transport`): batched, paced, retried.
- **Single-occurrence changes.** VEVENTs with RECURRENCE-ID become instance exceptions
  written to ``{eventId}_{YYYYMMDDTHHMMSSZ}`` after the master exists; while those are
  being written the master carries ``tacalPending=1`` so a run that dies halfway is
  finished by the next one instead of being mistaken for a hand edit.

Nothing here prints: results are returned as a :class:`~tacal.gcal.report.SyncReport`
for the CLI.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar

from tacal.errors import SyncError
from tacal.gcal.auth import ServiceBundle
from tacal.gcal.codec import DELETED_KEY, PENDING_KEY
from tacal.gcal.desired import desired_series
from tacal.gcal.listing import check_owner, details_of_cancelled, list_remote
from tacal.gcal.plan import CREATE, DELETE, RESTORE, UPDATE, Action, Plan, plan
from tacal.gcal.report import SyncIncomplete, SyncReport, _lines_for
from tacal.gcal.transport import Timing, _Applier, _Call
from tacal.sinks.contract import Pick, Scope

__all__ = ["Planned", "apply", "details_of_cancelled", "finish", "list_remote", "prepare", "sync"]

SEND_UPDATES = ("none", "all", "externalOnly")
MAX_BATCH = 1000


# -------------------------------------------------------------------------- apply
def apply(
    bundle: ServiceBundle,
    p: Plan,
    calendar_id: str,
    *,
    send_updates: str = "none",
    batch_size: int = 50,
    progress: Callable[[int, int], None] | None = None,
    timing: Timing | None = None,
    report: SyncReport | None = None,
) -> SyncReport:
    """Write a plan: masters (and the ``tacalDeleted`` tag of those to delete), then
    occurrence exceptions and deletes, then clear ``tacalPending``."""
    if send_updates not in SEND_UPDATES:
        raise SyncError(f"send_updates must be one of {', '.join(SEND_UPDATES)}")
    if not 1 <= batch_size <= MAX_BATCH:
        raise SyncError(f"batch size must be between 1 and {MAX_BATCH}, not {batch_size}")
    timing = timing or Timing()
    if report is None:
        report = SyncReport(calendar_id, dry_run=False)
    report.lines = _lines_for(p, dry_run=False)
    start_count = bundle.http.count
    applier = _Applier(bundle, calendar_id, send_updates, batch_size, timing, progress, report)

    masters: list[tuple[Action, _Call]] = []
    for action, line in zip(p.actions, report.lines, strict=True):
        if action.kind == CREATE:
            call = _Call(
                "insert",
                action.event_id,
                action.body,
                line,
                desired_hash=action.desired_hash,
                may_restore=action.may_restore,
            )
        elif action.kind in (UPDATE, RESTORE):
            call = _Call(
                "update",
                action.event_id,
                action.body,
                line,
                etag=action.etag,
                desired_hash=action.desired_hash,
            )
        elif action.kind == DELETE:
            tag = {"extendedProperties": {"private": {DELETED_KEY: "1"}}}
            call = _Call("mark", action.event_id, tag, line, etag=action.etag)
        else:
            continue
        masters.append((action, call))
    applier.run([c for _, c in masters])

    instances: list[tuple[Action, list[_Call]]] = []
    deletes: list[_Call] = []
    for action, call in masters:
        if call.kind == "mark":
            if call.outcome == "done":
                etag = (call.result or {}).get("etag") if isinstance(call.result, dict) else None
                deletes.append(_Call("delete", action.event_id, None, call.line, etag=etag))
                continue
            if call.outcome == "gone":  # deleted meanwhile: what we wanted
                call.outcome = "done"
        _settle(call)
        if call.outcome != "done" or not action.instance_writes:
            continue
        calls = [
            _Call("iput" if w.body is not None else "idelete", w.instance_id, w.body, call.line)
            for w in action.instance_writes
        ]
        instances.append((action, calls))
    applier.run([c for _, cs in instances for c in cs] + deletes)
    for call in deletes:
        _settle(call)

    clears = []
    for action, calls in instances:
        for c in calls:
            if c.outcome != "done":
                c.line.status = "failed"
                c.line.detail = _join(c.line.detail, f"occurrence {c.event_id}: {c.error}")
        if all(c.outcome == "done" for c in calls):
            patch = {"extendedProperties": {"private": {PENDING_KEY: "0"}}}
            clears.append(_Call("clear", action.event_id, patch, calls[0].line))
    applier.run(clears)
    for c in clears:
        if c.outcome != "done":
            c.line.status = "failed"
            c.line.detail = _join(c.line.detail, f"could not finish: {c.error}")
    report.http_requests += bundle.http.count - start_count
    return report


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


def _settle(call: _Call) -> None:
    if call.outcome == "done":
        call.line.status = "done"
    else:
        call.line.status = call.outcome or "failed"
        call.line.detail = (
            call.error if call.outcome == "gone" else _join(call.line.detail, call.error)
        )


# ------------------------------------------------------------------ plan and sync
@dataclass
class Planned:
    """One calendar's plan, and the report a dry run shows of it, before any write."""

    plan: Plan
    report: SyncReport
    bundle: ServiceBundle
    calendar_id: str
    #: the bundle's request count before listing (what the sync cost is counted from)
    start: int


def _check(send_updates: str, batch_size: int) -> None:
    if send_updates not in SEND_UPDATES:
        raise SyncError(f"send_updates must be one of {', '.join(SEND_UPDATES)}")
    if not 1 <= batch_size <= MAX_BATCH:
        raise SyncError(f"batch size must be between 1 and {MAX_BATCH}, not {batch_size}")


def prepare(
    calendar: Calendar,
    *,
    service_bundle: ServiceBundle,
    calendar_id: str = "primary",
    send_updates: str = "none",
    overwrite: bool | Pick = False,
    restore: bool | Pick = False,
    allow_deletes: bool = False,
    delete_threshold: float = 0.2,
    timing: Timing | None = None,
    scope: Scope | None = None,
    now: datetime | None = None,
    picks_checked: bool = True,
    owner: str | None = None,
) -> Planned:
    """List tacal's events in ``calendar_id`` once and plan; nothing is written. The first
    half of :func:`sync`, on its own so that several calendars can all be planned (and
    the e-mails they would send confirmed once) before any of them is written."""
    _check(send_updates, 1)
    timing = timing or Timing()
    start = service_bundle.http.count
    series = desired_series(calendar)
    remote, pages = list_remote(service_bundle, calendar_id, timing=timing)
    if owner is not None:
        check_owner(remote, owner)
    remote = details_of_cancelled(
        service_bundle, calendar_id, remote, {ds.event_id for ds in series}, timing=timing
    )
    p = plan(
        series,
        remote,
        overwrite=overwrite,
        restore=restore,
        allow_deletes=allow_deletes,
        delete_threshold=delete_threshold,
        scope=scope,
        now=now,
        picks_checked=picks_checked,
    )
    # the plan, as a dry run shows it; a real run then becomes what was done
    report = SyncReport(
        calendar_id,
        dry_run=True,
        list_pages=pages,
        outside=p.outside,
        scope=scope,
        send_updates=send_updates,
    )
    report.lines = _lines_for(p, dry_run=True)
    report.http_requests = service_bundle.http.count - start
    return Planned(p, report, service_bundle, calendar_id, start)


def finish(
    planned: Planned,
    *,
    dry_run: bool = False,
    batch_size: int = 50,
    progress: Callable[[int, int], None] | None = None,
    timing: Timing | None = None,
) -> SyncReport:
    """Apply a prepared plan (unless ``dry_run``): the second half of :func:`sync`.

    Raises :class:`SyncIncomplete` when some writes still failed after retries."""
    _check(planned.report.send_updates, batch_size)
    report, bundle = planned.report, planned.bundle
    if not dry_run:
        report.dry_run = False
        apply(
            bundle,
            planned.plan,
            planned.calendar_id,
            send_updates=report.send_updates,
            batch_size=batch_size,
            progress=progress,
            timing=timing or Timing(),
            report=report,
        )
    report.http_requests = bundle.http.count - planned.start
    if not report.ok:
        failed = [line for line in report.lines if line.status == "failed"]
        names = ", ".join(line.summary or line.uid for line in failed[:5])
        raise SyncIncomplete(
            f"{len(failed)} series could not be written to Google Calendar "
            f"{planned.calendar_id!r}: {names}",
            report,
            hint="run `tacal sync` again: it only redoes what is missing",
        )
    return report


def sync(
    calendar: Calendar,
    *,
    service_bundle: ServiceBundle,
    calendar_id: str = "primary",
    dry_run: bool = False,
    send_updates: str = "none",
    overwrite: bool | Pick = False,
    restore: bool | Pick = False,
    allow_deletes: bool = False,
    batch_size: int = 50,
    progress: Callable[[int, int], None] | None = None,
    delete_threshold: float = 0.2,
    timing: Timing | None = None,
    scope: Scope | None = None,
    now: datetime | None = None,
    confirm: Callable[[SyncReport], None] | None = None,
    owner: str | None = None,
) -> SyncReport:
    """List tacal's events once, plan, and (unless ``dry_run``) apply.

    ``scope`` limits the sync to a ``--account`` / ``--for`` part of the config (see
    :class:`~tacal.sinks.contract.Scope`); ``overwrite`` / ``restore`` pick the series edited
    or deleted in Google to replace or bring back. ``confirm``, when given, sees the
    planned report before anything is written and raises to stop the sync. ``owner``
    (a personal sign-in's ``--as``) must be whom the calendar belongs to.

    Raises SyncError/AuthError for problems the user must fix, and
    :class:`SyncIncomplete` (a SyncError carrying ``report``) when some writes still
    failed after retries; re-running is always safe.
    """
    _check(send_updates, batch_size)
    timing = timing or Timing()
    planned = prepare(
        calendar,
        service_bundle=service_bundle,
        calendar_id=calendar_id,
        send_updates=send_updates,
        overwrite=overwrite,
        restore=restore,
        allow_deletes=allow_deletes,
        delete_threshold=delete_threshold,
        timing=timing,
        scope=scope,
        now=now,
        owner=owner,
    )
    if not dry_run and confirm is not None:
        confirm(planned.report)
    return finish(planned, dry_run=dry_run, batch_size=batch_size, progress=progress, timing=timing)
