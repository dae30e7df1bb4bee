"""``--for`` names a person (key, name or email, any case) or an invited address; anything else
is exit 2 with a did-you-mean. ``preview --for`` shows that person's zone, ``--tz`` any zone."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tacal.config import load
from tacal.errors import TacalError
from tacal.series import build_series
from tacal.series.who import Who, resolve_for
from tests.conftest import FIXTURES, Result

DISTRIBUTED = FIXTURES / "distributed.toml"
TODAY = "2026-12-02"


def run(tacal: Callable[..., Result], *args: object) -> Result:
    return tacal("--config", DISTRIBUTED, "--today", TODAY, *args)


def series_count(ics: str) -> int:
    """VEVENTs that are a series, not one of its moved occurrences (which share its UID)."""
    return ics.count("BEGIN:VEVENT") - ics.count("\r\nRECURRENCE-ID")


@pytest.mark.parametrize(
    "who",
    [
        "pippa",
        "PIPPA",
        "Pippa Hart",
        "pippa hart",
        "pippa@global.example",
        "PIPPA@global.example",
        " pippa ",
    ],
)
def test_for_resolves_key_name_and_email_in_any_case(
    tacal: Callable[..., Result], who: str
) -> None:
    by_email = run(tacal, "build", "-o", "-", "--for", "pippa@global.example")
    result = run(tacal, "build", "-o", "-", "--for", who)
    assert result.code == 0, result.err
    assert result.stdout_bytes == by_email.stdout_bytes
    assert "X-WR-CALNAME:Global TAs: pippa@global.example" in result.out
    assert series_count(result.out) == 9  # and the MBR's Top 3, and moved occurrences


def test_for_an_invited_outside_address_still_works(tacal: Callable[..., Result]) -> None:
    result = run(tacal, "build", "-o", "-", "--for", "CTO@harbor.example")
    assert result.code == 0, result.err
    assert series_count(result.out) == 1
    assert "Customer Check-In: Harbor Freight Co" in result.out


@pytest.mark.parametrize(
    ("who", "message"),
    [
        (
            "pipa",
            "--for 'pipa': no such person; did you mean 'pippa' (Pippa Hart "
            "<pippa@global.example>)?",
        ),
        (
            "Pipa Hart",
            "--for 'Pipa Hart': no such person; did you mean 'pippa' (Pippa Hart "
            "<pippa@global.example>)?",
        ),
        (
            "pipa@global.example",
            "--for 'pipa@global.example': no such person; did you mean "
            "'pippa' (Pippa Hart <pippa@global.example>)?",
        ),
        (
            "cto@harbor.exmple",
            "--for 'cto@harbor.exmple': no such person; did you mean 'cto@harbor.example'?",
        ),
        (
            "zzzz",
            "--for 'zzzz': no such person; use a person's key, name or email from [people], "
            "e.g. 'nora', 'Nora Diaz' or 'nora@global.example'",
        ),
        (
            "nobody@else.example",
            "--for 'nobody@else.example': no such person; use a person's key, "
            "name or email from [people], e.g. 'nora', 'Nora Diaz' or "
            "'nora@global.example', or the email of someone a meeting invites",
        ),
    ],
)
@pytest.mark.parametrize("command", [("build", "-o", "-"), ("preview",)])
def test_for_unknown_is_exit_2_with_did_you_mean(
    tacal: Callable[..., Result], command: tuple[str, ...], who: str, message: str
) -> None:
    result = run(tacal, *command, "--for", who)
    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines()[-1] == f"tacal: error: {message}"


def test_for_unknown_on_sync_fails_before_any_request(tacal: Callable[..., Result]) -> None:
    result = run(tacal, "sync", "--dry-run", "--for", "pipa")
    assert result.code == 2
    assert "did you mean 'pippa'" in result.err


def test_resolution_is_a_pure_function() -> None:
    config = load(DISTRIBUTED)
    series = build_series(config, dt.date(2026, 12, 2))
    pippa = config.people["pippa"]
    assert resolve_for(config, series, "Pippa Hart") == Who("pippa@global.example", pippa)
    assert resolve_for(config, series, "pippa").zone(config) == "Europe/London"
    assert resolve_for(config, series, "nora").zone(config) == "America/New_York"
    outside = resolve_for(config, series, "OPS@thames.example")
    assert outside == Who("ops@thames.example") and outside.zone(config) == "America/New_York"
    with pytest.raises(TacalError, match="^--as 'pipa': no such person"):
        resolve_for(config, series, "pipa", option="--as")
    # an address in [people] needs no meeting; one outside it must be invited somewhere
    assert resolve_for(config, [], "vic@global.example").person == config.people["vic"]
    with pytest.raises(TacalError):
        resolve_for(config, [], "ops@thames.example")


def test_for_a_name_two_people_share_is_ambiguous(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = DISTRIBUTED.read_text().replace('name = "Tess Moreau"', 'name = "Pippa Hart"')
    (tmp_path / "tacal.toml").write_text(text)
    result = tacal("--today", TODAY, "build", "-o", "-", "--for", "pippa hart")
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        "tacal: error: --for 'pippa hart': 2 people are called that: 'tess' (Pippa Hart "
        "<tess@global.example>), 'pippa' (Pippa Hart <pippa@global.example>); use a key or an "
        "email"
    )
    assert run(tacal, "build", "-o", "-", "--for", "pippa").code == 0


def _starts(result: Result, summary: str) -> list[str]:
    assert result.code == 0, result.err
    return [i["start"] for i in json.loads(result.out) if i["summary"] == summary]


def test_preview_for_shows_the_persons_own_zone(tacal: Callable[..., Result]) -> None:
    """The team check-in is 11:00 in New York: 16:00 in London, but 15:00 in the weeks of
    March when only the US is on summer time."""
    window = ("--from", "2027-02-01", "--to", "2027-04-01", "--format", "json")
    team = _starts(run(tacal, "preview", *window), "TA Team Check-In")
    london = _starts(run(tacal, "preview", "--for", "pippa", *window), "TA Team Check-In")
    assert team[:1] == ["2027-02-02T11:00:00-05:00"]
    assert london[:1] == ["2027-02-02T16:00:00+00:00"]
    assert "2027-03-16T11:00:00-04:00" in team and "2027-03-16T15:00:00+00:00" in london
    assert len(team) == len(london) == 5

    table = run(
        tacal, "preview", "--for", "Pippa Hart", "--from", "2027-02-01", "--to", "2027-02-08"
    )
    assert table.code == 0, table.err
    assert table.out.splitlines()[0] == (
        "Global TAs: 2027-02-01 to 2027-02-08, times in Europe/London (Pippa Hart's zone)"
    )
    row = next(line for line in table.out.splitlines() if "TA Team Check-In" in line)
    assert "Tue 02-02 16:00" in row
    plain = run(tacal, "preview", "--from", "2027-02-01", "--to", "2027-02-08")
    assert plain.out.splitlines()[0] == (
        "Global TAs: 2027-02-01 to 2027-02-08, times in America/New_York"
    )
    row = next(line for line in plain.out.splitlines() if "TA Team Check-In" in line)
    assert "Tue 02-02 11:00" in row


def test_preview_for_someone_without_a_zone_uses_the_teams(tacal: Callable[..., Result]) -> None:
    result = run(tacal, "preview", "--for", "nora", "--from", "2027-02-01", "--to", "2027-02-08")
    assert result.out.splitlines()[0].endswith("times in America/New_York (Nora Diaz's zone)")


def test_preview_tz_any_zone_in_json(tacal: Callable[..., Result]) -> None:
    result = run(tacal, "preview", "--tz", "Asia/Tokyo", "--format", "json")
    items = json.loads(result.out)
    assert items and all(
        i["start"].endswith("+09:00") and i["end"].endswith("+09:00") for i in items
    )
    # --tz wins over --for's zone, and the table says which zone it shows
    starts = _starts(
        run(
            tacal,
            "preview",
            "--for",
            "pippa",
            "--tz",
            "Asia/Tokyo",
            "--from",
            "2027-02-01",
            "--to",
            "2027-02-08",
            "--format",
            "json",
        ),
        "TA Team Check-In",
    )
    assert starts == ["2027-02-03T01:00:00+09:00"]
    table = run(
        tacal,
        "preview",
        "--for",
        "pippa",
        "--tz",
        "Asia/Tokyo",
        "--from",
        "2027-02-01",
        "--to",
        "2027-02-08",
    )
    assert table.out.splitlines()[0].endswith(", times in Asia/Tokyo")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "EST5EDT/x"])
def test_preview_tz_must_be_an_iana_zone(tacal: Callable[..., Result], zone: str) -> None:
    result = run(tacal, "preview", "--tz", zone)
    assert result.code == 2
    assert result.err.splitlines()[-1] == (
        f"tacal: error: --tz {zone!r}: not an IANA time zone; use a name such as "
        '"Asia/Tokyo", "Europe/London" or "UTC"'
    )


def test_preview_weeks_follow_the_shown_zone(tacal: Callable[..., Result], tmp_path: Path) -> None:
    """Monday 08:00 in Tokyo is Sunday evening in New York: the previous week there."""
    (tmp_path / "tacal.toml").write_text("""\
[team]
name = "T"
timezone = "Asia/Tokyo"
start = "2027-01-04"

[people.aki]
email = "aki@example.com"

[[cadence]]
id = "monday"
summary = "Monday"
rule = "weekly"
day = "MO"
time = "09:00"
attendees = ["aki"]
""")
    window = ("--from", "2027-01-11", "--to", "2027-01-25")
    tokyo = tacal("--today", "2027-01-04", "preview", *window)
    assert tokyo.code == 0, tokyo.err
    lines = tokyo.out.splitlines()
    week = lines.index(next(x for x in lines if x.startswith("Week of Mon 2027-01-18")))
    assert "Mon 01-18 09:00" in "".join(lines[week:])
    ny = tacal("--today", "2027-01-04", "preview", "--tz", "America/New_York", *window)
    lines = ny.out.splitlines()
    week = lines.index(next(x for x in lines if x.startswith("Week of Mon 2027-01-18")))
    assert "Sun 01-17 19:00" in "".join(lines[:week])
    assert "Sun 01-24 19:00" in "".join(lines[week:])
