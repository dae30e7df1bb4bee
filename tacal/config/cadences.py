"""The ``[[cadence]]`` tables: which meetings recur, by which rule, when and with whom.

A rule is a named cadence (``weekly``, ``fiscal-quarterly`` ...), a per-account rule whose dates
come from each account (``check-in``, ``renewal`` ...), or a raw ``RRULE:`` line, which is checked
here to occur at all and not more often than daily.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from tacal.config.locate import Checker
from tacal.config.values import (
    EMAIL_RE,
    ID_RE,
    check_text,
    closest,
    date_in_range,
    did_you_mean,
    int_key,
    str_list,
    time_value,
    weekday,
)
from tacal.model import ACCOUNT_RULES, KINDS, ORGANIZER_ROLES, PER, RULES, Cadence, Person, Team

CADENCE_KEYS = {
    "id",
    "summary",
    "rule",
    "day",
    "week",
    "time",
    "duration",
    "attendees",
    "template",
    "description",
    "kind",
    "location",
    "per",
    "until",
    "enabled",
    "days_before",
    "workdays_after",
    "top3",
    "organizer",
}
#: Attendee references that name a role rather than a person (expanded by ``per`` series).
_ROLE_REFS = {"@ta", "@ae", "@ce", "@sdr", "@director", "@vp", "@leadership"}


def rrule_problem(rule: str, tz: str, start: dt.date) -> str | None:
    """Why a raw ``RRULE:...`` string is unusable, or None when it is fine."""
    from dateutil.rrule import rrulestr

    body = rule[len("RRULE:") :] if rule.upper().startswith("RRULE:") else rule
    if not body or "\n" in body or "DTSTART" in body.upper():
        return 'write a single RRULE line such as "RRULE:FREQ=WEEKLY;BYDAY=TU" (no DTSTART)'
    parts = dict(p.split("=", 1) for p in body.upper().split(";") if "=" in p)
    if "FREQ" not in parts:
        return 'an RRULE needs FREQ, e.g. "RRULE:FREQ=WEEKLY;BYDAY=TU"'
    if parts["FREQ"] not in ("DAILY", "WEEKLY", "MONTHLY", "YEARLY"):
        return (
            f"FREQ={parts['FREQ']} is not a meeting cadence; use DAILY, WEEKLY, MONTHLY or "
            "YEARLY (the time comes from `time`)"
        )
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


def read_cadences(c: Checker, data: Any, team: Team, people: dict[str, Person]) -> list[Cadence]:
    """The enabled ``[[cadence]]`` tables without errors; a disabled one (``enabled = false``)
    is still checked for unknown keys and a valid, unique id."""
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
            c.error(
                (*k, "id"),
                f"{cid!r}: give every cadence a stable id of lowercase letters, "
                'digits and dashes, e.g. "team-check-in"',
            )
            cid = f"cadence-{i}"
        elif cid in seen:
            first = c.line("cadence", seen[cid], "id")
            c.error(
                (*k, "id"),
                f"duplicate id {cid!r} (also line {first}); ids must be unique "
                "because they make the event UIDs",
            )
        seen.setdefault(cid, i)
        if entry.get("enabled", True) is False:
            continue
        summary = entry.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            c.error((*k, "summary"), "missing; give the meeting a title")
            summary = cid
        check_text(c, (*k, "summary"), summary)
        rule = entry.get("rule")
        if not isinstance(rule, str) or (
            rule not in RULES
            and rule not in ACCOUNT_RULES
            and not rule.upper().startswith("RRULE:")
        ):
            near = did_you_mean(rule, (*RULES, *ACCOUNT_RULES))
            c.error(
                (*k, "rule"),
                f"{rule!r} is not a rule{near}; use one of {' | '.join(RULES)} "
                f'or a raw "RRULE:..." string (per-account: {" | ".join(ACCOUNT_RULES)})',
            )
            rule = ""  # unknown: no check below that depends on the rule applies
        elif rule.upper().startswith("RRULE:"):
            why = rrule_problem(rule, team.timezone, team.start or dt.date(2027, 1, 1))
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
                c.error(
                    (*k, "week"),
                    f"{week} is out of range; use 1-4 for the Nth weekday of "
                    "the period or -1 for the last",
                )
                week = None
            elif week == 5 or week == -5:
                c.warn(
                    (*k, "week"),
                    f"week = {week}: not every month has a "
                    f"{'5th' if week == 5 else '5th-from-last'} weekday; those months get no "
                    "meeting (use -1 for the last weekday of every month)",
                )
        if rule in ("weekly", "biweekly") and day is None and "day" not in entry:
            c.error((*k, "day"), f'rule {rule!r} needs a weekday, e.g. day = "TU"')
        if rule in ("monthly", "bimonthly", "quarterly", "fiscal-quarterly"):
            if day is None and "day" not in entry:
                c.error(
                    (*k, "day"),
                    f'rule {rule!r} needs day (and week), e.g. day = "WE", '
                    "week = 2 for the second Wednesday",
                )
            if week is None and "week" not in entry:
                c.error(
                    (*k, "week"),
                    f"rule {rule!r} needs week: 1-4 for the Nth weekday of "
                    "the month, -1 for the last",
                )
        if rule in ("daily", "weekly", "biweekly") and week is not None:
            c.error((*k, "week"), f"week only applies to monthly-type rules, not {rule!r}")
        if rule == "daily" and day is not None:
            c.error((*k, "day"), 'daily means every workday; remove day or use rule = "weekly"')
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
                c.error(
                    (*k, "attendees"),
                    f"{a!r} is not a role{did_you_mean(a, _ROLE_REFS)}; "
                    f"use one of {' '.join(sorted(_ROLE_REFS))}",
                )
            elif "@" in a:
                if not EMAIL_RE.match(a):
                    c.error((*k, "attendees"), f"{a!r} is not an email address")
            elif a not in people:
                hint = closest(a, set(people))
                c.error(
                    (*k, "attendees"),
                    f"unknown person {a!r}; add [people.{a}] or use an "
                    f"email address" + (f" (did you mean {hint!r}?)" if hint else ""),
                )
        template = entry.get("template")
        if template is not None and not c.typed((*k, "template"), template, str, "a file name"):
            template = None
        description = entry.get("description")
        if description is not None and not c.typed((*k, "description"), description, str, "text"):
            description = None
        kind = entry.get("kind", "internal")
        if kind not in KINDS:
            c.error(
                (*k, "kind"), f'{kind!r}{did_you_mean(kind, KINDS)}: use "internal" or "external"'
            )
            kind = "internal"
        location = entry.get("location")
        if location is not None and not c.typed((*k, "location"), location, str, "text"):
            location = None
        check_text(c, (*k, "location"), location)
        per = entry.get("per", "team")
        if per not in PER:
            c.error((*k, "per"), f"{per!r}{did_you_mean(per, PER)}: use one of {' | '.join(PER)}")
            per = ""  # unknown: no check below that depends on per applies
        until = date_in_range(c, (*k, "until"), entry["until"]) if "until" in entry else None
        account_keys = _account_cadence(c, k, entry, rule, per, duration)
        organizer = _organizer(c, k, entry.get("organizer"), per, people)
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
                organizer=organizer,
                where=c.where(*k),
                **account_keys,
            )
        )
    return out


def _organizer(
    c: Checker, k: tuple[Any, ...], value: Any, per: str, people: dict[str, Person]
) -> str | None:
    """A cadence's ``organizer``: ``"@ta"``/``"@ae"`` where the series has exactly one such
    person (per account, or that person's own per-TA/per-AE series), a ``[people]`` key or
    an email address. None when unset (the default applies when series are built)."""
    if value is None:
        return None
    where = (*k, "organizer")
    if not isinstance(value, str) or not value.strip():
        c.error(where, f'{value!r}: use "@ta", "@ae", a [people] key or an email address')
        return None
    if value.startswith("@"):
        if value not in ORGANIZER_ROLES:
            c.error(
                where,
                f"{value!r} cannot organize{did_you_mean(value, tuple(ORGANIZER_ROLES))}: use "
                '"@ta" or "@ae" (one person per series), a [people] key or an email address',
            )
            return None
        if per and per not in ORGANIZER_ROLES[value]:
            role = value[1:].upper()
            pers = " or ".join(f'per = "{p}"' for p in ORGANIZER_ROLES[value])
            c.error(
                where,
                f"{value!r} names one {role} only in a series with {pers}; "
                f'this one has per = "{per}" (it could be several people, or none): '
                "use a [people] key or an email address",
            )
            return None
        return value
    if "@" in value:
        if not EMAIL_RE.match(value):
            c.error(where, f"{value!r} is not an email address")
            return None
        return value
    if value not in people:
        hint = closest(value, set(people))
        c.error(
            where,
            f"unknown person {value!r}; add [people.{value}] or use an email address"
            + (f" (did you mean {hint!r}?)" if hint else ""),
        )
        return None
    return value


def _account_cadence(
    c: Checker, k: tuple[Any, ...], entry: dict[str, Any], rule: str, per: str, duration: int
) -> dict[str, Any]:
    """The account-driven keys of one cadence (``days_before``, ``workdays_after``, ``top3``).

    Account rules take their dates from each account, so the keys that make sense elsewhere
    (``day``/``week`` for a one-off) are errors here rather than silently ignored.
    """
    out: dict[str, Any] = {}
    if rule in ACCOUNT_RULES and per and per != "account":
        c.error((*k, "per"), f'rule {rule!r} makes one series per account; set per = "account"')
    if rule == "check-in" and not 30 <= duration <= 60:
        c.error((*k, "duration"), f"{duration} minutes: customer check-ins run 30-60 minutes")
    if rule in ("check-in", "touch-base"):
        week = entry.get("week")
        if isinstance(week, int) and not isinstance(week, bool) and not 1 <= week <= 4:
            c.error(
                (*k, "week"),
                f"{week}: for {rule!r} week is the preferred week of the month "
                "(1-4) for monthly, bimonthly and quarterly slots",
            )
    if rule in ("renewal", "onboarding"):
        for name in ("day", "week"):
            if name in entry:
                c.error(
                    (*k, name),
                    f"rule {rule!r} is a one-off whose date comes from each account; remove {name}",
                )
    if "days_before" in entry:
        out["days_before"] = int_key(
            c, (*k, "days_before"), entry["days_before"], 1, 730, "days before the renewal date"
        )
    elif rule == "renewal":
        out["days_before"] = 180
    if "workdays_after" in entry:
        if rule != "onboarding":
            c.error((*k, "workdays_after"), 'only applies to rule = "onboarding"')
        out["workdays_after"] = int_key(
            c,
            (*k, "workdays_after"),
            entry["workdays_after"],
            0,
            120,
            "workdays after onboarding_start",
        )
    elif rule == "onboarding":
        out["workdays_after"] = 0
    if "top3" in entry:
        top3 = entry["top3"]
        if not isinstance(top3, bool):
            c.error((*k, "top3"), f"must be true or false, not {top3!r}")
        elif top3 and per and per != "ta":
            c.error((*k, "top3"), 'names a TA\'s Top 3 accounts, so it needs per = "ta"')
        else:
            out["top3"] = top3
    return out
