"""A distributed team (New York, Los Angeles, London; a customer in Sydney) over a whole year.

Everything expected here is computed independently of tacal's placement code: the calendar
tacal writes is expanded with recurring-ical-events, each attendee's day is read straight from
the TOML (tomllib), their zone from zoneinfo, and public holidays from the holidays package.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import icalendar
import pytest
import recurring_ical_events

from tests.conftest import FIXTURES, Result

CONFIG = FIXTURES / "distributed.toml"
TODAY = "2027-01-15"
START, END = dt.date(2027, 2, 1), dt.date(2028, 2, 1)
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def build(tacal: Callable[..., Result], config: Path = CONFIG) -> Result:
    return tacal("-q", "--config", config, "--today", TODAY, "build", "-o", "-")


@pytest.fixture(scope="module")
def raw() -> dict:
    return tomllib.loads(CONFIG.read_text())


@pytest.fixture
def occurrences(tacal: Callable[..., Result]) -> list[icalendar.Event]:
    result = build(tacal)
    assert result.code == 0, result.err
    cal = icalendar.Calendar.from_ical(result.stdout_bytes)
    return list(recurring_ical_events.of(cal).between(START, END))


def person_day(raw: dict, key: str) -> dict:
    """One person's working day, read from the TOML with the README's defaults."""
    team, p = raw["team"], raw["people"][key]
    zone = p.get("timezone", team["timezone"])
    default = f"{team.get('workday_start', '09:00')}-{team.get('workday_end', '17:00')}"
    hours = p.get("hours", default)
    lo, hi = (dt.time.fromisoformat(h) for h in hours.split("-"))
    country = p.get("country", team.get("country"))
    subdiv = p.get("subdivision") if "country" in p else team.get("subdivision")
    off = {dt.date.fromisoformat(d) for d in [*team.get("holidays", []), *p.get("holidays", [])]}
    if country:
        off |= set(holidays.country_holidays(country, subdiv=subdiv, years=[2027, 2028]))
    return {
        "zone": ZoneInfo(zone),
        "lo": lo,
        "hi": hi,
        "off": off,
        "workdays": p.get("workdays", team.get("workdays", DAYS[:5])),
    }


def test_every_meeting_is_inside_every_internal_attendees_day(
    occurrences: list[icalendar.Event], raw: dict
) -> None:
    by_email = {p["email"].lower(): k for k, p in raw["people"].items()}
    days = {k: person_day(raw, k) for k in raw["people"]}
    checked = 0
    for ev in occurrences:
        start, end = ev["DTSTART"].dt, ev["DTEND"].dt
        assert end > start, ev["UID"]
        for a in ev.get("ATTENDEE", []):
            key = by_email.get(str(a).removeprefix("mailto:").lower())
            if key is None:
                continue
            d = days[key]
            ls, le = start.astimezone(d["zone"]), end.astimezone(d["zone"])
            what = f"{ev['SUMMARY']} {start} for {key}"
            assert DAYS[ls.weekday()] in d["workdays"], what
            assert ls.date() not in d["off"], f"{what}: a holiday"
            assert ls.date() == le.date() and d["lo"] <= ls.time() and le.time() <= d["hi"], what
            checked += 1
    assert checked > 900  # a year of a team's meetings, each internal attendee


def test_nobody_internal_is_double_booked(occurrences: list[icalendar.Event], raw: dict) -> None:
    by_email = {p["email"].lower(): k for k, p in raw["people"].items()}
    busy: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    for ev in occurrences:
        for a in ev.get("ATTENDEE", []):
            key = by_email.get(str(a).removeprefix("mailto:").lower())
            if key:
                busy[key].append((ev["DTSTART"].dt, ev["DTEND"].dt, str(ev["SUMMARY"])))
    assert len(busy) == len(raw["people"])
    for key, items in busy.items():
        items.sort()
        for (s1, e1, n1), (s2, _, n2) in zip(items, items[1:], strict=False):
            assert s2 >= e1, f"{key}: {n1} at {s1} overlaps {n2} at {s2}"


def test_mbr_in_days_8_to_14_and_qbr_in_the_quarters_first_week(
    occurrences: list[icalendar.Event],
) -> None:
    ny = ZoneInfo("America/New_York")
    seen = {"mbr": 0, "qbr": 0}
    for ev in occurrences:
        local = ev["DTSTART"].dt.astimezone(ny)
        cadence = str(ev["X-TACAL-CADENCE"])
        if cadence == "mbr":
            assert 8 <= local.day <= 14, (ev["SUMMARY"], local)
        elif cadence == "qbr":
            assert local.day <= 7 and local.month in (2, 5, 8, 11), (ev["SUMMARY"], local)
        else:
            continue
        seen[cadence] += 1
    assert seen == {"mbr": 3 * 12, "qbr": 3 * 4}


def test_a_sydney_customers_meetings_are_in_their_working_day(
    occurrences: list[icalendar.Event],
) -> None:
    """Bondi Robotics works 08:00-18:00 Monday-Friday in Sydney: a Los Angeles afternoon is the
    next morning there, and a Friday afternoon would be Saturday."""
    syd = ZoneInfo("Australia/Sydney")
    bondi = [ev for ev in occurrences if "Bondi" in str(ev["SUMMARY"])]
    assert len(bondi) == 12
    for ev in bondi:
        s, e = ev["DTSTART"].dt.astimezone(syd), ev["DTEND"].dt.astimezone(syd)
        assert s.weekday() < 5 and dt.time(8) <= s.time() and e.time() <= dt.time(18), s


def _series_on(
    occurrences: list[icalendar.Event], email: str, day: dt.date, zone: ZoneInfo
) -> set[str]:
    return {
        str(ev["UID"])
        for ev in occurrences
        if email in [str(a).removeprefix("mailto:") for a in ev.get("ATTENDEE", [])]
        and ev["DTSTART"].dt.astimezone(zone).date() == day
    }


def test_each_persons_own_public_holidays(occurrences: list[icalendar.Event]) -> None:
    """2027-08-30 is England's Summer bank holiday: the London TA meets nobody that day.
    Friday 2027-06-18 is the US Juneteenth holiday (observed): the London TA's weekly Friday
    meetings still meet, the New York TA's do not."""
    london, ny = ZoneInfo("Europe/London"), ZoneInfo("America/New_York")
    assert _series_on(occurrences, "pippa@global.example", dt.date(2027, 8, 30), london) == set()
    friday, juneteenth = dt.date(2027, 6, 11), dt.date(2027, 6, 18)
    pippa = _series_on(occurrences, "pippa@global.example", friday, london)
    assert pippa and pippa <= _series_on(occurrences, "pippa@global.example", juneteenth, london)
    tess = _series_on(occurrences, "tess@global.example", friday, ny)
    assert tess and not tess & _series_on(occurrences, "tess@global.example", juneteenth, ny)


