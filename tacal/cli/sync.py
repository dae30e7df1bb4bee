"""`tacal sync`: the command line around :mod:`tacal.gcal` (which decides, and never prints).

Settings come from flags, then the config's ``[sync]`` table, then safe defaults: no e-mails
(``send_updates = "none"``), batches of 50, deletes above 20% of tacal's events refused.
E-mailing guests outside ``[people]`` (customers) needs a "yes" at a terminal, or ``--yes``.
The plan is shown by :mod:`tacal.cli.sync_view`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from tacal import config as config_mod
from tacal.cli.context import console, filter_options, plain, scoped_series
from tacal.cli.plan import show_moves
from tacal.config.values import closest
from tacal.errors import SyncError
from tacal.ical.calendar import calendar_for
from tacal.model import SEND_UPDATES


def _setting(config: config_mod.Config, key: str, flag: Any, default: Any) -> Any:
    """The flag, else the config's ``[sync]`` value, else ``default``."""
    if flag is not None:
        return flag
    value = getattr(config.sync, key)
    return default if value is None else value


@click.command("sync")
@click.option(
    "--calendar",
    metavar="ID",
    help="Put every series into this one Google calendar [team.calendar; with a personal "
    "sign-in: the series you organize, into your own].",
)
@click.option("--dry-run", is_flag=True, help="Print the plan; send no write.")
@click.option(
    "--send-updates",
    type=click.Choice(SEND_UPDATES),
    default=None,
    help="Who Google e-mails about changes [none].",
)
@click.option(
    "--overwrite",
    metavar="SERIES",
    multiple=True,
    help="Replace these series edited in Google: cadence ids or UIDs (repeat, or "
    "separate with commas), or 'all'.",
)
@click.option(
    "--restore",
    metavar="SERIES",
    multiple=True,
    help="Re-create these series deleted in Google (same forms as --overwrite).",
)
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Send without asking even when guests outside [people] would be e-mailed.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    help="How to show the plan [text].",
)
@click.option("-v", "--verbose", is_flag=True, help="List unchanged series too.")
@click.option(
    "--allow-deletes",
    is_flag=True,
    help="Allow deleting more than the threshold of tacal's events.",
)
@click.option(
    "--batch-size", type=click.IntRange(1, 1000), default=None, help="Calls per batch request [50]."
)
@click.option(
    "--credentials",
    metavar="PATH",
    help="OAuth desktop client secrets or service-account key [~/.config/tacal/credentials.json].",
)
@click.option(
    "--as",
    "as_user",
    metavar="EMAIL",
    help="With a service-account key: the user to act as (domain-wide delegation); with "
    "a personal sign-in: who you are (the series you organize are synced).",
)
@click.option(
    "--caldav",
    metavar="URL",
    help="Sync to this CalDAV calendar (its collection URL) instead of Google "
    '[sync] caldav_url with target = "caldav"; password from $TACAL_CALDAV_PASSWORD.',
)
@click.option("--caldav-user", metavar="NAME", help="CalDAV user name [[sync] username].")
@filter_options
@click.pass_obj
def sync_command(
    obj: Any,
    calendar: str | None,
    dry_run: bool,
    send_updates: str | None,
    overwrite: tuple[str, ...],
    restore: tuple[str, ...],
    yes: bool,
    fmt: str,
    verbose: bool,
    allow_deletes: bool,
    batch_size: int | None,
    credentials: str | None,
    as_user: str | None,
    caldav: str | None,
    caldav_user: str | None,
    for_email: str | None,
    account: str | None,
) -> None:
    """Make a Google Calendar (or, with --caldav, a CalDAV calendar) hold exactly the
    series `tacal build` produces.

    Only events tacal created are touched; re-running is always safe. With --for or
    --account, only the series in that scope are created, updated or deleted.
    """
    from tacal.gcal.auth import EMULATOR, OAUTH, build_service, credentials_kind
    from tacal.gcal.calendars import DELEGATE, ONE, choose_route, organized_by
    from tacal.gcal.multi import CalendarsIncomplete, delegation_targets, sync_calendars
    from tacal.gcal.report import SyncIncomplete
    from tacal.gcal.sync import sync
    from tacal.sinks.contract import Pick, Scope

    scoped = scoped_series(obj, for_email, account)
    config, series, stamps, email = scoped.config, scoped.series, scoped.stamps, scoped.email
    scope = None
    if email is not None or account is not None:
        scope = Scope(account=account, email=email, known=frozenset(s.uid for s in series))
    cal = calendar_for(
        config,
        today=obj.today,
        now=obj.now,
        stamps=stamps,
        for_email=email,
        account=account,
        series=series,
    )
    caldav_url = caldav or (config.sync.caldav_url if config.sync.target == "caldav" else None)
    creds = _setting(config, "credentials", credentials, None)
    user = _setting(config, "as_user", as_user, None)
    kind = ""
    route = None
    targets = None
    if caldav_url is None:
        kind = credentials_kind(creds)
        asked = calendar or config.sync.calendar
        if asked is None and config.team.calendar != "primary":
            asked = config.team.calendar
        route = choose_route(delegate=config.sync.delegate, kind=kind, calendar=asked, as_user=user)
        if route.who is not None:
            cal = organized_by(cal, route.who)
        if route.mode == DELEGATE:  # before the lock is written: a series may have no organizer
            people = [p.email for p in config.people.values()]
            targets = delegation_targets(cal, series, people)
    if not dry_run:
        obj.remember(config, series, stamps)
    elif not obj.quiet:  # nothing moves without the user seeing it first
        show_moves(
            config,
            series,
            obj.today,
            stderr=True,
            stamps=stamps,
            for_email=email,
            account=account,
        )
    if route is None:  # a CalDAV target: no Google route was chosen
        from tacal.cli.sync_caldav import sync_to_caldav

        sync_to_caldav(
            config,
            cal,
            url=caldav_url or "",
            username=caldav_user or config.sync.username,
            dry_run=dry_run,
            overwrite=overwrite,
            allow_deletes=allow_deletes,
            delete_threshold=float(_setting(config, "delete_threshold", None, 0.2)),
            scope=scope,
            now=obj.now,
            today=obj.today,
            fmt=fmt,
            verbose=verbose,
            quiet=obj.quiet,
            google_only={
                "--calendar": calendar,
                "--send-updates": send_updates,
                "--batch-size": batch_size,
                "--credentials": credentials,
                "--as": as_user,
                "--restore": restore,
                "--yes": yes,
            },
        )
        return
    out = console()
    err = console(stderr=True)
    if (
        account is not None
        and not obj.quiet
        and not any(a.name.casefold() == account.casefold() for a in config.accounts)
    ):
        names = {a.name.casefold(): a.name for a in config.accounts}
        hint = closest(account.casefold(), set(names))
        meant = f" (did you mean {names[hint]!r}?)" if hint else ""
        err.print(
            plain(
                f"tacal: account {account!r} is not in the config{meant}; only "
                "tacal's events in Google tagged with it are considered"
            ),
            style="yellow",
        )
    sends = _setting(config, "send_updates", send_updates, "none")
    show = _Show(out, config, obj.today, fmt=fmt, verbose=verbose, quiet=obj.quiet)
    # one calendar is how a service account always synced; for a person it is a choice
    personal = kind == OAUTH or (kind == EMULATOR and user is not None)
    show.mode = route.describe() if route.mode != ONE or personal else ""
    # started at the first write, so that a confirmation question is not drawn over
    bar = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=True,
        disable=obj.quiet or dry_run,
    )
    task = bar.add_task("syncing", total=None)

    def progress(done: int, total: int) -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total)

    common: dict[str, Any] = dict(
        dry_run=dry_run,
        send_updates=sends,
        overwrite=Pick.of(overwrite),
        restore=Pick.of(restore),
        allow_deletes=allow_deletes,
        batch_size=_setting(config, "batch_size", batch_size, 50),
        delete_threshold=float(_setting(config, "delete_threshold", None, 0.2)),
        progress=progress,
        scope=scope,
        now=obj.now,
        confirm=lambda planned: _confirm_emails(planned, show, yes=yes),
    )
    token = _setting(config, "token", None, None)
    if targets is not None:

        def connect(subject: str | None) -> Any:
            return build_service(creds, subject, token, interactive=False)

        try:
            many = sync_calendars(targets, connect=connect, mode=route.describe(), **common)
        except CalendarsIncomplete as exc:
            _stop(bar)
            show(exc.report)
            raise
        finally:
            _stop(bar)
        show(many)
        return
    # the browser sign-in needs someone at a terminal: from cron it would wait forever
    # (a personal sign-in is who it is: --as only says who that is)
    bundle = build_service(
        creds, None if kind == OAUTH else user, token, interactive=sys.stdin.isatty()
    )
    try:
        report = sync(
            cal,
            service_bundle=bundle,
            calendar_id=route.calendar_id or "",
            owner=route.who,
            **common,
        )
    except SyncIncomplete as exc:
        _stop(bar)
        show(exc.report)
        raise
    finally:
        _stop(bar)
        bundle.close()
    show(report)


