"""`tacal sync --caldav` end to end: the CLI, the real caldav client, Radicale over HTTP
on 127.0.0.1, a real config through the whole pipeline."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Result
from tests.support.radicale_server import PASSWORD, USER, RadicaleServer, radicale_server  # noqa: F401

TODAY = ("--today", "2027-01-10")


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, radicale_server: RadicaleServer
) -> tuple[RadicaleServer, str]:  # noqa: F811
    shutil.copy(FIXTURES / "berlin.toml", tmp_path / "tacal.toml")
    monkeypatch.setenv("TACAL_CALDAV_PASSWORD", PASSWORD)
    return radicale_server, radicale_server.make_calendar()


def test_sync_twice_then_change_one(
    tacal: Callable[..., Result], project: tuple[RadicaleServer, str], tmp_path: Path
) -> None:
    server, url = project
    first = tacal(*TODAY, "sync", "--caldav", url, "--caldav-user", USER)
    assert first.code == 0, first.err
    assert first.out.splitlines()[:2] == [
        f"CalDAV {url}: synced (times in Europe/Berlin)",
        "created 3; 0 unchanged",
    ]
    assert len(server.objects(url)) == 3
    server.reset_log()
    second = tacal(*TODAY, "sync", "--caldav", url, "--caldav-user", USER)
    assert second.code == 0, second.err
    assert second.out.splitlines() == [
        f"CalDAV {url}: synced",
        "nothing to write; 3 unchanged",
        "2 HTTP requests, 0 writes",
    ]
    assert server.writes() == []
    config = tmp_path / "tacal.toml"
    config.write_text(config.read_text().replace('time = "09:30"', 'time = "09:45"'))
    server.reset_log()
    third = tacal(*TODAY, "sync", "--caldav", url, "--caldav-user", USER)
    assert "updated 1; 2 unchanged" in third.out, third.out
    assert "update  Stand-up" in third.out and "09:30 -> 09:45" in third.out
    assert [r.method for r in server.writes()] == ["PUT"]


def test_target_from_the_config_and_the_dry_run(
    tacal: Callable[..., Result], project: tuple[RadicaleServer, str], tmp_path: Path
) -> None:
    server, url = project
    config = tmp_path / "tacal.toml"
    config.write_text(
        config.read_text()
        + f'\n[sync]\ntarget = "caldav"\ncaldav_url = "{url}"\nusername = "{USER}"\n'
    )
    result = tacal(*TODAY, "sync", "--dry-run")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"CalDAV {url}: dry run (times in Europe/Berlin)",
        "would create 3; 0 unchanged",
        "",
        "create  Fiscal quarter kickoff  from Mon 5 Apr 10:00; 1 guest",
        "create  Month close             from Fri 29 Jan 16:00; 1 guest",
        "create  Stand-up                from Tue 12 Jan 09:30; 1 guest",
        "",
        "2 HTTP requests, 0 writes",
    ]
    assert server.writes() == [] and server.objects(url) == {}


def test_edited_on_the_server_is_shown_with_the_option(
    tacal: Callable[..., Result], project: tuple[RadicaleServer, str], tmp_path: Path
) -> None:
    import niquests

    server, url = project
    assert tacal(*TODAY, "sync", "--caldav", url, "--caldav-user", USER).code == 0
    name, data = next((n, d) for n, d in server.objects(url).items() if b"Month close" in d)
    with niquests.Session() as s:
        r = s.put(
            url + name,
            data=data.replace(b"SUMMARY:Month close", b"SUMMARY:Month close (Ann)"),
            headers={"Content-Type": "text/calendar"},
            auth=(USER, PASSWORD),
        )
    assert r.status_code == 204
    config = tmp_path / "tacal.toml"
    config.write_text(config.read_text().replace('time = "09:30"', 'time = "09:45"'))
    result = tacal(*TODAY, "sync", "--caldav", url, "--caldav-user", USER)
    assert result.code == 0, result.err
    assert "1 edited on the server (skipped)" in result.out
    line = next(ln for ln in result.out.splitlines() if ln.startswith("skip"))
    assert "edited on the server; --overwrite" in line
    assert b"Month close (Ann)" in server.objects(url)[name]


def test_google_only_flags_and_missing_password_are_exit_2(
    tacal: Callable[..., Result],
    project: tuple[RadicaleServer, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, url = project
    result = tacal(*TODAY, "sync", "--caldav", url, "--caldav-user", USER, "--send-updates", "all")
    assert result.code == 2 and "--send-updates applies to Google Calendar only" in result.err
    monkeypatch.delenv("TACAL_CALDAV_PASSWORD")
    result = tacal(*TODAY, "sync", "--caldav", url, "--caldav-user", USER)
    assert result.code == 2 and "TACAL_CALDAV_PASSWORD" in result.err
    assert "Traceback" not in result.err
    assert server.writes() == []


def test_wrong_password_is_exit_2_and_never_printed(
    tacal: Callable[..., Result],
    project: tuple[RadicaleServer, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, url = project
    monkeypatch.setenv("TACAL_CALDAV_PASSWORD", "hunter2-wrong")
    result = tacal(*TODAY, "sync", "--caldav", url, "--caldav-user", USER)
    assert result.code == 2
    assert "refused the sign-in" in result.err
    assert "hunter2" not in result.err + result.out


def test_sync_table_caldav_keys_are_validated(tacal: Callable[..., Result], tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "berlin.toml", tmp_path / "tacal.toml")
    config = tmp_path / "tacal.toml"
    lines = len(config.read_text().splitlines())
    config.write_text(
        config.read_text()
        + '\n[sync]\ntarget = "caldva"\ncaldav_url = "dav.example.com"\npassword = "s3cret"\n'
    )
    result = tacal("validate")
    assert result.code == 2
    assert f"tacal.toml:{lines + 3}: sync.target: 'caldva' (did you mean 'caldav'?)" in result.err
    assert f"tacal.toml:{lines + 4}: sync.caldav_url: 'dav.example.com'" in result.err
    assert f"tacal.toml:{lines + 5}: sync.password:" in result.err
    assert "$TACAL_CALDAV_PASSWORD" in result.err
    assert "s3cret" not in result.err


def test_caldav_target_needs_a_url(tacal: Callable[..., Result], tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "berlin.toml", tmp_path / "tacal.toml")
    config = tmp_path / "tacal.toml"
    config.write_text(config.read_text() + '\n[sync]\ntarget = "caldav"\n')
    result = tacal("validate")
    assert result.code == 2 and "needs caldav_url" in result.err


def test_sync_killed_mid_apply_converges_on_rerun(
    tacal: Callable[..., Result], project: tuple[RadicaleServer, str], tmp_path: Path
) -> None:
    """SIGKILL of a real `tacal sync` process while its second PUT is on the wire; the
    server still completes that PUT. The next run writes only what is missing."""
    import os
    import signal
    import subprocess
    import sys
    import threading

    server, url = project
    on_wire = threading.Event()
    release = threading.Event()
    puts = [0]

    def before(method: str, path: str) -> None:
        if method == "PUT":
            puts[0] += 1
            if puts[0] == 2:
                on_wire.set()
                release.wait(timeout=30)

    server.before = before
    env = dict(os.environ, TACAL_TODAY="2027-01-10")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tacal", "sync", "--caldav", url, "--caldav-user", USER],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert on_wire.wait(timeout=60), "the sync never reached its second write"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
    server.before = None
    assert len(server.objects(url)) < 3
    rerun = tacal(*TODAY, "sync", "--caldav", url, "--caldav-user", USER)
    assert rerun.code == 0, rerun.err
    assert len(server.objects(url)) == 3
    server.reset_log()
    again = tacal(*TODAY, "sync", "--caldav", url, "--caldav-user", USER)
    assert "nothing to write; 3 unchanged" in again.out
    assert server.writes() == []


def test_account_scope_touches_only_that_account(
    tacal: Callable[..., Result], project: tuple[RadicaleServer, str], tmp_path: Path
) -> None:
    server, url = project
    shutil.copy(FIXTURES / "accounts.toml", tmp_path / "tacal.toml")
    full = tacal(*TODAY, "sync", "--caldav", url, "--caldav-user", USER, "--allow-deletes")
    assert full.code == 0, full.err
    total = len(server.objects(url))
    server.reset_log()
    scoped = tacal(
        *TODAY, "sync", "--caldav", url, "--caldav-user", USER, "--account", "Aurora Labs"
    )
    assert scoped.code == 0, scoped.err
    header = scoped.out.splitlines()
    assert header[0] == f"CalDAV {url}, account Aurora Labs: synced"
    mine = int(header[1].split("nothing to write; ")[1].split(" unchanged")[0])
    assert 0 < mine < total
    flowing = " ".join(scoped.out.split())  # the header wraps at 80 columns
    assert f"{total - mine} other tacal events outside the scope left alone" in flowing
    assert server.writes() == []
