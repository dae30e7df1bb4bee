"""Keys that describe someone's own clock, shared by ``[team]``, ``[people.KEY]`` and accounts:
``timezone``, ``hours``, ``workdays``, ``holidays``, ``country``/``subdivision`` and
``max_meeting_hours_per_day``. One reader each, so the three tables accept the same forms and
report the same messages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Protocol

from tacal.config.values import Reporter, date_value, str_list, weekday
from tacal.config.zones import canonical_zone, legacy_zone_note, zone_problem
from tacal.model import WEEKDAYS
from tacal.schedule.clocks import country_problem


class Warner(Reporter, Protocol):
    """A reporter that also takes warnings (the config's :class:`~tacal.config.locate.Checker`)."""

    def warn(self, key: tuple[Any, ...], message: str) -> None: ...


HOURS_RE = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-4]):([0-5]\d)\s*$")


def zone(c: Reporter, key: tuple[Any, ...], value: Any) -> str | None:
    """An IANA zone, spelt the IANA way (``"europe/london"`` is ``"Europe/London"``)."""
    name = canonical_zone(value)
    if name is None:
        c.error(key, zone_problem(value, "Europe/London"))
        return None
    note = legacy_zone_note(name)
    if note and hasattr(c, "warn"):
        c.warn(key, note)
    return name


def hours(c: Reporter, key: tuple[Any, ...], value: Any) -> tuple[dt.time, dt.time] | None:
    """``"09:00-17:00"``: local working hours (``24:00`` may end the day)."""
    m = HOURS_RE.match(value) if isinstance(value, str) else None
    if m is None:
        c.error(key, f'{value!r} is not a range of hours; write "09:00-17:00" (24-hour, local)')
        return None
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h2 == 24 and m2:
        c.error(key, f"{value!r}: the day ends at 24:00")
        return None
    start = dt.time(h1, m1)
    end = dt.time(0) if h2 == 24 else dt.time(h2, m2)
    if end != dt.time(0) and end <= start:
        c.error(
            key,
            f"{value!r}: the end must be later than the start (hours that cross "
            "midnight are not supported)",
        )
        return None
    return start, end


def workdays(c: Reporter, key: tuple[Any, ...], value: Any) -> tuple[str, ...] | None:
    found: list[str] = []
    for w in str_list(c, key, value):
        code = weekday(c, key, w)
        if code and code not in found:
            found.append(code)
    if isinstance(value, list) and not value:
        c.error(key, 'needs at least one weekday, e.g. ["MO", "TU"]')
        return None
    return tuple(w for w in WEEKDAYS if w in found) or None


def dates(c: Warner, key: tuple[Any, ...], value: Any) -> list[dt.date]:
    """A list of dates (``holidays``); a date listed twice is a warning."""
    if not isinstance(value, list):
        c.error(key, 'must be a list of dates, e.g. ["2027-01-01"]')
        return []
    out: list[dt.date] = []
    for item in value:
        d = date_value(c, key, item)
        if d:
            if d in out and out.count(d) == 1:
                c.warn(key, f"{d} is listed more than once; keep one")
            out.append(d)
    return out


def country(
    c: Reporter, key: tuple[Any, ...], value: Any, subdivision: Any
) -> tuple[str | None, str | None]:
    """``country`` and ``subdivision`` as the ``holidays`` package knows them."""
    if value is None:
        if subdivision is not None:
            c.error((*key[:-1], "subdivision"), 'needs a country too, e.g. country = "GB"')
        return None, None
    code = value.upper() if isinstance(value, str) else value
    sub = subdivision.upper() if isinstance(subdivision, str) else subdivision
    why = country_problem(code, sub)
    if why:
        c.error(key if "subdivision" not in why else (*key[:-1], "subdivision"), why)
        return None, None
    return code, sub


def budget(c: Reporter, key: tuple[Any, ...], value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 24:
        c.error(key, f"{value!r}: use a number of hours between 0 and 24, e.g. 5")
        return None
    return float(value)


__all__ = ["budget", "country", "dates", "hours", "workdays", "zone"]
