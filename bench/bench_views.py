"""The week view, the report and the served site with ``/preview``: what they cost beside
what they are built on.

For N accounts (bench/gen.py), each command runs in a fresh process, median of ``--runs``:

- ``preview --format json`` (the floor: build, serialise, expand) against ``--format html``
  (the same plus the grids and Jinja2), with the page's size;
- ``report --format json`` (the quarter plus the fiscal year expanded);
- the site ``serve`` builds (every feed and subscribe page) without and with the week view.

    python bench/bench_views.py --sizes 10,100,500 --runs 3
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
build_site(cfg, today=clock.today(TODAY), now=clock.now(TODAY), base_url="https://x.example",
           previous=lambda f, p: None, tokens=store, preview=sys.argv[3] == "1")
print(time.perf_counter() - start)
"""


def _timed(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100,500")
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TACAL_LOCK_DIR": tmp, "XDG_STATE_HOME": tmp}
        print(
            "| accounts | occurrences | json | html | html/json | page size | report json |"
            " site | site + /preview |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
        for n in (int(s) for s in opts.sizes.split(",")):
            config = Path(tmp) / f"b{n}.toml"
            config.write_text(generate(n), encoding="utf-8")
            base = ["tacal", "--config", str(config), "--today", TODAY, "-q"]
            html = Path(tmp) / f"b{n}.html"
            out = Path(tmp) / f"b{n}.json"
            subprocess.run([*base, "build", "-o", str(Path(tmp) / "x.ics")], check=True, env=env)
            subprocess.run(
                [*base, "preview", "--format", "json", "-o", str(out)], check=True, env=env
            )
            count = out.read_text().count('"uid"')
            runs = {
                "json": [*base, "preview", "--format", "json", "-o", str(out)],
                "html": [*base, "preview", "--format", "html", "-o", str(html)],
                "report": [*base, "report", "--format", "json", "-o", str(out)],
            }
            med = {
                k: statistics.median(_timed(cmd, env) for _ in range(opts.runs))
                for k, cmd in runs.items()
            }
            tokens = Path(tmp) / f"b{n}.tokens.json"
            site = {}
            for flag in ("0", "1"):
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
            print(
                f"| {n} | {count} | {med['json']:.2f} s | {med['html']:.2f} s | "
                f"{med['html'] / med['json']:.2f}x | {html.stat().st_size / 1e6:.1f} MB | "
                f"{med['report']:.2f} s | {site['0']:.2f} s | {site['1']:.2f} s |"
            )


if __name__ == "__main__":
    main()
