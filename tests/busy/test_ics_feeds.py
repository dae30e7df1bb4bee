"""Busy times from iCalendar feeds: what counts as busy, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tacal.busy import gather
from tacal.busy.fetch import SourceError, read_source, shown
from tacal.busy.ics import FeedError, busy_blocks
from tacal.config import load
from tests.support.busy_feeds import (  # noqa: F401  (fixture)
    FeedHost,
    calendar,
    feed_host,
    free_port,
    vevent,
)

UTC = dt.UTC
CHI = ZoneInfo("America/Chicago")
START = dt.datetime(2027, 2, 1, tzinfo=UTC)
END = dt.datetime(2027, 3, 1, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0, month: int = 2) -> dt.datetime:
    return dt.datetime(2027, month, day, hour, minute, tzinfo=UTC)


def test_recurring_events_expand_over_the_window_with_their_exceptions() -> None:
    weekly = vevent(
        "weekly@example.com",
        at(1, 15),
        at(1, 16),
        rrule="FREQ=WEEKLY;COUNT=10",
        extra=["EXDATE:20270208T150000Z"],
    )
    moved = "\r\n".join(
        [
            "BEGIN:VEVENT",
            "UID:weekly@example.com",
            "DTSTAMP:20270101T000000Z",
            "RECURRENCE-ID:20270215T150000Z",
            "DTSTART:20270216T170000Z",
            "DTEND:20270216T180000Z",
            "END:VEVENT",
        ]
    )
    blocks = busy_blocks(calendar(weekly, moved), START, END, "UTC")
    assert blocks == (
        (at(1, 15), at(1, 16)),
        (at(16, 17), at(16, 18)),
        (at(22, 15), at(22, 16)),
    )


def test_transparent_cancelled_and_tacal_events_are_not_busy() -> None:
    data = calendar(
        vevent("real@example.com", at(3, 14), at(3, 15)),
        vevent("fyi@example.com", at(4, 14), at(4, 15), extra=["TRANSP:TRANSPARENT"]),
        vevent("gone@example.com", at(5, 14), at(5, 15), extra=["STATUS:CANCELLED"]),
        vevent("team.standup@tacal", at(8, 14), at(8, 15), rrule="FREQ=DAILY"),
        vevent("copied@example.com", at(9, 14), at(9, 15), extra=["X-TACAL-CADENCE:standup"]),
    )
    assert busy_blocks(data, START, END, "UTC") == ((at(3, 14), at(3, 15)),)


def test_vfreebusy_periods_count_unless_free() -> None:
    fb = "\r\n".join(
        [
            "BEGIN:VFREEBUSY",
            "UID:fb@example.com",
            "DTSTAMP:20270101T000000Z",
            "FREEBUSY;FBTYPE=BUSY:20270210T140000Z/PT1H,20270211T140000Z/20270211T143000Z",
            "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20270212T090000Z/PT30M",
            "FREEBUSY;FBTYPE=FREE:20270212T100000Z/PT1H",
            "END:VFREEBUSY",
        ]
    )
    assert busy_blocks(calendar(fb), START, END, "UTC") == (
        (at(10, 14), at(10, 15)),
        (at(11, 14), at(11, 14, 30)),
        (at(12, 9), at(12, 9, 30)),
    )


def test_all_day_and_floating_times_are_in_the_persons_zone() -> None:
    data = calendar(
        "\r\n".join(
            [
                "BEGIN:VEVENT",
                "UID:offsite@example.com",
                "DTSTAMP:20270101T000000Z",
                "DTSTART;VALUE=DATE:20270210",
                "DTEND;VALUE=DATE:20270211",
                "END:VEVENT",
                "BEGIN:VEVENT",
                "UID:floating@example.com",
                "DTSTAMP:20270101T000000Z",
                "DTSTART:20270212T090000",
                "DTEND:20270212T100000",
                "END:VEVENT",
            ]
        )
    )
    blocks = busy_blocks(data, START, END, "America/Chicago")
    assert blocks == (
        (
            dt.datetime(2027, 2, 10, tzinfo=CHI).astimezone(UTC),
            dt.datetime(2027, 2, 11, tzinfo=CHI).astimezone(UTC),
        ),
        (
            dt.datetime(2027, 2, 12, 9, tzinfo=CHI).astimezone(UTC),
            dt.datetime(2027, 2, 12, 10, tzinfo=CHI).astimezone(UTC),
        ),
    )


def test_overlapping_meetings_merge_and_the_window_clips() -> None:
    data = calendar(
        vevent("a@example.com", at(3, 14), at(3, 15)),
        vevent("b@example.com", at(3, 14, 30), at(3, 16)),
        vevent("c@example.com", at(3, 16), at(3, 17)),
        vevent("before@example.com", dt.datetime(2027, 1, 20, 9, tzinfo=UTC), at(1, 0)),
        vevent("after@example.com", at(1, 9, month=3), at(1, 10, month=3)),
    )
    assert busy_blocks(data, START, END, "UTC") == ((at(3, 14), at(3, 17)),)


def test_garbage_is_a_feed_error() -> None:
    with pytest.raises(FeedError, match="not iCalendar"):
        busy_blocks(b"<html>login page</html>", START, END, "UTC")


def test_http_feed_read_with_a_size_limit(feed_host: FeedHost) -> None:  # noqa: F811
    feed_host.feeds["/big.ics"] = b"x" * 2048
    assert read_source(feed_host.url("/big.ics"), limit=4096) == b"x" * 2048
    with pytest.raises(SourceError, match="larger than"):
        read_source(feed_host.url("/big.ics"), limit=1024)
    with pytest.raises(SourceError, match="HTTP 404"):
        read_source(feed_host.url("/missing.ics"))
    with pytest.raises(SourceError, match="unreachable"):
        read_source(f"http://127.0.0.1:{free_port()}/x.ics", timeout=2)


def test_secret_parts_of_a_feed_address_are_never_shown() -> None:
    url = "https://user:pw@calendar.example.com/ical/private-0123456789abcdef/basic.ics?key=s3cret"
    text = shown(url)
    assert "s3cret" not in text and "pw" not in text and "0123456789abcdef" not in text
    assert text.startswith("https://calendar.example.com/")


def _config(tmp_path: Path, people: dict[str, str]) -> Path:
    lines = ['[team]\nname = "T"\nid = "t"\ntimezone = "UTC"\nbusy_horizon = "P4W"\n']
    for key, source in people.items():
        lines.append(f'[people.{key}]\nemail = "{key}@t.example"\nrole = "ta"\nbusy = "{source}"\n')
    lines.append('[[cadence]]\nid = "sync"\nsummary = "Sync"\nrule = "weekly"\nday = "TU"\n')
    path = tmp_path / "tacal.toml"
    path.write_text("\n".join(lines))
    return path


def test_a_feed_two_people_share_is_fetched_once_per_run(
    feed_host: FeedHost,  # noqa: F811
    tmp_path: Path,
) -> None:
    feed_host.feeds["/team.ics"] = calendar(vevent("x@example.com", at(3, 14), at(3, 15)))
    path = _config(tmp_path, {"ana": feed_host.url("/team.ics"), "ben": feed_host.url("/team.ics")})
    busy = gather(load(path), dt.date(2027, 2, 1))
    assert feed_host.hits["/team.ics"] == 1
    assert busy.blocks("ana") == busy.blocks("ben") == ((at(3, 14), at(3, 15)),)
    assert busy.start == dt.datetime(2027, 2, 1, tzinfo=ZoneInfo("UTC"))
    assert busy.end - busy.start == dt.timedelta(weeks=4)


def test_an_unreachable_source_is_a_located_warning_not_a_crash(
    feed_host: FeedHost,  # noqa: F811
    tmp_path: Path,
) -> None:
    feed_host.feeds["/ana.ics"] = calendar(vevent("x@example.com", at(3, 14), at(3, 15)))
    dead = f"http://127.0.0.1:{free_port()}/ben.ics"
    path = _config(tmp_path, {"ana": feed_host.url("/ana.ics"), "ben": dead, "cy": "nope.ics"})
    busy = gather(load(path), dt.date(2027, 2, 1))
    assert busy.blocks("ana") == ((at(3, 14), at(3, 15)),)
    assert busy.missing() == ("ben", "cy")
    texts = [str(w) for w in busy.warnings]
    assert len(texts) == 2
    assert f"{path}:" in texts[0] and "people.ben.busy" in texts[0] and "unreachable" in texts[0]
    assert "people.cy.busy" in texts[1] and str(tmp_path / "nope.ics") in texts[1]
