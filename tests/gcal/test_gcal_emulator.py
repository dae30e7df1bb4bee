"""The emulator answers the real google-api-python-client the way Google does.

Every test goes through ``build("calendar", "v3")`` and real sockets, so a framing or
URL mistake in the emulator shows up here before it can make a sync test lie.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httplib2
import pytest
from google.auth.credentials import AnonymousCredentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from tacal.gcal.auth import EMULATOR_ENV, build_service
from tests.support import gcal_emulator as emu_mod
from tests.support.gcal_emulator import OPEN_CLIENTS, CalendarEmulator

gcal_emulator = emu_mod.gcal_emulator
close_clients = emu_mod.close_clients  # autouse: closes OPEN_CLIENTS after each test

ROOT = Path(__file__).resolve().parents[2]
ID1 = "tacal0001abc"
ID2 = "tacal0002abc"


def service(em: CalendarEmulator, timeout: float = 10.0) -> Any:
    """The real client pointed at the emulator (AnonymousCredentials: no auth header)."""
    http = AuthorizedHttp(AnonymousCredentials(), http=httplib2.Http(timeout=timeout))
    OPEN_CLIENTS.append(http)
    return build(
        "calendar",
        "v3",
        http=http,
        static_discovery=True,
        client_options={"api_endpoint": f"http://{em.host_port}/calendar/v3/"},
    )


def anon_service(em: CalendarEmulator) -> Any:
    """The construction of Google's Python quickstart (``credentials=`` instead of ``http=``):
    https://developers.google.com/calendar/api/quickstart/python"""
    svc = build(
        "calendar",
        "v3",
        static_discovery=True,
        credentials=AnonymousCredentials(),
        client_options={"api_endpoint": f"http://{em.host_port}/calendar/v3/"},
    )
    OPEN_CLIENTS.append(svc)
    return svc


def weekly(eid: str | None = ID1, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": "Weekly sync",
        "start": {"dateTime": "2025-01-06T10:00:00", "timeZone": "Europe/Berlin"},
        "end": {"dateTime": "2025-01-06T11:00:00", "timeZone": "Europe/Berlin"},
        "recurrence": ["RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10"],
        "attendees": [{"email": "ann@example.com", "displayName": "Ann"}],
        "extendedProperties": {"private": {"tacal": "1", "tacalUid": "u1"}},
    }
    if eid is not None:
        body["id"] = eid
    body.update(extra)
    return body


def reason(err: HttpError) -> str:
    return json.loads(err.content)["error"]["errors"][0]["reason"]


def run_batch(em: CalendarEmulator, requests: list[Any]) -> dict[str, tuple[Any, Any]]:
    results: dict[str, tuple[Any, Any]] = {}

    def cb(rid: str, resp: Any, exc: Any) -> None:
        results[rid] = (resp, exc)

    batch = BatchHttpRequest(callback=cb, batch_uri=f"http://{em.host_port}/batch/calendar/v3")
    for r in requests:
        batch.add(r)
    batch.execute()
    return results


def test_insert_get_roundtrip_with_anonymous_credentials(gcal_emulator: CalendarEmulator) -> None:
    svc = anon_service(gcal_emulator)
    created = svc.events().insert(calendarId="primary", body=weekly(), sendUpdates="none").execute()
    assert created["id"] == ID1
    assert created["status"] == "confirmed"
    assert created["iCalUID"] == f"{ID1}@google.com"
    assert created["sequence"] == 0
    assert created["etag"].startswith('"')
    assert created["attendees"][0]["responseStatus"] == "needsAction"
    assert created["organizer"] == {"email": "owner@example.com", "self": True}
    # rendered with an offset in the calendar's zone, timeZone kept as sent
    assert created["start"] == {
        "dateTime": "2025-01-06T04:00:00-05:00",
        "timeZone": "Europe/Berlin",
    }
    got = svc.events().get(calendarId="primary", eventId=ID1).execute()
    assert got == created
    assert gcal_emulator.requests[0].query["sendUpdates"] == ["none"]
    assert gcal_emulator.requests[0].method == "POST"


