"""``freebusy.query`` (``POST /calendar/v3/freeBusy``), computed from the events the emulator
holds, and :func:`seed_busy` for tests to put meetings into a person's calendar.

After https://developers.google.com/calendar/api/v3/reference/freebusy/query: a body with
``timeMin``, ``timeMax``, optional ``timeZone`` and ``items`` (``{"id": calendarId}``, at
most 50: ``calendarExpansionMax``'s maximum); the answer has ``kind``, ``timeMin``,
``timeMax`` and per calendar ``busy`` (``start``/``end`` pairs) or ``errors`` (``notFound``
for a calendar the emulator does not hold). Busy means: not cancelled, not
``transparency: transparent``; recurring events expanded (EXDATE, RDATE, exceptions), an
all-day event busy for its days in the calendar's zone. Overlapping periods are merged (how
Google presents overlaps is not documented; merged is what a free/busy view shows).

Works inside batch requests too: batch parts are dispatched through the same
:meth:`CalendarStore.call`. Registered there with one line.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.gcal_emulator.resource import Answer, ApiError, _bad, _instant, _ruleset

FREEBUSY_PATH = "/calendar/v3/freeBusy"
MAX_ITEMS = 50

__all__ = ["FREEBUSY_PATH", "free_busy", "seed_busy"]


def _parse(value: Any, what: str) -> datetime:
    if not isinstance(value, str):
        raise _bad(f"Missing {what}.", "required")
    try:
        out = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _bad(f"Invalid {what}.") from exc
    if out.tzinfo is None:
        raise _bad(f"Invalid {what}.")
    return out


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tz)


def _periods(store: Any, cal: Any, lo: datetime, hi: datetime) -> list[tuple[datetime, datetime]]:
    tz = ZoneInfo(cal.time_zone)
    found: list[tuple[datetime, datetime]] = []
    exceptions: dict[str, set[datetime | date]] = {}
    for e in cal.events.values():
        if "recurringEventId" in e and "originalStartTime" in e:
            exceptions.setdefault(e["recurringEventId"], set()).add(
                _instant(e["originalStartTime"], "start")
            )
    for e in cal.events.values():
        if e.get("status") == "cancelled" or e.get("transparency") == "transparent":
            continue
        start = _instant(e["start"], "start")
        end = _instant(e["end"], "end")
        if e.get("recurrence") and "recurringEventId" not in e:
            rs, all_day = _ruleset(e)
            length = end - start  # type: ignore[operator]
            skip = exceptions.get(e["id"], set())
            if all_day:
                first = lo.astimezone(tz).replace(tzinfo=None) - length - timedelta(days=1)
                last = hi.astimezone(tz).replace(tzinfo=None)
                for occ in rs.between(first, last, inc=True):
                    if occ.date() in skip:
                        continue
                    found.append((_day_start(occ.date(), tz), _day_start(occ.date() + length, tz)))
            else:
                for occ in rs.between(lo - length, hi, inc=True):
                    if occ in skip:
                        continue
                    found.append((occ, occ + length))
        elif isinstance(start, datetime):
            found.append((start, end))  # type: ignore[arg-type]
        else:
            found.append((_day_start(start, tz), _day_start(end, tz)))  # type: ignore[arg-type]
    clipped = sorted(
        (max(a, lo).astimezone(UTC), min(b, hi).astimezone(UTC))
        for a, b in found
        if a < hi and b > lo
    )
    merged: list[tuple[datetime, datetime]] = []
    for a, b in clipped:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        elif b > a:
            merged.append((a, b))
    return merged


def _text(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat(timespec="seconds").replace("+00:00", "Z")


def free_busy(store: Any, method: str, raw_body: bytes) -> Answer:
    """The answer to one ``freebusy.query`` (also as a part of a batch)."""
    try:
        if method != "POST":
            raise ApiError(405, "httpMethodNotAllowed", "Method Not Allowed")
        try:
            body = json.loads(raw_body.decode("utf-8") or "{}")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "parseError", "Parse Error") from exc
        if not isinstance(body, dict):
            raise ApiError(400, "parseError", "Parse Error")
        lo = _parse(body.get("timeMin"), "timeMin")
        hi = _parse(body.get("timeMax"), "timeMax")
        if hi <= lo:
            raise _bad("The specified time range is empty.", "timeRangeEmpty")
        try:
            out_tz = ZoneInfo(body.get("timeZone") or "UTC")
        except (KeyError, ValueError) as exc:
            raise _bad("Invalid time zone.") from exc
        items = body.get("items") or []
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise _bad(
                f"Too many calendars requested (at most {MAX_ITEMS}).", "tooManyCalendarsRequested"
            )
        calendars: dict[str, Any] = {}
        with store._lock:
            for item in items:
                cid = item.get("id") if isinstance(item, dict) else None
                if not isinstance(cid, str):
                    raise _bad("Missing calendar id.", "required")
                cal = store.calendars.get(cid)
                if cal is None:
                    calendars[cid] = {
                        "errors": [{"domain": "global", "reason": "notFound"}],
                        "busy": [],
                    }
                    continue
                calendars[cid] = {
                    "busy": [
                        {"start": _text(a, out_tz), "end": _text(b, out_tz)}
                        for a, b in _periods(store, cal, lo, hi)
                    ]
                }
        store.freebusy_queries = getattr(store, "freebusy_queries", 0) + 1
        return Answer(
            200,
            {
                "kind": "calendar#freeBusy",
                "timeMin": _text(lo, UTC),
                "timeMax": _text(hi, UTC),
                "calendars": calendars,
            },
        )
    except ApiError as err:
        return Answer(err.status, err.body())


def seed_busy(
    store: Any,
    calendar_id: str,
    start: datetime,
    end: datetime,
    *,
    summary: str = "Busy",
    recurrence: list[str] | None = None,
    transparent: bool = False,
    time_zone: str = "UTC",
) -> dict[str, Any]:
    """Put a meeting into ``calendar_id`` (the calendar is created when missing); aware
    ``start``/``end``, written in ``time_zone``."""
    if calendar_id not in store.calendars:
        store.add_calendar(calendar_id, time_zone)
    tz = ZoneInfo(time_zone)
    body: dict[str, Any] = {
        "summary": summary,
        "start": {"dateTime": start.astimezone(tz).isoformat(), "timeZone": time_zone},
        "end": {"dateTime": end.astimezone(tz).isoformat(), "timeZone": time_zone},
    }
    if recurrence:
        body["recurrence"] = recurrence
    if transparent:
        body["transparency"] = "transparent"
    return store.put_event(calendar_id, body)  # type: ignore[no-any-return]
