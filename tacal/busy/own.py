"""tacal's own meetings, taken out of Google's busy times.

Google's free/busy answer is bare intervals: once ``tacal sync`` has written the team's
meetings, each person's calendar is busy exactly when tacal put them, and every locked
series would collide with itself. The lock says where each series meets (start, rule,
skipped and extra occurrences, length, attendees), so those times are subtracted. A real
meeting at exactly the time of a tacal meeting is hidden by this (the person is
double-booked already; an .ics feed, whose events carry UIDs, does not have this blind spot).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tacal.busy.ics import Block, merge
from tacal.model import Config
from tacal.schedule import rules


def own_times(config: Config, end: dt.datetime) -> dict[str, tuple[Block, ...]]:
    """Per attendee e-mail (lower case), the times the locked series meet until ``end``."""
    lock = config.lock
    if lock is None:
        return {}
    tz = config.team.tz
    until = end.astimezone(tz).replace(tzinfo=None)
    out: dict[str, list[Block]] = {}
    for entry in lock.entries.values():
        length = dt.timedelta(minutes=entry.duration or 30)
        rec = rules.Recurrence(
            start=entry.start.replace(tzinfo=None),
            rrule=entry.rule or None,
            exdates=entry.skip,
            rdates=entry.extra,
        )
        try:
            starts = rules.occurrences(rec, until, config.team.timezone)
        except (ValueError, TypeError):
            continue  # an unreadable rule in a hand-edited lock: nothing to subtract
        blocks = [(s.replace(tzinfo=tz), s.replace(tzinfo=tz) + length) for s in starts]
        for email in entry.attendees:
            out.setdefault(email.lower(), []).extend(blocks)
    return {k: merge(v) for k, v in out.items()}


def without(blocks: Iterable[Block], remove: Iterable[Block]) -> tuple[Block, ...]:
    """``blocks`` minus the times in ``remove`` (both merged first)."""
    cuts = merge(remove)
    out: list[Block] = []
    for start, end in merge(blocks):
        pieces = [(start, end)]
        for c0, c1 in cuts:
            if c1 <= start or c0 >= end:
                continue
            nxt: list[Block] = []
            for p0, p1 in pieces:
                if c1 <= p0 or c0 >= p1:
                    nxt.append((p0, p1))
                    continue
                if p0 < c0:
                    nxt.append((p0, c0))
                if c1 < p1:
                    nxt.append((c1, p1))
            pieces = nxt
        out.extend(pieces)
    return tuple(out)


__all__ = ["own_times", "without"]
