"""Paced, retrying calls to the Calendar API: single requests and batches.

- **Batches.** Writes go in multipart batches of at most 1,000 calls
  (https://developers.google.com/calendar/api/guides/batch); each call in a batch counts
  against the quota as one request.
- **Pacing.** :class:`TokenBucket` keeps every trailing 60 seconds under
  ``calls_per_minute`` (550, a margin under the 600 requests per minute per user that
  Google counts over a sliding window:
  https://developers.google.com/calendar/api/guides/quota).
- **Retries.** 429, 403 ``rateLimitExceeded``/``userRateLimitExceeded``/``quotaExceeded``,
  5xx and broken connections are retried with exponential backoff and jitter, as
  https://developers.google.com/calendar/api/guides/errors recommends, resending only
  the calls that failed. 409 on insert means the id exists: a live event (our own
  insert whose answer was lost) is updated; a cancelled one is restored only when tacal
  deleted it itself (``tacalDeleted``) or ``--restore`` names it, else it is reported
  as deleted in Google. 404/410 on delete count as done, 412 (stale ``If-Match``) is
  checked against the event's current state. Errors that concern the whole calendar (401,
  unknown calendar, no write access) stop the sync with a message saying what to do.

Clock, sleep and randomness are injectable (:class:`Timing`), so tests never wait.
"""

from __future__ import annotations

import http.client
import json
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import google.auth.exceptions
import httplib2

from tacal.errors import AuthError, SyncError
from tacal.gcal.auth import ServiceBundle
from tacal.gcal.codec import DELETED_KEY, HASH_KEY, _private
from tacal.gcal.report import SeriesLine, SyncReport

__all__ = ["Timing", "TokenBucket"]

RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"})
# 403s that mean "this account may not write here at all" (others concern one event).
CALENDAR_WIDE_403 = frozenset(
    {"forbidden", "insufficientPermissions", "requiredAccessLevel", "accessNotConfigured", ""}
)


@dataclass
class Timing:
    """Clock, sleep, randomness and limits; tests inject a fake clock to never sleep."""

    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: Callable[[], float] = random.random
    calls_per_minute: float = 550.0  # a margin under Google's ~600 per user per minute
    max_attempts: int = 8
    max_backoff: float = 64.0
    _bucket: TokenBucket | None = field(default=None, repr=False, compare=False)

    def bucket(self) -> TokenBucket:
        """The one token bucket shared by every call made with this Timing (listing too)."""
        if self._bucket is None:
            self._bucket = TokenBucket(self)
        return self._bucket


class TokenBucket:
    """Paces API calls over a sliding 60-second window: at most ``calls_per_minute`` calls in
    any trailing minute, counting every call inside a batch (Google's per-user quota is about
    600 a minute). A window, unlike a refilling bucket, lets a small sync go at full speed and
    holds a large one to exactly the quota instead of a stricter steady rate."""

    WINDOW = 60.0

    def __init__(self, timing: Timing) -> None:
        self.timing = timing
        self.capacity = max(1, int(timing.calls_per_minute))
        self.sent: deque[tuple[float, int]] = deque()
        self.used = 0
        self.waited = 0.0

    def acquire(self, n: int) -> None:
        """Wait until ``n`` more calls fit in the window (callers never ask for more than
        ``capacity`` at once: batches are split to fit)."""
        n = min(n, self.capacity)
        while True:
            now = self.timing.clock()
            while self.sent and self.sent[0][0] <= now - self.WINDOW:
                self.used -= self.sent.popleft()[1]
            if self.used + n <= self.capacity:
                self.sent.append((now, n))
                self.used += n
                return
            wait = max(self.sent[0][0] + self.WINDOW - now, 0.001)
            self.waited += wait
            self.timing.sleep(wait)


@dataclass
class _Call:
    kind: str  # insert | update | delete | iput | idelete | clear | mark
    event_id: str
    body: dict[str, Any] | None
    line: SeriesLine
    etag: str | None = None
    attempts: int = 0
    converted: bool = False
    desired_hash: str = ""
    outcome: str = ""  # done | failed | conflict | gone
    error: str = ""
    #: an insert that may restore an event Google keeps cancelled under the same id
    may_restore: bool = False
    #: the answer of the call that succeeded
    result: Any = None


_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,  # includes timeouts and connection resets
    httplib2.HttpLib2Error,
    http.client.HTTPException,
    google.auth.exceptions.TransportError,  # token refresh could not reach Google
)


def _reason(exc: Any) -> str:
    try:
        data = json.loads(exc.content)
        return str(data["error"]["errors"][0].get("reason", ""))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return ""


def _retryable(status: int, reason: str) -> bool:
    return status == 429 or status >= 500 or (status == 403 and reason in RATE_REASONS)


