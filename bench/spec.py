"""Turn a built .ics into plain data for the build floor (untimed set-up)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from icalendar import Calendar, Event


def spec(ics: Path) -> dict:
    cal = Calendar.from_ical(ics.read_bytes())
    events = []
    for ev in cal.walk("VEVENT"):
        def dates(name: str, ev: Event = ev) -> list[str]:
            value = ev.get(name)
            if value is None:
                return []
            values = value if isinstance(value, list) else [value]
            return [d.dt.replace(tzinfo=None).isoformat() for v in values for d in v.dts]

        attendees = ev.get("ATTENDEE", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        events.append({
            "uid": str(ev["UID"]),
            "start": ev.decoded("DTSTART").replace(tzinfo=None).isoformat(),
            "end": ev.decoded("DTEND").replace(tzinfo=None).isoformat(),
            "rrule": ev["RRULE"].to_ical().decode() if "RRULE" in ev else None,
            "exdates": dates("EXDATE"),
            "rdates": dates("RDATE"),
            "summary": str(ev.get("SUMMARY", "")),
            "description": str(ev.get("DESCRIPTION", "")),
            "categories": [str(c) for c in ev["CATEGORIES"].cats] if "CATEGORIES" in ev else [],
            "attendees": [str(a).removeprefix("mailto:") for a in attendees],
        })
    return {"tz": str(cal["X-WR-TIMEZONE"]),
            "vtimezones": [t.to_ical().decode() for t in cal.walk("VTIMEZONE")],
            "events": events}


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(spec(Path(sys.argv[1]))))
