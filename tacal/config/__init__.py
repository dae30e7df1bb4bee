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
from zoneinfo import ZoneInfo

from tacal.config.locate import Checker
from tacal.config.people import read_people
from tacal.config.settings import feed_settings, sync_settings
from tacal.config.team import check_team_people, read_team, template_dirs
from tacal.config.values import (
    EMAIL_RE,
    ID_RE,
    bool_value,
    closest,
    date_in_range,
    int_key,
    str_list,
    time_value,
    weekday,
)
from tacal.errors import ConfigError, Problem
from tacal.model import (
    ACCOUNT_RULES,
    CHECK_INS,
    HEALTHS,
    KINDS,
    PER,
    RULES,
    Account,
    Cadence,
    Config,
    Person,
    Team,
)

ENV_CONFIG = "TACAL_CONFIG"
DEFAULT_NAME = "tacal.toml"

CADENCE_KEYS = {
    "id", "summary", "rule", "day", "week", "time", "duration", "attendees", "template",
    "description", "kind", "location", "per", "until", "enabled", "days_before",
    "workdays_after", "top3",
}
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


def _rrule_problem(rule: str, tz: str, start: dt.date) -> str | None:
    """Why a raw ``RRULE:...`` string is unusable, or None when it is fine."""
    from dateutil.rrule import rrulestr

    body = rule[len("RRULE:"):] if rule.upper().startswith("RRULE:") else rule
    if not body or "\n" in body or "DTSTART" in body.upper():
        return "write a single RRULE line such as \"RRULE:FREQ=WEEKLY;BYDAY=TU\" (no DTSTART)"
    parts = dict(p.split("=", 1) for p in body.upper().split(";") if "=" in p)
    if "FREQ" not in parts:
        return "an RRULE needs FREQ, e.g. \"RRULE:FREQ=WEEKLY;BYDAY=TU\""
    if parts["FREQ"] not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        return (f"FREQ={parts['FREQ']} is not a meeting cadence; use DAILY, WEEKLY, MONTHLY or "
                "YEARLY (the time comes from `time`)")
    if any(k in parts for k in ("BYHOUR", "BYMINUTE", "BYSECOND")):
        return "remove BYHOUR/BYMINUTE/BYSECOND: the meeting time comes from `time`"
    try:
        first = dt.datetime.combine(start, dt.time(12), tzinfo=ZoneInfo(tz))
        parsed = rrulestr(body, dtstart=first)
        horizon = first + dt.timedelta(days=5 * 366)
        if parsed.after(first, inc=True) is None or not parsed.between(first, horizon, inc=True):
            return "this RRULE never occurs (within five years of the start); check BY* parts"
    except (ValueError, TypeError) as exc:
        return f"invalid RRULE: {exc}"
    return None


