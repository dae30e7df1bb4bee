"""Which feeds exist, their tokens, ``[feeds]`` validation, and ``tacal publish``'s files.

The HTTP side is in test_server.py. The index page is checked by parsing its links (no
headless browser runs here: see the README's Testing section)."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from icalendar import Calendar

from tacal import config as config_mod
from tacal.feeds.catalogue import feeds_of, settings
from tacal.feeds.publish import MANIFEST
from tacal.feeds.tokens import TOKEN_RE, TokenStore
from tacal.series import build_series
from tests.conftest import Result
from tests.support.feed_server import TODAY, copy_fixture

BASE = "https://cal.example.com/ta"
PEOPLE = ["person-ana", "person-ben", "person-cleo", "person-dan"]
ACCOUNTS = ["account-acme-corp", "account-zeta-gmbh"]


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return copy_fixture(tmp_path)


@pytest.fixture
def run(tacal: Callable[..., Result], config: Path) -> Callable[..., Result]:
    """``tacal --config CONFIG --today TODAY ARGS`` that must succeed."""

    def call(*args: object) -> Result:
        result = tacal("--config", config, "--today", TODAY, *args)
        assert result.code == 0, result.err
        return result

    return call


def tokens(config: Path) -> dict[str, str]:
    return TokenStore.load(config.with_name("tacal.tokens.json")).tokens


def files(folder: Path) -> dict[str, bytes]:
    """The published files, without publish's own manifest."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a":
            self.links.append((a.get("class") or "", a.get("href") or ""))


def links(page: bytes) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(page.decode("utf-8"))
    return parser.links


# --------------------------------------------------------------------------- which feeds


def test_feeds_are_team_people_with_series_and_accounts(config: Path) -> None:
    cfg = config_mod.load(config)
    feeds = feeds_of(cfg, build_series(cfg, dt.date(2027, 1, 4)), team_public=True)
    assert [f.id for f in feeds] == ["team", *PEOPLE, *ACCOUNTS]  # eve attends nothing
    assert [f.private for f in feeds] == [False] + [True] * 6
    assert feeds[1].title == "Feed Team: Ana Ortiz"
    assert feeds[-1].title == "Feed Team: Zeta GmbH"


def test_feeds_settings_and_their_errors(tacal: Callable[..., Result], config: Path) -> None:
    cfg = config_mod.load(config)
    conf = settings(cfg)
    assert conf.team_public and conf.refresh_text == "PT2H" and conf.base_url is None
    text = config.read_text(encoding="utf-8").replace(
        'team = "public"\nrefresh = "PT2H"',
        'team = "open"\nrefresh = "1h"\nbase_url = "ftp://x"\nrefersh = "PT1H"',
    )
    config.write_text(text, encoding="utf-8")
    result = tacal("--config", config, "validate")
    assert result.code == 2
    line = text.splitlines().index('team = "open"') + 1
    assert (
        f"tacal.toml:{line}: feeds.team: 'open' (did you mean 'public'?): use \"private\""
        in result.err
    )
    assert f"tacal.toml:{line + 1}: feeds.refresh: '1h' is not a positive ISO 8601" in result.err
    assert f"tacal.toml:{line + 2}: feeds.base_url: 'ftp://x'" in result.err
    assert (
        f"tacal.toml:{line + 3}: feeds.refersh: unknown key 'refersh'; did you mean "
        "'refresh'?" in result.err
    )
    for bad in ('"PT0S"', '"-PT1H"', "3600", '"P"'):
        config.write_text(
            text.replace('"1h"', bad)
            .replace('"open"', '"private"')
            .replace('base_url = "ftp://x"\nrefersh = "PT1H"', "")
        )
        result = tacal("--config", config, "validate")
        assert result.code == 2 and "feeds.refresh" in result.err, bad


def test_default_team_feed_is_private(config: Path, run: Callable[..., Result]) -> None:
    config.write_text(config.read_text(encoding="utf-8").replace('team = "public"\n', ""))
    out = run("feeds", "list", "--base-url", BASE).out
    row = next(line for line in out.splitlines() if line.startswith("team "))
    assert f"private  {BASE}/{tokens(config)['team']}/team.ics" in row


# --------------------------------------------------------------------------- tokens


