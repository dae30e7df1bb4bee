"""Accounts: the ``[[account]]`` tables, and the same validation for each row of an accounts CSV.

:func:`account_from_mapping` checks one account whether it came from TOML or from a CSV row
(where every cell is text), so the same values give the same account either way. Account names
must be unique across both sources, because they make the event UIDs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from tacal.config import clock_keys
from tacal.config.locate import Checker
from tacal.config.values import (
    EMAIL_RE,
    bool_value,
    check_text,
    closest,
    date_in_range,
    did_you_mean,
    str_list,
)
from tacal.errors import Problem
from tacal.model import CHECK_INS, HEALTHS, Account, Person, slug

ACCOUNT_KEYS = {
    "name",
    "ta",
    "ae",
    "ce",
    "sdr",
    "contacts",
    "check_in",
    "arr",
    "renewal",
    "health",
    "expansion",
    "onboarding_start",
    "timezone",
    "hours",
    "workdays",
}


class AccountChecker(Protocol):
    """What account validation needs: the config's :class:`Checker` or a CSV's ``CsvChecker``."""

    problems: list[Problem]

    def where(self, *key: Any) -> str: ...

    def error(self, key: tuple[Any, ...], message: str) -> None: ...


def _person_ref(
    c: AccountChecker,
    key: tuple[Any, ...],
    value: Any,
    role: str,
    people: dict[str, Person],
    by_email: dict[str, str],
    required: bool,
) -> str | None:
    """A person key for an account's ``ta``/``ae``/``ce``/``sdr`` cell.

    CRM exports name owners by email, tacal.toml by key: both resolve to the key of a person with
    the matching role, so fan-out (per TA / AE) and feeds see the same person either way. A CE or
    SDR who is not on the team may stay a bare email.
    """
    if value is None or value == "":
        if required:
            c.error(
                key,
                f"missing; name the account's {role.upper()} (a [people] key or email "
                f'of someone with role = "{role}")',
            )
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
        c.error(
            key,
            f'unknown person {value!r}; add [people.KEY] with role = "{role}" or use '
            "the key or email of someone listed there"
            + (f" (did you mean {hint!r}?)" if hint else ""),
        )
        return None
    if person.role != role:
        c.error(
            key,
            f'{value!r} has role {person.role!r}, not {role!r}; name a person with role = "{role}"',
        )
        return None
    return ref


def account_from_mapping(
    c: AccountChecker,
    key: tuple[Any, ...],
    entry: dict[str, Any],
    people: dict[str, Person],
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
    check_text(c, (*key, "name"), name)
    refs = {
        role_key: _person_ref(
            c,
            (*key, role_key),
            entry.get(role_key),
            role_key,
            people,
            by_email,
            required=role_key in ("ta", "ae"),
        )
        for role_key in ("ta", "ae", "ce", "sdr")
    }
    contacts_raw = entry.get("contacts", [])
    if isinstance(contacts_raw, str):
        contacts_raw = [x.strip() for x in contacts_raw.split(";") if x.strip()]
    contacts = str_list(c, (*key, "contacts"), contacts_raw)
    for addr in contacts:
        if not EMAIL_RE.match(addr):
            c.error(
                (*key, "contacts"),
                f"{addr!r} is not an email address; separate several with semicolons",
            )
    check_in = entry.get("check_in", "monthly") or "monthly"
    if isinstance(check_in, str):
        check_in = check_in.strip().lower()
    if check_in not in CHECK_INS:
        c.error(
            (*key, "check_in"),
            f"{check_in!r}{did_you_mean(check_in, CHECK_INS)}: use one of {' | '.join(CHECK_INS)}",
        )
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
    renewal = (
        date_in_range(c, (*key, "renewal"), entry["renewal"]) if entry.get("renewal") else None
    )
    health = str(entry.get("health", "green") or "green").strip().lower()
    if health not in HEALTHS:
        c.error(
            (*key, "health"), f"{health!r}{did_you_mean(health, HEALTHS)}: use green, yellow or red"
        )
    expansion = bool_value(c, (*key, "expansion"), entry.get("expansion", False))
    onboarding = (
        date_in_range(c, (*key, "onboarding_start"), entry["onboarding_start"])
        if entry.get("onboarding_start")
        else None
    )
    tz = (
        clock_keys.zone(c, (*key, "timezone"), str(entry["timezone"]).strip())
        if entry.get("timezone")
        else None
    )
    own_hours = clock_keys.hours(c, (*key, "hours"), entry["hours"]) if entry.get("hours") else None
    days_raw = entry.get("workdays")
    if isinstance(days_raw, str):
        days_raw = [d for d in days_raw.replace(",", ";").split(";") if d.strip()]
    own_days = clock_keys.workdays(c, (*key, "workdays"), days_raw) if days_raw else None
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
        timezone=tz,
        hours=own_hours,
        workdays=own_days,
    )


def _unique_account(
    c: AccountChecker, key: tuple[Any, ...], account: Account, seen: dict[str, Account]
) -> bool:
    """False (with an error) when another account has the same name or the same UID slug."""
    other = seen.get(slug(account.name))
    if other is None:
        seen[slug(account.name)] = account
        return True
    if other.name.casefold() == account.name.casefold():
        why = f"duplicate account {account.name!r} (also {other.where})"
    else:
        why = f"{account.name!r} and {other.name!r} ({other.where}) make the same event UIDs"
    c.error((*key, "name"), f"{why}; account names must be unique: rename or remove one")
    return False


def read_accounts(
    c: Checker, data: Any, people: dict[str, Person], seen: dict[str, Account]
) -> list[Account]:
    """The ``[[account]]`` tables without errors; ``seen`` (by UID slug) spans TOML and CSV."""
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


def read_accounts_csv(
    c: Checker, value: Any, base: Path, people: dict[str, Person], seen: dict[str, Account]
) -> list[Account]:
    """Accounts from ``accounts = "accounts.csv"`` (relative to the config file)."""
    from tacal.config.accounts_csv import CsvChecker, load_csv  # only when a config names a CSV

    if value is None:
        return []
    if not isinstance(value, str) or not value.strip():
        c.error(("accounts",), 'must be the path of a CSV file, e.g. accounts = "accounts.csv"')
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
