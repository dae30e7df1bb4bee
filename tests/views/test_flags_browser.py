"""Overlaps and out-of-hours meetings are flagged where they are, and only there.

tacal's own builds never contain either (the people check refuses them), so the fixture is a
calendar written outside tacal (``tests/fixtures/views/clash.ics``) for a config with a New
York and a London person. The expected flags are worked out here from the .ics directly,
by brute force over pairs and each person's local clock.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from zoneinfo import ZoneInfo

from icalendar import Calendar

from tacal import config as config_mod
from tacal.ical.expand import expand
from tacal.views.pages import week_view
from tests.conftest import FIXTURES
from tests.support.browser import DESKTOP, PHONE, no_horizontal_scroll, open_page

FOLDER = FIXTURES / "views"
WINDOW = (dt.date(2027, 3, 1), dt.date(2027, 3, 8))


def _expected() -> dict[str, dict[str, set[str]]]:
    """email -> uid -> flags, from the .ics and the people's zones and hours (09:00-17:00)."""
    zones = {"ana@clash.example": "America/New_York", "ben@clash.example": "Europe/London"}
    cal = Calendar.from_ical((FOLDER / "clash.ics").read_bytes())
    events = []
    for e in cal.walk("VEVENT"):
        attendees = e.get("ATTENDEE", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        emails = {str(a).removeprefix("mailto:") for a in attendees}
        events.append((str(e["UID"]), e.decoded("DTSTART"), e.decoded("DTEND"), emails))
    out: dict[str, dict[str, set[str]]] = {}
    for email, zone in zones.items():
        mine = [e for e in events if email in e[3]]
        flags: dict[str, set[str]] = {uid: set() for uid, *_ in mine}
        for a, b in itertools.combinations(mine, 2):
            if a[1] < b[2] and b[1] < a[2]:
                flags[a[0]].add("overlap")
                flags[b[0]].add("overlap")
        for uid, start, end, _ in mine:
            s, e = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
            if s.weekday() >= 5 or s.time() < dt.time(9) or e.time() > dt.time(17):
                flags[uid].add("outside")
        out[email] = flags
    return out


def test_overlaps_and_late_meetings_are_flagged(browser: object, tmp_path: Path) -> None:
    config = config_mod.load(FOLDER / "clash.toml")
    occurrences = expand((FOLDER / "clash.ics").read_bytes(), *WINDOW, "America/New_York")
    html = week_view(
        config,
        [],
        occurrences,
        WINDOW,
        title="Clash <Team>: one week",
        subtitle="times in America/New_York",
        today=dt.date(2027, 2, 1),
    )
    # untrusted text stays text
    assert "<script>alert(1)</script>" not in html and "Ana <b>Ortiz</b>" not in html
    target = tmp_path / "clash.html"
    target.write_text(html, encoding="utf-8")
    expected = _expected()
    assert expected["ana@clash.example"]["double@clash"] == {"overlap"}  # the fixture has them
    assert expected["ben@clash.example"]["late@clash"] == {"outside"}
    with open_page(browser, target.as_uri(), DESKTOP) as (page, guard, errors):
        found = page.eval_on_selector_all(
            "section.person .ev",
            """els => els.map(e => [e.closest('section.person').dataset.person, e.dataset.uid,
                e.dataset.flags, !!e.querySelector('.flag'), getComputedStyle(e).borderTopColor])""",
        )
        names = page.eval_on_selector_all("section.person h2", "els => els.map(e => e.textContent)")
        listed = page.eval_on_selector_all(
            "section.person details.flags li", "els => els.map(e => e.textContent)"
        )
        others = page.eval_on_selector_all(".others li", "els => els.map(e => e.dataset.uid)")
        assert page.title() == "Clash <Team>: one week"
        page.screenshot(path=str(tmp_path / "clash-desktop.png"), full_page=True)
        assert no_horizontal_scroll(page, PHONE["width"]) <= PHONE["width"]
        page.screenshot(path=str(tmp_path / "clash-phone.png"), full_page=True)
    assert guard.external == [] and errors == []
    assert names == ["Ana <b>Ortiz</b>", "Ben Hale"]
    shown = {(email, uid): set(flags.split()) for email, uid, flags, _, _ in found}
    assert shown == {
        (email, uid): flags for email, by_uid in expected.items() for uid, flags in by_uid.items()
    }
    # a flagged meeting is marked by more than colour: a "!" and a red border
    for _, _, flags, mark, border in found:
        assert mark == bool(flags)
        assert (border == "rgb(176, 0, 32)") == bool(flags)
    # and listed in words under the person's name
    assert sorted(listed) == sorted(
        [
            "Mon 2027-03-01 10:00 Both: fine for each: overlaps another meeting",
            "Mon 2027-03-01 10:30 Ana double-booked: overlaps another meeting",
            "Sat 2027-03-06 10:00 On a Saturday: outside working hours",
            "Tue 2027-03-02 18:00 Late for London: outside working hours",
        ]
    )
    # the room booking no person attends is still on the page, once
    assert others == ["nobody@clash"]