def test_tokens_are_issued_once_per_feed_and_kept_private(
    config: Path, run: Callable[..., Result]
) -> None:
    first = run("feeds", "list", "--base-url", BASE)
    path = config.with_name("tacal.tokens.json")
    assert "issued new feed tokens" in first.err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    issued = tokens(config)
    assert sorted(issued) == sorted(PEOPLE + ACCOUNTS)  # the public team feed has none
    assert len(set(issued.values())) == len(issued)
    assert all(TOKEN_RE.match(t) and len(t) >= 32 for t in issued.values())
    for fid, tok in issued.items():
        assert f"{BASE}/{tok}/{fid}.ics" in first.out
    assert first.out.splitlines()[0].split() == ["team", "public", f"{BASE}/team.ics"]
    again = run("feeds", "list", "--base-url", BASE)
    assert again.out == first.out and "issued" not in again.err
    assert tokens(config) == issued


def test_list_writes_the_tokens_file_only_when_it_issues_a_token(
    config: Path, run: Callable[..., Result]
) -> None:
    """Listing needs a token per private feed to print its URL, so it issues the missing
    ones; it says so, and a list with nothing to issue leaves the file alone."""
    path = config.with_name("tacal.tokens.json")
    assert "issued new feed tokens" in run("feeds", "list").err
    before, issued = path.stat(), tokens(config)
    again = run("feeds", "list")
    assert "issued" not in again.err
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    with config.open("a", encoding="utf-8") as f:
        f.write('\n[[account]]\nname = "Nova AG"\nta = "ben"\nae = "dan"\n')
    grown = run("feeds", "list")
    assert "issued new feed tokens" in grown.err
    assert tokens(config) == {**issued, "account-nova-ag": tokens(config)["account-nova-ag"]}
    assert f"/{tokens(config)['account-nova-ag']}/account-nova-ag.ics" in grown.out


def test_rotate_one_or_all(
    config: Path, run: Callable[..., Result], tacal: Callable[..., Result]
) -> None:
    run("feeds", "list")
    before = tokens(config)
    out = run("feeds", "rotate", "person-ben", "--base-url", BASE).out
    after = tokens(config)
    assert after["person-ben"] != before["person-ben"]
    assert {k: v for k, v in after.items() if k != "person-ben"} == {
        k: v for k, v in before.items() if k != "person-ben"
    }
    assert out.split() == ["person-ben", "private", f"{BASE}/{after['person-ben']}/person-ben.ics"]
    run("feeds", "rotate", "--all")
    rotated = tokens(config)
    assert all(rotated[k] != after[k] for k in after)
    retired = json.loads(config.with_name("tacal.tokens.json").read_text())["retired"]
    assert retired["person-ben"] == [before["person-ben"], after["person-ben"]]
    for args, message in [
        ((), "name the feeds to rotate, or pass --all"),
        (("team",), "feed 'team' is public and has no token"),
        (("person-eve",), "no feed 'person-eve'"),
        (("--all", "person-ana"), "not both"),
    ]:
        result = tacal("--config", config, "feeds", "rotate", *args)
        assert result.code == 2 and message in result.err, args
    assert tokens(config) == rotated


def test_broken_tokens_file_is_a_clear_error(config: Path, tacal: Callable[..., Result]) -> None:
    config.with_name("tacal.tokens.json").write_text("{nope")
    result = tacal("--config", config, "feeds", "list")
    assert result.code == 2
    assert "tacal.tokens.json: not a tacal tokens file" in result.err
    config.with_name("tacal.tokens.json").write_text('{"tokens": {"person-ana": "short"}}')
    result = tacal("--config", config, "feeds", "list")
    assert result.code == 2 and "'person-ana' is not a tacal token" in result.err


