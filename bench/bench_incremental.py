"""Benchmark 6: incremental `tacal build` (issue #11) on a generated team of N accounts.

    python bench/bench_incremental.py [--accounts 1000] [--repeat 5] [--before DIR]

Every figure is the wall time (and CPU time, user + system) of a whole `tacal build` process
(start-up and imports count: that is what a user waits for), median of --repeat runs.
Scenarios, each against a lock written by an earlier build of the same config:

- unchanged: nothing changed since the last build, same day (target < 0.5 s);
- one account: one account's check-in frequency changed since the last build (target < 1 s),
  both with the parsed lock taken out of the cache (a lock from elsewhere, e.g. a pull: the
  build that writes a lock stores it as parsed) and with it in the cache;
- new day: nothing changed, but the first build of a later day (the whole-build cache is keyed
  by the day; series bytes still come from the cache);
- no cache: nothing changed, with an empty cache folder (what a fresh CI checkout pays).

``--before DIR`` runs the same scenarios with the tacal source tree in DIR (e.g. the previous
commit, unpacked with ``git archive COMMIT | tar -x -C DIR``) on PYTHONPATH.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen import generate  # noqa: E402

TODAY = "2026-11-24"
LATER = "2026-11-25"


class Project:
    """A config, its lock folder and cache folder, and a way to run `tacal build` on them."""

    def __init__(self, work: Path, accounts: int, source: Path, bytecode: bool = False) -> None:
        self.work = work
        self.bytecode = bytecode
        self.config = work / "tacal.toml"
        self.text = generate(accounts)
        self.config.write_text(self.text)
        self.source = source
        self.cache = work / "cache"
        self.fresh = 0
        #: CPU seconds (user + system) of each build, in order
        self.cpu: list[float] = []

    def env(self, cache: Path | None = None) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONPATH": str(self.source),
            "TACAL_LOCK_DIR": str(self.work / "locks"),
            "XDG_STATE_HOME": str(self.work / "state"),
            "TACAL_CACHE_DIR": str(cache or self.cache),
        }
        if self.bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
        return env

    def build(self, today: str = TODAY, cache: Path | None = None) -> float:
        args = [sys.executable, "-m", "tacal", "--config", str(self.config), "--today", today]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(
            [*args, "-q", "build", "-o", str(self.work / "out.ics")],
            env=self.env(cache),
            cwd=self.work,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode:
            raise SystemExit(f"build failed:\n{proc.stderr[-2000:]}")
        self.cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        return seconds

    def set_check_in(self, value: str) -> None:
        first = self.text.index('check_in = "')
        end = self.text.index('"', first + len('check_in = "'))
        self.config.write_text(self.text[:first] + f'check_in = "{value}"' + self.text[end + 1 :])

    def empty_cache(self) -> Path:
        self.fresh += 1
        folder = self.work / f"empty-cache-{self.fresh}"
        return folder


def median(
    project: Project, runs: int, prepare: Callable[[int], None], measure: Callable[[int], float]
) -> tuple[float, float]:
    """Median wall and CPU seconds of ``measure`` (CPU: what a loaded machine inflates less)."""
    times, cpu = [], []
    for i in range(runs):
        prepare(i)
        times.append(measure(i))
        cpu.append(project.cpu[-1])
    return statistics.median(times), statistics.median(cpu)


def scenarios(project: Project, repeat: int) -> dict[str, tuple[float, float]]:
    project.build()  # writes the lock
    project.build()  # a build that changes nothing
    out = {}
    out["unchanged"] = median(project, repeat, lambda i: None, lambda i: project.build())
    values = ("weekly", "quarterly")

    def change(i: int) -> None:
        project.set_check_in(values[i % 2])
        project.build()  # settle: the lock now matches this config...
        project.set_check_in(values[(i + 1) % 2])  # ...and one account changes

    def change_unread(i: int) -> None:
        change(i)
        shutil.rmtree(project.cache / "toml", ignore_errors=True)

    # the lock the last build wrote was never read back (edit, build, edit, build)
    out["one account"] = median(project, repeat, change_unread, lambda i: project.build())
    # the lock was read before (the last build changed nothing, or alternating edits)
    out["one account, lock read before"] = median(
        project, repeat, change, lambda i: project.build()
    )
    project.config.write_text(project.text)
    project.build()
    project.build()
    days = [f"2026-11-{25 + i}" for i in range(repeat)]
    out["new day"] = median(project, repeat, lambda i: None, lambda i: project.build(days[i]))
    out["no cache"] = median(
        project, repeat, lambda i: None, lambda i: project.build(cache=project.empty_cache())
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", type=Path, help="tacal source tree to compare with")
    parser.add_argument(
        "--bytecode",
        action="store_true",
        help="let the builds write and use bytecode for tacal's own modules (as an installed "
        "tacal has; without it, PYTHONDONTWRITEBYTECODE in the environment makes every build "
        "compile tacal's sources again)",
    )
    args = parser.parse_args()
    sources = {"after": HERE.parent}
    if args.before:
        sources = {"before": args.before.resolve(), **sources}
    results = {}
    for label, source in sources.items():
        with tempfile.TemporaryDirectory() as d:
            results[label] = scenarios(
                Project(Path(d), args.accounts, source, args.bytecode), args.repeat
            )
            shutil.rmtree(Path(d) / "cache", ignore_errors=True)
    table = Table(title=f"tacal build, {args.accounts:,} accounts (median of {args.repeat})")
    table.add_column("scenario")
    for label in results:
        table.add_column(f"{label} wall s", justify="right")
        table.add_column(f"{label} CPU s", justify="right")
    for scenario in results["after"]:
        cells = []
        for label in results:
            wall, cpu = results[label][scenario]
            cells += [f"{wall:.2f}", f"{cpu:.2f}"]
        table.add_row(scenario, *cells)
    Console().print(table)


if __name__ == "__main__":
    main()
