"""Load and validate ``tacal.toml``: every problem at once, each located as ``PATH:LINE``.

tomllib gives values but no positions, so a small line scanner (``_locate``) maps each
``(table, index, key)`` to the line where the user wrote it. Validation never stops at the first
problem: users fix a config in one pass, not one error per run.
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

from tacal.config.cadences import read_cadences
from tacal.config.locate import Checker
from tacal.config.people import read_people
from tacal.config.settings import feed_settings, sync_settings
from tacal.config.team import check_team_people, read_team, template_dirs
from tacal.config.values import (
    EMAIL_RE,
    bool_value,
    closest,
    date_in_range,
    str_list,
)
from tacal.errors import ConfigError, Problem
from tacal.model import (
    CHECK_INS,
    HEALTHS,
    Account,
    Config,
    Person,
)

ENV_CONFIG = "TACAL_CONFIG"
DEFAULT_NAME = "tacal.toml"

ACCOUNT_KEYS = {
    "name", "ta", "ae", "ce", "sdr", "contacts", "check_in", "arr", "renewal", "health",
    "expansion", "onboarding_start",
}
#: Top-level keys and tables; later features register theirs here (e.g. ``feeds``, ``sync``).
TOP_KEYS: set[str] = {"team", "people", "cadence", "account", "accounts", "feeds", "sync"}


def default_config_text() -> str:
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
        return parse(default_config_text(), None)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [Problem(str(path), "config file not found; run `tacal init` to create one")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(path), f"cannot read config: {exc}")]) from None
    return parse(text, path)


# --------------------------------------------------------------------------- sections


def _person_ref(c: Checker | Any, key: tuple[Any, ...], value: Any, role: str,
                people: dict[str, Person], by_email: dict[str, str], required: bool) -> str | None:
    """A person key for an account's ``ta``/``ae``/``ce``/``sdr`` cell.

    CRM exports name owners by email, tacal.toml by key: both resolve to the key of a person with
    the matching role, so fan-out (per TA / AE) and feeds see the same person either way. A CE or
    SDR who is not on the team may stay a bare email.
    """
    if value is None or value == "":
        if required:
            c.error(key, f"missing; name the account's {role.upper()} (a [people] key or email "
                    f"of someone with role = \"{role}\")")
        return None
    if not isinstance(value, str):
        c.error(key, f"must be a person key or email, not {value!r}")
        return None
    ref = by_email.get(value.strip().lower(), value.strip())
    person = people.get(ref)
    if person is None:
        if "@" in ref and not required and EMAIL_RE.match(ref):
            return ref
        hint = closest(ref, set(people))
        c.error(key, f"unknown person {value!r}; add [people.KEY] with role = \"{role}\" or use "
                "the key or email of someone listed there" + (
                    f" (did you mean {hint!r}?)" if hint else ""))
        return None
    if person.role != role:
        c.error(key, f"{value!r} has role {person.role!r}, not {role!r}; name a person with "
                f"role = \"{role}\"")
        return None
    return ref


def account_from_mapping(
    c: Checker | Any, key: tuple[Any, ...], entry: dict[str, Any], people: dict[str, Person],
    by_email: dict[str, str] | None = None,
) -> Account | None:
    """Validate one account (a TOML table or a CSV row); None when it has errors.

    CSV cells are all strings, so every field accepts its text form too (``"true"``,
    ``"2027-04-30"``, ``"$120,000"``, ``"a@x.com; b@x.com"``): that is what makes a CSV row and a
    TOML table with the same values the same account.
    """
    before = len([p for p in c.problems if p.severity == "error"])
    if by_email is None:
        by_email = {p.email.lower(): p.key for p in people.values()}
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        c.error((*key, "name"), "missing; every account needs a name")
        name = "?"
    refs = {
        role_key: _person_ref(c, (*key, role_key), entry.get(role_key), role_key, people,
                              by_email, required=role_key in ("ta", "ae"))
        for role_key in ("ta", "ae", "ce", "sdr")
    }
    contacts_raw = entry.get("contacts", [])
    if isinstance(contacts_raw, str):
        contacts_raw = [x.strip() for x in contacts_raw.split(";") if x.strip()]
    contacts = str_list(c, (*key, "contacts"), contacts_raw)
    for addr in contacts:
        if not EMAIL_RE.match(addr):
            c.error((*key, "contacts"), f"{addr!r} is not an email address; separate several "
                    "with semicolons")
    check_in = entry.get("check_in", "monthly") or "monthly"
    if isinstance(check_in, str):
        check_in = check_in.strip().lower()
    if check_in not in CHECK_INS:
        c.error((*key, "check_in"), f"{check_in!r}: use one of {' | '.join(CHECK_INS)}")
    arr_raw = entry.get("arr", 0)
    arr = 0.0
    try:
        if isinstance(arr_raw, bool):
            raise ValueError
        arr = float(str(arr_raw).replace(",", "").replace("$", "")) if arr_raw != "" else 0.0
        if arr < 0 or arr != arr or arr == float("inf"):
            raise ValueError
    except ValueError:
        c.error((*key, "arr"), f"{arr_raw!r} is not an amount; write a number like 120000")
    renewal = (date_in_range(c, (*key, "renewal"), entry["renewal"]) if entry.get("renewal")
               else None)
    health = str(entry.get("health", "green") or "green").strip().lower()
    if health not in HEALTHS:
        c.error((*key, "health"), f"{health!r}: use green, yellow or red")
    expansion = bool_value(c, (*key, "expansion"), entry.get("expansion", False))
    onboarding = (
        date_in_range(c, (*key, "onboarding_start"), entry["onboarding_start"])
        if entry.get("onboarding_start")
        else None
    )
    if len([p for p in c.problems if p.severity == "error"]) > before:
        return None
    return Account(
        name=name.strip(),
        ta=refs["ta"],
        ae=refs["ae"],
        ce=refs["ce"],
        sdr=refs["sdr"],
        contacts=tuple(contacts),
        check_in=check_in,
        arr=arr,
        renewal=renewal,
        health=health,
        expansion=expansion,
        onboarding_start=onboarding,
        where=c.where(*key),
    )


def _unique_account(c: Checker | Any, key: tuple[Any, ...], account: Account,
                    seen: dict[str, Account]) -> bool:
    """False (with an error) when another account has the same name or the same UID slug."""
    from tacal.model import slug

    other = seen.get(slug(account.name))
    if other is None:
        seen[slug(account.name)] = account
        return True
    if other.name.casefold() == account.name.casefold():
        why = f"duplicate account {account.name!r} (also {other.where})"
    else:
        why = (f"{account.name!r} and {other.name!r} ({other.where}) make the same event UIDs")
    c.error((*key, "name"), f"{why}; account names must be unique: rename or remove one")
    return False


def _accounts(c: Checker, data: Any, people: dict[str, Person],
              seen: dict[str, Account]) -> list[Account]:
    if data is None:
        return []
    if not isinstance(data, list):
        c.error(("account",), "write accounts as [[account]] tables")
        return []
    by_email = {p.email.lower(): p.key for p in people.values()}
    out = []
    for i, entry in enumerate(data):
        k = ("account", i)
        if not isinstance(entry, dict):
            c.error(k, "must be an [[account]] table")
            continue
        c.unknown_keys(k, entry, ACCOUNT_KEYS)
        acct = account_from_mapping(c, k, entry, people, by_email)
        if acct and _unique_account(c, k, acct, seen):
            out.append(acct)
    return out


def _accounts_csv(c: Checker, value: Any, base: Path, people: dict[str, Person],
                  seen: dict[str, Account]) -> list[Account]:
    """Accounts from ``accounts = "accounts.csv"`` (relative to the config file)."""
    from tacal.config.accounts_csv import CsvChecker, load_csv

    if value is None:
        return []
    if not isinstance(value, str) or not value.strip():
        c.error(("accounts",), "must be the path of a CSV file, e.g. accounts = \"accounts.csv\"")
        return []
    path = base / value
    if not path.is_file():
        c.error(("accounts",), f"{path}: no such file; the path is relative to the config file")
        return []
    by_email = {p.email.lower(): p.key for p in people.values()}

    def row(cc: CsvChecker, key: tuple[Any, ...], cells: dict[str, str]) -> Account | None:
        acct = account_from_mapping(cc, key, cells, people, by_email)
        return acct if acct and _unique_account(cc, key, acct, seen) else None

    return load_csv(path, c.problems, row)


def parse(text: str, path: Path | None) -> Config:
    """Validate TOML text; raises :class:`ConfigError` listing every error."""
    c = Checker(path, text)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        msg = re.sub(r"\s*\(at line.*\)", "", str(exc))
        where = f"{c.file}:{m.group(1)}" if m else c.file
        raise ConfigError([Problem(where, f"TOML syntax error: {msg} (column "
                                   f"{m.group(2) if m else '?'}); fix the syntax")]) from None
    for name in raw:
        if name not in TOP_KEYS:
            hint = closest(name, TOP_KEYS)
            c.error((name,), f"unknown top-level key {name!r}"
                    + (f"; did you mean {hint!r}?" if hint else ""))
    team = read_team(c, raw.get("team"))
    people = read_people(c, raw.get("people"))
    check_team_people(c, team, people)
    cadences = read_cadences(c, raw.get("cadence"), team, people)
    seen_accounts: dict[str, Account] = {}
    accounts = _accounts(c, raw.get("account"), people, seen_accounts)
    accounts += _accounts_csv(c, raw.get("accounts"), path.parent if path else Path.cwd(),
                              people, seen_accounts)
    base = path.parent if path else None
    templates = template_dirs(c, raw.get("team"), base)
    feeds = feed_settings(c, raw.get("feeds"))
    sync = sync_settings(c, raw.get("sync"), base)
    csv_name = raw.get("accounts")
    accounts_file = ((base or Path.cwd()) / csv_name
                     if isinstance(csv_name, str) and csv_name.strip() else None)
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
        accounts_file=accounts_file,
        warnings=tuple(p for p in c.problems if p.severity == "warning"),
    )


def warnings(config: Config) -> list[Problem]:
    return list(config.warnings)


def with_start(config: Config, start: dt.date) -> Config:
    """A copy whose team start is ``start`` (used when the config leaves start unset)."""
    return replace(config, team=replace(config.team, start=start))
