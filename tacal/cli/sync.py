"""`tacal sync`: the command line around :mod:`tacal.gcal` (which decides, and never prints).

Settings come from flags, then the config's ``[sync]`` table, then safe defaults: no e-mails
(``send_updates = "none"``), batches of 50, deletes above 20% of tacal's events refused.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from tacal import config as config_mod
from tacal.cli.context import console, filter_options, for_whom, plain
from tacal.cli.plan import show_moves
from tacal.ical.calendar import calendar_for, stamps_for
from tacal.model import SEND_UPDATES
from tacal.series import build_series


def _setting(config: config_mod.Config, key: str, flag: Any, default: Any) -> Any:
    """The flag, else the config's ``[sync]`` value, else ``default``."""
    if flag is not None:
        return flag
    value = getattr(config.sync, key)
    return default if value is None else value


@click.command("sync")
@click.option("--calendar", metavar="ID", help="Google calendar id [team.calendar or primary].")
@click.option("--dry-run", is_flag=True, help="Print the plan; send no write.")
@click.option("--send-updates", type=click.Choice(SEND_UPDATES), default=None,
              help="Who Google e-mails about changes [none].")
@click.option("--overwrite", is_flag=True, help="Replace series someone edited in Google.")
@click.option("--allow-deletes", is_flag=True,
              help="Allow deleting more than the threshold of tacal's events.")
@click.option("--batch-size", type=click.IntRange(1, 1000), default=None,
              help="Calls per batch request [50].")
@click.option("--credentials", metavar="PATH",
              help="OAuth desktop client secrets or service-account key "
                   "[~/.config/tacal/credentials.json].")
@click.option("--as", "as_user", metavar="EMAIL",
              help="With a service-account key: the user to act as (domain-wide delegation).")
@filter_options
@click.pass_obj
def sync_command(obj: Any, calendar: str | None, dry_run: bool, send_updates: str | None,
                 overwrite: bool, allow_deletes: bool, batch_size: int | None,
                 credentials: str | None, as_user: str | None, for_email: str | None,
                 account: str | None) -> None:
    """Make a Google Calendar hold exactly the series `tacal build` produces.

    Only events tacal created are touched; re-running is always safe.
    """
    from tacal.gcal.auth import build_service
    from tacal.gcal.report import SyncIncomplete
    from tacal.gcal.sync import sync

    config = obj.config()
    series, who = for_whom(config, obj.today, for_email)
    if series is None:
        series = build_series(config, obj.today)
    stamps = stamps_for(config, series, obj.now)
    cal = calendar_for(config, today=obj.today, now=obj.now, stamps=stamps,
                       for_email=who.email if who else None, account=account, series=series)
    if not dry_run:
        obj.remember(config, series, stamps)
    elif not obj.quiet:  # nothing moves without the user seeing it first
        show_moves(config, series, obj.today, stderr=False, stamps=stamps,
                   for_email=who.email if who else None, account=account)
    calendar_id = _setting(config, "calendar", calendar, config.team.calendar)
    creds = _setting(config, "credentials", credentials, None)
    # the browser sign-in needs someone at a terminal: from cron it would wait forever
    bundle = build_service(creds, _setting(config, "as_user", as_user, None),
                           _setting(config, "token", None, None),
                           interactive=sys.stdin.isatty())
    out = console()
    err = console(stderr=True)
    try:
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), console=err, transient=True,
                      disable=obj.quiet or dry_run) as bar:
            task = bar.add_task("syncing", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = sync(
                cal,
                service_bundle=bundle,
                calendar_id=calendar_id,
                dry_run=dry_run,
                send_updates=_setting(config, "send_updates", send_updates, "none"),
                overwrite=overwrite,
                allow_deletes=allow_deletes,
                batch_size=_setting(config, "batch_size", batch_size, 50),
                delete_threshold=float(_setting(config, "delete_threshold", None, 0.2)),
                progress=progress,
            )
    except SyncIncomplete as exc:
        _print_report(out, exc.report, obj.quiet)
        raise
    finally:
        bundle.close()
    _print_report(out, report, obj.quiet)


def _print_report(out: Console, report: Any, quiet: bool) -> None:
    if not quiet:
        verb = "would" if report.dry_run else "did"
        table = Table(title=plain(f"Google Calendar {report.calendar_id}: what tacal {verb} do"),
                      title_justify="left")
        for col in ("action", "series", "status", "invites"):
            table.add_column(col, overflow="fold")
        for line in report.lines:
            if line.action == "unchanged":
                continue
            table.add_row(line.action, plain(line.summary or line.uid), plain(line.status),
                          plain(", ".join(line.attendees)) if line.action in (
                              "create", "update", "restore") else "")
        if table.row_count:
            out.print(table)
    counts = report.counts()
    planned = {"created": "to create", "updated": "to update", "deleted": "to delete"}
    summary = ", ".join(f"{v} {planned.get(k, k) if report.dry_run else k}"
                        for k, v in counts.items() if v)
    out.print(f"{'dry run: ' if report.dry_run else ''}{summary or 'nothing to do'}; "
              f"{report.http_requests} HTTP requests ({report.write_calls} writes)")



__all__ = ["sync_command"]
