"""Resources: a calendar split into one iCalendar object per series, and read back.

Pure functions, no I/O. What tacal writes carries two properties on every VEVENT:

- ``X-TACAL-SINK-HASH``: a hash of the whole resource as tacal sends it; equal hash, nothing
  to write (a re-run with nothing changed only lists).
- ``X-TACAL-CHECK``: tacal's marker, a hash of what a calendar client shows and may edit
  (times as instants, rules, texts, guests, status, every override). Servers rewrite
  resources (they add ``DTSTAMP``/``LAST-MODIFIED``, reorder and refold lines, drop or add
  ``X-`` properties, iCloud and Google rewrite ``VTIMEZONE``), so the check covers only
  those fields, normalised; if what the server lists no longer hashes to it, someone
  edited the object. An object without the marker was not written by tacal and is never
  changed or deleted.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from icalendar import Calendar, Component

from tacal.errors import SyncError
from tacal.sinks.contract import FOREIGN, LIVE, Held, Wanted

__all__ = ["Resource", "check_of", "held_of", "resource_name", "resources_of"]

SINK_HASH = "X-TACAL-SINK-HASH"
CHECK = "X-TACAL-CHECK"
HASH_VERSION = 1

#: The properties a client shows and a person may edit; everything else is bookkeeping.
_TEXT = ("SUMMARY", "DESCRIPTION", "LOCATION", "STATUS", "TRANSP", "CLASS")
_TIMES = ("DTSTART", "DTEND", "RECURRENCE-ID")
_DATE_LISTS = ("EXDATE", "RDATE")


@dataclass(frozen=True)
class Resource:
    """One series as the object tacal PUTs: ``name`` (the last path segment), ``data``
    (the bytes, marker included) and what the planner needs (``wanted``)."""

    uid: str
    name: str
    data: bytes
    wanted: Wanted


def resource_name(uid: str) -> str:
    """The resource name for a UID: readable (the UID's letters and digits) and unique (a
    hash of the whole UID), with nothing a server or proxy could decode differently (no
    ``@``, ``%`` or ``/``; some servers answer with hrefs decoded, others encoded)."""
    slug = re.sub(r"[^a-z0-9.-]+", "-", uid.lower()).strip("-.")[:60] or "series"
    digest = hashlib.sha256(uid.encode("utf-8")).hexdigest()[:12]
    return f"{slug}-{digest}.ics"


def _digest(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def _instant(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return "floating:" + value.isoformat()
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _dates(prop: Any) -> list[str]:
    props = prop if isinstance(prop, list) else [prop]
    out = []
    for p in props:
        for d in getattr(p, "dts", []):
            out.append(_instant(d.dt))
    return out


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8") if isinstance(raw, bytes) else raw


def _email(value: Any) -> str:
    text = str(value or "").strip()
    return (text[7:] if text.lower().startswith("mailto:") else text).lower()


def _observable(comp: Component) -> dict[str, Any]:
    """What a calendar client shows of one VEVENT, normalised so that a server's
    rewriting (line folding, parameter order, zone rendering) does not count as an edit."""
    out: dict[str, Any] = {}
    for name in _TEXT:
        if name in comp:
            out[name] = str(comp[name]).replace("\r\n", "\n").strip()
    for name in _TIMES:
        if name in comp:
            out[name] = _instant(comp.decoded(name))
    if "DURATION" in comp:
        out["DURATION"] = str(comp.decoded("DURATION").total_seconds())
    elif "DTEND" not in comp and "DTSTART" in comp:
        out["DURATION"] = "default"
    if "RRULE" in comp:
        rules = comp["RRULE"] if isinstance(comp["RRULE"], list) else [comp["RRULE"]]
        out["RRULE"] = sorted(
            ";".join(sorted(_text(r.to_ical()).upper().split(";"))) for r in rules
        )
    for name in _DATE_LISTS:
        if name in comp:
            out[name] = sorted(set(_dates(comp[name])))
    attendees = comp.get("ATTENDEE")
    if attendees is not None:
        items = attendees if isinstance(attendees, list) else [attendees]
        out["ATTENDEE"] = sorted(_email(a) for a in items)
    if "ORGANIZER" in comp:
        out["ORGANIZER"] = _email(comp["ORGANIZER"])
    return out


def check_of(events: Iterable[Component]) -> str:
    """The check hash of a series' VEVENTs (master and overrides, in any order)."""
    shown = sorted(
        (_observable(c) for c in events), key=lambda o: (o.get("RECURRENCE-ID", ""), str(o))
    )
    return _digest({"v": HASH_VERSION, "events": shown})


