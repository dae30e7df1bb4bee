"""``preview --format html`` from the command line: who is on the page, and where it goes."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

from tests.conftest import FIXTURES, Result

TODAY = "2027-03-03"


class Occurrences(HTMLParser):
    """(section, uid, start) of every element that carries data-uid."""

    def __init__(self) -> None:
        super().__init__()
        self.section = ""
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("class") in ("person", "others"):
            self.section = a.get("data-person") or "others"
        if "data-uid" in a:
            self.found.append((self.section, a["data-uid"] or "", a.get("data-start") or ""))


def _page(tacal: Callable[..., Result], *args: object) -> list[tuple[str, str, str]]:
    result = tacal("-q", "--config", FIXTURES / "distributed.toml", "--today", TODAY, *args)
    assert result.code == 0, result.err
    parser = Occurrences()
    parser.feed(result.out)
    return parser.found


def _json(tacal: Callable[..., Result], *args: object) -> list[dict[str, object]]:
    result = tacal(
        "-q",
        "--config",
        FIXTURES / "distributed.toml",
        "--today",
        TODAY,
        "preview",
        "--format",
        "json",
        *args,
    )
    assert result.code == 0, result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


def test_for_a_person_is_their_grid_in_their_zone(tacal: Callable[..., Result]) -> None:
    found = _page(tacal, "preview", "--format", "html", "--for", "pippa")
    mine = [
        (o["uid"], o["start"])
        for o in _json(tacal, "--for", "pippa")
        if "pippa@global.example" in o["attendees"]  # type: ignore[operator]
    ]
    assert Counter((u, s) for sec, u, s in found if sec == "pippa@global.example") == Counter(mine)
    assert {sec for sec, _, _ in found} <= {"pippa@global.example", "others"}
    assert mine and all(s.endswith(("+00:00", "+01:00")) for _, s in mine)


def test_for_a_customer_contact_lists_their_meetings(tacal: Callable[..., Result]) -> None:
    """A contact has no grid (no clock): their meetings are all listed, none lost."""
    team = _json(tacal)
    contact = next(
        a
        for o in team
        for a in o["attendees"]  # type: ignore[attr-defined]
        if not a.endswith("@global.example")
    )
    found = _page(tacal, "preview", "--format", "html", "--for", contact)
    expected = Counter((o["uid"], o["start"]) for o in _json(tacal, "--for", contact))
    assert expected and Counter((u, s) for sec, u, s in found if sec == "others") == expected


def test_html_to_a_path_that_cannot_be_written(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = tacal("--today", TODAY, "preview", "--format", "html", "-o", blocker / "x.html")
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.splitlines()[-1].startswith(
        f"tacal: error: {blocker / 'x.html'}: cannot write"
    )
