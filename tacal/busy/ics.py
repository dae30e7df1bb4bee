"""Busy times out of any iCalendar feed: its events (recurrences expanded) and its
VFREEBUSY periods, minus what does not make anyone busy.

Why icalendar + recurring-ical-events: the feed can come from any calendar app, with
RRULE/EXDATE/RECURRENCE-ID overrides and its own VTIMEZONEs; recurring-ical-events applies
all of them the way calendar apps do (the same library ``preview`` expands tacal's own
output with), so a weekly 1:1 in someone's Outlook export blocks every week it really meets.

Not busy: events with ``TRANSP:TRANSPARENT`` (shown as free), ``STATUS:CANCELLED``, and
tacal's own events (UID ending in ``@tacal`` or carrying ``X-TACAL-CADENCE``): a person's
calendar holds the meetings tacal placed, and those must not push themselves away.
``FREEBUSY`` periods count unless their ``FBTYPE`` is ``FREE``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar

Block = tuple[dt.datetime, dt.datetime]

#: A tacal event carries this property naming its cadence (tacal.ical.writer).
TACAL_MARKER = "X-TACAL-CADENCE"


class FeedError(ValueError):
    """The feed is not iCalendar tacal can read; the message says what is wrong."""


def _aware(value: dt.date | dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """Dates are whole days and floating times are wall clock, both in the person's zone."""
    if not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time(0), zone)
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def _is_tacal(uid: str, component: object) -> bool:
    return uid.lower().endswith("@tacal") or TACAL_MARKER in component  # type: ignore[operator]


def merge(blocks: Iterable[Block]) -> tuple[Block, ...]:
    """Sorted, with overlapping or touching blocks joined (in UTC, so zones compare)."""
    out: list[Block] = []
    for start, end in sorted((s.astimezone(dt.UTC), e.astimezone(dt.UTC)) for s, e in blocks):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def busy_blocks(data: bytes, start: dt.datetime, end: dt.datetime, zone: str) -> tuple[Block, ...]:
    """The busy blocks of feed ``data`` that overlap ``[start, end)``, merged, in UTC.

    ``zone`` is the person's IANA zone, for all-day events and floating times. Raises
    :class:`FeedError` when the bytes are not a VCALENDAR."""
    try:
        cal = Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        raise FeedError(f"not iCalendar ({exc.__class__.__name__}: {str(exc)[:120]})") from None
    if not isinstance(cal, Calendar) or cal.name != "VCALENDAR":
        raise FeedError("not iCalendar (no VCALENDAR)")
    tz = ZoneInfo(zone)
    found: list[Block] = []
    try:
        events = recurring_ical_events.of(cal, components=["VEVENT"]).between(start, end)
    except Exception as exc:  # the library raises many kinds on broken recurrences
        raise FeedError(f"its events cannot be expanded ({exc.__class__.__name__})") from None
    for event in events:
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if _is_tacal(str(event.get("UID", "")), event):
            continue
        begin = event.get("DTSTART")
        if begin is None:
            continue
        first = _aware(begin.dt, tz)
        stop = event.get("DTEND")
        if stop is not None:
            last = _aware(stop.dt, tz)
        elif event.get("DURATION") is not None:
            last = first + event["DURATION"].dt
        else:  # RFC 5545 3.6.1: a date lasts the day, a date-time no time at all
            last = first + (
                dt.timedelta(days=1) if not isinstance(begin.dt, dt.datetime) else dt.timedelta()
            )
        found.append((first, last))
    for fb in cal.walk("VFREEBUSY"):
        if _is_tacal(str(fb.get("UID", "")), fb):
            continue
        periods = fb.get("FREEBUSY", [])
        for period in periods if isinstance(periods, list) else [periods]:
            if str(period.params.get("FBTYPE", "BUSY")).upper() == "FREE":
                continue
            first_value, second = period.dt
            first = _aware(first_value, tz)
            last = first + second if isinstance(second, dt.timedelta) else _aware(second, tz)
            found.append((first, last))
    return tuple(b for b in merge(found) if b[0] < end and b[1] > start)


__all__ = ["Block", "FeedError", "TACAL_MARKER", "busy_blocks", "merge"]