def test_builtin_default_keeps_tokens_in_the_state_home(
    tacal: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    result = tacal("-q", "--today", TODAY, "feeds", "list")
    assert result.code == 0, result.err
    path = tmp_path / "xdg" / "tacal" / "default.tokens.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "person-dana" in json.loads(path.read_text())["tokens"]
    assert "http://127.0.0.1:8080/" in result.out


# --------------------------------------------------------------------------- publish


def test_publish_writes_feeds_pages_and_token_paths(
    config: Path, run: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "site"
    result = run("publish", out, "--base-url", BASE + "/")
    assert "7 feeds; 14 files written, 0 unchanged, 0 removed" in result.err
    tok = tokens(config)
    expected = {"index.html", "team.ics"}
    for fid in PEOPLE + ACCOUNTS:
        expected |= {f"{tok[fid]}/{fid}.ics", f"{tok[fid]}/index.html"}
    assert set(files(out)) == expected
    manifest = (out / MANIFEST).read_text()  # what publish wrote, paths hashed: no token
    assert len(json.loads(manifest)["files"]) == 14
    assert not any(t in manifest for t in tok.values())
    # feed hygiene: per-feed names, refresh hints, the team zone, stable UIDs
    team = Calendar.from_ical((out / "team.ics").read_bytes())
    team_uids = {str(e["UID"]) for e in team.walk("VEVENT")}
    for fid in PEOPLE + ACCOUNTS:
        data = (out / tok[fid] / f"{fid}.ics").read_bytes()
        cal = Calendar.from_ical(data)
        assert str(cal["X-WR-CALNAME"]).startswith("Feed Team: ")
        assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT2H\r\n" in data
        assert b"\r\nX-PUBLISHED-TTL:PT2H\r\n" in data
        assert str(cal["X-WR-TIMEZONE"]) == "Europe/Berlin"
        assert [str(t["TZID"]) for t in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
        uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
        assert uids and uids <= team_uids, fid
    acme = Calendar.from_ical(
        (out / tok["account-acme-corp"] / "account-acme-corp.ics").read_bytes()
    )
    acme_uids = {str(e["UID"]) for e in acme.walk("VEVENT")}
    assert "feed-team.account-check-in.acme-corp@tacal" in acme_uids
    assert "feed-team.account-check-in.zeta-gmbh@tacal" not in acme_uids
    # the public index names no private feed and holds no token
    index = (out / "index.html").read_bytes()
    assert not any(t.encode() in index for t in tok.values())
    assert b"Feed Team: " not in index and b"Acme" not in index and b"@" not in index
    assert b"6 private calendars are not listed here" in index
    assert b"If you have not received yours, ask Ana Ortiz, who manages these calendars." in index
    assert b"tacal feeds list --format csv" in index and b"ask whoever" not in index
    team_url = f"{BASE}/team.ics"
    assert links(index) == [
        ("webcal", "webcal://cal.example.com/ta/team.ics"),
        ("google", _google(team_url)),
        ("outlook", _outlook("outlook.office.com", team_url, "Feed Team")),
        ("outlook-live", _outlook("outlook.live.com", team_url, "Feed Team")),
        ("ics", team_url),
    ]
    # each private page links its own feed only
    page = (out / tok["person-ana"] / "index.html").read_bytes()
    url = f"{BASE}/{tok['person-ana']}/person-ana.ics"
    assert links(page) == [
        ("webcal", "webcal://" + url.split("://")[1]),
        ("google", _google(url)),
        ("outlook", _outlook("outlook.office.com", url, "Feed Team: Ana Ortiz")),
        ("outlook-live", _outlook("outlook.live.com", url, "Feed Team: Ana Ortiz")),
        ("ics", url),
    ]
    assert b'<meta name="referrer" content="no-referrer">' in page
    assert sum(t.encode() in page for t in tok.values()) == 1


def _outlook(host: str, url: str, name: str) -> str:
    """Outlook on the web's add-from-web link: the https address and the calendar's name,
    each a percent-encoded query parameter."""
    return f"https://{host}/calendar/0/addfromweb?" + urlencode(
        {"url": url, "name": name}, quote_via=quote
    )


def _google(url: str) -> str:
    """Google's add-by-URL link: the webcal:// address, fully percent-encoded, as ``cid``."""
    return "https://calendar.google.com/calendar/r?cid=" + quote(
        "webcal://" + url.split("://")[1], safe=""
    )


def _drop(text: str, header: str) -> str:
    """``text`` without the table that starts at ``header`` (up to the next blank line)."""
    start = text.index(header)
    return text[:start] + text[text.index("\n\n", start) + 2 :]


def test_republish_is_byte_identical_and_touches_nothing(
    config: Path, run: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "site"
    run("publish", out, "--base-url", BASE)
    before = files(out)
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    result = run("publish", out, "--base-url", BASE)
    assert "0 files written, 14 unchanged, 0 removed" in result.err
    assert files(out) == before
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == mtimes
    # a month later every feed is the same bytes; only the people's pages, whose "next two
    # weeks" moved on, are rewritten
    result = run("--today", "2027-03-01", "publish", out, "--base-url", BASE)
    assert "4 files written, 10 unchanged, 0 removed" in result.err
    after = files(out)
    tok = tokens(config)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {f"{tok[fid]}/index.html" for fid in PEOPLE}
    assert all(after[k] == before[k] for k in after if k.endswith(".ics"))


def test_republish_after_edit_bumps_only_that_series(
    config: Path, run: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "site"
    run("publish", out, "--base-url", BASE)
    before = files(out)
    config.write_text(config.read_text(encoding="utf-8").replace('"Stand-up"', '"Standup"'))
    run("--today", "2027-02-01", "publish", out, "--base-url", BASE)
    after = files(out)
    tok = tokens(config)
    # (the people's pages show their next two weeks: they follow the date, not the feeds)
    changed = {k for k in after if k.endswith(".ics") and after[k] != before[k]}
    # the stand-up is for the TAs: the team feed and theirs change, nobody else's
    assert changed == {
        "team.ics",
        f"{tok['person-ana']}/person-ana.ics",
        f"{tok['person-ben']}/person-ben.ics",
    }
    for rel in changed:
        cal = Calendar.from_ical(after[rel])
        for ev in cal.walk("VEVENT"):
            bumped = str(ev["UID"]) == "feed-team.standup@tacal"
            assert int(str(ev["SEQUENCE"])) == (1 if bumped else 0)
            stamp = ev.decoded("DTSTAMP").date().isoformat()
            assert stamp == ("2027-02-01" if bumped else TODAY)


def test_rotation_and_removals_clean_up_old_paths(
    config: Path, run: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "site"
    (out / "keep.txt").parent.mkdir(parents=True)
    (out / "keep.txt").write_text("not ours")
    run("publish", out, "--base-url", BASE)
    old = tokens(config)
    config.write_text(config.read_text(encoding="utf-8").replace('"Stand-up"', '"Standup"'))
    run("feeds", "rotate", "person-ana")
    run("--today", "2027-02-01", "publish", out, "--base-url", BASE)
    new = tokens(config)
    assert not (out / old["person-ana"]).exists(), "the leaked URL must stop working"
    ana = Calendar.from_ical((out / new["person-ana"] / "person-ana.ics").read_bytes())
    seq = {str(e["UID"]): int(str(e["SEQUENCE"])) for e in ana.walk("VEVENT")}
    assert seq["feed-team.standup@tacal"] == 1, "SEQUENCE carried over from the old path"
    assert seq["feed-team.review@tacal"] == 0
    # a person leaves, the team feed turns private, an account goes
    text = config.read_text(encoding="utf-8").replace('team = "public"', 'team = "private"')
    text = _drop(_drop(text, "[people.ben]"), "[people.dan]")
    text = text[: text.index('[[account]]\nname = "Zeta GmbH"')]
    config.write_text(text)
    result = run("publish", out, "--base-url", BASE)
    tok = tokens(config)
    assert not (out / "team.ics").exists()
    assert (out / tok["team"] / "team.ics").exists()
    for gone in ("person-ben", "person-dan", "account-zeta-gmbh"):
        assert not (out / tok[gone]).exists(), gone
    assert "removed" in result.err and (out / "keep.txt").read_text() == "not ours"
    assert b"Feed Team: Ana Ortiz" in (out / tok["person-ana"] / "index.html").read_bytes()


def test_publish_needs_a_base_url(
    config: Path, tacal: Callable[..., Result], tmp_path: Path
) -> None:
    result = tacal("--config", config, "publish", tmp_path / "site")
    assert result.code == 2
    assert "subscribe links need the address" in result.err and "--base-url" in result.err
    assert not (tmp_path / "site").exists()
    result = tacal("--config", config, "publish", tmp_path / "site", "--base-url", "cal.example")
    assert result.code == 2 and "--base-url 'cal.example'" in result.err
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('refresh = "PT2H"', f'refresh = "PT2H"\nbase_url = "{BASE}"'))
    result = tacal("-q", "--config", config, "--today", TODAY, "publish", tmp_path / "site")
    assert result.code == 0, result.err
    assert f"{BASE}/team.ics".encode() in (tmp_path / "site" / "index.html").read_bytes()


def test_published_files_are_world_readable_but_tokens_are_not(
    config: Path, run: Callable[..., Result], tmp_path: Path
) -> None:
    old = os.umask(0o022)  # new files follow the umask (tests/cli/test_output_modes.py)
    try:
        run("publish", tmp_path / "site", "--base-url", BASE)
    finally:
        os.umask(old)
    for path in (tmp_path / "site").rglob("*.ics"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert stat.S_IMODE(config.with_name("tacal.tokens.json").stat().st_mode) == 0o600
