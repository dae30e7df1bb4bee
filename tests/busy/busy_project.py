"""A project for the busy tests: the accounts fixture (two TAs, five AEs, twelve accounts, in
Chicago) with busy feeds served over HTTP, and an independent check of every occurrence
against every attendee's busy blocks (computed here from the blocks the test wrote, expanded
from the built bytes with recurring-ical-events: nothing of tacal's placement is reused)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar

from tests.conftest import FIXTURES
from tests.support.busy_feeds import FeedHost, calendar, vevent

CHI = ZoneInfo("America/Chicago")
TODAY = "2027-02-01"
HORIZON_START = dt.datetime(2027, 2, 1, tzinfo=CHI)
HORIZON_END = HORIZON_START + dt.timedelta(weeks=8)
Block = tuple[dt.datetime, dt.datetime]


def chicago(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), CHI)


def weekly(first: dt.date, hour: int, minutes: int, weeks: int = 9) -> list[Block]:
    """A weekly meeting as explicit blocks (the feed gets it as an RRULE)."""
    out = []
    for w in range(weeks):
        day = first + dt.timedelta(weeks=w)
        out.append((chicago(day, hour), chicago(day, hour) + dt.timedelta(minutes=minutes)))
    return out


#: Per person: (weekly meetings as (first day, hour, minutes)), one-off meetings as blocks.
#: Ana's Monday 14:00 and Ben's Wednesday 14:00 are where the check-ins would go without them.
BUSY: dict[str, tuple[list[tuple[dt.date, int, int]], list[Block]]] = {
    "ana": (
        [(dt.date(2027, 2, 1), 14, 60), (dt.date(2027, 2, 3), 15, 60)],
        [(chicago(dt.date(2027, 2, 9), 14), chicago(dt.date(2027, 2, 9), 16))],
    ),
    "ben": (
        [(dt.date(2027, 2, 3), 14, 90)],
        [
            (chicago(dt.date(2027, 2, 8), 13), chicago(dt.date(2027, 2, 8), 17)),
            (chicago(dt.date(2027, 3, 4), 14), chicago(dt.date(2027, 3, 4), 15)),
        ],
    ),
    "amy": ([(dt.date(2027, 2, 2), 14, 60)], []),
    "bob": ([], [(chicago(dt.date(2027, 2, 16), 9), chicago(dt.date(2027, 2, 19), 17))]),
}


def blocks_of(key: str) -> list[Block]:
    weeklies, one_offs = BUSY[key]
    out = list(one_offs)
    for first, hour, minutes in weeklies:
        out += weekly(first, hour, minutes)
    return out


def feed_of(key: str) -> bytes:
    weeklies, one_offs = BUSY[key]
    events = [
        vevent(
            f"{key}-w{i}@example.com",
            chicago(first, hour),
            chicago(first, hour) + dt.timedelta(minutes=minutes),
            rrule="FREQ=WEEKLY",
        )
        for i, (first, hour, minutes) in enumerate(weeklies)
    ]
    events += [vevent(f"{key}-o{i}@example.com", a, b) for i, (a, b) in enumerate(one_offs)]
    return calendar(*events)


def project(tmp_path: Path, host: FeedHost, *, sources: dict[str, str] | None = None) -> Path:
    """The accounts fixture with ``busy`` set for the people in BUSY (their feed on ``host``),
    or as ``sources`` says."""
    text = (FIXTURES / "accounts.toml").read_text()
    text = text.replace('start = "2027-02-01"\n', 'start = "2027-02-01"\nbusy_horizon = "P8W"\n')
    for key in BUSY:
        host.feeds[f"/{key}.ics"] = feed_of(key)
    chosen = sources if sources is not None else {k: host.url(f"/{k}.ics") for k in BUSY}
    for key, source in chosen.items():
        text = re.sub(
            rf"(\[people\.{key}\]\n(?:[^\[\n].*\n)*?role = \"\w+\"\n)",
            rf'\1busy = "{source}"\n',
            text,
            count=1,
        )
    path = tmp_path / "tacal.toml"
    path.write_text(text)
    return path


def lock_file() -> Path:
    """The fixture's lock (tests/conftest.py gives every test its own TACAL_LOCK_DIR)."""
    return Path(os.environ["TACAL_LOCK_DIR"]) / "fx.lock"


def emails() -> dict[str, str]:
    """Person key by e-mail for the people with busy blocks."""
    return {f"{k}@fx.example": k for k in BUSY}


def collisions(ics: bytes, uids: set[str] | None = None) -> list[tuple[str, dt.datetime, str]]:
    """(uid, start, person) for every occurrence in the busy horizon that overlaps one of
    its attendees' busy blocks; ``uids`` limits the series looked at."""
    cal = Calendar.from_ical(ics)
    who = emails()
    busy = {k: blocks_of(k) for k in BUSY}
    out = []
    for ev in recurring_ical_events.of(cal).between(HORIZON_START, HORIZON_END):
        uid = str(ev["UID"])
        if uids is not None and uid not in uids:
            continue
        start, end = ev.decoded("DTSTART"), ev.decoded("DTEND")
        attendees = ev.get("ATTENDEE", [])
        for a in attendees if isinstance(attendees, list) else [attendees]:
            key = who.get(str(a).lower().removeprefix("mailto:"))
            if key and any(b0 < end and b1 > start for b0, b1 in busy[key]):
                out.append((uid, start, key))
    return out
