"""Accounts straight from a CRM export: the ``[accounts]`` table (issue #14).

Every export in tests/fixtures/crm/ is shaped like the real thing (its product's header names,
columns tacal does not read, its date and number formats, display names for people, no check-in
frequency or no e-mails where the product has none) and holds the twelve accounts of
tests/fixtures/accounts.toml, so each must give that file's calendar byte for byte.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Result

CRM = FIXTURES / "crm"
TODAY = "2027-04-20"
_TEXT = (FIXTURES / "accounts.toml").read_text(encoding="utf-8")
#: accounts.toml without its [[account]] tables: team, people and cadences.
HEAD = _TEXT[: _TEXT.index("[[account]]")]


def project(tmp_path: Path, fragment: str, head: str = HEAD, **files: str | bytes) -> Path:
    """tacal.toml = ``head`` + ``fragment`` beside copies of every export in fixtures/crm/
    (and ``files``, by name)."""
    for p in CRM.iterdir():
        if p.suffix != ".toml":
            shutil.copy(p, tmp_path / p.name)
    for name, data in files.items():
        target = tmp_path / name.replace("__", ".")
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")
    config = tmp_path / "tacal.toml"
    config.write_text(head + "\n" + fragment, encoding="utf-8")
    return config


def rows_of(out: str) -> list[list[str]]:
    """The cells of ``tacal accounts``'s row table: Line, Name, TA, AE, CE, SDR, Contacts,
    Check-in, ARR, Renewal, Health, Expansion, Onboarding."""
    body = out[out.index("as tacal reads them") :].splitlines()
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in body if line.startswith("│")]
    return [r for r in rows if r[0]]


@pytest.fixture(scope="module")
def expected() -> bytes:
    """The calendar of the hand-written [[account]] tables."""
    from tests.conftest import _run

    result = _run(
        ["--config", str(FIXTURES / "accounts.toml"), "--today", TODAY, "build", "-o", "-"]
    )
    assert result.code == 0, result.err
    return result.stdout_bytes


EXPORTS = {
    "salesforce": "salesforce.csv",  # quoted cells, M/D/YYYY, $500,000.00, footer, contacts file
    "salesforce_excel_de": "salesforce_excel_de.csv",  # semicolons, BOM, 14.05.2027, 500.000,00 €
    "hubspot": "hubspot.csv",  # e-mails in any case, check-ins from rules by tier, contacts file
    "vitally": "vitally.csv",  # numeric health 0-10, ISO timestamps, e-mails in one cell
    "gainsight": "gainsight.txt",  # UTF-16 with BOM, tab-separated, grades for health
}


@pytest.mark.parametrize("name", sorted(EXPORTS))
def test_each_export_gives_the_same_calendar(
    tacal: Callable[..., Result], tmp_path: Path, expected: bytes, name: str
) -> None:
    config = project(tmp_path, (CRM / f"{name}.toml").read_text(encoding="utf-8"))
    result = tacal("--config", config, "--today", TODAY, "build", "-o", "-")
    assert result.code == 0, result.err
    assert result.stdout_bytes == expected
    # the columns it does not read are named once, as a warning
    notes = [line for line in result.err.splitlines() if "columns not read" in line]
    assert len(notes) == 1 and notes[0].startswith(f"{tmp_path / EXPORTS[name]}:1: warning: ")


def test_the_plain_csv_in_an_accounts_table_gives_the_same_calendar(
    tacal: Callable[..., Result], tmp_path: Path, expected: bytes
) -> None:
    """tacal's own column names are read without a preset, and every column but name, ta and
    ae may be left out (contacts then come from a contacts export)."""
    shutil.copy(FIXTURES / "accounts.csv", tmp_path / "accounts.csv")
    config = project(tmp_path, '[accounts]\nfile = "accounts.csv"\n')
    result = tacal("--config", config, "--today", TODAY, "build", "-o", "-")
    assert result.code == 0, result.err
    assert result.stdout_bytes == expected
    assert "columns not read" not in result.err


def test_mrr_gives_twelve_times_the_arr(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = (
        "Name,Customer Success Manager,Account Executive,MRR,ARR\n"
        'A,ana,amy,"$1,000.50",\nB,ana,amy,"1,000",50000\n'
    )
    config = project(tmp_path, '[accounts]\nfile = "v.csv"\npreset = "vitally"\n', v__csv=text)
    result = tacal("--config", config, "accounts")
    assert result.code == 0, result.err
    assert [(r[1], r[8]) for r in rows_of(result.out)] == [("A", "12,006"), ("B", "50,000")]


def test_people_by_key_email_or_display_name(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = (
        "Account Name,Account Owner,TA,CE,SDR\n"
        "A,AMY ADAMS,ana,KIM@FX.EXAMPLE,  sol stein \n"
        "B,bob,Ben  Okafor,outside@partner.example,\n"
        "C,Amy Adams <AMY@fx.example>,Ana R. <ana@fx.example>,,\n"
    )
    config = project(tmp_path, '[accounts]\nfile = "a.csv"\npreset = "salesforce"\n', a__csv=text)
    result = tacal("--config", config, "accounts")
    assert result.code == 0, result.err
    # a CE who is not on the team stays an e-mail, as in [[account]] tables
    assert [r[:6] for r in rows_of(result.out)] == [
        ["2", "A", "ana", "amy", "kim", "sol"],
        ["3", "B", "ben", "bob", "outside@partner.example", ""],
        ["4", "C", "ana", "amy", "", ""],
    ]  # Name <e-mail>: the e-mail


def test_add_people_creates_internal_people(tacal: Callable[..., Result], tmp_path: Path) -> None:
    """Eve is not in [people]: the Vitally export names her by e-mail as an AE. With
    add_people she is people.eve, named from her e-mail, and the calendar is the one of the
    [[account]] tables with [people.eve] name = "Eve" (written last, as added people are)."""
    eve = '[people.eve]\nname = "Eve Evans"\nemail = "eve@fx.example"\nrole = "ae"\n\n'
    assert eve in HEAD
    head = HEAD.replace(eve, "")
    fragment = (CRM / "vitally.toml").read_text(encoding="utf-8")
    config = project(tmp_path, fragment, head=head)
    result = tacal("--config", config, "--today", TODAY, "validate")
    assert result.code == 2
    assert (
        f"{tmp_path / 'vitally.csv'}:7: Account Executive: unknown person 'eve@fx.example': "
        "no [people] entry has this key, e-mail or name; add [people.KEY] with role = "
        '"ae" or set add_people = true in [accounts]'
    ) in result.err

    config.write_text(config.read_text().replace("[accounts]\n", "[accounts]\nadd_people = true\n"))
    result = tacal("--config", config, "--today", TODAY, "validate")
    assert result.code == 0, result.err
    assert (
        f"{tmp_path / 'vitally.csv'}:7: Account Executive: warning: added person eve (Eve, "
        "eve@fx.example, role ae) because add_people is on; add it to the people tables to "
        "keep it"
    ) in result.err
    assert result.err.count("added person") == 1  # once, at the first row that names her

    by_hand = _TEXT.replace(eve, "").replace(
        "[[cadence]]", eve.replace("Eve Evans", "Eve") + "[[cadence]]", 1
    )
    (tmp_path / "by_hand.toml").write_text(by_hand)
    want = tacal("--config", tmp_path / "by_hand.toml", "--today", TODAY, "build", "-o", "-")
    got = tacal("--config", config, "--today", TODAY, "build", "-o", "-")
    assert want.code == 0 and got.code == 0, got.err
    assert got.stdout_bytes == want.stdout_bytes


def test_add_people_only_adds_internal_emails(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = "Account Name,Account Owner,TA\nA,amy,zed@outside.example\nB,amy,Zed Zhou\n"
    config = project(
        tmp_path,
        '[accounts]\nfile = "a.csv"\npreset = "salesforce"\nadd_people = true\n',
        a__csv=text,
    )
    result = tacal("--config", config, "validate")
    assert result.code == 2
    csv = tmp_path / "a.csv"
    assert (
        f"{csv}:2: TA: unknown person 'zed@outside.example': no [people] entry has this key, "
        'e-mail or name; add [people.KEY] with role = "ta" (add_people only adds e-mails '
        "at fx.example)"
    ) in result.err
    assert f"{csv}:3: TA: unknown person 'Zed Zhou'" in result.err
    config.write_text(config.read_text() + 'internal_domains = ["outside.example"]\n')
    result = tacal("--config", config, "validate")
    assert f"{csv}:2: TA: warning: added person zed (Zed, zed@outside.example" in result.err
    assert f"{csv}:3: TA: unknown person 'Zed Zhou'" in result.err


HEADER = (
    "Account Name,Account Owner,Technical Advisor,CE,Health,ARR,Renewal Date,Check-in,"
    "Expansion,Segment\n"
)
GOOD = 'Aurora Labs,Amy Adams,Ana Ruiz,,Green,"$500,000.00",5/14/2027,Weekly,Yes,Enterprise\n'
FRAGMENT = (
    '[accounts]\nfile = "export.csv"\npreset = "salesforce"\n'
    'columns = { ta = "Technical Advisor", renewal = "Renewal Date", '
    'check_in = "Check-in", tier = "Segment" }\n'
    'health_labels = { "At Risk" = "red" }\n'
)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "Zed,Amy Adams,Dana Xu,,Green,1,,,,",
            ":3: Technical Advisor: unknown person 'Dana Xu': no [people] entry has this key, e-mail "
            'or name; add [people.KEY] with role = "ta"',
        ),
        (
            "Zed,Amy Adams,Ana Ruis,,Green,1,,,,",
            ":3: Technical Advisor: unknown person 'Ana Ruis': no [people] entry has this key, e-mail "
            "or name; add [people.KEY] with role = \"ta\" (did you mean 'Ana Ruiz'?)",
        ),
        (
            "Zed,Ana Ruiz,Ana Ruiz,,Green,1,,,,",
            ":3: Account Owner: 'Ana Ruiz' is people.ana, whose role is 'ta', not 'ae'; name a person "
            'with role = "ae"',
        ),
        ("Zed,Amy Adams,,,Green,1,,,,", ":3: Technical Advisor: missing; name the account's TA"),
        ("Zed,Amy Adams,Ana Ruiz,nobody,Green,1,,,,", ":3: CE: unknown person 'nobody'"),
        (
            "Zed,Amy Adams,Ana Ruiz,,Green,1,7/41/2027,,,",
            ":3: Renewal Date: '7/41/2027' is not a date; this column reads M/D/YYYY; write e.g. "
            "5/14/2027",
        ),
        (
            "Zed,Amy Adams,Ana Ruiz,,Green,1,2/30/2027,,,",
            ":3: Renewal Date: '2/30/2027' is not a date",
        ),
        ("Zed,Amy Adams,Ana Ruiz,,Green,1,May 14,,,", ":3: Renewal Date: 'May 14' is not a date"),
        (
            "Zed,Amy Adams,Ana Ruiz,,Green,1,1/1/2300,,,",
            ":3: Renewal Date: 2300-01-01 is out of range",
        ),
        (
            "Zed,Amy Adams,Ana Ruiz,,Green,lots,,,,",
            ":3: ARR: 'lots' is not an amount; write a number like 120000 (currency signs and "
            "thousands separators are fine)",
        ),
        ("Zed,Amy Adams,Ana Ruiz,,Green,-5,,,,", ":3: ARR: '-5' is not an amount"),
        (
            "Zed,Amy Adams,Ana Ruiz,,34,1,,,,",
            ":3: Health: '34' is a score; say which scores are which colour, e.g. health_scale = "
            "{ red = [0, 4], yellow = [5, 7], green = [8, 10] } in [accounts]",
        ),
        (
            "Zed,Amy Adams,Ana Ruiz,,Amber,1,,,,",
            ":3: Health: 'Amber': use green, yellow or red, or name its colour with health_labels = "
            '{ "Amber" = "red" } in [accounts]',
        ),
        (
            "Zed,Amy Adams,Ana Ruiz,,Green,1,,Fortnightly-ish,,",
            ":3: Check-in: 'fortnightly-ish': use one of weekly | biweekly | monthly | bimonthly | "
            "quarterly",
        ),
        ("Zed,Amy Adams,Ana Ruiz,,Green,1,,,maybe,", ":3: Expansion: 'maybe' is not true/false"),
        (
            ",Amy Adams,Ana Ruiz,,Green,1,,,,",
            ":3: Account Name: missing; every account needs a name",
        ),
        (
            "aurora labs,Amy Adams,Ana Ruiz,,Green,1,,,,",
            ":3: Account Name: duplicate account 'aurora labs' (also ",
        ),
        (
            "Zed,Amy Adams,Ana Ruiz,,Green,1,,,,,extra",
            ":3: row has 11 cells but the header has 10; quote cells that contain a comma",
        ),
    ],
)
def test_each_bad_cell_is_located(
    tacal: Callable[..., Result], tmp_path: Path, row: str, expected: str
) -> None:
    config = project(tmp_path, FRAGMENT, export__csv=HEADER + GOOD + row + "\n")
    result = tacal("--config", config, "validate")
    assert result.code == 2, result.out
    assert "Traceback" not in result.err
    errors = [line for line in result.err.splitlines() if "warning:" not in line]
    assert len(errors) == 1, result.err  # one message per bad cell, never a second about it
    assert errors[0].startswith(f"{tmp_path / 'export.csv'}{expected}"), result.err


def test_bad_cells_of_every_row_at_once(tacal: Callable[..., Result], tmp_path: Path) -> None:
    rows = (
        "Zed,Amy Adams,Dana Xu,,34,lots,2/30/2027,Weekly,no,\n"
        "\n"
        'Yew,Amy Adams,Ana Ruiz,,Amber,"1,000",5/14/2027,Weekly,no,\n'
    )
    config = project(tmp_path, FRAGMENT, export__csv=HEADER + GOOD + rows)
    result = tacal("--config", config, "validate")
    assert result.code == 2
    csv = tmp_path / "export.csv"
    assert [
        line.split(": ", 2)[:2] for line in result.err.splitlines() if "warning" not in line
    ] == [
        [f"{csv}:3", "Technical Advisor"],
        [f"{csv}:3", "ARR"],
        [f"{csv}:3", "Renewal Date"],
        [f"{csv}:3", "Health"],
        [f"{csv}:5", "Health"],
    ]


def test_health_scale_and_labels(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = (
        "Name,Customer Success Manager,Account Executive,Health Score\n"
        "A,ana,amy,4.5\nB,ana,amy,7.99\nC,ana,amy,8\nD,ana,amy,Churn Risk\nE,ana,amy,\n"
    )
    fragment = (
        '[accounts]\nfile = "v.csv"\npreset = "vitally"\n'
        "health_scale = { red = [0, 4], yellow = [5, 7], green = [8, 10] }\n"
        'health_labels = { "churn risk" = "red" }\n'
    )
    config = project(tmp_path, fragment, v__csv=text)
    result = tacal("--config", config, "accounts")
    assert result.code == 0, result.err
    healths = [r[10] for r in rows_of(result.out)]
    assert healths == ["red", "yellow", "green", "red", "green"]  # empty: green, as always
    config.write_text(config.read_text().replace("green = [8, 10]", "green = [8, 9.5]"))
    (tmp_path / "v.csv").write_text(text.replace("7.99", "9.6"))
    result = tacal("--config", config, "validate")
    assert result.code == 2
    assert (
        f"{tmp_path / 'v.csv'}:3: Health Score: '9.6' is outside health_scale (red [0, 4], "
        "yellow [5, 7], green [8, 9.5])"
    ) in result.err


def test_check_in_rules_first_match_wins(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = (
        "Account Name,Account Owner,TA,Health,ARR,Segment,Check-in\n"
        "A,amy,ana,red,1,SMB,\n"  # health
        "B,amy,ana,green,600000,SMB,\n"  # ARR
        "C,amy,ana,green,600000,Strategic,\n"  # tier, before ARR
        "D,amy,ana,green,10,smb,\n"  # no rule but the last
        "E,amy,ana,red,1,SMB,Quarterly\n"
    )  # a check-in cell wins over the rules
    fragment = (
        '[accounts]\nfile = "a.csv"\npreset = "salesforce"\n'
        'columns = { tier = "Segment", check_in = "Check-in" }\n'
        '[[accounts.check_in_rules]]\nhealth = "red"\ncheck_in = "weekly"\n'
        '[[accounts.check_in_rules]]\ntier = ["strategic", "Key"]\ncheck_in = "biweekly"\n'
        '[[accounts.check_in_rules]]\narr_at_least = 500000\ncheck_in = "monthly"\n'
        '[[accounts.check_in_rules]]\ncheck_in = "quarterly"\n'
    )
    config = project(tmp_path, fragment, a__csv=text)
    result = tacal("--config", config, "accounts")
    assert result.code == 0, result.err
    check_ins = [r[7] for r in rows_of(result.out)]
    assert check_ins == ["weekly", "monthly", "biweekly", "quarterly", "quarterly"]


def test_ambiguous_date_column(tacal: Callable[..., Result], tmp_path: Path) -> None:
    """03/04/2027 is March 4 or April 3: with no day above 12 anywhere, tacal will not guess."""
    text = (
        "Account Name;Account Owner;TA;Renewal Date;Onboarding Start\n"
        "A;amy;ana;03/04/2027;\nB;amy;ana;11/12/2027;01/02/2027\n"
    )
    fragment = (
        '[accounts]\nfile = "a.csv"\npreset = "salesforce"\n'
        'columns = { renewal = "Renewal Date", onboarding_start = "Onboarding Start" }\n'
    )
    config = project(tmp_path, fragment, a__csv=text)
    result = tacal("--config", config, "validate")
    assert result.code == 2
    csv = tmp_path / "a.csv"
    assert result.err.splitlines() == [
        f"{csv}:1: Renewal Date: ambiguous dates: 03/04/2027 could be M/D/YYYY or D/M/YYYY and "
        'no date in this file has a day above 12; set date_format = "M/D/YYYY" or '
        '"D/M/YYYY" in [accounts]',
        f"{csv}:1: Onboarding Start: ambiguous dates: 01/02/2027 could be M/D/YYYY or D/M/YYYY "
        'and no date in this file has a day above 12; set date_format = "M/D/YYYY" or '
        '"D/M/YYYY" in [accounts]',
    ]
    # one day above 12 in either date column settles the file
    (tmp_path / "a.csv").write_text(text.replace("01/02/2027", "25/02/2027"))
    result = tacal("--config", config, "accounts")
    assert result.code == 0, result.err
    assert "Dates: Renewal Date D/M/YYYY, Onboarding Start D/M/YYYY" in result.out
    assert "2027-04-03" in result.out and "2027-12-11" in result.out
    # or date_format says it
    (tmp_path / "a.csv").write_text(text)
    config.write_text(config.read_text() + 'date_format = "M/D/YYYY"\n')
    result = tacal("--config", config, "accounts")
    assert result.code == 0, result.err
    assert "2027-03-04" in result.out and "2027-01-02" in result.out
    # and two columns that disagree are an error
    (tmp_path / "a.csv").write_text(text.replace("03/04", "13/04").replace("01/02", "01/22"))
    config.write_text(config.read_text().replace('date_format = "M/D/YYYY"\n', ""))
    result = tacal("--config", config, "validate")
    assert result.code == 2
    assert (
        f"{csv}:1: Renewal Date: dates read D/M/YYYY here but M/D/YYYY in Onboarding Start; "
        "set date_format in [accounts]"
    ) in result.err


def test_contacts_export(tacal: Callable[..., Result], tmp_path: Path) -> None:
    accounts = "Account Name,Account Owner,TA,Contacts\nA,amy,ana,x@a.example\nB,amy,ana,\n"
    contacts = (
        "Name,E-mail,Company\n"
        "One,y@a.example,a\n"  # any case
        "Two,X@A.EXAMPLE,A\n"  # already listed
        "Three,,A\n"  # no e-mail: skipped
        "Four,z@b.example; w@b.example,B\n"  # several in one cell
        "Five,bad-address,B\n"
        "Six,q@c.example,C\n"
    )  # no such account
    fragment = (
        '[accounts]\nfile = "a.csv"\npreset = "salesforce"\n'
        'contacts = { file = "c.csv", account = "company", email = "E-Mail" }\n'
    )
    config = project(tmp_path, fragment, a__csv=accounts, c__csv=contacts)
    result = tacal("--config", config, "validate")
    assert result.code == 2
    assert [line for line in result.err.splitlines() if "warning" not in line] == [
        f"{tmp_path / 'c.csv'}:6: E-mail: 'bad-address' is not an email address"
    ]
    (tmp_path / "c.csv").write_text(contacts.replace("bad-address", ""))
    result = tacal("--config", config, "accounts")
    assert result.code == 0, result.err
    assert "x@a.example, y@a.example" in result.out
    assert "z@b.example, w@b.example" in result.out
    assert "contacts         │ c.csv (4 e-mails)" in result.out
    assert (
        f"{tmp_path / 'c.csv'}:7: warning: 1 account name(s) match no account ('C'); their "
        "rows are ignored"
    ) in result.err


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        (
            '[accounts]\nfile = "salesforce.csv"\npreset = "sales force"\n',
            ":4: accounts.preset: 'sales force': use one of salesforce | hubspot | vitally | gainsight",
        ),
        (
            '[accounts]\nfile = "salesforce.csv"\npreset = "salesforce"\ncolumns = { tee = "x" }\n',
            ":5: accounts.columns.tee: 'tee' is not a field",
        ),
        (
            '[accounts]\nfile = "salesforce.csv"\npreset = "salesforce"\n'
            'columns = { ta = "Technical Adviser" }\n',
            ":5: accounts.columns.ta: 'Technical Adviser' is not a column of salesforce.csv; did you "
            "mean 'Technical Advisor'? (its columns: Account Name, Account ID, ",
        ),
        (
            '[accounts]\nfile = "salesforce.csv"\npreset = "salesforce"\n',
            ":2: accounts.columns: no column for ta, its Technical Advisor (the salesforce export has "
            'none): map one, e.g. columns = { ta = "Technical Advisor" } (salesforce.csv\'s columns: '
            "Account Name, ",
        ),
        (
            '[accounts]\nfile = "hubspot.csv"\npreset = "hubspot"\n'
            'columns = { ta = "Technical Advisor" }\n'
            'check_in_rules = [ { tier = "Strategic", check_in = "weekly" } ]\n',
            ":6: accounts.check_in_rules: a rule names a tier but no column is read as tier; map one, "
            'e.g. columns = { tier = "Segment" }',
        ),
        (
            '[accounts]\nfile = "hubspot.csv"\ncheck_in_rules = [ { check_in = "daily" } ]\n',
            ":4: accounts.check_in_rules[0].check_in: 'daily': each rule needs check_in = one of ",
        ),
        (
            '[accounts]\nfile = "vitally.csv"\nhealth_scale = { red = [0, 5], yellow = [5, 7] }\n',
            ":4: accounts.health_scale: red [0, 5] and yellow (from 5) overlap; a score must fall in "
            "one range",
        ),
        (
            '[accounts]\nfile = "vitally.csv"\nhealth_scale = { amber = [0, 5] }\n',
            ":4: accounts.health_scale.amber: 'amber' is not a health; use green, yellow or red",
        ),
        (
            '[accounts]\nfile = "vitally.csv"\nhealth_labels = { "At Risk" = "orange" }\n',
            ":4: accounts.health_labels.At Risk: 'At Risk' = 'orange': the colour must be green, "
            "yellow or red",
        ),
        (
            '[accounts]\nfile = "vitally.csv"\ndate_format = "DD/MM/YY"\n',
            ":4: accounts.date_format: 'DD/MM/YY': use one of YYYY-MM-DD | M/D/YYYY | D/M/YYYY | "
            "D.M.YYYY",
        ),
        (
            '[accounts]\nfile = "vitally.csv"\ndelimiter = "|"\n',
            ':4: accounts.delimiter: \'|\': use ",", ";" or "tab"',
        ),
        (
            '[accounts]\nfile = "vitally.csv"\nencoding = "utf-99"\n',
            ":4: accounts.encoding: 'utf-99' is not an encoding",
        ),
        (
            '[accounts]\nfile = "vitally.csv"\nencoding = "rot13"\n',
            ":4: accounts.encoding: 'rot13' is not an encoding",
        ),
        (
            '[accounts]\nfile = "vitally.csv"\nfiles = "x"\n',
            ":4: accounts.files: unknown key 'files'; did you mean 'file'?",
        ),
        ('[accounts]\nfile = "nope.csv"\n', ":3: accounts.file: "),
        ('[accounts]\npreset = "hubspot"\n', ":2: accounts.file: missing; name the export"),
        (
            '[accounts]\nfile = "vitally.csv"\ncontacts = { account = "A" }\n',
            ":4: accounts.contacts.file: missing; name the contacts export",
        ),
        (
            '[accounts]\nfile = "vitally.csv"\ncontacts = { file = "hubspot_contacts.csv" }\n',
            ":4: accounts.contacts.account: 'Account Name' is not a column of hubspot_contacts.csv",
        ),
    ],
)
def test_table_problems_are_located_in_the_config(
    tacal: Callable[..., Result], tmp_path: Path, fragment: str, expected: str
) -> None:
    config = project(tmp_path, fragment, head="")
    result = tacal("--config", config, "validate")
    assert result.code == 2, result.out
    assert "Traceback" not in result.err
    assert f"{config}{expected}" in result.err, result.err


def test_header_problems_are_located_in_the_export(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = "Account Name,Account Owner,TA,ta\nA,amy,ana,ana\n"
    config = project(tmp_path, '[accounts]\nfile = "a.csv"\npreset = "salesforce"\n', a__csv=text)
    result = tacal("--config", config, "validate")
    assert result.code == 2
    assert (
        f"{tmp_path / 'a.csv'}:1: TA: column appears more than once; keep one (it is read as ta)"
    ) in result.err
    for data, message in (
        (b"", ":1: empty file; the first row must be the header"),
        (
            b"Name\nM\xfcller\n",
            ": not UTF-8 or UTF-16 text (byte 0xfc at "
            'offset 6); save it as "CSV UTF-8" or name its encoding, e.g. '
            'encoding = "cp1252"',
        ),
    ):
        (tmp_path / "a.csv").write_bytes(data)
        result = tacal("--config", config, "validate")
        assert result.code == 2
        assert f"{tmp_path / 'a.csv'}{message}" in result.err, result.err


def test_encoding_names_a_legacy_export(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = "Account Name;Account Owner;TA\nMüller GmbH;amy;ana\n"
    config = project(
        tmp_path,
        '[accounts]\nfile = "a.csv"\npreset = "salesforce"\nencoding = "cp1252"\n',
        a__csv=text.encode("cp1252"),
    )
    result = tacal("--config", config, "accounts")
    assert result.code == 0, result.err
    assert "Müller GmbH" in result.out


def test_onboard_does_not_edit_an_export(tacal: Callable[..., Result], tmp_path: Path) -> None:
    config = project(tmp_path, (CRM / "vitally.toml").read_text(encoding="utf-8"))
    before = (tmp_path / "vitally.csv").read_bytes()
    result = tacal("--config", config, "onboard", "Aurora Labs", "--start", "2027-06-01")
    assert result.code == 2
    assert (
        "tacal: error: 'Aurora Labs' comes from the export named in [accounts], which tacal "
        "does not edit" in result.err
    )
    assert (tmp_path / "vitally.csv").read_bytes() == before


def test_serve_watches_the_export_and_the_contacts_file(tmp_path: Path) -> None:
    from tacal import config as config_mod
    from tacal.feeds.watch import input_files

    config = config_mod.load(project(tmp_path, (CRM / "hubspot.toml").read_text()))
    files = input_files(config)
    assert tmp_path / "hubspot.csv" in files and tmp_path / "hubspot_contacts.csv" in files
