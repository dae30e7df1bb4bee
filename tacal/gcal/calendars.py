"""Which Google calendar each series goes to, and as whom it is written.

In Google an event's organizer is the calendar it lives in: whoever's calendar holds a
customer check-in is who the customer's invitation comes from and who can manage it. So
where series go depends on what the credentials can do (:func:`choose_route`):

- **delegate** (``[sync] delegate = true``, a service-account key with domain-wide
  delegation): each series into its organizer's own calendar (calendar id = the
  organizer's e-mail), written as that organizer; one plan per calendar.
- **personal** (a person's own OAuth sign-in): only the series that person organizes, into
  their primary calendar: they cannot write into anyone else's, and putting a colleague's
  meetings into their own calendar would make them the organizer.
- **one** (``--calendar ID``, or a service account acting as one user, as before): every
  series into one calendar.

:func:`by_organizer` and :func:`organized_by` cut a built calendar into those parts; the
parts keep the calendar's properties and time zones, so each is a calendar of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icalendar import Calendar

from tacal.errors import AuthError, SyncError
from tacal.gcal.auth import EMULATOR, OAUTH

__all__ = ["DELEGATE", "ONE", "PERSONAL", "Route", "by_organizer", "choose_route", "organized_by"]

DELEGATE = "delegate"
PERSONAL = "personal"
ONE = "one"


@dataclass(frozen=True)
class Route:
    """Where a sync writes: ``mode``, the one calendar (modes one and personal) and, in
    personal mode, the person signed in (lower case)."""

    mode: str
    calendar_id: str | None = None
    who: str | None = None

    def describe(self) -> str:
        """What the plan header says about the mode."""
        if self.mode == DELEGATE:
            return "each organizer's calendar (delegation)"
        if self.mode == PERSONAL:
            return f"series organized by {self.who} (personal sign-in)"
        return "every series in one calendar"


def choose_route(*, delegate: bool, kind: str, calendar: str | None, as_user: str | None) -> Route:
    """The route for credentials of ``kind`` (:func:`~tacal.gcal.auth.credentials_kind`).

    ``calendar`` is the calendar asked for (``--calendar``, ``[sync] calendar`` or a
    ``team.calendar`` other than ``primary``), None when none was; ``as_user`` is
    ``--as`` / ``[sync] as_user``: with a service-account key the user to act as, with a
    personal sign-in (or the emulator) who is signed in.
    """
    if delegate:
        if kind == OAUTH:
            raise AuthError(
                "[sync] delegate = true needs a service-account key with domain-wide "
                "delegation, but the credentials are a personal OAuth sign-in",
                hint="point --credentials (or [sync] credentials) at the service account's "
                "JSON key and allow it the calendar.events scope under Admin console > "
                "Security > API controls > Domain-wide delegation; or remove delegate to "
                "sync the series you organize yourself",
            )
        if calendar is not None:
            raise SyncError(
                f"--calendar {calendar} and [sync] delegate = true exclude each other: with "
                "delegation every series goes into its organizer's own calendar",
                hint="drop --calendar (and [sync] calendar), or set delegate = false",
            )
        if as_user is not None:
            raise SyncError(
                f"--as {as_user} and [sync] delegate = true exclude each other: with "
                "delegation tacal acts as each series' organizer",
                hint="drop --as (and [sync] as_user), or set delegate = false",
            )
        return Route(DELEGATE)
    if calendar is not None:
        return Route(ONE, calendar)
    if kind == OAUTH:
        if not as_user:
            raise SyncError(
                "with a personal Google sign-in, tacal syncs the series you organize into "
                "your own calendar, and needs to know who you are",
                hint="say which address you signed in with: --as YOU@example.com (or "
                "[sync] as_user); or put every series into one calendar with --calendar ID",
            )
        return Route(PERSONAL, "primary", as_user.lower())
    if as_user and kind == EMULATOR:  # the emulator stands in for a person's sign-in
        return Route(PERSONAL, "primary", as_user.lower())
    return Route(ONE, "primary")  # a service account: into the one calendar it can reach


def organizer_of(event: Any) -> str | None:
    """The ORGANIZER e-mail of a VEVENT, lower case (None without one)."""
    value = str(event.get("ORGANIZER") or "").strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    return value.lower() or None


def _part(calendar: Calendar, events: list[Any]) -> Calendar:
    out = Calendar()
    for name, value in calendar.property_items(recursive=False):
        if name not in ("BEGIN", "END"):
            out.add(name, value, encode=False)
    for tz in calendar.walk("VTIMEZONE"):
        out.add_component(tz)
    for ev in events:
        out.add_component(ev)
    return out


def by_organizer(calendar: Calendar) -> dict[str, Calendar]:
    """The calendar's events by organizer e-mail (sorted), each part a calendar of its own.

    Raises SyncError when a series has no organizer: it would have no calendar to go to."""
    parts: dict[str, list[Any]] = {}
    orphans: list[str] = []
    for ev in calendar.walk("VEVENT"):
        who = organizer_of(ev)
        if who is None:
            orphans.append(str(ev.get("SUMMARY") or ev.get("UID") or "?"))
            continue
        parts.setdefault(who, []).append(ev)
    if orphans:
        n = len(set(orphans))
        names = ", ".join(sorted(set(orphans))[:3])
        raise SyncError(
            f"{n} series {'has' if n == 1 else 'have'} no organizer, so no calendar to go to "
            f"with delegation: {names}",
            hint='set team.organizer, or organizer = "..." on their cadences',
        )
    return {who: _part(calendar, parts[who]) for who in sorted(parts)}


def organized_by(calendar: Calendar, email: str) -> Calendar:
    """Only the events ``email`` organizes (a calendar of its own)."""
    wanted = email.lower()
    return _part(calendar, [ev for ev in calendar.walk("VEVENT") if organizer_of(ev) == wanted])
