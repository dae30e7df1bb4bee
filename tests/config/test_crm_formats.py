"""The text of CRM exports: encodings, delimiters, footers, dates and amounts (issue #14)."""

from __future__ import annotations

import codecs
import datetime as dt
from pathlib import Path

import pytest

from tacal.config import crm_formats as fmt


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"Name,TA\r\nA,b\r\n", "UTF-8"),
        (codecs.BOM_UTF8 + "Name,TA\nÅ,b\n".encode(), "UTF-8 with BOM"),
        ("Name\tTA\r\nÅ\tb\r\n".encode("utf-16"), "UTF-16"),  # Excel "Unicode text": BOM + LE
        ("Name\tTA\r\nÅ\tb\r\n".encode("utf-16-le"), "UTF-16"),  # no BOM: told by its zero bytes
        ("Name\tTA\r\nÅ\tb\r\n".encode("utf-16-be"), "UTF-16"),
    ],
)
def test_encodings_are_detected(data: bytes, what: str) -> None:
    text, found = fmt.decode(data)
    assert found == what
    assert text.startswith("Name") and "\ufeff" not in text


def test_other_encodings_are_named_or_refused() -> None:
    data = "Name;Ort\nMüller;Köln\n".encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        fmt.decode(data)
    assert fmt.decode(data, "cp1252") == ("Name;Ort\nMüller;Köln\n", "cp1252")


@pytest.mark.parametrize(
    ("text", "delimiter", "skip"),
    [
        ("Name,TA,AE\n", ",", 0),
        ("Name;TA;AE\n", ";", 0),
        ("Name\tTA\tAE\n", "\t", 0),
        ('"Name, legal";TA;AE\n', ";", 0),  # delimiters inside quotes do not count
        ('\n\n"A;B",C,D\n', ",", 0),  # the header is the first non-blank line
        ("Name\n", ",", 0),  # one column
        ("sep=;\nName;TA,x\n", ";", 1),  # Excel's delimiter line
    ],
)
def test_delimiter_is_read_from_the_header_line(text: str, delimiter: str, skip: int) -> None:
    assert fmt.sniff(text) == (delimiter, skip)


def test_footer_lines_after_a_blank_line_are_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text(
        '"Account Name","Account Owner"\n"A","b"\n\n"B","c"\n\n"Report"\n'
        '"Copyright (c) 2000-2027 salesforce.com, inc. All rights reserved."\n\n'
    )
    table = fmt.load_table(path)
    assert [line for line, _ in table.rows] == [2, 4]  # the blank line 3 is just skipped
    assert table.footer_lines == 2
    path.write_text("Name,TA\nA,b\n\nB\n")  # a one-cell last row is a footer, too: by design
    assert [line for line, _ in fmt.load_table(path).rows] == [2]
    path.write_text("Name\nA\n\nB\n")  # ... but not in a one-column file
    assert len(fmt.load_table(path).rows) == 2


def test_quoted_cells_spanning_lines_keep_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text('Name;Notes\nA;"one\ntwo"\nB;x\n', encoding="utf-8")
    table = fmt.load_table(path)
    assert table.delimiter == ";"
    assert [(line, cells[0]) for line, cells in table.rows] == [(2, "A"), (4, "B")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"\n \n", "empty file"),
        (b"Name\nM\xfcller\n", "not UTF-8 or UTF-16 text (byte 0xfc at offset 6)"),
    ],
)
def test_unreadable_files(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    with pytest.raises(fmt.TableError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fmt.load_table(path)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["5/14/2027", "3/1/2027"], (fmt.MDY, None)),
        (["14/5/2027", "3/1/2027"], (fmt.DMY, None)),
        (["03/04/2027", "01/02/2027"], (None, "03/04/2027")),  # ambiguous
        (["3/3/2027", "12/12/2027"], (None, None)),  # reads the same either way
        (["5/14/2027", "14/5/2027"], ("both", "'5/14/2027' and '14/5/2027'")),
        (["2027-05-14", ""], (None, None)),
    ],
)
def test_slash_dates_are_read_per_column(
    values: list[str], expected: tuple[str | None, ...]
) -> None:
    assert fmt.slash_order(values) == expected


@pytest.mark.parametrize(
    ("text", "slash", "forced", "day"),
    [
        ("2027-05-14", None, None, dt.date(2027, 5, 14)),
        ("2027-05-14 10:23", None, None, dt.date(2027, 5, 14)),  # HubSpot date-times
        ("2027-05-14T00:00:00.000Z", None, None, dt.date(2027, 5, 14)),  # ISO timestamps
        ("5/14/2027", fmt.MDY, None, dt.date(2027, 5, 14)),
        ("05/04/2027", fmt.DMY, None, dt.date(2027, 4, 5)),
        ("5/14/2027 9:14 AM", fmt.MDY, None, dt.date(2027, 5, 14)),
        ("14.05.2027", None, None, dt.date(2027, 5, 14)),
        ("2027-05-14", fmt.MDY, fmt.MDY, dt.date(2027, 5, 14)),  # ISO is always fine
    ],
)
def test_dates(text: str, slash: str | None, forced: str | None, day: dt.date) -> None:
    assert fmt.parse_date(text, slash, forced) == day


@pytest.mark.parametrize(
    ("text", "slash", "forced"),
    [
        ("2/30/2027", fmt.MDY, None),
        ("5/14/2027", fmt.DMY, None),
        ("5/14/27", fmt.MDY, None),
        ("14.05.2027", None, fmt.ISO),
        ("5/14/2027", None, fmt.DOTS),
        ("May 14, 2027", None, None),
        ("2027-05-14x", None, None),
        ("1/2/2027", None, None),  # a slash date needs its column's order
    ],
)
def test_not_dates(text: str, slash: str | None, forced: str | None) -> None:
    with pytest.raises(ValueError):
        fmt.parse_date(text, slash, forced)


@pytest.mark.parametrize(
    ("text", "decimal", "value"),
    [
        ("500000", None, 500000.0),
        ("$1,200,000.50", None, 1200000.5),
        ("1.200.000,50 €", None, 1200000.5),
        ("USD 500,000.00", None, 500000.0),
        ("€ 1 200 000,50", None, 1200000.5),
        ("1\u00a0200\u00a0000", None, 1200000.0),
        ("1'200'000.50", None, 1200000.5),
        ("1,200", None, 1200.0),  # one separator and three digits: thousands
        ("1.200", None, 1200.0),
        ("1.200.000", None, 1200000.0),
        ("7,5", None, 7.5),  # otherwise a decimal separator
        ("120000.00", None, 120000.0),
        ("1.200", ".", 1.2),  # forced
        ("1,200", ",", 1.2),
        ("1.200,5", ",", 1200.5),
        ("85%", None, 85.0),
        ("0", None, 0.0),
    ],
)
def test_amounts(text: str, decimal: str | None, value: float) -> None:
    assert fmt.amount(text, decimal) == value


@pytest.mark.parametrize(
    "text",
    [
        "",
        "$",
        "lots",
        "-5",
        "(500)",
        "1e400",
        "inf",
        "nan",
        "1,2,3",
        "1,20,000",
        "1.200,50.3",
        "12,34.56",
        "0x10",
        "9" * 400,
    ],
)
def test_not_amounts(text: str) -> None:
    with pytest.raises(ValueError):
        fmt.amount(text)
