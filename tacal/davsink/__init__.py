"""CalDAV sink: make a calendar on any standard CalDAV server (Radicale, Nextcloud,
Fastmail, iCloud, ...) hold exactly the series tacal builds, through the ``caldav`` package.

One resource per series: the iCalendar object with the series' master, its overrides and
the VTIMEZONEs they use, named after the UID and found by UID. Writes are conditional
(``If-None-Match: *`` to create, ``If-Match: ETAG`` to update or delete), so a concurrent
change is reported, never overwritten. tacal marks what it writes with ``X-TACAL-CHECK``
on each VEVENT: objects without it are never changed or deleted, and an object whose
content no longer hashes to it was edited by someone else and is left alone unless
``--overwrite``. The decisions are the shared planner's (:mod:`tacal.sinks.plan`).

Modules, each importing only those below it:

- :mod:`~tacal.davsink.sync` -- ``CalDavSink`` (list, apply) and ``sync``.
- :mod:`~tacal.davsink.client` -- the HTTP side: the caldav client, the listing REPORT,
  conditional PUT/DELETE, request counting, errors.
- :mod:`~tacal.davsink.resources` -- pure: a calendar split into resources, the marker and
  hashes, and what a listed object tells (``Held``).
"""
