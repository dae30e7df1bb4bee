"""Regression: a selection with no series (an account no cadence is for) crashed the writer
with ``max() arg is an empty sequence``; it must give a valid calendar with no events,
because per-account feeds exist for every account, busy or not."""

from __future__ import annotations

from collections.abc import Callable

from icalendar import Calendar

from tests.conftest import Result


def test_empty_selection_builds_an_empty_calendar(tacal: Callable[..., Result]) -> None:
    result = tacal("-q", "--today", "2027-01-04", "build", "--account", "Nobody", "-o", "-")
    assert result.code == 0, result.err
    cal = Calendar.from_ical(result.stdout_bytes)
    assert cal.walk("VEVENT") == []
    assert [str(t["TZID"]) for t in cal.walk("VTIMEZONE")] == ["America/New_York"]
