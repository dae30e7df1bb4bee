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
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr
from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

#: The year VTIMEZONE rules begin (see vtimezone()): just before the 2000-2020 span over which
#: vobject compares a zone with UTC; earlier only makes tzical's lookups slower.
_SINCE = 1999
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


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
