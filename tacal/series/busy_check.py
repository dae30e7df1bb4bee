"""Which meetings tacal makes meet someone's real busy time.

Placement avoids busy times for everything it places afresh, but a series kept from the
lock, or a ``per = "team"`` cadence at its exact time, may meet a meeting that appeared in
someone's calendar since. Those are *collisions*: ``tacal plan`` lists them with the
choices (keep, move the series, move only those occurrences), ``preview`` marks them and
``validate --busy`` fails on them. Pure: series and :class:`~tacal.model.Busy` in, a list
out, every occurrence expanded exactly (each attendee in their own busy blocks, in UTC).
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tacal.model import Busy, Config
from tacal.schedule import rules
from tacal.series.types import Series

#: What ``--resolve UID=...`` may choose, the default first.
CHOICES = ("keep", "move", "override")


@dataclass(frozen=True)
class Collision:
    """One occurrence of one series that meets one attendee's busy time."""

    uid: str
    summary: str
    original: dt.datetime  # the occurrence of the rule (RECURRENCE-ID), wall clock
    start: dt.datetime  # when it meets, aware
    end: dt.datetime
    person: str  # [people] key
    name: str
    busy: tuple[dt.datetime, dt.datetime]  # the busy block it meets (UTC)
    kept: bool  # kept there on purpose (``--resolve UID=keep``)


def collisions(config: Config, series: list[Series], busy: Busy | None) -> list[Collision]:
    """Every occurrence inside the busy horizon that overlaps an attendee's busy block,
    sorted by start, then UID and person."""
    if busy is None or not any(p.blocks for p in busy.people.values()):
        return []
    by_email = {p.email.lower(): k for k, p in config.people.items()}
    merged = {k: _merge(v.blocks) for k, v in busy.people.items() if v.blocks}
    starts = {k: [b[0] for b in v] for k, v in merged.items()}
    out: list[Collision] = []
    for s in series:
        keys = sorted(
            {by_email[a.email.lower()] for a in s.attendees if a.email.lower() in by_email}
            & set(merged)
        )
        if not keys:
            continue
        tz = ZoneInfo(s.timezone)
        until = busy.end.astimezone(tz).replace(tzinfo=None)
        kept = set(s.busy_kept)
        for original, occ in rules.instances(s.recurrence, until, s.timezone):
            begin = occ.replace(tzinfo=tz)
            end = begin + s.duration
            if end <= busy.start or begin >= busy.end:
                continue
            for key in keys:
                # blocks are disjoint and sorted, so their ends are sorted too: only the
                # last block starting before the meeting ends can overlap it
                at = bisect.bisect_left(starts[key], end)
                if at == 0 or merged[key][at - 1][1] <= begin:
                    continue
                out.append(
                    Collision(
                        uid=s.uid,
                        summary=s.summary,
                        original=original,
                        start=begin,
                        end=end,
                        person=key,
                        name=config.people[key].name,
                        busy=merged[key][at - 1],
                        kept=original in kept,
                    )
                )
    out.sort(key=lambda c: (c.start, c.uid, c.person))
    return out


def _merge(
    blocks: tuple[tuple[dt.datetime, dt.datetime], ...],
) -> list[tuple[dt.datetime, dt.datetime]]:
    out: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted((a.astimezone(dt.UTC), b.astimezone(dt.UTC)) for a, b in blocks):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        elif end > start:
            out.append((start, end))
    return out


__all__ = ["CHOICES", "Collision", "collisions"]
