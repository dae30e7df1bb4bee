"""The CLI surface: init, preview formats, the default-config notice, the clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from freezegun import freeze_time

from tests.conftest import FIXTURES, Result


def test_default_config_is_announced_on_stderr(tacal: Callable[..., Result]) -> None:
    result = tacal("--today", "2026-11-24", "validate")
    assert result.code == 0
    assert "using the built-in default" in result.err
    assert result.out.startswith("built-in default: OK (15 cadences")


def test_init_writes_an_editable_default(tacal: Callable[..., Result], tmp_path: Path) -> None:
    result = tacal("init", "team")
    assert result.code == 0, result.err
    written = (tmp_path / "team" / "tacal.toml").read_text()
    assert written.startswith("# tacal.toml: your team's meeting cadences")
    assert (tmp_path / "team" / "templates" / "mbr.md.j2").is_file()
    # it is used from there and builds the same calendar as the built-in default
    os.chdir(tmp_path / "team")
    ours = tacal("--today", "2026-11-24", "build", "-o", "-")
    assert ours.code == 0 and "using the built-in default" not in ours.err
    os.chdir(tmp_path)
    builtin = tacal("--today", "2026-11-24", "build", "-o", "-")
    assert ours.stdout_bytes == builtin.stdout_bytes
    # a second init refuses to overwrite what the user may have edited
    again = tacal("init", "team")
    assert again.code == 2 and "already exists; nothing written" in again.err


def test_config_from_env(tacal: Callable[..., Result], monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TACAL_CONFIG", str(FIXTURES / "berlin.toml"))
    result = tacal("validate")
    assert result.code == 0 and "berlin.toml: OK (3 cadences" in result.out


def test_preview_json_shape(tacal: Callable[..., Result]) -> None:
    result = tacal(
        "--config",
        FIXTURES / "berlin.toml",
        "--today",
        "2027-01-10",
        "preview",
        "--quarter",
        "current",
        "--format",
        "json",
    )
    assert result.code == 0, result.err
    items = json.loads(result.out)
    assert items[0] == {
        "uid": "berlin.fq@tacal",  # January starts a fiscal quarter when the FY starts in April
        "cadence": "fq",
        "summary": "Fiscal quarter kickoff",
        "start": "2027-01-04T10:00:00+01:00",
        "end": "2027-01-04T11:00:00+01:00",
        "account": None,
        "attendees": ["anna@example.com"],
    }
    # FY starts in April: the current quarter on 2027-01-10 is Jan-Mar 2027
    assert all("2027-01-01" <= i["start"][:10] < "2027-04-01" for i in items)
    assert [i["start"] for i in items] == sorted(i["start"] for i in items)


def test_preview_table_groups_by_week(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = (FIXTURES / "berlin.toml").read_text().replace('time = "16:00"', 'time = "10:30"')
    text = text.replace('day = "FR"', 'day = "TU"')
    (tmp_path / "tacal.toml").write_text(text)
    result = tacal("--today", "2027-01-10", "preview", "--from", "2027-01-25", "--to", "2027-02-01")
    assert result.code == 0, result.err
    assert "Week of Mon 2027-01-25: 2 meetings, 0.8 h" in result.out
    assert "overlapping" not in result.err


def test_regression_team_cadences_at_the_same_time_are_a_located_error(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """Two exact-time cadences that collide used to build with only a preview warning."""
    text = (FIXTURES / "berlin.toml").read_text().replace('time = "16:00"', 'time = "09:30"')
    text = text.replace('day = "FR"', 'day = "TU"')
    (tmp_path / "tacal.toml").write_text(text)
    result = tacal("--today", "2027-01-10", "preview", "--from", "2027-01-25", "--to", "2027-02-01")
    assert result.code == 2
    config = tmp_path / "tacal.toml"
    assert result.err.strip() == (
        f"{config}:24: cadence 'last-friday': meets at the same time as cadence 'standup' "
        f"({config}:15) for Anna Schmidt, on Tue 2027-01-26 09:30 and 9 more times; move one "
        "of them"
    )


def test_preview_window_errors(tacal: Callable[..., Result]) -> None:
    assert "go together" in tacal("preview", "--from", "2027-01-01").err
    assert (
        "--to must be after --from"
        in tacal("preview", "--from", "2027-02-01", "--to", "2027-01-01").err
    )


@freeze_time("2027-05-20 15:00:00")
def test_now_comes_from_the_clock_when_not_pinned(tacal: Callable[..., Result]) -> None:
    """No --today: the default quarter and DTSTAMP follow the (frozen) system clock."""
    result = tacal("--config", FIXTURES / "berlin.toml", "preview", "--format", "json")
    items = json.loads(result.out)
    assert items[0]["start"][:7] == "2027-07"  # next fiscal quarter after May (FY from April)
    built = tacal("--config", FIXTURES / "berlin.toml", "build", "-o", "-")
    assert "DTSTAMP:20270520T150000Z" in built.out


def test_python_m_tacal_and_console_script(tmp_path: Path) -> None:
    env = {**os.environ, "TACAL_TODAY": "2026-11-24"}
    env.pop("TACAL_CONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "tacal", "-q", "preview", "--format", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)
    bad = subprocess.run(
        [sys.executable, "-m", "tacal", "--config", "missing.toml", "build"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr


def test_regression_a_line_number_is_not_an_emoji(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """rich turned "tacal.toml:100:" into "tacal.toml💯" in error messages."""
    text = (FIXTURES / "berlin.toml").read_text().replace('time = "16:00"', 'time = "25:00"')
    line = text.splitlines().index('time = "25:00"') + 1
    text = "\n" * (100 - line) + text  # the bad time on line 100
    (tmp_path / "tacal.toml").write_text(text)
    result = tacal("validate")
    assert result.code == 2
    assert f"{tmp_path / 'tacal.toml'}:100: " in result.err, result.err
    assert all(
        line.startswith(f"{tmp_path / 'tacal.toml'}:") for line in result.err.splitlines()
    ), result.err
