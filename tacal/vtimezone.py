"""Compact VTIMEZONE blocks: yearly RRULE transitions, the form Google and Outlook export.

icalendar's ``add_missing_timezones`` writes decades of RDATEs: large blocks are known to make
Google's importer fail, and python-dateutil's ``tzical`` (used by vobject) ignores RDATE
transitions altogether. So we derive each zone's current rule from zoneinfo over the years in use
and write it as ``RRULE:FREQ=YEARLY;BYMONTH=m;BYDAY=nSU``, falling back to one block per
transition only for zones whose rule is not a "Nth/last weekday of a month" pattern.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

#: The year VTIMEZONE rules begin (see vtimezone()): just before the 2000-2020 span over which
#: vobject compares a zone with UTC; earlier only makes tzical's lookups slower.
_SINCE = 1999
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_HOUR = 3600


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
class _Piece:
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
def _pieces(date: PosixDate) -> tuple[_Piece, ...] | None:
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
        candidates = [(f"BYDAY={n}{day}", positive) for n in range(1, 5)
                      if positive == list(range(7 * n - 6, 7 * n + 1))]
        if negative == list(range(-7, 0)):
            candidates.append((f"BYDAY=-1{day}", negative))
        candidates += [(f"BYDAY={day};BYMONTHDAY={','.join(map(str, days))}", days)
                       for days in (positive, negative)]
        for byday, days in candidates:
            if _occurrences(years[1:-1], month, weekday, days) == expected:
                pieces.append(_Piece(month, f"FREQ=YEARLY;BYMONTH={month};{byday}",
                                     changes[0].time()))
                break
        else:
            return None
    return tuple(pieces)


# --- the VTIMEZONE ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Transition:
    local: dt.datetime  # wall-clock time just before the change (in the old offset)
    before: dt.timedelta
    after: dt.timedelta
    name: str
    dst: bool


def _offset(tz: ZoneInfo, ts: float) -> dt.timedelta:
    off = dt.datetime.fromtimestamp(ts, tz).utcoffset()
    assert off is not None
    return off


def transitions(tz: ZoneInfo, first_year: int, last_year: int) -> list[_Transition]:
    """Offset changes between Jan 1 of ``first_year`` and Dec 31 of ``last_year`` (UTC)."""
    start = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC).timestamp()
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC).timestamp()
    step = 6 * 3600
    out = []
    t = start
    prev = _offset(tz, t)
    while t < end:
        nxt = t + step
        cur = _offset(tz, nxt)
        if cur != prev:
            lo, hi = t, nxt  # bisect to the second of the change
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if _offset(tz, mid) == prev:
                    lo = mid
                else:
                    hi = mid
            at = dt.datetime.fromtimestamp(hi, tz)
            local_before = (dt.datetime.fromtimestamp(hi, dt.UTC) + prev).replace(tzinfo=None)
            # DAYLIGHT means "the larger offset" (tzdata's rearguard form): zones with negative
            # DST (Europe/Dublin, Africa/Casablanca) otherwise confuse readers such as tzical.
            out.append(_Transition(local_before, prev, cur, at.tzname() or "", cur > prev))
            prev = cur
        t = nxt
    return out


def _pattern(local: dt.datetime) -> tuple[int, int, int | None, bool]:
    nth = (local.day - 1) // 7 + 1
    days_in_month = _calendar.monthrange(local.year, local.month)[1]
    last = local.day + 7 > days_in_month
    return local.month, local.weekday(), nth, last


def _yearly_rule(group: list[_Transition]) -> str | None:
    """The BYMONTH/BYDAY rule every transition in ``group`` follows, if there is one."""
    pats = [_pattern(t.local) for t in group]
    months = {p[0] for p in pats}
    weekdays = {p[1] for p in pats}
    times = {t.local.time() for t in group}
    if len(months) != 1 or len(weekdays) != 1 or len(times) != 1:
        return None
    month, weekday = months.pop(), weekdays.pop()
    nths = {p[2] for p in pats}
    if len(nths) == 1 and nths != {5}:
        n = nths.pop()
    elif all(p[3] for p in pats):
        n = -1
    else:
        return None
    return f"FREQ=YEARLY;BYMONTH={month};BYDAY={n}{_DAYS[weekday]}"


def vtimezone(name: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for ``name`` valid from ``first_year`` on (RRULE form continues beyond)."""
    tz = ZoneInfo(name)
    comp = Timezone()
    comp.add("tzid", name)
    found = transitions(tz, first_year - 1, last_year)
    if not found:
        ref = dt.datetime(first_year, 1, 1, 12, tzinfo=tz)
        off = ref.utcoffset() or dt.timedelta(0)
        fixed = TimezoneStandard()
        fixed.add("dtstart", dt.datetime(1970, 1, 1))
        fixed.add("tzoffsetfrom", off)
        fixed.add("tzoffsetto", off)
        fixed.add("tzname", ref.tzname() or name)
        comp.add_component(fixed)
        return comp
    groups: dict[tuple[bool, dt.timedelta, dt.timedelta, str], list[_Transition]] = {}
    for t in found:
        groups.setdefault((t.dst, t.before, t.after, t.name), []).append(t)
    # One yearly rule per kind of change when the zone is regular. Otherwise one sub-component
    # per transition (each only a DTSTART): RDATE lists would be shorter, but dateutil's tzical
    # ignores RDATE, so vobject users would get wrong offsets.
    #
    # Both forms also say what the offset was back in _SINCE (rules start at their first
    # instance that year; per-transition zones get a leading block): vobject takes a zone that
    # matches UTC over 2000-2020 for UTC itself and swaps in pytz's zone, whose fixed offset
    # dateutil then repeats all year (London's summer meetings were an hour late).
    rules = {key: _yearly_rule(group) if len(group) > 1 else None
             for key, group in groups.items()}
    if any(rule is None for rule in rules.values()):
        first = found[0]
        lead = TimezoneDaylight() if first.before > first.after else TimezoneStandard()
        lead.add("dtstart", dt.datetime(_SINCE, 1, 1))
        lead.add("tzoffsetfrom", first.before)
        lead.add("tzoffsetto", first.before)
        comp.add_component(lead)
    for (is_dst, before, after, tzname), group in sorted(
        groups.items(), key=lambda kv: kv[1][0].local
    ):
        rule = rules[(is_dst, before, after, tzname)]
        for t in group if rule is None else group[:1]:
            sub: TimezoneDaylight | TimezoneStandard = (
                TimezoneDaylight() if is_dst else TimezoneStandard()
            )
            sub.add("dtstart", t.local if rule is None else
                    rrulestr(rule, dtstart=dt.datetime.combine(dt.date(_SINCE, 1, 1),
                                                               t.local.time()))[0])
            sub.add("tzoffsetfrom", before)
            sub.add("tzoffsetto", after)
            if tzname:
                sub.add("tzname", tzname)
            if rule is not None:
                sub.add("rrule", vRecur.from_ical(rule))
            comp.add_component(sub)
    return comp
