"""Resources: one iCalendar object per series, tacal's marker, and hand-edit detection
that survives a server rewriting the object but not a person editing it."""

from __future__ import annotations

from icalendar import Calendar

from tacal.davsink.resources import CHECK, SINK_HASH, held_of, resource_name, resources_of
from tacal.sinks.contract import FOREIGN, LIVE
from tests.support.sink_calendar import team_calendar


def by_uid() -> dict[str, Calendar]:
    return {r.uid: Calendar.from_ical(r.data) for r in resources_of(team_calendar())}


def test_one_resource_per_series_with_its_overrides_and_zone() -> None:
    objects = by_uid()
    assert set(objects) == {
        "team.standup@tacal",
        "team.review@tacal",
        "team.checkin.acme@tacal",
        "team.checkin.globex@tacal",
        "team.checkin.initech@tacal",
    }
    standup = objects["team.standup@tacal"]
    events = list(standup.walk("VEVENT"))
    assert len(events) == 3 and events[0].get("RECURRENCE-ID") is None
    assert [str(z["TZID"]) for z in standup.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert all(e.get(CHECK) and e.get(SINK_HASH) for e in events)


def test_guests_are_not_invited_by_the_server() -> None:
    acme = by_uid()["team.checkin.acme@tacal"]
    master = next(iter(acme.walk("VEVENT")))
    assert [a.params["SCHEDULE-AGENT"] for a in master["ATTENDEE"]] == ["CLIENT", "CLIENT"]


def test_resource_names_are_stable_distinct_and_plain() -> None:
    a = resource_name("berlin.standup@tacal")
    assert a == resource_name("berlin.standup@tacal")
    assert a != resource_name("berlin.standup@tacal ")
    assert a.startswith("berlin.standup-tacal-") and a.endswith(".ics")
    assert not set(a) & set("@%/ ")
    assert resource_name("Ünïcode/ü@x") != resource_name("Unicode/u@x")


def test_hashes_are_reproducible() -> None:
    first = [r.wanted.hash for r in resources_of(team_calendar())]
    assert first == [r.wanted.hash for r in resources_of(team_calendar())]
    moved = {r.uid: r.wanted.hash for r in resources_of(team_calendar(standup_at=10))}
    assert moved["team.standup@tacal"] != first[0]
    assert moved["team.review@tacal"] == first[1]


def test_server_rewriting_is_not_an_edit() -> None:
    """What servers do to a stored object: refold, add DTSTAMP/LAST-MODIFIED and their own
    X- properties, drop SCHEDULE-AGENT, render the zone's times in UTC."""
    rewritten = resources_of(team_calendar())[1].data.decode()
    for before, after in (
        (";SCHEDULE-AGENT=CLIENT", ""),
        ("END:VEVENT", "LAST-MODIFIED:20270102T000000Z\r\nX-APPLE-TRAVEL-ADVISORY:1\r\nEND:VEVENT"),
        ("DTSTART;TZID=Europe/Berlin:20270113T140000", "DTSTART:20270113T130000Z"),
    ):
        assert before in rewritten, before
        rewritten = rewritten.replace(before, after)
    held = held_of("/cal/x.ics", rewritten, '"1"')
    assert held is not None and held.state == LIVE and not held.edited
    assert held.uid == "team.review@tacal" and held.cadence == "review"


def test_a_person_editing_is_an_edit() -> None:
    data = resources_of(team_calendar())[0].data.decode()
    for edit in (
        ("SUMMARY:Stand-up\r\n", "SUMMARY:Daily stand-up\r\n"),  # title
        ("T090000\r\nDTEND", "T091500\r\nDTEND"),  # time of the series
        ("mailto:ann@team.example", "mailto:bob@team.example"),  # guest
        ("STATUS:CANCELLED\r\n", ""),  # a cancelled occurrence put back
    ):
        assert edit[0] in data, edit
        held = held_of("/cal/x.ics", data.replace(edit[0], edit[1], 1), None)
        assert held is not None and held.edited, edit


def test_an_object_without_the_marker_is_foreign() -> None:
    data = resources_of(team_calendar())[0].data.decode()
    plain = "\r\n".join(
        line
        for line in data.split("\r\n")
        if not line.startswith(("X-TACAL-CHECK", "X-TACAL-SINK"))
    )
    held = held_of("/cal/x.ics", plain, None)
    assert held is not None and held.state == FOREIGN


def test_objects_that_are_not_events_are_ignored() -> None:
    todo = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTODO\r\nUID:t1\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"
    )
    assert held_of("/cal/t.ics", todo, None) is None
    assert held_of("/cal/bad.ics", "not a calendar", None) is None
