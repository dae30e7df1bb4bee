"""Names, titles, places and addresses are one line of printable text (#12).

A team name with an LF crashed build, publish and serve (an AssertionError from the
X-WR-CALNAME line) while ``validate`` said OK; a lone CR in it added a whole VEVENT that
vobject read; a control character in a person's name made icalendar readers drop that
attendee. Every such value is now a located config error, the same in ``validate`` and
``build`` (tacal.config.values.text_problem).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar

from tacal.config.values import text_problem
from tests.config.test_accounts_csv import GOOD, HEADER, csv_project
from tests.config.test_validation import BASE
from tests.conftest import Result

CONTROLS = {
    "lf": "\n",
    "cr": "\r",
    "nul": "\x00",
    "esc": "\x1b",
    "del": "\x7f",
    "csi": "\x9b",
    "vt": "\x0b",
    "line-separator": "\u2028",
}
ACCOUNT = """
[people.ed]
name = "Ed"
email = "ed@example.com"
role = "ae"

[[account]]
name = "Acme"
ta = "dana"
ae = "ed"
contacts = ["cto@acme.example"]
"""


def toml_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid TOML basic string


# (where the value goes, the located key in the message)
FIELDS = {
    "team-name": (lambda v: BASE.replace('name = "T"', f"name = {v}"), ":2: team.name: "),
    "person-name": (
        lambda v: BASE.replace('name = "Dana"', f"name = {v}"),
        ":7: people.dana.name: ",
    ),
    "summary": (
        lambda v: BASE.replace('summary = "Sync"', f"summary = {v}"),
        ":13: cadence 'sync'.summary: ",
    ),
    "location": (lambda v: BASE + f"location = {v}\n", ":19: cadence 'sync'.location: "),
    "account-name": (
        lambda v: BASE + ACCOUNT.replace('name = "Acme"', f"name = {v}"),
        ":26: account '",
    ),
    "contact": (
        lambda v: BASE + ACCOUNT.replace('"cto@acme.example"', v),
        ":29: account 'Acme'.contacts: ",
    ),
}


@pytest.mark.parametrize("char", CONTROLS.values(), ids=CONTROLS.keys())
@pytest.mark.parametrize("field", FIELDS, ids=FIELDS.keys())
def test_regression_control_characters_are_located_config_errors(
    tacal: Callable[..., Result], tmp_path: Path, field: str, char: str
) -> None:
    make, where = FIELDS[field]
    value = "cto@ac" + char + "me.example" if field == "contact" else "Blue" + char + "Harbor"
    (tmp_path / "tacal.toml").write_text(make(toml_string(value)), encoding="utf-8")
    check = tacal("validate")
    build = tacal("build")
    assert check.code == build.code == 2, (check.err, build.err)
    assert where in check.err, check.err
    assert check.err == build.err, "validate and build agree"
    assert "Traceback" not in check.err
    assert char not in check.err or char == "\n", "shown escaped, as in Python"
    assert not (tmp_path / "tacal.ics").exists()


@pytest.mark.parametrize("char", ["\n", "\r", "\x1b", "\x00"], ids=["lf", "cr", "esc", "nul"])
def test_regression_control_characters_in_accounts_csv(
    tacal: Callable[..., Result], tmp_path: Path, char: str
) -> None:
    row = GOOD.replace("Aurora Labs", f'"Aurora{char}Labs"')
    config = csv_project(tmp_path, HEADER + row)
    result = tacal("--config", config, "validate")
    assert result.code == 2, result.err
    assert "accounts.csv:2: name: contains " in result.err, result.err
    contact = csv_project(
        tmp_path,
        HEADER
        + GOOD.replace("cto@aurora", f'"cto{char}@aurora').replace(".example,", '.example",', 1),
    )
    result = tacal("--config", contact, "validate")
    assert result.code == 2 and "accounts.csv:2: contacts: " in result.err, result.err


def test_regression_lone_cr_in_team_name_cannot_add_an_event(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    evil = "T\rBEGIN:VEVENT\rUID:evil\rSUMMARY:Injected\rDTSTART:20270105T100000Z\rEND:VEVENT"
    (tmp_path / "tacal.toml").write_text(BASE.replace('name = "T"', f"name = {toml_string(evil)}"))
    result = tacal("build", "-o", "-")
    assert result.code == 2 and result.out == ""
    assert "team.name: contains a carriage return (CR) at character 2" in result.err


def test_tab_is_allowed_and_reaches_readers_intact(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """TAB is the one control kept: iCalendar text and parameter values may hold it."""
    text = BASE.replace('name = "Dana"', 'name = "Dana\\tRuiz"').replace(
        'summary = "Sync"', 'summary = "Sync\\tweekly"'
    )
    (tmp_path / "tacal.toml").write_text(text)
    result = tacal("build", "-o", "-")
    assert result.code == 0, result.err
    event = next(iter(Calendar.from_ical(result.stdout_bytes).walk("VEVENT")))
    assert str(event["SUMMARY"]) == "Sync\tweekly"
    assert event["ATTENDEE"].params["CN"] == "Dana\tRuiz"
    parsed = vobject.readOne(result.out)
    assert [a.params["CN"][0] for a in parsed.vevent.attendee_list] == ["Dana\tRuiz"]


def test_text_problem_is_the_one_rule() -> None:
    assert text_problem("Blue Harbor [/EMEA]") is None
    assert text_problem("Zoë Ångström\tSmith") is None
    assert text_problem(None) is None
    assert text_problem("a\u2029b") is not None
    for code in [*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0)]:
        assert text_problem(f"x{chr(code)}y") is not None, hex(code)
