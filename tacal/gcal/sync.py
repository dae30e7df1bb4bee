"""Sync tacal's calendar to Google Calendar: plan first, then apply in paced batches.

Why it is shaped this way (see shared/research/google-calendar-api.md and peers.md):

- **No duplicates, ever.** Every series gets a deterministic event id derived from its
  UID (:func:`event_id_for`), so a re-run, a crash or a lost response can never insert
  the same series twice: a second insert is a 409, which becomes an update (that also
  restores an id Google keeps for a deleted event).
- **Plan, then apply.** :func:`plan` is pure: it compares the wanted calendar with what
  one listing returned and yields create/update/restore/delete/unchanged/skip actions,
  so ``--dry-run`` shows exactly what would be written.
- **Only tacal's events.** Events are listed and matched by the private extended
  property ``tacal=1``; anything without it is never read for changes, updated or deleted.
- **Hand edits are not overwritten.** Each event stores ``tacalCheck``, a hash of the
  fields Google shows back (times as instants, attendee e-mails, texts, rule, and the
  single-occurrence exceptions). If what Google shows no longer hashes to it, someone
  edited the event in Google: it is reported and left alone unless ``overwrite``.
  ``tacalHash`` (everything tacal sends) decides whether an update is needed at all.
- **Mass deletes need consent.** A plan deleting all of tacal's events, or more than
  ``delete_threshold`` of them (and more than one), raises :class:`SyncError` unless
  ``allow_deletes``: a config that briefly looks empty must not wipe a calendar.
- **Quota-friendly.** Writes go in batches (default 50, at most 1,000), paced by a token
  bucket under Google's 600 calls/minute/user (each call in a batch counts), retried with
  exponential backoff and jitter on 429, 403 rate limits, 5xx and broken connections,
  resending only the calls that failed. Clock, sleep and randomness are injectable.
- **Single-occurrence changes.** VEVENTs with RECURRENCE-ID become instance exceptions
  written to ``{eventId}_{YYYYMMDDTHHMMSSZ}`` after the master exists; while those are
  being written the master carries ``tacalPending=1`` so a run that dies halfway is
  finished by the next one instead of being mistaken for a hand edit.

Nothing here prints: results are returned as a :class:`SyncReport` for the CLI.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import random
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import google.auth.exceptions
import httplib2
from dateutil.rrule import rrule, rruleset, rrulestr
from icalendar import Calendar

from tacal.errors import AuthError, SyncError
from tacal.gcal.auth import ServiceBundle, build_service, write_token

__all__ = [
    "Action",
    "InstanceWrite",
    "Plan",
    "SeriesLine",
    "SyncIncomplete",
    "SyncReport",
    "Timing",
    "apply",
    "build_service",
    "event_id_for",
    "list_remote",
    "plan",
    "sync",
    "write_token",
]

MARKER = "tacal"
UID_KEY = "tacalUid"
HASH_KEY = "tacalHash"
CHECK_KEY = "tacalCheck"
PENDING_KEY = "tacalPending"
CADENCE_KEY = "tacalCadence"
HASH_VERSION = 1
SEND_UPDATES = ("none", "all", "externalOnly")
MAX_BATCH = 1000
RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
# 403s that mean "this account may not write here at all" (others concern one event).
CALENDAR_WIDE_403 = frozenset(
    {"forbidden", "insufficientPermissions", "requiredAccessLevel", "accessNotConfigured", ""}
)

# Action kinds, also the ``action`` of a SeriesLine.
CREATE = "create"
UPDATE = "update"
RESTORE = "restore"
DELETE = "delete"
UNCHANGED = "unchanged"
SKIPPED = "skipped-hand-edited"


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


# --------------------------------------------------------------- normalisation
def _text(value: Any) -> str:
    return str(value or "").replace("\r\n", "\n").strip()


def _emails(body: dict[str, Any], drop_organizer: bool = False) -> list[str]:
    return sorted(
        str(a.get("email", "")).lower()
        for a in body.get("attendees") or []
        if not (drop_organizer and a.get("organizer"))
    )


def _norm_recurrence(lines: list[str], start_tz: str | None) -> list[str]:
    """Recurrence in a form that survives cosmetic rewriting (part order, EXDATE zones)."""
    rules: list[str] = []
    dated: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        if name in ("RRULE", "EXRULE"):
            parts = sorted(p.upper() for p in line.split(":", 1)[1].split(";") if p)
            rules.append(f"{name}:" + ";".join(parts))
        else:
            dated[name].update(_stamp(v) for v in _parse_date_line(line, start_tz))
    return sorted(rules) + [f"{n}:" + ",".join(sorted(v)) for n, v in sorted(dated.items())]


def _observable(
    body: dict[str, Any], *, master: bool, drop_organizer: bool = False
) -> dict[str, Any]:
    """The fields Google shows back unchanged, normalised for comparison.

    ``drop_organizer`` leaves out an attendee flagged ``organizer``: Google may add the
    calendar owner to the guest list by itself, which is not an edit.
    """
    start, end = body.get("start") or {}, body.get("end") or {}
    out: dict[str, Any] = {
        "summary": _text(body.get("summary")),
        "description": _text(body.get("description")),
        "location": _text(body.get("location")),
        "attendees": _emails(body, drop_organizer),
        "start": _stamp(_instant(start)),
        "end": _stamp(_instant(end)),
    }
    if master:
        # the zone a rule expands in matters only for recurring events
        out["timeZone"] = (start.get("timeZone") or "") if body.get("recurrence") else ""
        out["recurrence"] = _norm_recurrence(body.get("recurrence") or [], start.get("timeZone"))
    return out


def _generated(master: dict[str, Any], key: str, *, drop_organizer: bool = False) -> dict[str, Any]:
    """The observable form of the plain occurrence of ``master`` at ``key``."""
    obs = _observable(master, master=False, drop_organizer=drop_organizer)
    start, end = _instant(master.get("start")), _instant(master.get("end"))
    begin = _key_to_value(key)
    if start is not None and end is not None:
        obs["start"] = _stamp(begin)
        obs["end"] = _stamp(begin + (end - start))  # type: ignore[operator]
    return obs


def _digest(value: Any) -> str:
    raw = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def _check_of(
    master: dict[str, Any],
    exceptions: Iterable[tuple[str, dict[str, Any] | None]],
    *,
    drop_organizer: bool = False,
) -> str:
    """Hash of what Google shows for a series; exceptions equal to the plain occurrence
    and cancellations of times that are no occurrence anyway do not count."""
    cache: dict[int, Any] = {}
    shown: list[list[Any]] = []
    for key, exc in exceptions:
        if not _occurs(master, key, cache):
            continue
        if exc is None:
            shown.append([key, "cancelled"])
            continue
        obs = _observable(exc, master=False, drop_organizer=drop_organizer)
        if obs != _generated(master, key, drop_organizer=drop_organizer):
            shown.append([key, obs])
    shown.sort(key=lambda item: item[0])
    main = _observable(master, master=True, drop_organizer=drop_organizer)
    return _digest({"v": HASH_VERSION, "master": main, "exc": shown})


def _same(have: dict[str, Any], want: dict[str, Any]) -> bool:
    """Whether a remote occurrence shows ``want`` (an observable dict)."""
    return _observable(have, master=False) == want or (
        _observable(have, master=False, drop_organizer=True) == want
    )


# ---------------------------------------------------------- calendar -> bodies
@dataclass
class DesiredSeries:
    """One series (or one-off) as tacal wants it in Google."""

    uid: str
    event_id: str
    body: dict[str, Any]
    overrides: dict[str, dict[str, Any] | None]
    attendees: list[str]
    hash: str
    check: str
    warnings: list[str] = field(default_factory=list)


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


def desired_series(calendar: Calendar) -> list[DesiredSeries]:
    """Google bodies for every series of a calendar built by tacal, in calendar order."""
    masters: dict[str, Any] = {}
    overrides: dict[str, list[Any]] = defaultdict(list)
    for comp in calendar.walk("VEVENT"):
        uid = str(comp.get("UID") or "").strip()
        if not uid:
            raise SyncError("an event has no UID; tacal cannot track it in Google")
        if comp.get("RECURRENCE-ID") is not None:
            overrides[uid].append(comp)
        elif uid in masters:
            raise SyncError(f"two events share the UID {uid}")
        else:
            masters[uid] = comp
    out = []
    for uid, comp in masters.items():
        out.append(_series(uid, comp, overrides.pop(uid, [])))
    for uid, orphans in overrides.items():  # an override without its master: a one-off
        for comp in orphans:
            key = _key_of_value(comp["RECURRENCE-ID"].dt)
            out.append(_series(f"{uid}#{key}", comp, []))
    return out


def _series(uid: str, comp: Any, override_comps: list[Any]) -> DesiredSeries:
    eid = event_id_for(uid)
    body, shown = _base_body(comp, uid)
    start_tz = body["start"].get("timeZone")
    recurrence = _recurrence(comp, start_tz, uid) if comp.get("RECURRENCE-ID") is None else []
    if recurrence:
        body["recurrence"] = recurrence
    body["status"] = "confirmed"
    body["reminders"] = {"useDefault": True}
    private = {MARKER: "1", UID_KEY: uid}
    if comp.get("X-TACAL-CADENCE"):
        private[CADENCE_KEY] = str(comp["X-TACAL-CADENCE"])
    ovs: dict[str, dict[str, Any] | None] = {}
    warnings: list[str] = []
    cache: dict[int, Any] = {}
    for ov in override_comps:
        key = _key_of_value(ov["RECURRENCE-ID"].dt)
        if not _occurs(body, key, cache):
            warnings.append(f"override {key} is not an occurrence of the series; ignored")
            continue
        if str(ov.get("STATUS") or "").upper() == "CANCELLED":
            ovs[key] = None
            continue
        ob, _ = _base_body(ov, uid)
        for name in ("summary", "description", "location", "attendees"):
            if name not in ob and name in body:
                ob[name] = body[name]
        if not ob.get("summary"):
            ob["summary"] = body.get("summary", "")
        ovs[key] = _instance_body(ob, eid, key, body, private)
    full = {k: v for k, v in body.items()}
    full["extendedProperties"] = {"private": dict(private)}
    digest = _digest({"v": HASH_VERSION, "master": full, "overrides": sorted(ovs.items(), key=str)})
    check = _check_of(body, ovs.items())
    private[HASH_KEY] = digest
    private[CHECK_KEY] = check
    body["id"] = eid
    body["extendedProperties"] = {"private": private}
    return DesiredSeries(uid, eid, body, ovs, shown, digest, check, warnings)


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


# ------------------------------------------------------------------------ plan
@dataclass
class InstanceWrite:
    """A write to one occurrence: ``body`` puts an exception, ``None`` cancels it."""

    instance_id: str
    key: str
    body: dict[str, Any] | None


@dataclass
class Action:
    """What to do with one series; ``body`` is the full master body to send."""

    kind: str
    uid: str
    event_id: str
    summary: str
    attendees: list[str]
    body: dict[str, Any] | None = None
    etag: str | None = None
    instance_writes: list[InstanceWrite] = field(default_factory=list)
    reason: str = ""
    desired_hash: str = ""


@dataclass
class Plan:
    """The actions of one sync, before anything is written."""

    actions: list[Action]
    existing: int

    def of(self, kind: str) -> list[Action]:
        return [a for a in self.actions if a.kind == kind]

    @property
    def write_count(self) -> int:
        """Calls :func:`apply` will make at least (retries and 409 conversions aside)."""
        n = 0
        for a in self.actions:
            if a.kind in (CREATE, UPDATE, RESTORE, DELETE):
                n += 1 + len(a.instance_writes) + (1 if a.instance_writes else 0)
        return n


def _remote_groups(
    remote: Iterable[dict[str, Any]],
) -> tuple[dict[str, dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    masters: dict[str, dict[str, Any]] = {}
    exceptions: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for item in remote:
        if item.get("recurringEventId"):
            exceptions[item["recurringEventId"]].append(item)
        elif item.get("id"):
            masters[item["id"]] = item
    return masters, exceptions


def _private(item: dict[str, Any]) -> dict[str, str]:
    return (item.get("extendedProperties") or {}).get("private") or {}


def _is_ours(item: dict[str, Any]) -> bool:
    return _private(item).get(MARKER) == "1"


def _remote_exceptions(items: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any] | None]]:
    out = []
    for exc in items:
        key = _key_of_time(exc.get("originalStartTime") or {})
        if key:
            out.append((key, None if exc.get("status") == "cancelled" else exc))
    return out


def _hand_edited(remote: dict[str, Any], exceptions: list[dict[str, Any]]) -> bool:
    private = _private(remote)
    if private.get(PENDING_KEY) == "1":
        return False  # a previous run died between master and exceptions: ours to finish
    shown = _remote_exceptions(exceptions)
    variants = {_check_of(remote, shown), _check_of(remote, shown, drop_organizer=True)}
    return private.get(CHECK_KEY) not in variants


def _instance_writes(
    ds: DesiredSeries, remote_exc: list[dict[str, Any]], *, restore: bool
) -> list[InstanceWrite]:
    """Exception writes that make Google's occurrences match ``ds``."""
    cache: dict[int, Any] = {}
    current = {k: v for k, v in _remote_exceptions(remote_exc)}
    writes = []
    for key, want in sorted(ds.overrides.items()):
        have = current.get(key, "absent")
        if want is None:
            if have is None and not restore:
                continue
            writes.append(InstanceWrite(instance_id(ds.event_id, key), key, None))
        else:
            if (
                isinstance(have, dict)
                and not restore
                and _same(have, _observable(want, master=False))
            ):
                continue
            if _observable(want, master=False) == _generated(ds.body, key) and have == "absent":
                continue
            writes.append(InstanceWrite(instance_id(ds.event_id, key), key, want))
    for key, have in sorted(current.items(), key=lambda kv: kv[0]):
        if key in ds.overrides:
            continue
        if _occurs(ds.body, key, cache):
            if have is None or restore or not _same(have, _generated(ds.body, key)):
                writes.append(
                    InstanceWrite(instance_id(ds.event_id, key), key, _reset_body(ds.body, key))
                )
        elif have is not None:
            writes.append(InstanceWrite(instance_id(ds.event_id, key), key, None))
    return writes


