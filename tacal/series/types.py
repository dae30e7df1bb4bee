"""What the calendar should contain: a series (one VEVENT master and its overrides) and its people.

Plain frozen data with no behaviour beyond naming; the writer (:mod:`tacal.ical.writer`) turns a
:class:`Series` into VEVENTs, and :func:`content_hash` says when one changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tacal.model import Team
from tacal.schedule import rules


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str | None = None


@dataclass(frozen=True)
class Override:
    """One occurrence that differs from its series (RECURRENCE-ID)."""

    recurrence_id: dt.datetime
    start: dt.datetime
    summary: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Series:
    uid: str
    cadence_id: str
    summary: str
    description: str
    recurrence: rules.Recurrence
    duration: dt.timedelta
    timezone: str
    attendees: tuple[Attendee, ...] = ()
    organizer: Attendee | None = None
    kind: str = "internal"
    location: str | None = None
    account: str | None = None
    overrides: tuple[Override, ...] = field(default_factory=tuple)
    #: Placement bookkeeping for the lock (not part of the content hash): the day the series
    #: entered the lock, where placement put it ("WE 13:00 2") for whom, and a hash of what
    #: placement read (unchanged inputs keep the slot).
    placed: dt.date | None = None
    slot: str = ""
    people: tuple[str, ...] = ()
    inputs: str = ""
    #: where each occurrence on a holiday went ((holiday occurrence, moved), wall clock), so
    #: the next build keeps it there
    moves: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    #: occurrences moved off someone's busy time, and those kept on it on purpose (see
    #: :class:`tacal.model.LockEntry`)
    busy_moves: tuple[tuple[dt.datetime, dt.datetime], ...] = ()
    busy_kept: tuple[dt.datetime, ...] = ()

    @property
    def start(self) -> dt.datetime:
        return self.recurrence.start


def uid_for(team: Team, cadence_id: str, *suffix: str) -> str:
    parts = [team.id, cadence_id, *[s for s in suffix if s]]
    return ".".join(parts) + "@tacal"
