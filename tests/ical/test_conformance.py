"""Random configs (hypothesis): the output parses with icalendar, vobject and ics.py, expands
identically with recurring-ical-events and with dateutil (from vobject's parse), and equals the
plain day-by-day walker in tests/support/walker.py."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import ics
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from tacal import config as config_mod
from tacal.errors import ConfigError
from tacal.ical.calendar import calendar_bytes
from tests.support.ical_check import expand_icalendar, expand_vobject
from tests.support.walker import meeting_days

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kolkata",
    "America/St_Johns",
    "Pacific/Auckland",
    "Australia/Lord_Howe",
    "UTC",
    "Europe/London",
]  # GMT-based: vobject once took it for UTC
DAYS = ["MO", "TU", "WE", "TH", "FR"]


@st.composite
def configs(draw: st.DrawFn) -> dict:
    zone = draw(st.sampled_from(ZONES))
    fy = draw(st.integers(1, 12))
    start = dt.date(2027, 1, 1) + dt.timedelta(days=draw(st.integers(0, 400)))
    holidays = sorted(
        {
            (start + dt.timedelta(days=draw(st.integers(0, 500)))).isoformat()
            for _ in range(draw(st.integers(0, 6)))
        }
    )
    cadences = []
    for i in range(draw(st.integers(1, 4))):
        rule = draw(
            st.sampled_from(
                [
                    "daily",
                    "weekly",
                    "biweekly",
                    "monthly",
                    "bimonthly",
                    "quarterly",
                    "fiscal-quarterly",
                ]
            )
        )
        c = {
            "id": f"c{i}",
            "summary": f"C{i}",
            "rule": rule,
            "time": f"{draw(st.integers(7, 18)):02d}:{draw(st.sampled_from([0, 15, 30, 45])):02d}",
            "duration": draw(st.sampled_from([15, 30, 45, 60])),
        }
        if rule != "daily":
            c["day"] = draw(st.sampled_from(DAYS))
        if rule not in ("daily", "weekly", "biweekly"):
            c["week"] = draw(st.sampled_from([1, 2, 3, 4, 5, -1]))  # 5: not every month
        if draw(st.integers(0, 3)) == 0:
            c["until"] = (start + dt.timedelta(days=draw(st.integers(20, 420)))).isoformat()
        cadences.append(c)
    return {
        "team": {
            "name": "T",
            "id": "t",
            "timezone": zone,
            "fiscal_year_start": fy,
            "start": start.isoformat(),
            "holidays": holidays,
        },
        "cadence": cadences,
    }


def to_toml(data: dict) -> str:
    def value(v: object) -> str:
        if isinstance(v, str):
            return f'"{v}"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v)

    lines = ["[team]"] + [f"{k} = {value(v)}" for k, v in data["team"].items()]
    for c in data["cadence"]:
        lines += ["", "[[cadence]]"] + [f"{k} = {value(v)}" for k, v in c.items()]
    return "\n".join(lines) + "\n"


@settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(configs())
def test_random_configs_conform(data: dict) -> None:
    config = config_mod.parse(to_toml(data), None)
    tz = ZoneInfo(data["team"]["timezone"])
    start = dt.date.fromisoformat(data["team"]["start"])
    try:
        out = calendar_bytes(
            config, today=dt.date(2027, 1, 1), now=dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
        )
    except ConfigError as exc:
        # only a cadence whose until comes before its first meeting, and the walker agrees
        assert "has no occurrence" in str(exc)
        assert any(
            c.get("until")
            and not meeting_days(c, data["team"], start, start + dt.timedelta(days=450))
            for c in data["cadence"]
        )
        return
    end = start + dt.timedelta(days=450)
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=tz)
    hi = dt.datetime.combine(end, dt.time(0), tzinfo=tz)

    # three independent parsers accept it: one series per cadence, plus its moved occurrences
    events = Calendar.from_ical(out).walk("VEVENT")
    assert len([e for e in events if "RECURRENCE-ID" not in e]) == len(data["cadence"])
    assert len(ics.Calendar(out.decode()).events) == len(events)
    ours = expand_icalendar(out, lo, hi)
    assert ours == expand_vobject(out, lo, hi)

    # and the dates and local times are what the cadence means
    for c in data["cadence"]:
        uid = f"t.{c['id']}@tacal"
        got = [w.astimezone(tz) for u, w in ours if u == uid]
        assert {g.strftime("%H:%M") for g in got} <= {c["time"]}
        expected = meeting_days(c, data["team"], start, end)
        assert [g.date() for g in got] == expected, (c, data["team"])


def test_walker_sanity() -> None:
    """The walker itself, on a case checked by hand: 2nd Wednesdays of 2027 Q1."""
    team = {"fiscal_year_start": 1, "holidays": ["2027-02-10"]}
    days = meeting_days(
        {"rule": "monthly", "day": "WE", "week": 2}, team, dt.date(2027, 1, 1), dt.date(2027, 4, 1)
    )
    assert days == [dt.date(2027, 1, 13), dt.date(2027, 2, 11), dt.date(2027, 3, 10)]


def test_walker_week_five_and_last_by_hand() -> None:
    """Months of 2027 with a 5th Monday: March, May, August, November (no others)."""
    team = {"fiscal_year_start": 1, "holidays": []}
    year = (dt.date(2027, 1, 1), dt.date(2028, 1, 1))
    fifth = meeting_days({"rule": "monthly", "day": "MO", "week": 5}, team, *year)
    assert fifth == [
        dt.date(2027, 3, 29),
        dt.date(2027, 5, 31),
        dt.date(2027, 8, 30),
        dt.date(2027, 11, 29),
    ]
    last = meeting_days({"rule": "quarterly", "day": "MO", "week": -1}, team, *year)
    assert last == [
        dt.date(2027, 1, 25),
        dt.date(2027, 4, 26),
        dt.date(2027, 7, 26),
        dt.date(2027, 10, 25),
    ]