def _with_pending(body: dict[str, Any], pending: bool) -> dict[str, Any]:
    out = dict(body)
    private = dict(out["extendedProperties"]["private"])
    if pending:
        private[PENDING_KEY] = "1"
    out["extendedProperties"] = {"private": private}
    return out


def plan(
    desired: Calendar | list[DesiredSeries],
    remote: list[dict[str, Any]],
    *,
    overwrite: bool = False,
    allow_deletes: bool = False,
    delete_threshold: float = 0.2,
) -> Plan:
    """Decide, without any I/O, what each series needs.

    ``remote`` is tacal's listing (``privateExtendedProperty=tacal=1``,
    ``showDeleted=true``). Raises SyncError when the plan would delete too much.
    """
    series = desired if isinstance(desired, list) else desired_series(desired)
    masters, exceptions = _remote_groups(remote)
    actions: list[Action] = []
    wanted: set[str] = set()
    for ds in series:
        wanted.add(ds.event_id)
        have = masters.get(ds.event_id)
        common = dict(uid=ds.uid, event_id=ds.event_id, summary=ds.body.get("summary", ""))
        common["attendees"] = ds.attendees
        exc = exceptions.get(ds.event_id, [])
        reason = "; ".join(ds.warnings)
        if have is None:
            writes = _instance_writes(ds, [], restore=False)
            body = _with_pending(ds.body, bool(writes))
            actions.append(
                Action(
                    CREATE,
                    **common,
                    body=body,
                    instance_writes=writes,
                    reason=reason,
                    desired_hash=ds.hash,
                )
            )
            continue
        if have.get("status") == "cancelled":
            writes = _instance_writes(ds, exc, restore=True)
            body = _with_pending(ds.body, bool(writes))
            actions.append(
                Action(
                    RESTORE,
                    **common,
                    body=body,
                    etag=have.get("etag"),
                    instance_writes=writes,
                    reason=reason or "deleted in Google",
                    desired_hash=ds.hash,
                )
            )
            continue
        private = _private(have)
        edited = _hand_edited(have, exc)
        pending = private.get(PENDING_KEY) == "1"
        if edited and not overwrite:
            actions.append(
                Action(
                    SKIPPED,
                    **common,
                    etag=have.get("etag"),
                    reason="edited in Google since tacal wrote it; --overwrite replaces the edits",
                    desired_hash=ds.hash,
                )
            )
            continue
        if edited or pending or private.get(HASH_KEY) != ds.hash:
            writes = _instance_writes(ds, exc, restore=False)
            body = _with_pending(ds.body, bool(writes))
            why = "overwriting edits made in Google" if edited else reason
            actions.append(
                Action(
                    UPDATE,
                    **common,
                    body=body,
                    etag=have.get("etag"),
                    instance_writes=writes,
                    reason=why,
                    desired_hash=ds.hash,
                )
            )
        else:
            actions.append(
                Action(
                    UNCHANGED, **common, etag=have.get("etag"), reason=reason, desired_hash=ds.hash
                )
            )
    live = {eid: m for eid, m in masters.items() if m.get("status") != "cancelled" and _is_ours(m)}
    for eid, have in live.items():
        if eid in wanted:
            continue
        common = dict(
            uid=_private(have).get(UID_KEY, ""),
            event_id=eid,
            summary=have.get("summary", ""),
            attendees=[str(a.get("email", "")) for a in have.get("attendees") or []],
        )
        if _hand_edited(have, exceptions.get(eid, [])) and not overwrite:
            actions.append(
                Action(
                    SKIPPED,
                    **common,
                    etag=have.get("etag"),
                    reason="gone from tacal's config but edited in Google; "
                    "--overwrite deletes it anyway",
                )
            )
            continue
        actions.append(Action(DELETE, **common, etag=have.get("etag")))
    result = Plan(actions, existing=len(live))
    deletes = len(result.of(DELETE))
    if deletes and not allow_deletes:
        existing = result.existing
        if deletes >= existing or deletes > max(1.0, delete_threshold * existing):
            raise SyncError(
                f"this sync would delete {deletes} of the {existing} events tacal manages "
                "in this calendar",
                hint="if cadences were really removed, run again with --allow-deletes; "
                "otherwise check the config (an empty or broken config must not wipe "
                "the calendar)",
            )
    return result


