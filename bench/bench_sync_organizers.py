"""Benchmark 3b: `[sync] delegate = true`, every organizer's calendar synced one after the
other (one worker) against side by side (the shipped pool), 50 ms of latency per request.

    python bench/bench_sync_organizers.py [--organizers 10] [--series 20,200]
        [--latency 0.05] [--workers 1,4,10]

For each number of series per organizer: a first sync into empty calendars and a no-op
re-sync, each through ``tacal.gcal.multi.sync_calendars`` as ``tacal sync`` runs it with
delegation (one client per calendar acting as its organizer, one pacing window per
calendar), against the emulator in a child process with each user's own calendar on
(bench/_gcal.py). The series are weekly meetings, N per organizer, built here as a calendar
tacal would write (ORGANIZER, attendees, RRULE) and cut into one part per organizer by
``tacal.gcal.calendars.by_organizer``; building them is not timed.

Every run is checked: each organizer's calendar holds exactly its N series after the first
sync, and the re-sync writes nothing. Pacing is the shipped one (real clock, real sleeps): no
calendar here comes near 550 calls in a minute, so it never waits; what concurrency saves is
the round trips, which one worker waits out one calendar after another.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _gcal import EmulatorProcess  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

ZONE = "Europe/Berlin"


def calendar(organizers: int, series: int) -> Any:
    """``organizers`` x ``series`` weekly meetings, each organized by one of them."""
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event, vCalAddress

    cal = Calendar()
    cal.add("prodid", "-//tacal//bench//EN")
    cal.add("version", "2.0")
    tz = ZoneInfo(ZONE)
    start = dt.datetime(2027, 1, 4, 9, 0, tzinfo=tz)
    for k in range(organizers):
        for i in range(series):
            ev = Event()
            ev.add("uid", f"bench.s{k}-{i}@tacal")
            ev.add("summary", f"Check-In {k}-{i}")
            first = start + dt.timedelta(days=i % 5, minutes=30 * (i // 5 % 16))
            ev.add("dtstart", first)
            ev.add("dtend", first + dt.timedelta(minutes=30))
            ev.add("rrule", {"FREQ": "WEEKLY"})
            ev.add("dtstamp", dt.datetime(2027, 1, 1, tzinfo=dt.UTC))
            ev.add("organizer", vCalAddress(f"mailto:org{k}@example.com"))
            for who in (f"org{k}@example.com", f"ae{i % 3}@example.com", f"c{i}@cust.example"):
                ev.add("attendee", vCalAddress(f"mailto:{who}"))
            ev.add("x-tacal-cadence", "check-in")
            cal.add_component(ev)
    return cal


def run(cal: Any, em: EmulatorProcess, workers: int) -> tuple[float, float, int, int]:
    """One delegated sync: (wall seconds, client CPU seconds, HTTP requests, writes)."""
    from tacal.gcal.auth import EMULATOR_ENV, build_service
    from tacal.gcal.calendars import by_organizer
    from tacal.gcal.multi import Target, sync_calendars

    os.environ[EMULATOR_ENV] = em.host_port
    targets = [Target(who, part, subject=who) for who, part in by_organizer(cal).items()]
    em.reset_log()
    t0, cpu0 = time.perf_counter(), time.process_time()
    report = sync_calendars(
        targets,
        connect=lambda subject: build_service(None, subject),
        workers=workers,
        allow_deletes=False,
    )
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    stats = em.stats()
    if stats["http_requests"] != report.http_requests:
        raise SystemExit(f"emulator saw {stats}, tacal counted {report.http_requests}")
    return seconds, cpu, stats["http_requests"], stats["write_calls"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizers", type=int, default=10)
    parser.add_argument("--series", default="20,200", help="series per organizer, comma list")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--workers", default="1,4,10", help="pool sizes to compare")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.series.split(",")]
    pools = [int(x) for x in args.workers.split(",")]
    table = Table(
        title=f"delegated sync: {args.organizers} organizers, {args.latency * 1000:.0f} ms "
        "per request"
    )
    columns = ("series/org", "workers", "run", "requests", "writes", "CPU s", "wall s", "speed-up")
    for name in columns:
        table.add_column(name, justify="right" if name not in ("run",) else "left")
    with EmulatorProcess() as em:
        em.user_calendars(True)
        em.latency(args.latency)
        for n in sizes:
            cal = calendar(args.organizers, n)
            base: dict[str, float] = {}
            for workers in pools:
                em.wipe()
                for label in ("first sync", "no-op re-sync"):
                    seconds, cpu, requests, writes = run(cal, em, workers)
                    if label == "first sync":
                        for k in range(args.organizers):
                            held = em.event_count(calendar_id=f"org{k}@example.com")
                            if held != n:
                                raise SystemExit(f"org{k}: {held} events, not {n}")
                    elif writes:
                        raise SystemExit(f"re-sync wrote {writes} calls")
                    base.setdefault(label, seconds)
                    table.add_row(
                        str(n),
                        str(workers),
                        label,
                        str(requests),
                        str(writes),
                        f"{cpu:.2f}",
                        f"{seconds:.2f}",
                        f"{base[label] / seconds:.1f}x",
                    )
    Console(width=100).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
