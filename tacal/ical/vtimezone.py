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

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

from tacal.ical.posix_tz import Piece, PosixDate
from tacal.ical.tzif import (
    EPOCH,
    Change,
    offset_at,
    sampled_changes,
    year_of,
    year_start,
    zone_of,
)

#: The year VTIMEZONE rules begin (see vtimezone()): just before the 2000-2020 span over which
#: vobject compares a zone with UTC; earlier only makes tzical's lookups slower.
_SINCE = 1999
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_HOUR = 3600
_DAY = 86400


# --- the VTIMEZONE ------------------------------------------------------------------------------


def _block(before: int, after: int) -> TimezoneDaylight | TimezoneStandard:
    # DAYLIGHT means "the larger offset" (tzdata's rearguard form): zones with negative DST
    # (Europe/Dublin, Africa/Casablanca) otherwise confuse readers such as tzical. Not for a
    # whole day skipped (Pacific/Apia, end of 2011): tzical's DST would be a day, which
    # Python's datetime refuses, so the calendar would not load at all.
    return TimezoneDaylight() if 0 < after - before < _DAY else TimezoneStandard()


def _first(date: PosixDate, piece: Piece, before: int, since: float) -> dt.datetime:
    """The first change ``piece`` makes at or after ``since`` (UTC seconds)."""
    year = year_of(int(max(since, year_start(2))))
    for y in range(year - 1, min(year + 800, 9998)):
        local = date.local(y)
        if (
            local.month == piece.month
            and (local - EPOCH) // dt.timedelta(seconds=1) - before >= since
        ):
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
    lo, hi = year_start(first_year - 1), year_start(last_year + 1)
    since = max(1, min(_SINCE, first_year - 2))
    zone = zone_of(name)
    rules_from: float | None = None  # write the rule's changes from this instant (UTC) on
    changes: list[Change]  # written one block each
    if zone is None:
        changes = sampled_changes(tz, lo, min(hi, year_start(9999)))
    elif zone.pieces is not None and zone.agrees_from <= lo:
        changes, rules_from = [], year_start(since)
    elif zone.pieces is not None and zone.takes_over < hi:
        # the zone changed its rule lately: its changes until then, then the rule
        changes = [c for c in zone.changes if lo <= c.at < zone.takes_over]
        rules_from = zone.takes_over
    else:
        changes = [c for c in zone.changes if lo <= c.at < hi]
    rules: list[tuple[dt.datetime, Change, str]] = []  # DTSTART, offsets and name, RRULE
    if zone is not None and zone.pieces is not None and rules_from is not None:
        tzr = zone.rule
        assert tzr is not None and tzr.start is not None and tzr.end is not None
        assert tzr.dst_offset is not None and tzr.dst_name is not None
        for date, pieces, change in (
            (tzr.start, zone.pieces[0], Change(0, tzr.std_offset, tzr.dst_offset, tzr.dst_name)),
            (tzr.end, zone.pieces[1], Change(0, tzr.dst_offset, tzr.std_offset, tzr.std_name)),
        ):
            for piece in pieces:
                rules.append((_first(date, piece, change.before, rules_from), change, piece.rule))
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
        lead_offset = offset_at(tz, lo)
        first = changes[0] if changes else rules[0][1]
        # tzical converts from UTC through each block's standard time (TZOFFSETTO of a
        # STANDARD block, TZOFFSETFROM of a DAYLIGHT one); the lead's must be the next
        # block's, or the hours around the first change come out wrong.
        standard = first.before if first.after > first.before else first.after
        lead = _block(standard, lead_offset)
        lead.add("dtstart", dt.datetime(since, 1, 1))
        lead.add(
            "tzoffsetfrom", _delta(standard if isinstance(lead, TimezoneDaylight) else lead_offset)
        )
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