# ---------------------------------------------------------------------- report
@dataclass
class SeriesLine:
    """One row of the sync table: what happened (or would happen) to a series."""

    action: str
    uid: str
    summary: str
    event_id: str
    attendees: list[str]
    overrides: int = 0
    status: str = "planned"  # planned | done | failed | conflict | skipped
    detail: str = ""


@dataclass
class SyncReport:
    """The result of :func:`sync` / :func:`apply`; the CLI renders it, gsync never prints."""

    calendar_id: str
    dry_run: bool
    lines: list[SeriesLine] = field(default_factory=list)
    http_requests: int = 0
    write_calls: int = 0
    batches: int = 0
    retries: int = 0
    list_pages: int = 0

    def counts(self) -> dict[str, int]:
        """created/updated/deleted/unchanged/skipped/failed/conflicts (restores count as
        updates); in a dry run, what would happen."""
        ok = ("planned",) if self.dry_run else ("done",)
        c = dict.fromkeys(
            ("created", "updated", "deleted", "unchanged", "skipped", "failed", "conflicts"), 0
        )
        names = {
            CREATE: "created",
            UPDATE: "updated",
            RESTORE: "updated",
            DELETE: "deleted",
            UNCHANGED: "unchanged",
        }
        for line in self.lines:
            if line.action == SKIPPED:
                c["skipped"] += 1
            elif line.status == "failed":
                c["failed"] += 1
            elif line.status == "conflict":
                c["conflicts"] += 1
            elif line.status in ok or line.action == UNCHANGED:
                c[names[line.action]] += 1
        return c

    @property
    def ok(self) -> bool:
        return not any(line.status == "failed" for line in self.lines)

    def summary(self) -> dict[str, int]:
        out = self.counts()
        out.update(http_requests=self.http_requests, write_calls=self.write_calls)
        return out


