"""POSIX TZ strings, the rule a TZif file ends with (RFC 8536, section 3.3), and the yearly
RRULE pieces (RFC 5545, section 3.3.10) that express their dates (``M3.5.0`` = last Sunday of
March = ``BYMONTH=3;BYDAY=-1SU``)."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_HOUR = 3600
_DAY = 86400


# --- POSIX TZ strings (the TZif footer) ------------------------------------------------------


@dataclass(frozen=True)
class PosixDate:
    """When a POSIX TZ rule changes the clock (IEEE Std 1003.1, XBD section 8.3).

    ``kind`` is ``"M"`` for ``Mm.w.d`` (day ``d`` of week ``w`` of month ``m``; d = 0 is
    Sunday, w = 5 the last such day), ``"J"`` for ``Jn`` (day n in 1..365, February 29 never
    counted) or ``"n"`` for ``n`` (day n in 0..365, February 29 counted). ``time`` is in seconds
    of the local time in force before the change; RFC 8536 section 3.3.1 lets it be negative or
    exceed 24 hours (-167..167 hours), which moves the change to another day.
    """

    kind: str
    month: int = 0
    week: int = 0
    weekday: int = 0
    day: int = 0
    time: int = 2 * _HOUR

    def local(self, year: int) -> dt.datetime:
        """The wall-clock moment of the change in ``year`` (``M`` form only)."""
        if self.kind != "M":
            raise ValueError(f"{self.kind}-form dates are not supported")
        first, length = _calendar.monthrange(year, self.month)
        # weekday() counts from Monday = 0, POSIX from Sunday = 0
        day = (self.weekday - (first + 1)) % 7 + 1 + 7 * (self.week - 1)
        while day > length:  # week 5 means "the last"
            day -= 7
        return dt.datetime(year, self.month, day) + dt.timedelta(seconds=self.time)


@dataclass(frozen=True)
class PosixTz:
    """A POSIX TZ string: offsets are seconds east of UTC (POSIX writes them west-positive)."""

    std_name: str
    std_offset: int
    dst_name: str | None = None
    dst_offset: int | None = None
    start: PosixDate | None = None  # when daylight saving time begins (in standard time)
    end: PosixDate | None = None  # when it ends (in daylight saving time)


_NAME = re.compile(r"<([A-Za-z0-9+-]{3,})>|([A-Za-z]{3,})")
_OFFSET = re.compile(r"([+-]?)(\d{1,2})(?::(\d{2})(?::(\d{2}))?)?")
_TIME = re.compile(r"([+-]?)(\d{1,3})(?::(\d{2})(?::(\d{2}))?)?")
_DATE = re.compile(r"M(\d{1,2})\.(\d)\.(\d)|J(\d{1,3})|(\d{1,3})")


def _seconds(match: re.Match[str], max_hours: int) -> int:
    sign, hours, minutes, seconds = match.groups()
    h, m, s = int(hours), int(minutes or 0), int(seconds or 0)
    if h > max_hours or m > 59 or s > 59:
        raise ValueError(f"out of range: {match.group(0)!r}")
    total = h * _HOUR + m * 60 + s
    return -total if sign == "-" else total


def parse_posix_tz(text: str) -> PosixTz:
    """Parse a POSIX TZ string as RFC 8536 section 3.3 allows in a TZif footer.

    ``std offset [dst [offset] ,start[/time],end[/time]]``: names are three or more letters or
    ``<...>``-quoted (``<+03>``), offsets ``[+-]hh[:mm[:ss]]`` (west of UTC is positive), the
    DST offset defaults to one hour ahead of standard time, and rule dates are ``Mm.w.d``,
    ``Jn`` or ``n`` with an optional ``/time`` (default 02:00). Raises ValueError otherwise.
    """
    pos = 0

    def take(pattern: re.Pattern[str], what: str) -> re.Match[str]:
        nonlocal pos
        match = pattern.match(text, pos)
        if match is None:
            raise ValueError(f"bad {what} at {pos} in {text!r}")
        pos = match.end()
        return match

    def name() -> str:
        match = take(_NAME, "name")
        return match.group(1) or match.group(2)

    def date() -> PosixDate:
        nonlocal pos
        match = take(_DATE, "rule date")
        month, week, weekday, julian, day = match.groups()
        time = 2 * _HOUR
        if text.startswith("/", pos):
            pos += 1
            time = _seconds(take(_TIME, "rule time"), 167)
        if month is not None:
            m, w, d = int(month), int(week), int(weekday)
            if not (1 <= m <= 12 and 1 <= w <= 5 and 0 <= d <= 6):
                raise ValueError(f"bad rule date {match.group(0)!r} in {text!r}")
            return PosixDate("M", month=m, week=w, weekday=d, time=time)
        if julian is not None:
            if not 1 <= int(julian) <= 365:
                raise ValueError(f"bad rule date {match.group(0)!r} in {text!r}")
            return PosixDate("J", day=int(julian), time=time)
        if not 0 <= int(day) <= 365:
            raise ValueError(f"bad rule date {match.group(0)!r} in {text!r}")
        return PosixDate("n", day=int(day), time=time)

    std_name = name()
    std_offset = -_seconds(take(_OFFSET, "offset"), 24)
    if pos == len(text):
        return PosixTz(std_name, std_offset)
    dst_name = name()
    dst_offset = std_offset + _HOUR
    if pos < len(text) and text[pos] != ",":
        dst_offset = -_seconds(take(_OFFSET, "offset"), 24)
    if not text.startswith(",", pos):
        raise ValueError(f"no rule in {text!r}")
    pos += 1
    start = date()
    if not text.startswith(",", pos):
        raise ValueError(f"no end rule in {text!r}")
    pos += 1
    end = date()
    if pos != len(text):
        raise ValueError(f"trailing text at {pos} in {text!r}")
    return PosixTz(std_name, std_offset, dst_name, dst_offset, start, end)


# --- yearly RRULEs for POSIX rule dates ------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One yearly RRULE: a date's pieces together make its change once in every year."""

    month: int
    rule: str
    time: dt.time


