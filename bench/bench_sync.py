"""Benchmark 3: `tacal sync` against the Calendar emulator beside a plain one-insert-per-event
importer, with 50 ms of latency on every HTTP request.

    python bench/bench_sync.py [--sizes 100,1000] [--latency 0.05] [--quick] [--real-pacing]

For each size: a first sync into an empty calendar, a no-op re-sync, and a re-sync after one
series changed (the "Vitally Traits Review" cadence is renamed; moving its time would also
move the account check-ins packed around it), each through
``tacal.gcal.sync.sync`` with a fresh client, as ``tacal sync`` runs it (the calendar is built
beforehand and not timed: bench_build_preview.py measures that). The floor inserts each VEVENT
of the same calendar with its own ``events.insert`` request (bench/_importer.py), like
``gcalcli import``; it has no notion of "unchanged", so re-running it costs the same requests
again (and duplicates every event): it is measured once per size. A last run repeats the
first sync with ``--batch-size 1000`` (the largest tacal accepts), the fewest requests.
"minimum" is the fewest requests possible: one list page per 2,500 events listed, plus the
writes in full batches (tacal's writes come in up to three dependent rounds: series, then
occurrence exceptions, then clearing the pending marker).

Pacing: tacal paces calls with a sliding 60-second window (at most 550 calls in any minute,
batches split to fit) to stay under Google's ~600 calls/minute/user. By default the limiter's
sleeps are simulated: its clock
is the real monotonic clock plus the time it has "slept", so every request, latency and CPU
second is real and only the waiting is added arithmetically. "paced s" is the wall time the
shipped pacing gives (what a user waits), "unpaced s" the same run's real time without the
waiting. ``--real-pacing`` really sleeps instead (minutes at 1,000 accounts).

Quota: "peak/60s" is the most API calls (each call inside a batch counts, as Google counts
them) in any 60-second window of the run; "calls/min" is calls per minute of wall time (a rate:
a run shorter than a minute can show more than 600 without any window holding 600 calls).
The emulator runs in a child process (bench/_gcal.py) so its CPU is not charged to the client.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _gcal import EmulatorProcess  # noqa: E402
from _importer import import_calendar  # noqa: E402
from gen import generate  # noqa: E402

TODAY = "2026-11-24"
QUOTA = 600  # Google Calendar: calls per minute per user
LIST_PAGE = 2500


# ------------------------------------------------------------------------------ pacing clock
class PacingClock:
    """The token bucket's clock and sleep. Simulated: ``sleep`` adds to an offset instead of
    waiting, and ``now`` is the real monotonic clock plus that offset, so the bucket refills
    exactly as it would over real time. ``real=True`` sleeps for real."""

    def __init__(self, real: bool = False) -> None:
        self.real = real
        self.offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        if self.real:
            time.sleep(seconds)
        else:
            self.offset += seconds


def _recording_timing(clock: PacingClock, log: list[tuple[float, int]]) -> Any:
    """The shipped Timing (default limits) whose bucket logs (time, calls) per request."""
    from tacal.gcal.transport import Timing, TokenBucket

    class RecordingBucket(TokenBucket):
        def acquire(self, n: int) -> None:
            super().acquire(n)
            log.append((self.timing.clock(), n))

    class RecordingTiming(Timing):
        def bucket(self) -> TokenBucket:
            if self._bucket is None:
                self._bucket = RecordingBucket(self)
            return self._bucket

    return RecordingTiming(sleep=clock.sleep, clock=clock.now)


def peak_window(log: list[tuple[float, int]], window: float = 60.0) -> int:
    """Most calls sent within any ``window`` seconds (two pointers over the time-sorted log)."""
    best = total = lo = 0
    for hi in range(len(log)):
        total += log[hi][1]
        while log[hi][0] - log[lo][0] >= window:
            total -= log[lo][1]
            lo += 1
        best = max(best, total)
    return best


def quota_minimum(calls: int) -> float:
    """Shortest span in which any client can send ``calls`` with at most QUOTA in any
    minute: QUOTA at once, the next QUOTA a minute later, and so on."""
    return 60.0 * ((calls - 1) // QUOTA) if calls else 0.0


# ------------------------------------------------------------------------------ one run
@dataclass
class Run:
    label: str
    requests: int
    calls: int
    writes: int
    pages: int
    batches: int
    unpaced: float
    paced: float
    cpu: float
    peak: int
    counts: dict[str, int] = field(default_factory=dict)
    listed: int = 0
    batch_size: int = 50

    @property
    def minimum(self) -> int:
        return max(1, math.ceil(self.listed / LIST_PAGE)) + math.ceil(self.writes / self.batch_size)

    @property
    def per_minute(self) -> float:
        return self.calls / self.paced * 60 if self.paced else 0.0


def tacal_sync(
    calendar: Any, em: EmulatorProcess, label: str, *, real_pacing: bool, batch_size: int = 50
) -> Run:
    """One `tacal sync` as the CLI runs it: fresh client, shipped pacing, default options."""
    from tacal.gcal.auth import EMULATOR_ENV, build_service
    from tacal.gcal.sync import sync

    os.environ[EMULATOR_ENV] = em.host_port
    bundle = build_service()
    clock = PacingClock(real_pacing)
    log: list[tuple[float, int]] = []
    timing = _recording_timing(clock, log)
    listed_before = em.event_count(include_cancelled=True)
    em.reset_log()
    start, real0, cpu0 = clock.now(), time.perf_counter(), time.process_time()
    try:
        report = sync(calendar, service_bundle=bundle, batch_size=batch_size, timing=timing)
    finally:
        bundle.close()
    cpu = time.process_time() - cpu0
    paced = clock.now() - start
    # simulated: the real elapsed time had no waiting in it; real: take the waiting out
    unpaced = paced - timing.bucket().waited if real_pacing else time.perf_counter() - real0
    stats = em.stats()
    calls = sum(n for _, n in log)
    if stats["api_calls"] != calls or stats["http_requests"] != report.http_requests:
        raise SystemExit(
            f"{label}: emulator saw {stats}, tacal counted {calls} calls and "
            f"{report.http_requests} requests"
        )
    return Run(
        label,
        stats["http_requests"],
        calls,
        stats["write_calls"],
        report.list_pages,
        report.batches,
        unpaced,
        paced,
        cpu,
        peak_window(log),
        report.counts(),
        listed=listed_before,
        batch_size=batch_size,
    )


def floor_import(calendar: Any, em: EmulatorProcess) -> Run:
    em.wipe()
    cpu0 = time.process_time()
    seconds, stamps = import_calendar(calendar, em.host_port)
    cpu = time.process_time() - cpu0
    stats = em.stats()
    log = [(t, 1) for t in stamps]
    return Run(
        "import",
        stats["http_requests"],
        stats["api_calls"],
        stats["write_calls"],
        0,
        0,
        seconds,
        seconds,
        cpu,
        peak_window(log),
    )


def changed(config_text: str) -> str:
    """The config with one series changed: the traits review gets a new title."""
    new, n = re.subn(
        r'^summary = "Vitally Traits Review"$',
        'summary = "Vitally Traits Review (renamed)"',
        config_text,
        count=1,
        flags=re.M,
    )
    if n != 1:
        raise SystemExit("generated config has no Vitally Traits Review cadence")
    return new


def calendar_of(text: str, work: Path) -> Any:
    from tacal import clock
    from tacal import config as config_mod
    from tacal.ical.calendar import calendar_for

    path = work / "tacal.toml"
    path.write_text(text)
    config = config_mod.load(path)
    return calendar_for(config, today=clock.today(TODAY), now=clock.now(TODAY))


# ------------------------------------------------------------------------------ tables
def _s(x: float) -> str:
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument(
        "--latency", type=float, default=0.05, help="seconds added to every HTTP request [0.05]"
    )
    parser.add_argument("--quick", action="store_true", help="100 accounts only (under a minute)")
    parser.add_argument(
        "--real-pacing",
        action="store_true",
        help="sleep for real in the token bucket (minutes at 1,000 accounts)",
    )
    parser.add_argument("--no-floor", action="store_true", help="skip the importer")
    args = parser.parse_args()
    sizes = [100] if args.quick else [int(x) for x in args.sizes.split(",")]
    console = Console()
    requests = Table(
        title=f"Sync requests: tacal sync vs one events.insert per VEVENT "
        f"(emulator, {args.latency * 1000:.0f} ms per HTTP request)"
    )
    for col in (
        "accounts",
        "run",
        "VEVENTs",
        "events listed",
        "tacal requests",
        "minimum",
        "list pages",
        "batches",
        "API calls",
        "writes",
        "import requests",
        "ratio",
    ):
        requests.add_column(col, justify="right")
    timing = Table(
        title="Sync wall time and quota: tacal (pacing as shipped) vs the importer "
        f"(no pacing); quota {QUOTA} calls/min/user"
    )
    for col in (
        "accounts",
        "run",
        "tacal CPU s",
        "tacal unpaced s",
        "tacal paced s",
        "import s",
        "ratio paced",
        "tacal calls/min",
        "tacal peak/60s",
        "import calls/min",
        "import peak/60s",
        "quota-min s",
    ):
        timing.add_column(col, justify="right")
    with EmulatorProcess() as em, tempfile.TemporaryDirectory() as d:
        work = Path(d)
        os.environ["XDG_CONFIG_HOME"] = str(work / "xdg")
        em.latency(args.latency)
        for n in sizes:
            text = generate(n)
            cal = calendar_of(text, work)
            vevents = len(cal.walk("VEVENT"))
            cal2 = calendar_of(changed(text), work)
            em.wipe()
            runs = [
                tacal_sync(cal, em, "first sync", real_pacing=args.real_pacing),
                tacal_sync(cal, em, "no-op re-sync", real_pacing=args.real_pacing),
                tacal_sync(cal2, em, "one series changed", real_pacing=args.real_pacing),
            ]
            if runs[1].requests != runs[1].pages or runs[2].counts["updated"] != 1:
                raise SystemExit(f"unexpected plans: {runs[1].counts} / {runs[2].counts}")
            em.wipe()
            runs.append(
                tacal_sync(
                    cal,
                    em,
                    "first, --batch-size 1000",
                    real_pacing=args.real_pacing,
                    batch_size=1000,
                )
            )
            floor = None if args.no_floor else floor_import(cal, em)
            console.print(f"measured {n} accounts", style="dim")
            for r in runs:
                fr = floor.requests if floor else 0
                requests.add_row(
                    str(n),
                    r.label,
                    str(vevents),
                    str(r.listed),
                    str(r.requests),
                    str(r.minimum),
                    str(r.pages),
                    str(r.batches),
                    str(r.calls),
                    str(r.writes),
                    str(fr) if floor else "-",
                    f"{r.requests / fr:.3f}x" if floor else "-",
                )
                timing.add_row(
                    str(n),
                    r.label,
                    _s(r.cpu),
                    _s(r.unpaced),
                    _s(r.paced),
                    _s(floor.paced) if floor else "-",
                    f"{r.paced / floor.paced:.2f}x" if floor else "-",
                    f"{r.per_minute:.0f}",
                    str(r.peak),
                    f"{floor.per_minute:.0f}" if floor else "-",
                    str(floor.peak) if floor else "-",
                    f"{quota_minimum(r.calls):.0f}",
                )
            requests.add_section()
            timing.add_section()
    console.print(requests)
    console.print(timing)
    console.print(
        f"quota-min s = the shortest time any client needs for tacal's calls at <= "
        f"{QUOTA} in any minute; the importer above {QUOTA}/60s would meet Google's "
        "rate-limit errors instead of its time shown",
        style="dim",
    )


if __name__ == "__main__":
    main()
