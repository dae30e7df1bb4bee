"""Compact VTIMEZONEs agree with zoneinfo when read by dateutil's tzical (vobject's reader)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from dateutil.tz import tzical
from icalendar import Calendar

from tacal.ical.vtimezone import vtimezone

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "America/St_Johns",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Auckland",
    "America/Santiago",
    "Africa/Casablanca",
    "Europe/Dublin",
    "UTC",
]


@pytest.mark.parametrize("name", ZONES)
def test_offsets_match_zoneinfo_hour_by_hour(name: str) -> None:
    cal = Calendar()
    cal.add("prodid", "-//test//EN")
    cal.add("version", "2.0")
    cal.add_component(vtimezone(name, 2027, 2029))
    parsed = tzical(io.StringIO(cal.to_ical().decode())).get(name)
    zone = ZoneInfo(name)
    moment = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    while moment < dt.datetime(2029, 12, 31, tzinfo=dt.UTC):
        assert moment.astimezone(parsed).utcoffset() == moment.astimezone(zone).utcoffset(), (
            name,
            moment,
        )
        moment += dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("name", "rules"),
    [
        ("America/New_York", {"BYDAY=2SU;BYMONTH=3", "BYDAY=1SU;BYMONTH=11"}),
        ("Europe/Berlin", {"BYDAY=-1SU;BYMONTH=3", "BYDAY=-1SU;BYMONTH=10"}),
        ("Australia/Sydney", {"BYDAY=1SU;BYMONTH=4", "BYDAY=1SU;BYMONTH=10"}),
    ],
)
def test_regular_zones_use_yearly_rules(name: str, rules: set[str]) -> None:
    text = vtimezone(name, 2027, 2030).to_ical().decode()
    assert "RDATE" not in text
    for rule in rules:
        assert f"RRULE:FREQ=YEARLY;{rule}" in text
    assert len(text) < 600


def test_zone_without_dst_is_one_standard_block() -> None:
    text = vtimezone("Asia/Kolkata", 2027, 2030).to_ical().decode()
    assert text.count("BEGIN:STANDARD") == 1 and "DAYLIGHT" not in text
    assert "TZOFFSETTO:+0530" in text
