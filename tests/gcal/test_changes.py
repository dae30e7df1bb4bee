"""What an update changes, as the plan shows it: the first occurrence that moves (old -> new),
the changed fields, the guests added and removed. Pure functions on Events bodies; the
expectations are worked out by hand from the fixture's dates."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from icalendar import Calendar

from tacal.gcal.changes import describe_create, describe_update, guest_emails
from tacal.gcal.desired import desired_series
from tacal.gcal.plan import Pick, Scope

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SINCE = datetime(2025, 1, 1, tzinfo=UTC)


def standup() -> tuple[dict[str, Any], dict[str, Any]]:
    cal = Calendar.from_ical((FIXTURES / "sync_overrides.ics").read_bytes())
    ds = desired_series(cal)[0]
    return ds.body, ds.overrides


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_first_occurrence_of_a_new_series_and_its_exceptions() -> None:
    body, overrides = standup()
    change = describe_create(body, overrides, SINCE)
    assert change.first == (utc(2025, 1, 6, 8, 30), utc(2025, 1, 6, 8, 45))
    assert change.added == ["ann@example.com"]
    # from the 13th: that Monday's occurrence was moved to Tuesday the 14th, 11:00 Berlin
    later = describe_create(body, overrides, utc(2025, 1, 13))
    assert later.first == (utc(2025, 1, 14, 10, 0), utc(2025, 1, 14, 10, 15))


def test_time_change_shows_the_first_moved_occurrence() -> None:
    body, _ = standup()
    overrides: dict[str, Any] = {}
    want = copy.deepcopy(body)
    want["start"]["dateTime"] = "2025-01-06T09:45:00"
    want["end"]["dateTime"] = "2025-01-06T10:00:00"
    change = describe_update(body, [], want, overrides, utc(2025, 1, 7))
    # Wed 8 Jan 09:30 Berlin (08:30 UTC) -> 09:45
    assert change.old == (utc(2025, 1, 8, 8, 30), utc(2025, 1, 8, 8, 45))
    assert change.new == (utc(2025, 1, 8, 8, 45), utc(2025, 1, 8, 9, 0))
    assert change.fields == [] and change.added == change.removed == []


def test_text_and_guest_changes_without_moves() -> None:
    body, overrides = standup()
    want = copy.deepcopy(body)
    want["description"] = "New agenda"
    want["attendees"] = [{"email": "bob@customer.example"}]
    have = copy.deepcopy(body)
    # Google may add the calendar owner as an organizer guest: not a change
    have["attendees"] = [*have["attendees"], {"email": "owner@example.com", "organizer": True}]
    change = describe_update(have, [], want, {}, SINCE)
    assert (change.old, change.new) == (None, None)
    assert change.fields == ["agenda"]
    assert change.added == ["bob@customer.example"]
    assert change.removed == ["ann@example.com"]
    assert guest_emails(have) == ["ann@example.com"]


def test_a_dropped_occurrence_is_shown_alone() -> None:
    body, _ = standup()
    fewer: dict[str, Any] = {"20250108T083000Z": None}  # cancel Wed 8 Jan
    change = describe_update(body, [], body, fewer, SINCE)
    assert change.old == (utc(2025, 1, 8, 8, 30), utc(2025, 1, 8, 8, 45))
    assert change.new is None


def test_pick_forms() -> None:
    assert Pick.of(["standup,mbr", "x@tacal"]) == Pick(frozenset({"standup", "mbr", "x@tacal"}))
    assert Pick.of(["all"]).every and Pick.of(True).every
    assert not Pick.of(()) and not Pick.of(False)
    p = Pick.of(["mbr"])
    assert p.picks("t.mbr.dana@tacal", "mbr") and not p.picks("t.qbr@tacal", "qbr")
    assert Pick.of(["t.qbr@tacal"]).picks("t.qbr@tacal", "qbr")


def test_scope_holds_by_tag_guest_or_organizer() -> None:
    event = {
        "attendees": [{"email": "Alex@Example.com"}],
        "extendedProperties": {
            "private": {"tacalAccount": "Acme Corp", "tacalOrganizer": "riley@example.com"}
        },
    }
    assert Scope(account="acme corp").holds(event)
    assert not Scope(account="Globex").holds(event)
    assert Scope(email="alex@example.com").holds(event)
    assert Scope(email="riley@example.com").holds(event)
    assert not Scope(email="sam@example.com").holds(event)
    assert Scope(account="Acme Corp", email="alex@example.com").holds(event)
    assert not Scope(account="Acme Corp", email="sam@example.com").holds(event)
    untagged = {"attendees": [{"email": "alex@example.com"}]}
    assert not Scope(account="Acme Corp").holds(untagged)
