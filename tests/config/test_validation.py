"""Every kind of bad input: exit 2, a located one-line message per problem, no traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result

BASE = """\
[team]
name = "T"
timezone = "America/New_York"
start = "2027-01-04"

[people.dana]
name = "Dana"
email = "dana@example.com"
role = "ta"

[[cadence]]
id = "sync"
summary = "Sync"
rule = "weekly"
day = "TU"
time = "10:00"
duration = 30
attendees = ["dana"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tacal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_validate(tacal: Callable[..., Result], tmp_path: Path, text: str) -> Result:
    write(tmp_path, text)
    result = tacal("validate")
    assert "Traceback" not in result.err
    return result


def test_base_is_valid(tacal: Callable[..., Result], tmp_path: Path) -> None:
    result = run_validate(tacal, tmp_path, BASE)
    assert result.code == 0, result.err
    assert "OK (1 cadences, 1 series" in result.out


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'day = "TU"',
            'day = "TX"',
            ":15: cadence 'sync'.day: 'TX' is not a weekday; use one of MO TU",
        ),
        (
            'time = "10:00"',
            'time = "25:00"',
            ":16: cadence 'sync'.time: '25:00' is not a time; write 24-hour HH:MM",
        ),
        ('time = "10:00"', 'time = "10am"', ":16: cadence 'sync'.time: '10am' is not a time"),
        (
            '"America/New_York"',
            '"America/New_Yrok"',
            ":3: team.timezone: 'America/New_Yrok' is not an IANA time zone",
        ),
        (
            '"America/New_York"',
            '"../../etc/passwd"',
            ":3: team.timezone: '../../etc/passwd' is not an IANA time zone",
        ),
        (
            "duration = 30",
            "duration = 0",
            ":17: cadence 'sync'.duration: 0 minutes is out of range",
        ),
        (
            "duration = 30",
            'duration = "30m"',
            ":17: cadence 'sync'.duration: must be whole minutes",
        ),
        (
            "duration = 30",
            "duration = 2000",
            ":17: cadence 'sync'.duration: 2000 minutes is out of range; use 1-1440",
        ),
        (
            'attendees = ["dana"]',
            'attendees = ["dna"]',
            ":18: cadence 'sync'.attendees: unknown person 'dna'; add [people.dna] or use an email "
            "address (did you mean 'dana'?)",
        ),
        (
            'attendees = ["dana"]',
            'attendees = ["@tas"]',
            ":18: cadence 'sync'.attendees: '@tas' is not a role (did you mean '@ta'?)",
        ),
        (
            'rule = "weekly"',
            'rule = "fortnightly"',
            ":14: cadence 'sync'.rule: 'fortnightly' is not a rule (did you mean 'biweekly'?)",
        ),
        (
            'rule = "weekly"',
            'rule = "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"',
            ":14: cadence 'sync'.rule: this RRULE never occurs",
        ),
        (
            'rule = "weekly"',
            'rule = "RRULE:BYDAY=MO"',
            ":14: cadence 'sync'.rule: an RRULE needs FREQ",
        ),
        (
            'rule = "weekly"',
            'rule = "RRULE:FREQ=WEEKLY;BYDAY=XX"',
            ":14: cadence 'sync'.rule: invalid RRULE",
        ),
        (
            'name = "Dana"',
            'name = "Dana"\nphone = "1"',
            ":8: people.dana.phone: unknown key 'phone'",
        ),
        (
            'summary = "Sync"',
            'summary = "Sync"\nwhen = "TU"',
            ":14: cadence 'sync'.when: unknown key",
        ),
        ('role = "ta"', 'role = "boss"', ":9: people.dana.role: 'boss' is not a role"),
        (
            'email = "dana@example.com"',
            'email = "dana"',
            ":8: people.dana.email: 'dana' is not an email address",
        ),
        (
            'start = "2027-01-04"',
            'start = "2027-13-01"',
            ":4: team.start: '2027-13-01' is not a date; write YYYY-MM-DD",
        ),
        (
            'name = "T"',
            'name = "T"\nfiscal_year_start = 13',
            ":3: team.fiscal_year_start: 13 is not a month; use 1-12",
        ),
        (
            'name = "T"',
            'name = "T"\nworkdays = ["MO", "Funday"]',
            ":3: team.workdays: 'Funday' is not a weekday",
        ),
        (
            'day = "TU"',
            'day = "TU"\nweek = 2',
            ":16: cadence 'sync'.week: week only applies to monthly-type rules",
        ),
        (
            'rule = "weekly"',
            'rule = "monthly"',
            ":11: cadence 'sync'.week: rule 'monthly' needs week",
        ),
        (
            'rule = "weekly"\nday = "TU"',
            'rule = "monthly"\nday = "TU"\nweek = 6',
            ":16: cadence 'sync'.week: 6 is out of range",
        ),
        (
            'id = "sync"',
            'id = "Sync Meeting"',
            ":12: cadence 'Sync Meeting'.id: 'Sync Meeting': give every cadence a stable id",
        ),
        ("[team]", "[teams]", ":1: teams: unknown table [teams]; did you mean [team]?\n"),
    ],
)
def test_each_error_is_located(
    tacal: Callable[..., Result], tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in BASE
    result = run_validate(tacal, tmp_path, BASE.replace(old, new, 1))
    assert result.code == 2, result.out
    assert f"{tmp_path / 'tacal.toml'}{expected}" in result.err, result.err


def test_duplicate_ids(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = BASE + BASE[BASE.index("[[cadence]]") :]
    result = run_validate(tacal, tmp_path, text)
    assert result.code == 2
    assert ":20: cadence 'sync'.id: duplicate id 'sync' (also line 12)" in result.err


def test_every_problem_reported_at_once(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = BASE.replace('day = "TU"', 'day = "XX"').replace('time = "10:00"', 'time = "x"')
    text = text.replace('"America/New_York"', '"Mars/Olympus"')
    result = run_validate(tacal, tmp_path, text)
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if line.strip()]
    assert len(lines) == 3, lines
    assert all(line.startswith(f"{tmp_path / 'tacal.toml'}:") for line in lines)


def test_toml_syntax_error_has_line(tacal: Callable[..., Result], tmp_path: Path) -> None:
    result = run_validate(tacal, tmp_path, BASE.replace('time = "10:00"', 'time = "10:00'))
    assert result.code == 2
    assert f"{tmp_path / 'tacal.toml'}:16: TOML syntax error" in result.err


def test_week_5_warns_but_builds(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = BASE.replace('rule = "weekly"\nday = "TU"', 'rule = "monthly"\nday = "TU"\nweek = 5')
    result = run_validate(tacal, tmp_path, text)
    assert result.code == 0, result.err
    assert ":16: cadence 'sync'.week: warning: week = 5: not every month has a 5th weekday" in (
        result.err
    )


def test_missing_config_file(tacal: Callable[..., Result], tmp_path: Path) -> None:
    result = tacal("--config", tmp_path / "nope.toml", "build")
    assert result.code == 2
    assert "nope.toml: config file not found; run `tacal init`" in result.err
    assert not (tmp_path / "tacal.ics").exists()


@pytest.mark.parametrize("command", [["build"], ["preview"], ["build", "-o", "-"]])
def test_every_command_fails_the_same_way(
    tacal: Callable[..., Result], tmp_path: Path, command: list[str]
) -> None:
    write(tmp_path, BASE.replace('day = "TU"', 'day = "XX"'))
    result = tacal(*command)
    assert result.code == 2
    assert "cadence 'sync'.day: 'XX' is not a weekday" in result.err
    assert "Traceback" not in result.err
    assert result.out == ""
    assert not (tmp_path / "tacal.ics").exists()


def test_bad_today(tacal: Callable[..., Result]) -> None:
    result = tacal("--today", "tomorrow", "preview")
    assert result.code == 2
    assert "'tomorrow' is not a date" in result.err


@pytest.mark.parametrize("quarter", ["FY27-Q1", "Q5", "later"])
def test_bad_quarter(tacal: Callable[..., Result], quarter: str) -> None:
    result = tacal("-q", "preview", "--quarter", quarter)
    assert result.code == 2
    assert "use next, current or FY2027-Q3" in result.err
