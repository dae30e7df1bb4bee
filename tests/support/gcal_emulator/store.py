"""The emulator's calendars and events, and the API calls on them (HTTP is in server.py).

Events insert/get/list/update/patch/delete under
``/calendar/v3/calendars/{calendarId}/events`` as
https://developers.google.com/calendar/api/v3/reference/events describes them, plus the
occurrences of recurring events addressed as ``{eventId}_{YYYYMMDDTHHMMSSZ}``.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from tests.support.gcal_emulator import users
from tests.support.gcal_emulator.freebusy import FREEBUSY_PATH, free_busy
from tests.support.gcal_emulator.resource import (
    Answer,
    ApiError,
    _bad,
    _instant,
    _merge,
    _not_found,
    _render_time,
    _rfc3339_ms,
    _ruleset,
    _time_changed,
    _validate_attendees,
    _validate_recurrence,
    _validate_times,
    _zone,
)

__all__ = ["API_PREFIX", "CalendarStore"]

API_PREFIX = "/calendar/v3/"


_ID_RE = re.compile(r"^[a-v0-9]{5,1024}$")
_INSTANCE_RE = re.compile(r"^([a-v0-9]{5,1024})_(\d{8}(?:T\d{6}Z)?)$")
_READ_ONLY = (
    "kind",
    "etag",
    "htmlLink",
    "created",
    "updated",
    "creator",
    "organizer",
    "recurringEventId",
    "originalStartTime",
)


@dataclass
class _Calendar:
    id: str
    time_zone: str
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: the user whose calendar this is (see users.py); None: the store's ``owner``
    owner: str | None = None


class CalendarStore:
    """In-memory Calendar v3 data, and the dispatch of one API call to it."""

    #: each e-mail calendar id is that user's own calendar (see users.py); off by default
    user_calendars = False

    def __init__(
        self,
        *,
        time_zone: str = "America/New_York",
        owner: str = "owner@example.com",
        add_organizer_attendee: bool = False,
        match_cancelled_properties: bool = True,
    ):
        self.owner = owner
        # Whether a cancelled event still matches privateExtendedProperty in a listing with
        # showDeleted=true: unknown for the API (the minimal cancelled form may not carry
        # the properties), so it is a switch (tests run both ways).
        self.match_cancelled_properties = match_cancelled_properties
        # Google may list the organizer among the guests once there are guests; unknown
        # for the API, so it is a switch (tests run both ways).
        self.add_organizer_attendee = add_organizer_attendee
        self.default_time_zone = time_zone
        self.calendars: dict[str, _Calendar] = {"primary": _Calendar("primary", time_zone)}
        self.notifications: list[tuple[str, str, list[str]]] = []
        self._lock = threading.RLock()
        self._last_ms = 0

    # ------------------------------------------------------------------ helpers
    def add_calendar(
        self, calendar_id: str, time_zone: str | None = None, owner: str | None = None
    ) -> None:
        with self._lock:
            self.calendars[calendar_id] = _Calendar(
                calendar_id, time_zone or self.default_time_zone, owner=owner
            )

    def events(self, cid: str = "primary", include_cancelled: bool = False) -> list[dict[str, Any]]:
        """Stored events (masters, exceptions, one-offs) rendered as events.get would."""
        with self._lock:
            cal = self._cal(cid)
            return [
                self._render(cal, e)
                for e in cal.events.values()
                if include_cancelled or e["status"] != "cancelled"
            ]

    def get_event(self, cid: str, event_id: str) -> dict[str, Any] | None:
        with self._lock:
            cal = self._cal(cid)
            e = cal.events.get(event_id)
            return None if e is None else self._render(cal, e)

    def put_event(self, cid: str, body: dict[str, Any]) -> dict[str, Any]:
        """Plant a hand-made event (validated like an insert, not logged)."""
        with self._lock:
            cal = self._cal(cid)
            return self._render(cal, self._insert(cal, copy.deepcopy(body), "none"))

    # ---------------------------------------------------------------- internals
    def _tick(self) -> int:
        with self._lock:
            now = int(time.time() * 1000)
            self._last_ms = max(now, self._last_ms + 1)
            return self._last_ms

    def _etag(self, ms: int) -> str:
        return f'"{ms * 1000 + secrets.randbelow(1000)}"'

    def _cal(self, cid: str) -> _Calendar:
        cal = self.calendars.get(cid)
        if cal is None:
            raise _not_found()
        return cal

    def _render(self, cal: _Calendar, e: dict[str, Any], tz: str | None = None) -> dict[str, Any]:
        out_tz = ZoneInfo(tz or cal.time_zone)
        out = copy.deepcopy(e)
        for key in ("start", "end", "originalStartTime"):
            if key in out:
                out[key] = _render_time(out[key], out_tz)
        return out

    def _render_minimal(self, cal: _Calendar, e: dict[str, Any], tz: str | None) -> dict[str, Any]:
        out = {"kind": e["kind"], "etag": e["etag"], "id": e["id"], "status": e["status"]}
        if "recurringEventId" in e:
            out["recurringEventId"] = e["recurringEventId"]
            out["originalStartTime"] = _render_time(
                e["originalStartTime"], ZoneInfo(tz or cal.time_zone)
            )
        return out

    def _check_body(self, body: dict[str, Any], *, instance: bool = False) -> None:
        _validate_times(body)
        _validate_attendees(body)
        if "recurrence" in body and body["recurrence"]:
            if instance:
                raise _bad("Invalid recurrence rule.")
            _validate_recurrence(body["recurrence"], body["start"])
        if body.get("status", "confirmed") not in ("confirmed", "tentative", "cancelled"):
            raise _bad("Invalid value for status.")

    def _fill(
        self,
        cal: _Calendar,
        stored: dict[str, Any],
        body: dict[str, Any],
        previous: dict[str, Any] | None = None,
    ) -> None:
        """Copy client-writable fields of ``body`` into ``stored`` (read-only ones skipped).

        Attendees keep the response they gave unless the client sets one.
        """
        for key, value in body.items():
            if key in _READ_ONLY or key in ("id", "iCalUID"):
                continue
            stored[key] = copy.deepcopy(value)
        owner = cal.owner or self.owner
        answered = {
            str(a.get("email", "")).lower(): a.get("responseStatus", "needsAction")
            for a in (previous or {}).get("attendees") or []
        }
        guests = stored.get("attendees") or []
        for att in guests:
            email = str(att.get("email", "")).lower()
            att.setdefault("responseStatus", answered.get(email, "needsAction"))
            if email == owner:
                att["self"] = True
        if self.add_organizer_attendee and guests:
            if not any(str(a.get("email", "")).lower() == owner for a in guests):
                guests.append({"email": owner, "responseStatus": "accepted", "self": True})
            for att in guests:
                if str(att.get("email", "")).lower() == owner:
                    att["organizer"] = True
        stored.setdefault("reminders", {"useDefault": True})

    def _new_stored(self, cal: _Calendar, eid: str, body: dict[str, Any]) -> dict[str, Any]:
        ms = self._tick()
        eid_b64 = base64.urlsafe_b64encode(f"{eid} {cal.id}".encode()).decode().rstrip("=")
        stored: dict[str, Any] = {
            "kind": "calendar#event",
            "etag": self._etag(ms),
            "id": eid,
            "status": "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={eid_b64}",
            "created": _rfc3339_ms(ms),
            "updated": _rfc3339_ms(ms),
            "creator": {"email": cal.owner or self.owner, "self": True},
            "organizer": {"email": cal.owner or self.owner, "self": True},
            "iCalUID": body.get("iCalUID") or f"{eid}@google.com",
            "sequence": int(body.get("sequence", 0)),
            "eventType": "default",
        }
        self._fill(cal, stored, body)
        stored.setdefault("status", "confirmed")
        return stored

    def _notify(self, stored: dict[str, Any], send_updates: str) -> None:
        if send_updates in ("all", "externalOnly") and stored.get("attendees"):
            emails = [a["email"] for a in stored["attendees"]]
            self.notifications.append((stored["id"], send_updates, emails))

    def _insert(self, cal: _Calendar, body: dict[str, Any], send_updates: str) -> dict[str, Any]:
        eid = body.get("id")
        if eid is None:
            eid = "".join(secrets.choice("0123456789abcdefghijklmnopqrstuv") for _ in range(26))
        elif not isinstance(eid, str) or not _ID_RE.match(eid):
            raise _bad("Invalid resource id value.")
        if eid in cal.events:
            raise ApiError(409, "duplicate", "The requested identifier already exists.")
        self._check_body(body)
        stored = self._new_stored(cal, eid, body)
        cal.events[eid] = stored
        self._notify(stored, send_updates)
        return stored

    def _instance(self, cal: _Calendar, eid: str) -> dict[str, Any] | None:
        """A synthesized (not stored) instance of a recurring master, or None."""
        m = _INSTANCE_RE.match(eid)
        if not m:
            return None
        master = cal.events.get(m.group(1))
        if master is None or not master.get("recurrence") or "recurringEventId" in master:
            return None
        suffix = m.group(2)
        rs, all_day = _ruleset(master)
        start = _instant(master["start"], "start")
        end = _instant(master["end"], "end")
        duration = end - start  # type: ignore[operator]
        inst = copy.deepcopy(master)
        inst.pop("recurrence", None)
        if all_day:
            if "T" in suffix:
                return None
            day = datetime.strptime(suffix, "%Y%m%d")
            if not rs.between(day, day, inc=True):
                return None
            orig: dict[str, Any] = {"date": day.date().isoformat()}
            inst["start"] = dict(orig)
            inst["end"] = {"date": (day.date() + duration).isoformat()}
        else:
            if "T" not in suffix:
                return None
            utc = datetime.strptime(suffix, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            tzname = master["start"]["timeZone"]
            local = utc.astimezone(ZoneInfo(tzname))
            if not rs.between(local - timedelta(seconds=1), local + timedelta(seconds=1), inc=True):
                return None
            wall = local.replace(tzinfo=None)
            orig = {"dateTime": wall.isoformat(), "timeZone": tzname}
            inst["start"] = dict(orig)
            end_wall = (local + duration).astimezone(ZoneInfo(tzname)).replace(tzinfo=None)
            end_tz = master["end"].get("timeZone") or tzname
            inst["end"] = {"dateTime": end_wall.isoformat(), "timeZone": end_tz}
        inst["id"] = eid
        inst["recurringEventId"] = master["id"]
        inst["originalStartTime"] = orig
        inst["etag"] = master["etag"]
        return inst

    def _find(self, cal: _Calendar, eid: str) -> tuple[dict[str, Any], bool]:
        """(event, stored?) for an id, synthesizing unmodified instances; 404 otherwise."""
        stored = cal.events.get(eid)
        if stored is not None:
            return stored, True
        inst = self._instance(cal, eid)
        if inst is None:
            raise _not_found()
        return inst, False

    def _write(
        self,
        cal: _Calendar,
        eid: str,
        body: dict[str, Any],
        if_match: str | None,
        send_updates: str,
        patch: bool,
    ) -> dict[str, Any]:
        cur, is_stored = self._find(cal, eid)
        if if_match and if_match != "*" and if_match != cur["etag"]:
            raise ApiError(
                412,
                "conditionNotMet",
                "Precondition Failed",
                locationType="header",
                location="If-Match",
            )
        if patch:
            public = {k: v for k, v in cur.items() if k not in _READ_ONLY}
            new_body = _merge(public, body)
        else:
            new_body = copy.deepcopy(body)
        is_instance = "recurringEventId" in cur
        self._check_body(new_body, instance=is_instance)
        if "sequence" in body and int(body["sequence"]) < int(cur.get("sequence", 0)):
            raise _bad(
                "Invalid sequence value. The specified sequence number is below the current "
                "sequence number of the resource."
            )
        ms = self._tick()
        stored: dict[str, Any] = {k: cur[k] for k in _READ_ONLY + ("id", "iCalUID") if k in cur}
        old_status = cur["status"]
        self._fill(cal, stored, new_body, previous=cur)
        if "status" not in new_body:
            stored["status"] = "cancelled" if old_status == "cancelled" else "confirmed"
        seq = int(cur.get("sequence", 0))
        if "sequence" in body:
            seq = int(body["sequence"])
        elif _time_changed(cur, stored):
            seq += 1
        stored["sequence"] = seq
        stored["etag"] = self._etag(ms)
        stored["updated"] = _rfc3339_ms(ms)
        if not is_stored:
            stored["created"] = _rfc3339_ms(ms)
        stored.setdefault("kind", "calendar#event")
        cal.events[eid] = stored
        self._notify(stored, send_updates)
        return stored

    def _delete(self, cal: _Calendar, eid: str, if_match: str | None, send_updates: str) -> None:
        cur, is_stored = self._find(cal, eid)
        if cur["status"] == "cancelled":
            raise ApiError(410, "deleted", "Resource has been deleted")
        if if_match and if_match != "*" and if_match != cur["etag"]:
            raise ApiError(
                412,
                "conditionNotMet",
                "Precondition Failed",
                locationType="header",
                location="If-Match",
            )
        ms = self._tick()
        cur = copy.deepcopy(cur) if not is_stored else cur
        cur["status"] = "cancelled"
        cur["etag"] = self._etag(ms)
        cur["updated"] = _rfc3339_ms(ms)
        cal.events[eid] = cur
        if "recurrence" in cur:
            for other in cal.events.values():
                if other.get("recurringEventId") == eid and other["status"] != "cancelled":
                    other["status"] = "cancelled"
                    other["etag"] = self._etag(ms)
                    other["updated"] = _rfc3339_ms(ms)
        self._notify(cur, send_updates)

    def _list(self, cal: _Calendar, q: dict[str, list[str]]) -> dict[str, Any]:
        if q.get("singleEvents", ["false"])[0] == "true":
            raise _bad("emulator: singleEvents=true is not implemented")
        if "syncToken" in q:
            raise _bad("emulator: syncToken is not implemented")
        show_deleted = q.get("showDeleted", ["false"])[0] == "true"
        constraints = []
        for c in q.get("privateExtendedProperty", []):
            name, eq, value = c.partition("=")
            if not eq:
                raise _bad("Invalid value for privateExtendedProperty.")
            constraints.append((name, value))
        ical = q.get("iCalUID", [None])[0]
        updated_min = q.get("updatedMin", [None])[0]
        tz = q.get("timeZone", [None])[0]
        if tz:
            _zone(tz, "response")
        try:
            max_results = min(int(q.get("maxResults", ["250"])[0]), 2500)
        except ValueError as exc:
            raise _bad("Invalid value for maxResults.") from exc
        if max_results < 1:
            raise _bad("Invalid value for maxResults.")
        offset = 0
        if "pageToken" in q:
            try:
                offset = int(base64.urlsafe_b64decode(q["pageToken"][0].encode()).decode()[2:])
            except (ValueError, UnicodeDecodeError) as exc:
                raise _bad("Invalid page token value.") from exc
        matched = []
        for e in cal.events.values():
            if e["status"] == "cancelled" and not show_deleted:
                continue
            private = (e.get("extendedProperties") or {}).get("private") or {}
            if any(private.get(n) != v for n, v in constraints):
                continue
            if constraints and e["status"] == "cancelled" and not self.match_cancelled_properties:
                continue
            if ical and e.get("iCalUID") != ical:
                continue
            if updated_min and e["updated"] < updated_min:
                continue
            matched.append(e)
        page = matched[offset : offset + max_results]
        items = [
            self._render_minimal(cal, e, tz)
            if e["status"] == "cancelled"
            else self._render(cal, e, tz)
            for e in page
        ]
        out: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": self._etag(self._tick()),
            "summary": cal.id,
            "description": "",
            "updated": _rfc3339_ms(self._last_ms),
            "timeZone": cal.time_zone,
            "accessRole": "owner",
            "defaultReminders": [{"method": "popup", "minutes": 10}],
        }
        if offset + max_results < len(matched):
            token = f"o:{offset + max_results}".encode()
            out["nextPageToken"] = base64.urlsafe_b64encode(token).decode()
        else:
            out["nextSyncToken"] = "emulator-sync-token-" + secrets.token_hex(4)
        out["items"] = items
        return out

    def call(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        raw_body: bytes,
    ) -> Answer:
        """Dispatch one API call (single or from a batch part) to its handler."""
        if path == FREEBUSY_PATH:
            return free_busy(self, method, raw_body)
        try:
            return self._call(method, path, query, headers, raw_body)
        except ApiError as err:
            return Answer(err.status, err.body())

    def _call(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        raw_body: bytes,
    ) -> Answer:
        if not path.startswith(API_PREFIX):
            raise _not_found()
        parts = [unquote(p) for p in path[len(API_PREFIX) :].split("/")]
        body: dict[str, Any] = {}
        if method in ("POST", "PUT", "PATCH"):
            try:
                body = json.loads(raw_body.decode("utf-8") or "{}")
            except (ValueError, UnicodeDecodeError) as exc:
                raise ApiError(400, "parseError", "Parse Error") from exc
            if not isinstance(body, dict):
                raise ApiError(400, "parseError", "Parse Error")
        send_updates = query.get("sendUpdates", ["false"])[0]
        if_match = headers.get("if-match")
        with self._lock:
            if len(parts) < 2 or parts[0] != "calendars":
                raise _not_found()
            cal = users.calendar_for(self, parts[1], headers)
            if len(parts) == 2 and method == "GET":
                return Answer(
                    200,
                    {
                        "kind": "calendar#calendar",
                        "etag": self._etag(self._tick()),
                        "id": cal.id,
                        "summary": cal.id,
                        "timeZone": cal.time_zone,
                    },
                )
            if len(parts) < 3 or parts[2] != "events":
                raise _not_found()
            if len(parts) == 3:
                if method == "GET":
                    return Answer(200, self._list(cal, query))
                if method == "POST":
                    e = self._insert(cal, body, send_updates)
                    return Answer(200, self._render(cal, e), {"ETag": e["etag"]})
                raise ApiError(405, "httpMethodNotAllowed", "Method Not Allowed")
            if len(parts) != 4:
                raise _not_found()
            eid = parts[3]
            if method == "GET":
                e, _ = self._find(cal, eid)
                return Answer(200, self._render(cal, e), {"ETag": e["etag"]})
            if method in ("PUT", "PATCH"):
                e = self._write(cal, eid, body, if_match, send_updates, patch=method == "PATCH")
                return Answer(200, self._render(cal, e), {"ETag": e["etag"]})
            if method == "DELETE":
                self._delete(cal, eid, if_match, send_updates)
                return Answer(204)
            raise ApiError(405, "httpMethodNotAllowed", "Method Not Allowed")
