"""Read what tacal has in a Google calendar: every one of its events, once per sync.

``list_remote`` lists the events carrying ``tacal=1`` (cancelled ones too: they tell a
series deleted in Google from one never written) and ``details_of_cancelled`` fetches what
a listing leaves out of a cancelled series' master (its private properties say whether
tacal deleted it). Both go through the same paced, retrying transport as the writes.
"""

from __future__ import annotations

from typing import Any

from tacal.errors import AuthError, SyncError
from tacal.gcal.auth import ServiceBundle
from tacal.gcal.codec import MARKER
from tacal.gcal.report import SyncReport
from tacal.gcal.transport import _TRANSPORT_ERRORS, Timing, _Applier, _fatal, _reason

__all__ = ["check_owner", "details_of_cancelled", "list_remote"]


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


def details_of_cancelled(
    bundle: ServiceBundle,
    calendar_id: str,
    remote: list[dict[str, Any]],
    event_ids: set[str],
    *,
    timing: Timing | None = None,
) -> list[dict[str, Any]]:
    """``remote`` with each cancelled master among ``event_ids`` replaced by what
    ``events.get`` shows of it: a listing guarantees little more than the id and status
    of a cancelled event, but the private properties tell whether tacal deleted it."""
    from googleapiclient.errors import HttpError

    wanted = [
        i
        for i, item in enumerate(remote)
        if item.get("status") == "cancelled"
        and not item.get("recurringEventId")
        and item.get("id") in event_ids
    ]
    if not wanted:
        return remote
    applier = _Applier(
        bundle,
        calendar_id,
        "none",
        1,
        timing or Timing(),
        None,
        SyncReport(calendar_id, dry_run=True),
    )
    out = list(remote)
    for i in wanted:
        eid = str(out[i]["id"])

        def get(eid: str = eid) -> Any:
            return bundle.service.events().get(calendarId=calendar_id, eventId=eid)

        try:
            full = applier.single(get)
        except HttpError:
            continue  # treated as deleted in Google
        except _TRANSPORT_ERRORS as exc:
            raise SyncError(
                f"cannot reach Google Calendar: {exc.__class__.__name__}",
                hint="check the network and run again",
            ) from None
        if isinstance(full, dict) and full.get("status") == "cancelled":
            out[i] = full
    return out


def check_owner(remote: list[dict[str, Any]], owner: str) -> None:
    """Raise AuthError when the calendar listed is not ``owner``'s: a personal sign-in
    says who it is with ``--as`` (Google does not tell a ``calendar.events`` sign-in), and
    the events tacal wrote there before name the calendar's real owner as their organizer
    (``self``). Without such an event (a first sync) there is nothing to check."""
    wanted = owner.lower()
    for item in remote:
        organizer = item.get("organizer") or {}
        email = str(organizer.get("email") or "").lower()
        if organizer.get("self") and email and email != wanted:
            raise AuthError(
                f"this Google sign-in is {email}'s calendar, not {owner}'s (--as {owner})",
                hint=f"run with --as {email}, or delete the saved token and sign in as {owner}",
            )
