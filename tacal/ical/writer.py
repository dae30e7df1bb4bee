"""Series → one VCALENDAR (bytes), deterministic so that unchanged inputs give the same bytes.

SEQUENCE and DTSTAMP come from the previous output (see :mod:`tacal.ical.stamps`): a series
whose content hash is unchanged keeps both, a changed one gets SEQUENCE + 1 and DTSTAMP = now.
That is what lets subscribers update events in place and lets ``build`` be byte-identical day
after day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import replace
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vRecur, vText

from tacal import __version__
from tacal.ical.stamps import HASH_PROP, Stamp, next_stamps
from tacal.ical.vtimezone import vtimezone
from tacal.schedule.clocks import CELL, cell_is_clean, dst_days
from tacal.series import Attendee, Override, Series

PRODID = f"-//tacal//tacal {__version__}//EN"


def _address(a: Attendee, kind: str = "ATTENDEE", *, organizer: bool = False) -> vCalAddress:
    """An ORGANIZER or ATTENDEE value; the organizer listed among the attendees has
    already accepted (RFC 5546, 2.1.2: the organizer may be an attendee) instead of
    being asked to answer their own invitation."""
    addr = vCalAddress(f"mailto:{a.email}")
    if a.name:
        addr.params["CN"] = a.name
    if kind == "ATTENDEE":
        addr.params["ROLE"] = "REQ-PARTICIPANT"
        addr.params["PARTSTAT"] = "ACCEPTED" if organizer else "NEEDS-ACTION"
        addr.params["CUTYPE"] = "INDIVIDUAL"
    return addr


def _add_shared(ev: Event, s: Series) -> None:
    """Properties a series' master and its overrides carry alike (one place, so they agree)."""
    if s.location:
        ev.add("location", s.location)
    ev.add("categories", [s.kind.capitalize()])
    owner = s.organizer.email.lower() if s.organizer else None
    if s.organizer:
        ev.add("organizer", _address(s.organizer, "ORGANIZER"))
    for a in s.attendees:
        ev.add("attendee", _address(a, organizer=a.email.lower() == owner))
    ev.add("status", "CONFIRMED")


def _add_end(ev: Event, start: dt.datetime, s: Series, tz: dt.tzinfo, exact: bool) -> None:
    """DTEND, or DURATION for a series whose wall-clock times meet a DST change: a DTEND in
    wall-clock time would end a meeting that starts in a skipped hour before it starts (or make
    one in a repeated hour twice as long); DURATION keeps its length on every occurrence
    (RFC 5545, 3.8.2.5: an exact duration for hours and minutes)."""
    if exact:
        ev.add("duration", s.duration)
    else:
        ev.add("dtend", (start + s.duration).replace(tzinfo=tz))


def instance_overrides(s: Series) -> list[Override]:
    """Every occurrence that differs from the rule, one per RECURRENCE-ID, sorted: the moves
    (holidays, clashes) and the series' own overrides (the MBR's Top 3), merged when both
    concern the same occurrence.

    A move is an override and not EXDATE + RDATE because that is what every client exports
    and reads: node-ical ignores RDATE (the moved meeting vanishes), libical misreads
    RDATE;TZID, and Outlook takes an RDATE only under extra rules (MS-OXCICAL 2.1.3.1.1.20.18).
    An override keeps a move's time unless it sets a time of its own; one naming the moved
    time instead of the occurrence (an RDATE's own RECURRENCE-ID) is read as that occurrence.
    """
    moves = dict(s.recurrence.moves)
    origin = {new: old for old, new in moves.items()}
    merged = {old: Override(old, new) for old, new in moves.items()}
    for o in s.overrides:
        rid = origin.get(o.recurrence_id, o.recurrence_id)
        start = o.start
        if rid in moves and o.start == o.recurrence_id:
            start = moves[rid]
        merged[rid] = replace(o, recurrence_id=rid, start=start)
    return [merged[k] for k in sorted(merged)]


