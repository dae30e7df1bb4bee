"""Regressions, each named after what it fixes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from tacal.errors import OutputError
from tacal.ical.vtimezone import vtimezone
from tacal.model import Cadence, Team
from tacal.output import read_if_exists, write_atomic
from tacal.schedule.rules import first_occurrence
from tests.conftest import Result


def test_biweekly_start_on_a_sunday_does_not_skip_a_week() -> None:
    """dateutil counts INTERVAL=2 from the week containing start (a Sunday here), which
    skipped the first Tuesday; the series must begin on the first Tuesday on/after start."""
    team = Team(name="T", id="t", timezone="America/New_York", fiscal_year_start=2)
    cadence = Cadence(id="x", summary="x", rule="biweekly", day="TU", time=dt.time(10), duration=30)
    assert first_occurrence(cadence, team, dt.date(2026, 2, 1)) == dt.datetime(2026, 2, 3, 10)


def test_output_parent_that_is_a_file_is_not_a_traceback(tmp_path: Path) -> None:
    """Reading the previous output under a file raised NotADirectoryError (a traceback)."""
    (tmp_path / "f").write_text("x")
    assert read_if_exists(tmp_path / "f" / "x.ics") is None
    with pytest.raises(OutputError, match="cannot write"):
        write_atomic(tmp_path / "f" / "x.ics", b"data")


def test_negative_dst_zone_is_written_with_daylight_as_the_larger_offset() -> None:
    """Europe/Dublin has negative DST in tzdata; tzical misread the hour after each change."""
    text = vtimezone("Europe/Dublin", 2027, 2028).to_ical().decode()
    daylight = text.split("BEGIN:DAYLIGHT")[1].split("END:DAYLIGHT")[0]
    assert "TZOFFSETTO:+0100" in daylight


def test_aligned_bimonthly_and_quarterly_start_months() -> None:
    """A start in a non-aligned month must not shift bimonthly/quarterly series."""
    team = Team(name="T", id="t", timezone="UTC", fiscal_year_start=2)
    bi = Cadence(
        id="b", summary="b", rule="bimonthly", day="WE", week=1, time=dt.time(9), duration=30
    )
    q = Cadence(
        id="q", summary="q", rule="quarterly", day="WE", week=1, time=dt.time(9), duration=30
    )
    # bimonthly follows the fiscal year's first month (Feb, Apr, ...); start in March
    assert first_occurrence(bi, team, dt.date(2027, 3, 1)) == dt.datetime(2027, 4, 7, 9)
    # quarterly means calendar quarters (Jan, Apr, Jul, Oct)
    assert first_occurrence(q, team, dt.date(2027, 2, 1)) == dt.datetime(2027, 4, 7, 9)


def test_sub_daily_rrule_is_rejected_not_expanded_forever() -> None:
    """RRULE:FREQ=SECONDLY made preview expand millions of occurrences (it hung)."""
    from tacal.config.cadences import rrule_problem

    problem = rrule_problem("RRULE:FREQ=SECONDLY", "UTC", dt.date(2027, 1, 1))
    assert problem is not None and "not a meeting cadence" in problem


def test_start_in_year_one_is_an_error_not_a_traceback() -> None:
    """team.start = 0001-01-01 overflowed the VTIMEZONE arithmetic (a traceback)."""
    from tacal.config import parse
    from tacal.errors import ConfigError

    text = '[team]\ntimezone = "UTC"\nstart = "0001-01-01"\n'
    with pytest.raises(ConfigError, match=r"team.start: 0001-01-01 is out of range"):
        parse(text, None)


@pytest.mark.parametrize("zone", ["Europe/London", "Europe/Lisbon", "Africa/Casablanca"])
def test_gmt_based_zones_keep_summer_time_when_read_by_vobject(zone: str) -> None:
    """vobject took a VTIMEZONE whose offset matched UTC over 2000-2020 (ours began in the
    year before the series) for UTC, swapped in pytz's zone and dateutil then kept its winter
    offset all year: London's summer meetings were an hour late for vobject readers."""
    from zoneinfo import ZoneInfo

    import vobject
    from icalendar import Calendar, Event

    from tests.support.ical_check import reset_vobject

    cal = Calendar()
    cal.add("prodid", "-//test//EN")
    cal.add("version", "2.0")
    cal.add_component(vtimezone(zone, 2027, 2028))
    ev = Event()
    ev.add("uid", "u")
    ev.add("dtstart", dt.datetime(2027, 1, 6, 13, tzinfo=ZoneInfo(zone)))
    ev.add("rrule", {"freq": "weekly"})
    cal.add_component(ev)
    reset_vobject()
    parsed = vobject.readOne(cal.to_ical().decode())
    lo, hi = dt.datetime(2027, 1, 1, tzinfo=dt.UTC), dt.datetime(2029, 1, 1, tzinfo=dt.UTC)
    for occ in parsed.vevent.getrruleset().between(lo, hi):
        local = occ.replace(tzinfo=None)
        assert occ.astimezone(dt.UTC) == local.replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("Renewal", "0001-01-01"),
        ("Renewal", "9999-12-31"),
        ("Onboarding Start", "9999-12-31"),
    ],
)
def test_far_off_account_dates_are_located_errors_not_tracebacks(
    tmp_path: Path, column: str, value: str
) -> None:
    """A renewal or onboarding date near year 1 or 9999 overflowed date arithmetic (renewal
    minus days_before, workdays after onboarding): a traceback instead of PATH:LINE."""
    from tests.conftest import FIXTURES, _run

    toml = (FIXTURES / "accounts.toml").read_text(encoding="utf-8").split("[[account]]")[0]
    (tmp_path / "tacal.toml").write_text('accounts = "accounts.csv"\n' + toml, encoding="utf-8")
    lines = (FIXTURES / "accounts.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[3].split(",")  # Cobalt Mining: no quoted cells
    row[header.index(column)] = value
    lines[3] = ",".join(row)
    (tmp_path / "accounts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _run(
        [
            "--config",
            str(tmp_path / "tacal.toml"),
            "--today",
            "2027-01-10",
            "-q",
            "build",
            "-o",
            str(tmp_path / "out.ics"),
        ]
    )
    key = column.lower().replace(" ", "_")
    assert result.code == 2, result.err
    assert f"accounts.csv:4: {key}: {value} is out of range" in result.err
    assert not (tmp_path / "out.ics").exists()


@pytest.mark.parametrize(
    "rule",
    [
        'rule = "weekly"\nday = "TU"\nuntil = "2027-03-30"',
        'rule = "RRULE:FREQ=WEEKLY;BYDAY=TU;UNTIL=20270330T055959Z"',
    ],
)
def test_until_with_holidays_builds_and_moves_the_last_meeting(rule: str) -> None:
    """A cadence with ``until`` (or a raw RRULE with a UTC UNTIL) in a team with holidays was a
    traceback: dateutil refuses a UTC UNTIL beside the naive wall-clock start tacal expands
    from. Sydney is ahead of UTC, so the last meeting (16:00 on the until day, a holiday) is
    after the UTC UNTIL's clock time: it must still be moved, not kept on the holiday."""
    from tacal.config import parse
    from tacal.ical.calendar import calendar_bytes
    from tests.support.ical_check import expand_icalendar, expand_vobject, utc_window

    text = (
        '[team]\nname = "T"\nid = "t"\ntimezone = "Australia/Sydney"\nstart = "2027-03-01"\n'
        'holidays = ["2027-03-30"]\n\n[[cadence]]\nid = "c"\nsummary = "C"\n'
        f'{rule}\ntime = "16:00"\nduration = 30\n'
    )
    data = calendar_bytes(
        parse(text, None), today=dt.date(2027, 3, 1), now=dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    )
    lo, hi = utc_window("2027-03-01", "2027-06-01", "Australia/Sydney")
    got = expand_icalendar(data, lo, hi)
    assert got == expand_vobject(data, lo, hi)
    from zoneinfo import ZoneInfo

    days = [w.astimezone(ZoneInfo("Australia/Sydney")).date().isoformat() for _, w in got]
    assert days == ["2027-03-02", "2027-03-09", "2027-03-16", "2027-03-23", "2027-03-31"]


def test_until_out_of_range_is_an_error() -> None:
    """until = 9999-12-31 overflowed converting the end of that day to UTC."""
    from tacal.config import parse
    from tacal.errors import ConfigError

    text = (
        '[team]\ntimezone = "America/New_York"\n\n[[cadence]]\nid = "c"\nsummary = "C"\n'
        'rule = "weekly"\nday = "TU"\ntime = "10:00"\nduration = 30\nuntil = 9999-12-31\n'
    )
    with pytest.raises(ConfigError, match=r"until: 9999-12-31 is out of range"):
        parse(text, None)


def test_until_on_per_ae_sessions_that_spill_to_the_next_workday() -> None:
    """The sessions that do not fit in the QBR day expanded the cadence's UTC UNTIL from a
    naive start too (a traceback for any per-TA/AE cadence with until and a spill)."""
    from zoneinfo import ZoneInfo

    from tacal.config import parse
    from tacal.ical.calendar import calendar_bytes
    from tests.conftest import FIXTURES
    from tests.support.ical_check import expand_icalendar, expand_vobject, utc_window

    text = (
        (FIXTURES / "accounts.toml")
        .read_text(encoding="utf-8")
        .replace(
            'rule = "fiscal-quarterly"\n', 'rule = "fiscal-quarterly"\nuntil = "2027-08-03"\n', 1
        )
    )
    data = calendar_bytes(
        parse(text, None), today=dt.date(2027, 1, 10), now=dt.datetime(2027, 1, 10, tzinfo=dt.UTC)
    )
    lo, hi = utc_window("2027-01-01", "2028-06-01", "America/Chicago")
    got = [(u, w) for u, w in expand_icalendar(data, lo, hi) if u.startswith("fx.qbr.")]
    assert got == [(u, w) for u, w in expand_vobject(data, lo, hi) if u.startswith("fx.qbr.")]
    days = {w.astimezone(ZoneInfo("America/Chicago")).date() for _, w in got}
    # Q1 (Feb 2), Q2 (May 4) and Q3 (Tue Aug 3 is a holiday: the sessions move to the first
    # free times from Wed Aug 4, after until, still in the quarter's first week)
    assert {dt.date(2027, 2, 2), dt.date(2027, 5, 4), dt.date(2027, 8, 4)} <= days
    assert all(d.day <= 7 and d.month in (2, 5, 8) for d in days), days


def test_previous_stamps_line_scan_matches_a_full_parse() -> None:
    """Reading SEQUENCE/DTSTAMP from the previous output parsed the whole file with icalendar
    (about 2 s of a 4.8 s rebuild at 1,000 accounts); the line scan must agree with it."""
    import datetime as dt

    from icalendar import Calendar

    from tacal import config as config_mod
    from tacal.ical.calendar import calendar_bytes
    from tacal.ical.stamps import Stamp, previous_stamps

    data = calendar_bytes(
        config_mod.load(None),
        today=dt.date(2026, 11, 24),
        now=dt.datetime(2026, 11, 24, tzinfo=dt.UTC),
    )
    # fold a long UID across lines to exercise unfolding
    data = data.replace(b"UID:ta-team.", b"UID:ta-team\r\n .", 1)
    expected = {}
    for ev in Calendar.from_ical(data).walk("VEVENT"):
        if ev.get("RECURRENCE-ID") is None:
            expected[str(ev["UID"])] = Stamp(
                int(ev["SEQUENCE"]), ev.decoded("DTSTAMP"), str(ev["X-TACAL-HASH"])
            )
    assert previous_stamps(data) == expected
    assert len(expected) > 20
    assert previous_stamps(b"not a calendar") == {}


@pytest.mark.parametrize(
    "zone",
    ["A" * 300, "Europe/" + "x" * 5000, "America/New\\u0000York", "/".join(["a"] * 200)],
    ids=["300", "5000", "nul", "deep"],
)
def test_regression_overlong_timezone_is_a_located_error(
    tacal: Callable[..., Result], tmp_path: Path, zone: str
) -> None:
    """A 300-character ``timezone`` made ZoneInfo raise OSError (name too long): a traceback."""
    from tests.config.test_validation import BASE

    (tmp_path / "tacal.toml").write_text(BASE.replace('"America/New_York"', f'"{zone}"'))
    result = tacal("validate")
    assert result.code == 2, result.err
    assert ":3: team.timezone: " in result.err and "is not an IANA time zone" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("name", ["<default>", "accounts.toml", "berlin.toml", "distributed.toml"])
def test_node_ical_ignores_rdate_so_holiday_moves_are_never_rdate(name: str) -> None:
    """Holiday moves were EXDATE + RDATE: node-ical ignores RDATE, so every moved meeting
    vanished in apps built on it (libical's foreach_recurrence misreads RDATE;TZID too, and
    Outlook imports an RDATE only under extra rules). A move is a RECURRENCE-ID override now:
    no RDATE anywhere, and a reader that knows only RRULE, EXDATE and overrides shows every
    meeting. EXDATE is left for meetings dropped outright (a daily series' holiday)."""
    from zoneinfo import ZoneInfo

    from icalendar import Calendar

    from tacal import config as config_mod
    from tacal.ical.calendar import calendar_bytes
    from tacal.series import build_series
    from tests.conftest import FIXTURES
    from tests.support.ical_check import expand_icalendar, utc_window

    config = config_mod.load(None if name == "<default>" else FIXTURES / name)
    today = dt.date(2027, 1, 10)
    series = build_series(config, today)
    data = calendar_bytes(
        config, today=today, now=dt.datetime(2027, 1, 10, tzinfo=dt.UTC), series=series
    )
    events = Calendar.from_ical(data).walk("VEVENT")
    assert not [e for e in events if "RDATE" in e]
    assert b"\nRDATE" not in data
    moves = {(s.uid, old, new) for s in series for old, new in s.recurrence.moves}
    assert moves, "the config moves meetings"
    tz = ZoneInfo(config.team.timezone)
    written = {
        (
            str(e["UID"]),
            e.decoded("RECURRENCE-ID").astimezone(tz).replace(tzinfo=None),
            e.decoded("DTSTART").astimezone(tz).replace(tzinfo=None),
        )
        for e in events
        if "RECURRENCE-ID" in e
    }
    assert moves <= written
    assert all(
        e["RECURRENCE-ID"].params["TZID"] == config.team.timezone
        for e in events
        if "RECURRENCE-ID" in e
    )
    # what a reader without RDATE support sees is every meeting: the same as the full reading
    lo, hi = utc_window("2027-01-01", "2029-01-01", config.team.timezone)
    seen = expand_icalendar(data, lo, hi)
    assert {
        (u, new.replace(tzinfo=tz).astimezone(dt.UTC))
        for u, _, new in moves
        if lo <= new.replace(tzinfo=tz) < hi
    } <= set(seen)
    assert not {(u, old.replace(tzinfo=tz).astimezone(dt.UTC)) for u, old, _ in moves} & set(seen)
    if name == "<default>":
        # the daily task review skips a holiday outright (it meets the next day anyway)
        [daily] = [s for s in series if s.uid == "ta-team.task-review@tacal"]
        assert daily.recurrence.exdates and not daily.recurrence.moves
        [master] = [e for e in events if str(e["UID"]) == daily.uid]
        assert "EXDATE" in master
