"""Busy times from Google Calendar's ``freebusy.query``, for people with ``busy = "google"``.

It goes through the same credentials and client as ``tacal sync``
(:func:`tacal.gcal.auth.build_service`) and asks for every such person's calendar (their
e-mail address) in as few requests as possible: one query takes up to 50 calendars
(``calendarExpansionMax``), so n people cost ``ceil(n / 50)`` requests, each paced by the
sync's token bucket (:class:`tacal.gcal.transport.TokenBucket`) under the per-user quota.

A calendar Google will not answer for (not shared, unknown) comes back in that calendar's
``errors``: that person's source failed, the others are used. A request that fails outright
fails every calendar it asked for. Either way the caller warns; nothing here raises.

Google's answer cannot tell tacal's own synced meetings from others (it has no event
details); :func:`tacal.busy.own_removed` takes out the times tacal itself placed.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Sequence
from typing import Any

from tacal.busy.ics import Block, merge
from tacal.gcal.transport import Timing, TokenBucket

#: Calendars per freebusy.query (Google's documented maximum for calendarExpansionMax).
CHUNK = 50
#: Resends of a query that failed with 429/5xx (the client's own backoff); then it fails.
RETRIES = 3


def _rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def query(
    emails: Sequence[str],
    start: dt.datetime,
    end: dt.datetime,
    *,
    service: Any = None,
    make_service: Callable[[], Any] | None = None,
    bucket: TokenBucket | None = None,
) -> tuple[dict[str, tuple[Block, ...]], dict[str, str]]:
    """(busy blocks per e-mail, why it failed per e-mail) for ``[start, end)``."""
    found: dict[str, tuple[Block, ...]] = {}
    failed: dict[str, str] = {}
    wanted = sorted({e.lower() for e in emails})
    if not wanted:
        return found, failed
    if service is None:
        try:
            service = (make_service or _default_service)()
        except Exception as exc:  # AuthError, a missing client file: every calendar fails
            why = str(exc) or exc.__class__.__name__
            return found, dict.fromkeys(wanted, f"no Google access ({why})")
    bucket = bucket or Timing().bucket()
    for at in range(0, len(wanted), CHUNK):
        chunk = wanted[at : at + CHUNK]
        body = {
            "timeMin": _rfc3339(start),
            "timeMax": _rfc3339(end),
            "timeZone": "UTC",
            "calendarExpansionMax": CHUNK,
            "items": [{"id": e} for e in chunk],
        }
        bucket.acquire(1)
        try:
            answer = service.freebusy().query(body=body).execute(num_retries=RETRIES)
        except Exception as exc:  # HttpError, a dropped connection: this chunk fails
            status = getattr(getattr(exc, "resp", None), "status", None)
            why = f"Google answered HTTP {status}" if status else exc.__class__.__name__
            if status == 403:
                why += (
                    "; if the saved authorisation predates busy times, delete the token "
                    "and sign in again so it includes free/busy"
                )
            failed.update(dict.fromkeys(chunk, why))
            continue
        calendars = {k.lower(): v for k, v in (answer.get("calendars") or {}).items()}
        for email in chunk:
            cal = calendars.get(email)
            if cal is None:
                failed[email] = "Google did not answer for this calendar"
                continue
            errors = cal.get("errors") or []
            if errors:
                failed[email] = f"Google: {errors[0].get('reason', 'error')}"
                continue
            found[email] = merge(
                (_parse(b["start"]), _parse(b["end"])) for b in cal.get("busy") or []
            )
    return found, failed


def service_for(
    credentials: str | None, as_user: str | None, token: str | None
) -> Callable[[], Any]:
    """A maker of the Calendar client with ``tacal sync``'s credentials (the ``[sync]``
    table's), asking for the free/busy scope too. The browser sign-in runs only at a
    terminal (never from cron, where it would wait forever)."""

    def make() -> Any:
        from tacal.gcal.auth import FREEBUSY_SCOPE, SCOPES, build_service

        return build_service(
            credentials,
            as_user,
            token,
            interactive=sys.stdin.isatty(),
            scopes=[*SCOPES, FREEBUSY_SCOPE],
        ).service

    return make


def _default_service() -> Any:
    return service_for(None, None, None)()


__all__ = ["CHUNK", "query"]
