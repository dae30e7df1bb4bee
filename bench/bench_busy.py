"""Busy times (issue #17): what reading and avoiding people's calendars costs a build.

Generates a team with N accounts (bench/gen.py), gives every person a busy feed (an .ics
file with a weekly meeting and a one-off on most workdays over the horizon), and times
``tacal build`` with and without them (``--no-busy``), each in a fresh process, plus how many
freebusy.query requests Google would take for that many people (ceil(people / 50)), counted
against the Calendar emulator.

    python bench/bench_busy.py --accounts 1000 --repeat 5
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gen import generate  # noqa: E402

TODAY = dt.date(2026, 11, 24)


def _feed(index: int) -> str:
    """A busy calendar: a weekly hour and a one-off on most workdays, eight weeks."""
    events = []
    first = TODAY + dt.timedelta(days=(index % 5))
    hour = 9 + index % 7
    events.append(
        f"BEGIN:VEVENT\r\nUID:w{index}@bench\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{first:%Y%m%d}T{hour + 5:02d}0000Z\r\n"
        f"DTEND:{first:%Y%m%d}T{hour + 6:02d}0000Z\r\n"
        "RRULE:FREQ=WEEKLY\r\nEND:VEVENT"
    )
    for d in range(56):
        day = TODAY + dt.timedelta(days=d)
        if day.weekday() >= 5 or (d + index) % 4 == 0:
            continue
        start = 14 + (d * 7 + index) % 8
        events.append(
            f"BEGIN:VEVENT\r\nUID:o{index}-{d}@bench\r\nDTSTAMP:20260101T000000Z\r\n"
            f"DTSTART:{day:%Y%m%d}T{start:02d}3000Z\r\nDTEND:{day:%Y%m%d}T{start + 1:02d}0000Z\r\n"
            "END:VEVENT"
        )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n"
        + "\r\n".join(events)
        + "\r\nEND:VCALENDAR\r\n"
    )


def _with_busy(text: str, folder: Path) -> tuple[str, int]:
    keys = re.findall(r"^\[people\.([^\]]+)\]$", text, flags=re.M)
    for i, key in enumerate(keys):
        (folder / f"{key}.ics").write_text(_feed(i))
        text = text.replace(f"[people.{key}]\n", f'[people.{key}]\nbusy = "{key}.ics"\n', 1)
    return text, len(keys)


def _time(args: list[str], env: dict[str, str], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        for lock in Path(env["TACAL_LOCK_DIR"]).glob("*.lock"):
            lock.unlink()  # every run places afresh
        t0 = time.perf_counter()
        subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
        out.append(time.perf_counter() - t0)
    return out


def _google_requests(people: int) -> int:
    from tacal.busy import google
    from tacal.gcal.auth import build_service
    from tests.support.gcal_emulator import CalendarEmulator

    with CalendarEmulator() as em:
        os.environ["TACAL_GCAL_EMULATOR_HOST"] = em.host_port
        emails = [f"p{i}@bench.example" for i in range(people)]
        for e in emails:
            em.add_calendar(e)
        bundle = build_service()
        start = dt.datetime.combine(TODAY, dt.time(0), dt.UTC)
        google.query(emails, start, start + dt.timedelta(weeks=8), service=bundle.service)
        bundle.close()
        return sum(1 for r in em.requests if r.path.endswith("/freeBusy"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        text, people = _with_busy(generate(args.accounts), folder)
        config = folder / "tacal.toml"
        config.write_text(text)
        env = {**os.environ, "TACAL_LOCK_DIR": str(folder / "locks")}
        (folder / "locks").mkdir()
        base = [sys.executable, "-m", "tacal", "-q", "--config", str(config)]
        base += ["--today", TODAY.isoformat()]
        busy = _time([*base, "build", "-o", str(folder / "a.ics")], env, args.repeat)
        blind = _time([*base, "--no-busy", "build", "-o", str(folder / "b.ics")], env, args.repeat)
        print(f"{args.accounts} accounts, {people} people with busy feeds, {args.repeat} runs")
        print(f"build --no-busy: median {statistics.median(blind):.2f} s (min {min(blind):.2f})")
        print(f"build with busy: median {statistics.median(busy):.2f} s (min {min(busy):.2f})")
        print(f"ratio: {statistics.median(busy) / statistics.median(blind):.2f}x")
        for n in (people, 120):
            print(f"freebusy.query requests for {n} people: {_google_requests(n)}")


if __name__ == "__main__":
    main()
