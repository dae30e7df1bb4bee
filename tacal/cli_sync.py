"""`tacal sync`: the command line around tacal.gsync (which decides, and never prints).

Settings come from flags, then the config's ``[sync]`` table, then safe defaults: no e-mails
(``send_updates = "none"``), batches of 50, deletes above 20% of tacal's events refused.
"""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from . import config as config_mod
from .build import calendar_for
from .cli import filter_options

SYNC_KEYS = {"calendar", "send_updates", "batch_size", "credentials", "as_user", "token",
             "delete_threshold"}
SEND_UPDATES = ("none", "all", "externalOnly")


def _check_sync_table(config: config_mod.Config, checker: Any, raw: dict[str, Any]) -> None:
    """Validate ``[sync]`` with located errors, like every other table."""
    table = raw.get("sync")
    if table is None:
        return
    if not isinstance(table, dict):
        checker.error(("sync",), "must be a table: [sync]")
        return
    checker.unknown_keys(("sync",), table, SYNC_KEYS)
    for key in ("calendar", "credentials", "as_user", "token"):
        if key in table and not isinstance(table[key], str):
            checker.error(("sync", key), f"must be a string, not {table[key]!r}")
    if "send_updates" in table and table["send_updates"] not in SEND_UPDATES:
        checker.error(("sync", "send_updates"),
                      f"{table['send_updates']!r}: use one of {' | '.join(SEND_UPDATES)}")
    size = table.get("batch_size", 50)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 1000:
        checker.error(("sync", "batch_size"), f"{size!r}: use a whole number from 1 to 1000")
    threshold = table.get("delete_threshold", 0.2)
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or not (
        0 <= threshold <= 1
    ):
        checker.error(("sync", "delete_threshold"), f"{threshold!r}: use a fraction from 0 to 1")


config_mod.EXTENSIONS.append(_check_sync_table)


def _setting(config: config_mod.Config, key: str, flag: Any, default: Any) -> Any:
    if flag is not None:
        return flag
    table = config.extra.get("sync")
    if isinstance(table, dict) and key in table:
        value = table[key]
        if key in ("credentials", "token") and config.path is not None:
            return str((config.path.parent / str(value)).expanduser())
        return value
    return default


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
    from . import gsync
    from .gauth import build_service

    config = obj.config()
    cal = calendar_for(config, today=obj.today, now=obj.now, for_email=for_email,
                       account=account)
    calendar_id = _setting(config, "calendar", calendar, config.team.calendar)
    creds = _setting(config, "credentials", credentials, None)
    bundle = build_service(creds, _setting(config, "as_user", as_user, None),
                           _setting(config, "token", None, None))
    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    try:
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), console=err, transient=True,
                      disable=obj.quiet or dry_run) as bar:
            task = bar.add_task("syncing", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = gsync.sync(
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
    except gsync.SyncIncomplete as exc:
        _print_report(out, exc.report, obj.quiet)
        raise
    finally:
        bundle.close()
    _print_report(out, report, obj.quiet)


def _print_report(out: Console, report: Any, quiet: bool) -> None:
    if not quiet:
        verb = "would" if report.dry_run else "did"
        table = Table(title=f"Google Calendar {report.calendar_id}: what tacal {verb} do",
                      title_justify="left")
        for col in ("action", "series", "status", "invites"):
            table.add_column(col, overflow="fold")
        for line in report.lines:
            if line.action == "unchanged":
                continue
            table.add_row(line.action, line.summary or line.uid, line.status,
                          ", ".join(line.attendees) if line.action in ("create", "update",
                                                                       "restore") else "")
        if table.row_count:
            out.print(table)
    counts = report.counts()
    planned = {"created": "to create", "updated": "to update", "deleted": "to delete"}
    summary = ", ".join(f"{v} {planned.get(k, k) if report.dry_run else k}"
                        for k, v in counts.items() if v)
    out.print(f"{'dry run: ' if report.dry_run else ''}{summary or 'nothing to do'}; "
              f"{report.http_requests} HTTP requests ({report.write_calls} writes)")


def register(cli: click.Group) -> None:
    cli.add_command(sync_command)


__all__ = ["register", "sync_command"]
