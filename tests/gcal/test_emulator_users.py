"""The emulator's users (users.py): each e-mail calendar id is that user's own calendar,
organizer of its events, and only that user may use it; ``primary`` is the acting user's.
Driven through the real google-api-python-client, independently of tacal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httplib2
import pytest
from google.auth.credentials import AnonymousCredentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError

from tests.support.gcal_emulator import OPEN_CLIENTS, CalendarEmulator
from tests.support.gcal_emulator import close_clients as close_clients  # noqa: F401  (autouse)
from tests.support.gcal_emulator.users import USER_PREFIX

EVENT = {
    "summary": "Check-In",
    "start": {"dateTime": "2027-02-01T14:00:00", "timeZone": "Europe/Berlin"},
    "end": {"dateTime": "2027-02-01T14:30:00", "timeZone": "Europe/Berlin"},
    "attendees": [{"email": "tia@example.com"}, {"email": "cto@acme.example"}],
}


class _As(AnonymousCredentials):  # type: ignore[misc]
    """Acts as ``email`` the way the emulator reads it (Authorization header)."""

    def __init__(self, email: str) -> None:
        super().__init__()
        self.email = email

    def apply(self, headers: dict[str, str], token: str | None = None) -> None:
        headers["authorization"] = f"Bearer {USER_PREFIX}{self.email}"

    def before_request(self, request: Any, method: str, url: str, headers: Any) -> None:
        self.apply(headers)


@pytest.fixture
def em() -> Iterator[CalendarEmulator]:
    emulator = CalendarEmulator()
    emulator.user_calendars = True
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def events(em: CalendarEmulator, who: str | None) -> Any:
    creds = _As(who) if who else AnonymousCredentials()
    http = AuthorizedHttp(creds, http=httplib2.Http(timeout=10))
    OPEN_CLIENTS.append(http)
    return build(
        "calendar",
        "v3",
        http=http,
        static_discovery=True,
        client_options={"api_endpoint": em.api_endpoint},
    ).events()


def test_a_users_calendar_is_theirs_and_organizes_its_events(em: CalendarEmulator) -> None:
    made = events(em, "tia@example.com").insert(calendarId="tia@example.com", body=EVENT).execute()
    assert made["organizer"]["email"] == "tia@example.com"
    assert made["creator"]["email"] == "tia@example.com"
    assert [a.get("self", False) for a in made["attendees"]] == [True, False]
    assert em.calendars["tia@example.com"].events[made["id"]]["summary"] == "Check-In"


def test_primary_is_the_acting_users_own_calendar(em: CalendarEmulator) -> None:
    made = events(em, "Tom@Example.com").insert(calendarId="primary", body=EVENT).execute()
    assert made["organizer"]["email"] == "tom@example.com"
    assert made["id"] in em.calendars["tom@example.com"].events
    assert em.calendars["primary"].events == {}


@pytest.mark.parametrize(("who", "status"), [("tom@example.com", 403), (None, 403)])
def test_only_the_owner_may_use_a_users_calendar(
    em: CalendarEmulator, who: str | None, status: int
) -> None:
    with pytest.raises(HttpError) as caught:
        events(em, who).insert(calendarId="tia@example.com", body=EVENT).execute()
    assert caught.value.resp.status == status
    with pytest.raises(HttpError):
        events(em, who).list(calendarId="tia@example.com").execute()


def test_calendars_without_an_owner_stay_open_and_the_switch_is_off_by_default() -> None:
    with CalendarEmulator() as plain:
        made = events(plain, None).insert(calendarId="primary", body=EVENT).execute()
        assert made["organizer"]["email"] == "owner@example.com"
        with pytest.raises(HttpError) as caught:
            events(plain, "tia@example.com").list(calendarId="tia@example.com").execute()
        assert caught.value.resp.status == 404