def _stop(bar: Progress) -> None:
    if bar.live.is_started:
        bar.stop()


class _Show:
    """Prints a report: the text plan (80 columns), or JSON with ``--format json``."""

    def __init__(
        self,
        out: Console,
        config: config_mod.Config,
        today: Any,
        *,
        fmt: str,
        verbose: bool,
        quiet: bool,
    ) -> None:
        self.out = out
        self.internal = {p.email.lower() for p in config.people.values()}
        self.zone = config.team.timezone
        self.today = today
        self.fmt = fmt
        self.verbose = verbose
        self.quiet = quiet
        #: how the calendar was chosen (personal sign-in ...), for a one-calendar header
        self.mode = ""

    def lines(self, report: Any, heading: str | None = None) -> list[str]:
        from tacal.cli.sync_calendars import render_calendars_text
        from tacal.cli.sync_view import render_text
        from tacal.gcal.multi import CalendarsReport

        render = render_calendars_text if isinstance(report, CalendarsReport) else render_text
        if not isinstance(report, CalendarsReport):
            report.mode = report.mode or self.mode
        return render(
            report,
            internal=self.internal,
            zone=self.zone,
            today=self.today,
            verbose=self.verbose,
            heading=heading,
            brief=self.quiet,
        )

    def __call__(self, report: Any, heading: str | None = None) -> None:
        from tacal.cli.sync_calendars import render_calendars_json
        from tacal.cli.sync_view import render_json
        from tacal.gcal.multi import CalendarsReport

        if self.fmt == "json":
            if isinstance(report, CalendarsReport):
                data = render_calendars_json(report, internal=self.internal, zone=self.zone)
            else:
                report.mode = report.mode or self.mode
                data = render_json(report, internal=self.internal, zone=self.zone)
            click.echo(json.dumps(data, indent=2, ensure_ascii=False))
            return
        for line in self.lines(report, heading):
            self.out.print(plain(line), soft_wrap=True)


def _at_terminal() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _ask(question: str) -> bool:
    return click.confirm(question, default=False, err=True)


def _confirm_emails(report: Any, show: _Show, *, yes: bool) -> None:
    """Before any write: guests outside [people] would be e-mailed? Ask at a terminal,
    go on with --yes, else stop (exit 2) and send nothing."""
    from tacal.cli.sync_view import external_emailed

    guests = external_emailed(report, show.internal)
    if not guests or yes:
        return
    n = len(guests)
    what = (
        f"{n} external guest{'s' if n != 1 else ''} (customer{'s' if n != 1 else ''}) "
        "would be e-mailed "
        f"(--send-updates {report.send_updates})"
    )
    if _at_terminal():
        show(report, heading="plan")
        if _ask(f"{what}. Send?"):
            return
        raise SyncError(
            "nothing was sent", hint="run with --send-updates none to sync without e-mails"
        )
    show(report, heading="plan")
    raise SyncError(
        f"{what}; nothing was sent: not at a terminal to confirm",
        hint="check the plan above, then run again with --yes to send the "
        "e-mails, or with --send-updates none to sync without them",
    )


__all__ = ["sync_command"]
