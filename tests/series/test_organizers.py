"""Who organizes each series (#13): the cadence's ``organizer``, else the account's TA for
check-ins, touch-bases and renewal checks, else ``team.organizer``; and the ORGANIZER the
.ics carries for it. The expected organizer of each series is read off the fixture's own
accounts here, not from tacal."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from icalendar import Calendar

from tacal.config import parse
from tacal.ical.writer import build_calendar
from tacal.series import Series, build_series
from tests.conftest import FIXTURES, Result

PATH = FIXTURES / "accounts.toml"
TEXT = PATH.read_text()
TODAY = dt.date(2027, 4, 20)
DATA = tomllib.loads(TEXT)
EMAIL = {key: p["email"] for key, p in DATA["people"].items()}
#: the fixture with a team organizer (every account has a TA: the config requires one)
WITH_TEAM = TEXT.replace(
    'leadership = ["dir", "vp"]', 'leadership = ["dir", "vp"]\norganizer = "dir"'
)


def build(text: str) -> list[Series]:
    return build_series(parse(text, PATH), TODAY)


def organizer_of(s: Series) -> str | None:
    return s.organizer.email if s.organizer else None


def account_people(text: str) -> dict[str, dict[str, str]]:
    return {a["name"]: a for a in tomllib.loads(text)["account"]}


def with_cadence_key(text: str, cid: str, line: str) -> str:
    head = f'[[cadence]]\nid = "{cid}"\n'
    assert head in text
    return text.replace(head, head + line + "\n", 1)


@pytest.mark.parametrize("text", [TEXT, WITH_TEAM])
def test_customer_meetings_default_to_their_accounts_ta(text: str) -> None:
    accounts = account_people(text)
    team = tomllib.loads(text)["team"].get("organizer")
    series = build(text)
    seen = 0
    for s in series:
        if s.cadence_id not in ("check-in", "touch-base", "renewal-check"):
            continue
        ta = accounts[s.account or ""]["ta"]
        assert organizer_of(s) == EMAIL[ta], s.uid
        assert team is None or EMAIL[ta] != EMAIL[team]
        seen += 1
    assert seen > 10


def test_other_series_default_to_the_team_organizer() -> None:
    for text, want in ((TEXT, None), (WITH_TEAM, EMAIL["dir"])):
        others = [
            s
            for s in build(text)
            if s.cadence_id not in ("check-in", "touch-base", "renewal-check")
        ]
        assert others
        assert {organizer_of(s) for s in others} == {want}


def test_at_ae_and_at_ta_mean_the_one_person_of_the_series() -> None:
    text = with_cadence_key(WITH_TEAM, "check-in", 'organizer = "@ae"')
    text = with_cadence_key(text, "sync", 'organizer = "@ae"')
    text = with_cadence_key(text, "mbr", 'organizer = "@ta"')
    accounts = account_people(text)
    series = build(text)
    checked = set()
    for s in series:
        if s.cadence_id == "check-in":
            assert organizer_of(s) == EMAIL[accounts[s.account or ""]["ae"]], s.uid
        elif s.cadence_id in ("sync", "mbr"):
            key = s.uid.split(".")[2].split("@")[0]  # fx.sync.amy@tacal
            assert organizer_of(s) == EMAIL[key], s.uid
        else:
            continue
        checked.add(s.cadence_id)
    assert checked == {"check-in", "sync", "mbr"}


def test_a_person_key_or_an_email_organizes_every_series_of_its_cadence() -> None:
    text = with_cadence_key(WITH_TEAM, "touch-base", 'organizer = "ben"')
    text = with_cadence_key(text, "health-score-update", 'organizer = "ops@fx.example"')
    by_cadence: dict[str, set[str | None]] = {}
    for s in build(text):
        by_cadence.setdefault(s.cadence_id, set()).add(organizer_of(s))
    assert by_cadence["touch-base"] == {EMAIL["ben"]}
    assert by_cadence["health-score-update"] == {"ops@fx.example"}


def test_the_organizer_is_the_ics_organizer_and_an_accepted_attendee_once() -> None:
    config = parse(WITH_TEAM, PATH)
    series = build_series(config, TODAY)
    now = dt.datetime(2027, 4, 20, 12, tzinfo=dt.UTC)
    cal = Calendar.from_ical(
        build_calendar(series, name="fx", timezone=config.team.timezone, now=now).to_ical()
    )
    by_uid = {s.uid: s for s in series}
    checked = 0
    for ev in cal.walk("VEVENT"):
        s = by_uid[str(ev["UID"])]
        assert str(ev["ORGANIZER"]) == f"mailto:{organizer_of(s)}"
        raw = ev.get("ATTENDEE")
        atts = [] if raw is None else raw if isinstance(raw, list) else [raw]
        own = [a for a in atts if str(a).lower() == f"mailto:{organizer_of(s)}".lower()]
        assert len(own) <= 1
        for a in atts:
            want = "ACCEPTED" if a in own else "NEEDS-ACTION"
            assert a.params["PARTSTAT"] == want
        checked += len(own)
    assert checked > 10


def test_the_new_default_organizer_bumps_sequence_once(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """The built-in default's check-ins, touch-bases and renewal checks used to be organized
    by team.organizer (Dana); now each account's TA organizes them. ORGANIZER is part of the
    content, so the series of Sam's accounts get SEQUENCE + 1, once; nothing else changes."""
    assert tacal("init", str(tmp_path)).code == 0
    config = tmp_path / "tacal.toml"
    new = config.read_text()
    old = new
    for rule in ('rule = "check-in"\n', 'rule = "touch-base"\n', 'rule = "renewal"\n'):
        assert old.count(rule) == 1
        old = old.replace(rule, rule + 'organizer = "dana"\n')
    config.write_text(old)

    def build() -> dict[str, tuple[str, int]]:
        done = tacal("--today", "2027-01-10", "build", "-o", "out.ics")
        assert done.code == 0, done.err
        cal = Calendar.from_ical((tmp_path / "out.ics").read_bytes())
        return {
            str(ev["UID"]): (str(ev["ORGANIZER"]), int(ev["SEQUENCE"]))
            for ev in cal.walk("VEVENT")
            if ev.get("RECURRENCE-ID") is None
        }

    before = build()
    config.write_text(new)
    after = build()
    assert set(before) == set(after)
    moved = {u for u in after if after[u][0] != before[u][0]}
    assert moved and {after[u][0] for u in moved} == {"mailto:sam@example.com"}
    assert {before[u][0] for u in moved} == {"mailto:dana@example.com"}
    assert {u.split(".")[1] for u in moved} == {
        "customer-check-in",
        "touch-base",
        "renewal-health-check",
    }
    for u in after:
        assert after[u][1] == before[u][1] + (1 if u in moved else 0), u
    assert build() == after
