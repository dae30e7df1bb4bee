"""The ``[accounts]`` table itself: which export, which preset and column names, and the rules
that turn its cells into tacal's values (health scale and labels, check-in rules). Read once,
located at its line in tacal.toml; :mod:`tacal.config.crm_columns` and
:mod:`tacal.config.crm_rows` apply it to the columns and the rows."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tacal.config import crm_formats as fmt
from tacal.config.contacts import (
    delimiter_option,
    encoding_option,
)
from tacal.config.locate import Checker
from tacal.model import CHECK_INS, HEALTHS

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
