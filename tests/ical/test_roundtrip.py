"""The output is valid, parses with independent parsers and expands the same way in each."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from icalendar import Calendar

from tacal import config as config_mod
from tacal.ical.calendar import calendar_bytes
from tests.conftest import FIXTURES
from tests.support.ical_check import expand_icalendar, expand_vobject, utc_window

TODAY = dt.date(2026, 11, 24)
NOW = dt.datetime(2026, 11, 24, tzinfo=dt.UTC)
CASES = [None, *sorted(FIXTURES.glob("*.toml"))]


def build(path: Path | None) -> tuple[bytes, str]:
    config = config_mod.load(path)
    return calendar_bytes(config, today=TODAY, now=NOW), config.team.timezone


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem if p else "default")
def test_structure(path: Path | None) -> None:
    data, tz = build(path)
    cal = Calendar.from_ical(data)
    assert cal["VERSION"] == "2.0" and "PRODID" in cal
    tzids = {str(t["TZID"]) for t in cal.walk("VTIMEZONE")}
    used = set()
    uids = []
    for ev in cal.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE"):
            assert prop in ev, prop
        used.add(ev["DTSTART"].params["TZID"])
        assert ev.decoded("DTSTAMP").tzinfo is not None  # DTSTAMP is UTC
        rid = ev.get("RECURRENCE-ID")  # an override shares its series' UID
        uids.append((str(ev["UID"]), rid.to_ical() if rid is not None else None))
    assert used <= tzids, "every TZID has a VTIMEZONE"
    assert len(uids) == len(set(uids))
    assert all(line.endswith(b"\r") or not line for line in data.split(b"\n")[:-1])
    assert all(len(line) <= 76 for line in data.split(b"\r\n")), "lines folded at 75 octets"
    # VTIMEZONE stays small: only transitions in RRULE form, no multi-year RDATE lists
    for block in data.split(b"BEGIN:VTIMEZONE")[1:]:
        assert len(block.split(b"END:VTIMEZONE")[0]) < 700


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem if p else "default")
def test_independent_parsers_expand_identically(path: Path | None) -> None:
    data, tz = build(path)
    start, end = utc_window("2027-01-01", "2028-07-01", tz)
    ours = expand_icalendar(data, start, end)
    theirs = expand_vobject(data, start, end)
    assert ours, "the window has occurrences"
    assert ours == theirs


def test_dst_keeps_wall_clock_time_in_every_zone() -> None:
    """Across DST changes the local time stays put while the UTC offset changes."""
    for name, local_times in {
        "berlin": {"09:30", "16:00", "10:00"},
        "sydney": {"08:30", "14:00"},
        "st_johns": {"09:00"},
        "kolkata": {"11:00", "15:30"},
    }.items():
        data, tz = build(FIXTURES / f"{name}.toml")
        from zoneinfo import ZoneInfo

        start, end = utc_window("2027-01-01", "2028-01-01", tz)
        occurrences = expand_icalendar(data, start, end)
        offsets = set()
        for _uid, when in occurrences:
            local = when.astimezone(ZoneInfo(tz))
            assert local.strftime("%H:%M") in local_times, (name, local)
            offsets.add(local.utcoffset())
        if name == "kolkata":
            assert offsets == {dt.timedelta(hours=5, minutes=30)}
        else:
            assert len(offsets) == 2, (name, offsets)
