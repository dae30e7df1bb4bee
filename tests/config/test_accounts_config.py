"""Config surface of the account cadences: every key validated with a located error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Result

TEXT = (FIXTURES / "accounts.toml").read_text()


def validate(tacal: Callable[..., Result], tmp_path: Path, text: str) -> Result:
    (tmp_path / "tacal.toml").write_text(text)
    result = tacal("--today", "2027-04-20", "validate")
    assert "Traceback" not in result.err
    return result


def cadence_block(cid: str) -> tuple[int, str]:
    """(index among [[cadence]] tables, the block's text) for cadence ``cid``."""
    blocks = TEXT.split("[[cadence]]\n")[1:]
    for i, block in enumerate(blocks):
        if block.startswith(f'id = "{cid}"'):
            return i, block.split("\n\n")[0]
    raise AssertionError(cid)


@pytest.mark.parametrize(
    ("cid", "old", "new", "key", "message"),
    [
        (
            "check-in",
            'per = "account"',
            'per = "ta"',
            "per",
            "rule 'check-in' makes one series per account; set per = \"account\"",
        ),
        (
            "check-in",
            "duration = 30",
            "duration = 20",
            "duration",
            "20 minutes: customer check-ins run 30-60 minutes",
        ),
        (
            "touch-base",
            "week = 3",
            "week = -1",
            "week",
            "-1: for 'touch-base' week is the preferred week of the month (1-4)",
        ),
        (
            "renewal-check",
            'rule = "renewal"',
            'rule = "renewal"\nday = "MO"',
            "day",
            "rule 'renewal' is a one-off whose date comes from each account; remove day",
        ),
        (
            "renewal-check",
            "days_before = 180",
            "days_before = 0",
            "days_before",
            "0 is out of range; use 1-730 (days before the renewal date)",
        ),
        (
            "renewal-check",
            "days_before = 180",
            'days_before = "180"',
            "days_before",
            "must be days before the renewal date, not str '180'",
        ),
        (
            "handoff",
            "workdays_after = 0",
            "workdays_after = 200",
            "workdays_after",
            "200 is out of range; use 0-120",
        ),
        (
            "sync",
            'per = "ae"',
            'per = "ae"\nworkdays_after = 2',
            "workdays_after",
            'only applies to rule = "onboarding"',
        ),
        (
            "sync",
            'per = "ae"',
            'per = "ae"\ntop3 = true',
            "top3",
            'names a TA\'s Top 3 accounts, so it needs per = "ta"',
        ),
        ("mbr", "top3 = true", 'top3 = "yes"', "top3", "must be true or false, not 'yes'"),
        (
            "sync",
            'rule = "biweekly"',
            'rule = "checkin"',
            "rule",
            "'checkin' is not a rule (did you mean 'check-in'?); use one of daily | weekly",
        ),
    ],
)
def test_cadence_keys_are_located(
    tacal: Callable[..., Result],
    tmp_path: Path,
    cid: str,
    old: str,
    new: str,
    key: str,
    message: str,
) -> None:
    _, block = cadence_block(cid)
    assert old in block
    text = TEXT.replace(block, block.replace(old, new, 1), 1)
    result = validate(tacal, tmp_path, text)
    assert result.code == 2, result.out
    start = text.index(block.replace(old, new, 1))
    first = next(line for line in new.splitlines() if line.startswith(key))
    line = (
        text[:start].count("\n")
        + 1
        + block.replace(old, new, 1)[: block.replace(old, new, 1).index(first)].count("\n")
    )
    assert f"{tmp_path / 'tacal.toml'}:{line}: cadence {cid!r}.{key}: {message}" in result.err, (
        result.err
    )


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ('ta = "ana"', 'ta = "amy"', "ta", "'amy' has role 'ae', not 'ta'"),
        ('ae = "amy"', 'ae = "ana@fx.example"', "ae", "'ana@fx.example' has role 'ta', not 'ae'"),
        ('ae = "amy"', 'ae = "zoe@fx.example"', "ae", "unknown person 'zoe@fx.example'"),
        (
            'name = "Aurora Labs"',
            'name = "Blue Harbor"',
            "name",
            "duplicate account 'Blue Harbor' (also ",
        ),
        ('check_in = "weekly"', 'check_in = "daily"', "check_in", "'daily': use one of weekly"),
        ("arr = 500000", "arr = true", "arr", "True is not an amount"),
    ],
)
def test_toml_account_errors_are_located(
    tacal: Callable[..., Result], tmp_path: Path, old: str, new: str, key: str, message: str
) -> None:
    first = TEXT.index("[[account]]")
    text = TEXT[:first] + TEXT[first:].replace(old, new, 1)
    result = validate(tacal, tmp_path, text)
    assert result.code == 2, result.out
    index = 1 if key == "name" else 0  # the duplicate is reported on the second account
    line = [i for i, row in enumerate(text.splitlines(), 1) if row == new][index]
    name = "Blue Harbor" if key == "name" else "Aurora Labs"
    assert f"{tmp_path / 'tacal.toml'}:{line}: account {name!r}.{key}: {message}" in result.err, (
        result.err
    )


def test_sessions_that_do_not_fit_their_week_are_located_errors(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """A QBR session stays in the first week of the quarter: when the week is full that is an
    error naming the session, never a spill into day 8 (issue: "a QBR spilled to day 8")."""
    _, block = cadence_block("qbr")
    # a preferred time late in the day is only a preference: the sessions still fit
    late = TEXT.replace(block, block.replace('time = "14:00"', 'time = "16:30"'))
    assert validate(tacal, tmp_path, late).code == 0
    full = TEXT.replace(block, block.replace("duration = 60", "duration = 300"))
    result = validate(tacal, tmp_path, full)
    assert result.code == 2
    assert (
        "cadence 'qbr': Eve Evans's session: no free 300-minute time in week 1 of the month "
        "within the working hours of Ana Ruiz, Ben Okafor, Dee Irwin, Eve Evans, Kim Kato, "
        "Val Price; shorten the meetings, widen someone's hours, or spread the work over "
        "more people"
    ) in result.err


def test_renewal_and_onboarding_defaults(tacal: Callable[..., Result], tmp_path: Path) -> None:
    """days_before defaults to 180 and workdays_after to 0."""
    _, renewal = cadence_block("renewal-check")
    _, handoff = cadence_block("handoff")
    text = TEXT.replace(renewal, renewal.replace("days_before = 180\n", ""))
    text = text.replace(handoff, handoff.replace("workdays_after = 0\n", ""))
    (tmp_path / "tacal.toml").write_text(text)
    a = tacal("--today", "2027-04-20", "build", "-o", "-")
    b = tacal("--config", FIXTURES / "accounts.toml", "--today", "2027-04-20", "build", "-o", "-")
    assert a.code == 0 and a.stdout_bytes == b.stdout_bytes
