"""The CalDAV sink against a real Radicale: what only CalDAV has (ETags on create, UIDs
found inside objects, sign-in, servers without authentication), and what a run costs."""

from __future__ import annotations

from pathlib import Path

import niquests
import pytest

from tacal.davsink.client import Connection, check_url
from tacal.davsink.sync import sync
from tacal.errors import SyncError
from tacal.sinks.contract import SKIPPED, UNCHANGED, UPDATE, Pick
from tests.support.radicale_server import PASSWORD, USER, RadicaleServer, radicale_server  # noqa: F401
from tests.support.sink_calendar import team_calendar


def connect(server: RadicaleServer, url: str, **kw: object) -> Connection:
    kw.setdefault("username", USER)
    kw.setdefault("password", PASSWORD)
    return Connection(url, **kw)  # type: ignore[arg-type]


def put(url: str, data: bytes, **headers: str) -> int:
    with niquests.Session() as s:
        r = s.put(
            url,
            data=data,
            headers={"Content-Type": "text/calendar", **headers},
            auth=(USER, PASSWORD),
        )
    return int(r.status_code or 0)


def test_resync_is_the_listing_only(radicale_server: RadicaleServer) -> None:
    url = radicale_server.make_calendar()
    sync(team_calendar(), connect(radicale_server, url))
    radicale_server.reset_log()
    conn = connect(radicale_server, url)
    run = sync(team_calendar(), conn)
    assert {a.kind for a in run.plan.actions} == {UNCHANGED}
    seen = [(r.method, r.status) for r in radicale_server.requests()]
    # the server names its sign-in scheme (401), then the one calendar-query REPORT
    assert seen == [("REPORT", 401), ("REPORT", 207)]
    assert conn.requests == 2 and conn.writes == 0


def test_writes_are_conditional(radicale_server: RadicaleServer) -> None:
    url = radicale_server.make_calendar()
    sync(team_calendar(), connect(radicale_server, url))
    creates = [r for r in radicale_server.requests() if r.method == "PUT"]
    assert creates and all(r.headers == {"if-none-match": "*"} for r in creates)
    radicale_server.reset_log()
    sync(team_calendar(standup_at=10), connect(radicale_server, url))
    (update,) = radicale_server.writes()
    assert update.method == "PUT" and set(update.headers) == {"if-match"}
    assert update.headers["if-match"].startswith('"')


def test_create_over_an_object_that_appeared_meanwhile_is_a_conflict(
    radicale_server: RadicaleServer,
) -> None:
    url = radicale_server.make_calendar()
    cal = team_calendar()
    from tacal.davsink.resources import resources_of
    from tacal.davsink.sync import CalDavSink
    from tacal.sinks.plan import plan_sync

    sink = CalDavSink(connect(radicale_server, url), resources_of(cal))
    plan = plan_sync(sink.wanted(), sink.list())
    first = resources_of(cal)[0]
    # another tacal run (or client) creates the same object between listing and writing
    assert put(url + first.name, first.data.replace(b"Stand-up", b"Stand-up (theirs)")) == 201
    outcomes = {o.uid: o for o in sink.apply(plan)}
    assert outcomes[first.uid].status == "conflict"
    assert b"Stand-up (theirs)" in radicale_server.objects(url)[first.name]
    assert sum(o.status == "done" for o in outcomes.values()) == 4


def test_series_found_by_uid_under_another_name(radicale_server: RadicaleServer) -> None:
    """A server may store an object under a name of its own; tacal finds it by UID and
    updates it in place instead of creating a second one."""
    url = radicale_server.make_calendar()
    from tacal.davsink.resources import resources_of

    review = resources_of(team_calendar())[1]
    assert put(url + "server-chosen-name.ics", review.data) == 201
    run = sync(team_calendar(review_summary="Business review"), connect(radicale_server, url))
    assert run.plan.of(UPDATE)[0].uid == "team.review@tacal"
    names = radicale_server.objects(url)
    assert "server-chosen-name.ics" in names and review.name not in names
    assert b"Business review" in names["server-chosen-name.ics"]


def test_foreign_object_holding_a_wanted_uid_is_never_touched(
    radicale_server: RadicaleServer,
) -> None:
    url = radicale_server.make_calendar()
    data = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\nBEGIN:VEVENT\r\n"
        b"UID:team.review@tacal\r\nDTSTAMP:20270101T000000Z\r\n"
        b"DTSTART:20270113T130000Z\r\nDTEND:20270113T140000Z\r\nSUMMARY:Imported copy\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert put(url + "imported.ics", data) == 201
    stored = radicale_server.objects(url)["imported.ics"]
    radicale_server.reset_log()
    run = sync(team_calendar(), connect(radicale_server, url), overwrite=Pick(every=True))
    kinds = {a.uid: a.kind for a in run.plan.actions}
    assert kinds["team.review@tacal"] == SKIPPED
    assert radicale_server.objects(url)["imported.ics"] == stored
    assert all(r.path != "/ann/work/imported.ics" for r in radicale_server.writes())


def test_wrong_password_is_a_clear_error(radicale_server: RadicaleServer) -> None:
    url = radicale_server.make_calendar()
    with pytest.raises(SyncError, match="refused the sign-in") as info:
        sync(team_calendar(), connect(radicale_server, url, password="wrong"))
    assert "wrong" not in str(info.value) and "TACAL_CALDAV_PASSWORD" in (info.value.hint or "")


def test_server_without_authentication(tmp_path: Path) -> None:
    server = RadicaleServer(tmp_path / "open", with_auth=False).start()
    try:
        url = server.make_calendar()
        conn = Connection(url)
        run = sync(team_calendar(), conn)
        assert len(run.outcomes) == 5 and all(o.status == "done" for o in run.outcomes)
        assert len(server.objects(url)) == 5
        assert conn.writes == 5
    finally:
        server.stop()


def test_no_calendar_at_the_url(radicale_server: RadicaleServer) -> None:
    with pytest.raises(SyncError, match="calendar"):
        sync(team_calendar(), connect(radicale_server, radicale_server.base + "/ann/nothing/"))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://dav.example.com/cal/", "not an http"),
        ("http://dav.example.com/cal/", "plain http"),
        ("https://ann:secret@dav.example.com/cal/", "credentials"),
        ("https://apidata.googleusercontent.com/caldav/v2/x/events", "Google"),
    ],
)
def test_urls_tacal_refuses(url: str, message: str) -> None:
    with pytest.raises(SyncError, match=message) as info:
        check_url(url)
    assert "secret" not in str(info.value)


def test_url_gets_its_trailing_slash() -> None:
    assert check_url("http://127.0.0.1:5232/ann/work") == "http://127.0.0.1:5232/ann/work/"


def test_unreachable_server_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(SyncError, match="cannot reach the CalDAV server"):
        sync(team_calendar(), Connection(f"http://127.0.0.1:{port}/ann/work/", timeout=2))
