"""Google Calendar event bodies from iCalendar components, and the values read back from them.

The bodies are Events resources of the Calendar API v3
(https://developers.google.com/calendar/api/v3/reference/events): ``start``/``end`` hold
a ``date`` (all-day) or a wall-clock ``dateTime`` with an IANA ``timeZone``;
``recurrence`` holds RFC 5545 RRULE/EXRULE/RDATE/EXDATE lines
(https://www.rfc-editor.org/rfc/rfc5545#section-3.8.5), expanded in the start's zone;
an exception to one occurrence is the event ``{eventId}_{YYYYMMDDTHHMMSSZ}``
(``_{YYYYMMDD}`` all-day) carrying ``recurringEventId`` and ``originalStartTime``.
tacal's bookkeeping rides in ``extendedProperties.private`` under the keys below.

Names with a leading underscore are shared inside :mod:`tacal.gcal` only.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rruleset, rrulestr

from tacal.errors import SyncError

__all__ = [
    "ACCOUNT_KEY",
    "CADENCE_KEY",
    "CHECK_KEY",
    "DELETED_KEY",
    "HASH_KEY",
    "MARKER",
    "ORGANIZER_KEY",
    "PENDING_KEY",
    "UID_KEY",
    "event_id_for",
    "instance_id",
]

# Keys of extendedProperties.private on every event tacal writes.
MARKER = "tacal"
UID_KEY = "tacalUid"
HASH_KEY = "tacalHash"
CHECK_KEY = "tacalCheck"
PENDING_KEY = "tacalPending"
CADENCE_KEY = "tacalCadence"
# Scope (what `--account` / `--for` may delete) and "tacal itself deleted this event".
ACCOUNT_KEY = "tacalAccount"
ORGANIZER_KEY = "tacalOrganizer"
DELETED_KEY = "tacalDeleted"


# ---------------------------------------------------------------------------- ids
def event_id_for(uid: str) -> str:
    """Google event id for a UID: base32hex (0-9, a-v) of its SHA-256, 52 characters.

    Deterministic so that every run, on every machine, addresses the same event.
    """
    digest = hashlib.sha256(uid.encode("utf-8")).digest()
    return base64.b32hexencode(digest).decode("ascii").rstrip("=").lower()


def instance_id(master_id: str, key: str) -> str:
    """Google's id of one occurrence: ``{master}_{YYYYMMDDTHHMMSSZ}`` (``_{YYYYMMDD}`` all-day)."""
    return f"{master_id}_{key}"


# ------------------------------------------------------------------ time helpers
def _tz_name(value: datetime, params: Any) -> str:
    """The IANA name Google needs for a DTSTART/DTEND/EXDATE value."""
    candidates = []
    if params is not None and params.get("TZID"):
        candidates.append(str(params["TZID"]))
    key = getattr(value.tzinfo, "key", None) or getattr(value.tzinfo, "zone", None)
    if key:
        candidates.append(str(key))
    if value.utcoffset() == timedelta(0) and value.tzinfo is not None and not candidates:
        candidates.append("UTC")
    for name in candidates:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    raise SyncError(
        f"time {value.isoformat()} has no IANA time zone Google Calendar understands",
        hint="give every cadence a time zone such as Europe/Berlin",
    )


def _time_field(value: date | datetime, params: Any, what: str, uid: str) -> dict[str, str]:
    if not isinstance(value, datetime):
        return {"date": value.isoformat()}
    if value.tzinfo is None:
        raise SyncError(
            f"{uid}: {what} {value.isoformat()} is a floating time",
            hint="Google needs a time zone for every timed event",
        )
    tz = _tz_name(value, params)
    wall = value.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return {"dateTime": wall.isoformat(timespec="seconds"), "timeZone": tz}


def _key_of_value(value: date | datetime) -> str:
    """UTC basic-format key of an occurrence start, as in Google instance ids."""
    if not isinstance(value, datetime):
        return value.strftime("%Y%m%d")
    if value.tzinfo is None:
        raise SyncError(f"RECURRENCE-ID {value.isoformat()} has no time zone")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _instant(t: dict[str, Any] | None) -> datetime | date | None:
    """What a Google start/end stands for: an aware UTC datetime, or a date."""
    if not t:
        return None
    if t.get("date"):
        return date.fromisoformat(t["date"])
    value = t.get("dateTime")
    if not value:
        return None
    dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(t["timeZone"]) if t.get("timeZone") else UTC)
    return dt.astimezone(UTC)


def _key_of_time(t: dict[str, Any]) -> str:
    inst = _instant(t)
    if inst is None:
        return ""
    return _key_of_value(inst)


