"""Regressions: whether a config is accepted must not depend on which modules were imported.

``[sync]`` and ``[feeds]`` used to be checked by hooks that ``tacal.cli`` and ``tacal.feeds``
registered on import, so ``tacal.config.parse`` alone accepted ``batch_size = 0``; and
``import tacal.cli_sync`` on its own failed with an import cycle.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    from tacal.config import parse
    from tacal.errors import ConfigError
    base = open("tacal/default.toml", encoding="utf-8").read()
    try:
        parse(base + TABLE, None)
    except ConfigError as exc:
        for p in exc.problems:
            print(p)
    else:
        print("ACCEPTED")
""")


def parse_alone(table: str) -> list[str]:
    """Problems ``parse`` reports in a fresh interpreter that imported nothing else."""
    code = f"TABLE = {table!r}\n" + SCRIPT
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def test_regression_sync_table_checked_without_the_cli() -> None:
    lines = parse_alone("\n[sync]\nbatch_size = 0\nbogus = 1\n")
    assert "ACCEPTED" not in lines
    assert any("sync.batch_size: 0: use a whole number from 1 to 1000" in x for x in lines)
    assert any("sync.bogus: unknown key 'bogus'" in x for x in lines)


def test_regression_feeds_table_checked_without_the_feeds_module() -> None:
    lines = parse_alone('\n[feeds]\nrefresh = "nope"\n')
    assert any("feeds.refresh: 'nope' is not a positive ISO 8601 duration" in x for x in lines)


def test_regression_cli_sync_imports_alone() -> None:
    subprocess.run([sys.executable, "-c", "import tacal.cli.sync"], cwd=ROOT, check=True)