class SyncIncomplete(SyncError):
    """Some writes failed for good after retries; ``report`` says which."""

    def __init__(self, message: str, report: SyncReport, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.report = report


def _lines_for(p: Plan, dry_run: bool) -> list[SeriesLine]:
    out = []
    for a in p.actions:
        status = "planned" if dry_run else "done"
        if a.kind == SKIPPED:
            status = "skipped"
        elif a.kind == UNCHANGED:
            status = "done"
        out.append(
            SeriesLine(
                a.kind,
                a.uid,
                a.summary,
                a.event_id,
                list(a.attendees),
                overrides=len(a.instance_writes),
                status=status,
                detail=a.reason,
            )
        )
    return out


# --------------------------------------------------------------- apply engine
@dataclass
class Timing:
    """Clock, sleep, randomness and limits; tests inject a fake clock to never sleep."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: Callable[[], float] = random.random
    calls_per_minute: float = 550.0  # a margin under Google's ~600 per user per minute
    max_attempts: int = 8
    max_backoff: float = 64.0
    _bucket: TokenBucket | None = field(default=None, repr=False, compare=False)

    def bucket(self) -> TokenBucket:
        """The one token bucket shared by every call made with this Timing (listing too)."""
        if self._bucket is None:
            self._bucket = TokenBucket(self)
        return self._bucket


class TokenBucket:
    """Paces API calls over a sliding 60-second window: at most ``calls_per_minute`` calls in
    any trailing minute, counting every call inside a batch (Google's per-user quota is about
    600 a minute). A window, unlike a refilling bucket, lets a small sync go at full speed and
    holds a large one to exactly the quota instead of a stricter steady rate."""

    WINDOW = 60.0

    def __init__(self, timing: Timing) -> None:
        self.timing = timing
        self.capacity = max(1, int(timing.calls_per_minute))
        self.sent: deque[tuple[float, int]] = deque()
        self.used = 0
        self.waited = 0.0

    def acquire(self, n: int) -> None:
        """Wait until ``n`` more calls fit in the window (callers never ask for more than
        ``capacity`` at once: batches are split to fit)."""
        n = min(n, self.capacity)
        while True:
            now = self.timing.clock()
            while self.sent and self.sent[0][0] <= now - self.WINDOW:
                self.used -= self.sent.popleft()[1]
            if self.used + n <= self.capacity:
                self.sent.append((now, n))
                self.used += n
                return
            wait = max(self.sent[0][0] + self.WINDOW - now, 0.001)
            self.waited += wait
            self.timing.sleep(wait)


@dataclass
class _Call:
    kind: str  # insert | update | delete | iput | idelete | clear
    event_id: str
    body: dict[str, Any] | None
    line: SeriesLine
    etag: str | None = None
    attempts: int = 0
    converted: bool = False
    desired_hash: str = ""
    outcome: str = ""  # done | failed | conflict
    error: str = ""


_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes timeouts and connection resets
    httplib2.HttpLib2Error,
    http.client.HTTPException,
    google.auth.exceptions.TransportError,  # token refresh could not reach Google
)


def _reason(exc: Any) -> str:
    try:
        data = json.loads(exc.content)
        return str(data["error"]["errors"][0].get("reason", ""))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""


def _retryable(status: int, reason: str) -> bool:
    return status == 429 or status >= 500 or (status == 403 and reason in RATE_REASONS)


def _fatal(status: int, reason: str, calendar_id: str) -> SyncError | None:
    """Errors that no retry can fix and that concern the whole calendar."""
    if status == 401:
        return AuthError(
            "Google rejected the credentials (401)",
            hint="delete the saved token (~/.config/tacal/token.json) and run again to sign in",
        )
    if status == 404 and reason in ("notFound", ""):
        return SyncError(
            f"Google calendar {calendar_id!r} not found",
            hint="use 'primary' or the Calendar ID from Google Calendar > Settings > "
            "Integrate calendar, and make sure this account can see it",
        )
    if status == 403 and reason == "accessNotConfigured":
        return SyncError(
            "the Google Calendar API is not enabled in the Google Cloud project of these "
            "credentials",
            hint="enable it under APIs & Services > Library > Google Calendar API, then run again",
        )
    if status == 403 and reason in CALENDAR_WIDE_403:
        return SyncError(
            f"no permission to change events in Google calendar {calendar_id!r} ({reason or 403})",
            hint="share the calendar with this account with 'Make changes to events', or "
            "for a service account use --as-user with domain-wide delegation",
        )
    return None


class _Applier:
    def __init__(
        self,
        bundle: ServiceBundle,
        calendar_id: str,
        send_updates: str,
        batch_size: int,
        timing: Timing,
        progress: Callable[[int, int], None] | None,
        report: SyncReport,
    ) -> None:
        self.bundle = bundle
        self.cid = calendar_id
        self.send_updates = send_updates
        self.timing = timing
        self.bucket = timing.bucket()
        # no batch may be larger than the quota window, or it alone would exceed the quota
        self.batch_size = min(batch_size, self.bucket.capacity)
        # building the events resource reads the discovery document (~2 ms): do it once
        self.events = bundle.service.events()
        self.progress = progress
        self.report = report
        self.total = 0
        self.done = 0

    # -- requests
    def _request(self, call: _Call) -> Any:
        events = self.events
        su = self.send_updates
        if call.kind == "insert":
            req = events.insert(calendarId=self.cid, body=call.body, sendUpdates=su)
        elif call.kind in ("update", "iput"):
            req = events.update(
                calendarId=self.cid, eventId=call.event_id, body=call.body, sendUpdates=su
            )
        elif call.kind == "clear":
            req = events.patch(
                calendarId=self.cid, eventId=call.event_id, body=call.body, sendUpdates="none"
            )
        else:
            req = events.delete(calendarId=self.cid, eventId=call.event_id, sendUpdates=su)
        if call.etag and call.kind in ("update", "delete"):
            req.headers["If-Match"] = call.etag
        return req

    def single(self, make: Callable[[], Any]) -> Any:
        """One non-batched request with the same retry policy as batches."""
        from google.auth.exceptions import RefreshError
        from googleapiclient.errors import HttpError

        attempt = 0
        while True:
            attempt += 1
            self.bucket.acquire(1)
            try:
                return make().execute()
            except HttpError as exc:
                status, reason = exc.resp.status, _reason(exc)
                if not _retryable(status, reason) or attempt >= self.timing.max_attempts:
                    raise
            except RefreshError:
                raise AuthError(
                    "Google refused to refresh the authorisation (revoked or expired)",
                    hint="delete the saved token and run `tacal sync` again to sign in",
                ) from None
            except _TRANSPORT_ERRORS:
                if attempt >= self.timing.max_attempts:
                    raise
            self.report.retries += 1
            self._backoff(attempt)

    def _backoff(self, attempt: int) -> None:
        delay = min(self.timing.max_backoff, 2.0 ** (attempt - 1) + self.timing.rng())
        self.timing.sleep(delay)

    def _send(self, chunk: list[_Call]) -> dict[int, tuple[Any, Any]] | None:
        """Results per index, or None when the whole batch must be resent."""
        from google.auth.exceptions import RefreshError
        from googleapiclient.errors import BatchError, HttpError
        from googleapiclient.http import BatchHttpRequest

        results: dict[int, tuple[Any, Any]] = {}

        def callback(rid: str, resp: Any, exc: Any) -> None:
            results[int(rid)] = (resp, exc)

        batch = BatchHttpRequest(callback=callback, batch_uri=self.bundle.batch_uri)
        for i, call in enumerate(chunk):
            batch.add(self._request(call), request_id=str(i))
        self.bucket.acquire(len(chunk))
        self.report.batches += 1
        self.report.write_calls += len(chunk)
        try:
            batch.execute(http=self.bundle.http)
        except HttpError as exc:
            status, reason = exc.resp.status, _reason(exc)
            fatal = _fatal(status, reason, self.cid)
            if fatal is not None:
                raise fatal from None
            if _retryable(status, reason):
                return None
            raise SyncError(f"Google rejected a batch request ({status} {reason})") from None
        except RefreshError:
            raise AuthError(
                "Google refused to refresh the authorisation (revoked or expired)",
                hint="delete the saved token and run `tacal sync` again to sign in",
            ) from None
        except (BatchError, KeyError, *_TRANSPORT_ERRORS):
            return None
        if len(results) != len(chunk):
            return None
        return results

    # -- outcome handling
    def _conflict_resolved(self, call: _Call) -> bool:
        """After a 412: did our own earlier attempt land (lost answer), or did someone edit?"""
        from googleapiclient.errors import HttpError

        try:
            current = self.single(
                lambda: self.events.get(calendarId=self.cid, eventId=call.event_id)
            )
        except HttpError as exc:
            return exc.resp.status in (404, 410) and call.kind == "delete"
        if call.kind == "delete":
            return current.get("status") == "cancelled"
        return (
            current.get("status") != "cancelled"
            and _private(current).get(HASH_KEY) == call.desired_hash
        )

    def _handle(self, call: _Call, exc: Any, again: list[_Call], retry: list[_Call]) -> None:
        """Settle one call from its answer, or queue it (``again`` now, ``retry`` later)."""
        if exc is None:
            call.outcome = "done"
            return
        status, reason = exc.resp.status, _reason(exc)
        if call.kind == "insert" and status == 409 and not call.converted:
            call.kind, call.etag, call.converted = "update", None, True  # restore the id
            again.append(call)
        elif call.kind == "update" and status == 404 and not call.converted:
            call.kind, call.etag, call.converted = "insert", None, True
            again.append(call)
        elif call.kind in ("delete", "idelete") and status in (404, 410):
            call.outcome = "done"
        elif call.kind in ("iput", "clear") and status == 404:
            call.outcome = "done"
            call.error = "occurrence no longer exists"
        elif status == 412:
            if self._conflict_resolved(call):
                call.outcome = "done"
            else:
                call.outcome = "conflict"
                call.error = "changed in Google during this sync; left as is (run again)"
        elif _retryable(status, reason):
            retry.append(call)
        else:
            fatal = _fatal(status, reason, self.cid)
            if fatal is not None and (status != 404 or call.kind == "insert"):
                raise fatal
            call.outcome = "failed"
            call.error = f"{status} {reason}: {_message(exc)}".strip()

    def run(self, calls: list[_Call]) -> None:
        """Send ``calls`` in batches until each is done, failed or in conflict."""
        self.total += len(calls)
        queue = list(calls)
        round_ = 0
        while queue:
            again: list[_Call] = []
            retry: list[_Call] = []
            for start in range(0, len(queue), self.batch_size):
                chunk = queue[start : start + self.batch_size]
                for call in chunk:
                    call.attempts += 1
                results = self._send(chunk)
                if results is None:
                    retry.extend(chunk)
                    continue
                for i, call in enumerate(chunk):
                    self._handle(call, results[i][1], again, retry)
                self.done += sum(1 for c in chunk if c.outcome)
                if self.progress is not None:
                    self.progress(self.done, self.total)
            for call in retry:
                if call.attempts >= self.timing.max_attempts:
                    call.outcome = "failed"
                    call.error = f"gave up after {call.attempts} attempts (rate limits or errors)"
            retry = [c for c in retry if not c.outcome]
            if retry:
                round_ += 1
                self.report.retries += len(retry)
                self._backoff(round_)
            queue = again + retry


def _message(exc: Any) -> str:
    try:
        return str(json.loads(exc.content)["error"]["message"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""


def apply(
    bundle: ServiceBundle,
    p: Plan,
    calendar_id: str,
    *,
    send_updates: str = "none",
    batch_size: int = 50,
    progress: Callable[[int, int], None] | None = None,
    timing: Timing | None = None,
    report: SyncReport | None = None,
) -> SyncReport:
    """Write a plan: masters, then occurrence exceptions, then clear ``tacalPending``."""
    if send_updates not in SEND_UPDATES:
        raise SyncError(f"send_updates must be one of {', '.join(SEND_UPDATES)}")
    if not 1 <= batch_size <= MAX_BATCH:
        raise SyncError(f"batch size must be between 1 and {MAX_BATCH}, not {batch_size}")
    timing = timing or Timing()
    if report is None:
        report = SyncReport(calendar_id, dry_run=False)
    report.lines = _lines_for(p, dry_run=False)
    start_count = bundle.http.count
    applier = _Applier(bundle, calendar_id, send_updates, batch_size, timing, progress, report)

    masters: list[tuple[Action, _Call]] = []
    for action, line in zip(p.actions, report.lines, strict=True):
        if action.kind == CREATE:
            call = _Call(
                "insert", action.event_id, action.body, line, desired_hash=action.desired_hash
            )
        elif action.kind in (UPDATE, RESTORE):
            call = _Call(
                "update",
                action.event_id,
                action.body,
                line,
                etag=action.etag,
                desired_hash=action.desired_hash,
            )
        elif action.kind == DELETE:
            call = _Call("delete", action.event_id, None, line, etag=action.etag)
        else:
            continue
        masters.append((action, call))
    applier.run([c for _, c in masters])

    instances: list[tuple[Action, list[_Call]]] = []
    for action, call in masters:
        _settle(call)
        if call.outcome != "done" or not action.instance_writes:
            continue
        calls = [
            _Call("iput" if w.body is not None else "idelete", w.instance_id, w.body, call.line)
            for w in action.instance_writes
        ]
        instances.append((action, calls))
    applier.run([c for _, cs in instances for c in cs])

    clears = []
    for action, calls in instances:
        for c in calls:
            if c.outcome != "done":
                c.line.status = "failed"
                c.line.detail = _join(c.line.detail, f"occurrence {c.event_id}: {c.error}")
        if all(c.outcome == "done" for c in calls):
            patch = {"extendedProperties": {"private": {PENDING_KEY: "0"}}}
            clears.append(_Call("clear", action.event_id, patch, calls[0].line))
    applier.run(clears)
    for c in clears:
        if c.outcome != "done":
            c.line.status = "failed"
            c.line.detail = _join(c.line.detail, f"could not finish: {c.error}")
    report.http_requests += bundle.http.count - start_count
    return report


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


def _settle(call: _Call) -> None:
    if call.outcome == "done":
        call.line.status = "done"
    else:
        call.line.status = call.outcome or "failed"
        call.line.detail = _join(call.line.detail, call.error)


# ------------------------------------------------------------------------ sync
def list_remote(
    bundle: ServiceBundle, calendar_id: str, *, timing: Timing | None = None
) -> tuple[list[dict[str, Any]], int]:
    """All of tacal's events (cancelled ones too) in ``calendar_id``, and the page count."""
    from googleapiclient.errors import HttpError

    applier = _Applier(
        bundle,
        calendar_id,
        "none",
        1,
        timing or Timing(),
        None,
        SyncReport(calendar_id, dry_run=True),
    )
    items: list[dict[str, Any]] = []
    token: str | None = None
    pages = 0
    while True:

        def make(token: str | None = token) -> Any:
            return bundle.service.events().list(
                calendarId=calendar_id,
                privateExtendedProperty=f"{MARKER}=1",
                showDeleted=True,
                maxResults=2500,
                pageToken=token,
            )

        try:
            page = applier.single(make)
        except HttpError as exc:
            status, reason = exc.resp.status, _reason(exc)
            fatal = _fatal(status, reason, calendar_id)
            if fatal is not None:
                raise fatal from None
            raise SyncError(
                f"listing Google calendar {calendar_id!r} failed ({status} {reason})",
                hint="run again later",
            ) from None
        except _TRANSPORT_ERRORS as exc:
            raise SyncError(
                f"cannot reach Google Calendar: {exc.__class__.__name__}",
                hint="check the network and run again",
            ) from None
        pages += 1
        items.extend(page.get("items") or [])
        token = page.get("nextPageToken")
        if not token:
            return items, pages


def sync(
    calendar: Calendar,
    *,
    service_bundle: ServiceBundle,
    calendar_id: str = "primary",
    dry_run: bool = False,
    send_updates: str = "none",
    overwrite: bool = False,
    allow_deletes: bool = False,
    batch_size: int = 50,
    progress: Callable[[int, int], None] | None = None,
    delete_threshold: float = 0.2,
    timing: Timing | None = None,
) -> SyncReport:
    """List tacal's events once, plan, and (unless ``dry_run``) apply.

    Raises SyncError/AuthError for problems the user must fix, and
    :class:`SyncIncomplete` (a SyncError carrying ``report``) when some writes still
    failed after retries; re-running is always safe.
    """
    if send_updates not in SEND_UPDATES:
        raise SyncError(f"send_updates must be one of {', '.join(SEND_UPDATES)}")
    if not 1 <= batch_size <= MAX_BATCH:
        raise SyncError(f"batch size must be between 1 and {MAX_BATCH}, not {batch_size}")
    timing = timing or Timing()
    start = service_bundle.http.count
    series = desired_series(calendar)
    remote, pages = list_remote(service_bundle, calendar_id, timing=timing)
    p = plan(
        series,
        remote,
        overwrite=overwrite,
        allow_deletes=allow_deletes,
        delete_threshold=delete_threshold,
    )
    report = SyncReport(calendar_id, dry_run=dry_run, list_pages=pages)
    if dry_run:
        report.lines = _lines_for(p, dry_run=True)
    else:
        apply(
            service_bundle,
            p,
            calendar_id,
            send_updates=send_updates,
            batch_size=batch_size,
            progress=progress,
            timing=timing,
            report=report,
        )
    report.http_requests = service_bundle.http.count - start
    if not report.ok:
        failed = [line for line in report.lines if line.status == "failed"]
        names = ", ".join(line.summary or line.uid for line in failed[:5])
        raise SyncIncomplete(
            f"{len(failed)} series could not be written to Google Calendar: {names}",
            report,
            hint="run `tacal sync` again: it only redoes what is missing",
        )
    return report
