"""Independent readers of tacal's output, shared by tests: icalendar+recurring-ical-events on
one side, vobject+python-dateutil on the other. They share no code with tacal's rule
generation, so agreement means the file itself says what we think it says."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import recurring_ical_events
import vobject
import vobject.icalendar
from icalendar import Calendar


def reset_vobject() -> None:
    """vobject caches VTIMEZONEs by TZID process-wide; clear it so each file is read alone."""
    registry = vobject.icalendar.__dict__["__tzidMap"]
    registry.clear()


Occurrences = list[tuple[str, dt.datetime]]


def expand_icalendar(data: bytes, start: dt.datetime, end: dt.datetime) -> Occurrences:
    cal = Calendar.from_ical(data)
    return sorted(
        (str(e["UID"]), e.decoded("DTSTART").astimezone(dt.UTC))
        for e in recurring_ical_events.of(cal).between(start, end)
    )


def expand_vobject(data: bytes, start: dt.datetime, end: dt.datetime) -> Occurrences:
    """Parse with vobject (its VTIMEZONE reader is dateutil's tzical) and expand with dateutil."""
    reset_vobject()
    cal = vobject.readOne(data.decode("utf-8"))
    out = []
    for ev in cal.vevent_list:
        uid = ev.uid.value
        if hasattr(ev, "recurrence_id"):
            continue
        ruleset = ev.getrruleset(addRDate=True)
        occ = [ev.dtstart.value] if ruleset is None else ruleset.between(start, end, inc=True)
        out.extend((uid, o.astimezone(dt.UTC)) for o in occ if start <= o < end)
    return sorted(out)


def utc_window(start: str, end: str, tz: str) -> tuple[dt.datetime, dt.datetime]:
    z = ZoneInfo(tz)
    return (dt.datetime.combine(dt.date.fromisoformat(start), dt.time(0), tzinfo=z),
            dt.datetime.combine(dt.date.fromisoformat(end), dt.time(0), tzinfo=z))
