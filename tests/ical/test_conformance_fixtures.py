"""Conformance of every calendar tacal ships or is tested with (issue #6).

The built-in default, each fixture (accounts.toml with its CSV too) and purpose-built configs
for the hard cases (DST in several zones, leap days, a fiscal year starting in every month,
week = 5, week = -1) must

- parse with three independent readers: icalendar, vobject and ics.py;
- expand to the same occurrences with recurring-ical-events and with dateutil's rruleset
  from the vobject parse, where a RECURRENCE-ID override *replaces* its occurrence (both sides
  compare start, end, summary and description of every occurrence, so an override that is
  dropped, doubled or ignored shows);
- for plain rules, equal the day-by-day walker in tests/support/walker.py, which shares no code with
  tacal.rules.

Random account-driven configs (hypothesis) go through the same checks; random plain configs
are in tests/test_conformance.py.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import ics
import pytest
import recurring_ical_events
import vobject
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from tacal import config as config_mod
from tacal.errors import ConfigError
from tacal.ical.calendar import calendar_bytes
from tacal.ical.writer import build_calendar, instance_overrides
from tacal.model import RULES, Config
from tacal.series import Override, Series, build_series, series_start
from tests.conftest import FIXTURES
from tests.support.ical_check import reset_vobject
from tests.support.walker import DAYS as WALK_DAYS
from tests.support.walker import meeting_days

TODAY = dt.date(2027, 1, 4)
NOW = dt.datetime(2027, 1, 4, 12, tzinfo=dt.UTC)

MARGIN = dt.timedelta(days=366)

#: (uid, start UTC, end UTC, summary, description) of one occurrence
Occurrence = tuple[str, dt.datetime, dt.datetime, str, str]


# --------------------------------------------------------------------------- two readers


def expand_rie(data: bytes, lo: dt.datetime, hi: dt.datetime) -> list[Occurrence]:
    """icalendar + recurring-ical-events (which applies RECURRENCE-ID overrides itself)."""
    cal = Calendar.from_ical(data)
    out = []
    for e in recurring_ical_events.of(cal).between(lo, hi):
        start = e.decoded("DTSTART")
        if not lo <= start < hi:  # between() also returns events that merely overlap
            continue
        out.append(
            (
                str(e["UID"]),
                start.astimezone(dt.UTC),
                e.decoded("DTEND").astimezone(dt.UTC),
                str(e.get("SUMMARY", "")),
                str(e.get("DESCRIPTION", "")),
            )
        )
    return sorted(out)


def expand_dateutil(data: bytes, lo: dt.datetime, hi: dt.datetime) -> list[Occurrence]:
    """vobject's parse (VTIMEZONEs read by dateutil's tzical), expanded by dateutil's rruleset.

    Overrides are applied by hand, as RFC 5545 3.8.4.4 says: the instance whose start equals
    an override's RECURRENCE-ID is replaced by the override (its own DTSTART, DTEND, SUMMARY
    and DESCRIPTION), wherever the override moves it.
    """
    reset_vobject()
    cal = vobject.readOne(data.decode("utf-8"))
    masters: dict[str, Any] = {}
    overrides: dict[str, list[Any]] = {}
    for ev in cal.vevent_list:
        if hasattr(ev, "recurrence_id"):
            overrides.setdefault(ev.uid.value, []).append(ev)
        else:
            assert ev.uid.value not in masters, f"two masters for {ev.uid.value}"
            masters[ev.uid.value] = ev

    def text(ev: Any, name: str) -> str:
        return str(getattr(ev, name).value) if hasattr(ev, name) else ""

    out: list[Occurrence] = []
    for uid, ev in masters.items():
        length = ev.dtend.value - ev.dtstart.value
        ruleset = ev.getrruleset(addRDate=True)
        # a margin either side: an override may move an occurrence into or out of the window
        span = (lo - MARGIN, hi + MARGIN)
        starts = [ev.dtstart.value] if ruleset is None else ruleset.between(*span, inc=True)
        replaced = {o.recurrence_id.value for o in overrides.get(uid, [])}
        assert {r for r in replaced if span[0] <= r <= span[1]} <= set(starts), (
            f"{uid}: an override names no occurrence of its series"
        )
        for s in starts:
            if s not in replaced and lo <= s < hi:
                out.append(
                    (
                        uid,
                        s.astimezone(dt.UTC),
                        (s + length).astimezone(dt.UTC),
                        text(ev, "summary"),
                        text(ev, "description"),
                    )
                )
        for o in overrides.get(uid, []):
            s = o.dtstart.value
            if lo <= s < hi:
                out.append(
                    (
                        uid,
                        s.astimezone(dt.UTC),
                        o.dtend.value.astimezone(dt.UTC),
                        text(o, "summary"),
                        text(o, "description"),
                    )
                )
    assert set(overrides) <= set(masters), "an override without its series"
    return sorted(out)


def check_calendar(data: bytes, lo: dt.datetime, hi: dt.datetime) -> list[Occurrence]:
    """The three parsers accept ``data`` and the two expansions agree; returns them."""
    events = Calendar.from_ical(data).walk("VEVENT")
    assert events, "no events at all"
    reset_vobject()
    assert len(vobject.readOne(data.decode("utf-8")).vevent_list) == len(events)
    assert len(ics.Calendar(data.decode("utf-8")).events) == len(events)
    ours = expand_rie(data, lo, hi)
    theirs = expand_dateutil(data, lo, hi)
    assert ours == theirs, _diff(ours, theirs)
    return ours


def _diff(a: list[Occurrence], b: list[Occurrence]) -> str:
    only_a, only_b = sorted(set(a) - set(b)), sorted(set(b) - set(a))
    return f"only recurring-ical-events: {only_a[:5]}; only dateutil: {only_b[:5]}"


# --------------------------------------------------------------------------- the walker


def walker_team(config: Config) -> dict[str, Any]:
    team = config.team
    return {
        "fiscal_year_start": team.fiscal_year_start,
        "workdays": list(team.workdays),
        "holidays": [h.isoformat() for h in team.holidays],
    }


def check_walker(
    config: Config, series: list[Series], occ: list[Occurrence], start: dt.date, end: dt.date
) -> int:
    """Every plain-rule series meets on exactly the walker's days, at its own local time.

    Per-TA/AE sessions too: each goes to a weekday and time of its own (placement decides),
    so the walker reads the weekday from the series' first meeting and checks the rest: the
    same weekday every time, in the cadence's week of the month, holiday moves kept inside
    that week. Returns how many series were compared.
    """
    tz = config.team.tz
    team = walker_team(config)
    by_id = {c.id: c for c in config.cadences}
    compared = 0
    for s in series:
        cadence = by_id.get(s.cadence_id)
        if cadence is None or cadence.rule not in RULES:
            continue
        c = {"rule": cadence.rule, "day": cadence.day, "week": cadence.week, "until": cadence.until}
        at = cadence.time
        session = cadence.per in ("ta", "ae") and cadence.rule not in ("daily",)
        if session:
            c["day"] = WALK_DAYS[s.recurrence.start.weekday()]
            at = s.recurrence.start.time()
            assert (
                c["rule"] in ("weekly", "biweekly")
                or cadence.week in (None, -1)
                or ((s.recurrence.start.day - 1) // 7 + 1 == cadence.week)
            ), s.uid
        expected = meeting_days(c, team, start, end, in_week=session)
        got = [o[1].astimezone(tz) for o in occ if o[0] == s.uid]
        moved = {new.date() for _, new in s.recurrence.moves}
        if session:
            # a session's holiday move goes to the first free time inside its week: the
            # regular days are the walker's, and every moved one stays in the same week
            regular = {g.date() for g in got if g.date() not in moved}
            assert regular <= set(expected), (s.uid, sorted(regular - set(expected)))
            assert len(got) == len(expected), (s.uid, [g.date() for g in got], expected)
            for d in moved:
                assert (
                    cadence.week is None
                    or cadence.rule in ("weekly", "biweekly")
                    or (cadence.week == -1 or (d.day - 1) // 7 + 1 == cadence.week)
                ), (s.uid, d)
        else:
            assert [g.date() for g in got] == expected, (s.uid, cadence.rule, cadence.week)
        assert {g.time() for g in got if g.date() not in moved} <= {at}, s.uid
        compared += 1
    return compared


def window(
    config: Config, start: dt.date, days: int
) -> tuple[dt.datetime, dt.datetime, dt.date, dt.date]:
    tz = config.team.tz
    end = start + dt.timedelta(days=days)
    return (
        dt.datetime.combine(start, dt.time(0), tzinfo=tz),
        dt.datetime.combine(end, dt.time(0), tzinfo=tz),
        start,
        end,
    )


def build(config: Config, today: dt.date = TODAY) -> tuple[bytes, list[Series]]:
    series = build_series(config, today)
    return calendar_bytes(config, today=today, now=NOW, series=series), series


# --------------------------------------------------------------------------- shipped configs

FIXTURE_NAMES = sorted(p.name for p in FIXTURES.glob("*.toml"))


@pytest.mark.parametrize("name", ["<default>", *FIXTURE_NAMES])
def test_shipped_configs_conform(name: str, tmp_path: Path) -> None:
    if name == "<default>":
        config = config_mod.load(None)
    else:
        # a copy, so the feeds fixture's token sidecar never lands in tests/fixtures
        for f in FIXTURES.iterdir():
            if f.suffix in (".toml", ".csv"):
                shutil.copy(f, tmp_path / f.name)
        config = config_mod.load(tmp_path / name)
    data, series = build(config)
    start = series_start(config.team, TODAY)
    lo, hi, d0, d1 = window(config, start, 730)
    occ = check_calendar(data, lo, hi)
    # every series has occurrences in the window, overrides included
    assert {o[0] for o in occ} == {s.uid for s in series}
    assert sum(len(instance_overrides(s)) for s in series) == data.count(b"RECURRENCE-ID")
    compared = check_walker(config, series, occ, d0, d1)
    plain = [c for c in config.cadences if c.rule in RULES]
    assert compared >= len(plain) >= 1


def test_accounts_csv_gives_the_same_calendar_as_the_toml(tmp_path: Path) -> None:
    """accounts.toml with its [[account]] tables swapped for ``accounts = "accounts.csv"``."""
    toml = (FIXTURES / "accounts.toml").read_text(encoding="utf-8")
    head = toml.split("[[account]]", 1)[0]
    (tmp_path / "tacal.toml").write_text('accounts = "accounts.csv"\n' + head, encoding="utf-8")
    shutil.copy(FIXTURES / "accounts.csv", tmp_path / "accounts.csv")
    config = config_mod.load(tmp_path / "tacal.toml")
    assert len(config.accounts) == 12
    data, series = build(config)
    lo, hi, d0, d1 = window(config, series_start(config.team, TODAY), 730)
    occ = check_calendar(data, lo, hi)
    assert {o[0] for o in occ} == {s.uid for s in series}
    assert any(s.overrides for s in series), "the MBR's Top 3 override is exercised"
    check_walker(config, series, occ, d0, d1)
    from_toml, _ = build(config_mod.load(FIXTURES / "accounts.toml"))
    assert data == from_toml


def test_override_replaces_its_occurrence_on_both_sides() -> None:
    """The readers themselves: a moved, renamed override replaces exactly one occurrence."""
    config = config_mod.parse(
        PLAIN.format(zone="Europe/Berlin", fy=1, start="2027-03-01", cadences=WEEKLY), None
    )
    [s] = build_series(config, TODAY)
    second = s.start + dt.timedelta(days=7)
    moved = replace(
        s,
        overrides=(
            Override(
                recurrence_id=second,
                start=second + dt.timedelta(days=1, hours=2),
                summary="Moved",
                description="moved one",
            ),
        ),
    )
    data = build_calendar([moved], name="T", timezone="Europe/Berlin", now=NOW).to_ical()
    lo, hi, _, _ = window(config, dt.date(2027, 3, 1), 35)
    occ = check_calendar(data, lo, hi)
    tz = ZoneInfo("Europe/Berlin")
    starts = [o[1].astimezone(tz).replace(tzinfo=None) for o in occ]
    assert second not in starts and second + dt.timedelta(days=1, hours=2) in starts
    assert len(occ) == 5 and [o[3] for o in occ].count("Moved") == 1


# --------------------------------------------------------------------------- hard cases

PLAIN = """[team]
name = "T"
id = "t"
timezone = "{zone}"
fiscal_year_start = {fy}
start = "{start}"
holidays = ["2027-03-29", "2027-10-04", "2028-02-29", "2028-04-03"]
{cadences}"""

WEEKLY = """
[[cadence]]
id = "w"
summary = "W"
rule = "weekly"
day = "MO"
time = "09:00"
duration = 30
"""


def cadence(
    cid: str, rule: str, day: str | None = None, week: int | None = None, time: str = "10:00"
) -> str:
    lines = [
        "",
        "[[cadence]]",
        f'id = "{cid}"',
        f'summary = "{cid.upper()}"',
        f'rule = "{rule}"',
        f'time = "{time}"',
        "duration = 45",
    ]
    if day:
        lines.append(f'day = "{day}"')
    if week is not None:
        lines.append(f"week = {week}")
    return "\n".join(lines) + "\n"


def conform(text: str, start: str, days: int = 800) -> tuple[Config, list[Occurrence]]:
    config = config_mod.parse(text, None)
    data, series = build(config)
    lo, hi, d0, d1 = window(config, dt.date.fromisoformat(start), days)
    occ = check_calendar(data, lo, hi)
    assert check_walker(config, series, occ, d0, d1) == len(series)
    return config, occ


@pytest.mark.parametrize(
    "zone",
    [
        "America/New_York",  # northern hemisphere, whole-hour DST
        "Australia/Sydney",  # southern hemisphere: DST over the new year
        "Pacific/Auckland",  # southern hemisphere
        "America/St_Johns",  # -03:30 / -02:30
        "Australia/Lord_Howe",  # +10:30 / +11:00: a 30-minute DST shift
        "Asia/Kolkata",  # +05:30, no DST
        "Europe/Berlin",
    ],
)
def test_dst_keeps_the_local_time(zone: str) -> None:
    text = PLAIN.format(
        zone=zone,
        fy=1,
        start="2027-01-01",
        cadences="".join(
            [
                cadence("daily", "daily", time="08:30"),
                cadence("weekly", "weekly", "MO", time="17:15"),
                cadence("biweekly", "biweekly", "FR", time="07:45"),
                cadence("monthly", "monthly", "MO", 1, time="23:30"),
                cadence("last", "monthly", "TU", -1),
            ]
        ),
    )
    config, occ = conform(text, "2027-01-01", 730)
    tz = ZoneInfo(zone)
    offsets = {o[1].astimezone(tz).utcoffset() for o in occ}
    assert len(offsets) == (1 if zone == "Asia/Kolkata" else 2), offsets
    for uid in {o[0] for o in occ}:
        assert len({o[1].astimezone(tz).time() for o in occ if o[0] == uid}) == 1, uid


def test_leap_day_is_a_meeting_day() -> None:
    """2028-02-29 is a Tuesday: the daily series and the last-Tuesday series meet on it, and
    the holiday on 2028-02-29 (in another team) moves meetings to 2028-03-01."""
    text = PLAIN.format(
        zone="America/Chicago",
        fy=2,
        start="2028-01-01",
        cadences="".join(
            [
                cadence("daily", "daily"),
                cadence("last-tue", "monthly", "TU", -1),
                cadence("fifth", "bimonthly", "TU", 5),  # Feb 2028 has five Tuesdays: 1, 8, ..., 29
            ]
        ),
    ).replace(', "2028-02-29"', "")
    config, occ = conform(text, "2028-01-01", 500)
    tz = config.team.tz
    days = {(o[0], o[1].astimezone(tz).date()) for o in occ}
    assert ("t.daily@tacal", dt.date(2028, 2, 29)) in days
    assert ("t.last-tue@tacal", dt.date(2028, 2, 29)) in days
    assert ("t.fifth@tacal", dt.date(2028, 2, 29)) in days
    # with the leap day a holiday, both move to Wednesday 2028-03-01 (the daily one merges)
    moved_text = text.replace("holidays = [", 'holidays = ["2028-02-29", ')
    config, occ = conform(moved_text, "2028-01-01", 500)
    days = {(o[0], o[1].astimezone(tz).date()) for o in occ}
    assert not {d for u, d in days if d == dt.date(2028, 2, 29)}
    assert ("t.last-tue@tacal", dt.date(2028, 3, 1)) in days
    assert ("t.fifth@tacal", dt.date(2028, 3, 1)) in days
    assert ("t.daily@tacal", dt.date(2028, 3, 1)) in days  # once: the moved one merged


def _expected_months(rule: str, fy: int) -> set[int]:
    step, count = (3, 4) if rule == "fiscal-quarterly" else (2, 6)
    return {(fy - 1 + step * i) % 12 + 1 for i in range(count)}


@pytest.mark.parametrize("rule", ["fiscal-quarterly", "bimonthly"])
@pytest.mark.parametrize("fy", range(1, 13))
def test_fiscal_year_starting_in_every_month(fy: int, rule: str) -> None:
    # the team starts mid-year in a month that is not aligned for most fy values
    text = PLAIN.format(
        zone="Australia/Sydney",
        fy=fy,
        start="2027-05-17",
        cadences=cadence("x", rule, "WE", 2) + cadence("y", rule, "FR", -1),
    )
    config, occ = conform(text, "2027-05-17", 760)
    tz = config.team.tz
    for uid in ("t.x@tacal", "t.y@tacal"):
        months = [o[1].astimezone(tz).date().month for o in occ if o[0] == uid]
        assert set(months) == _expected_months(rule, fy), (uid, months)


@pytest.mark.parametrize("rule", ["monthly", "bimonthly", "quarterly", "fiscal-quarterly"])
@pytest.mark.parametrize("day", ["MO", "WE", "FR"])
def test_week_five_skips_months_without_a_fifth_weekday(rule: str, day: str) -> None:
    text = PLAIN.format(
        zone="America/St_Johns",
        fy=2,
        start="2027-01-01",
        cadences=cadence("five", rule, day, 5) + cadence("last", rule, day, -1),
    )
    config, occ = conform(text, "2027-01-01", 1100)
    tz = config.team.tz
    five = [o[1].astimezone(tz).date() for o in occ if o[0] == "t.five@tacal"]
    last = [o[1].astimezone(tz).date() for o in occ if o[0] == "t.last@tacal"]
    assert five, "some months have a 5th weekday"
    # every 5th weekday is also the last one, so 'five' is a subset of 'last'; months
    # without a 5th weekday have a 'last' but no 'five'
    assert set(five) < set(last)
    assert len(last) > len(five)


# --------------------------------------------------------------------------- random accounts

PEOPLE = {
    "ta1": "ta",
    "ta2": "ta",
    "ta3": "ta",
    "ae1": "ae",
    "ae2": "ae",
    "ae3": "ae",
    "ce1": "ce",
    "sdr1": "sdr",
    "dir": "director",
    "vp": "vp",
}
ACCOUNT_CADENCES = [
    (
        'id = "mbr"\nsummary = "MBR"\nrule = "monthly"\nper = "ta"\nday = "WE"\nweek = 2\n'
        'time = "13:00"\nduration = 30\ntop3 = true\nattendees = ["@ta", "@director", "@vp"]'
    ),
    (
        'id = "qbr"\nsummary = "QBR"\nrule = "fiscal-quarterly"\nper = "ae"\nday = "TU"\nweek = 1\n'
        'time = "14:00"\nduration = 60\nattendees = ["@ae", "@ta", "@leadership"]'
    ),
    (
        'id = "sync"\nsummary = "Sync"\nrule = "biweekly"\nper = "ae"\nday = "TH"\n'
        'time = "10:00"\nduration = 30\nattendees = ["@ae", "@ta", "@ce", "@sdr"]'
    ),
    (
        'id = "check-in"\nsummary = "Check-In"\nrule = "check-in"\nper = "account"\n'
        'kind = "external"\ntime = "14:00"\nduration = 30\nattendees = ["@ta", "@ae"]'
    ),
    (
        'id = "touch-base"\nsummary = "Touch"\nrule = "touch-base"\nper = "account"\nweek = 3\n'
        'time = "16:30"\nduration = 15\nattendees = ["@ta"]'
    ),
    (
        'id = "renewal"\nsummary = "Renewal"\nrule = "renewal"\nper = "account"\n'
        'days_before = 120\ntime = "11:00"\nduration = 30\nattendees = ["@ta", "@ae"]'
    ),
    (
        'id = "handoff"\nsummary = "Handoff"\nrule = "onboarding"\nper = "account"\n'
        'workdays_after = 3\ntime = "10:00"\nduration = 45\nattendees = ["@ta", "@ae", "@ce"]'
    ),
    (
        'id = "last-th"\nsummary = "Health"\nrule = "monthly"\nday = "TH"\nweek = -1\n'
        'time = "15:00"\nduration = 30\nattendees = ["@ta"]'
    ),
]


@st.composite
def account_configs(draw: st.DrawFn) -> tuple[str, str]:
    zone = draw(
        st.sampled_from(
            [
                "America/Chicago",
                "Australia/Sydney",
                "America/St_Johns",
                "Europe/London",
                "Asia/Kolkata",
            ]
        )
    )
    fy = draw(st.integers(1, 12))
    start = dt.date(2027, 1, 1) + dt.timedelta(days=draw(st.integers(0, 365)))
    holidays = sorted(
        {
            (start + dt.timedelta(days=draw(st.integers(0, 400)))).isoformat()
            for _ in range(draw(st.integers(0, 8)))
        }
    )
    lines = [
        f'[team]\nname = "R"\nid = "r"\ntimezone = "{zone}"\nfiscal_year_start = {fy}\n'
        f'start = "{start}"\nleadership = ["dir", "vp"]\n'
        f"holidays = [{', '.join(repr(h).replace(chr(39), chr(34)) for h in holidays)}]\n"
    ]
    for key, role in PEOPLE.items():
        lines.append(
            f'[people.{key}]\nname = "{key.upper()}"\nemail = "{key}@r.example"\nrole = "{role}"\n'
        )
    chosen = draw(
        st.lists(st.sampled_from(range(len(ACCOUNT_CADENCES))), min_size=1, max_size=5, unique=True)
    )
    for i in sorted(chosen):
        lines.append("[[cadence]]\n" + ACCOUNT_CADENCES[i] + "\n")
    for n in range(draw(st.integers(1, 6))):
        renewal = start + dt.timedelta(days=draw(st.integers(-30, 600)))
        onboarding = draw(st.one_of(st.none(), st.integers(-10, 300)))
        lines.append(
            f'[[account]]\nname = "Acct {n}"\nta = "ta{draw(st.integers(1, 3))}"\n'
            f'ae = "ae{draw(st.integers(1, 3))}"\n'
            + ('ce = "ce1"\n' if draw(st.booleans()) else "")
            + ('sdr = "sdr1"\n' if draw(st.booleans()) else "")
            + f'contacts = ["c{n}@cust.example"]\n'
            f'check_in = "{draw(st.sampled_from(["weekly", "biweekly", "monthly", "bimonthly", "quarterly"]))}"\n'  # noqa: E501
            f"arr = {draw(st.integers(0, 900000))}\n"
            f'renewal = "{renewal}"\n'
            f'health = "{draw(st.sampled_from(["green", "yellow", "red"]))}"\n'
            f"expansion = {str(draw(st.booleans())).lower()}\n"
            + (
                f'onboarding_start = "{start + dt.timedelta(days=onboarding)}"\n'
                if onboarding is not None
                else ""
            )
        )
    return "\n".join(lines), start.isoformat()


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(account_configs(), st.integers(0, 500))
def test_random_account_configs_conform(case: tuple[str, str], today_offset: int) -> None:
    text, start = case
    config = config_mod.parse(text, None)
    today = dt.date.fromisoformat(start) + dt.timedelta(days=today_offset)
    try:
        data, series = build(config, today)
    except ConfigError:  # e.g. a TA with no accounts has no MBR to lay out
        assume(False)
        return
    assume(series)
    lo, hi, d0, d1 = window(config, dt.date.fromisoformat(start) - dt.timedelta(days=60), 900)
    occ = check_calendar(data, lo, hi)
    assert sum(len(instance_overrides(s)) for s in series) == data.count(b"RECURRENCE-ID")
    check_walker(config, series, occ, d0 + dt.timedelta(days=60), d1)
