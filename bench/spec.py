"""Turn a built .ics into plain data for the build floor (untimed set-up).

The floor must serialise the *same* VEVENTs: every property with its parameters. We keep each
property's icalendar value object (pickled), so the floor only pays for what icalendar itself
does: creating components, adding properties and serialising them.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

from icalendar import Calendar


def spec(ics: Path) -> dict[str, Any]:
    cal = Calendar.from_ical(ics.read_bytes())
    events = []
    for ev in cal.walk("VEVENT"):
        props: list[tuple[str, Any]] = []
        for name, value in ev.items():
            for v in value if isinstance(value, list) else [value]:
                props.append((name, v))
        events.append(props)
    return {"vtimezones": [t.to_ical() for t in cal.walk("VTIMEZONE")], "events": events}


def save(data: dict[str, Any], path: Path) -> None:
    path.write_bytes(pickle.dumps(data))


if __name__ == "__main__":
    save(spec(Path(sys.argv[1])), Path(sys.argv[2]))
