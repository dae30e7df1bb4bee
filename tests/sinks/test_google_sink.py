"""Google behind the shared contract: what only Google keeps (cancelled events), through
GoogleSink, whose listing and writes are the ones `tacal sync` uses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tacal.gcal.codec import event_id_for
from tacal.sinks.contract import DELETED_BY_HAND, GONE, RESTORE, Pick
from tacal.sinks.plan import plan_sync
from tests.support.gcal_emulator import CalendarEmulator
from tests.support.sink_calendar import team_calendar
from tests.support.sink_targets import GoogleTarget


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> Iterator[GoogleTarget]:
    em = CalendarEmulator().start()
    monkeypatch.setenv("TACAL_GCAL_EMULATOR_HOST", em.host_port)
    try:
        yield GoogleTarget(em)
    finally:
        em.stop()


def delete_by_hand(target: GoogleTarget, uid: str) -> None:
    import httplib2
    from google.auth.credentials import AnonymousCredentials
    from google_auth_httplib2 import AuthorizedHttp
    from googleapiclient.discovery import build

    http = AuthorizedHttp(AnonymousCredentials(), http=httplib2.Http(timeout=10))
    try:
        service = build(
            "calendar",
            "v3",
            http=http,
            static_discovery=True,
            client_options={"api_endpoint": target.em.api_endpoint},
        )
        service.events().delete(calendarId="primary", eventId=event_id_for(uid)).execute()
    finally:
        http.close()


def test_deleted_in_google_is_gone_until_restored(google: GoogleTarget) -> None:
    google.sync(team_calendar())
    delete_by_hand(google, "team.review@tacal")
    sink = google.sink(team_calendar())
    try:
        held = {h.uid: h for h in sink.list()}
        assert held["team.review@tacal"].state == DELETED_BY_HAND
        plan = plan_sync(sink.wanted(), held.values())
        assert {a.uid: a.kind for a in plan.actions}["team.review@tacal"] == GONE
    finally:
        google.close(sink)
    google.reset_log()
    google.sync(team_calendar())
    assert google.server_writes() == 0 and "team.review@tacal" not in google.held()
    sink = google.sink(team_calendar())
    try:
        plan = plan_sync(sink.wanted(), sink.list(), restore=Pick.of(["review"]))
        assert {a.uid: a.kind for a in plan.actions}["team.review@tacal"] == RESTORE
        outcomes = {o.uid: o.status for o in sink.apply(plan)}
    finally:
        google.close(sink)
    assert outcomes == {"team.review@tacal": "done"}
    assert google.held()["team.review@tacal"] == "Monthly review"


def test_series_tacal_deleted_comes_back_with_the_config(google: GoogleTarget) -> None:
    google.sync(team_calendar())
    google.sync(team_calendar(accounts=("Acme", "Initech")))
    assert "team.checkin.globex@tacal" not in google.held()
    run = google.sync(team_calendar())
    assert run.kinds()["team.checkin.globex@tacal"] == RESTORE
    assert "team.checkin.globex@tacal" in google.held()
