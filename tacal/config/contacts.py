"""Customer contacts from a second export: ``contacts = { file = "contacts.csv", ... }``.

An account export rarely lists the people to invite; a contacts export does, one row per
person, several rows per account. Rows are matched to accounts by the account column (any
case); the e-mails of each account are kept in file order, each once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tacal.config import crm_formats as fmt
from tacal.config.accounts_csv import CsvChecker
from tacal.config.locate import Checker
from tacal.config.values import EMAIL_RE
from tacal.errors import Problem

CONTACTS_KEYS = {"file", "account", "email", "delimiter", "encoding"}
#: Header names used when ``account`` / ``email`` are not given (Salesforce contact reports).
DEFAULT_ACCOUNT, DEFAULT_EMAIL = "Account Name", "Email"


def header_key(header: str) -> str:
    """Headers compare ignoring case, surrounding spaces, and ``_``/``-``/space differences."""
    return re.sub(r"[\s_\-]+", " ", header.strip().casefold())


def delimiter_option(c: Checker, key: tuple[Any, ...], value: Any) -> str | None:
    names = {"comma": ",", "semicolon": ";", "tab": "\t", ",": ",", ";": ";", "\t": "\t"}
    if value is None:
        return None
    if isinstance(value, str) and value.lower() in names:
        return names[value.lower()]
    c.error(key, f'{value!r}: use ",", ";" or "tab" (or leave it out: it is detected)')
    return None


def encoding_option(c: Checker, key: tuple[Any, ...], value: Any) -> str | None:
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise LookupError
        # a real decode: a lookup alone accepts codecs that are not text encodings (rot13)
        b"\x00\x00".decode(value, "replace")
    except LookupError:
        c.error(
            key,
            f'{value!r} is not an encoding; e.g. "utf-8", "utf-16", "cp1252" '
            "(or leave it out: UTF-8 and UTF-16 are detected)",
        )
        return None
    return value


@dataclass
class Contacts:
    """E-mails per account (by casefolded name) and where each account was first named."""

    file: Path
    emails: dict[str, list[str]] = field(default_factory=dict)
    first_line: dict[str, tuple[int, str]] = field(default_factory=dict)
    rows: int = 0

    def used(self, names: set[str]) -> int:
        """Rows of accounts in ``names`` (casefolded)."""
        return sum(len(v) for k, v in self.emails.items() if k in names)


def read_contacts(c: Checker, value: Any, base: Path) -> Contacts | None:
    """The contacts table of ``[accounts]``; None (with located problems) when unusable."""
    key = ("accounts", "contacts")
    if not isinstance(value, dict):
        c.error(
            key,
            'must be a table, e.g. contacts = { file = "contacts.csv", '
            'account = "Account Name", email = "Email" }',
        )
        return None
    c.unknown_keys(key, value, CONTACTS_KEYS)
    before = len(c.problems)
    name = value.get("file")
    if not isinstance(name, str) or not name.strip():
        c.error((*key, "file"), 'missing; name the contacts export, e.g. file = "contacts.csv"')
        return None
    columns = {}
    for option, default in (("account", DEFAULT_ACCOUNT), ("email", DEFAULT_EMAIL)):
        header = value.get(option, default)
        if not isinstance(header, str) or not header.strip():
            c.error((*key, option), f"must be a column name of the contacts file, not {header!r}")
        columns[option] = header
    delimiter = delimiter_option(c, (*key, "delimiter"), value.get("delimiter"))
    encoding = encoding_option(c, (*key, "encoding"), value.get("encoding"))
    if len([p for p in c.problems[before:] if p.severity == "error"]):
        return None
    path = base / name
    if not path.is_file():
        c.error((*key, "file"), f"{path}: no such file; the path is relative to the config file")
        return None
    try:
        table = fmt.load_table(path, delimiter, encoding)
    except fmt.TableError as exc:
        c.problems.append(Problem(f"{path}:{exc.line}" if exc.line else str(path), exc.message))
        return None
    found = {header_key(h): i for i, h in reversed(list(enumerate(table.header)))}
    at: dict[str, int] = {}
    for option, header in columns.items():
        index = found.get(header_key(header))
        if index is None:
            import difflib

            close = difflib.get_close_matches(header, table.header, n=1, cutoff=0.6)
            c.error(
                (*key, option),
                f"{header!r} is not a column of {path.name}"
                + (f"; did you mean {close[0]!r}?" if close else "")
                + f" (its columns: {', '.join(h.strip() for h in table.header)})",
            )
        else:
            at[option] = index
    if len(at) < len(columns):
        return None
    out = Contacts(path)
    rc = CsvChecker(path, c.problems)
    a, e = at["account"], at["email"]
    for line, cells in table.rows:
        account = cells[a].strip() if a < len(cells) else ""
        cell = cells[e].strip() if e < len(cells) else ""
        if not account or not cell:
            continue
        fold = account.casefold()
        emails = out.emails.setdefault(fold, [])
        out.first_line.setdefault(fold, (line, account))
        for addr in (x for x in re.split(r"[;,\s]+", cell) if x):
            if not EMAIL_RE.match(addr):
                rc.error((line, table.header[e].strip()), f"{addr!r} is not an email address")
            elif addr.casefold() not in (x.casefold() for x in emails):
                emails.append(addr)
                out.rows += 1
    return out


__all__ = [
    "CONTACTS_KEYS",
    "Contacts",
    "delimiter_option",
    "encoding_option",
    "header_key",
    "read_contacts",
]
