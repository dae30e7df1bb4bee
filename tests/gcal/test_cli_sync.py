"""`tacal sync` end to end: the CLI, the real client, the emulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Result
from tests.support.gcal_emulator import CalendarEmulator, gcal_emulator  # noqa: F401  (fixture)


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gcal_emulator: CalendarEmulator
) -> CalendarEmulator:  # noqa: F811
    shutil.copy(FIXTURES / "berlin.toml", tmp_path / "tacal.toml")
    monkeypatch.setenv("TACAL_GCAL_EMULATOR_HOST", gcal_emulator.host_port)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return gcal_emulator


def series(em: CalendarEmulator) -> list[dict[str, object]]:
    """The calendar's events that are not exceptions of a series (moved occurrences)."""
    return [e for e in em.events() if "recurringEventId" not in e]


def test_sync_twice_then_change_one(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    project.put_event(
        "primary",
        {
            "id": "handmade01",
            "summary": "Dentist",
            "start": {"dateTime": "2027-02-02T10:00:00Z"},
            "end": {"dateTime": "2027-02-02T11:00:00Z"},
        },
    )
    first = tacal("--today", "2027-01-10", "sync")
    assert first.code == 0, first.err
    assert "created 3; 0 unchanged" in first.out
    assert len(series(project)) == 4
    # the stand-up's two holiday moves are exceptions of its series
    assert len(project.events()) == 6
    project.reset_log()
    second = tacal("--today", "2027-01-10", "sync")
    assert second.code == 0, second.err
    assert second.out.splitlines() == [
        "Google Calendar primary: synced",
        "nothing to write; 3 unchanged",
        "1 HTTP request, 0 writes",
    ]
    assert project.write_call_count() == 0
    config = tmp_path / "tacal.toml"
    config.write_text(config.read_text().replace('time = "09:30"', 'time = "09:45"'))
    third = tacal("--today", "2027-01-10", "sync")
    assert "updated 1; 2 unchanged" in third.out, third.out
    assert {e["summary"] for e in project.events()} == {
        "Dentist",
        "Stand-up",
        "Month close",
        "Fiscal quarter kickoff",
    }


def test_dry_run_writes_nothing_and_shows_the_plan(
    tacal: Callable[..., Result], project: CalendarEmulator
) -> None:
    result = tacal("--today", "2027-01-10", "sync", "--dry-run")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "Google Calendar primary: dry run (times in Europe/Berlin)",
        "would create 3; 0 unchanged",
        "",
        "create  Fiscal quarter kickoff  from Mon 5 Apr 10:00; 1 guest",
        "create  Month close             from Fri 29 Jan 16:00; 1 guest",
        "create  Stand-up                from Tue 12 Jan 09:30; 1 guest",
        "",
        "1 HTTP request, 0 writes",
    ]
    assert project.write_call_count() == 0
    assert project.events() == []


def test_mass_delete_guard(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    assert tacal("--today", "2027-01-10", "sync").code == 0
    config = tmp_path / "tacal.toml"
    text = config.read_text()
    config.write_text(text[: text.index("[[cadence]]")])  # the config came out empty
    result = tacal("--today", "2027-01-10", "sync")
    assert result.code == 2
    assert "--allow-deletes" in result.err
    assert "Traceback" not in result.err
    assert len(series(project)) == 3
    allowed = tacal("--today", "2027-01-10", "sync", "--allow-deletes")
    assert allowed.code == 0 and "deleted 3; 0 unchanged" in allowed.out
    assert project.events() == []


def test_sync_table_in_config_is_validated(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    config = tmp_path / "tacal.toml"
    lines = len(config.read_text().splitlines())
    config.write_text(config.read_text() + '\n[sync]\nsend_updates = "everyone"\nbatch = 3\n')
    result = tacal("validate")
    assert result.code == 2
    assert (
        f"tacal.toml:{lines + 3}: sync.send_updates: 'everyone': use one of none | all"
        in result.err
    )
    assert f"tacal.toml:{lines + 4}: sync.batch: unknown key 'batch'" in result.err


def test_send_updates_from_config(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    config = tmp_path / "tacal.toml"
    config.write_text(config.read_text() + '\n[sync]\nsend_updates = "all"\ncalendar = "team"\n')
    project.add_calendar("team")
    assert tacal("--today", "2027-01-10", "sync").code == 0
    assert len([e for e in project.events("team") if "recurringEventId" not in e]) == 3
    assert project.events() == []


def test_unknown_calendar_is_a_clear_error(
    tacal: Callable[..., Result], project: CalendarEmulator
) -> None:
    result = tacal("--today", "2027-01-10", "sync", "--calendar", "nope@group.calendar.google.com")
    assert result.code == 2
    assert "nope@group.calendar.google.com" in result.err
    assert "Traceback" not in result.err


def test_missing_credentials(
    tacal: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TACAL_GCAL_EMULATOR_HOST", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    shutil.copy(FIXTURES / "berlin.toml", tmp_path / "tacal.toml")
    result = tacal("sync", "--dry-run")
    assert result.code == 2
    assert "credentials file not found" in result.err
    assert "credentials.example.json" in result.err


def test_regression_sync_without_a_token_or_a_terminal_exits_at_once(tmp_path: Path) -> None:
    """From cron (stdin not a terminal) with no saved token, sync opened a browser sign-in
    and waited for it forever; now it stops at once with the steps to authorise."""
    import os
    import subprocess
    import sys
    import time

    shutil.copy(FIXTURES / "berlin.toml", tmp_path / "tacal.toml")
    credentials = FIXTURES.parents[1] / "credentials.example.json"
    env = {k: v for k, v in os.environ.items() if k != "TACAL_GCAL_EMULATOR_HOST"}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "xdg"), BROWSER="false", DISPLAY="")
    started = time.monotonic()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tacal",
            "sync",
            "--credentials",
            str(credentials),
            "--calendar",
            "primary",
        ],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - started < 30
    assert done.returncode == 2, done.stderr
    assert "no saved Google authorisation" in done.stderr
    assert "tacal sync --dry-run" in done.stderr and "service-account" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "xdg" / "tacal" / "token.json").exists()
