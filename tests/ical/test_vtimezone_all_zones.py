"""Every IANA zone's VTIMEZONE, read back by dateutil's tzical (vobject's reader), gives
zoneinfo's offsets from the series' first year through 2056.

tzical shares no code with tacal.ical.vtimezone, and zoneinfo's changes are found here by asking it
for offsets (not by reading TZif files), so agreement means the written VTIMEZONE says what
zoneinfo says. Checked instants: around every change (an hour before, the second before, the
second of, an hour after) and the middle of every month; both the UTC offset and the wall-clock
time must match.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import zoneinfo
from zoneinfo import ZoneInfo

import pytest
from dateutil.tz import tzical
from icalendar import Calendar, Timezone

from tacal.ical.vtimezone import vtimezone

ZONES = sorted(zoneinfo.available_timezones())
FIRST_YEARS = (2026, 2033)
LAST_YEAR = 2056
#: zoneinfo is asked every STEP seconds, then bisected: tzdata's shortest gap between two changes
#: from 2025 to 2056 is a week (Asia/Gaza around Ramadan), so three days miss none.
STEP = 3 * 86400

Point = tuple[int, dt.datetime, dt.timedelta]  # UTC seconds, wall-clock time, offset


def _ts(year: int) -> int:
    return int(dt.datetime(year, 1, 1, tzinfo=dt.UTC).timestamp())


def offset_at(zone: ZoneInfo, ts: int) -> dt.timedelta:
    off = dt.datetime.fromtimestamp(ts, zone).utcoffset()
    assert off is not None
    return off


@functools.cache
def _expected(name: str) -> tuple[Point, ...]:
    """zoneinfo's wall-clock time and offset at the instants checked, 2026 through 2056."""
    zone = ZoneInfo(name)
    lo, hi = _ts(min(FIRST_YEARS)), _ts(LAST_YEAR + 1)
    instants = {
        int(dt.datetime(y, m, 15, 12, tzinfo=dt.UTC).timestamp())
        for y in range(min(FIRST_YEARS), LAST_YEAR + 1)
        for m in range(1, 13)
    }
    t, prev = lo, offset_at(zone, lo)
    while t < hi:
        nxt = min(t + STEP, hi)
        cur = offset_at(zone, nxt)
        if cur != prev:
            low, high = t, nxt  # bisect to the second of the change
            while high - low > 1:
                mid = (low + high) // 2
                low, high = (mid, high) if offset_at(zone, mid) == prev else (low, mid)
            instants |= {high - 3600, high - 1, high, high + 3600}
            prev = cur
        t = nxt
    points = []
    for ts in sorted(i for i in instants if lo <= i < hi):
        local = dt.datetime.fromtimestamp(ts, zone)
        points.append((ts, local.replace(tzinfo=None), offset_at(zone, ts)))
    return tuple(points)


_checked: dict[tuple[bytes, tuple[Point, ...]], list[str]] = {}


def _mismatches(name: str, vtz: Timezone, first: int, last: int) -> list[str]:
    """Where tzical's reading of ``vtz`` differs from zoneinfo, ``first`` through ``last``."""
    points = tuple(p for p in _expected(name) if _ts(first) <= p[0] < _ts(last + 1))
    cal = Calendar()
    cal.add("prodid", "-//test//EN")
    cal.add("version", "2.0")
    cal.add_component(vtz)
    text = cal.to_ical()
    # Zones that say the same (links, zones sharing a rule) are read once.
    key = (text.replace(f"TZID:{name}\r\n".encode(), b""), points)
    if key not in _checked:
        parsed = tzical(io.StringIO(text.decode())).get(name)
        found = []
        for ts, wall, offset in points:
            got = dt.datetime.fromtimestamp(ts, dt.UTC).astimezone(parsed)
            if got.utcoffset() != offset or got.replace(tzinfo=None) != wall:
                found.append(
                    f"{dt.datetime.fromtimestamp(ts, dt.UTC):%Y-%m-%d %H:%M:%S}Z: "
                    f"tzical {got.replace(tzinfo=None)} {got.utcoffset()}, "
                    f"zoneinfo {wall} {offset}"
                )
        _checked[key] = found
    return _checked[key]


@pytest.mark.parametrize("first", FIRST_YEARS)
@pytest.mark.parametrize("name", ZONES)
def test_tzical_reads_zoneinfo_offsets_through_2056(name: str, first: int) -> None:
    # What a series with no later dates gets (the writer asks for at least two more years):
    # yearly rules must then hold for decades; one block per change, through last_year.
    short = vtimezone(name, first, first + 2)
    ruled = b"RRULE" in short.to_ical()
    problems = _mismatches(name, short, first, LAST_YEAR if ruled else first + 2)
    # ... and a series with dates through 2056.
    full = vtimezone(name, first, LAST_YEAR)
    if full.to_ical() != short.to_ical():
        problems += _mismatches(name, full, first, LAST_YEAR)
    assert not problems, problems[:5]


