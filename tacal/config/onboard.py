"""``tacal onboard ACCOUNT --start DATE``: record an onboarding start where the account lives.

The account's own file is the user's, often under version control and full of comments, so the
edit is the smallest possible text change: one value replaced, or one line (one cell) added.
Nothing is re-serialised. The new text is validated before it replaces the old one atomically,
so a failed run leaves the file as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tacal.config.accounts_csv import column_key
from tacal.errors import TacalError
from tacal.model import Config
from tacal.output import write_atomic

_TOML_KEY = re.compile(
    r"^(?P<lead>\s*onboarding_start\s*=\s*)(?P<value>\"[^\"]*\"|'[^']*'|[0-9-]+)(?P<rest>.*)$"
)
_HEADER = re.compile(r"^\s*\[")
_ACCOUNT_HEADER = re.compile(r"^\s*\[\[\s*account\s*\]\]\s*(#.*)?$")
_NAME_LINE = re.compile(r"^\s*name\s*=\s*(\"[^\"]*\"|'[^']*')\s*(#.*)?$")


@dataclass(frozen=True)
class Recorded:
    """Where the date went: the file and the 1-based line that now holds it."""

    path: Path
    line: int


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def edit_toml(text: str, index: int, day: dt.date) -> tuple[str, int]:
    """Set ``onboarding_start`` in the ``index``-th ``[[account]]`` table; (new text, line)."""
    lines = text.splitlines(keepends=True)
    headers = [i for i, line in enumerate(lines) if _ACCOUNT_HEADER.match(line)]
    if index >= len(headers):
        raise TacalError(
            "this account is not written as an [[account]] table; add "
            f'onboarding_start = "{day}" to it by hand'
        )
    first = headers[index]
    last = next((i for i in range(first + 1, len(lines)) if _HEADER.match(lines[i])), len(lines))
    value = f'"{day.isoformat()}"'
    for i in range(first + 1, last):
        m = _TOML_KEY.match(lines[i].rstrip("\r\n"))
        if m:
            ending = lines[i][len(lines[i].rstrip("\r\n")) :]
            lines[i] = m.group("lead") + value + m.group("rest") + ending
            return "".join(lines), i + 1
    after = next((i for i in range(first + 1, last) if _NAME_LINE.match(lines[i])), first)
    if not lines[after].endswith(("\n", "\r")):
        lines[after] += _newline(text)
    lines.insert(after + 1, f"onboarding_start = {value}{_newline(text)}")
    return "".join(lines), after + 2


def csv_records(text: str) -> list[tuple[int, list[tuple[int, int]], int]]:
    """(first line, cell spans, end offset) of every record, honouring quoted cells."""
    out = []
    i, n, line = 0, len(text), 1
    while i < n:
        first, cells, start, quoted = line, [], i, False
        while i < n:
            ch = text[i]
            if quoted:
                if ch == '"' and text[i + 1 : i + 2] == '"':
                    i += 2
                    continue
                if ch == '"':
                    quoted = False
                elif ch == "\n":
                    line += 1
                i += 1
            elif ch == '"':
                quoted, i = True, i + 1
            elif ch == ",":
                cells.append((start, i))
                i += 1
                start = i
            elif ch in "\r\n":
                break
            else:
                i += 1
        cells.append((start, i))
        out.append((first, cells, i))
        if text[i : i + 2] == "\r\n":
            i += 2
        elif i < n:
            i += 1
        line += 1
    return out


def _cell(text: str, span: tuple[int, int]) -> str:
    raw = text[span[0] : span[1]].strip()
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        raw = raw[1:-1].replace('""', '"')
    return raw.strip()


def edit_csv(text: str, name: str, day: dt.date) -> tuple[str, int]:
    """Set the ``onboarding_start`` cell of account ``name``; adds the column when missing."""
    records = [r for r in csv_records(text) if any(_cell(text, s) for s in r[1])]
    if not records:
        raise TacalError("the accounts file is empty")
    header_line, header, header_end = records[0]
    columns = [column_key(_cell(text, s)) for s in header]
    name_at = columns.index("name")
    row = next(
        (
            r
            for r in records[1:]
            if len(r[1]) > name_at and _cell(text, r[1][name_at]).casefold() == name.casefold()
        ),
        None,
    )
    if row is None:
        raise TacalError(f"{name!r} is not a row of the accounts file")
    line, cells, end = row
    value = day.isoformat()
    if "onboarding_start" in columns:
        at = columns.index("onboarding_start")
        if at < len(cells):
            s, e = cells[at]
            return text[:s] + value + text[e:], line
        return text[:end] + "," * (at - len(cells) + 1) + value + text[end:], line
    # add the column: the header gains one cell, this row its value; other rows stay as they are
    # (a missing trailing cell reads as empty)
    at = len(columns)
    text = text[:end] + "," * (at - len(cells) + 1) + value + text[end:]
    text = text[:header_end] + ",onboarding_start" + text[header_end:]
    return text, line


def record_onboarding(config: Config, account: str, day: dt.date) -> Recorded:
    """Write ``onboarding_start = day`` for ``account`` into tacal.toml or the accounts CSV."""
    if config.path is None:
        raise TacalError(
            "tacal onboard edits your tacal.toml and there is none here",
            hint="run `tacal init` first, or pass --config PATH",
        )
    match = [a for a in config.accounts if a.name.casefold() == account.casefold()]
    if not match:
        import difflib

        names = [a.name for a in config.accounts]
        close = difflib.get_close_matches(account, names, n=1)
        raise TacalError(
            f"no account named {account!r} in {config.source}",
            hint=f"did you mean {close[0]!r}?"
            if close
            else "add it as an [[account]] or a row of the accounts CSV first",
        )
    name = match[0].name
    text, bom = _read(config.path)
    raw = tomllib.loads(text)
    tables = raw.get("account", [])
    names = [t.get("name", "").strip() if isinstance(t, dict) else "" for t in tables]
    if name in names:
        target = config.path
        new_text, line = edit_toml(text, names.index(name), day)
        _check_toml(new_text, names.index(name), day, target)
    elif isinstance(raw.get("accounts"), dict):
        raise TacalError(
            f"{name!r} comes from the export named in [accounts], which tacal does not edit",
            hint="set its onboarding start in the CRM (the "
            "column read as onboarding_start) and export again",
        )
    else:
        target = config.path.parent / str(raw.get("accounts"))
        data, bom = _read(target)
        new_text, line = edit_csv(data, name, day)
        _check_csv(data, new_text, name, day, target)
    # a symlinked config (dotfiles) is edited where it lives, not replaced by a copy; the
    # write keeps the file's mode
    write_atomic(target.resolve(), bom + new_text.encode("utf-8"))
    return Recorded(target, line)


def _read(path: Path) -> tuple[str, bytes]:
    """The text as is (CRLF line ends kept), and the UTF-8 byte order mark it began with, if
    any (Excel's "CSV UTF-8" writes one), to put back."""
    data = path.read_bytes()
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    try:
        return data[len(bom) :].decode("utf-8"), bom
    except UnicodeDecodeError as exc:
        raise TacalError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})", hint="save it as UTF-8"
        ) from None


