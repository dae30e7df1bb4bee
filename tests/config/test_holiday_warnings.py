"""``validate`` warns (located, exit 0) about holidays that change nothing or look mistyped:
on a day nobody they apply to works, listed twice, before the calendar starts, or years away."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from tacal.config import parse
from tacal.series.checks import holiday_warnings
from tests.conftest import Result

BASE = """\
[team]
name = "T"
timezone = "America/New_York"
start = "2027-01-04"
holidays = {team}

[people.dana]
name = "Dana"
email = "dana@example.com"
role = "ta"
holidays = {dana}
{dana_extra}
[people.kim]
name = "Kim"
email = "kim@example.com"
role = "ta"

[[cadence]]
id = "sync"
summary = "Sync"
rule = "weekly"
day = "TU"
time = "10:00"
duration = 30
attendees = ["dana", "kim"]
"""

TODAY = "2027-01-04"


def validate(
    tacal: Callable[..., Result],
    tmp_path: Path,
    team: str = "[]",
    dana: str = "[]",
    dana_extra: str = "",
    today: str = TODAY,
) -> tuple[Result, list[str]]:
    path = tmp_path / "tacal.toml"
    path.write_text(BASE.format(team=team, dana=dana, dana_extra=dana_extra), encoding="utf-8")
    result = tacal("--today", today, "validate")
    assert result.code == 0, result.err
    assert "OK (1 cadences, 1 series" in result.out
    return result, [line.replace(str(path), "tacal.toml") for line in result.err.splitlines()]


def test_no_warnings_for_good_holidays(tacal: Callable[..., Result], tmp_path: Path) -> None:
    _, err = validate(tacal, tmp_path, '["2027-07-05", "2027-12-24"]', '["2027-08-16"]')
    assert err == []


def test_a_holiday_on_a_non_workday(tacal: Callable[..., Result], tmp_path: Path) -> None:
    _, err = validate(tacal, tmp_path, '["2027-07-04", "2027-07-05"]', '["2027-01-09"]')
    assert err == [
        "tacal.toml:5: team.holidays: warning: 2027-07-04 is a Sunday, not a workday: it changes "
        "nothing",
        "tacal.toml:11: people.dana.holidays: warning: 2027-01-09 is a Saturday, not a workday: "
        "it changes nothing",
    ]


def test_own_workdays_decide(tacal: Callable[..., Result], tmp_path: Path) -> None:
    """Dana works Saturdays: her Saturday off counts, and so does a team Saturday holiday
    (team holidays apply to everyone); a Monday she does not work changes nothing for her."""
    _, err = validate(
        tacal,
        tmp_path,
        '["2027-07-03"]',
        '["2027-01-09", "2027-01-11"]',
        'workdays = ["TU", "WE", "TH", "FR", "SA"]\n',
    )
    assert err == [
        "tacal.toml:11: people.dana.holidays: warning: 2027-01-11 is a Monday, not "
        "a workday: it changes nothing"
    ]


def test_a_date_listed_twice(tacal: Callable[..., Result], tmp_path: Path) -> None:
    result, err = validate(
        tacal,
        tmp_path,
        '["2027-12-24", "2027-12-24", "2027-12-24"]',
        '["2027-08-16", "2027-08-16"]',
    )
    assert err == [
        "tacal.toml:5: team.holidays: warning: 2027-12-24 is listed more than once; keep one",
        "tacal.toml:11: people.dana.holidays: warning: 2027-08-16 is listed more than once; keep "
        "one",
    ]
    # a loading warning: every command shows it, none fails on it
    built = tacal("--today", TODAY, "build", "-o", "-")
    assert built.code == 0 and "2027-12-24 is listed more than once" in built.err


def test_holidays_before_the_calendar_starts(tacal: Callable[..., Result], tmp_path: Path) -> None:
    _, err = validate(
        tacal, tmp_path, '["2026-12-25", "2027-01-01", "2027-07-05"]', '["2026-11-26"]'
    )
    assert err == [
        "tacal.toml:5: team.holidays: warning: 2026-12-25, 2027-01-01 are before the calendar "
        "starts (2027-01-04, team.start): they change nothing",
        "tacal.toml:11: people.dana.holidays: warning: 2026-11-26 is before the calendar starts "
        "(2027-01-04, team.start): it changes nothing",
    ]


def test_before_the_fiscal_year_without_a_start(tacal: Callable[..., Result]) -> None:
    """The built-in default lists 2026 holidays: without team.start the calendar starts today
    (nothing is back-filled), so by 2027-04-20 seven of them are past."""
    early = tacal("--today", "2026-05-01", "validate")
    assert early.err.count("warning") == 0, early.err
    result = tacal("--today", "2027-04-20", "validate")
    assert result.code == 0
    assert (
        "<built-in default>:16: team.holidays: warning: 2026-05-25, 2026-07-03, 2026-09-07, "
        "2026-11-26, 2026-12-25 and 2 more are before the calendar starts (2027-04-20, "
        "today: series are not back-filled): they change nothing"
    ) in result.err.splitlines()


def test_holidays_years_away(tacal: Callable[..., Result], tmp_path: Path) -> None:
    _, err = validate(tacal, tmp_path, '["2029-01-04", "2029-01-05"]', '["2030-08-16"]')
    assert err == [
        "tacal.toml:5: team.holidays: warning: 2029-01-05 is more than 2 years after today "
        "(2027-01-04); is the year right?",
        "tacal.toml:11: people.dana.holidays: warning: 2030-08-16 is more than 2 years after "
        "today (2027-01-04); is the year right?",
    ]


def test_quiet_validate_shows_no_warnings(tacal: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "tacal.toml").write_text(
        BASE.format(team='["2027-07-04"]', dana="[]", dana_extra="")
    )
    result = tacal("-q", "--today", TODAY, "validate")
    assert result.code == 0 and result.err == "" and result.out == ""


def test_holiday_warnings_is_pure() -> None:
    config = parse(
        BASE.format(team='["2027-07-04", "2026-12-25"]', dana='["2031-02-03"]', dana_extra=""), None
    )
    found = holiday_warnings(config, dt.date(2028, 2, 29))
    assert [(p.where, p.message, p.severity) for p in found] == [
        (
            "<built-in default>:5: team.holidays",
            "2026-12-25 is before the calendar starts (2027-01-04, team.start): it changes nothing",
            "warning",
        ),
        (
            "<built-in default>:5: team.holidays",
            "2027-07-04 is a Sunday, not a workday: it changes nothing",
            "warning",
        ),
        (
            "<built-in default>:11: people.dana.holidays",
            "2031-02-03 is more than 2 years after today (2028-02-29); is the year right?",
            "warning",
        ),
    ]
