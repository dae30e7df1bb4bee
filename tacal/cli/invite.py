"""`tacal invite`: the command line around :mod:`tacal.invite` (which decides and sends, and
never prints).

Nothing is e-mailed without the user seeing the plan's counts first: a real run asks at a
terminal, or needs ``--yes`` (cron, CI); customers (attendees outside the team) get nothing
without ``--send-external``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from tacal.cli.context import console, filter_options, plain, scoped_series
from tacal.cli.plan import show_moves
from tacal.config import lock as lock_file
from tacal.errors import InviteError
from tacal.invite.log import LogState, SendLog, default_path
from tacal.invite.plan import KINDS, Plan, Scope
from tacal.invite.run import Report, plan_invites, send_plan
from tacal.invite.smtp import DEFAULT_PORTS, Sender, Server
from tacal.model import Config

ENV_PASSWORD = "TACAL_SMTP_PASSWORD"


def log_path(config: Config) -> Path:
    """``[invite] state``, else ``NAME.invites.sqlite`` beside the lock."""
    if config.invite.state:
        return Path(config.invite.state)
    return default_path(lock_file.lock_path(config))


def _server(config: Config) -> Server:
    s = config.invite
    if not s.smtp_host:
        raise InviteError(
            "no SMTP server: [invite] smtp_host is not set",
            hint='add [invite] with smtp_host = "smtp.company.example" (and smtp_port, '
            "security, username) to the config",
        )
    return Server(
        host=s.smtp_host,
        port=s.smtp_port or DEFAULT_PORTS[s.security],
        security=s.security,
        username=s.username,
        password=os.environ.get(ENV_PASSWORD) or None,
    )


def plan_lines(plan: Plan, *, heading: str, verbose: bool) -> list[str]:
    """The plan: counts per message kind and kind of person, then (``-v``) each message."""
    n = len(plan.send)
    people = {m.recipient.email.lower(): m.external for m in plan.send}
    outside = sum(people.values())
    lines = [
        heading,
        f"{n} message{'s' if n != 1 else ''} for {plan.series} series to {len(people)} "
        f"{'person' if len(people) == 1 else 'people'} ({len(people) - outside} internal, "
        f"{outside} external)",
    ]
    lines.append(f"{'':<10}{'internal':>10}{'external':>10}")
    for kind in KINDS:
        lines.append(f"{kind:<10}{plan.count(kind, False):>10}{plan.count(kind, True):>10}")
    lines.append(f"{'unchanged':<10}{plan.unchanged[False]:>10}{plan.unchanged[True]:>10}")
    if plan.held:
        h = len(plan.held)
        customers = {m.recipient.email.lower() for m in plan.held}
        lines.append(
            f"held back: {h} message{'s' if h != 1 else ''} to {len(customers)} "
            f"customer{'s' if len(customers) != 1 else ''} (external); "
            "--send-external sends them"
        )
    if verbose:
        for m in [*plan.send, *plan.held]:
            flag = "*" if m.external else " "
            held = "  (held back)" if m in plan.held else ""
            lines.append(
                f"{m.kind:<7} {m.recipient.email}{flag}  {m.summary}  SEQUENCE {m.sequence}{held}"
            )
        if any(m.external for m in [*plan.send, *plan.held]):
            lines.append("* outside the team (customers)")
    return lines


def _result_lines(report: Report) -> list[str]:
    n = len(report.sent)
    line = f"sent {n} message{'s' if n != 1 else ''}"
    if report.retries:
        line += f"; {report.retries} retr{'ies' if report.retries != 1 else 'y'}"
    lines = [line]
    for m, why in report.refused:
        lines.append(f"refused {m.recipient.email}  {m.summary}: {why}")
    return lines


def _at_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _confirm(plan: Plan, *, yes: bool) -> None:
    """Before any e-mail: ask at a terminal, go on with --yes, else stop (exit 2)."""
    if yes:
        return
    n = len(plan.send)
    external = sum(1 for m in plan.send if m.external)
    what = f"{n} e-mail{'s' if n != 1 else ''} would be sent"
    if external:
        what += f", {external} to customers (external)"
    if _at_terminal():
        if click.confirm(f"{what}. Send?", default=False, err=True):
            return
        raise InviteError("nothing was sent")
    raise InviteError(
        f"{what}; nothing was sent: not at a terminal to confirm",
        hint="check the plan above, then run again with --yes to send",
    )


@click.command("invite")
@click.option("--dry-run", is_flag=True, help="Print the plan; send nothing.")
@click.option(
    "--send-external",
    is_flag=True,
    help="Also e-mail attendees outside the team (customers).",
)
@click.option("--yes", "-y", is_flag=True, help="Send without asking.")
@click.option("-v", "--verbose", is_flag=True, help="List every message.")
@filter_options
@click.pass_obj
def invite_command(
    obj: Any,
    dry_run: bool,
    send_external: bool,
    yes: bool,
    verbose: bool,
    for_email: str | None,
    account: str | None,
) -> None:
    """E-mail invitations (iMIP: REQUEST, CANCEL) for the series `tacal build` produces.

    Each attendee gets the series from its organizer once; a changed series an update, a
    removed series or attendee a cancellation. What was sent is kept in a send log, so
    re-running sends only what changed.
    """
    scoped = scoped_series(obj, for_email, account)
    config = scoped.config
    server = None if dry_run else _server(config)
    path = log_path(config)
    if dry_run and not obj.quiet:  # nothing moves without the user seeing it first
        show_moves(
            config,
            scoped.series,
            obj.today,
            stderr=True,
            stamps=scoped.stamps,
            for_email=scoped.email,
            account=account,
        )
    elif not dry_run:
        obj.remember(config, scoped.series, scoped.stamps)
    # a dry run creates no log: without one, everything is new
    log = None if dry_run and not path.exists() else SendLog(path)
    try:
        plan = plan_invites(
            config,
            scoped.chosen,
            all_series=scoped.series,
            stamps=scoped.stamps,
            state=log.state() if log is not None else LogState({}, {}),
            send_external=send_external,
            scope=Scope(account=account, email=scoped.email),
        )
        heading = (
            "Invitations: dry run"
            if server is None
            else f"Invitations via {server.host}:{server.port} ({server.security})"
        )
        out = console()
        if not obj.quiet or dry_run:
            for line in plan_lines(plan, heading=heading, verbose=verbose):
                out.print(plain(line), soft_wrap=True)
        if server is None or log is None:
            return
        if not plan.send:
            out.print("nothing to send")
            return
        _confirm(plan, yes=yes)
        report = _send(obj, config, plan, scoped.stamps, log, server)
    finally:
        if log is not None:
            log.close()
    for line in _result_lines(report):
        out.print(plain(line), soft_wrap=True)
    if report.refused:
        r = len(report.refused)
        raise InviteError(
            f"the server refused {r} message{'s' if r != 1 else ''} (see above)",
            hint="fix those addresses in the config; the next run sends what is missing",
        )


def _send(
    obj: Any, config: Config, plan: Plan, stamps: Any, log: SendLog, server: Server
) -> Report:
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console(stderr=True),
        transient=True,
        disable=obj.quiet,
    )
    task = bar.add_task("sending", total=len(plan.send))
    with bar, Sender(server, max_per_minute=config.invite.max_per_minute) as sender:
        return send_plan(
            config,
            plan,
            stamps=stamps,
            log=log,
            sender=sender,
            now=lambda: obj.now,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


__all__ = ["invite_command"]
