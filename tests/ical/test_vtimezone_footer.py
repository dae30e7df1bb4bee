"""The TZif footer (RFC 8536 section 3.3) behind tacal's VTIMEZONE rules: the POSIX TZ string
parser, its rule dates as yearly RRULEs, and zones built from TZif files written here."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from dateutil.tz import tzical
from icalendar import Calendar

from tacal.ical.posix_tz import PosixDate, PosixTz, parse_posix_tz, pieces
from tacal.ical.vtimezone import vtimezone

H = 3600


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "CET-1CEST,M3.5.0,M10.5.0/3",
            PosixTz(
                "CET",
                H,
                "CEST",
                2 * H,
                PosixDate("M", 3, 5, 0, time=2 * H),
                PosixDate("M", 10, 5, 0, time=3 * H),
            ),
        ),
        (
            "EST5EDT,M3.2.0,M11.1.0",  # DST offset defaults to an hour ahead
            PosixTz(
                "EST", -5 * H, "EDT", -4 * H, PosixDate("M", 3, 2, 0), PosixDate("M", 11, 1, 0)
            ),
        ),
        (
            "<-04>4<-03>,M9.1.6/24,M4.1.6/24",  # quoted names; Chile's 24:00
            PosixTz(
                "-04",
                -4 * H,
                "-03",
                -3 * H,
                PosixDate("M", 9, 1, 6, time=24 * H),
                PosixDate("M", 4, 1, 6, time=24 * H),
            ),
        ),
        (
            "IST-1GMT0,M10.5.0,M3.5.0/1",  # negative DST: "daylight" is the smaller offset
            PosixTz("IST", H, "GMT", 0, PosixDate("M", 10, 5, 0), PosixDate("M", 3, 5, 0, time=H)),
        ),
        (
            "NST3:30NDT,M3.2.0,M11.1.0",
            PosixTz(
                "NST",
                -3 * H - 1800,
                "NDT",
                -2 * H - 1800,
                PosixDate("M", 3, 2, 0),
                PosixDate("M", 11, 1, 0),
            ),
        ),
        (
            "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
            PosixTz(
                "+1245",
                12 * H + 2700,
                "+1345",
                13 * H + 2700,
                PosixDate("M", 9, 5, 0, time=2 * H + 2700),
                PosixDate("M", 4, 1, 0, time=3 * H + 2700),
            ),
        ),
        (
            "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",  # negative time: the day before, 23:00
            PosixTz(
                "-02",
                -2 * H,
                "-01",
                -H,
                PosixDate("M", 3, 5, 0, time=-H),
                PosixDate("M", 10, 5, 0, time=0),
            ),
        ),
        (
            "EET-2EEST,M3.4.4/50,M10.4.4/50",  # over 24 hours: two days later
            PosixTz(
                "EET",
                2 * H,
                "EEST",
                3 * H,
                PosixDate("M", 3, 4, 4, time=50 * H),
                PosixDate("M", 10, 4, 4, time=50 * H),
            ),
        ),
        (
            "<+00>0<+02>-2,M3.5.0/1,M10.5.0/3",
            PosixTz(
                "+00",
                0,
                "+02",
                2 * H,
                PosixDate("M", 3, 5, 0, time=H),
                PosixDate("M", 10, 5, 0, time=3 * H),
            ),
        ),
        (
            "XXX-1:02:03YYY-2:03:04,M1.1.1/-167:59:59,M12.5.6/+167",
            PosixTz(
                "XXX",
                3723,
                "YYY",
                7384,
                PosixDate("M", 1, 1, 1, time=-(167 * H + 3599)),
                PosixDate("M", 12, 5, 6, time=167 * H),
            ),
        ),
        (
            "EST+5EDT,J60/2:30,300",  # Julian days, with and without Feb 29
            PosixTz(
                "EST",
                -5 * H,
                "EDT",
                -4 * H,
                PosixDate("J", day=60, time=2 * H + 1800),
                PosixDate("n", day=300),
            ),
        ),
        (
            "AAA3BBB,0/0,J365/25",
            PosixTz(
                "AAA",
                -3 * H,
                "BBB",
                -2 * H,
                PosixDate("n", day=0, time=0),
                PosixDate("J", day=365, time=25 * H),
            ),
        ),
        ("IST-5:30", PosixTz("IST", 5 * H + 1800)),
        ("<+0545>-5:45", PosixTz("+0545", 5 * H + 2700)),
        ("<-00>0", PosixTz("-00", 0)),
        ("HST10", PosixTz("HST", -10 * H)),
    ],
)
def test_posix_tz_strings_parse(text: str, expected: PosixTz) -> None:
    assert parse_posix_tz(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "CET",
        "CE-1",
        "C1T-1",
        "<+0>0",
        "<+03-3",
        "CET-25",
        "CET-1:60",
        "CET-1:00:60",
        "CET-1x",
        "CET-1CEST",
        "CET-1CEST,M3.5.0",
        "CET-1CEST,M3.5.0,",
        "CET-1CEST,M13.5.0,M10.5.0",
        "CET-1CEST,M0.5.0,M10.5.0",
        "CET-1CEST,M3.6.0,M10.5.0",
        "CET-1CEST,M3.0.0,M10.5.0",
        "CET-1CEST,M3.5.7,M10.5.0",
        "CET-1CEST,M3.5.0/168,M10.5.0",
        "CET-1CEST,M3.5.0/1:60,M10.5.0",
        "CET-1CEST,J0,M10.5.0",
        "CET-1CEST,J366,M10.5.0",
        "CET-1CEST,366,M10.5.0",
        "CET-1CEST,M3.5.0,M10.5.0,",
        "CET-1CEST,M3.5.0,M10.5.0/3x",
        "CET-1,M3.5.0,M10.5.0",
    ],
)
def test_malformed_posix_tz_strings_are_errors(text: str) -> None:
    with pytest.raises(ValueError):
        parse_posix_tz(text)


def test_every_installed_zone_footer_parses() -> None:
    for name in zoneinfo.available_timezones():
        for base in zoneinfo.TZPATH:
            path = Path(base) / name
            if path.is_file():
                data = path.read_bytes()
                if data[4:5] >= b"2":
                    footer = data[data.rindex(b"\n", 0, len(data) - 1) + 1 : -1].decode()
                    if footer:
                        parse_posix_tz(footer)
                break


@pytest.mark.parametrize(
    ("date", "year", "local"),
    [
        (PosixDate("M", 3, 5, 0), 2026, dt.datetime(2026, 3, 29, 2)),  # last Sunday
        (PosixDate("M", 3, 2, 0), 2026, dt.datetime(2026, 3, 8, 2)),  # second Sunday
        (PosixDate("M", 9, 1, 6, time=24 * H), 2026, dt.datetime(2026, 9, 6)),  # Sat 5th, 24:00
        (PosixDate("M", 9, 1, 6, time=24 * H), 2029, dt.datetime(2029, 9, 2)),  # Sat 1st, 24:00
        (PosixDate("M", 3, 5, 0, time=-H), 2026, dt.datetime(2026, 3, 28, 23)),
        (PosixDate("M", 10, 5, 4, time=24 * H), 2024, dt.datetime(2024, 11, 1)),  # Thu 31st
        (PosixDate("M", 3, 4, 4, time=26 * H), 2026, dt.datetime(2026, 3, 27, 2)),  # Fri>=23
        (PosixDate("M", 2, 5, 0), 2032, dt.datetime(2032, 2, 29, 2)),
    ],
)
def test_rule_dates_give_local_wall_clock_times(
    date: PosixDate, year: int, local: dt.datetime
) -> None:
    assert date.local(year) == local


@pytest.mark.parametrize(
    ("date", "rules"),
    [
        (PosixDate("M", 3, 5, 0), ["FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"]),
        (PosixDate("M", 9, 5, 0), ["FREQ=YEARLY;BYMONTH=9;BYDAY=-1SU"]),
        (PosixDate("M", 4, 1, 0, time=3 * H), ["FREQ=YEARLY;BYMONTH=4;BYDAY=1SU"]),
        (PosixDate("M", 11, 4, 4), ["FREQ=YEARLY;BYMONTH=11;BYDAY=4TH"]),
        (PosixDate("M", 2, 5, 0), ["FREQ=YEARLY;BYMONTH=2;BYDAY=-1SU"]),
        (PosixDate("M", 9, 1, 6, time=22 * H), ["FREQ=YEARLY;BYMONTH=9;BYDAY=1SA"]),
        (
            PosixDate("M", 9, 1, 6, time=24 * H),
            ["FREQ=YEARLY;BYMONTH=9;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8"],
        ),
        (
            PosixDate("M", 3, 4, 4, time=26 * H),
            ["FREQ=YEARLY;BYMONTH=3;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29"],
        ),
        (
            PosixDate("M", 3, 5, 0, time=-H),
            ["FREQ=YEARLY;BYMONTH=3;BYDAY=SA;BYMONTHDAY=24,25,26,27,28,29,30"],
        ),
        (
            PosixDate("M", 10, 5, 4, time=24 * H),
            [
                "FREQ=YEARLY;BYMONTH=10;BYDAY=FR;BYMONTHDAY=26,27,28,29,30,31",
                "FREQ=YEARLY;BYMONTH=11;BYDAY=FR;BYMONTHDAY=1",
            ],
        ),
        (
            PosixDate(
                "M", 2, 5, 0, time=24 * H
            ),  # Feb 29 comes and goes: days from the month's end
            [
                "FREQ=YEARLY;BYMONTH=2;BYDAY=MO;BYMONTHDAY=-6,-5,-4,-3,-2,-1",
                "FREQ=YEARLY;BYMONTH=3;BYDAY=MO;BYMONTHDAY=1",
            ],
        ),
        (
            PosixDate("M", 1, 1, 0, time=-48 * H),  # into the year before
            [
                "FREQ=YEARLY;BYMONTH=1;BYDAY=FR;BYMONTHDAY=1,2,3,4,5",
                "FREQ=YEARLY;BYMONTH=12;BYDAY=FR;BYMONTHDAY=30,31",
            ],
        ),
        (PosixDate("J", day=60), None),
        (PosixDate("n", day=59), None),
    ],
)
def test_rule_dates_as_yearly_rrules(date: PosixDate, rules: list[str] | None) -> None:
    found = pieces(date)
    if rules is None:
        assert found is None
        return
    assert found is not None and [p.rule for p in found] == rules
    # dateutil expands the RRULEs to exactly the rule's changes, 1999 to 2101
    found = sorted(
        occ
        for p in found
        for occ in rrulestr(
            p.rule, dtstart=dt.datetime.combine(dt.date(1998, 12, 1), p.time)
        ).between(dt.datetime(1999, 1, 1), dt.datetime(2101, 1, 1))
    )
    want = [date.local(year) for year in range(1998, 2102)]
    assert found == [w for w in want if dt.datetime(1999, 1, 1) < w < dt.datetime(2101, 1, 1)]


# --- zones from TZif files written here -----------------------------------------------------


def _tzif(
    types: list[tuple[int, int, str]],
    transitions: list[tuple[dt.datetime, int]],
    footer: str | None,
) -> bytes:
    """A TZif file (RFC 8536): version 2 with ``footer``, or version 1 when it is None."""
    chars, index = b"", []
    for _, _, abbr in types:
        index.append(len(chars))
        chars += abbr.encode() + b"\0"

    def block(size: str) -> bytes:
        times = [int(when.replace(tzinfo=dt.UTC).timestamp()) for when, _ in transitions]
        return (
            struct.pack(f">{len(times)}{size}", *times)
            + bytes(kind for _, kind in transitions)
            + b"".join(
                struct.pack(">lBB", off, dst, i)
                for (off, dst, _), i in zip(types, index, strict=True)
            )
            + chars
        )

    def header(version: bytes) -> bytes:
        return (
            b"TZif"
            + version
            + b"\0" * 15
            + struct.pack(">6l", 0, 0, 0, len(transitions), len(types), len(chars))
        )

    if footer is None:
        return header(b"\0") + block("l")
    return header(b"2") + block("l") + header(b"2") + block("q") + b"\n" + footer.encode() + b"\n"


@pytest.fixture
def tzdir(tmp_path: Path) -> Iterator[Path]:
    """A time zone folder searched before the system's (zoneinfo.reset_tzpath)."""
    old = zoneinfo.TZPATH
    zoneinfo.reset_tzpath([str(tmp_path), *old])
    ZoneInfo.clear_cache()
    yield tmp_path
    zoneinfo.reset_tzpath(old)
    ZoneInfo.clear_cache()


