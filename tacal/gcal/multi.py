"""Sync several calendars at once (``[sync] delegate = true``): one plan per calendar, each
written as its owner and paced under its owner's quota, the calendars side by side.

Why concurrent: Google counts its per-user quota (about 600 requests a minute,
https://developers.google.com/calendar/api/guides/quota) per user a service account acts
as, so ten organizers' calendars have ten windows; one after the other they would also
wait out each other's network round trips (bench/bench_sync.py measures the difference).
Why a small pool: the per-project quota is shared, and a team has tens of organizers, not
thousands.

Every calendar gets its own :class:`~tacal.gcal.auth.ServiceBundle` (the Calendar service
and its httplib2 connection, which is not thread-safe: no two threads ever share one) and
its own :class:`~tacal.gcal.transport.Timing` pacing window. All calendars are planned
before any is written, so that ``confirm`` (the e-mails to customers) sees every plan at
once and a plan that cannot go on (the mass-delete guard, a calendar that is not there)
stops the sync before it wrote anything anywhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime

from icalendar import Calendar

from tacal.errors import AuthError, SyncError
from tacal.gcal.auth import ServiceBundle
from tacal.gcal.calendars import by_organizer
from tacal.gcal.report import SeriesLine, SyncIncomplete, SyncReport
from tacal.gcal.sync import Planned, finish, prepare
from tacal.gcal.transport import Timing
from tacal.series.types import Series
from tacal.sinks.contract import Pick, Scope
from tacal.sinks.plan import TooManyDeletes, check_picks

__all__ = ["CalendarsIncomplete", "CalendarsReport", "Target", "sync_calendars"]

#: calendars synced at the same time
WORKERS = 4


@dataclass(frozen=True)
class Target:
    """One calendar to sync: its id, the series it should hold, and whom to act as."""

    calendar_id: str
    calendar: Calendar
    subject: str | None = None
    #: a calendar that may hold series tacal put there before (a former organizer's):
    #: visited to delete them, and skipped when it cannot be reached
    optional: bool = False


def delegation_targets(calendar: Calendar, series: list[Series], people: list[str]) -> list[Target]:
    """The calendars a delegated sync visits: one per organizer of the whole config (a
    scoped sync may have in-scope events to delete in any of them), and an optional one per
    other person in [people], since a former organizer's calendar still holds the series
    that moved away. Raises SyncError when a series has no organizer."""
    parts = by_organizer(calendar)
    organizers = set(parts) | {s.organizer.email.lower() for s in series if s.organizer}
    others = {p.lower() for p in people} - organizers
    return [Target(e, parts.get(e, Calendar()), subject=e) for e in sorted(organizers)] + [
        Target(e, Calendar(), subject=e, optional=True) for e in sorted(others)
    ]


@dataclass
class CalendarsReport:
    """The reports of one sync over several calendars, in calendar order."""

    mode: str
    dry_run: bool
    send_updates: str = "none"
    reports: list[SyncReport] = field(default_factory=list)
    #: calendars whose writes stopped with an error (calendar id -> message)
    failures: dict[str, str] = field(default_factory=dict)
    #: optional calendars that could not be read (calendar id -> message)
    unreachable: dict[str, str] = field(default_factory=dict)

    @property
    def lines(self) -> list[SeriesLine]:
        return [line for r in self.reports for line in r.lines]

    @property
    def http_requests(self) -> int:
        return sum(r.http_requests for r in self.reports)

    @property
    def write_calls(self) -> int:
        return sum(r.write_calls for r in self.reports)

    @property
    def ok(self) -> bool:
        return not self.failures and all(r.ok for r in self.reports)

    def counts(self) -> dict[str, int]:
        """The per-action counts of :meth:`SyncReport.counts`, added up."""
        total: dict[str, int] = {}
        for r in self.reports:
            for key, n in r.counts().items():
                total[key] = total.get(key, 0) + n
        return total


class CalendarsIncomplete(SyncError):
    """Some calendars' writes failed for good; ``report`` says which (re-running is safe)."""

    def __init__(self, message: str, report: CalendarsReport, *, hint: str | None = None):
        super().__init__(message, hint=hint)
        self.report = report


