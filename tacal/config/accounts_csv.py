"""Accounts from a CRM / customer-success export: ``accounts = "accounts.csv"`` in tacal.toml.

A CSV has no types and no structure beyond rows, so this module only does what is specific to
CSV: it finds each record's first line (a quoted cell may span lines), normalises the header a
CRM export writes (``Check In`` is ``check_in``), reports header problems at the header line,
and hands every row to the same validator the ``[[account]]`` tables go through. That shared
validator is why a CSV row and a TOML table with the same values give the same calendar.

It never imports ``config``: the validator comes in as a callable, which keeps the layers one-way.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tacal.errors import Problem
from tacal.model import Account

#: Columns every accounts CSV must have (a cell may still be empty where the value is optional).
REQUIRED_COLUMNS = (
    "name",
    "ta",
    "ae",
    "ce",
    "contacts",
    "check_in",
    "arr",
    "renewal",
    "health",
    "expansion",
)
#: Columns that may be left out of the header altogether.
OPTIONAL_COLUMNS = ("onboarding_start", "sdr", "timezone", "hours", "workdays")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


def column_key(header: str) -> str:
    """``" Check In "`` and ``"check-in"`` are the ``check_in`` column: CRMs title-case headers."""
    return re.sub(r"[\s\-]+", "_", header.strip().lower())


class CsvChecker:
    """The checker interface ``account_from_mapping`` expects, located as ``PATH:LINE: column``.

    It appends to the config checker's own problem list, so TOML and CSV problems come out
    together, in file order, in one run.
    """

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.file = str(path)
        self.problems = problems

    def where(self, *key: Any) -> str:
        line, *rest = key
        return f"{self.file}:{line}" + (f": {'.'.join(str(k) for k in rest)}" if rest else "")

    def error(self, key: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.where(*key), message))

    def warn(self, key: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.where(*key), message, "warning"))


def records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) for every non-blank record; quoted cells may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    last = 0
    for cells in reader:
        first, last = last + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield first, cells


RowValidator = Callable[[CsvChecker, tuple[Any, ...], dict[str, str]], Account | None]


def load_csv(path: Path, problems: list[Problem], validate: RowValidator) -> list[Account]:
    """Every valid account in ``path``; every problem (all rows at once) goes to ``problems``.

    ``validate(checker, (line,), row)`` checks one row and returns its account or None.
    """
    c = CsvChecker(path, problems)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.append(
            Problem(
                str(path),
                "accounts file not found; check `accounts` in "
                "tacal.toml (a path relative to the config file)",
            )
        )
        return []
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(str(path), f"cannot read accounts: {exc}; save it as UTF-8 CSV"))
        return []
    try:
        rows = list(records(text))
    except csv.Error as exc:
        problems.append(Problem(str(path), f"not a readable CSV file: {exc}"))
        return []
    if not rows:
        problems.append(
            Problem(
                f"{path}:1",
                "empty accounts file; the first row must be the "
                f"header: {','.join(REQUIRED_COLUMNS)}",
            )
        )
        return []
    header_line, header = rows[0]
    columns = [column_key(h) for h in header]
    usable = True
    for raw, key in zip(header, columns, strict=True):
        if key not in COLUMNS:
            hint = difflib.get_close_matches(key, COLUMNS, n=1, cutoff=0.6)
            c.error(
                (header_line, raw.strip() or "(empty)"),
                "unknown column"
                + (f"; did you mean {hint[0]!r}?" if hint else "")
                + f" (columns: {', '.join(COLUMNS)})",
            )
    for key in sorted({k for k in columns if columns.count(k) > 1}):
        c.error((header_line, key), "column appears more than once; keep one")
        usable = False
    for key in REQUIRED_COLUMNS:
        if key not in columns:
            c.error(
                (header_line, key),
                "missing required column; add it to the header "
                "(cells may be empty where a value is optional)",
            )
            usable = False
    if not usable:
        return []
    out = []
    for line, cells in rows[1:]:
        if len(cells) > len(columns):
            c.error(
                (line,),
                f"row has {len(cells)} cells but the header has {len(columns)}; "
                "quote cells that contain commas",
            )
            continue
        row = {k: v.strip() for k, v in zip(columns, cells, strict=False) if k in COLUMNS}
        account = validate(c, (line,), row)
        if account is not None:
            out.append(account)
    return out


__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "CsvChecker",
    "column_key",
    "load_csv",
    "records",
]
