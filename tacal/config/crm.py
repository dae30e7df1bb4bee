"""Accounts straight from a CRM export: the ``[accounts]`` table.

A CRM or customer-success export names its columns its own way, carries columns tacal has no
use for, writes people as display names, dates and amounts in the user's locale, health as a
score, and has no check-in frequency and no customer e-mails. This module bridges that gap and
nothing more: it maps columns (a preset's header names, then ``columns``, then tacal's own
names), turns each cell into the value tacal expects (:mod:`tacal.config.crm_formats` reads
the text), resolves people, colours health, applies ``check_in_rules``, attaches contacts from
a second export (:mod:`tacal.config.contacts`), and hands every row to the same
:func:`~tacal.config.accounts.account_from_mapping` the ``[[account]]`` tables go through. So
the same accounts give the same calendar from TOML, from the plain CSV, or from an export.

Every bad cell is reported as ``FILE:LINE: Header: problem`` (the header as the export writes
it), every problem with the table itself at its line in tacal.toml.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tacal.config import crm_formats as fmt
from tacal.config.accounts import _unique_account, account_from_mapping
from tacal.config.accounts_csv import CsvChecker
from tacal.config.contacts import (
    Contacts,
    delimiter_option,
    encoding_option,
    header_key,
    read_contacts,
)
from tacal.config.locate import Checker
from tacal.config.values import EMAIL_RE
from tacal.errors import Problem
from tacal.model import CHECK_INS, HEALTHS, Account, AccountsImport, Person

#: What a column can be mapped to: every account key, plus ``mrr`` (ARR = 12 x MRR when the
#: ARR cell is empty) and ``tier`` (read only by ``check_in_rules``).
FIELDS = (
    "name",
    "ta",
    "ae",
    "ce",
    "sdr",
    "contacts",
    "check_in",
    "arr",
    "mrr",
    "renewal",
    "health",
    "expansion",
    "onboarding_start",
    "timezone",
    "hours",
    "workdays",
    "tier",
)
REQUIRED = ("name", "ta", "ae")
PERSON_FIELDS = ("ta", "ae", "ce", "sdr")
DATE_FIELDS = ("renewal", "onboarding_start")
TABLE_KEYS = {
    "file",
    "preset",
    "columns",
    "delimiter",
    "encoding",
    "date_format",
    "decimal",
    "add_people",
    "internal_domains",
    "health_scale",
    "health_labels",
    "check_in_rules",
    "contacts",
}
RULE_KEYS = {"check_in", "health", "tier", "arr_at_least", "arr_below"}

#: Header names of each product's standard account export, by tacal field; the first one a
#: file has is read. Sources are listed in README.md (Accounts). Custom fields (a TA, a
#: renewal date in Salesforce or HubSpot) differ per company: map them with ``columns``.
PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    # Salesforce account report / list view: standard Account field labels.
    "salesforce": {"name": ("Account Name",), "ae": ("Account Owner",)},
    # HubSpot companies export: default company property labels.
    "hubspot": {"name": ("Company name",), "ae": ("Company owner",)},
    # Vitally account view export: account name, the key roles (Vitally's examples are
    # "Customer Success Manager" and "Account Executive"), health score (0-10), revenue.
    "vitally": {
        "name": ("Name", "Account Name"),
        "ta": ("Customer Success Manager", "CSM"),
        "ae": ("Account Executive",),
        "health": ("Health Score",),
        "renewal": ("Renewal Date", "Next Renewal Date"),
        "arr": ("ARR",),
        "mrr": ("MRR",),
    },
    # Gainsight Company object: standard fields.
    "gainsight": {
        "name": ("Company Name", "Name"),
        "ta": ("CSM",),
        "arr": ("ARR",),
        "mrr": ("MRR",),
        "renewal": ("Renewal Date",),
        "health": ("Health Score", "Current Score", "Overall Score"),
    },
}

_EXAMPLES = {"name": "Account Name", "ta": "Technical Advisor", "ae": "Account Owner"}
_WHAT = {"name": "the account's name", "ta": "its Technical Advisor", "ae": "its Account Executive"}
_ANGLED = re.compile(r"^[^<>]*<([^<>\s]+@[^<>\s]+)>\s*$")
_CHECK_IN_WORDS = {
    "fortnightly": "biweekly",
    "everytwoweeks": "biweekly",
    "everyotherweek": "biweekly",
    "everyothermonth": "bimonthly",
}


@dataclass(frozen=True)
class Rule:
    """One of ``check_in_rules``: every condition it has must hold."""

    check_in: str
    health: frozenset[str] | None = None
    tiers: frozenset[str] | None = None
    arr_at_least: float | None = None
    arr_below: float | None = None

    def matches(self, health: str, arr: float, tier: str) -> bool:
        return (
            (self.health is None or health in self.health)
            and (self.tiers is None or " ".join(tier.casefold().split()) in self.tiers)
            and (self.arr_at_least is None or arr >= self.arr_at_least)
            and (self.arr_below is None or arr < self.arr_below)
        )


@dataclass
class Settings:
    """The validated ``[accounts]`` table."""

    path: Path
    preset: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    delimiter: str | None = None
    encoding: str | None = None
    date_format: str | None = None
    decimal: str | None = None
    add_people: bool = False
    domains: set[str] | None = None
    scale: list[tuple[float, float, str]] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    contacts: Any = None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _scale(c: Checker, key: tuple[Any, ...], value: Any) -> list[tuple[float, float, str]]:
    example = "health_scale = { red = [0, 4], yellow = [5, 7], green = [8, 10] }"
    if value is None:
        return []
    if not isinstance(value, dict) or not value:
        c.error(key, f"must be a table of score ranges, e.g. {example}")
        return []
    bands = []
    for colour, span in value.items():
        if colour not in HEALTHS:
            c.error((*key, colour), f"{colour!r} is not a health; use green, yellow or red")
        elif (
            not isinstance(span, list)
            or len(span) != 2
            or not all(_number(x) for x in span)
            or span[0] > span[1]
        ):
            c.error(
                (*key, colour),
                f"must be [lowest, highest] score, e.g. {colour} = [0, 4], not {span!r}",
            )
        else:
            bands.append((float(span[0]), float(span[1]), colour))
    bands.sort()
    for (lo, hi, a), (lo2, _, b) in zip(bands, bands[1:], strict=False):
        if lo2 <= hi:
            c.error(
                key,
                f"{a} [{lo:g}, {hi:g}] and {b} (from {lo2:g}) overlap; a score must "
                "fall in one range",
            )
    return bands


def _labels(c: Checker, key: tuple[Any, ...], value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        c.error(
            key,
            "must be a table of label = colour, e.g. health_labels = "
            '{ "At Risk" = "red", "Healthy" = "green" }',
        )
        return {}
    out = {}
    for label, colour in value.items():
        if colour not in HEALTHS:
            c.error(
                (*key, label), f"{label!r} = {colour!r}: the colour must be green, yellow or red"
            )
        else:
            out[_fold(label)] = colour
    return out


def _names(
    c: Checker, key: tuple[Any, ...], value: Any, allowed: tuple[str, ...] | None, what: str
) -> frozenset[str] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        c.error(key, f"must be {what} or a list of them, not {value!r}")
        return None
    if allowed is not None:
        bad = [x for x in items if x not in allowed]
        if bad:
            c.error(key, f"{bad[0]!r}: use {' | '.join(allowed)}")
            return None
    return frozenset(_fold(x) for x in items)


def _rules(c: Checker, key: tuple[Any, ...], value: Any) -> list[Rule]:
    if value is None:
        return []
    example = (
        'check_in_rules = [ { health = "red", check_in = "weekly" }, { check_in = "monthly" } ]'
    )
    if not isinstance(value, list):
        c.error(key, f"must be a list of rules, e.g. {example}")
        return []
    rules = []
    for i, entry in enumerate(value):
        k = (*key, i)
        if not isinstance(entry, dict):
            c.error(k, f"each rule is a table, e.g. {example}")
            continue
        c.unknown_keys(k, entry, RULE_KEYS)
        check_in = entry.get("check_in")
        if check_in not in CHECK_INS:
            c.error(
                (*k, "check_in"),
                f"{check_in!r}: each rule needs check_in = one of {' | '.join(CHECK_INS)}",
            )
            continue
        health = (
            _names(c, (*k, "health"), entry["health"], HEALTHS, "a health")
            if "health" in entry
            else None
        )
        tiers = (
            _names(c, (*k, "tier"), entry["tier"], None, "a tier name") if "tier" in entry else None
        )
        bounds = {}
        for bound in ("arr_at_least", "arr_below"):
            if bound in entry and (not _number(entry[bound]) or entry[bound] < 0):
                c.error((*k, bound), f"must be an amount like 500000, not {entry[bound]!r}")
            bounds[bound] = float(entry[bound]) if _number(entry.get(bound)) else None
        rules.append(Rule(check_in, health, tiers, bounds["arr_at_least"], bounds["arr_below"]))
    return rules


def read_settings(c: Checker, table: dict[str, Any], base: Path) -> Settings | None:
    """The ``[accounts]`` table, or None (with problems located in tacal.toml)."""
    key = ("accounts",)
    before = len(c.problems)
    c.unknown_keys(key, table, TABLE_KEYS)
    name = table.get("file")
    if not isinstance(name, str) or not name.strip():
        c.error(
            (*key, "file"),
            'missing; name the export, e.g. file = "accounts.csv" (relative to the config file)',
        )
        return None
    s = Settings(base / name)
    preset = table.get("preset")
    if preset is not None and preset not in PRESETS:
        c.error(
            (*key, "preset"),
            f"{preset!r}: use one of {' | '.join(PRESETS)}, or leave it "
            "out and map columns yourself",
        )
    else:
        s.preset = preset
    columns = table.get("columns", {})
    if not isinstance(columns, dict):
        c.error(
            (*key, "columns"),
            'must be a table of field = "Header", e.g. columns = '
            '{ ta = "Technical Advisor", ae = "Account Owner" }',
        )
        columns = {}
    for target, header in columns.items():
        if target not in FIELDS:
            hint = difflib.get_close_matches(target, FIELDS, n=1, cutoff=0.6)
            c.error(
                (*key, "columns", target),
                f"{target!r} is not a field"
                + (f"; did you mean {hint[0]!r}?" if hint else "")
                + f" (fields: {', '.join(FIELDS)})",
            )
        elif not isinstance(header, str) or not header.strip():
            c.error((*key, "columns", target), f"must be a column header, not {header!r}")
        else:
            s.columns[target] = header
    s.delimiter = delimiter_option(c, (*key, "delimiter"), table.get("delimiter"))
    s.encoding = encoding_option(c, (*key, "encoding"), table.get("encoding"))
    date_format = table.get("date_format")
    if date_format is not None:
        if isinstance(date_format, str) and date_format.upper() in fmt.DATE_FORMATS:
            s.date_format = date_format.upper()
        else:
            c.error(
                (*key, "date_format"), f"{date_format!r}: use one of {' | '.join(fmt.DATE_FORMATS)}"
            )
    decimal = table.get("decimal")
    if decimal is not None:
        if decimal in (".", ","):
            s.decimal = decimal
        else:
            c.error((*key, "decimal"), f'{decimal!r}: use "." (1,200.50) or "," (1.200,50)')
    add = table.get("add_people", False)
    if not isinstance(add, bool):
        c.error((*key, "add_people"), f"must be true or false, not {add!r}")
    s.add_people = add is True
    domains = table.get("internal_domains")
    if domains is not None:
        if (
            not isinstance(domains, list)
            or not domains
            or not all(isinstance(d, str) and d.strip() for d in domains)
        ):
            c.error(
                (*key, "internal_domains"), 'must be a list of e-mail domains, e.g. ["example.com"]'
            )
        else:
            s.domains = {d.strip().lstrip("@").casefold() for d in domains}
    s.scale = _scale(c, (*key, "health_scale"), table.get("health_scale"))
    s.labels = _labels(c, (*key, "health_labels"), table.get("health_labels"))
    s.rules = _rules(c, (*key, "check_in_rules"), table.get("check_in_rules"))
    s.contacts = table.get("contacts")
    if any(p.severity == "error" for p in c.problems[before:]):
        return None
    if not s.path.is_file():
        c.error((*key, "file"), f"{s.path}: no such file; the path is relative to the config file")
        return None
    return s


class RowChecker(CsvChecker):
    """Locates a row's problems as ``FILE:LINE: Header`` (the export's own header name).

    A field whose cell this module already reported (``report``) is silenced for the rest of
    the row, so the shared validator does not add a second, less precise message about it.
    """

    def __init__(self, path: Path, problems: list[Problem], labels: dict[str, str]) -> None:
        super().__init__(path, problems)
        self.labels = labels
        self.silenced: set[str] = set()
        self.count = 0

    def where(self, *key: Any) -> str:
        line, *rest = key
        if rest:
            rest[0] = self.labels.get(rest[0], rest[0])
        return super().where(line, *rest)

    def error(self, key: tuple[Any, ...], message: str) -> None:
        if len(key) > 1 and key[1] in self.silenced:
            return
        self.count += 1
        super().error(key, message)

    def report(self, line: int, name: str, message: str) -> None:
        self.error((line, name), message)
        self.silenced.add(name)


class PeopleIndex:
    """People by key, e-mail and display name (any case); ``add_people`` adds internal e-mails."""

    def __init__(self, people: dict[str, Person], add: bool, domains: set[str] | None) -> None:
        self.people = people
        self.add = add
        self.domains = (
            domains
            if domains is not None
            else {p.email.rsplit("@", 1)[-1].casefold() for p in people.values()}
        )
        self.added: list[tuple[str, int, str]] = []
        self._index()

    def _index(self) -> None:
        self.by: dict[str, list[str]] = {}
        self.spelled: dict[str, str] = {}  # how each token is written, for "did you mean"
        for p in self.people.values():
            for written in (p.key, p.email, p.name):
                token = _fold(written)
                if p.key not in self.by.setdefault(token, []):
                    self.by[token].append(p.key)
                self.spelled.setdefault(token, written)

    def resolve(self, rc: RowChecker, line: int, role: str, cell: str) -> str | None:
        """The person key for ``cell`` (or a bare outside e-mail for a CE/SDR); None after
        reporting why there is none. ``Name <e-mail>`` is read as the e-mail."""
        angled = _ANGLED.match(cell)
        if angled:
            cell = angled.group(1)
        if cell in self.people:
            return self._role(rc, line, role, cell, cell)
        keys = self.by.get(_fold(cell), [])
        if len(keys) > 1:
            same = [k for k in keys if self.people[k].role == role]
            if len(same) == 1:
                return same[0]
            rc.report(
                line,
                role,
                f"{cell!r} could be any of {', '.join(sorted(keys))}; use the "
                "person's key or e-mail",
            )
            return None
        if keys:
            return self._role(rc, line, role, cell, keys[0])
        is_email = bool(EMAIL_RE.match(cell))
        internal = is_email and cell.rsplit("@", 1)[-1].casefold() in self.domains
        if internal and self.add:
            return self._create(rc, line, role, cell)
        if is_email and role in ("ce", "sdr"):
            return cell  # a CE or SDR who is not on the team stays a bare e-mail
        hint = difflib.get_close_matches(_fold(cell), list(self.by), n=1, cutoff=0.7)
        how = (
            " or set add_people = true in [accounts]"
            if internal
            else f" (add_people only adds e-mails at {', '.join(sorted(self.domains))})"
            if is_email and self.add
            else ""
        )
        rc.report(
            line,
            role,
            f"unknown person {cell!r}: no [people] entry has this key, e-mail "
            f'or name; add [people.KEY] with role = "{role}"{how}'
            + (f" (did you mean {self.spelled[hint[0]]!r}?)" if hint else ""),
        )
        return None

    def _role(self, rc: RowChecker, line: int, role: str, cell: str, key: str) -> str | None:
        person = self.people[key]
        if person.role == role:
            return key
        rc.report(
            line,
            role,
            f"{cell!r} is people.{key}, whose role is {person.role!r}, not "
            f'{role!r}; name a person with role = "{role}"',
        )
        return None

    def _create(self, rc: RowChecker, line: int, role: str, email: str) -> str:
        local = email.rsplit("@", 1)[0]
        base = re.sub(r"[^a-z0-9_-]+", "-", local.casefold()).strip("-") or "person"
        key, n = base, 1
        while key in self.people:
            n += 1
            key = f"{base}-{n}"
        name = " ".join(w.capitalize() for w in re.split(r"[._\-+]+", local) if w) or key
        self.people[key] = Person(key=key, name=name, email=email, role=role)
        self.added.append((key, line, role))
        self._index()
        return key


@dataclass
class Mapping:
    index: dict[str, int]
    label: dict[str, str]
    unused: list[str]


def _map_columns(c: Checker, s: Settings, table: fmt.Table) -> Mapping | None:
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


def _date_columns(
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


def _check_in(text: str) -> str:
    word = re.sub(r"[\s\-_]+", "", text.casefold())
    word = _CHECK_IN_WORDS.get(word, word)
    return word if word in CHECK_INS else text


class Rows:
    """Turns one export row into the mapping :func:`account_from_mapping` validates."""

    def __init__(
        self,
        s: Settings,
        rc: RowChecker,
        people: PeopleIndex,
        dates: dict[str, tuple[str | None, str]],
        contacts: Contacts | None,
    ) -> None:
        self.s, self.rc, self.people, self.dates, self.contacts = s, rc, people, dates, contacts

    def amount(self, line: int, target: str, text: str) -> float | None:
        try:
            return fmt.amount(text, self.s.decimal)
        except ValueError:
            self.rc.report(
                line,
                target,
                f"{text!r} is not an amount; write a number like "
                "120000 (currency signs and thousands separators are fine)",
            )
            return None

    def date(self, line: int, target: str, text: str) -> Any:
        slash, _ = self.dates[target]
        try:
            return fmt.parse_date(text, slash or self.s.date_format, self.s.date_format)
        except ValueError:
            self.rc.report(
                line, target, f"{text!r} is not a date; " + fmt.date_hint(self.s.date_format, slash)
            )
            return None

    def health(self, line: int, text: str) -> str | None:
        if not text:
            return None
        folded = _fold(text)
        if folded in self.s.labels:
            return self.s.labels[folded]
        if folded in HEALTHS:
            return folded
        try:
            score = fmt.amount(text, self.s.decimal)
        except ValueError:
            self.rc.report(
                line,
                "health",
                f"{text!r}: use green, yellow or red, or name its "
                f'colour with health_labels = {{ "{text}" = "red" }} in [accounts]',
            )
            return None
        bands = self.s.scale
        if not bands:
            self.rc.report(
                line,
                "health",
                f"{text!r} is a score; say which scores are which "
                "colour, e.g. health_scale = { red = [0, 4], yellow = [5, 7], "
                "green = [8, 10] } in [accounts]",
            )
            return None
        if bands[0][0] <= score <= max(hi for _, hi, _ in bands):
            return [colour for lo, _, colour in bands if lo <= score][-1]
        spans = ", ".join(f"{colour} [{lo:g}, {hi:g}]" for lo, hi, colour in bands)
        self.rc.report(line, "health", f"{text!r} is outside health_scale ({spans})")
        return None

    def entry(self, line: int, cell: dict[str, str]) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": cell.get("name", "")}
        for role in PERSON_FIELDS:
            if cell.get(role):
                ref = self.people.resolve(self.rc, line, role, cell[role])
                if ref is not None:
                    entry[role] = ref
        emails = [x for x in re.split(r"[;,\s]+", cell.get("contacts", "")) if x]
        if self.contacts and entry["name"]:
            seen = {e.casefold() for e in emails}
            emails += [
                e
                for e in self.contacts.emails.get(entry["name"].casefold(), [])
                if e.casefold() not in seen
            ]
        entry["contacts"] = emails
        arr = None
        if cell.get("arr"):
            arr = self.amount(line, "arr", cell["arr"])
        elif cell.get("mrr"):
            mrr = self.amount(line, "mrr", cell["mrr"])
            arr = None if mrr is None else mrr * 12
        if arr is not None:
            entry["arr"] = arr
        for target in DATE_FIELDS:
            if cell.get(target):
                day = self.date(line, target, cell[target])
                if day is not None:
                    entry[target] = day
        health = self.health(line, cell.get("health", ""))
        if health is not None:
            entry["health"] = health
        if cell.get("check_in"):
            entry["check_in"] = _check_in(cell["check_in"])
        else:
            rule = next(
                (
                    r
                    for r in self.s.rules
                    if r.matches(health or "green", arr or 0.0, cell.get("tier", ""))
                ),
                None,
            )
            if rule is not None:
                entry["check_in"] = rule.check_in
        for target in ("expansion", "timezone", "hours", "workdays"):
            if cell.get(target):
                entry[target] = cell[target]
        return entry


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
    m = _map_columns(c, s, data)
    if m is None:
        return [], None
    dates = _date_columns(c, s, data, m)
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


__all__ = [
    "FIELDS",
    "PRESETS",
    "REQUIRED",
    "Rule",
    "Settings",
    "read_crm_accounts",
    "read_settings",
]
