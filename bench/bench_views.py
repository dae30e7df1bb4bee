"""The week view, the report and the served site with ``/preview``: what they cost beside
what they are built on.

For N accounts (bench/gen.py), each command runs in a fresh process, median of ``--runs``:

- ``preview --format json`` (the floor: build, serialise, expand) against ``--format html``
  (the same plus the grids and Jinja2), with the page's size;
- ``report --format json`` (the quarter plus the fiscal year expanded);
- the site ``serve`` builds (every feed and subscribe page) without and with the week view,
  in-process, planning each feed's stamps from its previous bytes (no lock stamps handed in);
- ``tacal publish`` into an empty folder (what a user runs: the lock's stamps, every file).

``--code DIR`` runs another checkout's ``tacal`` (a worktree of an older commit, for a
before/after); a command that checkout lacks shows as ``n/a``.

    python bench/bench_views.py --sizes 10,100,500 --runs 3
    python bench/bench_views.py --sizes 100,500 --code /tmp/before
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import generate  # noqa: E402

TODAY = "2026-11-24"

SITE = """
import sys, time
from pathlib import Path
from tacal import config as config_mod
from tacal.feeds.site import build_site
from tacal.feeds.tokens import TokenStore
from tacal import clock
TODAY = sys.argv[4]
cfg = config_mod.load(Path(sys.argv[1]))
store = TokenStore.load(Path(sys.argv[2]))
start = time.perf_counter()
extra = {"preview": True} if sys.argv[3] == "1" else {}
build_site(cfg, today=clock.today(TODAY), now=clock.now(TODAY), base_url="https://x.example",
           previous=lambda f, p: None, tokens=store, **extra)
print(time.perf_counter() - start)
"""


def _timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start if done.returncode == 0 else float("nan")


def _median(runs: list[float]) -> float:
    return float("nan") if any(r != r for r in runs) else statistics.median(runs)


def _fmt(seconds: float) -> str:
    return "n/a" if seconds != seconds else f"{seconds:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100,500")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--code", help="a checkout whose tacal to run instead")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TACAL_LOCK_DIR": tmp, "XDG_STATE_HOME": tmp}
        if opts.code:
            env["PYTHONPATH"] = str(Path(opts.code).resolve())
        print(
            "| accounts | occurrences | json | html | html/json | page size | report json |"
            " site | site + /preview | publish |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for n in (int(s) for s in opts.sizes.split(",")):
            config = Path(tmp) / f"b{n}.toml"
            config.write_text(generate(n), encoding="utf-8")
            base = ["tacal", "--config", str(config), "--today", TODAY, "-q"]
            html = Path(tmp) / f"b{n}.html"
            out = Path(tmp) / f"b{n}.json"
            subprocess.run([*base, "build", "-o", str(Path(tmp) / "x.ics")], check=True, env=env)
            listed = subprocess.run(
                [*base, "preview", "--format", "json"], check=True, env=env, capture_output=True
            ).stdout
            count = listed.decode().count('"uid"')
            runs = {
                "json": [*base, "preview", "--format", "json"],
                "html": [*base, "preview", "--format", "html", "-o", str(html)],
                "report": [*base, "report", "--format", "json", "-o", str(out)],
            }
            med = {
                k: _median([_timed(cmd, env) for _ in range(opts.runs)]) for k, cmd in runs.items()
            }
            tokens = Path(tmp) / f"b{n}.tokens.json"
            flags = ("0", "1") if _has_preview(env) else ("0",)
            site = {"1": float("nan")}
            for flag in flags:
                site[flag] = statistics.median(
                    float(
                        subprocess.run(
                            [sys.executable, "-c", SITE, str(config), str(tokens), flag, TODAY],
                            check=True,
                            env=env,
                            capture_output=True,
                            text=True,
                        ).stdout
                    )
                    for _ in range(opts.runs)
                )
            folders = [Path(tmp) / f"pub{n}-{i}" for i in range(opts.runs)]
            publish = _median(
                [
                    _timed([*base, "publish", str(d), "--base-url", "https://x"], env)
                    for d in folders
                ]
            )
            ratio = med["html"] / med["json"]
            size = f"{html.stat().st_size / 1e6:.1f} MB" if html.exists() else "n/a"
            print(
                f"| {n} | {count} | {_fmt(med['json'])} | {_fmt(med['html'])} | "
                f"{'n/a' if ratio != ratio else f'{ratio:.2f}x'} | {size} | "
                f"{_fmt(med['report'])} | {_fmt(site['0'])} | {_fmt(site['1'])} | "
                f"{_fmt(publish)} |"
            )


def _has_preview(env: dict[str, str]) -> bool:
    """Whether the checkout's build_site takes ``preview`` (older ones have no /preview)."""
    probe = (
        "import inspect, tacal.feeds.site as s; "
        "print('preview' in str(inspect.signature(s.build_site)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    return out.stdout.strip() == "True"


if __name__ == "__main__":
    main()
