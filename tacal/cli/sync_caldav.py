"""`tacal sync --caldav URL` (or ``[sync] target = "caldav"``): the command line around
:mod:`tacal.davsink`, which decides and never prints.

The plan is shown exactly like the Google one (:mod:`tacal.cli.sync_view`): the run is
turned into the same :class:`~tacal.gcal.report.SyncReport`, with the first occurrence
that moves, the fields and the guests of each write worked out from the old and new
iCalendar objects by the same functions the Google sync uses. The password comes only
from ``$TACAL_CALDAV_PASSWORD``: never from the config (it is committed) nor from a flag
(it would land in the shell history and the process list).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import click
from icalendar import Calendar

from tacal import config as config_mod
from tacal.cli.context import console, plain
from tacal.config.settings import PASSWORD_ENV
from tacal.errors import SyncError
from tacal.gcal.changes import Change, describe_create, describe_update, guest_emails
from tacal.gcal.report import SeriesLine, SyncReport
from tacal.sinks.contract import (
    CREATE,
    DELETE,
    FOREIGN,
    GONE,
    RESTORE,
    SKIPPED,
    UNCHANGED,
    UPDATE,
    Pick,
    Scope,
)

__all__ = ["sync_to_caldav"]


def sync_to_caldav(
    config: config_mod.Config,
    cal: Calendar,
    *,
    url: str,
    username: str | None,
    dry_run: bool,
    overwrite: tuple[str, ...],
    allow_deletes: bool,
    delete_threshold: float,
    scope: Scope | None,
    now: dt.datetime,
    today: dt.date,
    fmt: str,
    verbose: bool,
    quiet: bool,
    google_only: dict[str, Any],
) -> None:
    """Plan and (unless ``dry_run``) apply, then print the plan; exit 2 (SyncError) when
    writes failed, after showing which."""
    from tacal.davsink.client import Connection
    from tacal.davsink.sync import sync

    for flag, value in google_only.items():
        if value:
            raise SyncError(
                f"{flag} applies to Google Calendar only, not to a CalDAV sync",
                hint="drop it, or sync to Google without --caldav / [sync] target",
            )
    password = os.environ.get(PASSWORD_ENV) or None
    if username and not password:
        raise SyncError(
            f"no password for the CalDAV user {username!r}",
            hint=f"set ${PASSWORD_ENV} (for iCloud and Fastmail an app-specific password)",
        )
    if password and not username:
        raise SyncError(
            f"${PASSWORD_ENV} is set but no CalDAV user name is",
            hint="set [sync] username in the config, or pass --caldav-user",
        )
    connection = Connection(url, username=username, password=password)
    try:
        run = sync(
            cal,
            connection,
            dry_run=dry_run,
            overwrite=Pick.of(overwrite),
            allow_deletes=allow_deletes,
            delete_threshold=delete_threshold,
            scope=scope,
        )
    finally:
        connection.close()
    report = to_report(run, scope=scope, now=now)
    _show(report, config, today, fmt=fmt, verbose=verbose, quiet=quiet)
    failed = [line for line in report.lines if line.status == "failed"]
    if failed:
        names = ", ".join(line.summary or line.uid for line in failed[:5])
        raise SyncError(
            f"{len(failed)} series could not be written to the CalDAV calendar: {names}",
            hint="run `tacal sync` again: it only redoes what is missing",
        )


def _bodies(data: str | bytes) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The Google form of one object (master body and occurrence exceptions), only to
    describe what a write changes; None when it cannot be read that way."""
    from tacal.gcal.codec import _original_start
    from tacal.gcal.desired import desired_series

    try:
        series = desired_series(Calendar.from_ical(data))
    except (SyncError, ValueError, KeyError, IndexError, TypeError):
        return None
    if len(series) != 1:
        return None
    ds = series[0]
    overrides: dict[str, Any] = {}
    for key, body in ds.overrides.items():
        if body is None:
            overrides[key] = {
                "originalStartTime": _original_start(ds.body, key),
                "status": "cancelled",
            }
        else:
            overrides[key] = body
    return ds.body, overrides


def _change(
    kind: str, old: str | None, new: bytes | None, since: dt.datetime
) -> tuple[Change | None, list[str]]:
    after = _bodies(new) if new is not None else None
    before = _bodies(old) if old is not None else None
    if kind in (CREATE, RESTORE) and after is not None:
        body, exc = after
        wanted = {k: (None if v.get("status") == "cancelled" else v) for k, v in exc.items()}
        return describe_create(body, wanted, since), guest_emails(body)
    if kind == UPDATE and after is not None and before is not None:
        body, exc = after
        wanted = {k: (None if v.get("status") == "cancelled" else v) for k, v in exc.items()}
        old_body, old_exc = before
        change = describe_update(old_body, list(old_exc.values()), body, wanted, since)
        return change, guest_emails(body)
    if kind == DELETE:
        return Change(), guest_emails(before[0]) if before is not None else []
    if kind in (CREATE, RESTORE, UPDATE):
        return Change(), []
    return None, []


def to_report(run: Any, *, scope: Scope | None, now: dt.datetime) -> SyncReport:
    """The run as the Google sync reports it, so both print alike."""
    url = run.sink.connection.url
    report = SyncReport(
        url,
        dry_run=run.dry_run,
        http_requests=run.sink.requests,
        write_calls=run.sink.writes,
        list_pages=1,
        outside=run.plan.outside,
        scope=scope,
        target=f"CalDAV {url}",
        where="on the server",
    )
    outcomes = {o.uid: o for o in run.outcomes}
    for a in run.plan.actions:
        resource = run.sink.resources.get(a.uid)
        old = run.sink.listed.get(a.uid)
        change, emails = _change(a.kind, old, resource.data if resource else None, now)
        status, detail = "planned" if run.dry_run else "done", a.reason
        if a.kind == SKIPPED:
            status = "foreign" if a.held is not None and a.held.state == FOREIGN else "skipped"
        elif a.kind == GONE:
            status = "gone"
        elif a.kind == UNCHANGED:
            status = "done"
        elif a.uid in outcomes:
            status = outcomes[a.uid].status
            detail = outcomes[a.uid].detail or detail
        report.lines.append(
            SeriesLine(
                a.kind,
                a.uid,
                a.summary,
                a.held.key if a.held is not None else (resource.name if resource else ""),
                [],
                status=status,
                detail=detail,
                cadence=a.cadence,
                change=change,
                emails=emails,
            )
        )
    return report


def _show(
    report: SyncReport,
    config: config_mod.Config,
    today: dt.date,
    *,
    fmt: str,
    verbose: bool,
    quiet: bool,
) -> None:
    from tacal.cli.sync_view import render_json, render_text

    internal = {p.email.lower() for p in config.people.values()}
    zone = config.team.timezone
    if fmt == "json":
        data = render_json(report, internal=internal, zone=zone)
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    out = console()
    for line in render_text(
        report, internal=internal, zone=zone, today=today, verbose=verbose, brief=quiet
    ):
        out.print(plain(line), soft_wrap=True)
