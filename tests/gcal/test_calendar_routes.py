"""Which calendar a sync writes to, by credentials and options (tacal.gcal.calendars)."""

from __future__ import annotations

import pytest

from tacal.errors import AuthError, SyncError
from tacal.gcal.auth import EMULATOR, OAUTH, SERVICE_ACCOUNT
from tacal.gcal.calendars import DELEGATE, ONE, PERSONAL, Route, choose_route


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
