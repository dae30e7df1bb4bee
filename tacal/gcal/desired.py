"""What tacal wants in Google: one :class:`DesiredSeries` per series of a calendar.

Each carries the master body (from :mod:`tacal.gcal.codec`), the bodies of its
single-occurrence exceptions, and the two hashes of :mod:`tacal.gcal.compare`, which
are also stored in the body's private extended properties, with the scope tags (the
series' account and organizer) that let a later ``--account`` / ``--for`` sync tell
which of tacal's events are its own to delete. The tags are bookkeeping, not content:
they are left out of the hashes, so events written before they existed stay unchanged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from icalendar import Calendar

from tacal.errors import SyncError
from tacal.gcal.codec import (
    ACCOUNT_KEY,
    CADENCE_KEY,
    CHECK_KEY,
    HASH_KEY,
    MARKER,
    ORGANIZER_KEY,
    UID_KEY,
    _base_body,
    _instance_body,
    _key_of_value,
    _occurs,
    _recurrence,
    event_id_for,
)
from tacal.gcal.compare import HASH_VERSION, _check_of, _digest

__all__ = ["DesiredSeries", "desired_series"]


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

    @property
    def cadence(self) -> str:
        return str(self.body["extendedProperties"]["private"].get(CADENCE_KEY, ""))


# Google keeps at most 1,024 characters per extended property value.
_MAX_VALUE = 1024


def _scope_tags(comp: Any) -> dict[str, str]:
    """The series' account (``X-TACAL-ACCOUNT``) and organizer e-mail, for scoped syncs."""
    tags: dict[str, str] = {}
    account = str(comp.get("X-TACAL-ACCOUNT") or "")
    if account and len(account.encode("utf-8")) <= _MAX_VALUE:
        tags[ACCOUNT_KEY] = account
    organizer = str(comp.get("ORGANIZER") or "").strip()
    if organizer.lower().startswith("mailto:"):
        organizer = organizer[7:]
    if organizer and len(organizer.encode("utf-8")) <= _MAX_VALUE:
        tags[ORGANIZER_KEY] = organizer.lower()
    return tags


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
    private.update(_scope_tags(comp))
    body["id"] = eid
    body["extendedProperties"] = {"private": private}
    return DesiredSeries(uid, eid, body, ovs, shown, digest, check, warnings)
