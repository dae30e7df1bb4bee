"""The content hash decides SEQUENCE: it covers an explicit list of fields, nothing else."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

from tacal.ical.stamps import FORMAT_VERSION, HASHED_FIELDS, content_hash
from tacal.schedule.rules import Recurrence
from tacal.series import Attendee, Override, Series

START = dt.datetime(2027, 2, 3, 10, 0)
SERIES = Series(
    uid="ta.sync.alice@tacal",
    cadence_id="sync",
    summary="Account team sync: Alice",
    description="Agenda",
    recurrence=Recurrence(START, "FREQ=WEEKLY;BYDAY=WE", (START,),
                          (dt.datetime(2027, 2, 4, 10, 0),)),
    duration=dt.timedelta(minutes=30),
    timezone="America/New_York",
    attendees=(Attendee("alice@example.com", "Alice"), Attendee("bob@example.com")),
    organizer=Attendee("lead@example.com", "Lead"),
    kind="internal",
    overrides=(Override(START + dt.timedelta(days=7), START + dt.timedelta(days=7),
                        description="Top 3"),),
)


def test_hash_is_the_one_existing_calendars_carry() -> None:
    """Version 1 hashes the text the first releases hashed (the dataclass repr), so upgrading
    tacal does not bump SEQUENCE on every event of every user."""
    # the repr of the first releases' Series (its fields then, in order; their Recurrence had
    # no moves)
    old_fields = {f: getattr(SERIES, f) for f in HASHED_FIELDS}
    legacy_repr = "Series(" + ", ".join(
        f"{k}={v!r}" for k, v in old_fields.items()).replace(", moves=())", ")") + ")"
    legacy = hashlib.sha256(f"{FORMAT_VERSION}|{legacy_repr}".encode()).hexdigest()[:20]
    assert content_hash(SERIES) == legacy
    assert content_hash(SERIES) == "87575385b76b7d8784ad"


def test_every_hashed_field_changes_the_hash() -> None:
    changed = {
        "uid": "x@tacal", "cadence_id": "other", "summary": "S", "description": "D",
        "recurrence": dataclasses.replace(SERIES.recurrence, rrule="FREQ=DAILY"),
        "duration": dt.timedelta(minutes=45), "timezone": "Europe/London",
        "attendees": (), "organizer": None, "kind": "external", "location": "Room",
        "account": "Acme", "overrides": (),
    }
    assert set(changed) == set(HASHED_FIELDS)
    for name, value in changed.items():
        assert content_hash(dataclasses.replace(SERIES, **{name: value})) != \
            content_hash(SERIES), name


def test_a_new_series_field_does_not_change_the_hash() -> None:
    """Adding a field to Series (say, for placement bookkeeping) must not bump SEQUENCE."""

    @dataclasses.dataclass(frozen=True)
    class Wider(Series):
        placement_note: str = "anything"

    wider = Wider(**{f.name: getattr(SERIES, f.name) for f in dataclasses.fields(Series)})
    assert content_hash(wider) == content_hash(SERIES)
