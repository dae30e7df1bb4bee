"""The floor for bench_sync.py: a plain importer, one ``events.insert`` request per VEVENT.

Like ``gcalcli import``: walk the .ics, turn each VEVENT into an event body, insert it, no
batching, no listing, no pacing. It knows nothing of tacal (no tacal.gcal import): same
google-api-python-client and httplib2 stack, its own VEVENT -> body conversion. A VEVENT with
a RECURRENCE-ID is inserted as a stand-alone event, as a plain importer does.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any


def _when(prop: Any) -> dict[str, str]:
    value = prop.dt
    if not isinstance(value, dt.datetime):
        return {"date": value.isoformat()}
    tzid = prop.params.get("TZID") or getattr(value.tzinfo, "key", None) or "UTC"
    return {"dateTime": value.replace(tzinfo=None).isoformat(), "timeZone": str(tzid)}


def event_body(comp: Any) -> dict[str, Any]:
    """An events.insert body for one VEVENT."""
    start = _when(comp["DTSTART"])
    end = _when(comp["DTEND"] if comp.get("DTEND") is not None else comp["DTSTART"])
    body: dict[str, Any] = {"summary": str(comp.get("SUMMARY") or ""), "start": start, "end": end}
    for prop, key in (("DESCRIPTION", "description"), ("LOCATION", "location")):
        if comp.get(prop):
            body[key] = str(comp[prop])
    if comp.get("RECURRENCE-ID") is None:
        lines = [
            str(line)
            for line in comp.content_lines()
            if str(line).split(":", 1)[0].split(";", 1)[0] in ("RRULE", "EXDATE", "RDATE")
        ]
        if lines:
            body["recurrence"] = lines
    raw = comp.get("ATTENDEE")
    attendees = [] if raw is None else raw if isinstance(raw, list) else [raw]
    if attendees:
        body["attendees"] = [
            {"email": str(a).removeprefix("mailto:").removeprefix("MAILTO:")} for a in attendees
        ]
    return body


def service_for(host_port: str) -> Any:
    import httplib2
    from google.auth.credentials import AnonymousCredentials
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient.discovery import build

    http = AuthorizedHttp(AnonymousCredentials(), http=httplib2.Http(timeout=60))
    return build(
        "calendar",
        "v3",
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": f"http://{host_port}/calendar/v3/"},
    )


def import_calendar(
    calendar: Any, host_port: str, calendar_id: str = "primary"
) -> tuple[float, list[float]]:
    """Insert every VEVENT with its own request; (seconds, the time of each request)."""
    events = service_for(host_port).events()  # once: each .events() re-reads the discovery doc
    stamps: list[float] = []
    t0 = time.perf_counter()
    for comp in calendar.walk("VEVENT"):
        stamps.append(time.perf_counter())
        events.insert(calendarId=calendar_id, body=event_body(comp)).execute()
    return time.perf_counter() - t0, stamps
