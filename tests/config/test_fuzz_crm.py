"""Bad CRM exports (issue #14): mutations of the exports in tests/fixtures/crm/ end with exit 0
or exit 2 and located messages, never a traceback.

Each example starts from one export, reads it as rows, then drops, duplicates, swaps and renames
columns, replaces cells with bad or odd values (dates either way round, amounts in any locale,
scores, unknown people), drops and repeats rows, and writes it back with any delimiter and
encoding, sometimes cut short or with a stray byte. ``tacal accounts`` reads the config only,
so many examples run quickly; the calendar of whatever survives is built by the other tests.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tacal.config import crm_formats as fmt
from tests.config.test_crm_accounts import CRM, HEAD
from tests.conftest import Result, _run

FUZZ = settings(
    deadline=None,
    derandomize=True,
    max_examples=80,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
EXPORTS = {
    "salesforce": "salesforce.csv",
    "hubspot": "hubspot.csv",
    "vitally": "vitally.csv",
    "gainsight": "gainsight.txt",
}
CELLS = [
    "",
    " ",
    '"',
    "é",
    "\u202e",
    "🙂",
    "x" * 3000,
    "=1+1",
    "\x00",
    "2/30/2027",
    "13/13/2027",
    "03/04/2027",
    "14.05.2027",
    "2027-05-14T10:00:00Z",
    "May 14",
    "1/1/1900",
    "12/31/9999",
    "$1,200,000.50",
    "1.200.000,50 €",
    "-5",
    "(5)",
    "1e9",
    "9" * 400,
    "7,5",
    "11",
    "100%",
    "nan",
    "At Risk",
    "red",
    "GREEN",
    "Weekly",
    "Bi-Weekly",
    "hourly",
    "Ana Ruiz",
    "ANA@FX.EXAMPLE",
    "amy",
    "Amy Adams <amy@fx.example>",
    "nobody@fx.example",
    "someone@else.example",
    "Kim Kato; Sol Stein",
    "a@b.example, c@d.example",
    "yes",
    "1",
    "maybe",
    "Strategic",
]


def _rows(name: str) -> list[list[str]]:
    table = fmt.load_table(CRM / EXPORTS[name])
    return [table.header, *[cells for _, cells in table.rows]]


ROWS = {name: _rows(name) for name in EXPORTS}


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(EXPORTS)))
    rows = [list(r) for r in ROWS[name]]
    for _ in range(draw(st.integers(0, 5))):
        action = draw(
            st.sampled_from(
                [
                    "drop_column",
                    "dup_column",
                    "rename",
                    "cell",
                    "cell",
                    "cell",
                    "swap",
                    "drop_row",
                    "dup_row",
                    "short_row",
                    "extra_cell",
                    "blank_row",
                ]
            )
        )
        width = len(rows[0])
        col = draw(st.integers(0, max(width - 1, 0)))
        row = draw(st.integers(0, len(rows) - 1))
        if action == "drop_column" and width > 1:
            for r in rows:
                if col < len(r):
                    del r[col]
        elif action == "dup_column" and width:
            for r in rows:
                if col < len(r):
                    r.insert(col, r[col])
        elif action == "rename" and width:
            rows[0][col] = draw(
                st.sampled_from(
                    [
                        "",
                        "TA",
                        "name",
                        "Health Score",
                        "Account Name",
                        "CSM",
                        "ARR",
                        rows[0][col].upper(),
                    ]
                )
            )
        elif action == "cell" and row and col < len(rows[row]):
            rows[row][col] = draw(st.sampled_from(CELLS))
        elif action == "swap" and width > 1:
            other = draw(st.integers(0, width - 1))
            for r in rows:
                if max(col, other) < len(r):
                    r[col], r[other] = r[other], r[col]
        elif action == "drop_row" and row:
            del rows[row]
        elif action == "dup_row" and row:
            rows.insert(row, list(rows[row]))
        elif action == "short_row" and row:
            del rows[row][draw(st.integers(0, len(rows[row]))) :]
        elif action == "extra_cell" and row:
            rows[row].append(draw(st.sampled_from(["", "x"])))
        elif action == "blank_row":
            rows.insert(row + 1, [])
    buf = io.StringIO()
    csv.writer(
        buf,
        delimiter=draw(st.sampled_from([",", ";", "\t"])),
        lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
    ).writerows(rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le"]))
    data = buf.getvalue().encode(encoding, "surrogatepass")
    if draw(st.integers(0, 7)) == 0:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xe9", b"\x00", b"\x80"])) + data[at:]
    if draw(st.integers(0, 7)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return name, data


LOCATED = re.compile(r"^(?P<path>\S+?\.(?:csv|txt|toml))(?::(?P<line>\d+))?: \S")


def run(name: str, data: bytes) -> Result:
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        for p in CRM.iterdir():
            if p.suffix != ".toml":
                shutil.copy(p, folder / p.name)
        (folder / EXPORTS[name]).write_bytes(data)
        (folder / "tacal.toml").write_text(HEAD + "\n" + (CRM / f"{name}.toml").read_text())
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            result = _run(["--config", "tacal.toml", "accounts"])
        finally:
            os.chdir(cwd)
    return result


@FUZZ
@given(mutated())
def test_mutated_exports(example: tuple[str, bytes]) -> None:
    name, data = example
    result = run(name, data)
    assert result.code in (0, 2), (result.code, result.err)
    assert "Traceback" not in result.err
    if result.code == 2:
        assert result.out == ""
        errors = [
            line
            for line in result.err.splitlines()
            if line.strip() and not line.startswith(" ") and "warning:" not in line
        ]
        assert errors
        lines = max(data.count(b"\n"), data.count(b"\n\x00")) + 1
        for line in errors:
            m = LOCATED.match(line)
            assert m, f"not located: {line!r}"
            if m.group("line") and m.group("path").endswith(EXPORTS[name]):
                assert 1 <= int(m.group("line")) <= lines, line
    else:
        assert "accounts from" in result.out


def test_the_unmutated_exports_read() -> None:
    for name in EXPORTS:
        result = run(name, (CRM / EXPORTS[name]).read_bytes())
        assert result.code == 0, result.err
        assert result.out.startswith("12 accounts from")