def _key_to_value(key: str) -> date | datetime:
    if "T" in key:
        return datetime.strptime(key, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return datetime.strptime(key, "%Y%m%d").date()


def _stamp(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def _date_list_line(name: str, values: Iterable[date | datetime], start_tz: str | None) -> str:
    """One RFC 5545 EXDATE/RDATE line, in the series' zone so Google expands it right."""
    ordered = sorted(set(values), key=_stamp)
    dates = [v for v in ordered if not isinstance(v, datetime)]
    if dates:
        return f"{name};VALUE=DATE:" + ",".join(d.strftime("%Y%m%d") for d in dates)
    times = [v for v in ordered if isinstance(v, datetime)]
    if not start_tz or start_tz == "UTC":
        return f"{name}:" + ",".join(v.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") for v in times)
    z = ZoneInfo(start_tz)
    return f"{name};TZID={start_tz}:" + ",".join(
        v.astimezone(z).strftime("%Y%m%dT%H%M%S") for v in times
    )


def _parse_date_line(line: str, default_tz: str | None) -> list[date | datetime]:
    head, _, values = line.partition(":")
    params = dict(p.split("=", 1) for p in head.split(";")[1:] if "=" in p)
    tzname = params.get("TZID") or default_tz
    out: list[date | datetime] = []
    for raw in values.split(","):
        raw = raw.strip()
        if not raw:
            continue
        if params.get("VALUE") == "DATE" or len(raw) == 8:
            out.append(datetime.strptime(raw, "%Y%m%d").date())
        elif raw.endswith("Z"):
            out.append(datetime.strptime(raw, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC))
        else:
            naive = datetime.strptime(raw, "%Y%m%dT%H%M%S")
            out.append(naive.replace(tzinfo=ZoneInfo(tzname) if tzname else UTC))
    return out


def _rule_set(body: dict[str, Any]) -> rruleset | None:
    """Occurrences of a master body (start + recurrence lines), for membership tests."""
    lines = body.get("recurrence") or []
    if not lines:
        return None
    start = body["start"]
    tzname = start.get("timeZone")
    if start.get("date"):
        dtstart = datetime.combine(date.fromisoformat(start["date"]), datetime.min.time())
        all_day = True
    else:
        dt = datetime.fromisoformat(str(start["dateTime"]).replace("Z", "+00:00"))
        zone = ZoneInfo(tzname) if tzname else UTC
        dtstart = dt.astimezone(zone) if dt.tzinfo else dt.replace(tzinfo=zone)
        all_day = False
    rs = rruleset()
    rs.rdate(dtstart)
    for line in lines:
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        if name in ("RRULE", "EXRULE"):
            rule = rrulestr(line.split(":", 1)[1], dtstart=dtstart)
            assert isinstance(rule, rrule)
            (rs.rrule if name == "RRULE" else rs.exrule)(rule)
        elif name in ("RDATE", "EXDATE"):
            add = rs.rdate if name == "RDATE" else rs.exdate
            for value in _parse_date_line(line, tzname):
                if all_day:
                    day = value.date() if isinstance(value, datetime) else value
                    add(datetime.combine(day, datetime.min.time()))
                elif isinstance(value, datetime):
                    add(value)
                else:
                    # a date cannot be ordered among the series' date-times
                    raise ValueError(f"{name} {value.isoformat()} is a date in a timed series")
    return rs


def _occurs(body: dict[str, Any], key: str, cache: dict[int, Any] | None = None) -> bool:
    """Whether the series in ``body`` has an occurrence starting at ``key``."""
    try:
        if cache is not None and id(body) in cache:
            rs = cache[id(body)]
        else:
            rs = _rule_set(body)
            if cache is not None:
                cache[id(body)] = rs
    except (ValueError, KeyError, TypeError, ZoneInfoNotFoundError):
        return False
    if rs is None:
        return False
    target = _key_to_value(key)
    if isinstance(target, datetime):
        if body["start"].get("date"):
            return False
        window = timedelta(seconds=1)
        return bool(rs.between(target - window, target + window, inc=True))
    if not body["start"].get("date"):
        return False
    day = datetime.combine(target, datetime.min.time())
    return bool(rs.between(day, day, inc=True))


# ------------------------------------------------------------------------- bodies
def _attendees(comp: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Google attendees (e-mail, CN as displayName, optional role) and their labels."""
    raw = comp.get("ATTENDEE")
    values = [] if raw is None else raw if isinstance(raw, list) else [raw]
    out: list[dict[str, Any]] = []
    shown: list[str] = []
    seen: set[str] = set()
    for att in values:
        addr = str(att).strip()
        email = addr[7:] if addr.lower().startswith("mailto:") else addr
        if not email or email.lower() in seen:
            continue
        seen.add(email.lower())
        params = getattr(att, "params", {})
        item: dict[str, Any] = {"email": email}
        if params.get("CN"):
            item["displayName"] = str(params["CN"])
            shown.append(f"{params['CN']} <{email}>")
        else:
            shown.append(email)
        if str(params.get("ROLE", "")).upper() == "OPT-PARTICIPANT":
            item["optional"] = True
        out.append(item)
    return out, shown


def _base_body(comp: Any, uid: str) -> tuple[dict[str, Any], list[str]]:
    if comp.get("DTSTART") is None:
        raise SyncError(f"{uid}: event has no DTSTART")
    dtstart = comp["DTSTART"]
    start = dtstart.dt
    end_prop = comp.get("DTEND")
    if end_prop is not None:
        end, end_params = end_prop.dt, end_prop.params
    else:
        try:
            end = comp.end
        except Exception:  # icalendar raises its own error types for missing ends
            end = start if isinstance(start, datetime) else start + timedelta(days=1)
        end_params = dtstart.params
    body: dict[str, Any] = {
        "summary": str(comp.get("SUMMARY") or ""),
        "start": _time_field(start, dtstart.params, "DTSTART", uid),
        "end": _time_field(end, end_params, "DTEND", uid),
    }
    for prop, key in (("DESCRIPTION", "description"), ("LOCATION", "location")):
        if comp.get(prop):
            body[key] = str(comp[prop])
    attendees, shown = _attendees(comp)
    if attendees:
        body["attendees"] = attendees
    return body, shown


def _recurrence(comp: Any, start_tz: str | None, uid: str) -> list[str]:
    lines = []
    rrules = comp.get("RRULE")
    for r in rrules if isinstance(rrules, list) else ([rrules] if rrules is not None else []):
        lines.append("RRULE:" + r.to_ical().decode("utf-8"))
    exdates = list(comp.exdates)
    if exdates:
        lines.append(_date_list_line("EXDATE", exdates, start_tz))
    rdates = []
    for value, period_end in comp.rdates:
        if period_end is not None:
            raise SyncError(f"{uid}: RDATE periods are not supported by Google Calendar")
        rdates.append(value)
    if rdates:
        lines.append(_date_list_line("RDATE", rdates, start_tz))
    return lines


def _original_start(master: dict[str, Any], key: str) -> dict[str, str]:
    value = _key_to_value(key)
    if not isinstance(value, datetime):
        return {"date": value.isoformat()}
    tz = master["start"]["timeZone"]
    wall = value.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return {"dateTime": wall.isoformat(timespec="seconds"), "timeZone": tz}


def _instance_body(
    content: dict[str, Any],
    master_id: str,
    key: str,
    master: dict[str, Any],
    private: dict[str, str],
) -> dict[str, Any]:
    body = {k: v for k, v in content.items() if k not in ("recurrence", "id")}
    body["status"] = "confirmed"
    body["reminders"] = {"useDefault": True}
    body["recurringEventId"] = master_id
    body["originalStartTime"] = _original_start(master, key)
    body["extendedProperties"] = {
        "private": {MARKER: "1", UID_KEY: private[UID_KEY]},
    }
    return body


def _reset_body(master: dict[str, Any], key: str) -> dict[str, Any]:
    """An exception put back to what the series generates at ``key``."""
    orig = _original_start(master, key)
    content: dict[str, Any] = {
        k: master[k] for k in ("summary", "description", "location", "attendees") if k in master
    }
    content["start"] = dict(orig)
    if "date" in orig:
        days = date.fromisoformat(master["end"]["date"]) - date.fromisoformat(
            master["start"]["date"]
        )
        content["end"] = {"date": (date.fromisoformat(orig["date"]) + days).isoformat()}
    else:
        s, e = _instant(master["start"]), _instant(master["end"])
        tz = master["end"].get("timeZone") or orig["timeZone"]
        begin = datetime.fromisoformat(orig["dateTime"]).replace(tzinfo=ZoneInfo(orig["timeZone"]))
        wall = (begin + (e - s)).astimezone(ZoneInfo(tz)).replace(tzinfo=None)  # type: ignore[operator]
        content["end"] = {"dateTime": wall.isoformat(timespec="seconds"), "timeZone": tz}
    private = master["extendedProperties"]["private"]
    return _instance_body(content, master["id"], key, master, private)


# ------------------------------------------------------------------- reading back
def _private(item: dict[str, Any]) -> dict[str, str]:
    return (item.get("extendedProperties") or {}).get("private") or {}


def _is_ours(item: dict[str, Any]) -> bool:
    return _private(item).get(MARKER) == "1"
