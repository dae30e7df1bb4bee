"""The calendar the sink contract tests sync: shaped like tacal's output (a team series with
a moved and a cancelled occurrence, a monthly one, one check-in per account tagged with
its account), small enough to reason about each write, with knobs for the edits the
scenarios make (a cadence's time, an account removed, a title)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

BERLIN = ZoneInfo("Europe/Berlin")
ACCOUNTS = ("Acme", "Globex", "Initech")


def _event(uid: str, summary: str, start: datetime, rule: dict[str, Any], cadence: str) -> Event:
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", datetime(2027, 1, 1, tzinfo=ZoneInfo("UTC")))
    ev.add("dtstart", start)
    ev.add("dtend", start.replace(minute=start.minute + 30))
    ev.add("rrule", rule)
    ev.add("summary", summary)
    ev.add("organizer", "mailto:lead@team.example")
    ev.add("attendee", "mailto:ann@team.example", parameters={"CN": "Ann"})
    ev.add("x-tacal-cadence", cadence)
    return ev


def team_calendar(
    *,
    accounts: tuple[str, ...] = ACCOUNTS,
    standup_at: int = 9,
    review_summary: str = "Monthly review",
) -> Calendar:
    """A calendar shaped like tacal's: two team series (the stand-up with a moved and a
    cancelled occurrence) and one check-in per account, tagged with its account."""
    cal = Calendar()
    cal.add("prodid", "-//tacal//contract tests//EN")
    cal.add("version", "2.0")
    standup = _event(
        "team.standup@tacal",
        "Stand-up",
        datetime(2027, 1, 4, standup_at, 0, tzinfo=BERLIN),
        {"freq": "weekly", "byday": ["MO", "WE"], "count": 20},
        "standup",
    )
    cal.add_component(standup)
    moved = Event()
    moved.add("uid", "team.standup@tacal")
    moved.add("dtstamp", datetime(2027, 1, 1, tzinfo=ZoneInfo("UTC")))
    moved.add("recurrence-id", datetime(2027, 1, 11, standup_at, 0, tzinfo=BERLIN))
    moved.add("dtstart", datetime(2027, 1, 12, 11, 0, tzinfo=BERLIN))
    moved.add("dtend", datetime(2027, 1, 12, 11, 30, tzinfo=BERLIN))
    moved.add("summary", "Stand-up (moved: holiday)")
    moved.add("attendee", "mailto:ann@team.example", parameters={"CN": "Ann"})
    cal.add_component(moved)
    cancelled = Event()
    cancelled.add("uid", "team.standup@tacal")
    cancelled.add("dtstamp", datetime(2027, 1, 1, tzinfo=ZoneInfo("UTC")))
    cancelled.add("recurrence-id", datetime(2027, 1, 20, standup_at, 0, tzinfo=BERLIN))
    cancelled.add("dtstart", datetime(2027, 1, 20, standup_at, 0, tzinfo=BERLIN))
    cancelled.add("dtend", datetime(2027, 1, 20, standup_at, 30, tzinfo=BERLIN))
    cancelled.add("summary", "Stand-up")
    cancelled.add("status", "CANCELLED")
    cal.add_component(cancelled)
    cal.add_component(
        _event(
            "team.review@tacal",
            review_summary,
            datetime(2027, 1, 13, 14, 0, tzinfo=BERLIN),
            {"freq": "monthly", "byday": "2WE"},
            "review",
        )
    )
    for name in accounts:
        i = ACCOUNTS.index(name) if name in ACCOUNTS else len(ACCOUNTS)
        ev = _event(
            f"team.checkin.{name.lower()}@tacal",
            f"Check-in: {name}",
            datetime(2027, 1, 5 + i, 15, 0, tzinfo=BERLIN),
            {"freq": "weekly", "interval": 2},
            "checkin",
        )
        ev.add("attendee", f"mailto:cto@{name.lower()}.example", parameters={"CN": "CTO"})
        ev.add("x-tacal-account", name)
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal


def uids(cal: Calendar) -> set[str]:
    return {str(c["UID"]) for c in cal.walk("VEVENT")}
