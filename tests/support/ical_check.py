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
    """Parse with vobject (its VTIMEZONE reader is dateutil's tzical) and expand with dateutil.

    A RECURRENCE-ID override replaces the occurrence it names, wherever it moves it (RFC 5545,
    3.8.4.4); it must name an occurrence of its series.
    """
    reset_vobject()
    cal = vobject.readOne(data.decode("utf-8"))
    moved: dict[str, dict[dt.datetime, dt.datetime]] = {}
    for ev in cal.vevent_list:
        if hasattr(ev, "recurrence_id"):
            moved.setdefault(ev.uid.value, {})[ev.recurrence_id.value] = ev.dtstart.value
    out = []
    margin = dt.timedelta(days=366)  # an override may move an occurrence into the window
    for ev in cal.vevent_list:
        uid = ev.uid.value
        if hasattr(ev, "recurrence_id"):
            continue
        ruleset = ev.getrruleset(addRDate=True)
        occ = (
            [ev.dtstart.value]
            if ruleset is None
            else ruleset.between(start - margin, end + margin, inc=True)
        )
        mine = moved.pop(uid, {})
        assert {r for r in mine if start - margin <= r <= end + margin} <= set(occ), (
            f"{uid}: an override names no occurrence of its series"
        )
        starts = [mine.get(o, o) for o in occ]
        out.extend((uid, o.astimezone(dt.UTC)) for o in starts if start <= o < end)
    assert not moved, f"overrides without their series: {sorted(moved)}"
    return sorted(out)


def utc_window(start: str, end: str, tz: str) -> tuple[dt.datetime, dt.datetime]:
    z = ZoneInfo(tz)
    return (
        dt.datetime.combine(dt.date.fromisoformat(start), dt.time(0), tzinfo=z),
        dt.datetime.combine(dt.date.fromisoformat(end), dt.time(0), tzinfo=z),
    )
