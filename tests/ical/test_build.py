"""``tacal build``: byte-identical rebuilds, SEQUENCE bumps on change only, atomic writes."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from icalendar import Calendar

from tests.conftest import FIXTURES, Result


def seqs(data: bytes) -> dict[str, tuple[int, str]]:
    cal = Calendar.from_ical(data)
    return {
        str(e["UID"]): (int(e["SEQUENCE"]), e["DTSTAMP"].to_ical().decode())
        for e in cal.walk("VEVENT")
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(FIXTURES / "berlin.toml", tmp_path / "tacal.toml")
    return tmp_path


def test_rebuild_is_byte_identical_on_a_later_day(
    tacal: Callable[..., Result], project: Path
) -> None:
    assert tacal("--today", "2027-01-10", "build").code == 0
    first = (project / "tacal.ics").read_bytes()
    assert tacal("--today", "2027-03-15", "build").code == 0
    assert (project / "tacal.ics").read_bytes() == first
    # and a fresh build to another path on the same day gives the same bytes too
    assert tacal("--today", "2027-01-10", "build", "-o", "other.ics").code == 0
    assert (project / "other.ics").read_bytes() == first


def test_sequence_bumps_only_for_changed_series(
    tacal: Callable[..., Result], project: Path
) -> None:
    assert tacal("--today", "2027-01-10", "build").code == 0
    before = seqs((project / "tacal.ics").read_bytes())
    config = project / "tacal.toml"
    config.write_text(config.read_text().replace('time = "09:30"', 'time = "09:45"'))
    result = tacal("--today", "2027-02-01", "build")
    assert result.code == 0, result.err
    after = seqs((project / "tacal.ics").read_bytes())
    assert after["berlin.standup@tacal"] == (1, "20270201T000000Z")
    for uid in ("berlin.last-friday@tacal", "berlin.fq@tacal"):
        assert after[uid] == before[uid]
    # change it again: 2
    config.write_text(config.read_text().replace('time = "09:45"', 'time = "09:50"'))
    assert tacal("--today", "2027-02-02", "build").code == 0
    assert seqs((project / "tacal.ics").read_bytes())["berlin.standup@tacal"][0] == 2


def test_failed_build_leaves_old_file_untouched(
    tacal: Callable[..., Result], project: Path
) -> None:
    assert tacal("--today", "2027-01-10", "build").code == 0
    good = (project / "tacal.ics").read_bytes()
    config = project / "tacal.toml"
    config.write_text(config.read_text().replace('day = "TU"', 'day = "XX"'))
    result = tacal("--today", "2027-01-10", "build")
    assert result.code == 2
    assert (project / "tacal.ics").read_bytes() == good
    assert [p.name for p in project.iterdir() if p.name.endswith(".tmp")] == []


def test_unwritable_target_is_a_clear_error(tacal: Callable[..., Result], project: Path) -> None:
    """A parent that is a file cannot hold the output, even for root (CI runs as root)."""
    (project / "plain").write_text("x")
    result = tacal("build", "-o", project / "plain" / "x.ics")
    assert result.code == 2
    assert "plain/x.ics: cannot write" in result.err
    assert "Traceback" not in result.err


def test_target_is_a_directory(tacal: Callable[..., Result], project: Path) -> None:
    (project / "out.ics").mkdir()
    result = tacal("build", "-o", "out.ics")
    assert result.code == 2
    assert "out.ics: cannot write" in result.err
    assert "Traceback" not in result.err


def test_stdout(tacal: Callable[..., Result], project: Path) -> None:
    result = tacal("--today", "2027-01-10", "build", "-o", "-")
    assert result.code == 0
    assert result.stdout_bytes.startswith(b"BEGIN:VCALENDAR\r\n")
    assert not (project / "tacal.ics").exists()


def test_uids_are_stable_and_derived_from_ids(tacal: Callable[..., Result], project: Path) -> None:
    result = tacal("--today", "2027-01-10", "build", "-o", "-")
    uids = re.findall(rb"UID:(\S+)", result.stdout_bytes)  # moved occurrences share theirs
    assert sorted(set(uids)) == [
        b"berlin.fq@tacal",
        b"berlin.last-friday@tacal",
        b"berlin.standup@tacal",
    ]


def test_holiday_moves_are_recurrence_id_overrides(
    tacal: Callable[..., Result], project: Path
) -> None:
    """Tue 2027-03-30 is a holiday: the stand-up moves to Wed 03-31, written as an override
    of the 03-30 occurrence (RECURRENCE-ID with its TZID), not EXDATE + RDATE. Fri 2027-12-24
    (last Friday is 12-31, so not hit); Tue 2027-10-26 moves to 10-27."""
    data = tacal("--today", "2027-01-10", "build", "-o", "-").stdout_bytes
    cal = Calendar.from_ical(data)
    standup = [e for e in cal.walk("VEVENT") if str(e["UID"]) == "berlin.standup@tacal"]
    master, *moved = standup
    assert "RECURRENCE-ID" not in master
    assert "EXDATE" not in master and "RDATE" not in master
    assert [(e["RECURRENCE-ID"].to_ical(), e["DTSTART"].to_ical()) for e in moved] == [
        (b"20270330T093000", b"20270331T093000"),
        (b"20271026T093000", b"20271027T093000"),
    ]
    text = b"".join(e.to_ical() for e in moved).decode()
    assert text.count("RECURRENCE-ID;TZID=Europe/Berlin:") == 2
    assert "DTEND;TZID=Europe/Berlin:20270331T094500" in text
    for e in moved:
        # the same meeting as the master's, stamped alike
        for prop in (
            "SUMMARY",
            "ATTENDEE",
            "CATEGORIES",
            "STATUS",
            "X-TACAL-CADENCE",
            "SEQUENCE",
            "DTSTAMP",
        ):
            assert e[prop].to_ical() == master[prop].to_ical(), prop
        assert "X-TACAL-HASH" not in e
