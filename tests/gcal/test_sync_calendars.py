"""Several calendars at once (tacal.gcal.multi): one client per calendar, acting as its
organizer, in calendars that really run side by side, each under its own pacing window.
The real client against the emulator with each user's own calendar."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from tacal.config import parse
from tacal.gcal.auth import EMULATOR_ENV, ServiceBundle, build_service
from tacal.gcal.calendars import by_organizer
from tacal.gcal.multi import Target, sync_calendars
from tacal.gcal.transport import Timing
from tacal.ical.calendar import calendar_for
from tests.conftest import FIXTURES
from tests.support.gcal_emulator import CalendarEmulator

NOW = dt.datetime(2027, 1, 10, 12, tzinfo=dt.UTC)


@pytest.fixture
def em(monkeypatch: pytest.MonkeyPatch) -> Iterator[CalendarEmulator]:
    emulator = CalendarEmulator(time_zone="Europe/Berlin")
    emulator.user_calendars = True
    emulator.start()
    monkeypatch.setenv(EMULATOR_ENV, emulator.host_port)
    try:
        yield emulator
    finally:
        emulator.stop()


def targets() -> list[Target]:
    config = parse((FIXTURES / "organizers.toml").read_text(), FIXTURES / "organizers.toml")
    cal = calendar_for(config, today=NOW.date(), now=NOW)
    return [Target(who, part, subject=who) for who, part in by_organizer(cal).items()]


def test_calendars_run_side_by_side_each_with_its_own_client(em: CalendarEmulator) -> None:
    chosen = targets()
    # every calendar's client is opened before any goes on: only if all run at once
    barrier = threading.Barrier(len(chosen), timeout=20)
    opened: list[tuple[str | None, str, ServiceBundle]] = []
    lock = threading.Lock()

    def connect(subject: str | None) -> ServiceBundle:
        bundle = build_service(None, subject)
        with lock:
            opened.append((subject, threading.current_thread().name, bundle))
        barrier.wait()
        return bundle

    report = sync_calendars(chosen, connect=connect, workers=len(chosen), now=NOW)
    assert sorted(s for s, _, _ in opened) == sorted(t.calendar_id for t in chosen)
    assert len({n for _, n, _ in opened}) == len(chosen)  # one thread each
    assert len({id(b.service) for _, _, b in opened}) == len(chosen)  # one client each
    assert [r.calendar_id for r in report.reports] == [t.calendar_id for t in chosen]
    assert report.counts()["created"] == len(chosen)
    for t in chosen:
        assert len(em.events(t.calendar_id)) == 1


def test_each_calendar_is_paced_in_its_own_window(em: CalendarEmulator) -> None:
    """Three calls a minute: one calendar's list and write fit, four calendars' eight calls
    would have to wait if they shared one window (the quota is per user)."""
    slept: list[float] = []
    clock = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    timing = Timing(sleep=sleep, clock=lambda: clock[0], calls_per_minute=3)
    report = sync_calendars(
        targets(), connect=lambda who: build_service(None, who), timing=timing, now=NOW
    )
    assert report.counts()["created"] == 4
    assert slept == []
    assert timing._bucket is None  # the shared Timing's own window was never used


def test_the_first_planning_error_stops_every_calendar_before_any_write(
    em: CalendarEmulator,
) -> None:
    em.faults.add("403-forbidden", match=lambda info: "abe%40example.com" in info.path)
    from tacal.errors import SyncError

    with pytest.raises(SyncError) as caught:
        sync_calendars(targets(), connect=lambda who: build_service(None, who), now=NOW)
    assert caught.value.message.startswith("abe@example.com: no permission")
    assert em.write_call_count() == 0


def test_a_write_failure_in_one_calendar_leaves_the_others_written(
    em: CalendarEmulator,
) -> None:
    from tacal.gcal.multi import CalendarsIncomplete

    def tom(info: Any) -> bool:
        return "tom%40example.com" in info.path and info.method == "POST"

    em.faults.add("500", count=100, scope="inner", match=tom)
    fast = Timing(sleep=lambda s: None, max_attempts=2)
    with pytest.raises(CalendarsIncomplete) as caught:
        sync_calendars(
            targets(), connect=lambda who: build_service(None, who), timing=fast, now=NOW
        )
    report = caught.value.report
    assert "tom@example.com" in caught.value.message
    assert {r.calendar_id: r.ok for r in report.reports} == {
        "abe@example.com": True,
        "dee@example.com": True,
        "tia@example.com": True,
        "tom@example.com": False,
    }
    assert em.events("tom@example.com") == []
    assert len(em.events("tia@example.com")) == 1
