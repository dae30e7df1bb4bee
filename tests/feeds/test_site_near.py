"""The team feed trimmed to the events that can start near a window before it is expanded:
only far one-offs go, and the expansion is the same."""

from __future__ import annotations

import datetime as dt

from tacal.feeds.site import near
from tacal.ical.expand import expand

HEAD = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
    b"BEGIN:VTIMEZONE\r\nTZID:UTC\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
    b"TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
)


def _event(uid: str, start: str, *extra: str) -> bytes:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20261101T000000Z",
        f"DTSTART;TZID=UTC:{start}",
        "DURATION:PT30M",
        f"SUMMARY:{uid}",
        *extra,
        "END:VEVENT",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def _calendar(*events: bytes) -> bytes:
    return HEAD + b"".join(events) + b"END:VCALENDAR\r\n"


LO, HI = dt.date(2026, 12, 1), dt.date(2026, 12, 15)


def test_far_one_offs_go_and_the_expansion_is_the_same() -> None:
    data = _calendar(
        _event("far", "20270301T100000"),
        _event("near", "20261203T100000"),
        _event("edge", "20261129T230000"),
        _event("weekly", "20260101T100000", "RRULE:FREQ=WEEKLY"),
        _event("moved", "20260105T100000", "RRULE:FREQ=WEEKLY;COUNT=2"),
        _event("moved", "20261202T100000", "RECURRENCE-ID;TZID=UTC:20260112T100000"),
        _event("alarm", "20270301T100000", "BEGIN:VALARM", "TRIGGER:-PT5M", "END:VALARM"),
    )
    trimmed = near(data, LO, HI)
    assert b"UID:far\r\n" not in trimmed
    for kept in (b"near", b"edge", b"weekly", b"moved", b"alarm"):
        assert b"UID:" + kept + b"\r\n" in trimmed
    assert expand(trimmed, LO, HI, "UTC") == expand(data, LO, HI, "UTC")


def test_nothing_far_leaves_the_bytes_alone() -> None:
    data = _calendar(_event("near", "20261203T100000"))
    assert near(data, LO, HI) is data


def test_an_event_without_a_uid_leaves_the_bytes_alone() -> None:
    data = _calendar(_event("far", "20270301T100000").replace(b"UID:far\r\n", b""))
    assert near(data, LO, HI) is data
