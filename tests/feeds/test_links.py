"""Handing people their links: which base URL ``tacal feeds list`` / ``rotate`` use (and say
so), the mail-merge CSV, and a running ``tacal serve`` recorded in its state folder."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tacal.feeds.running import RECORD
from tacal.feeds.source import default_state_dir
from tacal.feeds.tokens import TokenStore
from tests.conftest import Result
from tests.support.feed_server import TODAY, copy_fixture

BASE = "https://cal.example.com/ta"


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    return copy_fixture(tmp_path)


def tokens(config: Path) -> dict[str, str]:
    return TokenStore.load(config.with_name("tacal.tokens.json")).tokens


def base_note(result: Result) -> str:
    [line] = [line for line in result.err.splitlines() if line.startswith("feed URLs use ")]
    return line


def run(tacal: Callable[..., Result], config: Path, *args: object) -> Result:
    result = tacal("--config", config, "--today", TODAY, *args)
    assert result.code == 0, result.err
    return result


def test_list_says_which_base_url_it_used(tacal: Callable[..., Result], config: Path) -> None:
    result = run(tacal, config, "feeds", "list")
    assert base_note(result) == (
        "feed URLs use http://127.0.0.1:8080, the default address of `tacal serve`: none is "
        "running for this config and no base URL is set (pass --base-url, or set [feeds] "
        "base_url)"
    )
    result = run(tacal, config, "feeds", "list", "--base-url", BASE + "/")
    assert result.err.splitlines() == [f"feed URLs use {BASE}, from --base-url"]
    assert f"{BASE}/team.ics" in result.out
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace('refresh = "PT2H"', f'refresh = "PT2H"\nbase_url = "{BASE}"'), encoding="utf-8"
    )
    result = run(tacal, config, "feeds", "rotate", "person-ana")
    assert base_note(result) == f"feed URLs use {BASE}, from [feeds] base_url in {config}"
    assert result.out.startswith(f"person-ana  private  {BASE}/")
    assert "`tacal feeds list --format csv` lists everyone's new link" in result.err
    assert run(tacal, config, "-q", "feeds", "list").err == ""


def test_list_as_a_mail_merge_csv(tacal: Callable[..., Result], config: Path) -> None:
    result = run(tacal, config, "feeds", "list", "--format", "csv", "--base-url", BASE)
    tok = tokens(config)
    rows = list(csv.reader(io.StringIO(result.out)))
    assert rows == [["name", "email", "feed_id", "url", "page"]] + [
        [name, email, fid, f"{BASE}/{tok[fid]}/{fid}.ics", f"{BASE}/{tok[fid]}/index.html"]
        for name, email, fid in [
            ("Ana Ortiz", "ana@example.com", "person-ana"),
            ("Ben Okafor", "ben@example.com", "person-ben"),
            ("Cleo Weiss", "cleo@example.com", "person-cleo"),
            ("Dan Berg", "dan@example.com", "person-dan"),
        ]
    ]
    assert result.out.endswith("\n") and "\r" not in result.out


def test_a_name_with_a_comma_is_quoted(tacal: Callable[..., Result], config: Path) -> None:
    config.write_text(
        config.read_text(encoding="utf-8").replace('name = "Ana Ortiz"', 'name = "Ortiz, Ana"')
    )
    result = run(tacal, config, "-q", "feeds", "list", "--format", "csv", "--base-url", BASE)
    assert result.out.splitlines()[1].startswith('"Ortiz, Ana",ana@example.com,person-ana,')


# --------------------------------------------------------------------------- a running serve


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def serve(config: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``python -m tacal serve`` on a free port, with the default state folder."""
    port = _free_port()
    env = {**os.environ, "TACAL_TODAY": TODAY, "XDG_STATE_HOME": str(tmp_path / "xdg")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tacal", "--config", str(config), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    record = default_state_dir(config) / RECORD
    deadline = time.monotonic() + 30
    while not record.exists():
        assert proc.poll() is None, proc.communicate()[1].decode()
        assert time.monotonic() < deadline, "serve did not start"
        time.sleep(0.1)
    try:
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=15)


def test_list_and_rotate_use_the_running_serve(
    tacal: Callable[..., Result], config: Path, serve: tuple[subprocess.Popen[bytes], int]
) -> None:
    proc, port = serve
    record = json.loads((default_state_dir(config) / RECORD).read_text())
    assert record == {
        "base_url": f"http://127.0.0.1:{port}",
        "address": f"http://127.0.0.1:{port}",
        "pid": proc.pid,
    }
    result = run(tacal, config, "feeds", "list")
    assert base_note(result) == (
        f"feed URLs use http://127.0.0.1:{port}, the base URL of the `tacal serve` running now "
        f"(pid {proc.pid})"
    )
    assert f"http://127.0.0.1:{port}/{tokens(config)['person-ana']}/person-ana.ics" in result.out
    result = run(tacal, config, "feeds", "rotate", "person-ana")
    assert result.out.strip().endswith(
        f"http://127.0.0.1:{port}/{tokens(config)['person-ana']}/person-ana.ics"
    )
    # an explicit --base-url still wins
    result = run(tacal, config, "feeds", "list", "--base-url", BASE)
    assert f"{BASE}/team.ics" in result.out
    # stopped (a service manager's SIGTERM), the server removes its record
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=15)
    assert not (default_state_dir(config) / RECORD).exists()
    assert "http://127.0.0.1:8080/" in run(tacal, config, "feeds", "list").out


def test_a_record_left_by_a_killed_serve_is_ignored(
    tacal: Callable[..., Result], config: Path, serve: tuple[subprocess.Popen[bytes], int]
) -> None:
    proc, port = serve
    proc.kill()  # no chance to clean up
    proc.communicate(timeout=15)
    assert (default_state_dir(config) / RECORD).exists()
    result = run(tacal, config, "feeds", "list")
    assert f":{port}/" not in result.out and "http://127.0.0.1:8080/" in result.out


# --------------------------------------------------------------------------- the index page


def test_published_index_says_how_to_get_your_link(
    tacal: Callable[..., Result], config: Path, tmp_path: Path
) -> None:
    run(tacal, config, "publish", tmp_path / "site", "--base-url", BASE)
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert (
        "<p>6 private calendars are not listed here: your own calendar (the meetings you attend) "
        "and each account's calendar have their own secret link, sent only to the people who "
        "need it, with a page to subscribe from. If you have not received yours, ask Ana Ortiz, "
        "who manages these calendars.</p>\n"
        "<p><small>For whoever manages the calendars: <code>tacal feeds list --format csv</code> "
        "gives every person's name, email and link, ready for a mail merge.</small></p>"
    ) in index
    assert "whoever runs tacal" not in index
    # with the organizer given as an address, that address is the contact
    text = config.read_text(encoding="utf-8").replace(
        'organizer = "ana"', 'organizer = "calendars@example.com"'
    )
    config.write_text(text, encoding="utf-8")
    run(tacal, config, "publish", tmp_path / "site", "--base-url", BASE)
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert (
        'ask <a class="contact" href="mailto:calendars@example.com">calendars@example.com'
        "</a>, who manages these calendars."
    ) in index


def test_rotate_a_misspelt_feed(tacal: Callable[..., Result], config: Path) -> None:
    result = tacal("--config", config, "--today", TODAY, "feeds", "rotate", "person-anna")
    assert result.code == 2
    assert result.err.splitlines() == [
        "tacal: error: no feed 'person-anna' (did you mean 'person-ana'?)",
        "  hint: `tacal feeds list` shows the feed ids",
    ]
