"""A Google Calendar API v3 emulator served over real HTTP on 127.0.0.1, for tests.

Why: sync bugs live in the seams (URL building, batch framing, retries, sockets,
409/410/412 handling), so tests drive the *real* google-api-python-client against a
server that answers like Google, instead of mocking the client.

It is written independently of ``tacal.gsync`` (it does not import it), so the engine
cannot pass its tests by agreeing with itself.

Reproduced from the documented wire behaviour (see shared/research/google-calendar-api.md):

- events insert/get/list/update/patch/delete under ``/calendar/v3/calendars/{id}/events``,
  client-chosen base32hex ids, 409 ``duplicate`` (also for ids of cancelled events),
  410 ``deleted`` when deleting a cancelled event, 412 ``conditionNotMet`` on a stale
  ``If-Match``, 404 ``notFound`` for unknown calendars and events;
- ``privateExtendedProperty`` (AND of repeats), ``iCalUID``, ``showDeleted``,
  ``updatedMin``, ``maxResults`` (default 250, capped at 2,500) and opaque page tokens;
- cancelled events listed with ``showDeleted=true`` carry only ``id``/``status`` (plus
  ``recurringEventId``/``originalStartTime`` for instances), the documented minimum;
- ``dateTime`` values come back rendered with an offset in the calendar's time zone
  (or the ``timeZone`` query parameter), with ``timeZone`` kept as sent;
- attendees gain ``responseStatus: needsAction``; ``organizer``/``creator`` are the
  calendar owner whatever the client sends; ``sequence`` is bumped on time changes and a
  lower ``sequence`` in an update is a 400;
- recurring events need ``start.timeZone``; recurrence lines must be RRULE/EXRULE/RDATE/
  EXDATE; instance ids ``{eventId}_{YYYYMMDDTHHMMSSZ}`` (``_{YYYYMMDD}`` for all-day) can be
  read, updated, patched and deleted, which stores an exception with ``recurringEventId``
  and ``originalStartTime``; deleting a master cancels its exceptions too;
- the multipart/mixed batch endpoint ``/batch/calendar/v3`` with the framing the client
  writes (bare LF) and expects (CRLF, ``Content-ID: <response-...>``), at most 1,000 parts;
- fault injection: 429, 403 rateLimitExceeded/userRateLimitExceeded/quotaExceeded/
  forbidden, 401, 500, 503, dropped connections (also mid-batch, after k applied
  calls) and slow answers, on outer requests, on inner batch calls, or on both.

Not reproduced (behaviour of the real API that is unknown or out of scope):

- authentication, scopes, ACLs and per-user/per-project quotas (faults stand in for them);
- ``singleEvents=true`` expansion, ``events.instances``, ``events.import``, ``move``,
  ``quickAdd``, ``watch``, sync tokens, ``timeMin``/``timeMax``/``q``/``orderBy`` filters
  (``singleEvents=true`` and ``syncToken`` answer 400 so a test cannot rely on them);
- whether Google matches *cancelled* events by ``privateExtendedProperty`` (here it does);
- what Google does to existing exceptions when a master's time or rule changes (here they
  are kept unchanged); whether unmodified fields of exceptions follow later master edits
  (here they do not);
- Google's rewriting of recurrence lines, descriptions or attendee display names (here
  they are stored as sent) and the exact text of most 400 messages;
- page consistency under concurrent writes (pages are offsets into the live list);
- whether sending both ``id`` and ``iCalUID`` is rejected (here it is accepted);
- invitation e-mails: ``sendUpdates`` is only recorded (see ``notifications``);
- whether Google lists the organizer among the guests once an event has guests (off by
  default; ``add_organizer_attendee=True`` mimics it);
- HTTP/2, gzip, ``fields``/partial responses, ``alt`` other than json, the legacy
  global batch endpoint.

Worth knowing when reading fault tests: a connection closed without an answer is
re-sent once by httplib2 itself (its stale keep-alive logic treats it as a bad status
line), so ``drop``/``drop-mid-batch`` need ``count=2`` to reach the caller's own retry.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import email.parser
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest
from dateutil.rrule import rrule, rruleset, rrulestr

API_PREFIX = "/calendar/v3/"
BATCH_PATH = "/batch/calendar/v3"
MAX_BATCH = 1000
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

# kind -> (status, domain, reason, message)
_STATUS_FAULTS: dict[str, tuple[int, str, str, str]] = {
    "429": (429, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
    "403-rateLimitExceeded": (403, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
    "403-userRateLimitExceeded": (
        403,
        "usageLimits",
        "userRateLimitExceeded",
        "User Rate Limit Exceeded",
    ),
    "403-quotaExceeded": (403, "usageLimits", "quotaExceeded", "Calendar usage limits exceeded."),
    "403-forbidden": (403, "global", "forbidden", "Forbidden"),
    "401": (401, "global", "authError", "Invalid Credentials"),
    "500": (500, "global", "backendError", "Backend Error"),
    "503": (503, "global", "backendError", "Backend Error"),
}
FAULT_KINDS = frozenset(_STATUS_FAULTS) | {"drop", "drop-mid-batch", "slow"}
_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class ApiError(Exception):
    """An error answered in Google's JSON error shape."""

    def __init__(
        self, status: int, reason: str, message: str, domain: str = "global", **extra: str
    ) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.domain = domain
        self.extra = extra

    def body(self) -> dict[str, Any]:
        err: dict[str, Any] = {"domain": self.domain, "reason": self.reason}
        err["message"] = self.message
        err.update(self.extra)
        return {"error": {"errors": [err], "code": self.status, "message": self.message}}


