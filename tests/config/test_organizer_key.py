"""The cadence key ``organizer`` (#13): every wrong value is a located error (exit 2, no
traceback), with a did-you-mean where one fits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Result

TEXT = (FIXTURES / "accounts.toml").read_text()


def block_of(cid: str) -> str:
    """The first paragraph of cadence ``cid`` in the fixture."""
    for block in TEXT.split("[[cadence]]\n")[1:]:
        if block.startswith(f'id = "{cid}"'):
            return block.split("\n\n")[0]
    raise AssertionError(cid)


def with_organizer(cid: str, value: str) -> tuple[str, int]:
    """The fixture with ``organizer = VALUE`` added to cadence ``cid``, and that line's number."""
    block = block_of(cid)
    new = f"{block}\norganizer = {value}"
    text = TEXT.replace(block, new, 1)
    line = text[: text.index(new)].count("\n") + new.count("\n") + 1
    return text, line


@pytest.mark.parametrize(
    ("cid", "value", "message"),
    [
        (
            "health-score-update",
            '"@ta"',
            '\'@ta\' names one TA only in a series with per = "account" or per = "ta"; '
            'this one has per = "team"',
        ),
        (
            "sync",
            '"@ta"',
            '\'@ta\' names one TA only in a series with per = "account" or per = "ta"; '
            'this one has per = "ae"',
        ),
        (
            "mbr",
            '"@ae"',
            '\'@ae\' names one AE only in a series with per = "account" or per = "ae"; '
            'this one has per = "ta"',
        ),
        ("check-in", '"@tas"', "'@tas' cannot organize (did you mean '@ta'?): use"),
        ("check-in", '"@director"', '\'@director\' cannot organize: use "@ta" or "@ae"'),
        (
            "check-in",
            '"anna"',
            "unknown person 'anna'; add [people.anna] or use an email address "
            "(did you mean 'ana'?)",
        ),
        ("touch-base", '"ana@"', "'ana@' is not an email address"),
        ("renewal-check", "3", '3: use "@ta", "@ae", a [people] key or an email address'),
    ],
)
def test_a_wrong_organizer_is_a_located_error(
    tacal: Callable[..., Result], tmp_path: Path, cid: str, value: str, message: str
) -> None:
    text, line = with_organizer(cid, value)
    (tmp_path / "tacal.toml").write_text(text)
    result = tacal("--today", "2027-04-20", "validate")
    assert result.code == 2, result.out
    assert "Traceback" not in result.err
    where = f"{tmp_path / 'tacal.toml'}:{line}: cadence {cid!r}.organizer: "
    assert where + message in result.err, result.err


@pytest.mark.parametrize(
    ("cid", "value"),
    [
        ("check-in", '"@ae"'),
        ("sync", '"@ae"'),
        ("mbr", '"@ta"'),
        ("health-score-update", '"dir"'),
        ("health-score-update", '"ops@fx.example"'),
    ],
)
def test_a_good_organizer_validates(
    tacal: Callable[..., Result], tmp_path: Path, cid: str, value: str
) -> None:
    text, _ = with_organizer(cid, value)
    (tmp_path / "tacal.toml").write_text(text)
    result = tacal("--today", "2027-04-20", "validate")
    assert result.code == 0, result.err
