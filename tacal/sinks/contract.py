"""The types a sink and the shared planner exchange, and the :class:`Sink` protocol.

A sink reduces whatever it stores to :class:`Held` records (one per series tacal wrote
there, keyed by UID, with the hash it stored and whether what it shows now still matches
the check hash stored with it), so that :func:`tacal.sinks.plan.plan_sync` can decide
without knowing the storage. The sink then applies the :class:`~tacal.sinks.plan.SinkPlan`
and says per series what happened (:class:`Outcome`).
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Held", "Outcome", "Pick", "Scope", "Sink", "SinkAction", "SinkPlan", "Wanted"]

#: what a sink holds of a series: there and live, deleted by someone else (Google keeps a
#: cancelled event), or deleted by tacal itself (Google again: tagged before deleting)
LIVE = "live"
DELETED_BY_HAND = "deleted-by-hand"
DELETED_BY_TACAL = "deleted-by-tacal"
#: an object holding a wanted UID that tacal did not write: never changed or deleted
FOREIGN = "foreign"

# Action kinds, the ``action`` every sink reports (Google's plan lines use them too).
CREATE = "create"
UPDATE = "update"
RESTORE = "restore"
DELETE = "delete"
UNCHANGED = "unchanged"
SKIPPED = "skipped-hand-edited"
GONE = "deleted-in-google"
#: kinds that write
WRITES = (CREATE, UPDATE, RESTORE, DELETE)


@dataclass(frozen=True)
class Wanted:
    """One series tacal wants in the sink: its UID, the hash of everything it would send
    (an unchanged hash means nothing to write), and what reports show. ``key`` is the
    sink's handle for it when the sink derives handles from UIDs (Google's event ids), so
    that the planner can match by it (``plan_sync(keyed=True)``); empty when the sink
    cannot know it in advance (a CalDAV server may rename objects)."""

    uid: str
    hash: str
    summary: str = ""
    cadence: str = ""
    warnings: tuple[str, ...] = ()
    key: str = ""


@dataclass(frozen=True)
class Held:
    """What a sink holds of one series tacal wrote there.

    ``hash`` is the hash stored when tacal wrote it; ``edited`` says that what the sink
    shows no longer matches the check hash stored with it (someone edited it by hand);
    ``pending`` that a previous run died halfway through writing it (ours to finish, not a
    hand edit). ``account``, ``organizer`` and ``emails`` let a scoped sync tell which of
    tacal's objects are its own to delete. ``key`` is the sink's own handle (an event id,
    a resource href) and ``etag`` its version, for conditional writes.
    """

    uid: str
    key: str
    hash: str = ""
    summary: str = ""
    cadence: str = ""
    state: str = LIVE
    edited: bool = False
    pending: bool = False
    account: str = ""
    organizer: str = ""
    emails: tuple[str, ...] = ()
    etag: str | None = None


@dataclass(frozen=True)
class Pick:
    """The series a flag names (``--overwrite``, ``--restore``): cadence ids and UIDs, or
    every series (``all``); the Google and CalDAV sinks both take it."""

    names: frozenset[str] = frozenset()
    every: bool = False

    @classmethod
    def of(cls, values: Iterable[str] | bool | None) -> Pick:
        """From flag values (each may hold several, comma-separated); ``True`` is every
        series, ``False``/``None`` none."""
        if values is True:
            return cls(every=True)
        if not values:
            return cls()
        names = {n.strip() for v in values for n in str(v).split(",") if n.strip()}
        if "all" in names:
            return cls(every=True)
        return cls(frozenset(names))

    def __bool__(self) -> bool:
        return self.every or bool(self.names)

    def picks(self, uid: str, cadence: str) -> bool:
        return self.every or uid in self.names or (bool(cadence) and cadence in self.names)


@dataclass(frozen=True)
class Scope:
    """What a ``--account`` / ``--for`` sync may delete besides the series it wants:
    tacal's objects tagged with ``account`` and/or inviting (or organised by) ``email``,
    whose UID is not in ``known`` (every series of the whole config: a series that merely
    left the scope is left for a full sync). An object without an account tag is no
    account's, not even that of ``--account ""``."""

    account: str | None = None
    email: str | None = None
    known: frozenset[str] = frozenset()

    def holds(self, held: Held) -> bool:
        if self.account is not None and (
            not held.account or held.account.casefold() != self.account.casefold()
        ):
            return False
        if self.email is not None:
            wanted = self.email.lower()
            if wanted not in {e.lower() for e in held.emails} and held.organizer != wanted:
                return False
        return True

    def leaves(self, held: Held) -> bool:
        """Whether a scoped sync leaves ``held`` alone (when no series it wants is held
        there): a series of the whole config (left for a full sync), or not in the scope."""
        return held.uid in self.known or not self.holds(held)

    def describe(self) -> str:
        parts = []
        if self.account is not None:
            parts.append(f"account {self.account}")
        if self.email is not None:
            parts.append(f"for {self.email}")
        return ", ".join(parts)


@dataclass
class Outcome:
    """What applying one action did: ``done``, ``conflict`` (the object changed on the
    server meanwhile: left as it is), ``gone`` (deleted meanwhile) or ``failed``."""

    uid: str
    status: str
    detail: str = ""


@dataclass
class SinkAction:
    """What to do with one series: ``wanted`` is what tacal wants (None for a delete or a
    skipped leftover), ``held`` what the sink holds (None for a create)."""

    kind: str
    uid: str
    summary: str = ""
    cadence: str = ""
    reason: str = ""
    wanted: Wanted | None = None
    held: Held | None = None


@dataclass
class SinkPlan:
    """The actions of one sync before anything is written; ``existing`` counts tacal's
    objects the plan considers (the base of the mass-delete guard) and ``outside`` those a
    scoped sync leaves alone."""

    actions: list[SinkAction]
    existing: int = 0
    outside: int = 0
    scope: Scope | None = None

    def of(self, kind: str) -> list[SinkAction]:
        return [a for a in self.actions if a.kind == kind]

    @property
    def writes(self) -> list[SinkAction]:
        return [a for a in self.actions if a.kind in WRITES]


class Sink(Protocol):
    """A place tacal pushes series to.

    ``wanted`` is what tacal wants there, one record per series, hashed the way this sink
    stores hashes (each sink hashes what it sends: Google bodies, iCalendar resources);
    ``list`` makes the listing request(s) and returns what tacal holds there (only objects
    carrying tacal's marker); ``apply`` writes the plan's write actions and returns one
    outcome per write. ``requests`` counts the HTTP requests made so far and ``writes``
    the write requests among them.
    """

    requests: int
    writes: int

    def wanted(self) -> list[Wanted]: ...

    def list(self) -> builtins.list[Held]: ...

    def apply(self, plan: SinkPlan) -> builtins.list[Outcome]: ...
