"""The week view (``preview --format html``) rendered in a real headless Chromium.

The page is checked against ``preview --format json`` of the same window, person by person
(``--for``, which shows times in that person's zone, as the page does), and against the
config for the colour of each meeting. Screenshots land in the test's tmp folder.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from tacal import config as config_mod
from tests.conftest import Result
from tests.support.browser import CONTRAST_JS, DESKTOP, PHONE, no_horizontal_scroll, open_page

TODAY = "2026-12-02"  # the default quarter is then FY2028-Q1: 2027-02-01 to 2027-05-01
FIRST, END = dt.date(2027, 2, 1), dt.date(2027, 5, 1)


def _json(tacal: Callable[..., Result], *args: str) -> list[dict[str, object]]:
    result = tacal("-q", "--today", TODAY, "preview", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


@pytest.fixture
def page_file(tacal: Callable[..., Result], tmp_path: Path) -> Path:
    out = tmp_path / "quarter.html"
    result = tacal("--today", TODAY, "preview", "--format", "html", "-o", out)
    assert result.code == 0, result.err
    assert f"{out}: wrote the week view of" in result.err
    return out


def test_default_quarter_in_chromium(
    browser: object, page_file: Path, tacal: Callable[..., Result], tmp_path: Path
) -> None:
    config = config_mod.load(None)
    team = _json(tacal)
    with open_page(browser, page_file.as_uri(), DESKTOP) as (page, guard, errors):
        sections = page.eval_on_selector_all(
            "section.person",
            """els => els.map(s => ({
                person: s.dataset.person,
                events: [...s.querySelectorAll('.ev')].map(e => [e.dataset.uid, e.dataset.start, e.dataset.kind, e.dataset.flags]),
                days: [...s.querySelectorAll('table.grid')].map(t => [...t.querySelectorAll('td.day')].map(d => d.dataset.date)),
                heads: [...s.querySelectorAll('table.grid')].map(t => t.querySelectorAll('thead th').length),
            }))""",
        )
        page.screenshot(path=str(tmp_path / "quarter-desktop.png"), full_page=False)
        # one column per day: each week is seven consecutive days from a Monday, and the
        # weeks of a person cover the window, each day once
        by_email = {p.email: p for p in config.people.values()}
        assert {s["person"] for s in sections} == {
            p.email for p in config.people.values() if any(p.email in o["attendees"] for o in team)
        }
        for s in sections:
            assert set(s["heads"]) == {7}
            days = [dt.date.fromisoformat(d) for week in s["days"] for d in week]
            assert all(len(week) == 7 for week in s["days"])
            assert days == [days[0] + dt.timedelta(days=n) for n in range(len(days))]
            assert days[0].weekday() == 0 and days[0] <= FIRST and days[-1] >= END - dt.timedelta(1)
            # every meeting this person attends, exactly once, at the time their own
            # preview (--for, in their zone) gives
            key = by_email[s["person"]].key
            expected = Counter(
                (o["uid"], o["start"])
                for o in _json(tacal, "--for", key)
                if s["person"] in o["attendees"]
            )
            shown = Counter((uid, start) for uid, start, _, _ in s["events"])
            assert shown == expected, key
            assert max(shown.values()) == 1
        # the whole team's window: each occurrence on the grid of everyone who attends it
        on_page = Counter(
            (uid, dt.datetime.fromisoformat(start))
            for s in sections
            for uid, start, _, _ in s["events"]
        )
        wanted = Counter(
            (o["uid"], dt.datetime.fromisoformat(o["start"]))
            for o in team
            for email in o["attendees"]
            if email in by_email
        )
        assert on_page == wanted and sum(wanted.values()) > 200
        # coloured by kind, as the config says: external cadences are customer meetings,
        # touch-base reminders are reminders
        cadence = {c.id: c for c in config.cadences}
        kind_of_uid = {}
        for o in team:
            c = cadence[o["cadence"]]
            kind_of_uid[o["uid"]] = (
                "customer"
                if c.kind == "external"
                else "reminder"
                if c.rule == "touch-base"
                else "internal"
            )
        kinds = {uid: kind for s in sections for uid, _, kind, _ in s["events"]}
        assert kinds == kind_of_uid
        assert set(kinds.values()) == {"internal", "customer", "reminder"}
        # the built calendar passed the people check: nothing is flagged
        assert {flags for s in sections for _, _, _, flags in s["events"]} == {""}
        # accessibility basics: language, landmarks, a caption per grid, readable colours
        assert page.get_attribute("html", "lang") == "en"
        for landmark in ("header", "main", "nav"):
            assert page.locator(landmark).count() == 1, landmark
        assert page.locator("table.grid").count() == page.locator("table.grid caption").count()
        for kind in ("internal", "customer", "reminder"):
            ratio = page.eval_on_selector(f".ev.k-{kind} .s", CONTRAST_JS)
            assert ratio >= 4.5, (kind, ratio)
        # a phone: no sideways scrolling
        assert no_horizontal_scroll(page, PHONE["width"]) <= PHONE["width"]
        page.screenshot(path=str(tmp_path / "quarter-phone.png"))
    assert guard.external == [] and errors == []
    assert (tmp_path / "quarter-desktop.png").stat().st_size > 10_000
    assert (tmp_path / "quarter-phone.png").stat().st_size > 10_000


def test_week_hours_are_the_sum_of_the_meetings(
    browser: object, page_file: Path, tacal: Callable[..., Result]
) -> None:
    """The per-week hours in each heading, against the durations preview --format json gives."""
    team = _json(tacal)
    minutes: Counter[tuple[str, str]] = Counter()
    for o in team:
        start = dt.datetime.fromisoformat(o["start"])
        end = dt.datetime.fromisoformat(o["end"])
        for email in o["attendees"]:
            monday = start.date() - dt.timedelta(days=start.weekday())
            minutes[(email, monday.isoformat())] += int((end - start).total_seconds() // 60)
    with open_page(browser, page_file.as_uri(), DESKTOP) as (page, guard, _):
        shown = page.eval_on_selector_all(
            "section.person section.week",
            """els => els.map(w => [w.closest('section.person').dataset.person,
                w.querySelector('table.grid').dataset.week, w.querySelector('h3 .hours').textContent])""",
        )
    assert guard.external == []
    checked = 0
    for email, week, hours in shown:
        # the team is all in one zone in the default, so weeks agree with the JSON's
        assert hours == f"{minutes[(email, week)] / 60:.1f}", (email, week)
        checked += 1
    assert checked >= 9 * 13


def test_the_guard_sees_external_requests(browser: object, page_file: Path) -> None:
    """The no-external-request assertions mean something: a request the page did not make
    itself, to another host, is caught and refused (never sent)."""
    with open_page(browser, page_file.as_uri(), DESKTOP) as (page, guard, _):
        page.evaluate("fetch('https://fonts.example.invalid/x.woff2').catch(() => null)")
        page.wait_for_timeout(200)
    assert guard.external == ["https://fonts.example.invalid/x.woff2"]


def test_report_page_in_chromium(
    browser: object, tacal: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    result = tacal("-q", "--today", TODAY, "report", "--format", "html", "-o", out)
    assert result.code == 0, result.err
    report = json.loads(tacal("-q", "--today", TODAY, "report", "--format", "json").out)
    with open_page(browser, out.as_uri(), PHONE) as (page, guard, errors):
        rows = page.locator("#load tbody tr").count()
        months = page.locator("#contact tbody tr").count()
        landmarks = [page.locator(x).count() for x in ("header", "main", "nav")]
        width = int(page.evaluate("document.scrollingElement.scrollWidth"))
        page.screenshot(path=str(tmp_path / "report-phone.png"))
    assert guard.external == [] and errors == []
    assert rows == len(report["people"]) and months == 12 * len(report["accounts"])
    assert landmarks == [1, 1, 1] and width <= PHONE["width"]
