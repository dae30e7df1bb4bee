"""``busy = "google"``: freebusy.query through the real google-api-python-client against the
Calendar emulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from tacal.busy import gather, google
from tacal.config import load
from tacal.gcal.auth import build_service
from tests.conftest import Result
from tests.support.gcal_emulator import CalendarEmulator, gcal_emulator  # noqa: F401  (fixture)
from tests.support.gcal_emulator.freebusy import seed_busy

UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2027, 2, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def emulator(
    gcal_emulator: CalendarEmulator,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> CalendarEmulator:
    monkeypatch.setenv("TACAL_GCAL_EMULATOR_HOST", gcal_emulator.host_port)
    return gcal_emulator


def _query(emails: list[str], em: CalendarEmulator) -> tuple[dict, dict]:  # type: ignore[type-arg]
    bundle = build_service()
    try:
        return google.query(emails, at(1, 0), at(28, 0), service=bundle.service)
    finally:
        bundle.close()


def test_busy_times_from_the_emulator_with_recurrences_and_free_events(
    emulator: CalendarEmulator,
) -> None:
    seed_busy(emulator, "ana@t.example", at(3, 14), at(3, 15))
    seed_busy(emulator, "ana@t.example", at(3, 14, 30), at(3, 16))  # overlaps: merged
    seed_busy(
        emulator,
        "ana@t.example",
        at(1, 9),
        at(1, 10),
        recurrence=["RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE:20270208T090000Z"],
    )
    seed_busy(emulator, "ana@t.example", at(4, 9), at(4, 10), transparent=True)
    found, failed = _query(["ana@t.example", "nobody@t.example"], emulator)
    assert found["ana@t.example"] == (
        (at(1, 9), at(1, 10)),
        (at(3, 14), at(3, 16)),
        (at(15, 9), at(15, 10)),
    )
    assert failed == {"nobody@t.example": "Google: notFound"}


def test_many_people_cost_one_request_per_fifty(
    emulator: CalendarEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(google, "CHUNK", 2)
    emails = [f"p{i}@t.example" for i in range(5)]
    for i, email in enumerate(emails):
        seed_busy(emulator, email, at(2 + i, 10), at(2 + i, 11))
    emulator.reset_log()
    found, failed = _query(emails, emulator)
    assert failed == {}
    assert {e: b for e, b in found.items()} == {
        e: ((at(2 + i, 10), at(2 + i, 11)),) for i, e in enumerate(emails)
    }
    posts = [r for r in emulator.requests if r.path.endswith("/freeBusy")]
    assert len(posts) == 3  # ceil(5 / 2)


def test_freebusy_inside_a_batch_request(emulator: CalendarEmulator) -> None:
    seed_busy(emulator, "ana@t.example", at(3, 14), at(3, 15))
    bundle = build_service()
    answers: list[object] = []
    try:
        batch = bundle.service.new_batch_http_request(callback=lambda *a: answers.append(a[1]))
        batch._batch_uri = bundle.batch_uri
        body = {
            "timeMin": "2027-02-01T00:00:00Z",
            "timeMax": "2027-02-28T00:00:00Z",
            "items": [{"id": "ana@t.example"}],
        }
        batch.add(bundle.service.freebusy().query(body=body))
        batch.execute()
    finally:
        bundle.close()
    assert answers[0]["calendars"]["ana@t.example"]["busy"] == [  # type: ignore[index]
        {"start": "2027-02-03T14:00:00Z", "end": "2027-02-03T15:00:00Z"}
    ]


def test_a_google_outage_fails_every_calendar_and_warns(
    emulator: CalendarEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(google, "RETRIES", 0)
    emulator.faults.add("500", count=10)
    path = tmp_path / "tacal.toml"
    path.write_text(
        '[team]\nname = "T"\nid = "t"\ntimezone = "UTC"\n'
        '[people.ana]\nemail = "ana@t.example"\nbusy = "google"\n'
        '[[cadence]]\nid = "sync"\nsummary = "Sync"\nrule = "weekly"\nday = "TU"\n'
    )
    busy = gather(load(path), dt.date(2027, 2, 1))
    assert busy.missing() == ("ana",)
    assert "Google answered HTTP 500" in str(busy.warnings[0])


def _team(tmp_path: Path) -> Path:
    path = tmp_path / "tacal.toml"
    path.write_text(
        '[team]\nname = "T"\nid = "t"\ntimezone = "UTC"\nstart = "2027-02-01"\n'
        'workday_start = "09:00"\nworkday_end = "12:00"\n'
        '[people.ana]\nemail = "ana@t.example"\nrole = "ta"\nbusy = "google"\n'
        '[people.ben]\nemail = "ben@t.example"\nrole = "ta"\n'
        '[[cadence]]\nid = "one"\nsummary = "1:1"\nrule = "weekly"\nday = "TU"\n'
        'time = "09:00"\nper = "ta"\nattendees = ["@ta"]\n'
    )
    return path


def test_sessions_avoid_google_busy_time_and_tacal_own_meetings_are_not_busy(
    emulator: CalendarEmulator, tmp_path: Path, tacal: Callable[..., Result]
) -> None:
    path = _team(tmp_path)
    # Ana's Tuesday mornings 09:00-10:00 are taken every week
    seed_busy(emulator, "ana@t.example", at(2, 9), at(2, 10), recurrence=["RRULE:FREQ=WEEKLY"])
    first = tacal("--config", path, "--today", "2027-02-01", "build", "-o", "out.ics")
    assert first.code == 0, first.err
    ics = (tmp_path / "out.ics").read_text()
    assert "UID:t.one.ana@tacal" in ics
    ana = ics.split("UID:t.one.ana@tacal")[0].rsplit("BEGIN:VEVENT", 1)[1]
    assert "DTSTART:20270202T100000Z" in ana  # after her busy hour
    ben = ics.split("UID:t.one.ben@tacal")[0].rsplit("BEGIN:VEVENT", 1)[1]
    assert "DTSTART:20270202T090000Z" in ben  # Ben has no busy source
    # tacal's own meeting, once synced, is busy in Google too: it must not collide with itself
    seed_busy(emulator, "ana@t.example", at(2, 10), at(2, 10, 30), recurrence=["RRULE:FREQ=WEEKLY"])
    plan = tacal("--config", path, "--today", "2027-02-01", "plan")
    assert plan.code == 0, plan.err
    assert "busy " not in plan.out
    assert "nothing to change" in plan.out
