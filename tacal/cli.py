"""Command line: parses arguments, calls the pipeline, prints. No decisions live here.

Every user-facing failure is a :class:`~tacal.errors.TacalError`; :func:`main` is the one
handler that prints it and exits with its code (2), so no traceback reaches a user.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from . import __version__, clock
from . import config as config_mod
from .build import calendar_bytes
from .errors import ConfigError, TacalError
from .fiscal import parse_quarter
from .model import Config
from .output import read_if_exists, write_atomic

F = TypeVar("F", bound=Callable[..., Any])

err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class Context:
    config_path: str | None
    today_value: str | None
    quiet: bool
    _config: Config | None = None

    @property
    def today(self) -> dt.date:
        return clock.today(self.today_value)

    @property
    def now(self) -> dt.datetime:
        return clock.now(self.today_value)

    def config(self) -> Config:
        if self._config is None:
            path = config_mod.find_config(self.config_path)
            if path is None and not self.quiet:
                err.print("tacal: no tacal.toml here, using the built-in default "
                          "(run `tacal init` to get an editable copy)")
            self._config = config_mod.load(path)
            for w in config_mod.warnings(self._config):
                err.print(f"[yellow]{w}[/yellow]")
        return self._config


pass_ctx = click.make_pass_decorator(Context)


def filter_options(command: F) -> F:
    """``--for EMAIL`` and ``--account NAME``, the same on every command that builds."""
    command = click.option("--account", metavar="NAME",
                           help="Only this account's events.")(command)
    return click.option("--for", "for_email", metavar="EMAIL",
                        help="Only what this person attends.")(command)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", metavar="PATH", envvar=config_mod.ENV_CONFIG,
              help="Config file (default: ./tacal.toml, else $TACAL_CONFIG, else built-in).")
@click.option("--today", "today_value", metavar="YYYY-MM-DD", envvar=clock.ENV_TODAY,
              help="Pin 'today' for every command (also $TACAL_TODAY).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.version_option(__version__, prog_name="tacal")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, today_value: str | None,
        quiet: bool) -> None:
    """Turn a Technical Advisor team's meeting cadences into real calendars."""
    ctx.obj = Context(config_path, today_value, quiet)


@cli.command()
@click.option("-o", "--output", default="tacal.ics", show_default=True, metavar="PATH|-",
              help="Where to write the calendar; '-' for stdout.")
@filter_options
@pass_ctx
def build(obj: Context, output: str, for_email: str | None, account: str | None) -> None:
    """Write the calendar (.ics) with one recurring series per cadence."""
    config = obj.config()
    target = None if output == "-" else Path(output)
    previous = read_if_exists(target) if target else None
    data = calendar_bytes(config, today=obj.today, now=obj.now, previous=previous,
                          for_email=for_email, account=account)
    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    if previous == data:
        if not obj.quiet:
            err.print(f"{target}: unchanged")
        return
    write_atomic(target, data)
    if not obj.quiet:
        count = data.count(b"BEGIN:VEVENT")
        err.print(f"{target}: wrote {count} events ({len(data):,} bytes)")


def _window(obj: Context, config: Config, quarter: str | None, start: str | None,
             end: str | None) -> tuple[dt.date, dt.date, str]:
    team = config.team
    if start or end:
        if not (start and end):
            raise TacalError("--from and --to go together; give both, e.g. "
                             "--from 2027-02-01 --to 2027-05-01")
        try:
            lo, hi = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        except ValueError:
            raise TacalError("--from/--to must be dates like 2027-02-01") from None
        if hi <= lo:
            raise TacalError("--to must be after --from")
        return lo, hi, f"{lo} to {hi}"
    try:
        q = parse_quarter(quarter or "next", obj.today, team.fiscal_year_start,
                          team.fiscal_year_naming)
    except ValueError as exc:
        raise TacalError(f"--quarter: {exc}") from None
    return q.start, q.end, f"{q.label} ({q.start} to {q.end - dt.timedelta(days=1)})"


@cli.command()
@click.option("--quarter", metavar="next|current|FY2027-Q3", help="Fiscal quarter [next].")
@click.option("--from", "start", metavar="DATE", help="Start date (with --to).")
@click.option("--to", "end", metavar="DATE", help="End date, exclusive (with --from).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "ics"]), default="table",
              show_default=True)
@filter_options
@pass_ctx
def preview(obj: Context, quarter: str | None, start: str | None, end: str | None, fmt: str,
            for_email: str | None, account: str | None) -> None:
    """Show the meetings of the next fiscal quarter (or any window)."""
    from . import preview as pv
    from .account_series import gap_warnings
    from .series import build_series

    config = obj.config()
    lo, hi, label = _window(obj, config, quarter, start, end)
    series = build_series(config, obj.today)
    data = calendar_bytes(config, today=obj.today, now=obj.now, for_email=for_email,
                          account=account, series=series)
    if not obj.quiet:
        for w in gap_warnings(config, series, obj.today, (lo, hi), account):
            err.print(str(w), markup=False)
    if fmt == "ics":
        sys.stdout.buffer.write(data)
        return
    occurrences = pv.expand(data, lo, hi, config.team.timezone)
    if fmt == "json":
        click.echo(json.dumps([o.as_json() for o in occurrences], indent=2))
        return
    _print_table(config, occurrences, label)


