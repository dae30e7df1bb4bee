"""Scalar validators shared by every config section: dates, times, weekdays, lists, flags, zones.

Each takes the checker that collects problems, the key the value was read from (so the problem
is located), and the raw value; it returns the typed value, or a neutral one after reporting why
the raw value is unusable. None of them raise: a config is checked as a whole, in one pass.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tacal.model import WEEKDAYS

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: Characters no name, title, place or address may hold: the C0 controls but TAB, DEL, the C1
#: controls, and the Unicode line and paragraph separators. In iCalendar a CR or LF ends a
#: content line (a lone CR in the team name added a whole VEVENT; an LF crashed the writer),
#: other controls make readers drop the attendee, and in a terminal ESC starts an escape
#: sequence. TAB is allowed: iCalendar text and parameter values may hold it.
CONTROL_RE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
EMAIL_RE = re.compile(
    r"^[^@\s<>\"\x00-\x1f\x7f-\x9f]+@[^@\s<>\"\x00-\x1f\x7f-\x9f]+"
    r"\.[^@\s<>\"\x00-\x1f\x7f-\x9f]+$"
)
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
#: Dates outside this range are typos; they would also overflow time-zone arithmetic.
MIN_DATE, MAX_DATE = dt.date(1971, 1, 1), dt.date(2199, 12, 31)


class Reporter(Protocol):
    """What a validator needs from a checker: somewhere to report a located error."""

    def error(self, key: tuple[Any, ...], message: str) -> None: ...


_CONTROL_NAMES = {
    "\n": "a line feed (LF)",
    "\r": "a carriage return (CR)",
    "\x00": "a NUL",
    "\x1b": "an escape (ESC)",
    "\x7f": "a DEL",
    "\u2028": "a line separator (U+2028)",
    "\u2029": "a paragraph separator (U+2029)",
}


def text_problem(value: Any) -> str | None:
    """Why ``value`` cannot be a name, title, place or address (one line of printable text),
    or None. The one check for text that reaches a calendar or a terminal."""
    if not isinstance(value, str):
        return None
    m = CONTROL_RE.search(value)
    if m is None:
        return None
    char = m.group()
    what = _CONTROL_NAMES.get(char, f"the control character U+{ord(char):04X}")
    return (
        f"contains {what} at character {m.start() + 1}: {value!r}; write it on one line "
        "without control characters"
    )


def check_text(c: Reporter, key: tuple[Any, ...], value: Any) -> None:
    """Report ``value`` at ``key`` when :func:`text_problem` finds one."""
    why = text_problem(value)
    if why:
        c.error(key, why)


#: Words people write for a key, table or value, and what tacal calls it: a did-you-mean is
#: offered only when the word's meaning is among the options of that place.
ALIASES = {
    "person": "people",
    "persons": "people",
    "member": "people",
    "members": "people",
    "meeting": "cadence",
    "meetings": "cadence",
    "customer": "account",
    "customers": "account",
    "tz": "timezone",
    "zone": "timezone",
    "title": "summary",
    "subject": "summary",
    "name": "summary",
    "frequency": "rule",
    "freq": "rule",
    "recurrence": "rule",
    "repeat": "rule",
    "rrule": "rule",
    "schedule": "rule",
    "weekday": "day",
    "days": "day",
    "at": "time",
    "start": "time",
    "length": "duration",
    "minutes": "duration",
    "mins": "duration",
    "invitees": "attendees",
    "participants": "attendees",
    "guests": "attendees",
    "people": "attendees",
    "agenda": "template",
    "owner": "organizer",
    "fortnightly": "biweekly",
    "everyotherweek": "biweekly",
    "everytwoweeks": "biweekly",
    "week": "weekly",
    "month": "monthly",
    "quarter": "quarterly",
    "everyday": "daily",
    "day": "daily",
    "amber": "yellow",
    "orange": "yellow",
    "good": "green",
    "bad": "red",
    "secret": "private",
    "open": "public",
    "technicaladvisor": "ta",
    "accountexecutive": "ae",
    "manager": "director",
}


def _fold(text: str) -> str:
    """``"Check-In"``, ``"check_in"`` and ``"check in"`` compare equal."""
    return re.sub(r"[\s_\-]+", "", text.strip().lower())


def closest(name: str, options: set[str]) -> str | None:
    """The option ``name`` was probably meant to be (for "did you mean ...?"), or None.

    Tried in order: the same word in another case or with other separators, a synonym
    (:data:`ALIASES`), the singular or plural, then a close spelling.
    """
    import difflib

    if not isinstance(name, str) or not name.strip() or not options:
        return None
    folded = {_fold(o): o for o in sorted(options)}
    key = _fold(name)
    for candidate in (key, _fold(ALIASES.get(key, "")), key + "s", key[:-1], key + "es", key[:-2]):
        if candidate and candidate in folded and folded[candidate] != name:
            return folded[candidate]
    match = difflib.get_close_matches(name.strip().lower(), sorted(options), n=1, cutoff=0.7)
    return match[0] if match else None


def did_you_mean(value: object, options: set[str] | tuple[str, ...] | list[str]) -> str:
    """``" (did you mean 'x'?)"`` when ``value`` looks like one of ``options``, else ``""``."""
    hint = closest(value, set(options)) if isinstance(value, str) else None
    return f" (did you mean {hint!r}?)" if hint else ""


def typed(
    c: Reporter, key: tuple[Any, ...], value: Any, kind: type | tuple[type, ...], what: str
) -> bool:
    """True when ``value`` is a ``kind``; a bool never counts as a number."""
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        c.error(key, f"must be {what}, not {value!r}")
        return False
    if not isinstance(value, kind):
        c.error(key, f"must be {what}, not {type(value).__name__} {value!r}")
        return False
    return True


def date_value(c: Reporter, key: tuple[Any, ...], value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        c.error(key, f"must be a date like 2027-01-04, not a date-time {value!r}")
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    c.error(key, f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2027-01-04")
    return None


def date_in_range(c: Reporter, key: tuple[Any, ...], value: Any) -> dt.date | None:
    """A date between MIN_DATE and MAX_DATE: account dates are offset by days and workdays."""
    day = date_value(c, key, value)
    if day is not None and not MIN_DATE <= day <= MAX_DATE:
        c.error(key, f"{day} is out of range; use a date between {MIN_DATE} and {MAX_DATE}")
        return None
    return day


def time_value(c: Reporter, key: tuple[Any, ...], value: Any) -> dt.time | None:
    if isinstance(value, dt.time):
        return value.replace(tzinfo=None)
    m = TIME_RE.match(value) if isinstance(value, str) else None
    if not m:
        c.error(key, f'{value!r} is not a time; write 24-hour HH:MM, e.g. "10:00"')
        return None
    return dt.time(int(m.group(1)), int(m.group(2)))


def weekday(c: Reporter, key: tuple[Any, ...], value: Any) -> str | None:
    if isinstance(value, str) and value.upper()[:2] in WEEKDAYS:
        full = {
            "MO": "monday",
            "TU": "tuesday",
            "WE": "wednesday",
            "TH": "thursday",
            "FR": "friday",
            "SA": "saturday",
            "SU": "sunday",
        }
        code = value.upper()[:2]
        if len(value) == 2 or value.lower() in (full[code], full[code][:3]):
            return code
    hint = ""
    if isinstance(value, str) and len(value) > 2:
        names = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
        near = closest(value, names) or next(
            (n for n in sorted(names) if n.startswith(value.lower()[:3])), None
        )
        hint = f" (did you mean {near[:2].upper()!r}?)" if near else ""
    c.error(key, f"{value!r} is not a weekday{hint}; use one of {' '.join(WEEKDAYS)}")
    return None


def str_list(c: Reporter, key: tuple[Any, ...], value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        c.error(key, f'must be a list of strings, e.g. ["a", "b"], not {value!r}')
        return []
    return value


def int_key(
    c: Reporter, key: tuple[Any, ...], value: Any, lo: int, hi: int, what: str
) -> int | None:
    if not typed(c, key, value, int, what):
        return None
    if not lo <= value <= hi:
        c.error(key, f"{value} is out of range; use {lo}-{hi} ({what})")
        return None
    return int(value)


def bool_value(c: Reporter, key: tuple[Any, ...], value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in (
        "true",
        "yes",
        "1",
        "false",
        "no",
        "0",
        "",
    ):
        return value.strip().lower() in ("true", "yes", "1")
    c.error(key, f"{value!r} is not true/false")
    return False


def valid_zone(name: str) -> bool:
    """True for an IANA zone name; never looks outside the zone database (no paths)."""
    if not name or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a path
        return False
    return True
