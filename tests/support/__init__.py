"""Helpers shared by the tests (not tests themselves).

- :mod:`tests.support.gcal_emulator` -- a Google Calendar API v3 emulator over real HTTP,
  also runnable on its own: ``python -m tests.support.gcal_emulator --help``.
- :mod:`tests.support.feed_server` -- ``tacal serve``'s app under a real waitress server.
- :mod:`tests.support.ical_check` -- expands calendars with independent libraries.
- :mod:`tests.support.walker` -- a plain day-by-day walker that shares no code with the RRULE
  generation.
"""
