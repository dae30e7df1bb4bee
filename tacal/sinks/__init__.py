"""The contract every sync target shares: a sink lists what it holds, the planner decides,
the sink applies.

Why a contract: Google Calendar and CalDAV servers store events very differently (event
bodies with private properties and batched writes there, one iCalendar resource per series
with ETags here), but what tacal promises is the same for both: only its own objects are
changed or deleted, a hand edit is reported and left alone unless ``--overwrite``, a
scoped sync (``--account`` / ``--for``) never touches anything outside its scope, a sync
that would delete too much stops and asks for ``--allow-deletes``, and a re-run with
nothing changed writes nothing. Those rules live once, in :mod:`tacal.sinks.plan`.

Modules:

- :mod:`~tacal.sinks.contract` -- ``Wanted`` (a series tacal wants), ``Held`` (what a sink
  holds of one series), ``Pick``, ``Scope``, the ``Sink`` protocol and ``Outcome``.
- :mod:`~tacal.sinks.plan` -- the pure planner (``plan_sync``) and the mass-delete guard.
"""