# --- regressions, each named after what it fixes ---------------------------------------------


def _read(name: str, first: int, last: int) -> tuple[str, dt.tzinfo]:
    cal = Calendar()
    cal.add("prodid", "-//test//EN")
    cal.add("version", "2.0")
    cal.add_component(vtimezone(name, first, last))
    text = cal.to_ical().decode()
    parsed = tzical(io.StringIO(text)).get(name)
    assert parsed is not None
    return text, parsed


def _agree(name: str, parsed: dt.tzinfo, *moments: dt.datetime) -> None:
    for moment in moments:
        assert (
            moment.astimezone(parsed).utcoffset() == moment.astimezone(ZoneInfo(name)).utcoffset()
        ), moment


def test_auckland_summer_time_starts_on_the_last_sunday_of_september() -> None:
    """2025 to 2028 have no fifth Sunday in September, so a rule guessed from them said
    "4th Sunday": summer time a week early in 2029, 2030 and 2035."""
    text, parsed = _read("Pacific/Auckland", 2026, 2028)
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=9" in text
    for last_sunday in (dt.date(2029, 9, 30), dt.date(2030, 9, 29), dt.date(2035, 9, 30)):
        noon = dt.datetime.combine(last_sunday, dt.time(12), dt.UTC)
        _agree("Pacific/Auckland", parsed, noon, noon - dt.timedelta(days=7))


def test_berlin_from_2033_changes_on_the_last_sunday_of_march() -> None:
    """From 2032 to 2035 the last Sunday of March is also the 4th: a rule guessed from them
    said "4th Sunday", a week early in 2036 and 2037."""
    text, parsed = _read("Europe/Berlin", 2033, 2035)
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    for last_sunday in (dt.date(2036, 3, 30), dt.date(2037, 3, 29)):
        noon = dt.datetime.combine(last_sunday, dt.time(12), dt.UTC)
        _agree("Europe/Berlin", parsed, noon, noon - dt.timedelta(days=7))


def test_santiago_returns_to_standard_time_every_april_after_2030() -> None:
    """Chile's April change was written one block per year through 2029 beside an open-ended
    September rule: from April 2030 the file said -03 all year."""
    text, parsed = _read("America/Santiago", 2026, 2028)
    assert "RRULE:FREQ=YEARLY;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8;BYMONTH=4" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8;BYMONTH=9" in text
    assert dt.datetime(2030, 6, 15, 12, tzinfo=dt.UTC).astimezone(
        parsed
    ).utcoffset() == dt.timedelta(hours=-4)
    _agree(
        "America/Santiago",
        parsed,
        *(
            dt.datetime(y, m, 15, 12, tzinfo=dt.UTC)
            for y in range(2030, 2041)
            for m in range(1, 13)
        ),
    )


def test_zone_that_set_its_clock_back_for_good_is_read_right_around_the_change() -> None:
    """Volgograd went from +04 to +03 for good on 2020-12-27; the leading block said +04 as
    DAYLIGHT "from" +04, and tzical put the hour after the change at +03 wall-clock 01:00."""
    _, parsed = _read("Europe/Volgograd", 2020, 2022)
    change = dt.datetime(2020, 12, 26, 22, tzinfo=dt.UTC)
    _agree(
        "Europe/Volgograd", parsed, *(change + dt.timedelta(minutes=30 * k) for k in range(-12, 13))
    )


def test_samoa_skipping_a_day_does_not_stop_tzical() -> None:
    """Samoa went from -10 to +14 at the end of 2011: as DAYLIGHT, tzical's daylight saving
    was a whole day, which datetime refuses, so the calendar did not load at all."""
    _, parsed = _read("Pacific/Apia", 2011, 2013)
    _agree(
        "Pacific/Apia",
        parsed,
        *(
            dt.datetime(y, m, 15, 12, tzinfo=dt.UTC)
            for y in (2011, 2012, 2013)
            for m in range(1, 13)
        ),
    )


def test_nuuk_from_2024_is_read_right_the_hour_before_its_new_rule_begins() -> None:
    """Nuuk moved to -02 in March 2023 and kept it as standard time, then followed its new
    rule from March 2024. The rule's blocks began there, next to a block "from -03": tzical
    put the hour before the 2024 change at -01."""
    _, parsed = _read("America/Nuuk", 2024, 2026)
    change = dt.datetime(2024, 3, 31, 1, tzinfo=dt.UTC)
    _agree("America/Nuuk", parsed, *(change + dt.timedelta(minutes=30 * k) for k in range(-8, 9)))