class _Progress:
    """Adds up the progress of every calendar into one (done, total), thread-safe."""

    def __init__(self, outer: Callable[[int, int], None] | None) -> None:
        self.outer = outer
        self.lock = threading.Lock()
        self.each: dict[str, tuple[int, int]] = {}

    def for_calendar(self, calendar_id: str) -> Callable[[int, int], None] | None:
        if self.outer is None:
            return None

        def report(done: int, total: int) -> None:
            with self.lock:
                self.each[calendar_id] = (done, total)
                assert self.outer is not None
                self.outer(
                    sum(d for d, _ in self.each.values()), sum(t for _, t in self.each.values())
                )

        return report


def _in(target: Target, exc: SyncError) -> SyncError:
    """``exc`` with the calendar it concerns in front of its message; acting as a user who
    cannot be impersonated is a delegation problem, whatever the error first suggested."""
    cid = target.calendar_id
    if type(exc) not in (SyncError, AuthError, TooManyDeletes) or exc.message.startswith(cid):
        return exc
    hint = exc.hint
    if isinstance(exc, AuthError) and target.subject:
        hint = (
            f"check that {target.subject} is a user of your Google Workspace domain and that "
            "the service account's client ID is allowed the calendar.events scope under "
            "Admin console > Security > API controls > Domain-wide delegation"
        )
    return type(exc)(f"{cid}: {exc.message}", hint=hint)


def sync_calendars(
    targets: list[Target],
    *,
    connect: Callable[[str | None], ServiceBundle],
    mode: str = "",
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
    confirm: Callable[[CalendarsReport], None] | None = None,
    workers: int = WORKERS,
) -> CalendarsReport:
    """:func:`~tacal.gcal.sync.sync` for every target, ``workers`` calendars at a time.

    ``connect(subject)`` opens a client acting as ``subject``; it is called once per
    calendar, in the thread that uses it. Raises the first planning error (nothing is
    written then), and :class:`CalendarsIncomplete` when some writes failed.
    """
    base = timing or Timing()
    timings = {t.calendar_id: replace(base, _bucket=None) for t in targets}
    bundles: list[ServiceBundle] = []
    lock = threading.Lock()
    out = CalendarsReport(mode, dry_run=dry_run, send_updates=send_updates)

    def plan_one(target: Target) -> Planned | None:
        try:
            bundle = connect(target.subject)
        except SyncError as exc:
            if target.optional:
                out.unreachable[target.calendar_id] = exc.message
                return None
            raise _in(target, exc) from None
        with lock:
            bundles.append(bundle)
        try:
            return prepare(
                target.calendar,
                service_bundle=bundle,
                calendar_id=target.calendar_id,
                send_updates=send_updates,
                overwrite=overwrite,
                restore=restore,
                allow_deletes=allow_deletes,
                delete_threshold=delete_threshold,
                timing=timings[target.calendar_id],
                scope=scope,
                now=now,
                picks_checked=False,
            )
        except TooManyDeletes as exc:
            raise _in(target, exc) from None
        except SyncError as exc:
            if target.optional:
                out.unreachable[target.calendar_id] = exc.message
                return None
            raise _in(target, exc) from None

    adder = _Progress(progress)

    def write_one(planned: Planned) -> None:
        cid = planned.calendar_id
        try:
            finish(
                planned,
                dry_run=dry_run,
                batch_size=batch_size,
                progress=adder.for_calendar(cid),
                timing=timings[cid],
            )
        except SyncIncomplete:
            pass  # the report's failed lines say which
        except SyncError as exc:
            out.failures[cid] = exc.message

    size = max(1, min(workers, len(targets)))
    try:
        with ThreadPoolExecutor(max_workers=size, thread_name_prefix="tacal-sync") as pool:
            # a calendar with nothing of tacal's in it and nothing to hold is left out
            planned = [
                p
                for p in pool.map(plan_one, targets)
                if p is not None and (p.report.lines or p.plan.existing or p.plan.outside)
            ]
            out.reports = [p.report for p in planned]
            actions = [a for p in planned for a in p.plan.actions]
            for flag, value in (("--overwrite", overwrite), ("--restore", restore)):
                check_picks(actions, value if isinstance(value, Pick) else Pick.of(value), flag)
            if not dry_run and confirm is not None:
                confirm(out)
            list(pool.map(write_one, planned))
    finally:
        for bundle in bundles:
            bundle.close()
    if not out.ok:
        bad = sorted(
            {cid for cid in out.failures} | {r.calendar_id for r in out.reports if not r.ok}
        )
        raise CalendarsIncomplete(
            f"{len(bad)} calendar{'s' if len(bad) != 1 else ''} not fully written: "
            + ", ".join(bad),
            out,
            hint="run `tacal sync` again: it only redoes what is missing",
        )
    return out
