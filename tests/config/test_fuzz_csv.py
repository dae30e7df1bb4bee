"""Bad accounts CSVs (issue #6): random bytes and mutations of tests/fixtures/accounts.csv end
with exit 0 or exit 2 and a located message, never a traceback, and never a partial or corrupt
output file.

The config is tests/fixtures/accounts.toml with its [[account]] tables replaced by
``accounts = "accounts.csv"``, so every account rule (check-in, touch-base, renewal, onboarding,
Top 3) runs on whatever rows survive. Mutations: dropped, duplicated, renamed and reordered
columns; bad, far-off and impossible dates; quotes, BOM, CRLF, empty rows, huge numbers,
non-UTF-8 bytes, NUL, extra cells, truncation, duplicate rows.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from tests.conftest import FIXTURES, Result, _run

CONFIG = (
    'accounts = "accounts.csv"\n'
    + (FIXTURES / "accounts.toml").read_text(encoding="utf-8").split("[[account]]", 1)[0]
)
VALID = (FIXTURES / "accounts.csv").read_text(encoding="utf-8")
HEADER = VALID.splitlines()[0].split(",")
ROWS = VALID.splitlines()[1:]

FUZZ = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

BAD_CELLS = [
    "",
    " ",
    '"',
    '""',
    '"unterminated',
    'a"b',
    "\x00",
    "é",
    "\u202e",
    "🙂",
    "\t",
    "x" * 5000,
    "2027-02-30",
    "2027-13-01",
    "0001-01-01",
    "9999-12-31",
    "1970-01-01",
    "2199-12-31",
    "27-01-01",
    "2027/01/01",
    "01/02/2027",
    "2027-01-01T10:00",
    "-1",
    "1e400",
    "-1e400",
    "nan",
    "inf",
    "9" * 400,
    "$",
    "$-5",
    "1,2,3",
    "0x10",
    "TRUE",
    "maybe",
    "weekly; daily",
    "hourly",
    "purple",
    "nobody",
    "@",
    "a@b",
    "a@b.c; not an email",
    "ana; ben",
    "ANA@FX.EXAMPLE",
    "kim@elsewhere.example",
    "=1+1",
    "\r",
    "\n",
    "a\r\nb",
]


#: The output of an earlier build: a failed build must leave it as it was.
PREVIOUS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//earlier//EN\r\nEND:VCALENDAR\r\n"


def run_build(csv: bytes) -> tuple[Result, list[str]]:
    """``tacal build`` in a fresh folder over an earlier output; checks what every run must
    satisfy and returns the result and its error lines."""
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        (folder / "tacal.toml").write_text(CONFIG, encoding="utf-8")
        (folder / "accounts.csv").write_bytes(csv)
        (folder / "out.ics").write_bytes(PREVIOUS)
        cwd = os.getcwd()
        os.chdir(folder)
        try:
            result = _run(
                ["--config", "tacal.toml", "--today", "2027-01-10", "-q", "build", "-o", "out.ics"]
            )
        finally:
            os.chdir(cwd)
        out = folder / "out.ics"
        data = out.read_bytes() if out.exists() else None
        leftovers = sorted(
            p.name
            for p in folder.iterdir()
            if p.name not in ("tacal.toml", "accounts.csv", "out.ics")
        )
    assert result.code in (0, 2), (result.code, result.err)
    assert "Traceback" not in result.err
    assert not leftovers, leftovers
    if result.code == 2:
        assert data == PREVIOUS, "a failed build touched the previous output"
        assert result.err.strip(), "an error says what is wrong"
    else:
        assert data is not None and data != PREVIOUS
        Calendar.from_ical(data)  # complete and parseable
        assert data.rstrip().endswith(b"END:VCALENDAR")
    return result, _error_lines(result)


def _error_lines(result: Result) -> list[str]:
    return [
        line
        for line in result.err.splitlines()
        if line.strip() and not line.startswith(" ") and "warning:" not in line
    ]


LOCATED = re.compile(r"^(?P<path>\S*?(?:accounts\.csv|tacal\.toml))(?::(?P<line>\d+))?: \S")


def check_located(result: Result, csv: bytes) -> None:
    """Every error names its file; a CSV line number exists in the file."""
    if result.code != 2:
        return
    lines = csv.count(b"\n") + 1 + csv.count(b"\r")  # generous: lone CRs end lines for csv too
    for line in _error_lines(result):
        m = LOCATED.match(line)
        assert m, f"not located: {line!r}"
        if m.group("line"):
            assert 1 <= int(m.group("line")) <= lines, line


# --------------------------------------------------------------------------- mutations


@st.composite
def mutated_csv(draw: st.DrawFn) -> bytes:
    header = list(HEADER)
    rows = [r.split(",") for r in ROWS]
    # cells of quoted values ("$500,000") were split above; rejoin them as one cell
    rows = [_rejoin(r) for r in rows]
    # harmless edits (the build must still succeed) are drawn as often as harmful ones
    for _ in range(draw(st.integers(0, 4))):
        action = draw(
            st.sampled_from(
                [
                    "drop_column",
                    "dup_column",
                    "rename_column",
                    "bad_cell",
                    "bad_cell",
                    "extra_cell",
                    "short_row",
                    "dup_row",
                    "swap_columns",
                    "swap_columns",
                    "drop_row",
                    "empty_rows",
                    "quote_cell",
                    "pad_cell",
                    "drop_optional",
                    "header_case",
                ]
            )
        )
        col = draw(st.integers(0, len(header) - 1)) if header else 0
        row = draw(st.integers(0, len(rows) - 1)) if rows else 0
        if action == "drop_column" and len(header) > 1:
            del header[col]
            for r in rows:
                if col < len(r):
                    del r[col]
        elif action == "dup_column" and header:
            header.insert(col, header[col])
            for r in rows:
                if col < len(r):
                    r.insert(col, r[col])
        elif action == "rename_column" and header:
            header[col] = draw(
                st.sampled_from(
                    [
                        "",
                        "Nmae",
                        "check in",
                        "CHECK-IN",
                        " ARR ",
                        "renewal date",
                        "é",
                        '"Name"',
                        "name",
                    ]
                )
            )
        elif action == "swap_columns" and len(header) > 1:
            other = draw(st.integers(0, len(header) - 1))
            header[col], header[other] = header[other], header[col]
            for r in rows:
                if max(col, other) < len(r):
                    r[col], r[other] = r[other], r[col]
        elif action == "bad_cell" and rows and col < len(rows[row]):
            rows[row][col] = _quote(draw(st.sampled_from(BAD_CELLS)), draw(st.booleans()))
        elif action == "extra_cell" and rows:
            rows[row].append(draw(st.sampled_from(["", "x", '"a,b"'])))
        elif action == "short_row" and rows and rows[row]:
            del rows[row][draw(st.integers(0, len(rows[row]) - 1)) :]
        elif action == "dup_row" and rows:
            rows.insert(row, list(rows[row]))
        elif action == "drop_row" and rows:
            del rows[row]
        elif action == "quote_cell" and rows and col < len(rows[row]):
            if not rows[row][col].startswith('"'):
                rows[row][col] = _quote(rows[row][col], True)
        elif action == "pad_cell" and rows and col < len(rows[row]):
            rows[row][col] = _quote(f" {rows[row][col].strip(chr(34))}  ", True)
        elif action == "drop_optional":
            name = draw(st.sampled_from(["SDR", "Onboarding Start"]))
            if name in header:
                at = header.index(name)
                del header[at]
                for r in rows:
                    if at < len(r):
                        del r[at]
        elif action == "header_case" and header:
            header[col] = draw(st.sampled_from([str.upper, str.lower, str.title]))(header[col])
        elif action == "empty_rows":
            rows.insert(row, [""] * draw(st.integers(0, len(header))))
    text = "\n".join(",".join(r) for r in [header, *rows])
    if draw(st.booleans()):
        text += "\n"
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    data = text.replace("\n", newline).encode("utf-8")
    if draw(st.booleans()):
        data = "\ufeff".encode() + data
    if draw(st.integers(0, 7)) == 0:  # non-UTF-8 somewhere
        at = draw(st.integers(0, len(data)))
        data = (
            data[:at] + draw(st.sampled_from([b"\xff", b"\xe9", b"\xc3", b"\x80\x80"])) + data[at:]
        )
    if draw(st.integers(0, 7)) == 0:  # cut short
        data = data[: draw(st.integers(0, len(data)))]
    return data


def _rejoin(cells: list[str]) -> list[str]:
    out: list[str] = []
    for cell in cells:
        if out and out[-1].startswith('"') and not out[-1].endswith('"'):
            out[-1] += "," + cell
        else:
            out.append(cell)
    return out


def _quote(value: str, quote: bool) -> str:
    if quote or any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


@settings(FUZZ, max_examples=60)
@given(mutated_csv())
def test_mutated_csv(csv: bytes) -> None:
    result, _ = run_build(csv)
    check_located(result, csv)


@settings(FUZZ, max_examples=30)
@given(
    st.booleans(),
    st.one_of(
        st.binary(max_size=400),
        st.text(alphabet=st.sampled_from(list(',"\r\n \ufeff;$-:0129aeé@.\x00')), max_size=300).map(
            lambda t: t.encode("utf-8")
        ),
        st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    ),
)
def test_random_csv(with_header: bool, body: bytes) -> None:
    """Random bytes, alone or after a valid header (so that rows reach the validator)."""
    csv = (",".join(HEADER) + "\n").encode() + body if with_header else body
    result, _ = run_build(csv)
    check_located(result, csv)


# --------------------------------------------------------------------------- targeted


TARGET_COLUMNS = [
    "Name",
    "TA",
    "AE",
    "CE",
    "SDR",
    "Contacts",
    "Check In",
    "ARR",
    "Renewal",
    "Health",
    "Expansion",
    "Onboarding Start",
]
TARGET_VALUES = [
    "2027-02-30",
    "2027-02-29",
    "2028-02-29",
    "someday",
    "2027-1-1",
    "0001-01-01",
    "1970-12-31",
    "9999-12-31",
    "2199-12-31",
    "-5",
    "1e400",
    "nan",
    "9" * 400,
    "ana; ben",
    "nobody",
    "not-an-email",
    "kim@elsewhere.example",
    "hourly",
    "purple",
    "maybe",
    '"quoted"',
    "a,b",
    "line\nbreak",
    "",
    "Aurora Labs",
]


@pytest.mark.parametrize("value", TARGET_VALUES)
@pytest.mark.parametrize("column", TARGET_COLUMNS)
def test_one_bad_cell_is_reported_at_its_line(column: str, value: str) -> None:
    """Only one cell changes: either the row is still fine (exit 0), or exit 2 names exactly
    that row's physical line and column. Blank lines before it, CRLF and a BOM (varied with
    the case) do not shift the count."""
    n = TARGET_COLUMNS.index(column) * len(TARGET_VALUES) + TARGET_VALUES.index(value)
    row, newline, bom, blank_lines = n % len(ROWS), ["\n", "\r\n"][n % 2], n % 3 == 0, n % 4
    if value == "Aurora Labs" and row == 0:
        row = 1  # a duplicate name, not the same row rewritten
    rows = [_rejoin(r.split(",")) for r in ROWS]
    rows[row][HEADER.index(column)] = _quote(value, False)
    lines = [",".join(HEADER)] + [""] * blank_lines + [",".join(r) for r in rows]
    csv = (("\ufeff" if bom else "") + newline.join(lines) + newline).encode("utf-8")
    result, errors = run_build(csv)
    line = 2 + blank_lines + row
    key = column.lower().replace(" ", "_")
    if result.code == 2:
        assert errors, result.err
        for e in errors:
            assert e.startswith(f"accounts.csv:{line}: {key}"), (e, line)


@pytest.mark.parametrize(
    ("csv", "expected"),
    [
        (b"", r"accounts\.csv:1: empty accounts file"),
        (b"\n\n \n", r"accounts\.csv:1: empty accounts file"),
        (b"\xff\xfeN\x00a\x00", r"accounts\.csv: cannot read accounts: .*UTF-8"),
        (b"Name,TA\nA,ana\n", r"accounts\.csv:1: ae: missing required column"),
        (
            VALID.replace("Name,", "Name,Name,", 1).encode(),
            r"accounts\.csv:1: name: column appears more than once",
        ),
        (
            VALID.replace("Renewal,", "Renewl,", 1).encode(),
            r"accounts\.csv:1: Renewl: unknown column",
        ),
        (
            VALID.replace("Aurora Labs,", "Aurora Labs,x,", 1).encode(),
            r"accounts\.csv:2: row has 13 cells",
        ),
        ((VALID + ROWS[0] + "\n").encode(), r"accounts\.csv:14: name: duplicate account"),
        (
            VALID.replace("Blue Harbor,", '"Blue\nHarbor",', 1).encode()
            + b"Zed,ana,amy,,,z@z.example,"
            b"weekly,1,2027-13-01,green,false,\n",
            r"accounts\.csv:15: renewal: '2027-13-01'",
        ),
    ],
)
def test_whole_file_problems_are_located(csv: bytes, expected: str) -> None:
    result, errors = run_build(csv)
    assert result.code == 2
    assert any(re.match(expected, e) for e in errors), result.err
