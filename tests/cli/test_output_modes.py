"""File modes of what tacal writes (#12): ``build`` forced 0644 even under ``umask 077`` and
reset a 0600 calendar to 0644. New files now get the umask's mode, replaced files keep
theirs, and secrets are 0600 whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tacal.output import write_atomic
from tests.conftest import FIXTURES, Result


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    old = os.umask(0o022)
    os.umask(old)

    def set_umask(value: int) -> None:
        os.umask(value)

    try:
        yield set_umask
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_regression_build_honours_the_umask(
    tacal: Callable[..., Result], tmp_path: Path, umask: Callable[[int], None]
) -> None:
    umask(0o077)
    assert tacal("build", "-o", "private.ics").code == 0
    assert mode(tmp_path / "private.ics") == 0o600
    umask(0o022)
    assert tacal("build", "-o", "shared.ics").code == 0
    assert mode(tmp_path / "shared.ics") == 0o644
    umask(0o002)
    assert tacal("build", "-o", "group.ics").code == 0
    assert mode(tmp_path / "group.ics") == 0o664


@pytest.mark.parametrize("old_mode", [0o600, 0o640, 0o444])
def test_regression_build_keeps_an_existing_files_mode(
    tacal: Callable[..., Result], tmp_path: Path, umask: Callable[[int], None], old_mode: int
) -> None:
    umask(0o022)
    target = tmp_path / "tacal.ics"
    target.write_bytes(b"an older calendar\n")
    target.chmod(old_mode)
    result = tacal("build")
    assert result.code == 0, result.err
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert mode(target) == old_mode


def test_regression_publish_honours_the_umask_and_tokens_stay_private(
    tacal: Callable[..., Result], tmp_path: Path, umask: Callable[[int], None]
) -> None:
    config = tmp_path / "conf" / "tacal.toml"
    config.parent.mkdir()
    config.write_bytes((FIXTURES / "feeds.toml").read_bytes())
    umask(0o077)
    result = tacal("--config", config, "publish", tmp_path / "site", "--base-url", "https://x")
    assert result.code == 0, result.err
    files = [p for p in (tmp_path / "site").rglob("*") if p.is_file()]
    assert files and {mode(p) for p in files} == {0o600}
    umask(0o000)
    (config.parent / "tacal.tokens.json").unlink()
    assert tacal("--config", config, "feeds", "list").code == 0
    assert mode(config.parent / "tacal.tokens.json") == 0o600


def test_write_atomic_secret_mode_wins_over_umask_and_old_mode(
    tmp_path: Path, umask: Callable[[int], None]
) -> None:
    umask(0o000)
    secret = tmp_path / "token.json"
    secret.write_text("old")
    secret.chmod(0o666)
    write_atomic(secret, b"new", mode=0o600)
    assert mode(secret) == 0o600 and secret.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["token.json"], "no temp file left"
