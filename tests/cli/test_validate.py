"""``validate`` says what the people check proved, and fails the way ``build`` does."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from tacal.config import load
from tacal.series.people_check import PeopleReport, check_people
from tests.conftest import FIXTURES, Result

SUMMARY = (
    "0 overlaps for {n} people over the next 12 months (2026-12-02 to 2027-12-02); "
    "every meeting inside its attendees' hours"
)


def test_validate_prints_the_people_check(tacal: Callable[..., Result]) -> None:
    result = tacal("--today", "2026-12-02", "validate")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "built-in default: OK (15 cadences, 36 series, 8 accounts)",
        SUMMARY.format(n=9),
    ]
    distributed = tacal(
        "--config", FIXTURES / "distributed.toml", "--today", "2026-12-02", "validate"
    )
    assert distributed.out.splitlines()[-1] == SUMMARY.format(n=8)
    one = tacal("--config", FIXTURES / "berlin.toml", "--today", "2026-12-02", "validate")
    assert one.out.splitlines()[-1] == SUMMARY.format(n=1).replace("1 people", "1 person")
    assert tacal("-q", "--today", "2026-12-02", "validate").out == ""


def test_validate_fails_on_an_overlap_like_build(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = (FIXTURES / "berlin.toml").read_text().replace('time = "16:00"', 'time = "09:30"')
    (tmp_path / "tacal.toml").write_text(text.replace('day = "FR"', 'day = "TU"'))
    result = tacal("--today", "2027-01-10", "validate")
    built = tacal("--today", "2027-01-10", "build", "-o", "-")
    assert result.code == built.code == 2
    assert result.out == ""
    assert result.err == built.err
    assert result.err.startswith(
        f"{tmp_path / 'tacal.toml'}:24: cadence 'last-friday': meets "
        "at the same time as cadence 'standup'"
    )


def test_validate_fails_on_a_meeting_outside_someones_hours(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = (
        (FIXTURES / "distributed.toml").read_text().replace('time = "11:00"', 'time = "07:00"', 1)
    )
    (tmp_path / "tacal.toml").write_text(text)
    result = tacal("--today", "2026-12-02", "validate")
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith(
        f"{tmp_path / 'tacal.toml'}:69: cadence 'team-check-in': time = 07:00 "
        "(America/New_York) is outside the working hours of Liam Brooks "
        "(08:00-16:00 America/Los_Angeles"
    )


def test_summary_of_a_report() -> None:
    config = load(FIXTURES / "berlin.toml")
    report = check_people(config, [], dt.date(2027, 1, 10))
    assert report.summary() == (
        "0 overlaps for 1 person over the next 12 months (2027-01-10 to 2028-01-10); every "
        "meeting inside its attendees' hours"
    )
    bad = PeopleReport(
        dt.date(2027, 1, 10),
        dt.date(2028, 1, 10),
        3,
        over_budget=[("anna", dt.date(2027, 2, 1), 400)],
    )
    assert bad.summary() == (
        "0 overlaps, 0 meetings outside someone's hours, 1 days over a meeting budget for 3 "
        "people over the next 12 months (2027-01-10 to 2028-01-10)"
    )