def _check_toml(text: str, index: int, day: dt.date, path: Path) -> None:
    """Refuse to write unless the edit parses and says exactly what was asked."""
    try:
        table = tomllib.loads(text)["account"][index]
    except (tomllib.TOMLDecodeError, KeyError, IndexError) as exc:
        raise TacalError(
            f"{path}: could not place onboarding_start safely ({exc}); add "
            f'onboarding_start = "{day}" to the account by hand'
        ) from None
    if str(table.get("onboarding_start")) != day.isoformat():
        raise TacalError(
            f"{path}: could not place onboarding_start safely; add "
            f'onboarding_start = "{day}" to the account by hand'
        )


def _check_csv(old: str, new: str, name: str, day: dt.date, path: Path) -> None:
    """The csv module must read the same rows, with only the account's date changed."""
    from tacal.config.accounts_csv import records

    def table(text: str) -> list[dict[str, str]]:
        rows = [cells for _, cells in records(text)]
        keys = [column_key(h) for h in rows[0]]
        return [dict(zip(keys, r, strict=False)) for r in rows[1:]]

    try:
        before, after = table(old), table(new)
    except (csv.Error, IndexError) as exc:
        raise TacalError(f"{path}: could not place onboarding_start safely ({exc})") from None
    for b in before:
        if b.get("name", "").strip().casefold() == name.casefold():
            b["onboarding_start"] = day.isoformat()
    clean = [{k: v.strip() for k, v in r.items() if v.strip()} for r in after]
    if [{k: v.strip() for k, v in r.items() if v.strip()} for r in before] != clean:
        raise TacalError(
            f"{path}: could not place onboarding_start safely; set the "
            f"onboarding_start cell of {name!r} to {day} by hand"
        )


__all__ = ["Recorded", "csv_records", "edit_csv", "edit_toml", "record_onboarding"]
