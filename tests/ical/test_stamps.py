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
    recurrence=Recurrence(
        START, "FREQ=WEEKLY;BYDAY=WE", (START,), (dt.datetime(2027, 2, 4, 10, 0),)
    ),
    duration=dt.timedelta(minutes=30),
    timezone="America/New_York",
    attendees=(Attendee("alice@example.com", "Alice"), Attendee("bob@example.com")),
    organizer=Attendee("lead@example.com", "Lead"),
    kind="internal",
    overrides=(
        Override(START + dt.timedelta(days=7), START + dt.timedelta(days=7), description="Top 3"),
    ),
)


def test_hash_is_the_one_existing_calendars_carry() -> None:
    """Version 1 hashes the text the first releases hashed (the dataclass repr), so upgrading
    tacal does not bump SEQUENCE on every event of every user."""
    # the repr of the first releases' Series (its fields then, in order; their Recurrence had
    # no moves)
    old_fields = {f: getattr(SERIES, f) for f in HASHED_FIELDS}
    legacy_repr = (
        "Series("
        + ", ".join(f"{k}={v!r}" for k, v in old_fields.items()).replace(", moves=())", ")")
        + ")"
    )
    legacy = hashlib.sha256(f"{FORMAT_VERSION}|{legacy_repr}".encode()).hexdigest()[:20]
    assert content_hash(SERIES) == legacy
    assert content_hash(SERIES) == "87575385b76b7d8784ad"


def test_every_hashed_field_changes_the_hash() -> None:
    changed = {
        "uid": "x@tacal",
        "cadence_id": "other",
        "summary": "S",
        "description": "D",
        "recurrence": dataclasses.replace(SERIES.recurrence, rrule="FREQ=DAILY"),
        "duration": dt.timedelta(minutes=45),
        "timezone": "Europe/London",
        "attendees": (),
        "organizer": None,
        "kind": "external",
        "location": "Room",
        "account": "Acme",
        "overrides": (),
    }
    assert set(changed) == set(HASHED_FIELDS)
    for name, value in changed.items():
        assert content_hash(dataclasses.replace(SERIES, **{name: value})) != content_hash(SERIES), (
            name
        )


def test_a_new_series_field_does_not_change_the_hash() -> None:
    """Adding a field to Series (say, for placement bookkeeping) must not bump SEQUENCE."""

    @dataclasses.dataclass(frozen=True)
    class Wider(Series):
        placement_note: str = "anything"

    wider = Wider(**{f.name: getattr(SERIES, f.name) for f in dataclasses.fields(Series)})
    assert content_hash(wider) == content_hash(SERIES)


def test_moves_enter_the_hash_only_when_there_are_any() -> None:
    """A moved occurrence used to be EXDATE + RDATE and is now a RECURRENCE-ID override: a
    series with moves hashes differently from its old form (SEQUENCE goes up once), a series
    without moves keeps its hash (above), and where a move goes is part of the hash."""
    moved = START + dt.timedelta(days=14)
    old_form = dataclasses.replace(
        SERIES,
        recurrence=Recurrence(
            START, "FREQ=WEEKLY;BYDAY=WE", (moved,), (moved + dt.timedelta(days=1),)
        ),
    )
    new_form = dataclasses.replace(
        SERIES,
        recurrence=Recurrence(
            START, "FREQ=WEEKLY;BYDAY=WE", moves=((moved, moved + dt.timedelta(days=1)),)
        ),
    )
    elsewhere = dataclasses.replace(
        SERIES,
        recurrence=Recurrence(
            START, "FREQ=WEEKLY;BYDAY=WE", moves=((moved, moved + dt.timedelta(days=2)),)
        ),
    )
    assert len({content_hash(old_form), content_hash(new_form), content_hash(elsewhere)}) == 3


def test_upgrading_from_exdate_and_rdate_bumps_the_moved_series_once() -> None:
    """A calendar written when moves were EXDATE + RDATE: the series with moves get
    SEQUENCE + 1 once (their master lost RDATE and EXDATE values, RFC 5546 2.1.4), the others
    keep their stamps, and the next build changes nothing."""
    from tacal import config as config_mod
    from tacal.ical.stamps import Stamp, next_stamps
    from tacal.series import build_series
    from tests.conftest import FIXTURES

    series = build_series(config_mod.load(FIXTURES / "berlin.toml"), dt.date(2027, 1, 10))

    def old_form(s: Series) -> Series:
        r = s.recurrence
        return dataclasses.replace(
            s,
            recurrence=Recurrence(
                r.start,
                r.rrule,
                tuple(sorted({*r.exdates, *(old for old, _ in r.moves)})),
                tuple(sorted({*r.rdates, *(new for _, new in r.moves)})),
            ),
        )

    then = dt.datetime(2027, 1, 10, tzinfo=dt.UTC)
    previous = {s.uid: Stamp(0, then, content_hash(old_form(s))) for s in series}
    stamps = next_stamps(series, previous, dt.datetime(2027, 2, 1, tzinfo=dt.UTC))
    moved = {s.uid for s in series if s.recurrence.moves}
    assert moved == {"berlin.standup@tacal"}
    assert {uid: st.sequence for uid, st in stamps.items()} == {
        s.uid: 1 if s.uid in moved else 0 for s in series
    }
    assert all(stamps[s.uid] == previous[s.uid] for s in series if s.uid not in moved)
    assert next_stamps(series, stamps, dt.datetime(2027, 3, 1, tzinfo=dt.UTC)) == stamps
