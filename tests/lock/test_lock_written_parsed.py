"""A lock this build writes is remembered as parsed (``lock.parsed``), so the next build reads
it without tomllib: what is remembered must be exactly what tomllib makes of the text, key
order and value types included, for every lock tacal writes."""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tacal import toml_cache
from tacal.config import lock as lock_file
from tacal.model import Lock, LockEntry
from tests.conftest import FIXTURES, Result

Tacal = Callable[..., Result]


def encoded(data: object) -> str:
    """The cache's stored form (order-sensitive), which is what the next build decodes."""
    return json.dumps(toml_cache._encode(data))


def assert_parsed_like_tomllib(lock: Lock) -> None:
    raw = lock_file.parsed(lock)
    assert raw is not None
    assert encoded(raw) == encoded(tomllib.loads(lock_file.dump(lock)))
    # what a build writes and stores: the same text, and the stored form of the same values
    text, stored = lock_file.written(lock)
    assert text == lock_file.dump(lock)
    assert json.dumps(stored) == encoded(raw)


def entry(**kw: object) -> LockEntry:
    base: dict[str, object] = {
        "placed": dt.date(2027, 3, 1),
        "start": dt.datetime(2027, 3, 2, 10, 0),
        "sequence": 0,
        "dtstamp": dt.datetime(2027, 3, 1, 9, 30, 12, tzinfo=dt.UTC),
        "hash": "abc",
    }
    return LockEntry(**{**base, **kw})  # type: ignore[arg-type]


def test_odd_values_are_parsed_like_tomllib() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    lock = Lock(
        team='t "quoted" \\ back',
        entries={
            "$dollar@tacal": entry(summary="$x"),
            'z"uid\\x@tacal': entry(summary='Tab\there "q" \\ \x01 é 🎉', rule=None),
            "a.b@tacal": entry(
                summary="",
                rule="FREQ=WEEKLY;BYDAY=MO",
                start=dt.datetime(2027, 3, 2, 10, 0, 0, 250, tzinfo=berlin),
                skip=(dt.datetime(2027, 4, 5, 10, 0),),
                extra=(dt.datetime(2027, 4, 6, 10, 0),),
                slot="MO 10:00",
                people=("ana", "bo"),
                duration=30,
                attendees=("a@x.example",),
                inputs="deadbeef",
                moves=((dt.datetime(2027, 4, 5, 10, 0), dt.datetime(2027, 4, 6, 11, 0)),),
                busy_moves=(
                    (
                        dt.datetime(2027, 5, 3, 10, 0, tzinfo=berlin),
                        dt.datetime(2027, 5, 3, 12, 0, tzinfo=dt.UTC),
                    ),
                ),
                busy_kept=(dt.datetime(2027, 6, 7, 10, 0),),
                dtstamp=dt.datetime(2027, 3, 1, 9, 30, 12, 999, tzinfo=berlin),
            ),
            "m@tacal": entry(duration=45),
        },
    )
    assert_parsed_like_tomllib(lock)
    assert_parsed_like_tomllib(Lock(team="empty"))


@pytest.mark.parametrize("name", ["lock40.toml", "accounts.toml", "feeds.toml", "sydney.toml"])
def test_locks_tacal_writes_are_parsed_like_tomllib(tacal: Tacal, name: str) -> None:
    config = FIXTURES / name
    if not config.exists():
        pytest.skip(f"no fixture {name}")
    result = tacal("--today", "2027-03-11", "-q", "--config", str(config), "build", "-o", "-")
    assert result.code == 0, result.err
    folder = Path(os.environ["TACAL_LOCK_DIR"])
    (path,) = folder.glob("*.lock")
    text = path.read_text()
    lock = lock_file.parse(text, path, tomllib.loads(text)["team"])
    assert lock.entries
    assert_parsed_like_tomllib(lock)


def test_the_next_build_reads_the_written_lock_without_tomllib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = Lock(team="t", entries={"a@tacal": entry(summary="A")})
    path = tmp_path / "t.lock"
    assert lock_file.save(lock, path)
    calls: list[str] = []
    real = tomllib.loads
    monkeypatch.setattr(tomllib, "loads", lambda text: calls.append(text) or real(text))
    again = lock_file.parse(path.read_text(), path, "t")
    assert calls == []
    assert again.entries == lock_file.parse(lock_file.dump(lock), None, "t").entries
