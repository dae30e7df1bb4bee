"""Benchmarks 1 and 2: `tacal build` and `tacal preview` beside their library floors.

    python bench/bench_build_preview.py [--sizes 10,100,1000,10000] [--repeat 3]

Each figure is the median of --repeat runs, each run a fresh process (bench/_measure.py), so
peak memory is per run. Targets: build within 1.5x of icalendar alone, preview within 1.2x of
recurring-ical-events alone, growth linear in the number of accounts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen import generate  # noqa: E402
from spec import save, spec  # noqa: E402


def measure(kind: str, src: Path, dst: Path, repeat: int) -> tuple[float, float]:
    times, rss = [], []
    for _ in range(repeat):
        proc = subprocess.run(
            [sys.executable, str(HERE / "_measure.py"), kind, str(src), str(dst)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode:
            raise SystemExit(f"{kind} failed:\n{proc.stderr[-2000:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        times.append(result["seconds"])
        rss.append(result["maxrss_mb"])
    return statistics.median(times), max(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    console = Console()
    build = Table(title="Build: tacal build vs icalendar alone (same VEVENTs)")
    preview = Table(
        title="Preview of a fiscal quarter: tacal preview vs recurring-ical-events "
        "alone (same file)"
    )
    for t in (build, preview):
        for col in ("accounts", "series", "tacal s", "floor s", "ratio", "tacal MB", "floor MB"):
            t.add_column(col, justify="right")
    for n in [int(x) for x in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as d:
            work = Path(d)
            config = work / "tacal.toml"
            config.write_text(generate(n))
            ics = work / "tacal.ics"
            tb, tb_mem = measure("tacal-build", config, ics, args.repeat)
            save(spec(ics), work / "spec.pickle")
            series = ics.read_bytes().count(b"BEGIN:VEVENT")
            fb, fb_mem = measure(
                "floor-build", work / "spec.pickle", work / "floor.ics", args.repeat
            )
            tp, tp_mem = measure("tacal-preview", config, work / "unused", args.repeat)
            fp, fp_mem = measure("floor-preview", ics, work / "unused", args.repeat)
        build.add_row(
            str(n),
            str(series),
            f"{tb:.3f}",
            f"{fb:.3f}",
            f"{tb / fb:.2f}x",
            f"{tb_mem:.0f}",
            f"{fb_mem:.0f}",
        )
        preview.add_row(
            str(n),
            str(series),
            f"{tp:.3f}",
            f"{fp:.3f}",
            f"{tp / fp:.2f}x",
            f"{tp_mem:.0f}",
            f"{fp_mem:.0f}",
        )
        console.print(f"measured {n} accounts", style="dim")
    console.print(build)
    console.print(preview)


if __name__ == "__main__":
    main()
