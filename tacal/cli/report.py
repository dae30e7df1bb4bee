"""``tacal report``: load per person and week, contact per account and month, renewal checks
ahead, MBR Top 3 per TA. The figures come from :mod:`tacal.views.report`; this module only
chooses the window and prints."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from rich.table import Table
from rich.text import Text

from tacal.cli.calendar import window_of
from tacal.cli.context import Context, console, err, pass_ctx, plain
from tacal.config.lock import lock_path
from tacal.errors import TacalError
from tacal.ical.cache import SeriesCache
from tacal.ical.calendar import calendar_bytes, stamps_for
from tacal.ical.expand import Occurrence, expand
from tacal.output import write_atomic
from tacal.series import build_series
from tacal.views.render import report_page
from tacal.views.report import Report, build_report, fiscal_year


@click.command("report")
@click.option("--quarter", metavar="next|current|FY2027-Q3", help="Fiscal quarter [next].")
@click.option("--from", "start", metavar="DATE", help="Start date (with --to).")
@click.option("--to", "end", metavar="DATE", help="End date, exclusive (with --from).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "html"]),
    default="table",
    show_default=True,
)
@click.option("-o", "--output", metavar="PATH|-", help="Write json or html here, not stdout.")
@pass_ctx
def report(
    obj: Context,
    quarter: str | None,
    start: str | None,
    end: str | None,
    fmt: str,
    output: str | None,
) -> None:
    """Meeting load per person and week, contact per account and month, renewal checks
    ahead and each TA's MBR Top 3."""
    if output is not None and fmt == "table":
        raise TacalError("-o/--output: use it with --format json or html")
    config = obj.config()
    lo, hi, label = window_of(obj, config, quarter, start, end)
    series = build_series(config, obj.today)
    data = calendar_bytes(
        config,
        today=obj.today,
        now=obj.now,
        stamps=stamps_for(config, series, obj.now),
        series=series,
        # the series bytes a build, publish or serve of the same lock left: read, never
        # written (a report changes no state)
        cache=SeriesCache.for_lock(lock_path(config)),
    )
    zone = config.team.timezone
    year = fiscal_year(lo, config)
    year_occurrences = expand(data, year[0], year[1], zone)
    occurrences = _within(year_occurrences, (year[0], year[1]), lo, hi, zone)
    if occurrences is None:
        occurrences = expand(data, lo, hi, zone)
    found = build_report(
        config,
        series,
        occurrences,
        (lo, hi),
        year_occurrences,
        year,
        obj.today,
    )
    title = f"{config.team.name}: report, {label}"
    subtitle = f"times in {zone}; accounts over {year[2]} ({year[0]} to {year[1]})"
    if fmt == "table":
        _print(found, title, subtitle)
        return
    if fmt == "json":
        body = json.dumps(found.as_json(), indent=2) + "\n"
    else:
        body = report_page(found, title=title, subtitle=subtitle)
    if output in (None, "-"):
        click.echo(body, nl=False)
        return
    write_atomic(Path(output), body.encode("utf-8"))
    if not obj.quiet:
        err.print(plain(f"{output}: wrote the report"))


def _within(
    occurrences: list[Occurrence],
    covered: tuple[dt.date, dt.date],
    lo: dt.date,
    hi: dt.date,
    zone: str,
) -> list[Occurrence] | None:
    """The occurrences starting in ``[lo, hi)``, taken from ``occurrences`` (those starting in
    ``covered``, sorted) when the window lies inside it: expanding the same calendar again
    costs a second parse. None when it does not (the caller expands the window itself)."""
    if not (covered[0] <= lo and hi <= covered[1]):
        return None
    tz = ZoneInfo(zone)
    start = dt.datetime.combine(lo, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(hi, dt.time(0), tzinfo=tz)
    return [o for o in occurrences if start <= o.start < end]


def _print(found: Report, title: str, subtitle: str) -> None:
    out = console()
    out.print(Text(plain(title), style="bold"))
    out.print(plain(subtitle))
    load = Table(title="Load per person and week", title_justify="left")
    for name, justify in [
        ("Person", "left"),
        ("Week of", "left"),
        ("Meetings", "right"),
        ("Hours", "right"),
        ("In hours", "right"),
        ("External", "right"),
    ]:
        load.add_column(name, justify=justify)  # type: ignore[arg-type]
    for w in found.weeks:
        share = "-" if w.inside_share is None else f"{w.inside_share:.0%}"
        load.add_row(
            plain(w.name),
            str(w.monday),
            str(w.meetings),
            f"{w.hours:.1f}",
            share,
            str(w.external),
        )
    out.print(load)
    months = Table(title=f"Contact every month ({found.fiscal_year})", title_justify="left")
    months.add_column("Account")
    months.add_column("Months", overflow="fold")
    months.add_column("Gaps", overflow="fold")
    for a in found.accounts:
        marks = " ".join(
            f"{m.month[5:]}{'+' if m.status == 'covered' else '!' if m.status == 'gap' else '.'}"
            for m in a.months
        )
        months.add_row(plain(a.name), marks, ", ".join(a.gaps) or "none")
    out.print(months)
    out.print("  + covered, ! no contact, . not started (before the calendar or onboarding)")
    renewals = Table(title="Renewal checks ahead", title_justify="left")
    for name in ("When", "Account", "Renewal", "Health"):
        renewals.add_column(name)
    for r in found.renewals:
        renewals.add_row(
            f"{r.when:%a %Y-%m-%d %H:%M}", plain(r.account), str(r.renewal or ""), r.health
        )
    out.print(renewals)
    top = Table(title="MBR Top 3 per TA", title_justify="left")
    for name in ("TA", "MBR", "Quarter", "Top 3"):
        top.add_column(name, overflow="fold")
    for t in found.top3:
        listed = "; ".join(
            f"{e.rank}. {e.account}" + (f" ({', '.join(e.reasons)})" if e.reasons else "")
            for e in t.accounts
        )
        top.add_row(plain(t.name), str(t.mbr or "-"), t.quarter, plain(listed or "no accounts"))
    out.print(top)
