"""``[people.KEY] busy`` and ``[team] busy_horizon``: validated, located, paths resolved."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tacal.config import load
from tacal.config import lock as lock_file
from tacal.errors import ConfigError
from tacal.model import Lock, LockEntry
from tests.conftest import Result

BASE = """[team]
name = "T"
id = "t"
timezone = "UTC"
{team}
[people.ana]
email = "ana@t.example"
role = "ta"
{person}
[[cadence]]
id = "sync"
summary = "Sync"
rule = "weekly"
day = "TU"
"""


def _write(tmp_path: Path, team: str = "", person: str = "") -> Path:
    path = tmp_path / "tacal.toml"
    path.write_text(BASE.format(team=team, person=person))
    return path


@pytest.mark.parametrize(
    ("value", "days"), [('"P8W"', 56), ('"P30D"', 30), ('"P4W3D"', 31), ('"P52W"', 364)]
)
def test_busy_horizon_in_weeks_and_days(tmp_path: Path, value: str, days: int) -> None:
    config = load(_write(tmp_path, team=f"busy_horizon = {value}"))
    assert config.team.busy_horizon == dt.timedelta(days=days)


def test_busy_horizon_defaults_to_eight_weeks(tmp_path: Path) -> None:
    assert load(_write(tmp_path)).team.busy_horizon == dt.timedelta(weeks=8)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"8 weeks"', "is not a duration in weeks or days"),
        ('"P2M"', "is not a duration in weeks or days"),
        ('"P"', "is not a duration in weeks or days"),
        ("8", "is not a duration in weeks or days"),
        ('"P0D"', "use 1 day to a year"),
        ('"P60W"', "use 1 day to a year"),
    ],
)
def test_bad_busy_horizon_is_a_located_error(tmp_path: Path, value: str, message: str) -> None:
    path = _write(tmp_path, team=f"busy_horizon = {value}")
    with pytest.raises(ConfigError) as err:
        load(path)
    text = str(err.value.problems[0])
    assert text.startswith(f"{path}:5: team.busy_horizon")
    assert message in text


def test_busy_sources_google_urls_and_paths_relative_to_the_config(tmp_path: Path) -> None:
    assert load(_write(tmp_path, person='busy = "google"')).people["ana"].busy == "google"
    url = "https://calendar.example.com/basic.ics"
    assert load(_write(tmp_path, person=f'busy = "{url}"')).people["ana"].busy == url
    sub = tmp_path / "cfg"
    sub.mkdir()
    config = load(_write(sub, person='busy = "feeds/ana.ics"'))
    assert config.people["ana"].busy == str(sub / "feeds" / "ana.ics")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('""', "is not a busy source"),
        ("true", "is not a busy source"),
        ('"ftp://x.example/a.ics"', "only http(s) URLs are read"),
        ('"webcal://x.example/a.ics"', "only http(s) URLs are read"),
    ],
)
def test_bad_busy_source_is_a_located_error(tmp_path: Path, value: str, message: str) -> None:
    path = _write(tmp_path, person=f"busy = {value}")
    with pytest.raises(ConfigError) as err:
        load(path)
    text = str(err.value.problems[0])
    assert text.startswith(f"{path}:9: people.ana.busy")
    assert message in text


def test_validate_busy_without_sources_says_what_to_add(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    path = _write(tmp_path)
    result = tacal("--config", path, "--today", "2027-02-01", "validate", "--busy")
    assert result.code == 2
    assert "nobody has a busy source" in result.err


def test_lock_keeps_busy_moves_and_kept_occurrences(tmp_path: Path) -> None:
    t = dt.datetime(2027, 2, 8, 14)
    entry = LockEntry(
        placed=dt.date(2027, 2, 1),
        start=dt.datetime(2027, 2, 1, 14),
        sequence=1,
        dtstamp=dt.datetime(2027, 2, 1, tzinfo=dt.UTC),
        hash="h",
        slot="MO 14:00",
        people=("ana",),
        duration=30,
        busy_moves=((t, t + dt.timedelta(hours=1)),),
        busy_kept=(t + dt.timedelta(weeks=1),),
    )
    text = lock_file.dump(Lock(team="t", entries={"u@tacal": entry}))
    assert "busy_moves = [[2027-02-08T14:00:00, 2027-02-08T15:00:00]]" in text
    assert "busy_kept = [2027-02-15T14:00:00]" in text
    assert lock_file.parse(text, None, "t").entries["u@tacal"] == entry
    broken = text.replace("busy_moves = [[", "busy_moves = [")
    broken = broken.replace("2027-02-08T15:00:00]]", "2027-02-08T15:00:00]")
    with pytest.raises(ConfigError, match="busy_moves = .* is not a list of"):
        lock_file.parse(broken, None, "t")


def test_regression_busy_sources_without_busy_times_change_no_byte(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """A team that adds busy sources whose calendars are empty gets the same calendar."""
    empty = tmp_path / "empty.ics"
    empty.write_text("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nEND:VCALENDAR\r\n")
    plain = _write(tmp_path)
    first = tacal("--config", plain, "--today", "2027-02-01", "build", "-o", "a.ics")
    assert first.code == 0, first.err
    (Path(os.environ["TACAL_LOCK_DIR"]) / "t.lock").unlink()  # placed afresh both times
    with_busy = _write(tmp_path, person='busy = "empty.ics"')
    second = tacal("--config", with_busy, "--today", "2027-02-01", "build", "-o", "b.ics")
    assert second.code == 0, second.err
    assert (tmp_path / "a.ics").read_bytes() == (tmp_path / "b.ics").read_bytes()
