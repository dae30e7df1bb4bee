"""Which calendar a sync writes to, by credentials and options (tacal.gcal.calendars)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from icalendar import Calendar, Event

from tacal.errors import AuthError, SyncError
from tacal.gcal.auth import EMULATOR, OAUTH, SERVICE_ACCOUNT
from tacal.gcal.calendars import DELEGATE, ONE, PERSONAL, Route, choose_route
from tacal.gcal.multi import delegation_targets


@pytest.mark.parametrize(
    ("delegate", "kind", "calendar", "as_user", "route"),
    [
        (True, SERVICE_ACCOUNT, None, None, Route(DELEGATE)),
        (True, EMULATOR, None, None, Route(DELEGATE)),
        (False, OAUTH, None, "Tia@Example.com", Route(PERSONAL, "primary", "tia@example.com")),
        (False, OAUTH, "team@example.com", None, Route(ONE, "team@example.com")),
        (False, OAUTH, "team@example.com", "tia@example.com", Route(ONE, "team@example.com")),
        (False, SERVICE_ACCOUNT, None, "tia@example.com", Route(ONE, "primary")),
        (False, SERVICE_ACCOUNT, None, None, Route(ONE, "primary")),
        (False, EMULATOR, None, "tia@example.com", Route(PERSONAL, "primary", "tia@example.com")),
        (False, EMULATOR, None, None, Route(ONE, "primary")),
    ],
)
def test_route(
    delegate: bool, kind: str, calendar: str | None, as_user: str | None, route: Route
) -> None:
    assert choose_route(delegate=delegate, kind=kind, calendar=calendar, as_user=as_user) == route


@pytest.mark.parametrize(
    ("kind", "calendar", "as_user", "error", "text"),
    [
        (OAUTH, None, None, AuthError, "needs a service-account key with domain-wide delegation"),
        (SERVICE_ACCOUNT, "x@example.com", None, SyncError, "exclude each other"),
        (SERVICE_ACCOUNT, None, "x@example.com", SyncError, "exclude each other"),
    ],
)
def test_delegation_refusals(
    kind: str, calendar: str | None, as_user: str | None, error: type, text: str
) -> None:
    with pytest.raises(error) as caught:
        choose_route(delegate=True, kind=kind, calendar=calendar, as_user=as_user)
    assert text in caught.value.message
    assert caught.value.hint


def test_the_header_names_each_mode() -> None:
    assert Route(DELEGATE).describe() == "each organizer's calendar (delegation)"
    assert Route(PERSONAL, "primary", "tia@example.com").describe() == (
        "series organized by tia@example.com (personal sign-in)"
    )
    assert Route(ONE, "primary").describe() == "every series in one calendar"


def _event(uid: str, organizer: str | None) -> Event:
    ev = Event()
    ev.add("UID", uid)
    ev.add("SUMMARY", uid)
    if organizer:
        ev.add("ORGANIZER", f"mailto:{organizer}")
    return ev


def _series(uid: str, organizer: str | None) -> SimpleNamespace:
    return SimpleNamespace(
        uid=uid, organizer=SimpleNamespace(email=organizer) if organizer else None
    )


def test_delegation_targets_visit_every_organizer_and_former_ones() -> None:
    """One calendar per organizer of the whole config, even one whose series are all outside
    this (scoped) calendar, and an optional one per other person: a former organizer's."""
    cal = Calendar()
    cal.add_component(_event("a@tacal", "Tia@Example.com"))
    cal.add_component(_event("b@tacal", "dana@example.com"))
    cal.add_component(_event("c@tacal", "tia@example.com"))
    series = [
        _series("a@tacal", "tia@example.com"),
        _series("b@tacal", "dana@example.com"),
        _series("d@tacal", "sam@example.com"),  # outside the scope: no event in `cal`
    ]
    targets = delegation_targets(
        cal, series, ["dana@example.com", "Ravi@example.com", "tia@example.com"]
    )
    assert [(t.calendar_id, t.subject, t.optional) for t in targets] == [
        ("dana@example.com", "dana@example.com", False),
        ("sam@example.com", "sam@example.com", False),
        ("tia@example.com", "tia@example.com", False),
        ("ravi@example.com", "ravi@example.com", True),
    ]
    uids = {t.calendar_id: [str(e["UID"]) for e in t.calendar.walk("VEVENT")] for t in targets}
    assert uids == {
        "dana@example.com": ["b@tacal"],
        "sam@example.com": [],
        "tia@example.com": ["a@tacal", "c@tacal"],
        "ravi@example.com": [],
    }


def test_delegation_targets_refuse_a_series_without_organizer() -> None:
    cal = Calendar()
    cal.add_component(_event("a@tacal", None))
    with pytest.raises(SyncError, match="a@tacal"):
        delegation_targets(cal, [_series("a@tacal", None)], [])