def _write(folder: Path, name: str, data: bytes) -> str:
    (folder / "Test").mkdir(exist_ok=True)
    (folder / "Test" / name).write_bytes(data)
    return f"Test/{name}"


def _mismatches(name: str, first: int, last: int) -> list[dt.datetime]:
    """Where tzical's reading of the VTIMEZONE and zoneinfo disagree, ``first`` through
    ``last``: every hour within a day and a half of zoneinfo's changes, daily else."""
    cal = Calendar()
    cal.add("prodid", "-//test//EN")
    cal.add("version", "2.0")
    cal.add_component(vtimezone(name, first, last))
    parsed = tzical(io.StringIO(cal.to_ical().decode())).get(name)
    zone = ZoneInfo(name)
    start = dt.datetime(first, 1, 1, tzinfo=dt.UTC)
    hours = [
        start + dt.timedelta(hours=k)
        for k in range((dt.datetime(last + 1, 1, 1, tzinfo=dt.UTC) - start) // HOUR)
    ]
    offsets = [h.astimezone(zone).utcoffset() for h in hours]
    near = {
        k + d for k in range(1, len(hours)) if offsets[k] != offsets[k - 1] for d in range(-36, 37)
    }
    return [
        hours[k]
        for k in sorted(near | set(range(0, len(hours), 24)))
        if k < len(hours) and hours[k].astimezone(parsed).utcoffset() != offsets[k]
    ]


HOUR = dt.timedelta(hours=1)
CET = [(H, 0, "CET"), (2 * H, 1, "CEST")]


def test_slim_file_with_only_a_footer_gets_yearly_rules(tzdir: Path) -> None:
    name = _write(tzdir, "Slim", _tzif(CET[:1], [], "CET-1CEST,M3.5.0,M10.5.0/3"))
    text = vtimezone(name, 2026, 2028).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text
    assert _mismatches(name, 2026, 2031) == []


def test_changes_listed_before_the_footer_rule_takes_over_are_written(tzdir: Path) -> None:
    """A zone that began summer time on the first Sunday of April through 2027, then on the
    footer's last Sunday of March: one block per change until the rule takes over."""
    changes = [
        (dt.datetime(2026, 4, 5, 1), 1),
        (dt.datetime(2026, 10, 25, 1), 0),
        (dt.datetime(2027, 4, 4, 1), 1),
        (dt.datetime(2027, 10, 31, 1), 0),
        (dt.datetime(2028, 3, 26, 1), 1),
        (dt.datetime(2028, 10, 29, 1), 0),
    ]
    name = _write(tzdir, "Changed", _tzif(CET, changes, "CET-1CEST,M3.5.0,M10.5.0/3"))
    text = vtimezone(name, 2026, 2028).to_ical().decode()
    for stamp in ("20260405T020000", "20261025T030000", "20270404T020000"):
        assert f"DTSTART:{stamp}\r\nTZNAME" in text  # a block without RRULE
    assert "DTSTART:20271031T030000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in text
    assert "DTSTART:20280326T020000\r\nRRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text
    assert _mismatches(name, 2026, 2031) == []
    # A series from 2029 needs none of that history
    assert "DTSTART:19990328T020000\r\nRRULE" in vtimezone(name, 2029, 2031).to_ical().decode()


def test_rule_resumed_after_a_year_without_summer_time(tzdir: Path) -> None:
    """No summer time in 2026 (the rule's October change then moves no clock), the footer's
    rule again from 2027."""
    changes = [
        (dt.datetime(2025, 3, 30, 1), 1),
        (dt.datetime(2025, 10, 26, 1), 0),
        (dt.datetime(2027, 3, 28, 1), 1),
        (dt.datetime(2027, 10, 31, 1), 0),
    ]
    name = _write(tzdir, "Paused", _tzif(CET, changes, "CET-1CEST,M3.5.0,M10.5.0/3"))
    text = vtimezone(name, 2025, 2027).to_ical().decode()
    assert "DTSTART:20250330T020000\r\nTZNAME" in text
    assert "DTSTART:20261025T030000\r\nRRULE" in text
    assert _mismatches(name, 2025, 2030) == []


def test_julian_day_rules_get_one_block_per_change_through_last_year(tzdir: Path) -> None:
    name = _write(tzdir, "Julian", _tzif(CET[:1], [], "CET-1CEST,J80,J300/3"))
    text = vtimezone(name, 2026, 2028).to_ical().decode()
    assert "RRULE" not in text
    assert text.count("BEGIN:DAYLIGHT") == 4  # 2025 to 2028
    assert _mismatches(name, 2026, 2028) == []


def test_file_without_footer_keeps_its_last_listed_offset(tzdir: Path) -> None:
    changes = [
        (dt.datetime(2026, 3, 29, 1), 1),
        (dt.datetime(2026, 10, 25, 1), 0),
        (dt.datetime(2027, 3, 28, 1), 1),
    ]
    name = _write(tzdir, "Version1", _tzif(CET, changes, None))
    text = vtimezone(name, 2026, 2028).to_ical().decode()
    assert "RRULE" not in text and text.count("BEGIN:DAYLIGHT") == 2
    assert _mismatches(name, 2026, 2029) == []


@pytest.fixture
def tzdata_only() -> Iterator[None]:
    """No time zone folders: zoneinfo reads the tzdata package's files."""
    pytest.importorskip("tzdata")
    old = zoneinfo.TZPATH
    zoneinfo.reset_tzpath([])
    ZoneInfo.clear_cache()
    yield
    zoneinfo.reset_tzpath(old)
    ZoneInfo.clear_cache()


@pytest.mark.usefixtures("tzdata_only")
@pytest.mark.parametrize("name", ["Europe/Berlin", "America/Santiago", "Africa/Cairo"])
def test_zones_read_from_the_tzdata_package_get_their_rules(name: str) -> None:
    assert "RRULE" in vtimezone(name, 2026, 2028).to_ical().decode()
    assert _mismatches(name, 2026, 2030) == []