def _not_found() -> ApiError:
    return ApiError(404, "notFound", "Not Found")


def _bad(message: str, reason: str = "invalid") -> ApiError:
    return ApiError(400, reason, message)


@dataclass
class Answer:
    """One HTTP answer (outer or inner): status, JSON body or None, extra headers."""

    status: int
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def payload(self) -> bytes:
        return b"" if self.body is None else json.dumps(self.body, indent=1).encode("utf-8")


@dataclass
class InnerCall:
    """One call inside a batch, as logged."""

    method: str
    path: str
    query: dict[str, list[str]]
    status: int | None = None


@dataclass
class RequestRecord:
    """One HTTP request received, as logged (batches list their inner calls)."""

    method: str
    path: str
    query: dict[str, list[str]]
    is_batch: bool = False
    inner: list[InnerCall] = field(default_factory=list)
    status: int | None = None
    dropped: bool = False

    @property
    def inner_count(self) -> int:
        return len(self.inner)

    @property
    def inner_methods(self) -> list[str]:
        return [c.method for c in self.inner]


@dataclass
class CallInfo:
    """What a fault's ``match`` callable sees about a request or an inner call."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any] | None
    is_batch: bool
    in_batch: bool


@dataclass
class Fault:
    """A fault armed for ``remaining`` matching requests or calls."""

    kind: str
    remaining: int
    scope: str
    match: Callable[[CallInfo], bool] | None = None
    after: int = 1
    delay: float = 1.0
    fired: int = 0


class FaultInjector:
    """Arms faults; each matching request or call consumes one firing.

    Scopes: ``"request"`` = outer HTTP requests (single calls and batch envelopes),
    ``"inner"`` = calls inside a batch (Google answers those per part inside a 200),
    ``"call"`` = every API call whether single or inside a batch (not the envelope).
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        kind: str,
        count: int = 1,
        *,
        match: Callable[[CallInfo], bool] | None = None,
        scope: str | None = None,
        after: int = 1,
        delay: float = 1.0,
    ) -> Fault:
        """Arm ``kind`` for ``count`` matches; ``after`` = calls applied before a drop."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {sorted(FAULT_KINDS)}")
        if scope is None:
            scope = "request"
        if scope not in ("request", "inner", "call"):
            raise ValueError(f"unknown fault scope {scope!r}")
        if kind == "drop-mid-batch" and scope != "request":
            raise ValueError("drop-mid-batch applies to batch requests (scope='request')")
        fault = Fault(kind, count, scope, match, after, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if f.remaining > 0]

    def take(self, where: str, info: CallInfo) -> Fault | None:
        """Consume and return the first armed fault matching this request or call."""
        with self._lock:
            for fault in self._faults:
                if fault.remaining <= 0:
                    continue
                if where == "request" and fault.scope != "request":
                    continue
                if where == "single" and fault.scope not in ("call",):
                    continue
                if where == "inner" and fault.scope not in ("inner", "call"):
                    continue
                if fault.kind == "drop-mid-batch" and not info.is_batch:
                    continue
                if fault.match is not None and not fault.match(info):
                    continue
                fault.remaining -= 1
                fault.fired += 1
                return fault
        return None


@dataclass
class _Calendar:
    id: str
    time_zone: str
    events: dict[str, dict[str, Any]] = field(default_factory=dict)


def _rfc3339_ms(ms: int) -> str:
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def _zone(name: str, what: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise _bad(f"Invalid time zone definition for {what} time.") from exc


def _parse_dt(value: str, what: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _bad(f"Invalid {what} time.") from exc


def _instant(t: dict[str, Any], what: str) -> datetime | date:
    """The instant a start/end stands for (aware datetime), or its date for all-day."""
    if "date" in t and t["date"] is not None:
        try:
            return date.fromisoformat(t["date"])
        except ValueError as exc:
            raise _bad(f"Invalid {what} time.") from exc
    value = t.get("dateTime")
    if not value:
        raise _bad(f"Missing {what} time.", "required")
    dt = _parse_dt(value, what)
    if dt.tzinfo is None:
        if not t.get("timeZone"):
            raise _bad(f"Missing time zone definition for {what} time.", "required")
        dt = dt.replace(tzinfo=_zone(t["timeZone"], what))
    elif t.get("timeZone"):
        _zone(t["timeZone"], what)
    return dt


def _render_time(t: dict[str, Any], out_tz: ZoneInfo) -> dict[str, Any]:
    out = dict(t)
    if t.get("dateTime"):
        inst = _instant(t, "start")
        assert isinstance(inst, datetime)
        text = inst.astimezone(out_tz).isoformat(timespec="seconds")
        out["dateTime"] = text.replace("+00:00", "Z")
    return out


def _parse_date_list(line: str) -> list[datetime | date]:
    """Values of an RDATE/EXDATE line as aware datetimes or dates."""
    head, _, values = line.partition(":")
    params = dict(p.split("=", 1) for p in head.split(";")[1:] if "=" in p)
    tz = ZoneInfo(params["TZID"]) if "TZID" in params else None
    out: list[datetime | date] = []
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
            out.append(naive.replace(tzinfo=tz) if tz else naive)
    return out


def _ruleset(master: dict[str, Any]) -> tuple[rruleset, bool]:
    """The occurrence set of a stored recurring master (True when all-day)."""
    start = _instant(master["start"], "start")
    all_day = not isinstance(start, datetime)
    if all_day:
        dtstart = datetime.combine(start, datetime.min.time())
    else:
        assert isinstance(start, datetime)
        tz = ZoneInfo(master["start"]["timeZone"]) if master["start"].get("timeZone") else None
        dtstart = start.astimezone(tz) if tz else start
    rs = rruleset()
    rs.rdate(dtstart)
    for line in master.get("recurrence") or []:
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        if name in ("RRULE", "EXRULE"):
            rule = rrulestr(line.split(":", 1)[1], dtstart=dtstart)
            assert isinstance(rule, rrule)
            (rs.rrule if name == "RRULE" else rs.exrule)(rule)
        else:
            for value in _parse_date_list(line):
                if all_day and isinstance(value, date) and not isinstance(value, datetime):
                    value = datetime.combine(value, datetime.min.time())
                (rs.rdate if name == "RDATE" else rs.exdate)(value)
    return rs, all_day


def _validate_recurrence(lines: Any, start: dict[str, Any]) -> None:
    if not isinstance(lines, list):
        raise _bad("Invalid recurrence rule.")
    for line in lines:
        if not isinstance(line, str):
            raise _bad("Invalid recurrence rule.")
        upper = line.upper()
        if not (
            upper.startswith("RRULE:")
            or upper.startswith("EXRULE:")
            or upper.startswith("RDATE")
            or upper.startswith("EXDATE")
        ):
            raise _bad("Invalid recurrence rule.")
    if lines and "dateTime" in start and not start.get("timeZone"):
        raise _bad("Missing time zone definition for start time.", "required")
    try:
        rs, _ = _ruleset({"start": start, "recurrence": lines})
        next(iter(rs), None)
    except (ValueError, KeyError, TypeError, ZoneInfoNotFoundError) as exc:
        raise _bad("Invalid recurrence rule.") from exc


def _validate_times(body: dict[str, Any]) -> None:
    for what in ("start", "end"):
        if not isinstance(body.get(what), dict):
            raise _bad(f"Missing {what} time.", "required")
    start = _instant(body["start"], "start")
    end = _instant(body["end"], "end")
    if type(start) is not type(end):
        raise _bad("Start and end times must either both be date or both be dateTime.")
    if end < start or (not isinstance(start, datetime) and end == start):  # type: ignore[operator]
        raise _bad("The specified time range is empty.", "timeRangeEmpty")


def _validate_attendees(body: dict[str, Any]) -> None:
    for att in body.get("attendees") or []:
        if not isinstance(att, dict) or "@" not in str(att.get("email", "")):
            raise _bad("Invalid attendee email.")


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Patch semantics: objects merge recursively, arrays and scalars replace, null drops."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _time_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return any(old.get(k) != new.get(k) for k in ("start", "end", "recurrence"))


class CalendarEmulator:
    """In-memory Calendar v3 served by a ThreadingHTTPServer on an ephemeral port."""

    def __init__(
        self,
        *,
        time_zone: str = "America/New_York",
        owner: str = "owner@example.com",
        add_organizer_attendee: bool = False,
    ):
        self.owner = owner
        # Google may list the organizer among the guests once there are guests; unknown
        # for the API, so it is a switch (tests run both ways).
        self.add_organizer_attendee = add_organizer_attendee
        self.default_time_zone = time_zone
        self.calendars: dict[str, _Calendar] = {"primary": _Calendar("primary", time_zone)}
        self.requests: list[RequestRecord] = []
        self.notifications: list[tuple[str, str, list[str]]] = []
        self.faults = FaultInjector()
        self._lock = threading.RLock()
        self._last_ms = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._inflight = 0
        self._idle = threading.Condition()

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> CalendarEmulator:
        """Bind 127.0.0.1 on a free port and serve in a daemon thread."""
        handler = type("_BoundHandler", (_Handler,), {"emulator": self})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close open keep-alive connections."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> CalendarEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def host_port(self) -> str:
        assert self._server is not None, "emulator not started"
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    @property
    def api_endpoint(self) -> str:
        return f"http://{self.host_port}{API_PREFIX}"

    @property
    def batch_uri(self) -> str:
        return f"http://{self.host_port}{BATCH_PATH}"

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being handled (e.g. a slow one the client gave up on)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._inflight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    # ------------------------------------------------------------------ helpers
    def add_calendar(self, calendar_id: str, time_zone: str | None = None) -> None:
        with self._lock:
            self.calendars[calendar_id] = _Calendar(
                calendar_id, time_zone or self.default_time_zone
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

    def http_request_count(self) -> int:
        with self._lock:
            return len(self.requests)

    def write_call_count(self) -> int:
        """API calls that write: non-GET single requests plus non-GET inner batch calls."""
        with self._lock:
            n = 0
            for r in self.requests:
                if r.is_batch:
                    n += sum(1 for c in r.inner if c.method != "GET")
                elif r.method != "GET":
                    n += 1
            return n

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()
            self.notifications.clear()

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
        answered = {
            str(a.get("email", "")).lower(): a.get("responseStatus", "needsAction")
            for a in (previous or {}).get("attendees") or []
        }
        guests = stored.get("attendees") or []
        for att in guests:
            email = str(att.get("email", "")).lower()
            att.setdefault("responseStatus", answered.get(email, "needsAction"))
            if email == self.owner:
                att["self"] = True
        if self.add_organizer_attendee and guests:
            if not any(str(a.get("email", "")).lower() == self.owner for a in guests):
                guests.append({"email": self.owner, "responseStatus": "accepted", "self": True})
            for att in guests:
                if str(att.get("email", "")).lower() == self.owner:
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
            "creator": {"email": self.owner, "self": True},
            "organizer": {"email": self.owner, "self": True},
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
            cal = self._cal(parts[1])
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

    # ------------------------------------------------------------- batch framing
    def _batch(
        self, content_type: str, raw: bytes, record: RequestRecord
    ) -> tuple[Answer | None, str, bytes | None, float]:
        """Handle a batch envelope.

        Returns (error answer or None, boundary, multipart body or None when the
        connection must be dropped, seconds to wait before answering).
        """
        if not content_type.lower().startswith("multipart/mixed"):
            return Answer(400, ApiError(400, "badContent", "Bad content type").body()), "", b"", 0
        msg = email.parser.BytesParser().parsebytes(
            b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
        )
        parts = msg.get_payload() if msg.is_multipart() else None
        if not isinstance(parts, list):
            return Answer(400, ApiError(400, "badContent", "Bad multipart body").body()), "", b"", 0
        if len(parts) > MAX_BATCH:
            err = ApiError(400, "invalid", f"Too many requests in batch (max {MAX_BATCH}).")
            return Answer(400, err.body()), "", b"", 0
        outer = self.faults.take(
            "request", CallInfo("POST", BATCH_PATH, {}, None, is_batch=True, in_batch=False)
        )
        drop_after: int | None = None
        delay = 0.0
        if outer is not None and outer.kind in _STATUS_FAULTS:
            return self._outer_fault(outer, record), "", b"", 0
        if outer is not None and outer.kind in ("drop-mid-batch", "drop"):
            drop_after = outer.after
        elif outer is not None and outer.kind == "slow":
            delay = outer.delay
        boundary = "batch_" + secrets.token_hex(12)
        chunks: list[str] = []
        for index, part in enumerate(parts):
            if drop_after is not None and index >= drop_after:
                break
            content_id = str(part["Content-ID"] or f"<{index}>").strip()
            text = part.get_payload()
            assert isinstance(text, str)
            text = text.encode("ascii", "surrogateescape").decode("utf-8")
            method, ipath, iquery, iheaders, ibody = _parse_inner(text)
            inner = InnerCall(method, ipath, iquery)
            with self._lock:
                record.inner.append(inner)
            info = CallInfo(method, ipath, iquery, _json_or_none(ibody), False, True)
            fault = self.faults.take("inner", info)
            if fault is not None and fault.kind in _STATUS_FAULTS:
                status, domain, reason, message = _STATUS_FAULTS[fault.kind]
                answer = Answer(status, ApiError(status, reason, message, domain).body())
            else:
                if fault is not None and fault.kind == "slow":
                    self._stopping.wait(fault.delay)
                answer = self.call(method, ipath, iquery, iheaders, ibody)
            inner.status = answer.status
            chunks.append(_frame_part(boundary, content_id, answer))
        if drop_after is not None:
            record.dropped = True
            return None, boundary, None, 0
        record.status = 200
        body = "".join(chunks) + f"--{boundary}--\r\n"
        return None, boundary, body.encode("utf-8"), delay

    def _outer_fault(self, fault: Fault, record: RequestRecord) -> Answer:
        status, domain, reason, message = _STATUS_FAULTS[fault.kind]
        record.status = status
        return Answer(status, ApiError(status, reason, message, domain).body())


def _json_or_none(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _parse_inner(text: str) -> tuple[str, str, dict[str, list[str]], dict[str, str], bytes]:
    """Split an application/http part: request line, headers, body (LF or CRLF)."""
    first, _, rest = text.partition("\n")
    method, target, _version = first.strip().split(" ", 2)
    crlf = rest.find("\r\n\r\n")
    lf = rest.find("\n\n")
    if lf == -1 and crlf == -1:
        head, body = rest, ""
    elif crlf != -1 and (lf == -1 or crlf < lf):
        head, body = rest[:crlf], rest[crlf + 4 :]
    else:
        head, body = rest[:lf], rest[lf + 2 :]
    headers: dict[str, str] = {}
    for line in head.splitlines():
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    split = urlsplit(target)
    return method.upper(), split.path, parse_qs(split.query), headers, body.encode("utf-8")


def _frame_part(boundary: str, content_id: str, answer: Answer) -> str:
    """One response part framed as Google does: CRLF, ``Content-ID: <response-...>``."""
    inner_id = content_id[1:-1] if content_id.startswith("<") else content_id
    payload = answer.payload().decode("utf-8")
    lines = [
        f"--{boundary}",
        "Content-Type: application/http",
        f"Content-ID: <response-{inner_id}>",
        "",
        f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Status')}",
    ]
    if answer.body is not None:
        lines.append("Content-Type: application/json; charset=UTF-8")
    for name, value in answer.headers.items():
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(payload.encode('utf-8'))}")
    lines.append("")
    return "\r\n".join(lines) + "\r\n" + payload + "\r\n"


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler; every request goes through ``_serve``."""

    protocol_version = "HTTP/1.1"
    emulator: CalendarEmulator

    def setup(self) -> None:
        super().setup()
        # One segment per answer: without this, delayed ACKs add ~40 ms per request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.emulator._lock:
            self.emulator._connections.add(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        with self.emulator._lock:
            self.emulator._connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the default stderr access log."""

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._serve("PUT")

    def do_PATCH(self) -> None:  # noqa: N802
        self._serve("PATCH")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        em = self.emulator
        with em._idle:
            em._inflight += 1
        try:
            self._serve_inner(method)
        finally:
            with em._idle:
                em._inflight -= 1
                em._idle.notify_all()

    def _serve_inner(self, method: str) -> None:
        em = self.emulator
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        query = parse_qs(split.query)
        is_batch = split.path == BATCH_PATH
        record = RequestRecord(method, split.path, query, is_batch=is_batch)
        with em._lock:
            em.requests.append(record)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if is_batch:
            if method != "POST":
                self._send(Answer(405, ApiError(405, "httpMethodNotAllowed", "Method").body()))
                return
            error, boundary, body, delay = em._batch(
                self.headers.get("Content-Type", ""), raw, record
            )
            if error is not None:
                record.status = error.status
                self._send(error)
            elif body is None:
                self._drop()
            else:
                if delay:
                    em._stopping.wait(delay)
                self._send_raw(200, f"multipart/mixed; boundary={boundary}", body, {})
            return
        info = CallInfo(method, split.path, query, _json_or_none(raw), False, False)
        fault = em.faults.take("request", info) or em.faults.take("single", info)
        delay = 0.0
        if fault is not None and fault.kind in _STATUS_FAULTS:
            self._send(em._outer_fault(fault, record))
            return
        if fault is not None and fault.kind == "drop":
            if fault.after >= 1:
                em.call(method, split.path, query, headers, raw)
            record.dropped = True
            self._drop()
            return
        if fault is not None and fault.kind == "slow":
            delay = fault.delay
        answer = em.call(method, split.path, query, headers, raw)
        if delay:
            em._stopping.wait(delay)
        record.status = answer.status
        self._send(answer)

    def _send(self, answer: Answer) -> None:
        body = answer.payload()
        ctype = "application/json; charset=UTF-8" if answer.body is not None else ""
        self._send_raw(answer.status, ctype, body, answer.headers)

    def _send_raw(self, status: int, ctype: str, body: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status, _REASONS.get(status))
            if ctype:
                self.send_header("Content-Type", ctype)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _drop(self) -> None:
        """Close the socket without a response, like a connection cut mid-request."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def gcal_emulator() -> Iterator[CalendarEmulator]:
    """A started emulator for one test; stopped afterwards."""
    emulator = CalendarEmulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()


#: Client objects a test opened; the autouse fixture below closes them after each test.
OPEN_CLIENTS: list[Any] = []


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    """Close every client connection a test opened (no ResourceWarning under -W error).

    Autouse only where imported: tests/test_sync.py and tests/test_gcal_emulator.py.
    """
    yield
    while OPEN_CLIENTS:
        OPEN_CLIENTS.pop().close()