def test_insert_without_id_and_id_validation(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    created = svc.events().insert(calendarId="primary", body=weekly(None)).execute()
    assert len(created["id"]) >= 5
    for bad in ("abc", "tacal_with_underscore", "UPPERCASE1", "wxyz12345"):
        with pytest.raises(HttpError) as e:
            svc.events().insert(calendarId="primary", body=weekly(bad)).execute()
        assert e.value.resp.status == 400
        assert reason(e.value) == "invalid"


def test_recurring_needs_time_zone_and_valid_lines(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    body = weekly()
    body["start"] = {"dateTime": "2025-01-06T10:00:00+01:00"}
    body["end"] = {"dateTime": "2025-01-06T11:00:00+01:00"}
    with pytest.raises(HttpError) as e:
        svc.events().insert(calendarId="primary", body=body).execute()
    assert e.value.resp.status == 400
    with pytest.raises(HttpError) as e:
        svc.events().insert(
            calendarId="primary", body=weekly(recurrence=["DTSTART:20250106T100000"])
        ).execute()
    assert e.value.resp.status == 400
    ok = weekly(
        recurrence=[
            "RRULE:FREQ=WEEKLY;BYDAY=MO;UNTIL=20250331T090000Z",
            "EXDATE;TZID=Europe/Berlin:20250113T100000,20250120T100000",
            "RDATE;TZID=Europe/Berlin:20250402T100000",
        ]
    )
    assert (
        svc.events().insert(calendarId="primary", body=ok).execute()["recurrence"]
        == (ok["recurrence"])
    )


def test_duplicate_id_is_409_even_after_delete(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    svc.events().insert(calendarId="primary", body=weekly()).execute()
    with pytest.raises(HttpError) as e:
        svc.events().insert(calendarId="primary", body=weekly()).execute()
    assert e.value.resp.status == 409
    assert json.loads(e.value.content) == {
        "error": {
            "errors": [
                {
                    "domain": "global",
                    "reason": "duplicate",
                    "message": "The requested identifier already exists.",
                }
            ],
            "code": 409,
            "message": "The requested identifier already exists.",
        }
    }
    svc.events().delete(calendarId="primary", eventId=ID1).execute()
    with pytest.raises(HttpError) as e:
        svc.events().insert(calendarId="primary", body=weekly()).execute()
    assert e.value.resp.status == 409


def test_delete_cancels_then_410_and_get_shows_cancelled(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    svc.events().insert(calendarId="primary", body=weekly()).execute()
    assert svc.events().delete(calendarId="primary", eventId=ID1).execute() == ""
    assert svc.events().get(calendarId="primary", eventId=ID1).execute()["status"] == "cancelled"
    with pytest.raises(HttpError) as e:
        svc.events().delete(calendarId="primary", eventId=ID1).execute()
    assert e.value.resp.status == 410
    assert reason(e.value) == "deleted"
    assert gcal_emulator.events() == []
    assert len(gcal_emulator.events(include_cancelled=True)) == 1


def test_update_restores_cancelled_and_if_match_412(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    first = svc.events().insert(calendarId="primary", body=weekly()).execute()
    svc.events().delete(calendarId="primary", eventId=ID1).execute()
    stale = svc.events().update(calendarId="primary", eventId=ID1, body=weekly())
    stale.headers["If-Match"] = first["etag"]
    with pytest.raises(HttpError) as e:
        stale.execute()
    assert e.value.resp.status == 412
    assert reason(e.value) == "conditionNotMet"
    restored = (
        svc.events()
        .update(calendarId="primary", eventId=ID1, body=weekly(status="confirmed", summary="Back"))
        .execute()
    )
    assert restored["status"] == "confirmed"
    assert restored["summary"] == "Back"
    assert restored["etag"] != first["etag"]
    assert restored["updated"] > first["updated"]
    assert restored["created"] == first["created"]
    ok = svc.events().patch(calendarId="primary", eventId=ID1, body={"location": "Room 1"})
    ok.headers["If-Match"] = restored["etag"]
    patched = ok.execute()
    assert patched["location"] == "Room 1"
    assert patched["summary"] == "Back"  # patch merges


def test_sequence_bumps_and_lower_sequence_rejected(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    svc.events().insert(calendarId="primary", body=weekly()).execute()
    moved = weekly()
    moved["start"] = {"dateTime": "2025-01-06T12:00:00", "timeZone": "Europe/Berlin"}
    moved["end"] = {"dateTime": "2025-01-06T13:00:00", "timeZone": "Europe/Berlin"}
    assert (
        svc.events().update(calendarId="primary", eventId=ID1, body=moved).execute()["sequence"]
        == 1
    )
    with pytest.raises(HttpError) as e:
        svc.events().update(calendarId="primary", eventId=ID1, body=weekly(sequence=0)).execute()
    assert e.value.resp.status == 400


def test_unknown_calendar_and_event_404(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    with pytest.raises(HttpError) as e:
        svc.events().list(calendarId="nope@example.com").execute()
    assert e.value.resp.status == 404
    assert json.loads(e.value.content) == {
        "error": {
            "errors": [{"domain": "global", "reason": "notFound", "message": "Not Found"}],
            "code": 404,
            "message": "Not Found",
        }
    }
    with pytest.raises(HttpError) as e:
        svc.events().get(calendarId="primary", eventId="tacal9999xyz").execute()
    assert e.value.resp.status == 404
    gcal_emulator.add_calendar("team@example.com", "Europe/Berlin")
    meta = svc.calendars().get(calendarId="team@example.com").execute()
    assert meta["id"] == "team@example.com"
    assert meta["timeZone"] == "Europe/Berlin"


def test_list_filters_paging_and_cancelled_minimal(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    for i in range(7):
        svc.events().insert(calendarId="primary", body=weekly(f"tacal{i:04d}a")).execute()
    gcal_emulator.put_event(
        "primary",
        {
            "summary": "Hand-made",
            "start": {"dateTime": "2025-01-07T10:00:00Z"},
            "end": {"dateTime": "2025-01-07T11:00:00Z"},
        },
    )
    svc.events().delete(calendarId="primary", eventId="tacal0003a").execute()
    seen: list[dict[str, Any]] = []
    pages = 0
    token = None
    while True:
        page = (
            svc.events()
            .list(
                calendarId="primary",
                privateExtendedProperty="tacal=1",
                showDeleted=True,
                maxResults=3,
                pageToken=token,
            )
            .execute()
        )
        pages += 1
        assert page["kind"] == "calendar#events"
        seen.extend(page["items"])
        token = page.get("nextPageToken")
        if not token:
            assert "nextSyncToken" in page
            break
    assert pages == 3
    assert len(seen) == 7
    cancelled = [e for e in seen if e["status"] == "cancelled"]
    assert cancelled == [
        {
            "kind": "calendar#event",
            "etag": cancelled[0]["etag"],
            "id": "tacal0003a",
            "status": "cancelled",
        }
    ]
    default = svc.events().list(calendarId="primary").execute()
    assert len(default["items"]) == 7  # 6 live tacal + hand-made, cancelled hidden
    assert "nextPageToken" not in default
    by_uid = svc.events().list(calendarId="primary", iCalUID="tacal0001a@google.com").execute()
    assert [e["id"] for e in by_uid["items"]] == ["tacal0001a"]
    none = svc.events().list(calendarId="primary", privateExtendedProperty="tacal=2").execute()
    assert none["items"] == []


def test_list_max_results_default_and_cap(gcal_emulator: CalendarEmulator) -> None:
    for i in range(260):
        gcal_emulator.put_event("primary", weekly(f"bulk{i:05d}"))
    svc = service(gcal_emulator)
    page = svc.events().list(calendarId="primary").execute()
    assert len(page["items"]) == 250
    assert "nextPageToken" in page
    big = svc.events().list(calendarId="primary", maxResults=5000).execute()
    assert len(big["items"]) == 260


def test_instances_get_put_and_delete(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    svc.events().insert(calendarId="primary", body=weekly()).execute()
    iid = f"{ID1}_20250113T090000Z"  # Monday 13 Jan 10:00 Berlin
    inst = svc.events().get(calendarId="primary", eventId=iid).execute()
    assert inst["recurringEventId"] == ID1
    assert inst["originalStartTime"]["timeZone"] == "Europe/Berlin"
    assert "recurrence" not in inst
    with pytest.raises(HttpError) as e:  # not an occurrence (Tuesday)
        svc.events().get(calendarId="primary", eventId=f"{ID1}_20250114T090000Z").execute()
    assert e.value.resp.status == 404
    body = {k: v for k, v in inst.items() if k not in ("etag", "id")}
    body["start"] = {"dateTime": "2025-01-14T15:00:00", "timeZone": "Europe/Berlin"}
    body["end"] = {"dateTime": "2025-01-14T16:00:00", "timeZone": "Europe/Berlin"}
    body["summary"] = "Moved"
    moved = svc.events().update(calendarId="primary", eventId=iid, body=body).execute()
    assert moved["summary"] == "Moved"
    assert moved["recurringEventId"] == ID1
    listed = svc.events().list(calendarId="primary", privateExtendedProperty="tacal=1").execute()
    assert {e["id"] for e in listed["items"]} == {ID1, iid}
    svc.events().delete(calendarId="primary", eventId=f"{ID1}_20250120T090000Z").execute()
    exc = gcal_emulator.get_event("primary", f"{ID1}_20250120T090000Z")
    assert exc is not None and exc["status"] == "cancelled"
    svc.events().delete(calendarId="primary", eventId=ID1).execute()
    assert gcal_emulator.get_event("primary", iid)["status"] == "cancelled"  # type: ignore[index]


def test_batch_mixed_results_and_framing(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    svc.events().insert(calendarId="primary", body=weekly(ID2)).execute()
    gcal_emulator.reset_log()
    results = run_batch(
        gcal_emulator,
        [
            svc.events().insert(calendarId="primary", body=weekly(), sendUpdates="none"),
            svc.events().insert(calendarId="primary", body=weekly(ID2)),
            svc.events().delete(calendarId="primary", eventId=ID2),
            svc.events().get(calendarId="primary", eventId="tacal9999xyz"),
        ],
    )
    assert results["1"][0]["id"] == ID1 and results["1"][1] is None
    assert results["2"][1].resp.status == 409
    assert results["3"] == ("", None) or results["3"][1] is None
    assert results["4"][1].resp.status == 404
    assert gcal_emulator.http_request_count() == 1
    rec = gcal_emulator.requests[0]
    assert rec.is_batch and rec.inner_count == 4
    assert rec.inner_methods == ["POST", "POST", "DELETE", "GET"]
    assert rec.inner[0].query["sendUpdates"] == ["none"]
    assert gcal_emulator.write_call_count() == 3


def test_batch_with_if_match_header_inside(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    ev = svc.events().insert(calendarId="primary", body=weekly()).execute()
    req = svc.events().update(calendarId="primary", eventId=ID1, body=weekly(summary="x"))
    req.headers["If-Match"] = '"0"'
    results = run_batch(gcal_emulator, [req])
    assert results["1"][1].resp.status == 412
    req = svc.events().update(calendarId="primary", eventId=ID1, body=weekly(summary="x"))
    req.headers["If-Match"] = ev["etag"]
    assert run_batch(gcal_emulator, [req])["1"][0]["summary"] == "x"


@pytest.mark.parametrize(
    ("kind", "status", "why"),
    [
        ("429", 429, "rateLimitExceeded"),
        ("403-rateLimitExceeded", 403, "rateLimitExceeded"),
        ("403-userRateLimitExceeded", 403, "userRateLimitExceeded"),
        ("500", 500, "backendError"),
    ],
)
def test_outer_status_faults(
    gcal_emulator: CalendarEmulator, kind: str, status: int, why: str
) -> None:
    svc = service(gcal_emulator)
    gcal_emulator.faults.add(kind)
    with pytest.raises(HttpError) as e:
        svc.events().insert(calendarId="primary", body=weekly()).execute()
    assert e.value.resp.status == status
    assert reason(e.value) == why
    assert gcal_emulator.events() == []  # a refused call is not applied
    # the client's own retry (num_retries) gets through once the fault is spent
    gcal_emulator.faults.add(kind)
    req = svc.events().insert(calendarId="primary", body=weekly())
    req._sleep = lambda s: None  # noqa: SLF001 - keep the test fast
    assert req.execute(num_retries=2)["id"] == ID1


def test_outer_fault_on_a_batch_envelope(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    gcal_emulator.faults.add("429", match=lambda info: info.is_batch)
    with pytest.raises(HttpError) as e:
        run_batch(gcal_emulator, [svc.events().insert(calendarId="primary", body=weekly())])
    assert e.value.resp.status == 429
    assert gcal_emulator.events() == []


def test_inner_faults_answer_per_part_inside_a_200(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    gcal_emulator.faults.add(
        "403-userRateLimitExceeded", scope="inner", match=lambda i: i.body.get("id") == ID2
    )
    results = run_batch(
        gcal_emulator,
        [
            svc.events().insert(calendarId="primary", body=weekly()),
            svc.events().insert(calendarId="primary", body=weekly(ID2)),
        ],
    )
    assert results["1"][1] is None
    assert results["2"][1].resp.status == 403
    assert reason(results["2"][1]) == "userRateLimitExceeded"
    assert [e["id"] for e in gcal_emulator.events()] == [ID1]
    assert gcal_emulator.requests[-1].status == 200


def test_drop_mid_batch_applies_first_k_and_httplib2_resends(
    gcal_emulator: CalendarEmulator,
) -> None:
    """A cut connection is resent once by httplib2 itself (stale-connection logic)."""
    svc = service(gcal_emulator)
    gcal_emulator.faults.add("drop-mid-batch", after=1)
    reqs = [
        svc.events().insert(calendarId="primary", body=weekly(f"tacal{i:04d}d")) for i in range(3)
    ]
    results = run_batch(gcal_emulator, reqs)
    assert gcal_emulator.http_request_count() == 2  # dropped + the resend
    assert gcal_emulator.requests[0].dropped and gcal_emulator.requests[0].inner_count == 1
    assert results["1"][1].resp.status == 409  # applied before the drop
    assert results["2"][1] is None and results["3"][1] is None
    assert len(gcal_emulator.events()) == 3


def test_drop_twice_surfaces_as_connection_error(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    gcal_emulator.faults.add("drop-mid-batch", count=2, after=2)
    reqs = [
        svc.events().insert(calendarId="primary", body=weekly(f"tacal{i:04d}d")) for i in range(3)
    ]
    with pytest.raises((ConnectionError, httplib2.HttpLib2Error, OSError)):
        run_batch(gcal_emulator, reqs)
    assert len(gcal_emulator.events()) == 2


def test_slow_answer_times_out_but_was_applied(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator, timeout=0.2)
    gcal_emulator.faults.add("slow", delay=0.6)
    with pytest.raises(TimeoutError):
        svc.events().insert(calendarId="primary", body=weekly()).execute()
    assert gcal_emulator.wait_idle()
    assert [e["id"] for e in gcal_emulator.events()] == [ID1]


def test_slow_inner_call_within_timeout(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    gcal_emulator.faults.add("slow", scope="inner", delay=0.05)
    results = run_batch(gcal_emulator, [svc.events().insert(calendarId="primary", body=weekly())])
    assert results["1"][1] is None


def test_batch_over_1000_parts_rejected(gcal_emulator: CalendarEmulator) -> None:
    """The client refuses >1000 itself; a raw LF-framed body shows the server limit too."""
    part = (
        "--b\nContent-Type: application/http\nContent-ID: <x + {n}>\n\n"
        "GET /calendar/v3/calendars/primary/events/tacal{n:05d} HTTP/1.1\n\n"
    )
    body = "".join(part.format(n=n) for n in range(1001)) + "--b--\n"
    raw = httplib2.Http()
    OPEN_CLIENTS.append(raw)
    resp, content = raw.request(
        gcal_emulator.batch_uri,
        "POST",
        body=body,
        headers={"content-type": 'multipart/mixed; boundary="b"'},
    )
    assert resp.status == 400
    raw = httplib2.Http()
    OPEN_CLIENTS.append(raw)
    resp, content = raw.request(
        gcal_emulator.batch_uri,
        "POST",
        body="".join(part.format(n=n) for n in range(2)) + "--b--\n",
        headers={"content-type": 'multipart/mixed; boundary="b"'},
    )
    assert resp.status == 200
    assert b"\r\nContent-ID: <response-x + 1>\r\n" in content
    assert b"HTTP/1.1 404 Not Found\r\n" in content


def test_send_updates_recorded_as_notifications(gcal_emulator: CalendarEmulator) -> None:
    svc = service(gcal_emulator)
    svc.events().insert(calendarId="primary", body=weekly(), sendUpdates="none").execute()
    svc.events().insert(calendarId="primary", body=weekly(ID2), sendUpdates="all").execute()
    assert gcal_emulator.notifications == [(ID2, "all", ["ann@example.com"])]


def test_unknown_fault_kind_rejected() -> None:
    em = CalendarEmulator()
    with pytest.raises(ValueError):
        em.faults.add("418")


# ------------------------------------------------------------------ standalone
def emulator_command(*args: str) -> list[str]:
    """``python -m tests.support.gcal_emulator ARGS``, run from the repository root."""
    return [sys.executable, "-m", "tests.support.gcal_emulator", *args]


def test_standalone_help() -> None:
    done = subprocess.run(
        emulator_command("--help"), cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "--port" in done.stdout
    assert EMULATOR_ENV in done.stdout  # says how to point tacal at it


def test_standalone_serves_the_real_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Started on a free port, it prints where it listens; tacal's own client lists
    through it; Ctrl-C stops it cleanly."""
    proc = subprocess.Popen(
        emulator_command("--port", "0", "--time-zone", "Europe/Berlin"),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)
    reader.start()
    banner: list[str] = []
    try:
        while f"{EMULATOR_ENV}=" not in "".join(banner):
            banner.append(lines.get(timeout=30))
        host = "".join(banner).split(f"{EMULATOR_ENV}=", 1)[1].split()[0]
        assert host.startswith("127.0.0.1:") and host != "127.0.0.1:0"
        assert f"http://{host}/calendar/v3/" in banner[0]
        monkeypatch.setenv(EMULATOR_ENV, host)
        bundle = build_service()
        try:
            page = bundle.service.events().list(calendarId="primary").execute()
        finally:
            bundle.close()
        assert page["kind"] == "calendar#events"
        assert page["timeZone"] == "Europe/Berlin"
        assert page["items"] == []
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
        reader.join(timeout=5)
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == 0, err
    assert "stopped" in [x.strip() for x in lines.queue], err
