"""Change detection: what Google shows of an event, normalised, and hashed.

Each event tacal writes stores two hashes (see :mod:`tacal.gcal.desired`). ``tacalHash``
covers everything tacal sends and decides whether an update is needed at all.
``tacalCheck`` covers only the fields Google shows back unchanged (times as instants,
attendee e-mails, texts, the rule, and the single-occurrence exceptions): if what Google
lists no longer hashes to it, someone edited the event in Google, and it is reported and
left alone unless ``overwrite``. The normal form leaves out what Google may render
differently without anyone editing: ``dateTime`` shown with an offset in another zone,
attendees gaining ``responseStatus``, the calendar owner added as a guest.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from tacal.gcal.codec import (
    CHECK_KEY,
    PENDING_KEY,
    _instant,
    _key_of_time,
    _key_to_value,
    _occurs,
    _parse_date_line,
    _private,
    _stamp,
)

__all__ = ["HASH_VERSION"]

HASH_VERSION = 1


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


# --------------------------------------------------------------------- hand edits
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
