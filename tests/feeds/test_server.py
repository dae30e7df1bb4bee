"""``tacal serve`` over real HTTP: headers, 304s, gzip, HEAD, 404s for anything that is not a
feed, secret-token checks, live reload with SEQUENCE bumps, concurrency, and a real client
(vdirsyncer) that must see exactly what ``tacal preview`` shows."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
from icalendar import Calendar

from tacal.feeds.tokens import TokenStore
from tests.conftest import Result
from tests.support.feed_server import Running, copy_fixture, serving

TEAM = "/team.ics"


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return copy_fixture(tmp_path)


@pytest.fixture
def server(config: Path, tmp_path: Path) -> Iterator[Running]:
    with serving(config, tmp_path / "state") as running:
        yield running


def token(config: Path, feed_id: str) -> str:
    return TokenStore.load(config.with_name("tacal.tokens.json")).tokens[feed_id]


def sequences(body: bytes) -> dict[str, tuple[int, str]]:
    """UID → (SEQUENCE, DTSTAMP) of each master VEVENT."""
    cal = Calendar.from_ical(body)
    return {
        str(e["UID"]): (int(str(e["SEQUENCE"])), e.decoded("DTSTAMP").isoformat())
        for e in cal.walk("VEVENT")
        if "RECURRENCE-ID" not in e
    }


def edit(config: Path, old: str, new: str) -> None:
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new, 1), encoding="utf-8")


# --------------------------------------------------------------------------- headers


def test_feed_headers_and_hygiene(server: Running) -> None:
    r = server.get(TEAM)
    assert r.status == 200
    assert r.header("content-type") == "text/calendar; charset=utf-8"
    assert r.header("content-length") == str(len(r.body))
    assert r.header("etag") == '"' + hashlib.sha256(r.body).hexdigest()[:32] + '"'
    assert r.header("cache-control") == "public, max-age=300"
    assert r.header("vary") == "Accept-Encoding"
    assert r.header("content-encoding") is None
    stamps = re.findall(rb"^DTSTAMP:(\S+)\r$", r.body, re.MULTILINE)
    latest = dt.datetime.strptime(max(stamps).decode(), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    assert parsedate_to_datetime(r.header("last-modified") or "") == latest
    cal = Calendar.from_ical(r.body)
    assert str(cal["X-WR-CALNAME"]) == "Feed Team"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT2H\r\n" in r.body
    assert b"\r\nX-PUBLISHED-TTL:PT2H\r\n" in r.body
    assert [str(t["TZID"]) for t in cal.walk("VTIMEZONE")] == [str(cal["X-WR-TIMEZONE"])]
    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Berlin"
    index = server.get("/")
    assert index.status == 200 and index.header("content-type") == "text/html; charset=utf-8"
    assert index.body == server.get("/index.html").body
    assert f"webcal://127.0.0.1:{server.port}/team.ics".encode() in index.body


def test_conditional_requests(server: Running) -> None:
    """If-None-Match (weak comparison) decides when present; If-Modified-Since only without."""
    first = server.get(TEAM)
    etag, modified = first.header("etag") or "", first.header("last-modified") or ""
    last_mod = parsedate_to_datetime(modified)
    earlier = format_datetime(last_mod - dt.timedelta(seconds=1), usegmt=True)
    later = format_datetime(last_mod + dt.timedelta(days=1), usegmt=True)
    cases: list[tuple[dict[str, str], int]] = [
        ({"If-None-Match": etag}, 304),
        ({"If-None-Match": f'"nope", {etag}'}, 304),
        ({"If-None-Match": f"W/{etag}"}, 304),
        ({"If-None-Match": "*"}, 304),
        ({"If-None-Match": '"nope"'}, 200),
        ({"If-Modified-Since": modified}, 304),
        ({"If-Modified-Since": later}, 304),
        ({"If-Modified-Since": earlier}, 200),
        ({"If-Modified-Since": "not a date"}, 200),
        ({"If-None-Match": '"nope"', "If-Modified-Since": later}, 200),  # INM wins
        ({"If-None-Match": etag, "If-Modified-Since": earlier}, 304),
    ]
    for headers, status in cases:
        r = server.request(TEAM, headers=headers)
        assert r.status == status, headers
        if status == 304:
            assert r.body == b""
            assert r.header("etag") == etag
            assert r.header("last-modified") == modified
            assert r.header("cache-control") and r.header("vary") == "Accept-Encoding"
        else:
            assert r.body == first.body


def test_head_has_the_get_headers_and_no_body(server: Running, config: Path) -> None:
    for path in (TEAM, f"/{token(config, 'person-ana')}/person-ana.ics", "/"):
        got = server.get(path)
        head = server.request(path, method="HEAD")
        assert head.status == 200 and head.body == b""
        for name in ("content-type", "content-length", "etag", "last-modified", "cache-control"):
            assert head.header(name) == got.header(name), name
    assert server.request("/nope.ics", method="HEAD").status == 404


def test_gzip_is_its_own_representation(server: Running) -> None:
    plain = server.get(TEAM)
    zipped = server.get(TEAM, accept_encoding="br;q=1.0, gzip;q=0.8")
    assert zipped.header("content-encoding") == "gzip"
    assert zipped.header("vary") == "Accept-Encoding"
    assert gzip.decompress(zipped.body) == plain.body
    assert len(zipped.body) < len(plain.body)
    assert zipped.header("etag") != plain.header("etag")
    assert zipped.header("etag") == '"' + hashlib.sha256(zipped.body).hexdigest()[:32] + '"'
    assert server.get(TEAM, accept_encoding="gzip").body == zipped.body  # deterministic
    assert server.get(TEAM, accept_encoding="*").header("content-encoding") == "gzip"
    for refused in ("gzip;q=0", "identity", "deflate", "*;q=0", "*, gzip;q=0"):
        r = server.get(TEAM, accept_encoding=refused)
        assert r.header("content-encoding") is None and r.body == plain.body, refused
    # a validator is only good for its own representation
    r = server.request(
        TEAM, headers={"Accept-Encoding": "gzip", "If-None-Match": plain.header("etag") or ""}
    )
    assert r.status == 200 and r.header("content-encoding") == "gzip"
    r = server.request(
        TEAM, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.header("etag") or ""}
    )
    assert r.status == 304 and r.header("etag") == zipped.header("etag")


# --------------------------------------------------------------------------- what is not served


@pytest.mark.parametrize(
    "path",
    [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/..%2f..%2fetc/passwd",
        "//etc/passwd",
        "/etc/passwd",
        "/tacal.toml",
        "/tacal.tokens.json",
        "/conf/tacal.toml",
        "/./team.ics",
        "/team.ics/",
        "/team.ics/..",
        "/TEAM.ICS",
        "/team.ics%00",
        "/index.html/../tacal.toml",
        "/state/team.ics",
        "http://127.0.0.1/etc/passwd",
        "/%C3%A9/team.ics",
        "/%ff%fe/team.ics",
    ],
)
def test_nothing_but_feeds_is_served(server: Running, path: str) -> None:
    r = server.request(path)
    assert r.status in (400, 404), r.status
    assert b"root:" not in r.body and b"[team]" not in r.body
    assert server.get(TEAM).status == 200  # and the server is still up


def test_private_feeds_need_their_own_token(server: Running, config: Path) -> None:
    ana, ben = token(config, "person-ana"), token(config, "person-ben")
    assert len(ana) >= 32 and ana != ben
    assert server.get(f"/{ana}/person-ana.ics").status == 200
    assert server.get(f"/{ana}/").status == 200  # its subscribe page
    for path in [
        "/person-ana.ics",
        "//person-ana.ics",
        f"/{ben}/person-ana.ics",  # another feed's token
        f"/{ana[:-1]}/person-ana.ics",
        f"/{ana}x/person-ana.ics",
        f"/{ana.upper()}/person-ana.ics",
        f"/{'A' * len(ana)}/person-ana.ics",
        f"/{ana}/person-ben.ics",
        f"/{ana}/team.ics",  # the public feed is not under a token
        f"/{ana}/../{ana}/person-ana.ics",
        f"/{ana}/{ana}/person-ana.ics",
        "/person-eve.ics",  # no series, no feed
    ]:
        assert server.get(path).status == 404, path
    assert server.get(f"/{ana}/person-ana.ics").status == 200


def test_methods(server: Running, config: Path) -> None:
    for method in ("POST", "PUT", "DELETE", "OPTIONS", "PROPFIND"):
        r = server.request(TEAM, method=method)
        assert r.status == 405 and r.header("allow") == "GET, HEAD", method
        assert server.request("/nope.ics", method=method).status == 404
        assert server.request(f"/wrong/{'person-ana.ics'}", method=method).status == 404


def test_access_log_masks_tokens(
    server: Running, config: Path, caplog: pytest.LogCaptureFixture
) -> None:
    secret = token(config, "person-ana")
    with caplog.at_level(logging.INFO, logger="tacal.server"):
        assert server.get(f"/{secret}/person-ana.ics").status == 200
        assert server.get(f"/{secret[:-2]}zz/person-ana.ics").status == 404
    lines = [r.getMessage() for r in caplog.records if r.name == "tacal.server"]
    assert any('"GET /***/person-ana.ics" 200' in line for line in lines), lines
    assert any('"GET /***/person-ana.ics" 404' in line for line in lines), lines
    assert not any(secret[:20] in line for line in lines)


# --------------------------------------------------------------------------- live reload


def test_config_change_bumps_only_the_changed_series(
    server: Running, config: Path, tmp_path: Path
) -> None:
    before = server.get(TEAM)
    seq_before = sequences(before.body)
    edit(config, 'time = "14:00"', 'time = "15:00"')  # the review moves
    after = server.get(TEAM)
    seq_after = sequences(after.body)
    assert after.header("etag") != before.header("etag")
    changed = {uid for uid in seq_after if seq_after[uid] != seq_before[uid]}
    assert changed == {"feed-team.review@tacal"}
    assert seq_after["feed-team.review@tacal"][0] == seq_before["feed-team.review@tacal"][0] + 1
    assert b"DTSTART;TZID=Europe/Berlin:20270107T150000" in after.body
    # a client holding the old validators gets the new feed
    assert server.get(TEAM, if_none_match=before.header("etag") or "").status == 200
    assert server.get(TEAM, if_modified_since=before.header("last-modified") or "").status == 200
    assert parsedate_to_datetime(after.header("last-modified") or "") > parsedate_to_datetime(
        before.header("last-modified") or ""
    )
    # the state survives a restart: same bytes, same validators
    server_state = tmp_path / "state"
    with serving(config, server_state) as again:
        restarted = again.get(TEAM)
        assert restarted.body == after.body
        assert restarted.header("last-modified") == after.header("last-modified")


def test_removing_a_series_still_moves_last_modified(server: Running, config: Path) -> None:
    """No DTSTAMP changes when a series goes away; Last-Modified must still move on, or a
    client that only sends If-Modified-Since would keep the deleted meeting."""
    before = server.get(TEAM)
    edit(config, 'id = "standup"', 'id = "standup"\nenabled = false')
    after = server.get(TEAM, if_modified_since=before.header("last-modified") or "")
    assert after.status == 200
    assert "feed-team.standup@tacal" not in sequences(after.body)
    assert parsedate_to_datetime(after.header("last-modified") or "") > parsedate_to_datetime(
        before.header("last-modified") or ""
    )


def test_template_and_accounts_changes_are_picked_up(server: Running, config: Path) -> None:
    before = sequences(server.get(TEAM).body)
    templates = config.parent / "templates"
    templates.mkdir()
    (templates / "team-check-in.md.j2").write_text("Agenda: {{ cadence.summary }} (ours)\n")
    after = server.get(TEAM)
    assert b"Agenda: Pipeline review (ours)" in after.body
    bumped = {u for u, s in sequences(after.body).items() if s != before[u]}
    assert bumped == {"feed-team.review@tacal"}
    # accounts moved to a CSV the config names, then the CSV edited
    text = config.read_text(encoding="utf-8")
    config.write_text(
        'accounts = "accounts.csv"\n' + text[: text.index("[[account]]")], encoding="utf-8"
    )
    assert sequences(server.get(TEAM).body) == sequences(after.body), "CSV missing: kept"
    csv = config.parent / "accounts.csv"
    header = "name,ta,ae,ce,contacts,check_in,arr,renewal,health,expansion\n"
    csv.write_text(
        header + "Acme Corp,ana,cleo,,,,,,,\nZeta GmbH,ben,dan,,,,,,,\n", encoding="utf-8"
    )
    same = server.get(TEAM)
    assert sequences(same.body) == sequences(after.body), "same accounts, same feed"
    csv.write_text(
        header + "Acme Corp,ana,cleo,,,,,,,\nZeta GmbH,ben,dan,,,,,,,\nNova AG,ben,dan,,,,,,,\n",
        encoding="utf-8",
    )
    grown = sequences(server.get(TEAM).body)
    assert "feed-team.account-check-in.nova-ag@tacal" in grown
    assert {u: s for u, s in grown.items() if u in before} == sequences(after.body)


def test_rotation_and_bad_edits_apply_without_restart(
    server: Running, config: Path, tacal: Callable[..., Result]
) -> None:
    old = token(config, "person-ben")
    assert server.get(f"/{old}/person-ben.ics").status == 200
    result = tacal("--config", config, "feeds", "rotate", "person-ben")
    assert result.code == 0, result.err
    new = token(config, "person-ben")
    assert new != old and new in result.out
    assert server.get(f"/{old}/person-ben.ics").status == 404
    assert server.get(f"/{new}/person-ben.ics").status == 200
    good = server.get(TEAM).body
    config.write_text(config.read_text(encoding="utf-8") + "\n[[cadence]\n", encoding="utf-8")
    assert server.get(TEAM).body == good  # a broken save keeps the last good feeds
    edit(config, "\n[[cadence]\n", "")
    edit(config, 'summary = "Stand-up"', 'summary = "Daily stand-up"')
    assert b"SUMMARY:Daily stand-up" in server.get(TEAM).body


def test_inputs_are_checked_at_most_once_per_interval(config: Path, tmp_path: Path) -> None:
    with serving(config, tmp_path / "state", check_interval=3600) as slow:
        before = slow.get(TEAM).body
        edit(config, 'summary = "Stand-up"', 'summary = "Daily stand-up"')
        assert slow.get(TEAM).body == before


def test_concurrent_clients_always_get_complete_feeds(server: Running, config: Path) -> None:
    """Readers hammer the feed while the config is rewritten in place (a non-atomic save,
    as editors do); every answer is a complete calendar whose ETag matches its bytes."""
    text = config.read_text(encoding="utf-8")
    times = ["09:30", "08:30", "10:30", "12:30"]
    variants = [text.replace('time = "09:30"', f'time = "{t}"') for t in times]
    events = len(Calendar.from_ical(server.get(TEAM).body).walk("VEVENT"))
    stop = threading.Event()
    problems: list[str] = []
    seen: set[bytes] = set()
    count = [0]

    def reader() -> None:
        while not stop.is_set():
            try:
                r = server.get(TEAM, accept_encoding="gzip")
                assert r.status == 200
                assert r.header("etag") == '"' + hashlib.sha256(r.body).hexdigest()[:32] + '"'
                body = gzip.decompress(r.body)
                assert body.endswith(b"END:VCALENDAR\r\n")
                assert len(Calendar.from_ical(body).walk("VEVENT")) == events
                start = re.search(rb"DTSTART;TZID=Europe/Berlin:20270104T(\d{4})", body)
                assert start is not None
                seen.add(start.group(1))
            except Exception as exc:  # noqa: BLE001 - collected, reported below
                problems.append(repr(exc))
            count[0] += 1

    threads = [threading.Thread(target=reader) for _ in range(6)]
    for t in threads:
        t.start()
    try:
        for i in range(12):
            config.write_text(variants[i % len(variants)], encoding="utf-8")
            time.sleep(0.05)
    finally:
        time.sleep(0.2)
        stop.set()
        for t in threads:
            t.join(10)
    assert not problems, problems[:3]
    assert count[0] > 50 and len(seen) > 1
    last = times[11 % len(times)].replace(":", "").encode()
    assert b"DTSTART;TZID=Europe/Berlin:20270104T" + last + b"00" in server.get(TEAM).body


# --------------------------------------------------------------------------- a real client


def _vdirsyncer() -> str:
    exe = Path(sys.executable).with_name("vdirsyncer")
    found = str(exe) if exe.exists() else shutil.which("vdirsyncer")
    if not found:
        pytest.skip("vdirsyncer is not installed (pip install -e '.[test]')")
    return found


Occurrence = tuple[str, str, str, tuple[str, ...]]


def _occurrences(folder: Path, start: dt.datetime, end: dt.datetime) -> list[Occurrence]:
    """What a subscriber holds: each synced item expanded on its own.

    vdirsyncer 0.21's http storage replaces every UID by a hash of the item
    (``HttpStorage._ignore_uids``, not configurable), so occurrences are compared by summary,
    times and attendees, and each item must still hold exactly one series.
    """
    tz = start.tzinfo
    out = []
    for item in sorted(folder.glob("*.ics")):
        cal = Calendar.from_ical(item.read_bytes())
        assert len({str(e["UID"]) for e in cal.walk("VEVENT")}) == 1, item.name
        for ev in recurring_ical_events.of(cal).between(start, end):
            s = ev.decoded("DTSTART").astimezone(tz)
            if s < start:
                continue
            people = ev.get("ATTENDEE", [])
            people = people if isinstance(people, list) else [people]
            out.append(
                (
                    str(ev["SUMMARY"]),
                    s.isoformat(),
                    ev.decoded("DTEND").astimezone(tz).isoformat(),
                    tuple(str(a).removeprefix("mailto:") for a in people),
                )
            )
    return sorted(out)


def test_vdirsyncer_sees_exactly_what_preview_shows(
    server: Running, config: Path, tmp_path: Path, tacal: Callable[..., Result]
) -> None:
    exe = _vdirsyncer()
    ana = f"{server.base}/{token(config, 'person-ana')}/person-ana.ics"
    pairs = {"team": f"{server.base}/team.ics", "ana": ana}
    lines = ["[general]", f'status_path = "{tmp_path / "status"}/"']
    for name, url in pairs.items():
        (tmp_path / "sync" / name).mkdir(parents=True)
        lines += [
            f"[pair {name}]",
            f'a = "{name}_remote"',
            f'b = "{name}_local"',
            "collections = null",
            'conflict_resolution = "a wins"',
            f"[storage {name}_remote]",
            'type = "http"',
            f'url = "{url}"',
            f"[storage {name}_local]",
            'type = "filesystem"',
            f'path = "{tmp_path / "sync" / name}"',
            'fileext = ".ics"',
        ]
    conf = tmp_path / "vdirsyncer.conf"
    conf.write_text("\n".join(lines) + "\n")
    for command in ("discover", "sync"):
        done = subprocess.run(
            [exe, "-c", str(conf), command], capture_output=True, text=True, timeout=60, input=""
        )
        assert done.returncode == 0, done.stdout + done.stderr
    tz = ZoneInfo("Europe/Berlin")
    lo, hi = "2027-01-04", "2027-07-05"
    start = dt.datetime(2027, 1, 4, tzinfo=tz)
    end = dt.datetime(2027, 7, 5, tzinfo=tz)
    for name, who in (("team", None), ("ana", "ana@example.com")):
        args = [
            "--config",
            config,
            "--today",
            "2027-01-04",
            "preview",
            "--format",
            "json",
            "--from",
            lo,
            "--to",
            hi,
        ] + (["--for", who] if who else [])
        shown = tacal(*args)
        assert shown.code == 0, shown.err
        occurrences = json.loads(shown.out)
        expected = sorted(
            (o["summary"], o["start"], o["end"], tuple(o["attendees"])) for o in occurrences
        )
        folder = tmp_path / "sync" / name
        assert _occurrences(folder, start, end) == expected, name
        assert len(expected) > 30
        assert len(list(folder.glob("*.ics"))) == len({o["uid"] for o in occurrences})
    # a second sync of unchanged feeds changes nothing: same UIDs, same bytes
    before = {p.name: p.read_bytes() for p in (tmp_path / "sync" / "team").iterdir()}
    done = subprocess.run(
        [exe, "-c", str(conf), "sync"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "sync" / "team").iterdir()} == before


def test_serve_command_end_to_end(config: Path, tmp_path: Path) -> None:
    """``python -m tacal serve``: the CLI wiring, its access log and a clean Ctrl-C."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "TACAL_TODAY": "2027-01-04", "XDG_STATE_HOME": str(tmp_path / "xdg")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tacal",
            "--config",
            str(config),
            "serve",
            "--port",
            str(port),
            "--state-dir",
            str(tmp_path / "st"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    running = Running(app=None, port=port)  # type: ignore[arg-type]  # client side only
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                team = running.get(TEAM)
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "did not start"
                time.sleep(0.1)
        assert team.status == 200
        secret = token(config, "person-ana")
        assert running.get(f"/{secret}/person-ana.ics").status == 200
        page = running.get(f"/{secret}/").body  # links carry the real address
        assert f'href="webcal://127.0.0.1:{port}/{secret}/person-ana.ics"'.encode() in page
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    log = err.decode()
    assert proc.returncode == 0, log
    assert f"serving 7 feeds on http://127.0.0.1:{port}/" in log
    assert f"public: http://127.0.0.1:{port}/team.ics" in log
    assert '"GET /***/person-ana.ics" 200' in log
    assert secret not in log and secret not in out.decode()
    assert (tmp_path / "st" / "person-ana.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")


def test_large_feed_is_streamed_complete(config: Path, tmp_path: Path) -> None:
    """Feeds over 256 KB go through wsgi.file_wrapper (waitress spilled them to a temp file on
    every response); the body must still arrive whole, with the right length and ETag."""
    text = config.read_text(encoding="utf-8")
    agenda = "Long agenda line for a big feed.\\n" * 10_000  # ~330 KB once rendered
    config.write_text(
        text
        + f'''
[[cadence]]
id = "big-agenda"
summary = "Big agenda"
rule = "weekly"
day = "MO"
time = "16:00"
duration = 15
description = "{agenda}"
''',
        encoding="utf-8",
    )
    with serving(config, tmp_path / "state") as running:
        first = running.get(TEAM)
        assert first.status == 200
        assert len(first.body) > 300_000
        assert first.header("content-length") == str(len(first.body))
        cal = Calendar.from_ical(first.body)
        assert any(str(e.get("SUMMARY")) == "Big agenda" for e in cal.walk("VEVENT"))
        again = running.get(TEAM, **{"If-None-Match": first.header("etag") or ""})
        assert again.status == 304
        zipped = running.get(TEAM, **{"Accept-Encoding": "gzip"})
        assert gzip.decompress(zipped.body) == first.body
