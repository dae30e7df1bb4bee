"""One measurement in a fresh process: prints {"seconds": ..., "maxrss_mb": ...} as JSON.

Kinds: tacal-build, floor-build, tacal-preview, floor-preview. The floors are the libraries alone
on the same data: icalendar serialising the same VEVENTs built directly, and recurring-ical-events
expanding the same file. Each process measures only its work (imports excluded), and reports
its peak resident memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import resource
import sys
import time
from pathlib import Path

TODAY = "2026-11-24"
QUARTER = (dt.date(2027, 2, 1), dt.date(2027, 5, 1))  # FY2028-Q1, the "next" quarter on TODAY


def _run(args: list[str]) -> None:
    """tacal's own entry point; a non-zero exit makes the benchmark fail loudly."""
    from tacal.cli import main

    try:
        main(args)
    except SystemExit as exc:
        if exc.code:
            raise RuntimeError(f"tacal {' '.join(args)} exited with {exc.code}") from None


def tacal_build(config: Path, out: Path) -> None:
    _run(["--config", str(config), "--today", TODAY, "-q", "build", "-o", str(out)])


def tacal_preview(config: Path, out: Path) -> None:
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        _run(["--config", str(config), "--today", TODAY, "-q", "preview", "--format", "json"])
    assert sink.getvalue().startswith("[")


def floor_build(spec: Path, out: Path) -> None:
    """icalendar alone: the same VEVENT properties, built directly from plain data."""
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event, vCalAddress, vRecur

    data = json.loads(spec.read_text())
    tz = ZoneInfo(data["tz"])
    cal = Calendar()
    cal.add("prodid", "-//floor//EN")
    cal.add("version", "2.0")
    from icalendar import Calendar as _C

    for block in data["vtimezones"]:
        cal.add_component(_C.from_ical(block))
    stamp = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
    for e in data["events"]:
        ev = Event()
        ev.add("uid", e["uid"])
        ev.add("dtstamp", stamp)
        ev.add("sequence", 0)
        ev.add("dtstart", dt.datetime.fromisoformat(e["start"]).replace(tzinfo=tz))
        ev.add("dtend", dt.datetime.fromisoformat(e["end"]).replace(tzinfo=tz))
        if e["rrule"]:
            ev.add("rrule", vRecur.from_ical(e["rrule"]))
        for name in ("exdate", "rdate"):
            if e[name + "s"]:
                ev.add(name, [dt.datetime.fromisoformat(x).replace(tzinfo=tz)
                              for x in e[name + "s"]])
        ev.add("summary", e["summary"])
        ev.add("description", e["description"])
        ev.add("categories", e["categories"])
        for a in e["attendees"]:
            addr = vCalAddress(f"mailto:{a}")
            ev.add("attendee", addr)
        cal.add_component(ev)
    out.write_bytes(cal.to_ical())


def floor_preview(ics: Path, out: Path) -> None:
    from zoneinfo import ZoneInfo

    import recurring_ical_events
    from icalendar import Calendar

    cal = Calendar.from_ical(ics.read_bytes())
    tz = ZoneInfo(str(cal.get("X-WR-TIMEZONE", "UTC")))
    lo = dt.datetime.combine(QUARTER[0], dt.time(0), tzinfo=tz)
    hi = dt.datetime.combine(QUARTER[1], dt.time(0), tzinfo=tz)
    found = recurring_ical_events.of(cal).between(lo, hi)
    assert found


KINDS = {"tacal-build": tacal_build, "tacal-preview": tacal_preview,
         "floor-build": floor_build, "floor-preview": floor_preview}

if __name__ == "__main__":
    kind, src, dst = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    # import what the kind needs before timing, so both sides pay imports outside the clock
    import icalendar  # noqa: F401
    import recurring_ical_events  # noqa: F401

    import tacal.cli  # noqa: F401

    start = time.perf_counter()
    KINDS[kind](src, dst)
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "maxrss_mb": rss}))