def _cadences(c: Checker, data: Any, team: Team, people: dict[str, Person]) -> list[Cadence]:
    out: list[Cadence] = []
    if data is None:
        return out
    if not isinstance(data, list):
        c.error(("cadence",), "write cadences as [[cadence]] tables")
        return out
    seen: dict[str, int] = {}
    for i, entry in enumerate(data):
        k: tuple[Any, ...] = ("cadence", i)
        if not isinstance(entry, dict):
            c.error(k, "must be a [[cadence]] table")
            continue
        c.unknown_keys(k, entry, CADENCE_KEYS)
        before = len([p for p in c.problems if p.severity == "error"])
        cid = entry.get("id")
        if not isinstance(cid, str) or not ID_RE.match(cid):
            c.error((*k, "id"), f"{cid!r}: give every cadence a stable id of lowercase letters, "
                    "digits and dashes, e.g. \"team-check-in\"")
            cid = f"cadence-{i}"
        elif cid in seen:
            c.error((*k, "id"), f"duplicate id {cid!r} (also cadence[{seen[cid]}]); ids must "
                    "be unique because they make the event UIDs")
        seen.setdefault(cid, i)
        if entry.get("enabled", True) is False:
            continue
        summary = entry.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            c.error((*k, "summary"), "missing; give the meeting a title")
            summary = cid
        rule = entry.get("rule")
        if not isinstance(rule, str) or (rule not in RULES and rule not in ACCOUNT_RULES
                                         and not rule.upper().startswith("RRULE:")):
            c.error((*k, "rule"), f"{rule!r} is not a rule; use one of {' | '.join(RULES)} "
                    f"or a raw \"RRULE:...\" string (per-account: {' | '.join(ACCOUNT_RULES)})")
            rule = "weekly"
        elif rule.upper().startswith("RRULE:"):
            why = _rrule_problem(rule, team.timezone, team.start or dt.date(2027, 1, 1))
            if why:
                c.error((*k, "rule"), why)
        day = None
        if "day" in entry:
            day = weekday(c, (*k, "day"), entry["day"])
        week = entry.get("week")
        if week is not None:
            if not c.typed((*k, "week"), week, int, "an integer 1-5 or -1"):
                week = None
            elif week == 0 or not -5 <= week <= 5:
                c.error((*k, "week"), f"{week} is out of range; use 1-4 for the Nth weekday of "
                        "the period or -1 for the last")
                week = None
            elif week == 5 or week == -5:
                c.warn((*k, "week"), f"week = {week}: not every month has a "
                       f"{'5th' if week == 5 else '5th-from-last'} weekday; those months get no "
                       "meeting (use -1 for the last weekday of every month)")
        if rule in ("weekly", "biweekly") and day is None and "day" not in entry:
            c.error((*k, "day"), f"rule {rule!r} needs a weekday, e.g. day = \"TU\"")
        if rule in ("monthly", "bimonthly", "quarterly", "fiscal-quarterly"):
            if day is None and "day" not in entry:
                c.error((*k, "day"), f"rule {rule!r} needs day (and week), e.g. day = \"WE\", "
                        "week = 2 for the second Wednesday")
            if week is None and "week" not in entry:
                c.error((*k, "week"), f"rule {rule!r} needs week: 1-4 for the Nth weekday of "
                        "the month, -1 for the last")
        if rule in ("daily", "weekly", "biweekly") and week is not None:
            c.error((*k, "week"), f"week only applies to monthly-type rules, not {rule!r}")
        if rule == "daily" and day is not None:
            c.error((*k, "day"), "daily means every workday; remove day or use rule = \"weekly\"")
        if day is not None and rule in RULES and day not in team.workdays:
            c.warn((*k, "day"), f"{day} is not one of team.workdays")
        time = time_value(c, (*k, "time"), entry.get("time", "09:00"))
        duration = entry.get("duration", 30)
        if not c.typed((*k, "duration"), duration, int, "whole minutes, e.g. 30"):
            duration = 30
        elif not 1 <= duration <= 24 * 60:
            c.error((*k, "duration"), f"{duration} minutes is out of range; use 1-1440")
            duration = 30
        attendees = str_list(c, (*k, "attendees"), entry.get("attendees", []))
        for a in attendees:
            if a in _ROLE_REFS:
                continue
            if a.startswith("@"):
                c.error((*k, "attendees"), f"{a!r} is not a role; use one of "
                        f"{' '.join(sorted(_ROLE_REFS))}")
            elif "@" in a:
                if not EMAIL_RE.match(a):
                    c.error((*k, "attendees"), f"{a!r} is not an email address")
            elif a not in people:
                hint = closest(a, set(people))
                c.error((*k, "attendees"), f"unknown person {a!r}; add [people.{a}] or use an "
                        f"email address" + (f" (did you mean {hint!r}?)" if hint else ""))
        template = entry.get("template")
        if template is not None and not c.typed((*k, "template"), template, str, "a file name"):
            template = None
        description = entry.get("description")
        if description is not None and not c.typed(
            (*k, "description"), description, str, "text"
        ):
            description = None
        kind = entry.get("kind", "internal")
        if kind not in KINDS:
            c.error((*k, "kind"), f"{kind!r}: use \"internal\" or \"external\"")
            kind = "internal"
        location = entry.get("location")
        if location is not None and not c.typed((*k, "location"), location, str, "text"):
            location = None
        per = entry.get("per", "team")
        if per not in PER:
            c.error((*k, "per"), f"{per!r}: use one of {' | '.join(PER)}")
            per = "team"
        until = date_in_range(c, (*k, "until"), entry["until"]) if "until" in entry else None
        account_keys = _account_cadence(c, k, entry, rule, per, duration)
        if len([p for p in c.problems if p.severity == "error"]) > before:
            continue
        out.append(
            Cadence(
                id=cid,
                summary=summary,
                rule=rule,
                time=time or dt.time(9),
                duration=duration,
                day=day,
                week=week,
                attendees=tuple(attendees),
                template=template,
                description=description,
                kind=kind,
                location=location,
                per=per,
                until=until,
                where=c.where(*k),
                **account_keys,
            )
        )
    return out


def _account_cadence(c: Checker, k: tuple[Any, ...], entry: dict[str, Any], rule: str,
                     per: str, duration: int) -> dict[str, Any]:
    """The account-driven keys of one cadence (``days_before``, ``workdays_after``, ``top3``).

    Account rules take their dates from each account, so the keys that make sense elsewhere
    (``day``/``week`` for a one-off) are errors here rather than silently ignored.
    """
    out: dict[str, Any] = {}
    if rule in ACCOUNT_RULES and per != "account":
        c.error((*k, "per"), f"rule {rule!r} makes one series per account; set per = \"account\"")
    if rule == "check-in" and not 30 <= duration <= 60:
        c.error((*k, "duration"), f"{duration} minutes: customer check-ins run 30-60 minutes")
    if rule in ("check-in", "touch-base"):
        week = entry.get("week")
        if isinstance(week, int) and not isinstance(week, bool) and not 1 <= week <= 4:
            c.error((*k, "week"), f"{week}: for {rule!r} week is the preferred week of the month "
                    "(1-4) for monthly, bimonthly and quarterly slots")
    if rule in ("renewal", "onboarding"):
        for name in ("day", "week"):
            if name in entry:
                c.error((*k, name), f"rule {rule!r} is a one-off whose date comes from each "
                        f"account; remove {name}")
    if "days_before" in entry:
        out["days_before"] = int_key(c, (*k, "days_before"), entry["days_before"], 1, 730,
                                      "days before the renewal date")
    elif rule == "renewal":
        out["days_before"] = 180
    if "workdays_after" in entry:
        if rule != "onboarding":
            c.error((*k, "workdays_after"), "only applies to rule = \"onboarding\"")
        out["workdays_after"] = int_key(c, (*k, "workdays_after"), entry["workdays_after"], 0,
                                         120, "workdays after onboarding_start")
    elif rule == "onboarding":
        out["workdays_after"] = 0
    if "top3" in entry:
        top3 = entry["top3"]
        if not isinstance(top3, bool):
            c.error((*k, "top3"), f"must be true or false, not {top3!r}")
        elif top3 and per != "ta":
            c.error((*k, "top3"), "names a TA's Top 3 accounts, so it needs per = \"ta\"")
        else:
            out["top3"] = top3
    return out


#: Attendee references that name a role rather than a person (expanded by ``per`` series).
_ROLE_REFS = {"@ta", "@ae", "@ce", "@sdr", "@director", "@vp", "@leadership"}


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
    cadences = _cadences(c, raw.get("cadence"), team, people)
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
