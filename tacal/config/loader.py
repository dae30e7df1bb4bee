"""Find, read and parse ``tacal.toml`` into a validated :class:`~tacal.model.Config`.

:func:`parse` composes the section readers (team, people, cadences, accounts, feeds, sync) over
one :class:`~tacal.config.locate.Checker`: validation never stops at the first problem, so users
fix a config in one pass, not one error per run.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

from tacal.config import lock as lock_file
from tacal.config.accounts import read_accounts, read_accounts_csv
from tacal.config.cadences import read_cadences
from tacal.config.invite_settings import INVITE_KEYS, check_senders, invite_settings
from tacal.config.locate import Checker, belongs_in
from tacal.config.people import read_people
from tacal.config.settings import FEEDS_KEYS, SYNC_KEYS, feed_settings, sync_settings
from tacal.config.team import TEAM_KEYS, check_team_people, read_team, template_dirs
from tacal.config.values import closest
from tacal.errors import ConfigError, Problem
from tacal.model import ROLES, Account, Cadence, Config, Person

ENV_CONFIG = "TACAL_CONFIG"
DEFAULT_NAME = "tacal.toml"

#: Top-level keys and tables, one reader each in :func:`parse`.
TOP_KEYS: set[str] = {
    "team",
    "people",
    "cadence",
    "account",
    "accounts",
    "feeds",
    "sync",
    "invite",
}


def default_config_text() -> str:
    """The built-in ``tacal.toml`` (what ``tacal init`` writes and what runs without a config)."""
    return resources.files("tacal").joinpath("default.toml").read_text(encoding="utf-8")


def find_config(explicit: str | None, cwd: Path | None = None) -> Path | None:
    """``--config``, else ``$TACAL_CONFIG``, else ``./tacal.toml``; None means the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    candidate = (cwd or Path.cwd()) / DEFAULT_NAME
    return candidate if candidate.is_file() else None


def load(path: Path | None) -> Config:
    """Load ``path`` (or the built-in default when None) into a validated :class:`Config`."""
    if path is None:
        return with_lock(parse(default_config_text(), None))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [Problem(str(path), "config file not found; run `tacal init` to create one")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(path), f"cannot read config: {exc}")]) from None
    return with_lock(parse(text, path))


def with_lock(config: Config) -> Config:
    """``config`` with its lock (:mod:`tacal.config.lock`) read in: every build then keeps what
    the lock remembers."""
    return replace(config, lock=lock_file.load(config))


def parse(text: str, path: Path | None) -> Config:
    """Validate TOML text; raises :class:`ConfigError` listing every error.

    Each reader checks its own table and reports to one checker, so every problem comes out in
    one run, in this order: unknown top-level keys, team, people, cadences, accounts (TOML, then
    CSV), templates, feeds, sync.
    """
    c = Checker(path, text)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        msg = re.sub(r"\s*\(at line.*\)", "", str(exc))
        where = f"{c.file}:{m.group(1)}" if m else c.file
        raise ConfigError(
            [
                Problem(
                    where,
                    f"TOML syntax error: {msg} (column {m.group(2) if m else '?'}); fix the syntax",
                )
            ]
        ) from None
    c.name_entries("cadence", raw.get("cadence"), "id")
    c.name_entries("account", raw.get("account"), "name")
    c.top_keys = TOP_KEYS
    for table, keys in (
        ("feeds", FEEDS_KEYS),
        ("sync", SYNC_KEYS),
        ("invite", INVITE_KEYS),
        ("team", TEAM_KEYS),
    ):
        for key in keys:
            c.homes.setdefault(key, []).append(table)
    for name in raw:
        if name not in TOP_KEYS:
            _unknown_top_level(c, name, raw)
    team = read_team(c, raw.get("team"))
    people = read_people(c, raw.get("people"), path.parent if path else Path.cwd())
    check_team_people(c, team, people)
    cadences = read_cadences(c, raw.get("cadence"), team, people)
    seen_accounts: dict[str, Account] = {}
    accounts = read_accounts(c, raw.get("account"), people, seen_accounts)
    crm = None
    csv_value = raw.get("accounts")
    if isinstance(csv_value, list):
        c.error(
            ("accounts",),
            "write accounts as [[account]] tables (singular); the top-level "
            'key accounts = "accounts.csv" names a CSV file instead',
        )
        csv_value = None
    if isinstance(csv_value, dict):  # [accounts]: a CRM export (tacal.config.crm)
        from tacal.config.crm import read_crm_accounts

        crm_accounts, crm = read_crm_accounts(
            c, csv_value, path.parent if path else Path.cwd(), people, seen_accounts
        )
        accounts += crm_accounts
    else:
        accounts += read_accounts_csv(
            c, csv_value, path.parent if path else Path.cwd(), people, seen_accounts
        )
    base = path.parent if path else None
    templates = template_dirs(c, raw.get("team"), base)
    feeds = feed_settings(c, raw.get("feeds"))
    sync = sync_settings(c, raw.get("sync"), base)
    invite = invite_settings(c, raw.get("invite"), base)
    organizers = {o for o in [team.organizer, *(k.organizer for k in cadences)] if o}
    check_senders(c, invite, people, organizers)
    csv_name = raw.get("accounts")
    accounts_file = (
        (base or Path.cwd()) / csv_name
        if isinstance(csv_name, str) and csv_name.strip()
        else crm.file
        if crm
        else None
    )
    c.problems[:] = _without_consequences(c, raw.get("people"), people)
    c.problems += _external_without_contacts(cadences, accounts)
    errors = [p for p in c.problems if p.severity == "error"]
    if errors:
        raise ConfigError(c.problems)
    return Config(
        team=team,
        people=people,
        cadences=cadences,
        accounts=accounts,
        path=path,
        template_dirs=templates,
        feeds=feeds,
        sync=sync,
        invite=invite,
        accounts_file=accounts_file,
        accounts_import=crm,
        warnings=tuple(p for p in c.problems if p.severity == "warning"),
    )


