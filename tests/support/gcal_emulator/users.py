"""Workspace users and their own calendars, for syncs that act as each organizer.

In Google Workspace every user has a primary calendar whose id is their e-mail address; an
event lives in its organizer's calendar, and ``organizer``/``creator`` of an event are that
calendar's owner, whatever the client sends. A service account with domain-wide delegation
acts as one user per set of credentials (``with_subject``), and ``calendarId=primary``
means that user's own calendar.

With ``user_calendars`` on, the emulator does the same:

- a calendar id that is an e-mail address is that user's calendar, created on first use and
  owned by that address (so its events are organized by it);
- a request says whom it acts as with ``Authorization: Bearer emulator-user:EMAIL`` (what
  tacal's emulator credentials send; there is no real authentication here). ``primary``
  then means that user's calendar, and another user's calendar answers 403
  ``requiredAccessLevel``, as a calendar not shared with the caller does, and so does a
  request that acts as nobody (not 401: the client would try to refresh credentials that
  cannot be). So an event in a user's calendar was written as that user. Calendars without an owner (``primary`` and those added without
  one) stay open to every request, as before.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tests.support.gcal_emulator.resource import ApiError

if TYPE_CHECKING:
    from tests.support.gcal_emulator.store import CalendarStore

__all__ = ["USER_PREFIX", "acting_user", "calendar_for"]

#: ``Authorization: Bearer emulator-user:EMAIL``
USER_PREFIX = "emulator-user:"
_EMAIL = re.compile(r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")


def acting_user(headers: dict[str, str]) -> str | None:
    """The user a request acts as (lower case), or None (anonymous)."""
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(USER_PREFIX):
        return None
    email = token[len(USER_PREFIX) :].strip().lower()
    return email or None


def calendar_for(store: CalendarStore, calendar_id: str, headers: dict[str, str]) -> Any:
    """The calendar a request names, as the user it acts as sees it (404 if unknown)."""
    if not store.user_calendars:
        return store._cal(calendar_id)
    user = acting_user(headers)
    if calendar_id == "primary" and user is not None:
        calendar_id = user
    if calendar_id not in store.calendars and _EMAIL.match(calendar_id):
        store.add_calendar(calendar_id, owner=calendar_id.lower())
    cal = store._cal(calendar_id)
    owner = getattr(cal, "owner", None)
    if owner and owner != user:
        raise ApiError(
            403, "requiredAccessLevel", "You need to have writer access to this calendar."
        )
    return cal
