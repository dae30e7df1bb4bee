"""A Google Calendar API v3 emulator served over real HTTP on 127.0.0.1, for tests.

Why: sync bugs live in the seams (URL building, batch framing, retries, sockets,
409/410/412 handling), so tests drive the *real* google-api-python-client against a
server that answers like Google, instead of mocking the client.

It is written independently of ``tacal.gcal`` (it does not import it), so the engine
cannot pass its tests by agreeing with itself.

Modules: ``store`` (calendars, events and the API calls on them), ``resource`` (event
values, validation, the JSON error shape), ``faults``, ``wire`` (the batch format),
``server`` (HTTP and the request log), ``fixtures`` (pytest), ``users`` (each user's own
calendar and the user a request acts as, with ``user_calendars`` on). It also runs on its own:
``python -m tests.support.gcal_emulator --port 8089`` (``--help`` says more).

Reproduced after Google's public references: the Events resource and methods
(https://developers.google.com/calendar/api/v3/reference/events), batching
(https://developers.google.com/calendar/api/guides/batch), errors
(https://developers.google.com/calendar/api/guides/errors), and RFC 5545 for recurrence
lines:

- events insert/get/list/update/patch/delete under ``/calendar/v3/calendars/{id}/events``,
  client-chosen base32hex ids, 409 ``duplicate`` (also for ids of cancelled events),
  410 ``deleted`` when deleting a cancelled event, 412 ``conditionNotMet`` on a stale
  ``If-Match``, 404 ``notFound`` for unknown calendars and events;
- ``privateExtendedProperty`` (AND of repeats), ``iCalUID``, ``showDeleted``,
  ``updatedMin``, ``maxResults`` (default 250, capped at 2,500) and opaque page tokens;
- cancelled events listed with ``showDeleted=true`` carry only ``id``/``status`` (plus
  ``recurringEventId``/``originalStartTime`` for instances), the documented minimum;
- ``dateTime`` values come back rendered with an offset in the calendar's time zone
  (or the ``timeZone`` query parameter), with ``timeZone`` kept as sent;
- attendees gain ``responseStatus: needsAction``; ``organizer``/``creator`` are the
  calendar owner whatever the client sends; ``sequence`` is bumped on time changes and a
  lower ``sequence`` in an update is a 400;
- recurring events need ``start.timeZone``; recurrence lines must be RRULE/EXRULE/RDATE/
  EXDATE; instance ids ``{eventId}_{YYYYMMDDTHHMMSSZ}`` (``_{YYYYMMDD}`` for all-day) can be
  read, updated, patched and deleted, which stores an exception with ``recurringEventId``
  and ``originalStartTime``; deleting a master cancels its exceptions too;
- the multipart/mixed batch endpoint ``/batch/calendar/v3`` with the framing the client
  writes (bare LF) and expects (CRLF, ``Content-ID: <response-...>``), at most 1,000 parts;
- fault injection: 429, 403 rateLimitExceeded/userRateLimitExceeded/quotaExceeded/
  forbidden, 401, 500, 503, dropped connections (also mid-batch, after k applied
  calls) and slow answers, on outer requests, on inner batch calls, or on both.

Not reproduced (behaviour of the real API that is unknown or out of scope):

- authentication, scopes, ACLs and per-user/per-project quotas (faults stand in for them);
- ``singleEvents=true`` expansion, ``events.instances``, ``events.import``, ``move``,
  ``quickAdd``, ``watch``, sync tokens, ``timeMin``/``timeMax``/``q``/``orderBy`` filters
  (``singleEvents=true`` and ``syncToken`` answer 400 so a test cannot rely on them);
- whether Google matches *cancelled* events by ``privateExtendedProperty`` (here it does,
  unless ``match_cancelled_properties=False``); ``events.get`` of a cancelled event
  returns all of it, private properties included (the reference: "the get method always
  returns" cancelled events);
- what Google does to existing exceptions when a master's time or rule changes (here they
  are kept unchanged); whether unmodified fields of exceptions follow later master edits
  (here they do not);
- Google's rewriting of recurrence lines, descriptions or attendee display names (here
  they are stored as sent) and the exact text of most 400 messages;
- page consistency under concurrent writes (pages are offsets into the live list);
- whether sending both ``id`` and ``iCalUID`` is rejected (here it is accepted);
- invitation e-mails: ``sendUpdates`` is only recorded (see ``notifications``);
- whether Google lists the organizer among the guests once an event has guests (off by
  default; ``add_organizer_attendee=True`` mimics it);
- HTTP/2, gzip, ``fields``/partial responses, ``alt`` other than json, the legacy
  global batch endpoint.

Worth knowing when reading fault tests: a connection closed without an answer is
re-sent once by httplib2 itself (its stale keep-alive logic treats it as a bad status
line), so ``drop``/``drop-mid-batch`` need ``count=2`` to reach the caller's own retry.
"""

from tests.support.gcal_emulator.fixtures import OPEN_CLIENTS, close_clients, gcal_emulator
from tests.support.gcal_emulator.server import CalendarEmulator

__all__ = ["OPEN_CLIENTS", "CalendarEmulator", "close_clients", "gcal_emulator"]
