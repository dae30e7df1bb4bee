"""One row of a CRM export -> the mapping :func:`~tacal.config.accounts.account_from_mapping`
validates.

Cell by cell, with the column decisions of :mod:`tacal.config.crm_columns` fixed: people
written as keys, e-mails or display names are resolved (:class:`PeopleIndex`, which may add
people with ``add_people``), amounts, dates and health scores are read in the export's
locale (:mod:`tacal.config.crm_formats` reads the text), and ``check_in_rules`` fill a
missing check-in. Every bad cell is reported at ``FILE:LINE: Header`` (:class:`RowChecker`).
Kept apart from :mod:`tacal.config.crm`, which reads the file and walks the rows.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from tacal.config import crm_formats as fmt
from tacal.config.accounts_csv import CsvChecker
from tacal.config.contacts import Contacts
from tacal.config.crm_settings import (
    _ANGLED,
    _CHECK_IN_WORDS,
    DATE_FIELDS,
    PERSON_FIELDS,
    Settings,
    _fold,
)
from tacal.config.values import EMAIL_RE
from tacal.errors import Problem
from tacal.model import CHECK_INS, HEALTHS, Person


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


__all__ = ["PeopleIndex", "RowChecker", "Rows"]
