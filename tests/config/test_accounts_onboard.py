"""``tacal onboard ACCOUNT --start DATE``: one line (or one cell) changes, the rest stays byte for
byte, and the onboarding plan is printed."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

from tests.config.test_accounts_csv import csv_project
from tests.conftest import FIXTURES, Result


def project(tmp_path: Path, crlf: bool = False) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    text = (FIXTURES / "accounts.toml").read_text()
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path / "tacal.toml"
    path.write_bytes(text.encode())
    return path


def test_inserts_one_line_after_the_name(tacal: Callable[..., Result], tmp_path: Path) -> None:
    path = project(tmp_path)
    before = path.read_text()
    os.chmod(path, 0o600)
    result = tacal("--today", "2027-04-20", "onboard", "aurora labs", "--start", "2027-09-01")
    assert result.code == 0, result.err
    line = 'name = "Aurora Labs"\n'
    expected = before.replace(line, line + 'onboarding_start = "2027-09-01"\n', 1)
    assert path.read_text() == expected
    number = expected.splitlines().index('onboarding_start = "2027-09-01"') + 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Wed 09-01: the TA's syncs fill 10:00-12:30, so the handoff is at 12:30; knowledge
    # transfer two workdays on (Fri 09-03); kickoff five workdays on, skipping Labor Day
    # (Thu 09-09); the weekly Monday check-ins start after it.
    assert result.out.splitlines() == [
        f"{path}:{number}: Aurora Labs: onboarding_start = 2027-09-01",
        "  Wed 2027-09-01 12:30  Post-Sales Handoff: Aurora Labs",
        "  Fri 2027-09-03 10:00  Knowledge Transfer: Aurora Labs",
        "  Thu 2027-09-09 11:00  Partnership Kickoff: Aurora Labs",
        "  Mon 2027-09-13 14:00  Check-In: Aurora Labs (first; then FREQ=WEEKLY;BYDAY=MO)",
    ]


def test_replaces_an_existing_date_and_keeps_its_comment(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    path = project(tmp_path, crlf=True)
    before = path.read_bytes()
    result = tacal("onboard", "Fjord Energy", "--start", "2027-04-05")
    assert result.code == 0, result.err
    old = b'onboarding_start = "2027-03-01"    # a new customer\r\n'
    assert path.read_bytes() == before.replace(
        old, b'onboarding_start = "2027-04-05"    # a new customer\r\n', 1
    )


def test_csv_cell_is_replaced_in_place(tacal: Callable[..., Result], tmp_path: Path) -> None:
    config = csv_project(tmp_path)
    csv = tmp_path / "accounts.csv"
    before, config_before = csv.read_bytes(), config.read_bytes()
    result = tacal("--config", config, "onboard", "FJORD ENERGY", "--start", "2027-04-05")
    assert result.code == 0, result.err
    assert result.out.startswith(f"{csv}:7: Fjord Energy: onboarding_start = 2027-04-05")
    assert csv.read_bytes() == before.replace(b",false,2027-03-01\n", b",false,2027-04-05\n")
    assert config.read_bytes() == config_before
    # an empty cell of another row
    result = tacal("--config", config, "onboard", "Iris Retail", "--start", "2027-05-03")
    assert result.code == 0, result.err
    row = b"Iris Retail,ben,dan,,,pos@iris.example,quarterly,40000,2028-05-23,red,false,"
    assert csv.read_bytes() == before.replace(
        b",false,2027-03-01\n", b",false,2027-04-05\n"
    ).replace(row + b"\n", row + b"2027-05-03\n")


def test_csv_without_the_column_gains_it(tacal: Callable[..., Result], tmp_path: Path) -> None:
    text = (
        "name,ta,ae,ce,contacts,check_in,arr,renewal,health,expansion\r\n"
        '"Aurora Labs",ana,amy,kim,"cto@aurora.example",weekly,500000,2027-05-14,yellow,true'
        "\r\n"
        "Blue Harbor,ana,bob,,it@blueharbor.example,biweekly,250000,2027-09-30,green,false"
        "\r\n"
    )
    config = csv_project(tmp_path, text)
    result = tacal("--config", config, "onboard", "Blue Harbor", "--start", "2027-05-03")
    assert result.code == 0, result.err
    assert (tmp_path / "accounts.csv").read_bytes().decode() == text.replace(
        "expansion\r\n", "expansion,onboarding_start\r\n"
    ).replace("green,false\r\n", "green,false,2027-05-03\r\n")
    # and it reads back: the other row simply has no onboarding_start
    assert tacal("--config", config, "validate").code == 0


def test_errors_leave_the_file_alone(tacal: Callable[..., Result], tmp_path: Path) -> None:
    path = project(tmp_path)
    before = path.read_bytes()
    result = tacal("onboard", "Aurora Lab", "--start", "2027-09-01")
    assert result.code == 2
    assert "no account named 'Aurora Lab'" in result.err and "did you mean 'Aurora Labs'" in (
        result.err
    )
    result = tacal("onboard", "Aurora Labs", "--start", "next week")
    assert result.code == 2 and "'next week' is not a date" in result.err
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["tacal.toml"]


def test_needs_a_config_file(tacal: Callable[..., Result], tmp_path: Path) -> None:
    result = tacal("onboard", "Acme Corp", "--start", "2027-09-01")
    assert result.code == 2
    assert "edits your tacal.toml and there is none here" in result.err


def test_onboarding_moves_the_first_check_in(tacal: Callable[..., Result], tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "accounts.toml", tmp_path / "tacal.toml")
    assert tacal("onboard", "Granite Bank", "--start", "2027-06-01").code == 0
    result = tacal(
        "--today",
        "2027-04-20",
        "preview",
        "--from",
        "2027-05-01",
        "--to",
        "2027-07-01",
        "--account",
        "Granite Bank",
        "--format",
        "json",
    )
    import json

    starts = [(o["cadence"], o["start"][:16]) for o in json.loads(result.out)]
    # Tue 06-01: handoff, knowledge transfer Thu 06-03, kickoff Tue 06-08; weekly Monday
    # check-ins resume on 06-14 (none in May: the account is new as of June)
    assert [s for s in starts if s[0] != "check-in"] == [
        ("handoff", "2027-06-01T10:00"),
        ("knowledge-transfer", "2027-06-03T10:00"),
        ("kickoff", "2027-06-08T11:00"),
    ]
    assert [s[1] for s in starts if s[0] == "check-in"][:2] == [
        "2027-06-14T14:00",
        "2027-06-21T14:00",
    ]


def test_regression_onboard_edits_an_excel_csv_utf8(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """Excel's "CSV UTF-8" starts with a byte order mark and CRLF line ends; the BOM glued to
    the ``Name`` header made onboard a traceback. The BOM and line ends are kept."""
    lines = (FIXTURES / "accounts.csv").read_text().splitlines()
    data = b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n"
    config = csv_project(tmp_path, "")
    csv = tmp_path / "accounts.csv"
    csv.write_bytes(data)
    result = tacal("--config", config, "onboard", "Fjord Energy", "--start", "2027-04-05")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert csv.read_bytes() == data.replace(b",false,2027-03-01\r\n", b",false,2027-04-05\r\n")
    assert tacal("--config", config, "validate").code == 0


def test_regression_onboard_edits_a_symlinked_config_where_it_lives(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """A symlinked tacal.toml (say, from a dotfiles repository) was replaced by a copy."""
    real = project(tmp_path / "dotfiles")
    os.chmod(real, 0o640)
    link = tmp_path / "work" / "tacal.toml"
    link.parent.mkdir()
    link.symlink_to(real)
    before = real.read_text()
    result = tacal("--config", link, "onboard", "Aurora Labs", "--start", "2027-09-01")
    assert result.code == 0, result.err
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert real.read_text() != before and 'onboarding_start = "2027-09-01"' in real.read_text()
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert sorted(p.name for p in real.parent.iterdir()) == ["tacal.toml"], "no temp file left"


def test_regression_onboard_edits_a_symlinked_csv_where_it_lives(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    config = csv_project(tmp_path)
    csv = tmp_path / "accounts.csv"
    real = tmp_path / "exports" / "crm.csv"
    real.parent.mkdir()
    csv.rename(real)
    csv.symlink_to(real)
    result = tacal("--config", config, "onboard", "Fjord Energy", "--start", "2027-04-05")
    assert result.code == 0, result.err
    assert csv.is_symlink() and b",false,2027-04-05\n" in real.read_bytes()
