"""Accounts from a CSV export: same calendar as TOML, and every bad row located as PATH:LINE."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Result

HEADER = "name,ta,ae,ce,contacts,check_in,arr,renewal,health,expansion,onboarding_start\n"
GOOD = "Aurora Labs,ana,amy,kim,cto@aurora.example,weekly,500000,2027-05-14,yellow,true,\n"


def csv_project(tmp_path: Path, csv_text: str | None = None, reverse: bool = False) -> Path:
    """The accounts fixture with its [[account]] tables replaced by ``accounts.csv``."""
    text = (FIXTURES / "accounts.toml").read_text()
    head = text[: text.index("[[account]]")]
    (tmp_path / "tacal.toml").write_text('accounts = "accounts.csv"\n' + head)
    if csv_text is None:
        lines = (FIXTURES / "accounts.csv").read_text().splitlines(keepends=True)
        csv_text = lines[0] + "".join(reversed(lines[1:]) if reverse else lines[1:])
    (tmp_path / "accounts.csv").write_text(csv_text, encoding="utf-8")
    return tmp_path / "tacal.toml"


def test_csv_and_toml_give_the_same_calendar(tacal: Callable[..., Result], tmp_path: Path) -> None:
    """The CSV spells values the way CRM exports do: emails for people, "$500,000", "TRUE",
    "yes", "Weekly", title-case headers, rows in any order."""
    toml = tacal(
        "--config", FIXTURES / "accounts.toml", "--today", "2027-04-20", "build", "-o", "-"
    )
    assert toml.code == 0, toml.err
    for reverse in (False, True):
        config = csv_project(tmp_path, reverse=reverse)
        csv = tacal("--config", config, "--today", "2027-04-20", "build", "-o", "-")
        assert csv.code == 0, csv.err
        assert csv.stdout_bytes == toml.stdout_bytes


def run(tacal: Callable[..., Result], tmp_path: Path, csv_text: str) -> Result:
    config = csv_project(tmp_path, csv_text)
    result = tacal("--config", config, "validate")
    assert "Traceback" not in result.err
    return result


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "Zed,zed,amy,,z@z.example,weekly,1,,green,false,",
            ":3: ta: unknown person 'zed'; add [people.KEY] with role = \"ta\"",
        ),
        (
            "Zed,amy,amy,,z@z.example,weekly,1,,green,false,",
            ":3: ta: 'amy' has role 'ae', not 'ta'; name a person with role = \"ta\"",
        ),
        ("Zed,,amy,,z@z.example,weekly,1,,green,false,", ":3: ta: missing; name the account's TA"),
        (
            "Zed,ana,nobody@fx.example,,z@z.example,weekly,1,,green,false,",
            ":3: ae: unknown person 'nobody@fx.example'",
        ),
        (
            "Zed,ana,amy,kimm,z@z.example,weekly,1,,green,false,",
            ":3: ce: unknown person 'kimm'; add [people.KEY] with role = \"ce\" or use the key or email "
            "of someone listed there (did you mean 'kim'?)",
        ),
        (
            "Zed,ana,amy,,z@z.example; not-an-email,weekly,1,,green,false,",
            ":3: contacts: 'not-an-email' is not an email address; separate several with semicolons",
        ),
        (
            "Zed,ana,amy,,z@z.example,fortnightly,1,,green,false,",
            ":3: check_in: 'fortnightly' (did you mean 'biweekly'?): use one of weekly | biweekly | "
            "monthly | bimonthly | quarterly",
        ),
        (
            "Zed,ana,amy,,z@z.example,weekly,lots,,green,false,",
            ":3: arr: 'lots' is not an amount; write a number like 120000",
        ),
        ("Zed,ana,amy,,z@z.example,weekly,-5,,green,false,", ":3: arr: '-5' is not an amount"),
        (
            "Zed,ana,amy,,z@z.example,weekly,1,2027-02-30,green,false,",
            ":3: renewal: '2027-02-30' is not a date; write YYYY-MM-DD",
        ),
        (
            "Zed,ana,amy,,z@z.example,weekly,1,30/06/2027,green,false,",
            ":3: renewal: '30/06/2027' is not a date",
        ),
        (
            "Zed,ana,amy,,z@z.example,weekly,1,,amber,false,",
            ":3: health: 'amber' (did you mean 'yellow'?): use green, yellow or red",
        ),
        (
            "Zed,ana,amy,,z@z.example,weekly,1,,green,maybe,",
            ":3: expansion: 'maybe' is not true/false",
        ),
        (
            "Zed,ana,amy,,z@z.example,weekly,1,,green,false,soon",
            ":3: onboarding_start: 'soon' is not a date",
        ),
        (
            ",ana,amy,,z@z.example,weekly,1,,green,false,",
            ":3: name: missing; every account needs a name",
        ),
        (
            "Zed,ana,amy,,z@z.example,weekly,1,,green,false,,extra",
            ":3: row has 12 cells but the header has 11; quote cells that contain commas",
        ),
        (
            "aurora labs,ben,bob,,z@z.example,weekly,1,,green,false,",
            ":3: name: duplicate account 'aurora labs' (also ",
        ),
        (
            "Aurora-Labs,ben,bob,,z@z.example,weekly,1,,green,false,",
            ":3: name: 'Aurora-Labs' and 'Aurora Labs' (",
        ),
    ],
)
def test_each_bad_row_is_located(
    tacal: Callable[..., Result], tmp_path: Path, row: str, expected: str
) -> None:
    result = run(tacal, tmp_path, HEADER + GOOD + row + "\n")
    assert result.code == 2, result.out
    assert f"{tmp_path / 'accounts.csv'}{expected}" in result.err, result.err


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (HEADER.replace("health", "heatlh"), ":1: heatlh: unknown column; did you mean 'health'?"),
        (HEADER.replace("\n", ",region\n"), ":1: region: unknown column (columns: name, ta"),
        (HEADER.replace("ce,", "ta,"), ":1: ta: column appears more than once; keep one"),
        (HEADER.replace("arr,", ""), ":1: arr: missing required column; add it to the header"),
    ],
)
def test_header_problems_are_located(
    tacal: Callable[..., Result], tmp_path: Path, header: str, expected: str
) -> None:
    result = run(tacal, tmp_path, header + GOOD)
    assert result.code == 2, result.out
    assert f"{tmp_path / 'accounts.csv'}{expected}" in result.err, result.err


def test_every_bad_row_at_once(tacal: Callable[..., Result], tmp_path: Path) -> None:
    """Problems from every row (and the TOML) in one run, in file order; a quoted cell that
    spans two lines does not shift the line numbers of the rows after it."""
    text = (
        HEADER
        + GOOD
        + 'Blue Harbor,ana,bob,,"it@blueharbor.example;\nops@blueharbor.example",x,1,,'
        "green,false,\n"
        + "Cobalt,ana,amy,,a@cobalt.example,monthly,1,,purple,false,\n"
        + "\n"
        + "Delta,ana,cat,,d@delta.example,monthly,1,2027-13-01,green,false,\n"
    )
    config = csv_project(tmp_path, text)
    config.write_text(config.read_text().replace('day = "WE"', 'day = "XX"', 1))
    day_line = config.read_text().splitlines().index('day = "XX"') + 1
    result = tacal("--config", config, "validate")
    assert result.code == 2
    lines = [line for line in result.err.splitlines() if line.strip()]
    csv = str(tmp_path / "accounts.csv")
    assert lines == [
        f"{config}:{day_line}: cadence 'sync'.day: 'XX' is not a weekday; use one of MO TU WE TH "
        "FR SA SU",
        f"{csv}:3: check_in: 'x': use one of weekly | biweekly | monthly | bimonthly | quarterly",
        f"{csv}:5: health: 'purple': use green, yellow or red",
        f"{csv}:7: renewal: '2027-13-01' is not a date; write YYYY-MM-DD, e.g. 2027-01-04",
    ]
    assert result.out == ""


def test_missing_and_empty_files(tacal: Callable[..., Result], tmp_path: Path) -> None:
    config = csv_project(tmp_path, HEADER + GOOD)
    (tmp_path / "accounts.csv").unlink()
    result = tacal("--config", config, "validate")
    assert result.code == 2
    assert (
        f"{config}:1: accounts: {tmp_path / 'accounts.csv'}: no such file; the path is "
        "relative to the config file" in result.err
    )
    (tmp_path / "accounts.csv").write_text("\n\n")
    result = tacal("--config", config, "validate")
    assert result.code == 2
    assert (
        f"{tmp_path / 'accounts.csv'}:1: empty accounts file; the first row must be the "
        "header" in result.err
    )


def test_toml_and_csv_accounts_together_must_not_repeat(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    config = csv_project(tmp_path, HEADER + GOOD)
    config.write_text(
        config.read_text() + '\n[[account]]\nname = "Aurora Labs"\nta = "ana"\nae = "amy"\n'
    )
    result = tacal("--config", config, "validate")
    assert result.code == 2
    assert (
        f"{tmp_path / 'accounts.csv'}:2: name: duplicate account 'Aurora Labs' (also "
        f"{config}:" in result.err
    )


def test_csv_with_crlf_bom_and_sparse_rows(tacal: Callable[..., Result], tmp_path: Path) -> None:
    """Excel writes a BOM and CRLF and drops trailing empty cells; all of that is fine."""
    text = "\ufeff" + (
        HEADER + "Aurora Labs,ana,amy,kim,cto@aurora.example,weekly,500000,2027-05-14,yellow,true\n"
    ).replace("\n", "\r\n")
    config = csv_project(tmp_path, text)
    result = tacal("--config", config, "validate")
    assert result.code == 0, result.err
    assert "1 accounts" in result.out
