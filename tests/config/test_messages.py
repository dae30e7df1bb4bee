"""The exact words of the config messages a user reads: each names the place (file, line and
the key, with a cadence named by its id) and what was probably meant, and nothing that merely
follows from a problem already reported."""

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

[people.alex]
name = "Alex"
email = "alex@example.com"
role = "ae"

[[cadence]]
id = "sync"
summary = "Sync"
rule = "weekly"
day = "TU"
time = "10:00"
duration = 30
attendees = ["dana"]

[[account]]
name = "Acme"
ta = "dana"
ae = "alex"
contacts = ["it@acme.example.com"]
"""


def problems(tacal: Callable[..., Result], tmp_path: Path, text: str, code: int = 2) -> list[str]:
    """The lines ``tacal validate`` prints on stderr, the config path shown as ``tacal.toml``."""
    (tmp_path / "tacal.toml").write_text(text, encoding="utf-8")
    result = tacal("--today", "2027-01-04", "validate")
    assert "Traceback" not in result.err
    assert result.code == code, result.err
    return [
        line.replace(str(tmp_path) + "/", "") for line in result.err.splitlines() if line.strip()
    ]


# --------------------------------------------------------------------------- time zones


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (
            "PST",
            "tacal.toml:3: team.timezone: 'PST' is a time zone abbreviation, not an IANA time "
            'zone; did you mean "America/Los_Angeles"?',
        ),
        (
            "Pacific Standard Time",
            "tacal.toml:3: team.timezone: 'Pacific Standard Time' is a "
            'Windows time zone name, not an IANA time zone; did you mean "America/Los_Angeles"?',
        ),
        (
            "W. Europe Standard Time",
            "tacal.toml:3: team.timezone: 'W. Europe Standard Time' is a "
            'Windows time zone name, not an IANA time zone; did you mean "Europe/Berlin"?',
        ),
        (
            "IST",
            "tacal.toml:3: team.timezone: 'IST' is a time zone abbreviation, not an IANA time "
            'zone; did you mean "Asia/Kolkata"? (IST can also mean "Europe/Dublin" or '
            '"Asia/Jerusalem")',
        ),
        ("CET", None),  # valid (a legacy name): a warning, below
        (
            "New York",
            "tacal.toml:3: team.timezone: 'New York' is a city, not an IANA time zone; did "
            'you mean "America/New_York"?',
        ),
        (
            "America/New_Yrok",
            "tacal.toml:3: team.timezone: 'America/New_Yrok' is not an IANA time "
            'zone; did you mean "America/New_York"?',
        ),
        (
            "UTC+2",
            "tacal.toml:3: team.timezone: 'UTC+2' is a UTC offset, not an IANA time zone; use "
            'the zone of a city, such as "America/New_York", which follows daylight saving time; '
            '"Etc/GMT-2" is a fixed UTC+2 all year (its sign is inverted)',
        ),
        (
            "Mars/Olympus",
            "tacal.toml:3: team.timezone: 'Mars/Olympus' is not an IANA time zone; use "
            'a name such as "America/New_York"',
        ),
    ],
)
def test_zone_names_people_write(
    tacal: Callable[..., Result], tmp_path: Path, zone: str, expected: str | None
) -> None:
    text = BASE.replace('"America/New_York"', f'"{zone}"', 1)
    if expected is None:
        return
    assert problems(tacal, tmp_path, text) == [expected]


def test_zone_in_any_case_is_accepted_and_spelt_the_iana_way(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = BASE[: BASE.index("[[account]]")].replace(
        '"America/New_York"', '"america/los_angeles"', 1
    )
    text = text.replace('role = "ta"', 'role = "ta"\ntimezone = "america/new_york"', 1)
    assert problems(tacal, tmp_path, text, code=0) == []
    ics = tacal("--today", "2027-01-04", "build", "-o", "-").out
    assert "X-WR-TIMEZONE:America/Los_Angeles" in ics
    assert "TZID:america" not in ics


def test_legacy_zone_names_build_with_a_warning(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = BASE.replace('"America/New_York"', '"EST"', 1)
    assert problems(tacal, tmp_path, text, code=0)[0] == (
        "tacal.toml:3: team.timezone: warning: 'EST' is a fixed offset with no daylight saving "
        'time; use the zone of a city, such as "America/New_York"'
    )
    text = BASE.replace('"America/New_York"', '"CET"', 1)
    assert problems(tacal, tmp_path, text, code=0)[0] == (
        "tacal.toml:3: team.timezone: warning: 'CET' is a legacy name for a set of rules, not a "
        'place; use the zone of a city, such as "Europe/Berlin"'
    )


def test_person_zone_windows_name(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = BASE.replace('role = "ta"', 'role = "ta"\ntimezone = "GMT Standard Time"', 1)
    assert problems(tacal, tmp_path, text) == [
        "tacal.toml:10: people.dana.timezone: 'GMT Standard Time' is a Windows time zone name, "
        'not an IANA time zone; did you mean "Europe/London"?'
    ]


def test_every_windows_and_abbreviation_target_is_a_zone() -> None:
    from tacal.config.zones import ABBREVIATIONS, LEGACY, WINDOWS, canonical_zone

    targets = {
        *WINDOWS.values(),
        *LEGACY.values(),
        *(z for zones in ABBREVIATIONS.values() for z in zones),
    }
    assert all(canonical_zone(z) == z for z in targets), sorted(
        z for z in targets if canonical_zone(z) != z
    )


def test_windows_table_agrees_with_cldr() -> None:
    """Our table holds today's IANA spelling of CLDR's mapping (icalendar ships the full one)."""
    mapping = pytest.importorskip("icalendar.timezone.windows_to_olson").WINDOWS_TO_OLSON
    from zoneinfo import ZoneInfo

    from tacal.config.zones import WINDOWS

    def same(a: str, b: str) -> bool:
        # links (Asia/Calcutta -> Asia/Kolkata) read the same rules
        return a == b or ZoneInfo(a).utcoffset(_probe()) == ZoneInfo(b).utcoffset(_probe())

    for name, zone in WINDOWS.items():
        assert name in mapping, name
        assert same(zone, mapping[name]), (name, zone, mapping[name])


def _probe():  # type: ignore[no-untyped-def]
    import datetime as dt

    return dt.datetime(2027, 1, 15, 12)


# --------------------------------------------------------------------------- TOML slips


def test_top_level_key_written_under_a_table(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = BASE.replace('start = "2027-01-04"', 'start = "2027-01-04"\naccounts = "a.csv"', 1)
    assert problems(tacal, tmp_path, text) == [
        "tacal.toml:5: team.accounts: unknown key 'accounts'; accounts is a top-level key: move "
        "it to the top of the file, above the first [table] header (keys written after [team] "
        "belong to [team])"
    ]


def test_key_written_under_the_wrong_table(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = BASE.replace(
        'start = "2027-01-04"', 'start = "2027-01-04"\nbase_url = "https://cal.example.com"', 1
    )
    assert problems(tacal, tmp_path, text) == [
        "tacal.toml:5: team.base_url: unknown key 'base_url'; it belongs in [feeds]: move it "
        "under the [feeds] header (keys written after [team] belong to [team])"
    ]
    text = 'timezone = "America/New_York"\n' + BASE
    assert problems(tacal, tmp_path, text) == [
        "tacal.toml:1: timezone: unknown top-level key 'timezone'; it belongs in [team]: move it "
        "under the [team] header"
    ]


def test_misspelt_people_table_is_one_error(tacal: Callable[..., Result], tmp_path: Path) -> None:
    """Not also "unknown person" wherever dana is named: organizer, attendees, accounts."""
    text = BASE.replace("[people.dana]", "[person.dana]").replace(
        'start = "2027-01-04"', 'start = "2027-01-04"\norganizer = "dana"'
    )
    assert problems(tacal, tmp_path, text) == [
        "tacal.toml:7: person: unknown table [person.dana]; did you mean [people.dana]? (until it "
        "is fixed, the people in it are not reported as unknown)"
    ]


def test_misspelt_people_table_with_accounts_csv(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """The CSV rows that name people of the misspelt table are not 15 more errors."""
    rows = "".join(
        f"Acct {i},dana,alex@example.com,,c{i}@x.example,monthly,1,,green,false\n"
        for i in range(15)
    )
    (tmp_path / "a.csv").write_text(
        "name,ta,ae,ce,contacts,check_in,arr,renewal,health,expansion\n" + rows
    )
    text = 'accounts = "a.csv"\n' + BASE[: BASE.index("[[account]]")]
    text = text.replace("[people.", "[person.")
    assert problems(tacal, tmp_path, text) == [
        "tacal.toml:7: person: unknown table [person.dana]; did you mean [people.dana]? (until it "
        "is fixed, the people in it are not reported as unknown)"
    ]


def test_misspelt_team_table_is_one_error(tacal: Callable[..., Result], tmp_path: Path) -> None:
    assert problems(tacal, tmp_path, BASE.replace("[team]", "[teams]")) == [
        "tacal.toml:1: teams: unknown table [teams]; did you mean [team]?"
    ]


def test_misspelt_key_is_not_also_missing(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = BASE.replace("timezone =", "tiemzone =", 1)
    [line] = problems(tacal, tmp_path, text)
    assert line.startswith(
        "tacal.toml:3: team.tiemzone: unknown key 'tiemzone'; did you mean 'timezone'? (allowed: "
    )
    text = BASE.replace('rule = "weekly"', 'frequency = "weekly"')
    [line] = problems(tacal, tmp_path, text)
    assert line.startswith(
        "tacal.toml:19: cadence 'sync'.frequency: unknown key 'frequency'; "
        "did you mean 'rule'? (allowed: "
    )


def test_bad_role_is_not_also_a_wrong_role_on_accounts(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = BASE.replace('role = "ae"', 'role = "AE "')
    assert problems(tacal, tmp_path, text) == [
        "tacal.toml:14: people.alex.role: 'AE ' is not a role (did you mean 'ae'?); use one of "
        "ta | director | vp | ae | ce | sdr | other"
    ]


def test_accounts_written_as_array_of_tables(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = BASE.replace("[[account]]", "[[accounts]]")
    assert problems(tacal, tmp_path, text) == [
        "tacal.toml:25: accounts: write accounts as [[account]] tables (singular); the top-level "
        'key accounts = "accounts.csv" names a CSV file instead'
    ]


def test_misspelt_array_of_tables(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = BASE.replace("[[cadence]]", "[[cadences]]")
    assert problems(tacal, tmp_path, text) == [
        "tacal.toml:16: cadences: unknown table [[cadences]]; did you mean [[cadence]]?"
    ]


# --------------------------------------------------------------------------- naming and closed sets


def test_cadences_and_accounts_are_named_by_id_and_name(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = BASE.replace('time = "10:00"', 'time = "10am"').replace('ae = "alex"', 'ae = "alx"')
    assert problems(tacal, tmp_path, text) == [
        "tacal.toml:21: cadence 'sync'.time: '10am' is not a time; write 24-hour HH:MM, e.g. "
        '"10:00"',
        "tacal.toml:28: account 'Acme'.ae: unknown person 'alx'; add [people.KEY] with role = "
        "\"ae\" or use the key or email of someone listed there (did you mean 'alex'?)",
    ]


def test_cadence_without_an_id_is_counted_from_one(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = BASE.replace('id = "sync"\n', "")
    assert problems(tacal, tmp_path, text) == [
        "tacal.toml:16: cadence #1.id: None: give every cadence a stable id of lowercase "
        'letters, digits and dashes, e.g. "team-check-in"'
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'day = "TU"',
            'day = "Tues"',
            "tacal.toml:20: cadence 'sync'.day: 'Tues' is not a weekday "
            "(did you mean 'TU'?); use one of MO TU WE TH FR SA SU",
        ),
        (
            "duration = 30",
            'duration = 30\nkind = "extrenal"',
            "tacal.toml:23: cadence 'sync'.kind: "
            "'extrenal' (did you mean 'external'?): use \"internal\" or \"external\"",
        ),
        (
            "duration = 30",
            'duration = 30\nper = "TA"',
            "tacal.toml:23: cadence 'sync'.per: 'TA' "
            "(did you mean 'ta'?): use one of team | ta | ae | account",
        ),
        (
            'attendees = ["dana"]',
            'attendees = ["@tas"]',
            "tacal.toml:23: cadence 'sync'.attendees: "
            "'@tas' is not a role (did you mean '@ta'?); use one of @ae @ce @director @leadership "
            "@sdr @ta @vp",
        ),
        (
            'start = "2027-01-04"',
            'start = "2027-01-04"\norganizer = "dan"',
            "tacal.toml:5: "
            "team.organizer: unknown person 'dan'; use a [people] key or an email address (did you "
            "mean 'dana'?)",
        ),
    ],
)
def test_closed_sets_say_what_was_meant(
    tacal: Callable[..., Result], tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert problems(tacal, tmp_path, BASE.replace(old, new, 1)) == [expected]