def _fatal(status: int, reason: str, calendar_id: str) -> SyncError | None:
    """Errors that no retry can fix and that concern the whole calendar."""
    if status == 401:
        return AuthError(
            "Google rejected the credentials (401)",
            hint="delete the saved token (~/.config/tacal/token.json) and run again to sign in",
        )
    if status == 404 and reason in ("notFound", ""):
        return SyncError(
            f"Google calendar {calendar_id!r} not found",
            hint="use 'primary' or the Calendar ID from Google Calendar > Settings > "
            "Integrate calendar, and make sure this account can see it",
        )
    if status == 403 and reason == "accessNotConfigured":
        return SyncError(
            "the Google Calendar API is not enabled in the Google Cloud project of these "
            "credentials",
            hint="enable it under APIs & Services > Library > Google Calendar API, then run again",
        )
    if status == 403 and reason in CALENDAR_WIDE_403:
        return SyncError(
            f"no permission to change events in Google calendar {calendar_id!r} ({reason or 403})",
            hint="share the calendar with this account with 'Make changes to events', or "
            "for a service account use --as-user with domain-wide delegation",
        )
    return None


class _Applier:
    def __init__(
        self,
        bundle: ServiceBundle,
        calendar_id: str,
        send_updates: str,
        batch_size: int,
        timing: Timing,
        progress: Callable[[int, int], None] | None,
        report: SyncReport,
    ) -> None:
        self.bundle = bundle
        self.cid = calendar_id
        self.send_updates = send_updates
        self.timing = timing
        self.bucket = timing.bucket()
        # no batch may be larger than the quota window, or it alone would exceed the quota
        self.batch_size = min(batch_size, self.bucket.capacity)
        # building the events resource reads the discovery document (~2 ms): do it once
        self.events = bundle.service.events()
        self.progress = progress
        self.report = report
        self.total = 0
        self.done = 0

    # -- requests
    def _request(self, call: _Call) -> Any:
        events = self.events
        su = self.send_updates
        if call.kind == "insert":
            req = events.insert(calendarId=self.cid, body=call.body, sendUpdates=su)
        elif call.kind in ("update", "iput"):
            req = events.update(
                calendarId=self.cid, eventId=call.event_id, body=call.body, sendUpdates=su
            )
        elif call.kind in ("clear", "mark"):
            req = events.patch(
                calendarId=self.cid, eventId=call.event_id, body=call.body, sendUpdates="none"
            )
        else:
            req = events.delete(calendarId=self.cid, eventId=call.event_id, sendUpdates=su)
        if call.etag and call.kind in ("update", "delete", "mark"):
            req.headers["If-Match"] = call.etag
        return req

    def single(self, make: Callable[[], Any]) -> Any:
        """One non-batched request with the same retry policy as batches."""
        from google.auth.exceptions import RefreshError
        from googleapiclient.errors import HttpError

        attempt = 0
        while True:
            attempt += 1
            self.bucket.acquire(1)
            try:
                return make().execute()
            except HttpError as exc:
                status, reason = exc.resp.status, _reason(exc)
                if not _retryable(status, reason) or attempt >= self.timing.max_attempts:
                    raise
            except RefreshError:
                raise AuthError(
                    "Google refused to refresh the authorisation (revoked or expired)",
                    hint="delete the saved token and run `tacal sync` again to sign in",
                ) from None
            except _TRANSPORT_ERRORS:
                if attempt >= self.timing.max_attempts:
                    raise
            self.report.retries += 1
            self._backoff(attempt)

    def _backoff(self, attempt: int) -> None:
        delay = min(self.timing.max_backoff, 2.0 ** (attempt - 1) + self.timing.rng())
        self.timing.sleep(delay)

    def _send(self, chunk: list[_Call]) -> dict[int, tuple[Any, Any]] | None:
        """Results per index, or None when the whole batch must be resent."""
        from google.auth.exceptions import RefreshError
        from googleapiclient.errors import BatchError, HttpError
        from googleapiclient.http import BatchHttpRequest

        results: dict[int, tuple[Any, Any]] = {}

        def callback(rid: str, resp: Any, exc: Any) -> None:
            results[int(rid)] = (resp, exc)

        batch = BatchHttpRequest(callback=callback, batch_uri=self.bundle.batch_uri)
        for i, call in enumerate(chunk):
            batch.add(self._request(call), request_id=str(i))
        self.bucket.acquire(len(chunk))
        self.report.batches += 1
        self.report.write_calls += len(chunk)
        try:
            batch.execute(http=self.bundle.http)
        except HttpError as exc:
            status, reason = exc.resp.status, _reason(exc)
            fatal = _fatal(status, reason, self.cid)
            if fatal is not None:
                raise fatal from None
            if _retryable(status, reason):
                return None
            raise SyncError(f"Google rejected a batch request ({status} {reason})") from None
        except RefreshError:
            raise AuthError(
                "Google refused to refresh the authorisation (revoked or expired)",
                hint="delete the saved token and run `tacal sync` again to sign in",
            ) from None
        except (BatchError, KeyError, *_TRANSPORT_ERRORS):
            return None
        if len(results) != len(chunk):
            return None
        return results

    # -- outcome handling
    def _conflict_resolved(self, call: _Call) -> bool:
        """After a 412: did our own earlier attempt land (lost answer), or did someone edit?"""
        from googleapiclient.errors import HttpError

        try:
            current = self.single(
                lambda: self.events.get(calendarId=self.cid, eventId=call.event_id)
            )
        except HttpError as exc:
            return exc.resp.status in (404, 410) and call.kind == "delete"
        if call.kind == "delete":
            return current.get("status") == "cancelled"
        if call.kind == "mark":
            return current.get("status") != "cancelled" and (
                _private(current).get(DELETED_KEY) == "1"
            )
        return (
            current.get("status") != "cancelled"
            and _private(current).get(HASH_KEY) == call.desired_hash
        )

    def _existing_id(self, call: _Call) -> bool:
        """After a 409 on insert: may the event Google keeps under this id be overwritten?
        A live one is our own earlier insert (its answer was lost); a cancelled one only
        when tacal deleted it or ``--restore`` names it (else: deleted in Google)."""
        from googleapiclient.errors import HttpError

        try:
            current = self.single(
                lambda: self.events.get(calendarId=self.cid, eventId=call.event_id)
            )
        except HttpError:
            return True  # let the update say what is wrong
        if current.get("status") != "cancelled":
            return True
        return call.may_restore or _private(current).get(DELETED_KEY) == "1"

    def _handle(
        self, call: _Call, exc: Any, again: list[_Call], retry: list[_Call], resp: Any = None
    ) -> None:
        """Settle one call from its answer, or queue it (``again`` now, ``retry`` later)."""
        if exc is None:
            call.outcome = "done"
            call.result = resp
            return
        status, reason = exc.resp.status, _reason(exc)
        if call.kind == "insert" and status == 409 and not call.converted:
            if self._existing_id(call):
                call.kind, call.etag, call.converted = "update", None, True  # restore the id
                again.append(call)
            else:
                call.outcome = "gone"
                call.error = "deleted in Google; left deleted (--restore brings it back)"
        elif call.kind == "update" and status == 404 and not call.converted:
            call.kind, call.etag, call.converted = "insert", None, True
            again.append(call)
        elif call.kind in ("delete", "idelete") and status in (404, 410):
            call.outcome = "done"
        elif call.kind == "mark" and status in (404, 410):
            call.outcome = "gone"  # already deleted: nothing left to delete
        elif call.kind in ("iput", "clear") and status == 404:
            call.outcome = "done"
            call.error = "occurrence no longer exists"
        elif status == 412:
            if self._conflict_resolved(call):
                call.outcome = "done"
            else:
                call.outcome = "conflict"
                call.error = "changed in Google during this sync; left as is (run again)"
        elif _retryable(status, reason):
            retry.append(call)
        else:
            fatal = _fatal(status, reason, self.cid)
            if fatal is not None and (status != 404 or call.kind == "insert"):
                raise fatal
            call.outcome = "failed"
            call.error = f"{status} {reason}: {_message(exc)}".strip()

    def run(self, calls: list[_Call]) -> None:
        """Send ``calls`` in batches until each is done, failed or in conflict."""
        self.total += len(calls)
        queue = list(calls)
        round_ = 0
        while queue:
            again: list[_Call] = []
            retry: list[_Call] = []
            for start in range(0, len(queue), self.batch_size):
                chunk = queue[start : start + self.batch_size]
                for call in chunk:
                    call.attempts += 1
                results = self._send(chunk)
                if results is None:
                    retry.extend(chunk)
                    continue
                for i, call in enumerate(chunk):
                    self._handle(call, results[i][1], again, retry, results[i][0])
                self.done += sum(1 for c in chunk if c.outcome)
                if self.progress is not None:
                    self.progress(self.done, self.total)
            for call in retry:
                if call.attempts >= self.timing.max_attempts:
                    call.outcome = "failed"
                    call.error = f"gave up after {call.attempts} attempts (rate limits or errors)"
            retry = [c for c in retry if not c.outcome]
            if retry:
                round_ += 1
                self.report.retries += len(retry)
                self._backoff(round_)
            queue = again + retry


def _message(exc: Any) -> str:
    try:
        return str(json.loads(exc.content)["error"]["message"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""
