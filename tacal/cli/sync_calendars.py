"""How `tacal sync` shows a sync over several calendars (``[sync] delegate = true``).

A header with the counts per action over all calendars, then one line per calendar with
its own counts, then each calendar's plan under its id, in the same 80-column lines as a
one-calendar plan (:mod:`tacal.cli.sync_view`), and the notes and cost once at the end.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from typing import Any
from zoneinfo import ZoneInfo

from tacal.cli.sync_view import (
    WIDTH,
    cost,
    counts_text,
    has_times,
    notes,
    render_json,
    rows,
    series_ids,
    shown_lines,
    summary_width,
)
from tacal.gcal.multi import CalendarsReport

__all__ = ["render_calendars_json", "render_calendars_text"]


def render_calendars_text(
    report: CalendarsReport,
    *,
    internal: set[str],
    zone: str,
    today: dt.date,
    verbose: bool = False,
    heading: str | None = None,
    brief: bool = False,
) -> list[str]:
    """The plans (or what was done) of every calendar, at most 80 columns a line."""
    tz = ZoneInfo(zone)
    first = report.reports[0] if report.reports else None
    where = f"Google Calendar, {report.mode}"
    if first is not None and first.scope is not None:
        where += f", {first.scope.describe()}"
    where += ": " + (heading or ("dry run" if report.dry_run else "synced"))
    n = len(report.reports)
    total = counts_text(report) + f"; {n} calendar{'s' if n != 1 else ''}"
    if first is not None and first.scope is not None:
        outside = sum(r.outside for r in report.reports)
        total += f"; {outside} other tacal events outside the scope left alone"
    out = [where, *textwrap.wrap(total, WIDTH)]
    for r in report.reports:
        failed = report.failures.get(r.calendar_id)
        line = f"  {r.calendar_id}: {counts_text(r)}"
        if r.scope is not None and r.outside:
            line += f"; {r.outside} outside the scope"
        if failed:
            line += f"; FAILED: {failed}"
        out.extend(textwrap.wrap(line, WIDTH, subsequent_indent="    ", break_long_words=False))
    for cid, why in sorted(report.unreachable.items()):
        line = f"  {cid}: not reachable, skipped: {why}"
        out.extend(textwrap.wrap(line, WIDTH, subsequent_indent="    ", break_long_words=False))
    if brief:
        return [*out, cost(report)]
    ids = series_ids(report.lines)
    shown = {r.calendar_id: shown_lines(r, verbose) for r in report.reports}
    every = [line for lines in shown.values() for line in lines]
    col = summary_width(every)  # one column for every calendar's lines
    for r in report.reports:
        if shown[r.calendar_id]:
            out.extend(["", r.calendar_id])
            out.extend(rows(shown[r.calendar_id], ids, internal, tz, today.year, col))
    if has_times(every):
        times = f"(times in {zone})"
        if len(out[0]) + 1 + len(times) <= WIDTH:
            out[0] += " " + times
        else:
            out.insert(1, times)
    extra = notes(report, every, internal)
    out.append("")
    out.extend(extra)
    if extra:
        out.append("")
    out.append(cost(report))
    return out


def render_calendars_json(
    report: CalendarsReport, *, internal: set[str], zone: str
) -> dict[str, Any]:
    """For scripts: the totals, and each calendar as a one-calendar sync shows it."""
    from tacal.cli.sync_view import external_emailed

    return {
        "mode": report.mode,
        "dry_run": report.dry_run,
        "counts": report.counts(),
        "send_updates": report.send_updates,
        "external_emailed": external_emailed(report, internal),
        "http_requests": report.http_requests,
        "write_calls": report.write_calls,
        "failures": dict(report.failures),
        "unreachable": dict(report.unreachable),
        "calendars": [render_json(r, internal=internal, zone=zone) for r in report.reports],
    }
