"""Expand the built calendar the way a subscriber's client will, for ``tacal preview``.

Preview deliberately parses the serialised bytes back and expands them with
recurring-ical-events, instead of reusing the in-memory rules: it shows what the file *means*.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar


@dataclass(frozen=True)
class Occurrence:
    uid: str
    cadence: str
    summary: str
    start: dt.datetime
    end: dt.datetime
    account: str | None
    attendees: tuple[str, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "uid": self.uid,
            "cadence": self.cadence,
            "summary": self.summary,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "account": self.account,
            "attendees": list(self.attendees),
        }


def expand(data: bytes, start: dt.date, end: dt.date, timezone: str) -> list[Occurrence]:
    """Occurrences starting in [start, end) in ``timezone``, sorted by start then UID."""
    tz = ZoneInfo(timezone)
    cal = Calendar.from_ical(data)
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    hi = dt.datetime.combine(end, dt.time(0), tzinfo=tz)
    out = []
    for ev in recurring_ical_events.of(cal).between(lo, hi):
        s = ev.decoded("DTSTART")
        e = ev.decoded("DTEND")
        if not isinstance(s, dt.datetime):
            s = dt.datetime.combine(s, dt.time(0), tzinfo=tz)
            e = dt.datetime.combine(e, dt.time(0), tzinfo=tz)
        if s < lo:
            continue
        attendees = ev.get("ATTENDEE", [])
        if not isinstance(attendees, list):
            attendees = [attendees]
        acct = ev.get("X-TACAL-ACCOUNT")
        out.append(
            Occurrence(
                uid=str(ev["UID"]),
                cadence=str(ev.get("X-TACAL-CADENCE", "")),
                summary=str(ev.get("SUMMARY", "")),
                start=s.astimezone(tz),
                end=e.astimezone(tz),
                account=str(acct) if acct is not None else None,
                attendees=tuple(
                    str(a).removeprefix("mailto:").removeprefix("MAILTO:") for a in attendees
                ),
            )
        )
    out.sort(key=lambda o: (o.start, o.uid))
    return out


def _clash(a: Occurrence, b: Occurrence) -> bool:
    """Someone attends both (or either has no attendees, so it may be anyone's)."""
    if not a.attendees or not b.attendees:
        return True
    return not {x.lower() for x in a.attendees}.isdisjoint(x.lower() for x in b.attendees)


def overlaps(occurrences: list[Occurrence]) -> list[tuple[Occurrence, Occurrence]]:
    """Pairs of occurrences whose times overlap and that someone attends both of (sweep over
    the sorted list, not all pairs): two TAs' check-ins at the same hour are no clash."""
    pairs: list[tuple[Occurrence, Occurrence]] = []
    active: list[Occurrence] = []
    for occ in occurrences:
        active = [a for a in active if a.end > occ.start]
        pairs.extend((a, occ) for a in active if _clash(a, occ))
        active.append(occ)
    return pairs


def by_week(occurrences: list[Occurrence]) -> dict[dt.date, list[Occurrence]]:
    """Group by the Monday of each ISO week."""
    weeks: dict[dt.date, list[Occurrence]] = {}
    for occ in occurrences:
        monday = occ.start.date() - dt.timedelta(days=occ.start.weekday())
        weeks.setdefault(monday, []).append(occ)
    return weeks
