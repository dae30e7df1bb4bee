"""``preview``, ``validate``, ``onboard`` and ``init``: the calendar file commands.

``build`` lives in :mod:`tacal.cli.build`, which imports little so a cached build is quick.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from tacal import config as config_mod
from tacal.cli.busy_marks import Marks, busy_check, busy_marks, mark, with_busy
from tacal.cli.context import Context, console, err, filter_options, pass_ctx, plain
from tacal.cli.plan import show_moves
from tacal.config.values import valid_zone
from tacal.errors import Problem, TacalError
from tacal.ical.calendar import calendar_bytes, stamps_for
from tacal.model import Config
from tacal.output import write_atomic
from tacal.schedule.fiscal import parse_quarter
from tacal.series import build_series


def window_of(
    obj: Context, config: Config, quarter: str | None, start: str | None, end: str | None
) -> tuple[dt.date, dt.date, str]:
    """The window ``--quarter`` or ``--from``/``--to`` mean (``preview``, ``report``)."""
    team = config.team
    if start or end:
        if not (start and end):
            raise TacalError(
                "--from and --to go together; give both, e.g. --from 2027-02-01 --to 2027-05-01"
            )
        try:
            lo, hi = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        except ValueError:
            raise TacalError("--from/--to must be dates like 2027-02-01") from None
        if hi <= lo:
            raise TacalError("--to must be after --from")
        return lo, hi, f"{lo} to {hi}"
    try:
        q = parse_quarter(
            quarter or "next", obj.today, team.fiscal_year_start, team.fiscal_year_naming
        )
    except ValueError as exc:
        raise TacalError(f"--quarter: {exc}") from None
    return q.start, q.end, f"{q.label} ({q.start} to {q.end - dt.timedelta(days=1)})"


@click.command()
@click.option("--quarter", metavar="next|current|FY2027-Q3", help="Fiscal quarter [next].")
@click.option("--from", "start", metavar="DATE", help="Start date (with --to).")
@click.option("--to", "end", metavar="DATE", help="End date, exclusive (with --from).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "ics", "html"]),
    default="table",
    show_default=True,
)
@click.option(
    "-o",
    "--output",
    metavar="PATH|-",
    help="Write the json, ics or html output here instead of stdout.",
)
@click.option(
    "--tz",
    "zone",
    metavar="ZONE",
    help="Show times in this IANA zone [--for's person's zone, else the team's].",
)
@filter_options
@pass_ctx
def preview(
    obj: Context,
    quarter: str | None,
    start: str | None,
    end: str | None,
    fmt: str,
    output: str | None,
    zone: str | None,
    for_email: str | None,
    account: str | None,
) -> None:
    """Show the meetings of the next fiscal quarter (or any window)."""
    from tacal.ical import expand as pv
    from tacal.series.checks import gap_warnings
    from tacal.series.who import resolve_for

    if output is not None and fmt == "table":
        raise TacalError("-o/--output: use it with --format json, ics or html")
    config = obj.config()
    if zone is not None and not valid_zone(zone):
        raise TacalError(
            f"--tz {zone!r}: not an IANA time zone; use a name such as "
            '"Asia/Tokyo", "Europe/London" or "UTC"'
        )
    lo, hi, label = window_of(obj, config, quarter, start, end)
    series = build_series(config, obj.today)
    who = resolve_for(config, series, for_email) if for_email is not None else None
    stamps = stamps_for(config, series, obj.now)
    data = calendar_bytes(
        config,
        today=obj.today,
        now=obj.now,
        stamps=stamps,
        for_email=who.email if who else None,
        account=account,
        series=series,
    )
    if not obj.quiet:
        for w in gap_warnings(config, series, obj.today, (lo, hi), account):
            err.print(plain(w))
        show_moves(
            config,
            series,
            obj.today,
            stderr=True,
            stamps=stamps,
            for_email=who.email if who else None,
            account=account,
        )
    if fmt == "ics":
        _emit(data, output)
        return
    shown = zone or (who.zone(config) if who else config.team.timezone)
    times = f"times in {shown}"
    if zone is None and who is not None and who.person is not None:
        times += f" ({who.person.name}'s zone)"
    occurrences = pv.expand(data, lo, hi, shown)
    busy = busy_marks(config, series, obj.quiet)
    if fmt == "json":
        _emit(
            (
                json.dumps([with_busy(o.as_json(), o, busy) for o in occurrences], indent=2) + "\n"
            ).encode(),
            output,
        )
        return
    if fmt == "html":
        from tacal.views.pages import week_view

        person = who.person if who is not None else None
        page = week_view(
            config,
            series,
            occurrences,
            (lo, hi),
            title=f"{config.team.name}: {label}",
            subtitle=times,
            today=obj.today,
            people=[person] if person is not None else None if who is None else [],
        )
        _emit(page.encode("utf-8"), output)
        if output not in (None, "-") and not obj.quiet:
            err.print(plain(f"{output}: wrote the week view of {len(occurrences)} meetings"))
        return
    _print_table(config, occurrences, f"{label}, {times}", busy)


def _emit(data: bytes, output: str | None) -> None:
    """To stdout, or atomically to ``output``."""
    if output in (None, "-"):
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_atomic(Path(output), data)


def _print_table(
    config: Config,
    occurrences: list,  # type: ignore[type-arg]
    label: str,
    busy: Marks | None = None,
) -> None:
    from tacal.ical import expand as pv

    out = console()
    out.print(Text.assemble((plain(config.team.name), "bold"), f": {plain(label)}"))
    if not occurrences:
        out.print("No meetings in this window.")
        return
    for monday, items in pv.by_week(occurrences).items():
        hours = sum((o.end - o.start).total_seconds() for o in items) / 3600
        table = Table(
            title=f"Week of {monday:%a %Y-%m-%d}: {len(items)} meetings, {hours:.1f} h",
            title_justify="left",
            expand=False,
        )
        table.add_column("When", no_wrap=True)
        table.add_column("Min", justify="right")
        table.add_column("Meeting")
        table.add_column("Attendees", overflow="fold")
        for o in items:
            minutes = int((o.end - o.start).total_seconds() // 60)
            table.add_row(
                f"{o.start:%a %m-%d %H:%M}",
                str(minutes),
                plain(o.summary + mark(o, busy)),
                str(len(o.attendees)),
            )
        out.print(table)
    clashes = pv.overlaps(occurrences)
    if clashes:
        err.print(f"warning: {len(clashes)} overlapping meeting pair(s):", style="yellow")
        for a, b in clashes[:20]:
            err.print(plain(f"  {a.start:%Y-%m-%d %H:%M} {a.summary} / {b.summary}"))


@click.command()
@click.option(
    "--busy",
    "check_busy",
    is_flag=True,
    help="Also fail (exit 2) on meetings that meet someone's busy time over the busy horizon.",
)
@pass_ctx
def validate(obj: Context, check_busy: bool) -> None:
    """Check the config and templates; exit 2 with one line per problem."""
    from tacal.series import build_checked
    from tacal.series.checks import gap_warnings, holiday_warnings

    config = obj.config()
    placement: list[Problem] = []
    series, people = build_checked(config, obj.today, placement)
    if check_busy:
        busy_check(obj, config, series)
    if not obj.quiet:
        for w in [
            *placement,
            *holiday_warnings(config, obj.today),
            *gap_warnings(config, series, obj.today),
        ]:
            err.print(plain(w))
        click.echo(
            plain(
                f"{config.source}: OK ({len(config.cadences)} cadences, "
                f"{len(series)} series, {len(config.accounts)} accounts)"
            )
        )
        click.echo(people.summary())


@click.command()
@click.argument("account")
@click.option(
    "--start",
    "start",
    required=True,
    metavar="YYYY-MM-DD",
    help="First day of onboarding (moved to the next workday if it is not one).",
)
@pass_ctx
def onboard(obj: Context, account: str, start: str) -> None:
    """Record ACCOUNT's onboarding start in tacal.toml (or the accounts CSV) and show the plan."""
    from tacal.config.onboard import record_onboarding
    from tacal.series.checks import onboarding_plan

    try:
        day = dt.date.fromisoformat(start)
    except ValueError:
        raise TacalError(f"--start: {start!r} is not a date; use YYYY-MM-DD") from None
    config = obj.config()
    done = record_onboarding(config, account, day)
    config = config_mod.load(config.path)
    name = next(a.name for a in config.accounts if a.name.casefold() == account.casefold())
    click.echo(plain(f"{done.path}:{done.line}: {name}: onboarding_start = {day}"))
    for line in onboarding_plan(config, build_series(config, obj.today), name):
        click.echo(plain(f"  {line}"))


@click.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing tacal.toml and templates.")
@pass_ctx
def init(obj: Context, directory: Path, force: bool) -> None:
    """Write the built-in default as an editable tacal.toml plus its templates."""
    from tacal.series.agenda import shipped_dir

    target = directory / config_mod.DEFAULT_NAME
    templates = sorted(shipped_dir().glob("*.j2"))
    existing = [
        p for p in [target, *[directory / "templates" / t.name for t in templates]] if p.exists()
    ]
    if existing and not force:
        raise TacalError(
            f"{existing[0]}: already exists; nothing written",
            hint="use --force to overwrite, or pick another directory",
        )
    write_atomic(target, config_mod.default_config_text().encode("utf-8"))
    for t in templates:
        write_atomic(directory / "templates" / t.name, t.read_bytes())
    if not obj.quiet:
        err.print(
            plain(f"wrote {target} and {len(templates)} templates in {directory / 'templates'}")
        )