def _print_table(config: Config, occurrences: list, label: str) -> None:  # type: ignore[type-arg]
    from . import preview as pv

    out = Console(highlight=False)
    out.print(f"[bold]{config.team.name}[/bold]: {label}, times in {config.team.timezone}")
    if not occurrences:
        out.print("No meetings in this window.")
        return
    for monday, items in pv.by_week(occurrences).items():
        hours = sum((o.end - o.start).total_seconds() for o in items) / 3600
        table = Table(title=f"Week of {monday:%a %Y-%m-%d}: {len(items)} meetings, "
                      f"{hours:.1f} h", title_justify="left", expand=False)
        table.add_column("When", no_wrap=True)
        table.add_column("Min", justify="right")
        table.add_column("Meeting")
        table.add_column("Attendees", overflow="fold")
        for o in items:
            minutes = int((o.end - o.start).total_seconds() // 60)
            table.add_row(f"{o.start:%a %m-%d %H:%M}", str(minutes), o.summary,
                          str(len(o.attendees)))
        out.print(table)
    clashes = pv.overlaps(occurrences)
    if clashes:
        err.print(f"[yellow]warning: {len(clashes)} overlapping meeting pair(s):[/yellow]")
        for a, b in clashes[:20]:
            err.print(f"  {a.start:%Y-%m-%d %H:%M} {a.summary} / {b.summary}")


@cli.command()
@pass_ctx
def validate(obj: Context) -> None:
    """Check the config and templates; exit 2 with one line per problem."""
    from .account_series import gap_warnings
    from .series import build_series

    config = obj.config()
    series = build_series(config, obj.today)
    if not obj.quiet:
        for w in gap_warnings(config, series, obj.today):
            err.print(str(w), markup=False)
        click.echo(f"{config.source}: OK ({len(config.cadences)} cadences, "
                   f"{len(series)} series, {len(config.accounts)} accounts)")


@cli.command()
@click.argument("account")
@click.option("--start", "start", required=True, metavar="YYYY-MM-DD",
              help="First day of onboarding (moved to the next workday if it is not one).")
@pass_ctx
def onboard(obj: Context, account: str, start: str) -> None:
    """Record ACCOUNT's onboarding start in tacal.toml (or the accounts CSV) and show the plan."""
    from .account_series import onboarding_plan
    from .onboard import record_onboarding
    from .series import build_series

    try:
        day = dt.date.fromisoformat(start)
    except ValueError:
        raise TacalError(f"--start: {start!r} is not a date; use YYYY-MM-DD") from None
    config = obj.config()
    done = record_onboarding(config, account, day)
    config = config_mod.load(config.path)
    name = next(a.name for a in config.accounts if a.name.casefold() == account.casefold())
    click.echo(f"{done.path}:{done.line}: {name}: onboarding_start = {day}")
    for line in onboarding_plan(config, build_series(config, obj.today), name):
        click.echo(f"  {line}")


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing tacal.toml and templates.")
@pass_ctx
def init(obj: Context, directory: Path, force: bool) -> None:
    """Write the built-in default as an editable tacal.toml plus its templates."""
    from .agenda import shipped_dir

    target = directory / config_mod.DEFAULT_NAME
    templates = sorted(shipped_dir().glob("*.j2"))
    existing = [p for p in [target, *[directory / "templates" / t.name for t in templates]]
                if p.exists()]
    if existing and not force:
        raise TacalError(f"{existing[0]}: already exists; nothing written",
                         hint="use --force to overwrite, or pick another directory")
    write_atomic(target, config_mod.default_config_text().encode("utf-8"))
    for t in templates:
        write_atomic(directory / "templates" / t.name, t.read_bytes())
    if not obj.quiet:
        err.print(f"wrote {target} and {len(templates)} templates in {directory / 'templates'}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: the single place errors become messages and exit codes."""
    try:
        cli.main(args=argv, prog_name="tacal", standalone_mode=False)
    except ConfigError as exc:
        for p in exc.problems:
            err.print(str(p), markup=False)
        sys.exit(exc.exit_code)
    except TacalError as exc:
        err.print(f"tacal: error: {exc}", markup=False)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err.print("Aborted.")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)

from .cli_feeds import register as _register_feeds; _register_feeds(cli)  # noqa: E402, E702, I001
from .cli_sync import register as _register_sync; _register_sync(cli)  # noqa: E402, E702, I001
