"""Google Calendar sink: make a Google calendar hold exactly the series tacal builds.

Modules, each importing only those below it:

- :mod:`~tacal.gcal.sink` -- Google as a :class:`~tacal.sinks.contract.Sink` (the shared
  contract tests).
- :mod:`~tacal.gcal.multi` -- several calendars side by side (``[sync] delegate = true``):
  every calendar planned, then written, each with its own client and pacing window.
- :mod:`~tacal.gcal.calendars` -- which calendar each series goes to (its organizer's,
  the signed-in person's own, or one calendar) and the parts of a calendar by organizer.
- :mod:`~tacal.gcal.sync` -- orchestration: :func:`~tacal.gcal.sync.sync` lists tacal's
  events once, plans, and applies (masters, then occurrence exceptions, then clearing
  the pending marker); also ``apply``, and ``prepare``/``finish``, its two halves.
- :mod:`~tacal.gcal.listing` -- ``list_remote`` and ``details_of_cancelled``: what tacal
  has in a calendar.
- :mod:`~tacal.gcal.transport` -- paced, retrying API calls: ``Timing``, the
  ``TokenBucket`` pacing window, batches, backoff, error classification.
- :mod:`~tacal.gcal.report` -- ``SyncReport``/``SeriesLine`` and ``SyncIncomplete``.
- :mod:`~tacal.gcal.plan` -- the pure plan: the shared planner's decision per series
  (:mod:`tacal.sinks.plan`: create/update/restore/delete/unchanged/skip/gone, the
  ``--account``/``--for`` scope, ``--overwrite``/``--restore``, the mass-delete guard)
  turned into Google writes: bodies, occurrence exceptions, changes, notified guests.
- :mod:`~tacal.gcal.held` -- a listing as the contract's ``Held`` records, by event id.
- :mod:`~tacal.gcal.changes` -- what a write changes: the first occurrence that moves
  (old -> new), the fields, the guests added and removed.
- :mod:`~tacal.gcal.desired` -- ``DesiredSeries``: a calendar's series as Google bodies
  with their hashes.
- :mod:`~tacal.gcal.compare` -- change detection: the normalised form of what Google
  shows, the hashes, hand-edit detection.
- :mod:`~tacal.gcal.codec` -- iCalendar values to Events resource fields and back
  (times, recurrence lines, occurrence keys, deterministic event ids).
- :mod:`~tacal.gcal.auth` -- credentials (and what kind they are) and the Calendar
  client (and the emulator switch ``TACAL_GCAL_EMULATOR_HOST``).

Nothing is re-exported here: import from the module that defines a name.
"""
