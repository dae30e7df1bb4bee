"""What a sync did (or would do), per series, and what it cost; the CLI renders it."""

from __future__ import annotations

from dataclasses import dataclass, field

from tacal.errors import SyncError
from tacal.gcal.changes import Change
from tacal.gcal.plan import (
    CREATE,
    DELETE,
    GONE,
    RESTORE,
    SKIPPED,
    UNCHANGED,
    UPDATE,
    WRITES,
    Plan,
)
from tacal.sinks.contract import Scope

__all__ = ["SeriesLine", "SyncIncomplete", "SyncReport"]


@dataclass
class SeriesLine:
    """One row of the sync table: what happened (or would happen) to a series."""

    action: str
    uid: str
    summary: str
    event_id: str
    attendees: list[str]
    overrides: int = 0
    status: str = "planned"  # planned | done | failed | conflict | skipped | gone
    detail: str = ""
    cadence: str = ""
    #: what the write changes (None for unchanged, skipped and gone series)
    change: Change | None = None
    #: the guests Google notifies about this write when ``sendUpdates`` allows
    emails: list[str] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        """Whether this series is (or would be) written to Google."""
        return self.action in WRITES and self.status in ("planned", "done")


@dataclass
class SyncReport:
    """The result of :func:`~tacal.gcal.sync.sync` / :func:`~tacal.gcal.sync.apply`; the CLI
    renders it, the sync never prints."""

    calendar_id: str
    dry_run: bool
    lines: list[SeriesLine] = field(default_factory=list)
    http_requests: int = 0
    write_calls: int = 0
    batches: int = 0
    retries: int = 0
    list_pages: int = 0
    #: tacal's events left alone because they are outside ``scope``
    outside: int = 0
    scope: Scope | None = None
    send_updates: str = "none"
    #: how the plan's header names the target (empty: "Google Calendar CALENDAR_ID") and
    #: where hand edits happen, for other sinks (CalDAV) shown the same way
    target: str = ""
    where: str = "in Google"
    #: how the calendar was chosen, for the header ("series organized by ..."); "" as before
    mode: str = ""

    def counts(self) -> dict[str, int]:
        """created/updated/restored/deleted/unchanged/skipped (edited in Google)/gone
        (deleted in Google)/failed/conflicts; in a dry run, what would happen."""
        ok = ("planned",) if self.dry_run else ("done",)
        c = dict.fromkeys(
            (
                "created",
                "updated",
                "restored",
                "deleted",
                "unchanged",
                "skipped",
                "gone",
                "failed",
                "conflicts",
            ),
            0,
        )
        names = {
            CREATE: "created",
            UPDATE: "updated",
            RESTORE: "restored",
            DELETE: "deleted",
            UNCHANGED: "unchanged",
        }
        for line in self.lines:
            if line.action == SKIPPED:
                c["skipped"] += 1
            elif line.action == GONE or line.status == "gone":
                c["gone"] += 1
            elif line.status == "failed":
                c["failed"] += 1
            elif line.status == "conflict":
                c["conflicts"] += 1
            elif line.status in ok or line.action == UNCHANGED:
                c[names[line.action]] += 1
        return c

    @property
    def ok(self) -> bool:
        return not any(line.status == "failed" for line in self.lines)

    def summary(self) -> dict[str, int]:
        out = self.counts()
        out.update(http_requests=self.http_requests, write_calls=self.write_calls)
        return out


class SyncIncomplete(SyncError):
    """Some writes failed for good after retries; ``report`` says which."""

    def __init__(self, message: str, report: SyncReport, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


def _lines_for(p: Plan, dry_run: bool) -> list[SeriesLine]:
    out = []
    for a in p.actions:
        status = "planned" if dry_run else "done"
        if a.kind == SKIPPED:
            status = "skipped"
        elif a.kind == GONE:
            status = "gone"
        elif a.kind == UNCHANGED:
            status = "done"
        out.append(
            SeriesLine(
                a.kind,
                a.uid,
                a.summary,
                a.event_id,
                list(a.attendees),
                overrides=len(a.instance_writes),
                status=status,
                detail=a.reason,
                cadence=a.cadence,
                change=a.change,
                emails=list(a.emails),
            )
        )
    return out
