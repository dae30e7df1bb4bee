"""Subscribe pages and ``/TOKEN/preview`` from a real ``tacal serve`` (waitress on 127.0.0.1),
opened in headless Chromium: the one-click links, the copy button under the served
Content-Security-Policy, and the person's next two weeks against their feed's own bytes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tacal.feeds.tokens import TokenStore
from tacal.ical.expand import expand
from tests.support.browser import DESKTOP, PHONE, no_horizontal_scroll, open_page
from tests.support.feed_server import Running, copy_fixture, serving

TODAY = "2027-03-03"  # a Wednesday: the page shows 2027-03-01 to 2027-03-14


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Running, dict[str, str]]]:
    config = copy_fixture(tmp_path, "distributed.toml")
    with serving(config, tmp_path / "state", today=TODAY) as running:
        yield running, TokenStore.load(config.with_name("tacal.tokens.json")).tokens


def test_a_persons_subscribe_page(
    browser: object, server: tuple[Running, dict[str, str]], tmp_path: Path
) -> None:
    running, tokens = server
    token = tokens["person-pippa"]
    feed = f"{running.base}/{token}/person-pippa.ics"
    served = running.get(f"/{token}/index.html")
    assert served.status == 200
    assert "script-src 'sha256-" in (served.header("content-security-policy") or "")
    with open_page(
        browser,
        f"{running.base}/{token}/index.html",
        DESKTOP,
        permissions=["clipboard-read", "clipboard-write"],
    ) as (page, guard, errors):
        links = dict(
            page.eval_on_selector_all(
                "ul.sub a", "els => els.map(a => [a.className, a.getAttribute('href')])"
            )
        )
        assert links["webcal"] == "webcal://" + feed.split("://")[1]
        google = urlsplit(links["google"])
        assert (google.netloc, parse_qs(google.query)["cid"]) == (
            "calendar.google.com",
            [links["webcal"]],
        )
        for kind, host in (("outlook", "outlook.office.com"), ("outlook-live", "outlook.live.com")):
            parts = urlsplit(links[kind])
            assert (parts.netloc, parts.path) == (host, "/calendar/0/addfromweb")
            assert parse_qs(parts.query) == {"url": [feed], "name": ["Global TAs: Pippa Hart"]}
        assert page.get_attribute("a.ics", "href") == feed
        # the plain URL, labelled, and a copy button that works under the served CSP
        field = page.get_by_label("Calendar address, for any other app:")
        assert field.input_value() == feed
        page.click("button[data-copy]")
        page.wait_for_function(
            "document.querySelector('button[data-copy]').textContent === 'Copied'"
        )
        assert page.evaluate("navigator.clipboard.readText()") == feed
        # the next two weeks, in London time, exactly the feed's meetings
        weeks = page.eval_on_selector_all(
            "table.grid",
            "ts => ts.map(t => [...t.querySelectorAll('td.day')].map(d => d.dataset.date))",
        )
        events = page.eval_on_selector_all(
            "section.person .ev", "els => els.map(e => [e.dataset.uid, e.dataset.start])"
        )
        page.screenshot(path=str(tmp_path / "subscribe-desktop.png"), full_page=True)
        assert no_horizontal_scroll(page, PHONE["width"]) <= PHONE["width"]
        page.screenshot(path=str(tmp_path / "subscribe-phone.png"), full_page=True)
        assert page.locator("main").count() == 1 and page.locator("header").count() == 1
    assert guard.external == [] and errors == []
    monday = dt.date(2027, 3, 1)
    assert weeks == [
        [(monday + dt.timedelta(days=7 * w + d)).isoformat() for d in range(7)] for w in range(2)
    ]
    ics = running.get(f"/{token}/person-pippa.ics").body
    wanted = [
        [o.uid, o.start.isoformat()]
        for o in expand(ics, monday, monday + dt.timedelta(days=14), "Europe/London")
        if "pippa@global.example" in o.attendees
    ]
    assert sorted(events) == sorted(wanted) and len(wanted) >= 5
    assert all(start.endswith("+00:00") for _, start in events)  # London, before BST
    for name in ("subscribe-desktop.png", "subscribe-phone.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_preview_is_served_behind_the_team_token(
    browser: object, server: tuple[Running, dict[str, str]]
) -> None:
    running, tokens = server
    assert running.get("/preview").status == 404
    assert running.get("/" + "x" * len(tokens["team"]) + "/preview").status == 404
    assert running.get(f"/{tokens['person-pippa']}/preview").status == 404
    served = running.get(f"/{tokens['team']}/preview")
    assert served.status == 200 and served.header("content-type") == "text/html; charset=utf-8"
    assert served.header("cache-control") == "no-cache"
    with open_page(browser, f"{running.base}/{tokens['team']}/preview", DESKTOP) as (
        page,
        guard,
        errors,
    ):
        title = page.title()
        people = page.eval_on_selector_all("section.person", "els => els.map(s => s.dataset.zone)")
        count = page.locator(".ev").count()
    assert guard.external == [] and errors == []
    assert title == "Global TAs: FY2028-Q2 (2027-05-01 to 2027-07-31)"
    assert {"America/New_York", "America/Los_Angeles", "Europe/London"} <= set(people)
    assert count > 100
    # the public index still names no private feed and holds no token
    index = running.get("/index.html").body
    assert not any(t.encode() in index for t in tokens.values())
    assert b"Pippa" not in index and b"@" not in index
