"""Issue #11: ``tacal serve`` plans from the lock and writes it, like build, publish and sync.

Over real HTTP (a real server on 127.0.0.1): the feed a subscriber gets, the lock on disk and a
later ``tacal build`` agree on every SEQUENCE and DTSTAMP.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Result
from tests.support.feed_server import TODAY, copy_fixture, serving

TEAM_FEED = "/team.ics"
REVIEW = "feed-team.review@tacal"

Tacal = Callable[..., Result]


def lock_file() -> Path:
    return Path(os.environ["TACAL_LOCK_DIR"]) / "feed-team.lock"


def locked(uid: str) -> dict[str, object]:
    series = tomllib.loads(lock_file().read_text(encoding="utf-8"))["series"]
    entry = series[uid]
    assert isinstance(entry, dict)
    return entry


def events(data: bytes) -> bytes:
    """From the first VTIMEZONE to the end: what build and the team feed share (the feed adds
    REFRESH-INTERVAL and X-PUBLISHED-TTL to the calendar's own properties)."""
    return data[data.index(b"BEGIN:VTIMEZONE") :]


def build(tacal: Tacal, config: Path) -> bytes:
    result = tacal("--config", config, "--today", TODAY, "-q", "build", "-o", "-")
    assert result.code == 0, result.err
    return result.stdout_bytes


def test_serve_writes_the_lock_and_build_agrees(tacal: Tacal, tmp_path: Path) -> None:
    config = copy_fixture(tmp_path)
    assert not lock_file().exists()
    with serving(config, tmp_path / "state") as server:
        first = server.get(TEAM_FEED)
        assert first.status == 200
        entry = locked(REVIEW)
        assert entry["sequence"] == 0
        text = config.read_text(encoding="utf-8")
        assert 'time = "14:00"' in text
        config.write_text(text.replace('time = "14:00"', 'time = "15:00"', 1), encoding="utf-8")
        second = server.get(TEAM_FEED)
        assert second.body != first.body
        assert b"DTSTART;TZID=Europe/Berlin:20270107T150000" in second.body
        moved = locked(REVIEW)
        assert moved["sequence"] == 1
        assert moved["dtstamp"] != entry["dtstamp"] or moved["hash"] != entry["hash"]
        lock_after_serve = lock_file().read_bytes()
    built = build(tacal, config)
    assert events(built) == events(second.body)
    assert lock_file().read_bytes() == lock_after_serve  # build found nothing to change


def test_serve_takes_the_stamps_build_wrote(tacal: Tacal, tmp_path: Path) -> None:
    """A lock written by build is what serve serves from, even with an old serve state."""
    config = copy_fixture(tmp_path)
    state = tmp_path / "state"
    with serving(config, state) as server:
        server.get(TEAM_FEED)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('time = "14:00"', 'time = "16:00"', 1), encoding="utf-8")
    built = build(tacal, config)
    assert locked(REVIEW)["sequence"] == 1
    lock = lock_file().read_bytes()
    with serving(config, state) as server:
        served = server.get(TEAM_FEED)
    assert events(served.body) == events(built)
    assert lock_file().read_bytes() == lock


def test_a_lock_edited_while_serving_is_picked_up(tacal: Tacal, tmp_path: Path) -> None:
    """The lock is one of serve's inputs: a build (or `plan --reflow --apply`) that rewrites
    it while the server runs is served from at the next check."""
    config = copy_fixture(tmp_path)
    with serving(config, tmp_path / "state") as server:
        before = server.get(TEAM_FEED)
        snapshot = server.app.snapshot
        lock_file().unlink()
        after = server.get(TEAM_FEED)
        assert server.app.snapshot is not snapshot  # rebuilt: the lock changed
        assert lock_file().exists()  # and written again
        assert events(after.body) != b"" and after.status == before.status == 200
