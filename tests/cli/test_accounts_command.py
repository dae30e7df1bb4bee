"""``tacal accounts``: what a user sees of an export before building anything (issue #14)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.config.test_crm_accounts import CRM, project, rows_of
from tests.conftest import FIXTURES, Result


def test_accounts_shows_how_an_export_was_read(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    config = project(tmp_path, (CRM / "salesforce.toml").read_text(encoding="utf-8"))
    result = tacal("--config", config, "accounts", "--rows", "3")
    assert result.code == 0, result.err
    out = result.out.splitlines()
    assert out[0] == (
        "12 accounts from salesforce.csv (preset salesforce; UTF-8; "
        "comma-separated; 5 footer lines skipped)"
    )
    mapping = {
        cells[0]: cells[1]
        for cells in (
            [c.strip() for c in line.split("│")[1:-1]]
            for line in out[: out.index(next(x for x in out if x.startswith("Not read")))]
        )
        if len(cells) == 2 and cells[0] != "Field"
    }
    assert mapping == {
        "name": "Account Name",
        "ta": "Technical Advisor",
        "ae": "Account Owner",
        "ce": "Customer Engineer",
        "sdr": "SDR",
        "check_in": "Check-in Frequency",
        "arr": "ARR",
        "renewal": "Renewal Date",
        "health": "Health",
        "expansion": "Expansion Opportunity",
        "onboarding_start": "Onboarding Start",
        "contacts": "salesforce_contacts.csv (13 e-mails)",
    }
    assert (
        "Not read: Account ID, Type, Billing Country, Industry, Annual Revenue, Last Activity"
    ) in out
    assert "Dates: Renewal Date M/D/YYYY, Onboarding Start M/D/YYYY" in out
    assert "Health: green 4, yellow 4, red 4" in out
    assert "Check-in: weekly 2, biweekly 2, monthly 4, bimonthly 2, quarterly 2" in out
    assert "First 3 of 12 accounts, as tacal reads them" in [line.strip() for line in out]
    assert rows_of(result.out) == [
        [
            "2",
            "Aurora Labs",
            "ana",
            "amy",
            "kim",
            "",
            "cto@aurora.example",
            "weekly",
            "500,000",
            "2027-05-14",
            "yellow",
            "yes",
            "",
        ],
        [
            "3",
            "Blue Harbor",
            "ana",
            "bob",
            "",
            "",
            "it@blueharbor.example, ops@blueharbor.example",
            "biweekly",
            "250,000",
            "2027-09-30",
            "green",
            "no",
            "",
        ],
        [
            "4",
            "Cobalt Mining",
            "ana",
            "amy",
            "kim",
            "",
            "admin@cobalt.example",
            "monthly",
            "250,000",
            "2027-04-20",
            "red",
            "yes",
            "",
        ],
    ]
    # the note about unread columns goes to stderr, once
    assert result.err.count("columns not read") == 1


def test_accounts_rules_and_added_people(tacal: Callable[..., Result], tmp_path: Path) -> None:
    fragment = (
        (CRM / "hubspot.toml")
        .read_text(encoding="utf-8")
        .replace("[accounts]\n", "[accounts]\nadd_people = true\n")
    )
    head = (FIXTURES / "accounts.toml").read_text(encoding="utf-8")
    head = head[: head.index("[[account]]")].replace(
        '[people.ben]\nname = "Ben Okafor"\nemail = "ben@fx.example"\nrole = "ta"\n\n', ""
    )
    config = project(tmp_path, fragment, head=head)
    result = tacal("--config", config, "accounts", "--rows", "0")
    assert result.code == 0, result.err
    assert "│ check_in         │ check_in_rules (no column)        │" in result.out
    assert "│ contacts         │ hubspot_contacts.csv (13 e-mails) │" in result.out
    assert "Added by add_people: ben" in result.out
    assert "as tacal reads them" not in result.out


def test_accounts_of_other_sources(tacal: Callable[..., Result], tmp_path: Path) -> None:
    result = tacal("--config", FIXTURES / "accounts.toml", "accounts", "--rows", "1")
    assert result.code == 0, result.err
    assert result.out.startswith(
        f"12 accounts from {FIXTURES / 'accounts.toml'} ([[account]] "
        "tables)\nHealth: green 4, yellow 4, red 4\n"
    )
    assert "Columns" not in result.out
    assert rows_of(result.out)[0][:4] == ["199", "Aurora Labs", "ana", "amy"]  # its TOML line
    result = tacal("accounts")  # the built-in default
    assert result.code == 0, result.err
    assert "accounts from built-in default ([[account]] tables)" in result.out


def test_accounts_stops_at_errors(tacal: Callable[..., Result], tmp_path: Path) -> None:
    config = project(tmp_path, '[accounts]\nfile = "salesforce.csv"\npreset = "salesforce"\n')
    result = tacal("--config", config, "accounts")
    assert result.code == 2
    assert result.out == ""
    assert f"{config}:" in result.err and "no column for ta" in result.err


def test_accounts_prints_cells_as_text(tacal: Callable[..., Result], tmp_path: Path) -> None:
    """Brackets are not rich markup and control characters are escaped, here as everywhere."""
    text = (
        "Account Name,Account Owner,TA,Amount [USD]\n"
        "Blue Harbor [/EMEA],amy,ana,1\n"
        '"[bold]Red[/bold]",amy,ana,2\n'
    )
    config = project(tmp_path, '[accounts]\nfile = "a.csv"\npreset = "salesforce"\n', a__csv=text)
    result = tacal("--config", config, "accounts")
    assert result.code == 0, result.err
    assert [r[1] for r in rows_of(result.out)] == ["Blue Harbor [/EMEA]", "[bold]Red[/bold]"]
    assert "Not read: Amount [USD]" in result.out
    assert "warning: columns not read: Amount [USD];" in result.err
