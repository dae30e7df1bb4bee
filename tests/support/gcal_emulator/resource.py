"""Values of the Events resource as the emulator checks and renders them, and Google's
JSON error shape.

Field semantics follow https://developers.google.com/calendar/api/v3/reference/events;
recurrence lines are RFC 5545 RRULE/EXRULE/RDATE/EXDATE
(https://www.rfc-editor.org/rfc/rfc5545#section-3.8.5), expanded here with dateutil;
errors are shaped as in https://developers.google.com/calendar/api/guides/errors.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rruleset, rrulestr

__all__ = ["Answer", "ApiError"]


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
