"""Which column of a CRM export is which field, and how each date column is written.

Decided once per file, from the header and whole columns, before any row is read: the
preset's header names, then ``columns``, then tacal's own names (:func:`map_columns`), then
per date column M/D or D/M from the values it holds (:func:`date_columns`). Kept apart from
:mod:`tacal.config.crm_rows`, which reads one row at a time with these decisions fixed;
problems here are about the file or the ``[accounts]`` table, never about one row.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from tacal.config import crm_formats as fmt
from tacal.config.accounts_csv import CsvChecker
from tacal.config.contacts import header_key
from tacal.config.crm_settings import (
    _EXAMPLES,
    _WHAT,
    DATE_FIELDS,
    FIELDS,
    PRESETS,
    REQUIRED,
    Settings,
)
from tacal.config.locate import Checker


@dataclass
class Mapping:
    """Where each field is read: its column index, the export's header for it, and the
    columns nothing reads."""

    index: dict[str, int]
    label: dict[str, str]
    unused: list[str]


def map_columns(c: Checker, s: Settings, table: fmt.Table) -> Mapping | None:
    header = [h.strip() for h in table.header]
    file = CsvChecker(s.path, c.problems)
    positions: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        if h:
            positions.setdefault(header_key(h), []).append(i)
    listing = ", ".join(h for h in header if h)
    index: dict[str, int] = {}
    ok = True

    def take(target: str, pos: list[int]) -> None:
        nonlocal ok
        if len(pos) > 1:
            file.error(
                (table.header_line, header[pos[0]]),
                f"column appears more than once; keep one (it is read as {target})",
            )
            ok = False
        index[target] = pos[0]

    for target, wanted in s.columns.items():
        pos = positions.get(header_key(wanted))
        if not pos:
            hint = difflib.get_close_matches(wanted, header, n=1, cutoff=0.6)
            c.error(
                ("accounts", "columns", target),
                f"{wanted!r} is not a column of "
                f"{s.path.name}"
                + (f"; did you mean {hint[0]!r}?" if hint else "")
                + f" (its columns: {listing})",
            )
            ok = False
        else:
            take(target, pos)
    taken = set(index.values())
    for target in FIELDS:
        if target in s.columns:
            continue
        for candidate in (*PRESETS.get(s.preset or "", {}).get(target, ()), target):
            pos = positions.get(header_key(candidate))
            if pos and pos[0] not in taken:
                take(target, pos)
                taken.add(pos[0])
                break
    for target in REQUIRED:
        if target not in index and target not in s.columns:
            preset = f" (the {s.preset} export has none)" if s.preset else ""
            c.error(
                ("accounts", "columns"),
                f"no column for {target}, {_WHAT[target]}{preset}: "
                f'map one, e.g. columns = {{ {target} = "{_EXAMPLES[target]}" }} '
                f"({s.path.name}'s columns: {listing})",
            )
            ok = False
    if any(r.tiers for r in s.rules) and "tier" not in index and "tier" not in s.columns:
        c.error(
            ("accounts", "check_in_rules"),
            "a rule names a tier but no column is read as "
            'tier; map one, e.g. columns = { tier = "Segment" }',
        )
        ok = False
    if not ok:
        return None
    unused = [h for i, h in enumerate(header) if h and i not in set(index.values())]
    return Mapping(index, {t: header[i] for t, i in index.items()}, unused)


def date_columns(
    c: Checker, s: Settings, table: fmt.Table, m: Mapping
) -> dict[str, tuple[str | None, str]] | None:
    """(how to read A/B/YYYY, what the column holds) per date field; None on a column error."""
    file = CsvChecker(s.path, c.problems)
    columns = {
        t: [cells[m.index[t]] for _, cells in table.rows if m.index[t] < len(cells)]
        for t in DATE_FIELDS
        if t in m.index
    }
    found: dict[str, tuple[str | None, str | None]] = {}
    for target, values in columns.items():
        if s.date_format:
            found[target] = (s.date_format, None)
        elif fmt.has_slash_dates(values):
            found[target] = fmt.slash_order(values)
        else:
            found[target] = (
                fmt.DOTS if any(re.match(r"^\d{1,2}\.", v.strip()) for v in values) else fmt.ISO,
                None,
            )
    decided = {t: f for t, (f, _) in found.items() if f in (fmt.MDY, fmt.DMY)}
    ok = True
    for target, (order, example) in found.items():
        where = (table.header_line, m.label[target])
        if order == "both":
            file.error(
                where,
                f"dates in this column are read both ways ({example}); write them "
                'one way or set date_format = "M/D/YYYY" or "D/M/YYYY" in [accounts]',
            )
            ok = False
        elif order is None and example is None:
            found[target] = (fmt.MDY, None)  # every value reads the same either way
        elif order is None and len(set(decided.values())) == 1:
            found[target] = (next(iter(decided.values())), None)
        elif order is None:
            file.error(
                where,
                f"ambiguous dates: {example} could be M/D/YYYY or D/M/YYYY and no "
                'date in this file has a day above 12; set date_format = "M/D/YYYY" or '
                '"D/M/YYYY" in [accounts]',
            )
            ok = False
    if len(set(decided.values())) > 1:
        first, second = sorted(decided)
        file.error(
            (table.header_line, m.label[second]),
            f"dates read {decided[second]} here but "
            f"{decided[first]} in {m.label[first]}; set date_format in [accounts]",
        )
        ok = False
    if not ok:
        return None
    return {
        t: (f if f in (fmt.MDY, fmt.DMY) else None, f or fmt.ISO) for t, (f, _) in found.items()
    }


__all__ = ["Mapping", "date_columns", "map_columns"]
