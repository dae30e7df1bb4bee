"""The ``[people.KEY]`` tables: who can be an organizer, attendee or account owner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tacal.config import clock_keys
from tacal.config.locate import Checker
from tacal.config.values import EMAIL_RE, check_text, did_you_mean
from tacal.model import ROLES, Person

PERSON_KEYS = {
    "name",
    "email",
    "role",
    "timezone",
    "hours",
    "workdays",
    "holidays",
    "country",
    "subdivision",
    "max_meeting_hours_per_day",
    "busy",
}


def busy_source(c: Checker, key: tuple[str, ...], value: Any, base: Path) -> str | None:
    """``busy = "google" | "https://..." | "path.ics"``: the source as fetched later (a file
    path made absolute against the config's folder, so the build does not depend on the
    working directory). Nothing is read here: loading a config never touches the network."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        c.error(
            key, f'{value!r} is not a busy source; use "google", an https:// URL or a .ics path'
        )
        return None
    text = value.strip()
    if text == "google":
        return text
    lowered = text.lower()
    if lowered.startswith(("https://", "http://")):
        return text
    if "://" in text:
        c.error(key, f'{text!r}: only http(s) URLs are read; use "google", https://... or a path')
        return None
    return str((base / text).resolve())


def read_people(c: Checker, data: Any, base: Path | None = None) -> dict[str, Person]:
    """``[people.KEY]`` tables by key; every email unique (case-insensitive). ``base`` is
    the config's folder (relative ``busy`` paths)."""
    people: dict[str, Person] = {}
    if data is None:
        return people
    if not isinstance(data, dict):
        c.error(("people",), "must be tables like [people.dana] with name, email, role")
        return people
    seen_emails: dict[str, str] = {}
    for key, entry in data.items():
        k = ("people", key)
        if not isinstance(entry, dict):
            c.error(k, "must be a table with name, email and role")
            continue
        c.unknown_keys(k, entry, PERSON_KEYS)
        email = entry.get("email")
        if not isinstance(email, str) or not EMAIL_RE.match(email):
            c.error((*k, "email"), f'{email!r} is not an email address; e.g. "dana@example.com"')
            email = f"{key}@invalid.example"
        elif email.lower() in seen_emails:
            c.error((*k, "email"), f"{email} is also used by people.{seen_emails[email.lower()]}")
        seen_emails.setdefault(email.lower(), key)
        name = entry.get("name", key)
        if not isinstance(name, str):
            c.error((*k, "name"), f"must be a string, not {name!r}")
            name = str(key)
        check_text(c, (*k, "name"), name)
        role = entry.get("role", "other")
        if role not in ROLES:
            c.error(
                (*k, "role"),
                f"{role!r} is not a role{did_you_mean(role, ROLES)}; use one "
                f"of {' | '.join(ROLES)}",
            )
            role = "other"
        tz = (
            clock_keys.zone(c, (*k, "timezone"), entry["timezone"]) if "timezone" in entry else None
        )
        own_hours = clock_keys.hours(c, (*k, "hours"), entry["hours"]) if "hours" in entry else None
        own_days = (
            clock_keys.workdays(c, (*k, "workdays"), entry["workdays"])
            if "workdays" in entry
            else None
        )
        own_holidays = clock_keys.dates(c, (*k, "holidays"), entry.get("holidays", []))
        country, subdivision = clock_keys.country(
            c, (*k, "country"), entry.get("country"), entry.get("subdivision")
        )
        max_hours = clock_keys.budget(
            c, (*k, "max_meeting_hours_per_day"), entry.get("max_meeting_hours_per_day")
        )
        people[key] = Person(
            key=key,
            name=name,
            email=email,
            role=role,
            timezone=tz,
            hours=own_hours,
            workdays=own_days,
            holidays=tuple(sorted(set(own_holidays))),
            country=country,
            subdivision=subdivision,
            max_meeting_hours_per_day=max_hours,
            holidays_where=c.where(*k, "holidays"),
            busy=busy_source(c, (*k, "busy"), entry.get("busy"), base or Path.cwd()),
            busy_where=c.where(*k, "busy"),
        )
    return people
