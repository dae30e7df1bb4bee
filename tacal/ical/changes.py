"""What the next build would change against the lock, series by series.

``tacal plan`` lists it; ``preview`` and ``sync --dry-run`` show the moves, so nothing moves
without the user seeing it first. Pure: a lock, the series a build makes and their stamps in,
:class:`Change` items out; no clock, no file.

The lock remembers each series' DTSTART, RRULE, the occurrences its holiday moves take out
(``skip``) and put elsewhere (``extra``), its summary and attendees. Old and new occurrences
are expanded the same way from today on, so a series whose times did not change never shows
as moved, and a moved one shows its first occurrence that changed, as it was and as it will be.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from tacal.ical.stamps import Stamp, content_hash
from tacal.model import Lock, LockEntry
from tacal.schedule import rules
from tacal.series import Series

#: How far from today old and new occurrences are compared (a year, and a quarterly rule's
#: next occurrence past it).
HORIZON = dt.timedelta(days=400)

#: The order changes are listed in.
ACTIONS = ("added", "moved", "changed", "removed", "unchanged")

_WHEN = "%a %Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Change:
    """One series: what a build does to it compared with the lock."""

    action: str  # one of ACTIONS
    uid: str
    summary: str
    timezone: str
    #: moved: the first occurrence that changed, as it was (None: one appears) and as it will
    #: be (None: one goes away); added: ``new`` is the first occurrence from today; removed:
    #: ``old`` is the next occurrence it would have had
    old: dt.datetime | None = None
    new: dt.datetime | None = None
    attendees_added: tuple[str, ...] = ()
    attendees_removed: tuple[str, ...] = ()
    renamed_from: str | None = None
    duration: tuple[int, int] | None = None  # minutes (old, new) when it changed
    sequence: tuple[int, int] | None = None  # (old, new) when SEQUENCE goes up


def moves(series: Series) -> tuple[tuple[dt.datetime, ...], tuple[dt.datetime, ...]]:
    """The occurrences of ``series``' rule that do not happen, and the ones outside it: its
    EXDATEs and RDATEs and the overrides that move an occurrence, however they are written."""
    rec = series.recurrence
    moved = [o for o in series.overrides if o.start != o.recurrence_id]
    skip = {*rec.exdates, *(o.recurrence_id for o in moved), *(old for old, _ in rec.moves)}
    extra = {*rec.rdates, *(o.start for o in moved), *(new for _, new in rec.moves)}
    return tuple(sorted(_naive(d) for d in skip)), tuple(sorted(_naive(d) for d in extra))


def reflow_lock(lock: Lock) -> Lock:
    """The lock a reflow builds with: no slot, holiday move or one-off is taken back
    (everything is placed afresh), but every series keeps the day it began, so DTSTARTs and
    bi-weekly parity do not jump to today and no renewal check forgets it was overdue."""
    return replace(
        lock,
        entries={uid: replace(e, slot="", inputs="", moves=()) for uid, e in lock.entries.items()},
    )


def diff(
    lock: Lock | None,
    series: Iterable[Series],
    today: dt.date,
    *,
    stamps: Mapping[str, Stamp] | None = None,
    timezone: str = "UTC",
    actions: Iterable[str] = ACTIONS,
) -> list[Change]:
    """What a build of ``series`` changes against ``lock``, in :data:`ACTIONS` order, then by
    summary. ``stamps`` are the ones the build writes (SEQUENCE); without them a changed series
    goes up by one, as a build does. ``timezone`` is the team's (for removed series).
    ``actions`` limits the work to those kinds (``{"moved"}`` for preview)."""
    wanted = set(actions)
    entries = lock.entries if lock is not None else {}
    lo = dt.datetime.combine(today, dt.time(0))
    hi = lo + HORIZON
    out: list[Change] = []
    seen: set[str] = set()
    for s in series:
        seen.add(s.uid)
        entry = entries.get(s.uid)
        if entry is None:
            if "added" in wanted:
                first = _occurrences(s.start, s.recurrence.rrule, *moves(s), lo, hi, s.timezone)
                out.append(
                    Change("added", s.uid, s.summary, s.timezone, new=first[0] if first else None)
                )
            continue
        digest = stamps[s.uid].hash if stamps is not None and s.uid in stamps else content_hash(s)
        if digest == entry.hash:
            if "unchanged" in wanted:
                out.append(Change("unchanged", s.uid, s.summary, s.timezone))
            continue
        if not wanted & {"moved", "changed"}:
            continue
        change = _compare(entry, s, lo, hi)
        if change.action not in wanted:
            continue
        old_seq = entry.sequence
        new_seq = stamps[s.uid].sequence if stamps is not None and s.uid in stamps else old_seq + 1
        out.append(replace(change, sequence=(old_seq, new_seq) if new_seq != old_seq else None))
    if "removed" in wanted:
        for uid in sorted(set(entries) - seen):
            entry = entries[uid]
            nxt = _old_occurrences(entry, lo, hi, timezone)
            out.append(
                Change("removed", uid, entry.summary or uid, timezone, old=nxt[0] if nxt else None)
            )
    out.sort(key=lambda c: (ACTIONS.index(c.action), c.summary.casefold(), c.uid))
    return out


def _compare(entry: LockEntry, s: Series, lo: dt.datetime, hi: dt.datetime) -> Change:
    """A series in the lock whose content changed: moved (some occurrence from today on is at
    another time) or changed (same times; attendees, title, length or agenda)."""
    skip, extra = moves(s)
    old: dt.datetime | None = None
    new: dt.datetime | None = None
    moved = False
    if entry.rule is None:
        # a lock written before it kept rules: only DTSTART and the slot tell a move
        if entry.start != s.start or (entry.slot and entry.slot != s.slot):
            moved, old = True, entry.start
            first = _occurrences(s.start, s.recurrence.rrule, skip, extra, lo, hi, s.timezone)
            new = first[0] if first else None
    elif (entry.start, entry.rule, entry.skip, entry.extra) != (
        s.start,
        s.recurrence.rrule or "",
        skip,
        extra,
    ):
        was = set(_old_occurrences(entry, lo, hi, s.timezone))
        now = set(_occurrences(s.start, s.recurrence.rrule, skip, extra, lo, hi, s.timezone))
        gone, came = was - now, now - was
        if gone or came:
            moved = True
            old = min(gone) if gone else None
            new = min(came) if came else None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    if entry.rule is not None:  # the lock knows its attendees
        before = {a.casefold() for a in entry.attendees}
        after = {a.email.casefold() for a in s.attendees}
        added = tuple(a.email for a in s.attendees if a.email.casefold() not in before)
        removed = tuple(a for a in entry.attendees if a.casefold() not in after)
    minutes = int(s.duration.total_seconds() // 60)
    return Change(
        "moved" if moved else "changed",
        s.uid,
        s.summary,
        s.timezone,
        old=old,
        new=new,
        attendees_added=added,
        attendees_removed=removed,
        renamed_from=entry.summary if entry.summary and entry.summary != s.summary else None,
        duration=(entry.duration, minutes)
        if entry.duration and entry.duration != minutes
        else None,
    )


def _old_occurrences(
    entry: LockEntry, lo: dt.datetime, hi: dt.datetime, timezone: str
) -> list[dt.datetime]:
    if entry.rule is None:
        return [entry.start] if entry.start >= lo else []
    return _occurrences(entry.start, entry.rule or None, entry.skip, entry.extra, lo, hi, timezone)


def _occurrences(
    start: dt.datetime,
    rule: str | None,
    skip: Iterable[dt.datetime],
    extra: Iterable[dt.datetime],
    lo: dt.datetime,
    hi: dt.datetime,
    timezone: str,
) -> list[dt.datetime]:
    """Wall-clock occurrences in [lo, hi]: the rule's from ``start``, without ``skip``, with
    ``extra``."""
    start = _naive(start)
    found: set[dt.datetime] = set()
    if rule:
        found.update(rules.expand(rule, start, hi, timezone))
    elif start <= hi:
        found.add(start)
    found.update(d for d in extra if d <= hi)
    found.difference_update(skip)
    return sorted(d for d in found if d >= lo)


def _naive(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=None)


# ---- text and JSON


def when(moment: dt.datetime | None) -> str:
    return moment.strftime(_WHEN) if moment is not None else "none"


def line(change: Change) -> str:
    """One line: ``moved     Customer Check-In: Acme  Tue 2027-03-09 14:30 -> Wed 2027-03-17
    14:00  SEQUENCE 0 -> 1``."""
    parts = [f"{change.action:<9} {change.summary}"]
    if change.action == "added":
        parts.append(f"from {when(change.new)}" if change.new else "no occurrence from today")
    elif change.action == "removed":
        if change.old is not None:
            parts.append(f"next was {when(change.old)}")
    elif change.action == "moved":
        parts.append(f"{when(change.old)} -> {when(change.new)}")
    if change.renamed_from is not None:
        parts.append(f"was {change.renamed_from!r}")
    if change.duration is not None:
        parts.append(f"{change.duration[0]} -> {change.duration[1]} min")
    if change.attendees_added or change.attendees_removed:
        parts.append(
            "attendees "
            + " ".join(
                [
                    *(f"+{a}" for a in change.attendees_added),
                    *(f"-{a}" for a in change.attendees_removed),
                ]
            )
        )
    if change.action == "changed" and len(parts) == 1:
        parts.append("agenda or details")
    if change.sequence is not None:
        parts.append(f"SEQUENCE {change.sequence[0]} -> {change.sequence[1]}")
    return "  ".join(parts)


def counts(changes: Iterable[Change]) -> dict[str, int]:
    out = dict.fromkeys(ACTIONS, 0)
    for c in changes:
        out[c.action] += 1
    return out


def summary_line(totals: Mapping[str, int]) -> str:
    """``1 added, 2 moved, 33 unchanged``; ``nothing to change: 36 unchanged``."""
    if not any(totals.get(a) for a in ACTIONS if a != "unchanged"):
        return f"nothing to change: {totals.get('unchanged', 0)} unchanged"
    return ", ".join(f"{totals[a]} {a}" for a in ACTIONS if totals.get(a))


def as_json(change: Change) -> dict[str, Any]:
    zone = ZoneInfo(change.timezone)

    def iso(moment: dt.datetime | None) -> str | None:
        return moment.replace(tzinfo=zone).isoformat() if moment is not None else None

    return {
        "action": change.action,
        "uid": change.uid,
        "summary": change.summary,
        "old": iso(change.old),
        "new": iso(change.new),
        "attendees_added": list(change.attendees_added),
        "attendees_removed": list(change.attendees_removed),
        "renamed_from": change.renamed_from,
        "duration": list(change.duration) if change.duration else None,
        "sequence": list(change.sequence) if change.sequence else None,
    }


__all__ = [
    "ACTIONS",
    "HORIZON",
    "Change",
    "as_json",
    "counts",
    "diff",
    "line",
    "moves",
    "reflow_lock",
    "summary_line",
    "when",
]
