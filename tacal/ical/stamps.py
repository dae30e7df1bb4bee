"""What a build remembers of the previous one: SEQUENCE, DTSTAMP and a content hash per UID.

RFC 5545 (3.8.7.4) wants SEQUENCE bumped exactly when a series changes and DTSTAMP stable
otherwise; the content hash decides "changed". It covers an explicit, versioned list of fields
(:data:`HASHED_FIELDS`), not ``repr(Series)``: adding a field to :class:`Series` must not bump
SEQUENCE on every event of every user, and changing what counts must be a deliberate new
:data:`FORMAT_VERSION`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from tacal.model import Lock
from tacal.series import Attendee, Override, Series

HASH_PROP = "X-TACAL-HASH"

#: Bump when the VEVENTs written for the same Series change shape, so SEQUENCE goes up.
FORMAT_VERSION = "1"

#: The Series fields a subscriber can see, in the order they are hashed. Version "1" hashes the
#: text these fields formed in the first releases (Python's dataclass repr of each value), so
#: existing calendars keep their SEQUENCE. A new field enters the hash only when added here
#: together with a new FORMAT_VERSION.
#:
#: ``Recurrence.moves`` is hashed within version "1" and only when there are any. Moved
#: occurrences were EXDATE + RDATE and are now RECURRENCE-ID overrides: the same meetings, but
#: a master that loses RDATE and EXDATE values is a revision (RFC 5546, 2.1.4 names both), and
#: a client that keeps the old master beside the new overrides would show a moved meeting
#: twice. The text of such a series differs from the old one (the moved occurrences left
#: ``exdates`` and ``rdates`` for ``moves``), so its SEQUENCE goes up once; a series without
#: moves is written as before and keeps its hash, which a new FORMAT_VERSION would not allow.
HASHED_FIELDS = (
    "uid",
    "cadence_id",
    "summary",
    "description",
    "recurrence",
    "duration",
    "timezone",
    "attendees",
    "organizer",
    "kind",
    "location",
    "account",
    "overrides",
)


@dataclass(frozen=True)
class Stamp:
    sequence: int
    dtstamp: dt.datetime
    hash: str


def previous_stamps(data: bytes | None) -> dict[str, Stamp]:
    """SEQUENCE/DTSTAMP/hash per UID from a previous output; {} when absent or unreadable.

    A line scan, not a full parse: only four properties of each master VEVENT matter, and
    parsing a 3 MB calendar with icalendar took longer than building the new one. Anything
    unexpected simply yields no stamp for that UID (the series then counts as new).
    """
    if not data:
        return {}
    text = _unfolded(data)
    out: dict[str, Stamp] = {}
    props: dict[str, str] | None = None
    for line in text.splitlines():
        if line == "BEGIN:VEVENT":
            props = {}
        elif line == "END:VEVENT" and props is not None:
            stamp = _stamp_of(props)
            if stamp is not None and "RECURRENCE-ID" not in props:
                out[props["UID"]] = stamp
            props = None
        elif props is not None:
            name, _, value = line.partition(":")
            props.setdefault(name.split(";", 1)[0].upper(), value)
    return out


def _unfolded(data: bytes) -> str:
    text = data.decode("utf-8", "replace").replace("\r\n ", "").replace("\r\n\t", "")
    return text.replace("\n ", "").replace("\n\t", "")


def names_any(data: bytes | None, uids: list[str], most: int = 32) -> bool:
    """False only when :func:`previous_stamps` of ``data`` surely has none of ``uids``: none
    occurs in its unfolded text (every UID it returns is a piece of that text). A few
    searches in C cost far less than the line scan; past ``most`` UIDs the answer is True."""
    if not data or not uids:
        return False
    if len(uids) > most:
        return True
    text = _unfolded(data)
    return any(uid in text for uid in uids)


def _stamp_of(props: dict[str, str]) -> Stamp | None:
    try:
        when = dt.datetime.strptime(props["DTSTAMP"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
        return Stamp(int(props.get("SEQUENCE", "0")), when, props.get(HASH_PROP, ""))
    except (KeyError, ValueError):
        return None


def _attendee(a: Attendee | None) -> str:
    if a is None:
        return "None"
    return f"Attendee(email={a.email!r}, name={a.name!r})"


def _override(o: Override) -> str:
    return (
        f"Override(recurrence_id={o.recurrence_id!r}, start={o.start!r}, "
        f"summary={o.summary!r}, description={o.description!r})"
    )


def _tuple(items: list[str]) -> str:
    if len(items) == 1:
        return f"({items[0]},)"
    return f"({', '.join(items)})"


def _value(series: Series, name: str) -> str:
    value = getattr(series, name)
    if name == "recurrence":
        r = value
        text = (
            f"Recurrence(start={r.start!r}, rrule={r.rrule!r}, exdates={r.exdates!r}, "
            f"rdates={r.rdates!r}"
        )
        # only when there are any: a series without moves keeps the hash it always had
        return text + (f", moves={r.moves!r})" if r.moves else ")")
    if name == "attendees":
        return _tuple([_attendee(a) for a in value])
    if name == "organizer":
        return _attendee(value)
    if name == "overrides":
        return _tuple([_override(o) for o in value])
    return repr(value)


def hashed_text(series: Series) -> str:
    """The canonical text of :data:`HASHED_FIELDS` that :func:`content_hash` digests.

    Remembered per series object (a build asks twice: for the stamp and for the series
    cache's key); series are frozen, and the object is kept so its id is not reused."""
    known = _TEXTS.get(id(series))
    if known is not None and known[0] is series:
        return known[1]
    body = ", ".join(f"{name}={_value(series, name)}" for name in HASHED_FIELDS)
    text = f"{FORMAT_VERSION}|Series({body})"
    if len(_TEXTS) >= _MOST_TEXTS:
        _TEXTS.clear()  # a long-running server builds again and again: stay bounded
    _TEXTS[id(series)] = (series, text)
    return text


_TEXTS: dict[int, tuple[Series, str]] = {}
_MOST_TEXTS = 50_000


def next_stamps(
    series: list[Series], previous: Mapping[str, Stamp], now: dt.datetime
) -> dict[str, Stamp]:
    """SEQUENCE/DTSTAMP/hash per UID: unchanged content keeps its stamp, changed content gets
    SEQUENCE + 1 and DTSTAMP = now, a new series SEQUENCE 0 and now."""
    stamp_now = now.astimezone(dt.UTC).replace(microsecond=0)
    out = {}
    for s in series:
        digest = content_hash(s)
        prev = previous.get(s.uid)
        if prev is not None and prev.hash == digest:
            out[s.uid] = prev
        elif prev is not None:
            out[s.uid] = Stamp(prev.sequence + 1, stamp_now, digest)
        else:
            out[s.uid] = Stamp(0, stamp_now, digest)
    return out


def lock_stamps(lock: Lock | None) -> dict[str, Stamp]:
    """The stamps the lock remembers."""
    if lock is None:
        return {}
    return {uid: Stamp(e.sequence, e.dtstamp, e.hash) for uid, e in lock.entries.items()}


def content_hash(series: Series) -> str:
    """Hash of what a series says, computed from the data (not by serialising it twice)."""
    return hashlib.sha256(hashed_text(series).encode()).hexdigest()[:20]