def _unknown_top_level(c: Checker, name: str, raw: dict[str, Any]) -> None:
    """An unknown top-level key or table: the one meant, or the table the key belongs in."""
    value = raw[name]
    is_table = isinstance(value, dict)
    is_array = isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    hint = closest(name, TOP_KEYS)
    if is_table or is_array:
        sub = next(iter(value), None) if is_table else None
        nested = is_table and sub is not None and all(isinstance(v, dict) for v in value.values())
        tail = f".{sub}" if nested else ""
        brackets = ("[[", "]]") if is_array else ("[", "]")
        what = f"unknown table {brackets[0]}{name}{tail}{brackets[1]}"
        meant = f"{brackets[0]}{hint}{tail}{brackets[1]}" if hint else ""
    else:
        what, meant = f"unknown top-level key {name!r}", repr(hint) if hint else ""
    if hint:
        extra = f"; did you mean {meant}?"
        if hint not in raw:
            c.misspelt.add((hint,))  # so "missing [team] table" is not reported as well
        if hint == "people" and is_table:
            extra += " (until it is fixed, the people in it are not reported as unknown)"
            c.elsewhere.update(str(key).lower() for key in value)
            c.elsewhere.update(
                str(entry.get("email", "")).lower()
                for entry in value.values()
                if isinstance(entry, dict)
            )
    elif name in c.homes:
        extra = f"; {belongs_in(c.homes[name])}"
    else:
        extra = (
            "; the top-level keys and tables are accounts, [team], [people.KEY], "
            "[[cadence]], [[account]], [feeds], [sync] and [invite]"
        )
    c.error((name,), what + extra)


_UNKNOWN_PERSON = re.compile(r"^unknown person '([^']*)'")
_WRONG_ROLE = re.compile(r"^'([^']*)' has role 'other', not ")


def _without_consequences(c: Checker, raw_people: Any, people: dict[str, Person]) -> list[Problem]:
    """The problems minus those whose cause is already reported.

    - ``[people]`` misspelt (``[person.dana]``): an "unknown person" in the team, cadences,
      accounts or the accounts CSV that names someone in the misspelt table follows from it,
      and so does every one when there is no ``[people]`` table at all;
    - a person whose ``role`` is not a role: accounts naming them as TA/AE are not also
      "a person with role 'other'".
    """
    no_people = ("people",) in c.misspelt
    bad_role = {
        key
        for key, entry in (raw_people or {}).items()
        if isinstance(raw_people, dict)
        and isinstance(entry, dict)
        and entry.get("role", "other") not in ROLES
    }
    refs = {
        r for key in bad_role for r in (key.lower(), people[key].email.lower()) if key in people
    }
    out = []
    for p in c.problems:
        unknown = _UNKNOWN_PERSON.match(p.message)
        if (
            p.severity == "error"
            and unknown
            and (no_people or unknown.group(1).strip().lower() in c.elsewhere)
        ):
            continue
        wrong = _WRONG_ROLE.match(p.message)
        if p.severity == "error" and wrong and wrong.group(1).strip().lower() in refs:
            continue
        out.append(p)
    return out


def _external_without_contacts(cadences: list[Cadence], accounts: list[Account]) -> list[Problem]:
    """A warning for each account that an external cadence meets but that has no contacts:
    a "customer meeting" that invites nobody from the customer."""
    out = []
    for a in sorted(accounts, key=lambda a: (a.name.casefold(), a.name)):
        if a.contacts:
            continue
        meets = [
            c.id
            for c in cadences
            if c.per == "account"
            and c.kind == "external"
            and (
                c.rule not in ("touch-base", "onboarding", "renewal")
                or (c.rule == "touch-base" and a.check_in in ("bimonthly", "quarterly"))
                or (c.rule == "onboarding" and a.onboarding_start is not None)
                or (c.rule == "renewal" and a.renewal is not None)
            )
        ]
        if not meets:
            continue
        named = a.where.endswith(f"account {a.name!r}")  # a TOML table, not a CSV row
        what = "no contacts" if named else f"account {a.name!r} has no contacts"
        fix = (
            'add contacts = ["someone@customer.example"]' if named else "fill in its contacts cell"
        )
        meetings = (
            f"meeting {meets[0]!r} invites"
            if len(meets) == 1
            else f"meetings {', '.join(repr(m) for m in meets)} invite"
        )
        out.append(
            Problem(
                a.where,
                f"{what}, so the external {meetings} nobody from the customer; {fix}",
                "warning",
            )
        )
    return out


def warnings(config: Config) -> list[Problem]:
    """The located warnings found while loading ``config`` (it loaded, so no errors)."""
    return list(config.warnings)


def with_start(config: Config, start: dt.date) -> Config:
    """A copy whose team start is ``start`` (used when the config leaves start unset)."""
    return replace(config, team=replace(config.team, start=start))