def _occurrences(years: range, month: int, weekday: int, days: list[int]) -> set[dt.date]:
    """The dates ``FREQ=YEARLY;BYMONTH=month;BYDAY=weekday;BYMONTHDAY=days`` gives."""
    out = set()
    for year in years:
        length = _calendar.monthrange(year, month)[1]
        for day in days:
            if -length <= day <= length:
                date = dt.date(year, month, day if day > 0 else length + 1 + day)
                if date.weekday() == weekday:
                    out.add(date)
    return out


@functools.cache
def pieces(date: PosixDate) -> tuple[Piece, ...] | None:
    """``date`` as yearly RRULEs, or None when it cannot be written as such.

    ``Mm.w.d`` with a time within the day is ``BYMONTH=m;BYDAY=wXX`` (``-1XX`` for the last
    week). A time that moves the change to another day (Chile's ``M9.1.6/24``: "the first
    Saturday at 24:00", i.e. the first Sunday on or after the 2nd at 00:00) becomes
    ``BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8``; when those days straddle two months (Egypt's
    ``M10.5.4/24``: October 26 to November 1) there is one RRULE per month. Each RRULE is
    checked against every year of the Gregorian calendar's 400-year cycle.
    """
    if date.kind != "M":
        return None
    years = range(2000, 2400)
    changes = [date.local(year) for year in years]
    weekday = changes[0].weekday()
    by_month: dict[int, set[dt.date]] = {}
    for change in changes:
        by_month.setdefault(change.month, set()).add(change.date())
    pieces = []
    for month, dates in sorted(by_month.items()):
        # whole calendar years only: a change may fall in the year before or after its own
        expected = {d for d in dates if years[0] < d.year < years[-1]}
        positive = sorted({d.day for d in dates})
        negative = sorted({d.day - _calendar.monthrange(d.year, month)[1] - 1 for d in dates})
        day = _DAYS[weekday]
        candidates = [
            (f"BYDAY={n}{day}", positive)
            for n in range(1, 5)
            if positive == list(range(7 * n - 6, 7 * n + 1))
        ]
        if negative == list(range(-7, 0)):
            candidates.append((f"BYDAY=-1{day}", negative))
        candidates += [
            (f"BYDAY={day};BYMONTHDAY={','.join(map(str, days))}", days)
            for days in (positive, negative)
        ]
        for byday, days in candidates:
            if _occurrences(years[1:-1], month, weekday, days) == expected:
                pieces.append(
                    Piece(month, f"FREQ=YEARLY;BYMONTH={month};{byday}", changes[0].time())
                )
                break
        else:
            return None
    return tuple(pieces)