def _crosses_a_clock_change(s: Series) -> bool:
    """Whether any wall-clock time of the series' day span is skipped or repeated by a DST
    change in its zone during the years it runs."""
    first = s.recurrence.start
    starts = [first, *s.recurrence.rdates, *(o.start for o in instance_overrides(s))]
    last = max(starts)
    end_year = last.year + (30 if s.recurrence.rrule else 0)
    years = (s.timezone, first.year, min(end_year, first.year + 30))
    if not _dst_days(*years):
        return False
    for start in starts:
        begin = start.hour * 60 + start.minute
        for minute in range(begin, begin + int(s.duration.total_seconds() // 60) + 1, CELL):
            if _unclean_time(*years, (minute % (24 * 60)) // CELL):
                return True
    return False


@functools.lru_cache(maxsize=256)
def _dst_days(zone: str, first_year: int, last_year: int) -> tuple[dt.date, ...]:
    return tuple(day for year in range(first_year, last_year + 1) for day in _year(zone, year))


@functools.lru_cache(maxsize=1024)
def _year(zone: str, year: int) -> tuple[dt.date, ...]:
    """One year's :func:`dst_days` (series starting a year apart share 30 of their 31)."""
    return dst_days(zone, dt.date(year, 1, 1), dt.date(year, 12, 31))


@functools.lru_cache(maxsize=65536)
def _unclean_time(zone: str, first_year: int, last_year: int, cell: int) -> bool:
    """Whether a DST change skips or repeats ``cell`` (a 5-minute step of the day) on some
    day of those years: only the cells a series covers are looked at, each once, on the
    days a change may touch (a year range's every cell took a tenth of a second)."""
    tz = ZoneInfo(zone)
    return any(not cell_is_clean(day, cell, tz) for day in _dst_days(zone, first_year, last_year))


def _event_body(s: Series, tz: dt.tzinfo) -> list[Event]:
    """The VEVENTs of one series without DTSTAMP/SEQUENCE (hashed, then stamped)."""
    rec = s.recurrence
    master = Event()
    master.add("uid", s.uid)
    master.add("dtstart", rec.start.replace(tzinfo=tz))
    exact = _crosses_a_clock_change(s)
    _add_end(master, rec.start, s, tz, exact)
    if rec.rrule:
        master.add("rrule", vRecur.from_ical(rec.rrule))
    if rec.exdates:
        master.add("exdate", [d.replace(tzinfo=tz) for d in rec.exdates])
    if rec.rdates:
        master.add("rdate", [d.replace(tzinfo=tz) for d in rec.rdates])
    master.add("summary", s.summary)
    if s.description:
        master.add("description", s.description)
    _add_shared(master, s)
    master.add("transp", "OPAQUE")
    master.add("x-tacal-cadence", vText(s.cadence_id))
    if s.account:
        master.add("x-tacal-account", vText(s.account))
    events = [master]
    for o in instance_overrides(s):
        ev = Event()
        ev.add("uid", s.uid)
        ev.add("recurrence-id", o.recurrence_id.replace(tzinfo=tz))
        ev.add("dtstart", o.start.replace(tzinfo=tz))
        _add_end(ev, o.start, s, tz, exact)
        ev.add("summary", o.summary or s.summary)
        desc = o.description if o.description is not None else s.description
        if desc:
            ev.add("description", desc)
        _add_shared(ev, s)
        ev.add("x-tacal-cadence", vText(s.cadence_id))
        if s.account:
            # readers take an override's own properties, not the master's
            ev.add("x-tacal-account", vText(s.account))
        events.append(ev)
    return events


def calendar_head(
    series: list[Series],
    *,
    name: str,
    timezone: str,
    now: dt.datetime,
    extra_props: Mapping[str, object] | None = None,
) -> Calendar:
    """The VCALENDAR without its events: properties and a compact VTIMEZONE per zone in use."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", timezone)
    # values: text, or an icalendar property whose parameters must survive (VALUE=DURATION)
    for key, value in (extra_props or {}).items():
        cal.add(key, value)
    zones = sorted({s.timezone for s in series} | {timezone})
    for zone in zones:
        years = [s.start.year for s in series if s.timezone == zone] or [now.year]
        last = max(
            max(
                (
                    d.year
                    for s in series
                    if s.timezone == zone
                    for d in (*s.recurrence.rdates, *(m[1] for m in s.recurrence.moves), s.start)
                ),
                default=now.year,
            ),
            min(years) + 2,
        )
        cal.add_component(vtimezone(zone, min(years), last))
    return cal


def series_events(s: Series, stamp: Stamp) -> list[Event]:
    """The stamped VEVENTs of one series: its master (carrying the content hash) and overrides."""
    from zoneinfo import ZoneInfo

    events = _event_body(s, ZoneInfo(s.timezone))
    for ev in events:
        ev.add("dtstamp", stamp.dtstamp)
        ev.add("sequence", stamp.sequence)
    events[0].add(HASH_PROP, stamp.hash)
    return events


def series_bytes(s: Series, stamp: Stamp) -> bytes:
    """One series serialised: exactly the lines it contributes to the whole calendar's
    ``to_ical()`` (each component ends in CRLF), so cached pieces can be joined."""
    return b"".join(ev.to_ical() for ev in series_events(s, stamp))


def build_calendar(
    series: list[Series],
    *,
    name: str,
    timezone: str,
    now: dt.datetime,
    previous: Mapping[str, Stamp] | None = None,
    extra_props: Mapping[str, object] | None = None,
    stamps: Mapping[str, Stamp] | None = None,
) -> Calendar:
    """One VCALENDAR with a compact VTIMEZONE per zone in use and stamped VEVENTs."""
    cal = calendar_head(series, name=name, timezone=timezone, now=now, extra_props=extra_props)
    given = stamps if stamps is not None else next_stamps(series, previous or {}, now)
    for s in series:
        for ev in series_events(s, given[s.uid]):
            cal.add_component(ev)
    return cal
