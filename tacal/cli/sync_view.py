"""How `tacal sync` shows its plan (and what it did): readable at 80 columns, or JSON.

The text form is a header (the calendar, the scope, counts per action), one line per
series that changes (action, summary, what changes: the first occurrence that moves
old -> new, the fields, the guests added and removed with customers flagged ``*``),
unchanged series counted (listed with ``verbose``), and the guests outside ``[people]``
that Google would e-mail. Nothing is wrapped mid-address: a detail that does not fit
is shortened to counts.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections import Counter
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from tacal.gcal.changes import Change, Slot
from tacal.gcal.report import SeriesLine, SyncReport
from tacal.sinks.contract import CREATE, DELETE, GONE, RESTORE, SKIPPED, UNCHANGED, UPDATE

__all__ = [
    "cost",
    "counts_text",
    "external_emailed",
    "has_times",
    "notes",
    "render_json",
    "render_text",
    "rows",
    "series_ids",
    "shown_lines",
    "summary_width",
]

WIDTH = 80
ACTION_WIDTH = 8
SUMMARY_WIDTH = 32
#: what Google e-mails about with each ``sendUpdates`` value
NOTIFYING = ("all", "externalOnly")

_LABEL = {
    CREATE: "create",
    UPDATE: "update",
    RESTORE: "restore",
    DELETE: "delete",
    SKIPPED: "skip",
    GONE: "gone",
    UNCHANGED: "same",
}
#: the order lines are shown in
_ORDER = {CREATE: 0, RESTORE: 1, UPDATE: 2, DELETE: 3, SKIPPED: 4, GONE: 5, UNCHANGED: 6}
_WOULD = {"created": "create", "updated": "update", "restored": "restore", "deleted": "delete"}


def external_emailed(report: Any, internal: set[str]) -> list[str]:
    """The guests outside ``[people]`` (customers) Google would e-mail (or did), sorted;
    none when ``sendUpdates`` is ``none``."""
    if report.send_updates not in NOTIFYING:
        return []
    return sorted(
        {
            e
            for line in report.lines
            if line.writes
            for e in line.emails
            if e.lower() not in internal
        }
    )


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _when(
    value: dt.datetime | dt.date, zone: ZoneInfo, year: int, *, time_only: bool = False
) -> str:
    if not isinstance(value, dt.datetime):
        return _day(value, year)
    local = value.astimezone(zone)
    if time_only:
        return local.strftime("%H:%M")
    return _day(local.date(), year) + local.strftime(" %H:%M")


def _day(day: dt.date, year: int) -> str:
    """``Tue 9 Feb`` (with the year when it is not ``year``)."""
    return f"{day:%a} {day.day} {day:%b}" + (f" {day.year}" if day.year != year else "")


def _slot(slot: Slot, zone: ZoneInfo, year: int, *, with_end: bool, time_only: bool = False) -> str:
    text = _when(slot[0], zone, year, time_only=time_only)
    if with_end and isinstance(slot[1], dt.datetime):
        text += "-" + _when(slot[1], zone, year, time_only=True)
    return text


def _move(change: Change, zone: ZoneInfo, year: int) -> str:
    old, new = change.old, change.new
    if old is not None and new is not None:
        with_end = (old[1] - old[0]) != (new[1] - new[0]) or old[0] == new[0]  # type: ignore[operator]
        same_day = (
            isinstance(old[0], dt.datetime)
            and isinstance(new[0], dt.datetime)
            and old[0].astimezone(zone).date() == new[0].astimezone(zone).date()
        )
        return (
            _slot(old, zone, year, with_end=with_end)
            + " -> "
            + _slot(new, zone, year, with_end=with_end, time_only=same_day)
        )
    if old is not None:
        return _slot(old, zone, year, with_end=False) + " -> none"
    if new is not None:
        return "new " + _slot(new, zone, year, with_end=False)
    return ""


def _guests(emails: Iterable[str], internal: set[str]) -> str:
    emails = list(emails)
    n = len(emails)
    ext = sum(1 for e in emails if e.lower() not in internal)
    return f"{n} guest{'s' if n != 1 else ''}" + (f" ({ext}*)" if ext else "")


def _flag(email: str, internal: set[str]) -> str:
    return email if email.lower() in internal else email + "*"


def _fit(groups: list[list[str]], short: list[list[str]], width: int) -> str:
    """``groups`` (parts joined by spaces, groups by "; "), else the same with each group
    replaced by its ``short`` form from the end, else clipped."""
    groups = [g for g in groups]
    for i in range(len(groups) + 1):
        if i:
            groups[-i] = short[-i]
        text = "; ".join(" ".join(g) for g in groups if g)
        if len(text) <= width:
            return text
    return _clip(text, width)


def _detail(
    line: SeriesLine,
    ids: dict[str, str],
    internal: set[str],
    zone: ZoneInfo,
    year: int,
    width: int,
    where: str = "in Google",
) -> str:
    change = line.change
    if line.status == "failed":
        return _clip(f"FAILED: {line.detail}", width)
    if line.status == "conflict":
        return _clip(f"changed {where} meanwhile, left as is: {line.detail}", width)
    if line.action == SKIPPED and line.status == "foreign":
        return _clip(line.detail, width)  # another client's object holds the UID
    series = ids.get(line.uid, line.uid)
    if line.action == SKIPPED:
        return _clip(f"edited {where}; --overwrite {series}", width)
    if line.action == GONE or line.status == "gone":
        return _clip(f"deleted {where}; --restore {series}", width)
    if change is None:
        return _clip(line.detail, width)
    if line.action in (CREATE, RESTORE):
        first = (
            "from " + _slot(change.first, zone, year, with_end=False)
            if change.first
            else "no occurrence ahead"
        )
        groups = [[first], [_guests(line.emails, internal)]]
        return _fit(groups, groups, width)
    if line.action == DELETE:
        return _fit([[_guests(line.emails, internal)]], [[]], width)
    move = _move(change, zone, year)
    people = [f"+{_flag(e, internal)}" for e in change.added]
    people += [f"-{_flag(e, internal)}" for e in change.removed]
    counts = []
    if change.added:
        counts.append(f"+{len(change.added)}")
    if change.removed:
        counts.append(f"-{len(change.removed)}")
    moved = len(change.added) + len(change.removed)
    short_people = [" ".join(counts) + (" guest" if moved == 1 else " guests")] if counts else []
    groups = [[move] if move else [], [", ".join(change.fields)] if change.fields else [], people]
    short = [groups[0], [f"{len(change.fields)} fields"] if change.fields else [], short_people]
    if not any(groups):
        groups = short = [["occurrence exceptions"]] if line.overrides else [["bookkeeping"]]
    return _fit(groups, short, width)


def series_ids(lines: list[SeriesLine]) -> dict[str, str]:
    """The shortest name that picks exactly one series: its cadence id when that cadence
    has no other series here, else its UID."""
    per_cadence = Counter(line.cadence for line in lines if line.cadence)
    return {
        line.uid: line.cadence if line.cadence and per_cadence[line.cadence] == 1 else line.uid
        for line in lines
    }


def counts_text(report: Any) -> str:
    """``would create 2, update 1; 5 unchanged; ...`` of a report (or several added up)."""
    counts = report.counts()
    doing = [
        f"{_WOULD[k]} {counts[k]}" if report.dry_run else f"{k} {counts[k]}"
        for k in ("created", "updated", "restored", "deleted")
        if counts[k]
    ]
    parts = []
    if doing:
        parts.append(("would " if report.dry_run else "") + ", ".join(doing))
    else:
        parts.append("nothing to write")
    parts.append(f"{counts['unchanged']} unchanged")
    if counts["skipped"]:
        parts.append(f"{counts['skipped']} edited {report.where} (skipped)")
    if counts["gone"]:
        parts.append(f"{counts['gone']} deleted {report.where} (left deleted)")
    if counts["failed"]:
        parts.append(f"{counts['failed']} failed")
    if counts["conflicts"]:
        parts.append(f"{counts['conflicts']} changed {report.where} meanwhile")
    return "; ".join(parts)


def _header(report: SyncReport, heading: str | None = None) -> list[str]:
    where = report.target or f"Google Calendar {report.calendar_id}"
    if report.scope is not None:
        where += f", {report.scope.describe()}"
    where += ": " + (heading or ("dry run" if report.dry_run else "synced"))
    text = counts_text(report)
    if report.scope is not None:
        text += f"; {report.outside} other tacal events outside the scope left alone"
    mode = textwrap.wrap(report.mode, WIDTH) if report.mode else []
    return [where, *mode, *textwrap.wrap(text, WIDTH)]


def shown_lines(report: Any, verbose: bool) -> list[SeriesLine]:
    """The series lines a plan lists (unchanged ones only with ``verbose``), in order."""
    return sorted(
        (ln for ln in report.lines if verbose or ln.action != UNCHANGED),
        key=lambda ln: (_ORDER.get(ln.action, 9), (ln.summary or ln.uid).casefold()),
    )


def has_times(shown: list[SeriesLine]) -> bool:
    """Whether a line shows a time (the header then names the zone)."""
    return any(
        ln.change is not None and (ln.change.first or ln.change.old or ln.change.new)
        for ln in shown
    )


def summary_width(shown: list[SeriesLine]) -> int:
    """The summary column: as wide as the longest summary, at most 32."""
    return min(SUMMARY_WIDTH, max((len(ln.summary or ln.uid) for ln in shown), default=0))


def rows(
    shown: list[SeriesLine],
    ids: dict[str, str],
    internal: set[str],
    tz: ZoneInfo,
    year: int,
    col: int | None = None,
    where: str = "in Google",
) -> list[str]:
    """One line of at most 80 columns per series: action, summary (in a column ``col``
    wide, by default as wide as these summaries need), what changes."""
    out = []
    col = summary_width(shown) if col is None else col
    detail_width = WIDTH - ACTION_WIDTH - col - 2
    for line in shown:
        label = line.status if line.status in ("failed", "conflict") else _LABEL[line.action]
        if line.status == "gone" and line.action != GONE:
            label = "gone"
        summary = _clip(line.summary or line.uid, col).ljust(col)
        detail = _detail(line, ids, internal, tz, year, detail_width, where)
        out.append(f"{label:<{ACTION_WIDTH}}{summary}  {detail}".rstrip())
    return out


def notes(report: Any, shown: list[SeriesLine], internal: set[str]) -> list[str]:
    """The customer flag legend and who outside ``[people]`` would be (was) e-mailed."""
    out = []
    if any(
        ln.change is not None
        and ln.action != DELETE
        and any(e.lower() not in internal for e in ln.emails)
        for ln in shown
    ):
        out.append("* guests outside [people] (customers)")
    emailed = external_emailed(report, internal)
    if report.send_updates in NOTIFYING:
        n = len(emailed)
        verb = "would be" if report.dry_run else ("was" if n == 1 else "were")
        out.append(
            f"{n} external guest{'s' if n != 1 else ''} "
            f"(customer{'s' if n != 1 else ''}) {verb} e-mailed "
            f"(--send-updates {report.send_updates})" + (":" if n else "")
        )
        if emailed:
            out.extend(
                textwrap.wrap(
                    ", ".join(emailed),
                    WIDTH,
                    initial_indent="  ",
                    subsequent_indent="  ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
    return out


def render_text(
    report: SyncReport,
    *,
    internal: set[str],
    zone: str,
    today: dt.date,
    verbose: bool = False,
    heading: str | None = None,
    brief: bool = False,
) -> list[str]:
    """The plan (or what was done) as lines of at most 80 columns; ``heading`` replaces
    "dry run" / "sync" after the calendar; ``brief`` keeps only the header and the cost."""
    tz = ZoneInfo(zone)
    shown = shown_lines(report, verbose)
    out = _header(report, heading)
    if brief:
        return [*out, cost(report)]
    if has_times(shown):
        out[0] += f" (times in {zone})"
    if shown:
        out.append("")
    out.extend(rows(shown, series_ids(report.lines), internal, tz, today.year, where=report.where))
    extra = notes(report, shown, internal)
    if shown or extra:
        out.append("")
    out.extend(extra)
    out.append(cost(report))
    return out


def cost(report: Any) -> str:
    n, w = report.http_requests, report.write_calls
    return f"{n} HTTP request{'s' if n != 1 else ''}, {w} write{'s' if w != 1 else ''}"


def _iso(value: dt.datetime | dt.date | None, zone: ZoneInfo) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(zone).isoformat()
    return value.isoformat()


def _slot_json(slot: Slot | None, zone: ZoneInfo) -> dict[str, Any] | None:
    if slot is None:
        return None
    return {"start": _iso(slot[0], zone), "end": _iso(slot[1], zone)}


def render_json(report: SyncReport, *, internal: set[str], zone: str) -> dict[str, Any]:
    """The plan (or what was done) for scripts: every series, unchanged ones included."""
    tz = ZoneInfo(zone)
    series = []
    for line in report.lines:
        change = line.change or Change()
        series.append(
            {
                "action": line.action,
                "status": line.status,
                "uid": line.uid,
                "cadence": line.cadence or None,
                "summary": line.summary,
                "detail": line.detail,
                "first": _slot_json(change.first, tz),
                "old": _slot_json(change.old, tz),
                "new": _slot_json(change.new, tz),
                "fields": list(change.fields),
                "added": list(change.added),
                "removed": list(change.removed),
                "emails": list(line.emails),
                "external": [e for e in line.emails if e.lower() not in internal],
            }
        )
    scope = None
    if report.scope is not None:
        scope = {"account": report.scope.account, "for": report.scope.email}
    return {
        "calendar": report.calendar_id,
        "mode": report.mode or None,
        "dry_run": report.dry_run,
        "scope": scope,
        "outside_scope": report.outside if report.scope is not None else 0,
        "counts": report.counts(),
        "send_updates": report.send_updates,
        "external_emailed": external_emailed(report, internal),
        "http_requests": report.http_requests,
        "write_calls": report.write_calls,
        "series": series,
    }