def replace_in(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_team_time_outside_someones_hours_is_a_located_error(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = replace_in(
        CONFIG.read_text(),
        'time = "11:00"                      # 16:00 in London',
        'time = "15:00"                      # 20:00 in London',
    )
    (tmp_path / "t.toml").write_text(text)
    result = build(tacal, tmp_path / "t.toml")
    assert result.code == 2
    line = text.splitlines().index('id = "team-check-in"')
    assert result.err.startswith(
        f"{tmp_path / 't.toml'}:{line}: cadence 'team-check-in': "
        "time = 15:00 (America/New_York) is outside the working "
        "hours of Pippa Hart "
        "(09:00-18:00 Europe/London, that is 05:00-14:00 / "
        "04:00-13:00 in America/New_York; first miss Tue 2027-02-02 "
        "15:00); a time that fits everyone: 11:00-13:00 "
        "(America/New_York)"
    ), result.err


def test_no_common_hours_is_a_located_error_naming_everyones_hours(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = replace_in(CONFIG.read_text(), 'hours = "07:00-15:00"', 'hours = "10:00-18:00"')
    (tmp_path / "t.toml").write_text(text)
    result = build(tacal, tmp_path / "t.toml")
    assert result.code == 2
    assert "Oscar Lane's session: no time of day is inside everyone's working hours: " in result.err
    assert (
        "Oscar Lane 09:00-17:00 Europe/London (05:00-13:00 / 04:00-12:00 in "
        "America/New_York)" in result.err
    )


def test_a_full_week_is_an_error_not_a_spill_out_of_the_window(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = replace_in(CONFIG.read_text(), 'duration = 60\nper = "ae"', 'duration = 240\nper = "ae"')
    (tmp_path / "t.toml").write_text(text)
    result = build(tacal, tmp_path / "t.toml")
    assert result.code == 2
    assert "no free 240-minute time in week 1 of the month" in result.err


def test_daily_meeting_budget_is_respected(
    tacal: Callable[..., Result], occurrences: list[icalendar.Event]
) -> None:
    """Oscar has max_meeting_hours_per_day = 4."""
    london = ZoneInfo("Europe/London")
    per_day: dict[dt.date, float] = defaultdict(float)
    for ev in occurrences:
        emails = [str(a).removeprefix("mailto:") for a in ev.get("ATTENDEE", [])]
        if "oscar@global.example" in emails:
            per_day[ev["DTSTART"].dt.astimezone(london).date()] += (
                ev["DTEND"].dt - ev["DTSTART"].dt
            ).total_seconds() / 3600
    assert per_day and max(per_day.values()) <= 4


NIGHT = """[team]
name = "Night"
id = "n"
timezone = "America/New_York"
workdays = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
workday_start = "00:00"
workday_end = "23:00"
start = "2027-01-01"
[people.a]
email = "a@x.example"
[[cadence]]
id = "ops"
summary = "Ops"
rule = "weekly"
day = "SU"
time = "02:30"
duration = 30
attendees = ["a"]
"""


def test_regression_a_time_a_dst_change_skips_keeps_its_length(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """02:30 on the Sunday New York springs forward does not exist: with DTEND 03:00 readers
    ended that meeting before it started (khal then dropped the whole series). Now a located
    warning, and DURATION keeps 30 minutes on every occurrence."""
    (tmp_path / "t.toml").write_text(NIGHT)
    checked = tacal("--config", tmp_path / "t.toml", "--today", "2027-01-02", "validate")
    assert checked.code == 0
    assert (
        f"{tmp_path / 't.toml'}:11: cadence 'ops': warning: time = 02:30 on Sun 2027-03-14 is "
        "in an hour that a daylight-saving change skips or repeats in America/New_York"
    ) in checked.err
    built = tacal(
        "-q", "--config", tmp_path / "t.toml", "--today", "2027-01-02", "build", "-o", "-"
    )
    assert b"DURATION:PT30M" in built.stdout_bytes and b"DTEND" not in built.stdout_bytes
    cal = icalendar.Calendar.from_ical(built.stdout_bytes)
    found = recurring_ical_events.of(cal).between(dt.date(2027, 1, 1), dt.date(2029, 1, 1))
    assert len(found) > 100
    for ev in found:
        end = ev["DTEND"].dt if "DTEND" in ev else ev["DTSTART"].dt + ev["DURATION"].dt
        assert end - ev["DTSTART"].dt == dt.timedelta(minutes=30), ev["DTSTART"].dt


def test_placement_never_chooses_a_time_a_dst_change_skips(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """A per-person session preferring 02:00 on Sundays goes to a clean time instead."""
    text = (
        NIGHT.replace('id = "ops"', 'id = "ops"\nper = "ta"')
        .replace('email = "a@x.example"', 'email = "a@x.example"\nrole = "ta"')
        .replace('attendees = ["a"]', 'attendees = ["@ta"]')
        .replace('"02:30"', '"02:00"')
    )
    (tmp_path / "t.toml").write_text(text)
    built = tacal(
        "-q", "--config", tmp_path / "t.toml", "--today", "2027-01-02", "build", "-o", "-"
    )
    assert built.code == 0, built.err
    assert b"DTSTART;TZID=America/New_York:20270103T030000" in built.stdout_bytes
