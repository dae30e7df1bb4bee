"""What a write would change, in terms a person checks: the first occurrence that moves
(old -> new), the fields whose text changes, and the guests added or removed.

Pure functions of two Events bodies (what Google lists, what tacal wants), used by
:mod:`tacal.gcal.plan` to describe each action; nothing here decides whether to write.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tacal.gcal.codec import _instant, _key_of_value, _rule_set
from tacal.gcal.compare import _observable, _remote_exceptions

__all__ = ["Change", "Slot", "describe_create", "describe_update", "guest_emails"]

#: How far ahead the first changed occurrence is looked for.
HORIZON = timedelta(days=731)

#: An occurrence: its start and end (aware UTC datetimes, or dates for all-day events).
Slot = tuple[datetime | date, datetime | date]

#: Fields compared for the "what changed" list, with the names shown.
_FIELDS = (("summary", "title"), ("description", "agenda"), ("location", "location"))


@dataclass
class Change:
    """What one write changes. ``old``/``new``: the first occurrence that differs (None on
    one side when an occurrence only goes away or only appears); ``first``: the first
    occurrence of a series being created; ``fields``: other changed parts ("title",
    "agenda", "location", "rule" when the rule text changed but not the occurrences)."""

    old: Slot | None = None
    new: Slot | None = None
    first: Slot | None = None
    fields: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def guest_emails(body: Mapping[str, Any] | None) -> list[str]:
    """The guests' e-mails (lower case, in order) of an Events body; an attendee flagged
    ``organizer`` (the calendar owner, which Google may add by itself) is left out."""
    out: list[str] = []
    for a in (body or {}).get("attendees") or []:
        email = str(a.get("email", "")).strip().lower()
        if email and not a.get("organizer") and email not in out:
            out.append(email)
    return out


def _occurrences(
    master: Mapping[str, Any],
    exceptions: Mapping[str, Mapping[str, Any] | None],
    since: datetime,
) -> list[Slot]:
    """The occurrences of ``master`` from ``since`` to ``since + HORIZON``, with exceptions
    applied (a cancelled one drops out, a moved one takes its new times)."""
    start, end = _instant(master.get("start")), _instant(master.get("end"))
    if start is None or end is None:
        return []
    all_day = not isinstance(start, datetime)
    length = end - start  # type: ignore[operator]
    try:
        rs = _rule_set(dict(master))
    except (ValueError, KeyError, TypeError):
        return []
    if rs is None:
        starts: Iterable[Any] = [start]
    elif all_day:
        day = datetime.combine(since.date(), datetime.min.time())
        starts = rs.between(day, day + HORIZON, inc=True)
    else:
        starts = rs.between(since, since + HORIZON, inc=True)
    out: list[Slot] = []
    for value in starts:
        if all_day:
            begin: datetime | date = value.date() if isinstance(value, datetime) else value
        else:
            begin = value.astimezone(UTC)
        if not all_day and begin < since:  # type: ignore[operator]
            continue
        key = _key_of_value(begin)
        if key in exceptions:
            exc = exceptions[key]
            if exc is None:
                continue
            s, e = _instant(exc.get("start")), _instant(exc.get("end"))
            if s is not None and e is not None:
                out.append((s, e))
                continue
        out.append((begin, begin + length))
    return sorted(out, key=_order)


def _order(slot: Slot) -> tuple[str, str]:
    return (_iso(slot[0]), _iso(slot[1]))


def _iso(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value.isoformat() + "T00:00:00+00:00"


def _first_difference(old: list[Slot], new: list[Slot]) -> tuple[Slot | None, Slot | None]:
    """The earliest occurrence that goes away and the earliest that appears, paired when
    they are within a week of each other (a move); otherwise only the earlier one."""
    gone = [s for s in old if s not in new]
    came = [s for s in new if s not in old]
    if not gone and not came:
        return None, None
    if gone and came:
        a, b = gone[0][0], came[0][0]
        if abs(_days(a) - _days(b)) <= 7:
            return gone[0], came[0]
        return (gone[0], None) if _order(gone[0]) < _order(came[0]) else (None, came[0])
    return (gone[0], None) if gone else (None, came[0])


def _days(value: datetime | date) -> float:
    if isinstance(value, datetime):
        return value.timestamp() / 86400
    return float(value.toordinal() - date(1970, 1, 1).toordinal())


def describe_create(
    body: Mapping[str, Any],
    overrides: Mapping[str, Mapping[str, Any] | None],
    since: datetime,
) -> Change:
    """A series to be created (or restored): its first occurrence from ``since``."""
    slots = _occurrences(body, overrides, since)
    return Change(first=slots[0] if slots else None, added=guest_emails(body))


def describe_update(
    have: Mapping[str, Any],
    have_exceptions: list[dict[str, Any]],
    want: Mapping[str, Any],
    want_overrides: Mapping[str, Mapping[str, Any] | None],
    since: datetime,
) -> Change:
    """What replacing ``have`` (Google's master and its exceptions) with ``want`` changes."""
    remote = dict(_remote_exceptions(have_exceptions))
    old_slots = _occurrences(have, remote, since)
    new_slots = _occurrences(want, want_overrides, since)
    old, new = _first_difference(old_slots, new_slots)
    before = _observable(dict(have), master=True, drop_organizer=True)
    after = _observable(dict(want), master=True)
    fields = [name for key, name in _FIELDS if before[key] != after[key]]
    if (old, new) == (None, None) and (
        before["recurrence"] != after["recurrence"] or before["timeZone"] != after["timeZone"]
    ):
        fields.append("rule")
    had, wants = guest_emails(have), guest_emails(want)
    return Change(
        old=old,
        new=new,
        fields=fields,
        added=[e for e in wants if e not in had],
        removed=[e for e in had if e not in wants],
    )
