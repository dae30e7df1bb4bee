"""Shared fixtures: the fixture folder, an in-process CLI runner that goes through main()."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Result:
    code: int
    out: str
    err: str
    stdout_bytes: bytes


def _run(args: list[str]) -> Result:
    """Run ``tacal ARGS`` in-process through the real entry point (one error handler)."""
    from tacal.cli import main

    out_buf, err_buf = io.BytesIO(), io.BytesIO()
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout = io.TextIOWrapper(out_buf, encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(err_buf, encoding="utf-8", write_through=True)
    code = 0
    try:
        main(args)
    except SystemExit as exc:
        code = int(exc.code or 0) if not isinstance(exc.code, str) else 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        raw, err_raw = out_buf.getvalue(), err_buf.getvalue()
        sys.stdout, sys.stderr = old_out, old_err
    return Result(code, raw.decode("utf-8", "replace"), err_raw.decode("utf-8"), raw)


@pytest.fixture(scope="session", autouse=True)
def _state_outside_the_repo(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Locks, build caches, feed tokens and serve state never land in tests/fixtures or the user's home:
    session-wide first (module fixtures build too), then one fresh folder per test."""
    import os

    base = tmp_path_factory.mktemp("state")
    os.environ["XDG_STATE_HOME"] = str(base / "xdg")
    os.environ["TACAL_LOCK_DIR"] = str(base / "locks")
    os.environ["TACAL_CACHE_DIR"] = str(base / "cache")


@pytest.fixture(autouse=True)
def _fresh_lock_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("locks")
    monkeypatch.setenv("TACAL_LOCK_DIR", str(folder))
    monkeypatch.setenv("XDG_STATE_HOME", str(folder / "xdg"))
    monkeypatch.setenv("TACAL_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def tacal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Result]:
    """Call as ``tacal("build", "-o", "-")``; runs in tmp_path with a wide terminal."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("TACAL_CONFIG", raising=False)
    monkeypatch.delenv("TACAL_TODAY", raising=False)
    return lambda *args: _run([str(a) for a in args])


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
