"""Accounts straight from a CRM export: the ``[accounts]`` table.

A CRM or customer-success export names its columns its own way, carries columns tacal has no
use for, writes people as display names, dates and amounts in the user's locale, health as a
score, and has no check-in frequency and no customer e-mails. This package bridges that gap and
nothing more: it maps columns (a preset's header names, then ``columns``, then tacal's own
names), turns each cell into the value tacal expects (:mod:`tacal.config.crm_formats` reads
the text), resolves people, colours health, applies ``check_in_rules``, attaches contacts from
a second export (:mod:`tacal.config.contacts`), and hands every row to the same
:func:`~tacal.config.accounts.account_from_mapping` the ``[[account]]`` tables go through. So
the same accounts give the same calendar from TOML, from the plain CSV, or from an export.

The steps follow the file: the settings (:mod:`tacal.config.crm_settings`), then what the
header and whole columns decide once (:mod:`tacal.config.crm_columns`: which column is which
field, how each date column is written), then each row on its own
(:mod:`tacal.config.crm_rows`: cells to values, people resolved). This module reads the file,
walks the rows through those steps and reports how the export was read.

Every bad cell is reported as ``FILE:LINE: Header: problem`` (the header as the export writes
it), every problem with the table itself at its line in tacal.toml.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tacal.config import crm_formats as fmt
from tacal.config.accounts import _unique_account, account_from_mapping
from tacal.config.accounts_csv import CsvChecker
from tacal.config.contacts import read_contacts
from tacal.config.crm_columns import date_columns, map_columns
from tacal.config.crm_rows import PeopleIndex, RowChecker, Rows
from tacal.config.crm_settings import FIELDS, read_settings
from tacal.config.locate import Checker
from tacal.errors import Problem
from tacal.model import Account, AccountsImport, Person


def read_crm_accounts(
    c: Checker,
    table: dict[str, Any],
    base: Path,
    people: dict[str, Person],
    seen: dict[str, Account],
) -> tuple[list[Account], AccountsImport | None]:
    """Accounts from the export ``[accounts]`` names, and how it was read.

    ``people`` gains the people ``add_people`` creates; ``seen`` (accounts by UID slug) spans
    every source, so names stay unique.
    """
    s = read_settings(c, table, base)
    if s is None:
        return [], None
    contacts = read_contacts(c, s.contacts, base) if s.contacts is not None else None
    try:
        data = fmt.load_table(s.path, s.delimiter, s.encoding)
    except fmt.TableError as exc:
        c.problems.append(Problem(f"{s.path}:{exc.line}" if exc.line else str(s.path), exc.message))
        return [], None
    m = map_columns(c, s, data)
    if m is None:
        return [], None
    dates = date_columns(c, s, data, m)
    if dates is None:
        return [], None
    if m.unused:
        CsvChecker(s.path, c.problems).warn(
            (data.header_line,),
            f"columns not read: {', '.join(m.unused)}; to read one, map "
            "it in the columns of the accounts table",
        )
    rc = RowChecker(s.path, c.problems, m.label)
    index = PeopleIndex(people, s.add_people, s.domains)
    rows = Rows(s, rc, index, dates, contacts)
    width = len(data.header)
    out: list[Account] = []
    names: list[str] = []
    for line, cells in data.rows:
        if len(cells) > width and any(x.strip() for x in cells[width:]):
            rc.error(
                (line,),
                f"row has {len(cells)} cells but the header has {width}; quote "
                f"cells that contain a {fmt.DELIMITER_NAMES.get(data.delimiter, 'delimiter')}",
            )
            continue
        cell = {t: (cells[i].strip() if i < len(cells) else "") for t, i in m.index.items()}
        rc.silenced = set()
        before = rc.count
        entry = rows.entry(line, cell)
        account = account_from_mapping(rc, (line,), entry, people, {})
        if account is None or rc.count > before:
            continue
        if _unique_account(rc, (line,), account, seen):
            out.append(account)
            names.append(account.name)
    for key, line, role in index.added:
        person = people[key]
        rc.warn(
            (line, role),
            f"added person {key} ({person.name}, {person.email}, role {role}) "
            "because add_people is on; add it to the people tables to keep it",
        )
    used = 0
    if contacts is not None:
        known = {n.casefold() for n in names} | {a.name.casefold() for a in seen.values()}
        used = contacts.used(known)
        stray = [(line, n) for f, (line, n) in contacts.first_line.items() if f not in known]
        if stray:
            shown = ", ".join(repr(n) for _, n in stray[:3]) + (", ..." if len(stray) > 3 else "")
            CsvChecker(contacts.file, c.problems).warn(
                (stray[0][0],),
                f"{len(stray)} account name(s) match no account ({shown}); their rows are ignored",
            )
    columns = [(t, m.label[t]) for t in FIELDS if t in m.index]
    if "check_in" not in m.index and s.rules:
        columns.append(("check_in", "check_in_rules"))
    if contacts is not None:
        columns.append(("contacts", contacts.file.name))
    return out, AccountsImport(
        file=s.path,
        preset=s.preset,
        encoding=data.encoding,
        delimiter=data.delimiter,
        columns=tuple(columns),
        unused=tuple(m.unused),
        date_formats=tuple((m.label[t], f) for t, (_, f) in dates.items()),
        names=tuple(names),
        added_people=tuple(k for k, _, _ in index.added),
        contacts_file=contacts.file if contacts else None,
        contacts_rows=used,
        footer_lines=data.footer_lines,
    )


__all__ = ["read_crm_accounts"]
