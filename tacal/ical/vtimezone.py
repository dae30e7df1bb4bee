"""Compact VTIMEZONE blocks: yearly RRULE transitions, the form Google and Outlook export.

icalendar's ``add_missing_timezones`` writes decades of RDATEs: large blocks are known to make
Google's importer fail, and python-dateutil's ``tzical`` (used by vobject) ignores RDATE
transitions altogether. So each zone's current rule is written as
``RRULE:FREQ=YEARLY;BYMONTH=m;BYDAY=nSU`` (RFC 5545, sections 3.6.5 and 3.3.10), or as
``BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8`` for rules such as Chile's "first Sunday on or after the
2nd".

The rule is not guessed from the transitions of the years in use (a sample of years cannot tell
"4th Sunday" from "last Sunday"): it is read from the zone's own definition, the POSIX TZ string
in the footer of its TZif file (RFC 8536, section 3.3; e.g. ``CET-1CEST,M3.5.0,M10.5.0/3``),
which tells how the zone keeps time after the last transition the file lists. The file's
listed transitions that the rule does not explain (a zone changed its rules recently) are written
one block per transition, followed by the rule. Zones whose rule cannot be written as yearly
RRULEs, and zones that list their future transitions one by one (Morocco's and Palestine's follow
Ramadan), get one block per transition for every year the calendar reaches.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import functools
import importlib.resources
import os
import re
import struct
import zoneinfo
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

#: The year VTIMEZONE rules begin (see vtimezone()): just before the 2000-2020 span over which
#: vobject compares a zone with UTC; earlier only makes tzical's lookups slower.
_SINCE = 1999
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


# --- the zone's TZif file (RFC 8536) ----------------------------------------------------------


@dataclass(frozen=True)
class _Change:
    at: int  # UTC, seconds since 1970
    before: int  # offsets, seconds east of UTC
    after: int
    name: str  # abbreviation after the change

    @property
    def local(self) -> dt.datetime:
        """Wall-clock time just before the change (in the old offset), as DTSTART wants."""
        return _EPOCH + dt.timedelta(seconds=self.at + self.before)


_EPOCH = dt.datetime(1970, 1, 1)


def _year_start(year: int) -> int:
    """Jan 1 of ``year``, 00:00 UTC, in seconds since 1970 (any year, no datetime limits)."""
    y = year - 1
    return (y * 365 + y // 4 - y // 100 + y // 400 + 1 - 719163) * _DAY


def _tzif_bytes(name: str) -> bytes | None:
    """The TZif file zoneinfo reads for ``name``: the first on zoneinfo.TZPATH, else tzdata's."""
    for base in zoneinfo.TZPATH:
        path = os.path.join(base, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                return f.read()
    try:
        return importlib.resources.files("tzdata").joinpath(
            "zoneinfo", *name.split("/")).read_bytes()
    except (ImportError, OSError):
        return None


def _read_tzif(data: bytes) -> tuple[list[_Change], str | None]:
    """A TZif file's offset changes (abbreviation-only changes dropped) and footer, if any."""
    def header(at: int) -> tuple[int, ...]:
        if data[at:at + 4] != b"TZif":
            raise ValueError("not a TZif file")
        return struct.unpack(">6l", data[at + 20:at + 44])

    isut, isstd, leap, timecnt, typecnt, charcnt = header(0)
    at, size = 44, 4
    if data[4:5] >= b"2":  # skip the 32-bit block: the 64-bit one and the footer follow
        at += timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut
        isut, isstd, leap, timecnt, typecnt, charcnt = header(at)
        at, size = at + 44, 8
    times = struct.unpack(f">{timecnt}{'q' if size == 8 else 'l'}",
                          data[at:at + timecnt * size])
    at += timecnt * size
    kinds = data[at:at + timecnt]
    at += timecnt
    types = [struct.unpack(">lBB", data[at + 6 * i:at + 6 * i + 6]) for i in range(typecnt)]
    at += typecnt * 6
    chars = data[at:at + charcnt]
    at += charcnt + leap * (size + 4) + isstd + isut

    def abbr(index: int) -> str:
        return chars[index:chars.index(b"\0", index)].decode("ascii", "replace")

    changes = []
    offset = types[0][0] if types else 0
    for when, kind in zip(times, kinds, strict=True):
        utoff, _, index = types[kind]
        if utoff != offset:
            changes.append(_Change(when, offset, utoff, abbr(index)))
            offset = utoff
    footer = None
    if size == 8 and data[at:at + 1] == b"\n":
        footer = data[at + 1:data.index(b"\n", at + 1)].decode("ascii")
    return changes, footer or None


def _rule_changes(tz: PosixTz, first_year: int, last_year: int) -> list[_Change]:
    """The changes the footer's rule makes from ``first_year`` to ``last_year``."""
    assert tz.start is not None and tz.end is not None
    assert tz.dst_name is not None and tz.dst_offset is not None
    out = []
    for year in range(max(first_year, 1), min(last_year, 9998) + 1):
        for date, before, after, name in ((tz.start, tz.std_offset, tz.dst_offset, tz.dst_name),
                                          (tz.end, tz.dst_offset, tz.std_offset, tz.std_name)):
            at = (date.local(year) - _EPOCH) // dt.timedelta(seconds=1) - before
            out.append(_Change(at, before, after, name))
    return sorted(out, key=lambda c: c.at)


def _year(at: int) -> int:
    return (_EPOCH + dt.timedelta(seconds=at)).year


@dataclass(frozen=True)
class _Zone:
    changes: tuple[_Change, ...]  # the offset changes the TZif file lists
    rule: PosixTz | None  # its footer: how the zone keeps time after them
    pieces: tuple[tuple[_Piece, ...], tuple[_Piece, ...]] | None  # DST start, end as RRULEs
    agrees_from: float  # from this instant (UTC) on, the footer alone gives the zone's offsets
    takes_over: float  # the first change the rule makes from then on (with pieces)


def _zone(name: str) -> _Zone | None:
    """What ``name``'s TZif file says; None if it cannot be read or its rule is not usable."""
    data = _tzif_bytes(name)
    return None if data is None else _analyse(data)


@functools.lru_cache(maxsize=1024)  # keyed by the file's bytes: a tzdata update is seen
def _analyse(data: bytes) -> _Zone | None:
    try:
        return _analysis(data)
    except (ValueError, IndexError, OverflowError, struct.error):
        return None


def _analysis(data: bytes) -> _Zone | None:
    changes, footer = _read_tzif(data)
    rule = parse_posix_tz(footer) if footer else None
    if rule is None or rule.start is None or rule.end is None:
        # no DST: the offset after the last listed change holds for good
        agrees = float(changes[-1].at) if changes else float("-inf")
        return _Zone(tuple(changes), rule, None, agrees, agrees)
    start, end = _pieces(rule.start), _pieces(rule.end)
    if start is None or end is None:
        return None  # J or n forms, or no yearly RRULE fits
    if not changes:
        return _Zone((), rule, (start, end), float("-inf"), float("-inf"))
    # Walk back from the last listed change while the rule makes the same change: fat TZif
    # files list the rule's changes up to 2037, slim ones stop about where it takes over.
    expected = [c for c in _rule_changes(rule, _year(changes[0].at) - 1, _year(changes[-1].at))
                if c.at <= changes[-1].at]
    i, j = len(changes) - 1, len(expected) - 1
    while i >= 0 and j >= 0 and (changes[i].at, changes[i].before, changes[i].after) == (
            expected[j].at, expected[j].before, expected[j].after):
        i, j = i - 1, j - 1
    if i < 0:  # every listed change is the rule's
        agrees = takes_over = changes[0].at
    elif j >= 0 and expected[j].at > changes[i].at:
        # The rule then makes a change the zone did not (it had that offset already; Nuuk
        # kept -02 in October 2023, then followed its new rule from March 2024). The rule is
        # written from that change on: tzical's standard time then moves where no clock does,
        # not at the next real change, which it would read an hour wrong.
        agrees = takes_over = expected[j].at
    else:
        agrees = changes[i].at
        if i + 1 < len(changes):
            takes_over = changes[i + 1].at
        else:
            year = _year(changes[-1].at)
            takes_over = next(c.at for c in _rule_changes(rule, year, year + 2)
                              if c.at > changes[-1].at)
    return _Zone(tuple(changes), rule, (start, end), float(agrees), float(takes_over))


# --- fallback: the offsets zoneinfo gives -------------------------------------------------------


def _offset(tz: ZoneInfo, ts: int) -> int:
    off = dt.datetime.fromtimestamp(ts, tz).utcoffset()
    assert off is not None
    return off // dt.timedelta(seconds=1)


def _sampled_changes(tz: ZoneInfo, lo: int, hi: int) -> list[_Change]:
    """Offset changes in [lo, hi) found by asking zoneinfo every 6 hours, then bisecting."""
    step = 6 * _HOUR
    out = []
    t = lo
    prev = _offset(tz, t)
    while t < hi:
        nxt = t + step
        cur = _offset(tz, nxt)
        if cur != prev:
            low, high = t, nxt  # bisect to the second of the change
            while high - low > 1:
                mid = (low + high) // 2
                if _offset(tz, mid) == prev:
                    low = mid
                else:
                    high = mid
            name = dt.datetime.fromtimestamp(high, tz).tzname() or ""
            out.append(_Change(high, prev, cur, name))
            prev = cur
        t = nxt
    return out


# --- the VTIMEZONE ------------------------------------------------------------------------------


def _block(before: int, after: int) -> TimezoneDaylight | TimezoneStandard:
    # DAYLIGHT means "the larger offset" (tzdata's rearguard form): zones with negative DST
    # (Europe/Dublin, Africa/Casablanca) otherwise confuse readers such as tzical. Not for a
    # whole day skipped (Pacific/Apia, end of 2011): tzical's DST would be a day, which
    # Python's datetime refuses, so the calendar would not load at all.
    return TimezoneDaylight() if 0 < after - before < _DAY else TimezoneStandard()


def _first(date: PosixDate, piece: _Piece, before: int, since: float) -> dt.datetime:
    """The first change ``piece`` makes at or after ``since`` (UTC seconds)."""
    year = _year(int(max(since, _year_start(2))))
    for y in range(year - 1, min(year + 800, 9998)):
        local = date.local(y)
        if local.month == piece.month and \
                (local - _EPOCH) // dt.timedelta(seconds=1) - before >= since:
            return local
    raise ValueError(f"{piece.rule} makes no change after {since}")


def _delta(seconds: int) -> dt.timedelta:
    return dt.timedelta(seconds=seconds)


def vtimezone(name: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for ``name``, right from ``first_year`` through ``last_year`` at least.

    Where the zone's rule is written as RRULEs it is right for good; blocks for single changes
    go up to ``last_year`` (the offset of its last change then stays).
    """
    tz = ZoneInfo(name)
    comp = Timezone()
    comp.add("tzid", name)
    # A change in the first hours of first_year may be late in the year before, locally.
    lo, hi = _year_start(first_year - 1), _year_start(last_year + 1)
    since = max(1, min(_SINCE, first_year - 2))
    zone = _zone(name)
    rules_from: float | None = None  # write the rule's changes from this instant (UTC) on
    changes: list[_Change]  # written one block each
    if zone is None:
        changes = _sampled_changes(tz, lo, min(hi, _year_start(9999)))
    elif zone.pieces is not None and zone.agrees_from <= lo:
        changes, rules_from = [], _year_start(since)
    elif zone.pieces is not None and zone.takes_over < hi:
        # the zone changed its rule lately: its changes until then, then the rule
        changes = [c for c in zone.changes if lo <= c.at < zone.takes_over]
        rules_from = zone.takes_over
    else:
        changes = [c for c in zone.changes if lo <= c.at < hi]
    rules: list[tuple[dt.datetime, _Change, str]] = []  # DTSTART, offsets and name, RRULE
    if zone is not None and zone.pieces is not None and rules_from is not None:
        tzr = zone.rule
        assert tzr is not None and tzr.start is not None and tzr.end is not None
        assert tzr.dst_offset is not None and tzr.dst_name is not None
        for date, pieces, change in (
                (tzr.start, zone.pieces[0],
                 _Change(0, tzr.std_offset, tzr.dst_offset, tzr.dst_name)),
                (tzr.end, zone.pieces[1],
                 _Change(0, tzr.dst_offset, tzr.std_offset, tzr.std_name))):
            for piece in pieces:
                rules.append((_first(date, piece, change.before, rules_from), change,
                              piece.rule))
        rules.sort(key=lambda r: r[0])
    if not changes and not rules:
        ref = dt.datetime(first_year, 1, 1, 12, tzinfo=tz)
        off = ref.utcoffset() or dt.timedelta(0)
        fixed = TimezoneStandard()
        fixed.add("dtstart", dt.datetime(1970, 1, 1))
        fixed.add("tzoffsetfrom", off)
        fixed.add("tzoffsetto", off)
        fixed.add("tzname", ref.tzname() or name)
        comp.add_component(fixed)
        return comp
    # Blocks for single changes hold only a DTSTART each: RDATE lists would be shorter, but
    # dateutil's tzical ignores RDATE, so vobject users would get wrong offsets.
    #
    # Both forms also say what the offset was back in _SINCE (rules start at their first
    # instance that year; otherwise a leading block): vobject takes a zone that matches UTC over
    # 2000-2020 for UTC itself and swaps in pytz's zone, whose fixed offset dateutil then
    # repeats all year (London's summer meetings were an hour late).
    if changes or (rules_from is not None and rules_from > lo):
        lead_offset = _offset(tz, lo)
        first = changes[0] if changes else rules[0][1]
        # tzical converts from UTC through each block's standard time (TZOFFSETTO of a
        # STANDARD block, TZOFFSETFROM of a DAYLIGHT one); the lead's must be the next
        # block's, or the hours around the first change come out wrong.
        standard = first.before if first.after > first.before else first.after
        lead = _block(standard, lead_offset)
        lead.add("dtstart", dt.datetime(since, 1, 1))
        lead.add("tzoffsetfrom", _delta(
            standard if isinstance(lead, TimezoneDaylight) else lead_offset))
        lead.add("tzoffsetto", _delta(lead_offset))
        comp.add_component(lead)
    blocks = [(c.local, c, None) for c in changes] + rules
    for start, change, rule in blocks:
        sub = _block(change.before, change.after)
        sub.add("dtstart", start)
        if rule is not None:
            sub.add("rrule", vRecur.from_ical(rule))
        if change.name:
            sub.add("tzname", change.name)
        sub.add("tzoffsetfrom", _delta(change.before))
        sub.add("tzoffsetto", _delta(change.after))
        comp.add_component(sub)
    return comp
