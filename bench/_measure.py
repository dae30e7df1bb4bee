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
from collections.abc import Callable
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


def tacal_build(config: Path, out: Path) -> Callable[[], None]:
    """The whole command: load and validate the config, plan, render, write atomically."""
    return lambda: _run(["--config", str(config), "--today", TODAY, "-q", "build", "-o", str(out)])


def tacal_preview(config: Path, out: Path) -> Callable[[], None]:
    """The whole command: build the calendar, then expand the next quarter from its bytes."""

    def run() -> None:
        sink = io.StringIO()
        with contextlib.redirect_stdout(sink):
            _run(["--config", str(config), "--today", TODAY, "-q", "preview", "--format", "json"])
        assert sink.getvalue().startswith("[")

    return run


def floor_build(spec: Path, out: Path) -> Callable[[], None]:
    """icalendar alone: the same VEVENTs (every property and parameter), built directly."""
    import pickle

    from icalendar import Calendar, Event

    data = pickle.loads(spec.read_bytes())  # set-up, outside the clock

    def run() -> None:
        cal = Calendar()
        cal.add("prodid", "-//floor//EN")
        cal.add("version", "2.0")
        for block in data["vtimezones"]:
            cal.add_component(Calendar.from_ical(block))
        for props in data["events"]:
            ev = Event()
            for name, value in props:
                ev.add(name, value)
            cal.add_component(ev)
        out.write_bytes(cal.to_ical())

    return run


def floor_preview(ics: Path, out: Path) -> Callable[[], None]:
    """recurring-ical-events alone: parse the same file and expand the same quarter."""
    from zoneinfo import ZoneInfo

    import recurring_ical_events
    from icalendar import Calendar

    data = ics.read_bytes()

    def run() -> None:
        cal = Calendar.from_ical(data)
        tz = ZoneInfo(str(cal.get("X-WR-TIMEZONE", "UTC")))
        lo = dt.datetime.combine(QUARTER[0], dt.time(0), tzinfo=tz)
        hi = dt.datetime.combine(QUARTER[1], dt.time(0), tzinfo=tz)
        assert recurring_ical_events.of(cal).between(lo, hi)

    return run


KINDS = {
    "tacal-build": tacal_build,
    "tacal-preview": tacal_preview,
    "floor-build": floor_build,
    "floor-preview": floor_preview,
}

if __name__ == "__main__":
    kind, src, dst = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    # import what the kind needs before timing, so both sides pay imports outside the clock
    import icalendar  # noqa: F401
    import recurring_ical_events  # noqa: F401

    import tacal.cli  # noqa: F401

    work = KINDS[kind](src, dst)
    start = time.perf_counter()
    work()
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "maxrss_mb": rss}))