def _zones_used(events: list[Component]) -> set[str]:
    used: set[str] = set()
    for comp in events:
        for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE"):
            prop = comp.get(name)
            for p in prop if isinstance(prop, list) else [prop]:
                tzid = getattr(p, "params", {}).get("TZID") if p is not None else None
                if tzid:
                    used.add(str(tzid))
    return used


def _quiet(comp: Component) -> None:
    """``SCHEDULE-AGENT=CLIENT`` on every guest (RFC 6638 7.1): servers that schedule by
    themselves (iCloud, Fastmail, Nextcloud) would otherwise e-mail an invitation to
    every guest, customers included, on each write. tacal's Google sync sends no e-mail
    by default either."""
    attendees = comp.get("ATTENDEE")
    for a in attendees if isinstance(attendees, list) else ([attendees] if attendees else []):
        a.params["SCHEDULE-AGENT"] = "CLIENT"


def resources_of(calendar: Calendar) -> list[Resource]:
    """One resource per UID of a calendar built by tacal, in calendar order: its VEVENTs
    (the master first) and the VTIMEZONEs they use, marked and hashed."""
    zones = {str(z["TZID"]): z for z in calendar.walk("VTIMEZONE")}
    groups: dict[str, list[Component]] = {}
    for comp in calendar.walk("VEVENT"):
        uid = str(comp.get("UID") or "").strip()
        if not uid:
            raise SyncError("an event has no UID; tacal cannot track it on the server")
        group = groups.setdefault(uid, [])
        if comp.get("RECURRENCE-ID") is None and any(c.get("RECURRENCE-ID") is None for c in group):
            raise SyncError(f"two events share the UID {uid}")
        group.append(comp)
    out = []
    for uid, events in groups.items():
        events = sorted(events, key=lambda c: c.get("RECURRENCE-ID") is not None)
        out.append(
            _resource(
                uid, events, [zones[z] for z in sorted(_zones_used(events)) if z in zones], calendar
            )
        )
    return out


def _resource(
    uid: str, events: list[Component], zones: list[Component], source: Calendar
) -> Resource:
    cal = Calendar()
    cal.add("prodid", str(source.get("PRODID") or "-//tacal//tacal//EN"))
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    for z in zones:
        cal.add_component(z)
    copies = [copy.deepcopy(c) for c in events]
    for c in copies:
        _quiet(c)
        cal.add_component(c)
    raw = cal.to_ical()
    sink_hash = hashlib.sha256(raw).hexdigest()[:32]
    check = check_of(copies)
    # the marker lines go in as text: short ASCII lines need no folding, and serialising
    # (folding) each object a second time was most of the cost of a sync of many series
    marker = f"{SINK_HASH}:{sink_hash}\r\n{CHECK}:{check}\r\n".encode("ascii")
    data = raw.replace(b"\r\nEND:VEVENT\r\n", b"\r\n" + marker + b"END:VEVENT\r\n")
    master = copies[0]
    wanted = Wanted(
        uid=uid,
        hash=sink_hash,
        summary=str(master.get("SUMMARY") or ""),
        cadence=str(master.get("X-TACAL-CADENCE") or ""),
    )
    return Resource(uid, resource_name(uid), data, wanted)


def held_of(key: str, data: bytes | str, etag: str | None) -> Held | None:
    """What a listed object tells the planner: tacal's (``live``, edited or not), another
    client's holding some UID (``foreign``: never touched), or None when it holds no event
    (a task, an unreadable object)."""
    try:
        cal = Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError):
        return None
    events = list(cal.walk("VEVENT"))
    uids = {str(c.get("UID") or "").strip() for c in events}
    if not events or len(uids) != 1 or not next(iter(uids)):
        return None
    uid = next(iter(uids))
    master = next((c for c in events if c.get("RECURRENCE-ID") is None), events[0])
    stored = {str(c.get(CHECK)) for c in events if c.get(CHECK) is not None}
    if not stored:
        return Held(
            uid=uid, key=key, state=FOREIGN, summary=str(master.get("SUMMARY") or ""), etag=etag
        )
    attendees = master.get("ATTENDEE")
    items = attendees if isinstance(attendees, list) else ([attendees] if attendees else [])
    return Held(
        uid=uid,
        key=key,
        hash=str(master.get(SINK_HASH) or ""),
        summary=str(master.get("SUMMARY") or ""),
        cadence=str(master.get("X-TACAL-CADENCE") or ""),
        state=LIVE,
        # an override another client added or changed shows in the check too
        edited=len(stored) != 1 or check_of(events) not in stored,
        account=str(master.get("X-TACAL-ACCOUNT") or ""),
        organizer=_email(master.get("ORGANIZER")),
        emails=tuple(_email(a) for a in items),
        etag=etag,
    )
