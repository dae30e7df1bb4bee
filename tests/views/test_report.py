"""``tacal report``: each figure checked against another path to the same fact.

Load against ``preview --format json``; months without contact against ``validate``'s
warnings (which read the rules in memory, not the bytes); renewal checks against the preview
of the year; the Top 3 against the MBR agenda the calendar itself carries.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from icalendar import Calendar

from tacal import config as config_mod
from tests.conftest import FIXTURES, Result

TODAY = "2027-02-01"  # the first day of FY2028 (Feb 2027 - Jan 2028) in accounts.toml


def _config(tmp_path: Path) -> Path:
    """accounts.toml without its touch-base reminders: bimonthly and quarterly accounts then
    have months without contact."""
    target = tmp_path / "conf" / "tacal.toml"
    target.parent.mkdir()
    text = (FIXTURES / "accounts.toml").read_text(encoding="utf-8")
    assert text.count('rule = "touch-base"\n') == 1
    target.write_text(
        text.replace('rule = "touch-base"\n', 'rule = "touch-base"\nenabled = false\n'),
        encoding="utf-8",
    )
    for extra in (FIXTURES).glob("accounts*.csv"):
        shutil.copy(extra, target.parent / extra.name)
    return target


def _ok(result: Result) -> Result:
    assert result.code == 0, result.err
    return result


def test_load_per_person_and_week_matches_the_preview(tacal: Callable[..., Result]) -> None:
    report = json.loads(_ok(tacal("-q", "--today", "2026-12-02", "report", "--format", "json")).out)
    meetings = json.loads(
        _ok(tacal("-q", "--today", "2026-12-02", "preview", "--format", "json")).out
    )
    config = config_mod.load(None)
    external = {c.id for c in config.cadences if c.kind == "external"}
    key_of = {p.email: p.key for p in config.people.values()}
    count: Counter[tuple[str, str]] = Counter()
    minutes: Counter[tuple[str, str]] = Counter()
    customer: Counter[tuple[str, str]] = Counter()
    for o in meetings:
        start, end = dt.datetime.fromisoformat(o["start"]), dt.datetime.fromisoformat(o["end"])
        week = (start.date() - dt.timedelta(days=start.weekday())).isoformat()
        for email in o["attendees"]:
            if email in key_of:
                k = (key_of[email], week)
                count[k] += 1
                minutes[k] += int((end - start).total_seconds() // 60)
                customer[k] += o["cadence"] in external
    rows = {(r["person"], r["week"]): r for r in report["people"]}
    assert {k for k, r in rows.items() if r["meetings"]} == set(count)
    for k, r in rows.items():
        assert r["meetings"] == count[k], k
        assert r["hours"] == round(minutes[k] / 60, 2), k
        assert r["external"] == customer[k], k
        # a built calendar passed the people check: every hour is inside working hours
        assert r["inside_hours_share"] == (1.0 if count[k] else None), k
    assert report["window"] == {"start": "2027-02-01", "end": "2027-05-01"}
    assert sum(customer.values()) > 0


def test_contact_every_month_agrees_with_validate(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    config = _config(tmp_path)
    base = ("-q", "--config", config, "--today", TODAY)
    report = json.loads(_ok(tacal(*base, "report", "--quarter", "current", "--format", "json")).out)
    assert report["fiscal_year"] == "FY2028"
    # validate warns about the 12 months from this one: exactly FY2028 here
    warned = {}
    for line in _ok(tacal("--config", config, "--today", TODAY, "validate")).err.splitlines():
        m = re.search(r"account '([^']+)': warning: has no customer contact in ([\d, -]+);", line)
        if m:
            warned[m.group(1)] = m.group(2).split(", ")
    assert warned, "the fixture has gaps"
    gaps = {a["account"]: a["gaps"] for a in report["accounts"] if a["gaps"]}
    assert gaps == warned
    # every month that is covered names a meeting of that account in that month
    year = json.loads(
        _ok(
            tacal(
                *base, "preview", "--from", "2027-02-01", "--to", "2028-02-01", "--format", "json"
            )
        ).out
    )
    index = {(o["uid"], o["start"]): o for o in year}
    covered = 0
    for a in report["accounts"]:
        assert [m["month"] for m in a["months"]] == [
            f"{2027 + (n + 1) // 12}-{(n + 1) % 12 + 1:02d}" for n in range(12)
        ]
        for m in a["months"]:
            if m["status"] == "covered":
                o = index[(m["meeting"]["uid"], m["meeting"]["start"])]
                assert o["account"] == a["account"] and o["start"].startswith(m["month"])
                covered += 1
            else:
                assert m["meeting"] is None
    assert covered > 12


def test_renewal_checks_ahead_and_top3(tacal: Callable[..., Result], tmp_path: Path) -> None:
    config = _config(tmp_path)
    base = ("-q", "--config", config, "--today", TODAY)
    report = json.loads(_ok(tacal(*base, "report", "--format", "json")).out)
    year = json.loads(
        _ok(tacal(*base, "preview", "--from", TODAY, "--to", "2028-06-01", "--format", "json")).out
    )
    renewals = [(o["account"], o["start"]) for o in year if o["cadence"] == "renewal-check"]
    assert [(r["account"], r["start"]) for r in report["renewal_checks"]] == renewals
    assert renewals
    # each TA's Top 3 is the list the next MBR's agenda carries, in its order
    cal = Calendar.from_ical(_ok(tacal(*base, "build", "-o", "-")).stdout_bytes)
    agendas: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {}
    for e in cal.walk("VEVENT"):
        listed = re.findall(r"^\s*(\d)\. (.+?): ARR", str(e.get("DESCRIPTION", "")), re.M)
        if "RECURRENCE-ID" in e and listed:
            day = e.decoded("DTSTART").date().isoformat()
            agendas.setdefault(str(e["UID"]), []).append((day, listed))
    assert report["mbr_top3"]
    for t in report["mbr_top3"]:
        [(day, listed)] = agendas[f"fx.mbr.{t['ta']}@tacal"]
        assert t["mbr"] == day
        assert [(str(e["rank"]), e["account"]) for e in t["accounts"]] == listed


def test_report_table_and_html(tacal: Callable[..., Result], tmp_path: Path) -> None:
    config = _config(tmp_path)
    base = ("--config", config, "--today", TODAY)
    table = _ok(tacal(*base, "report")).out
    for heading in (
        "Load per person and week",
        "Contact every month (FY2028)",
        "Renewal checks ahead",
        "MBR Top 3 per TA",
    ):
        assert heading in table
    out = tmp_path / "report.html"
    result = _ok(tacal(*base, "report", "--format", "html", "-o", out))
    assert result.err.endswith(f"{out}: wrote the report\n")
    page = out.read_text(encoding="utf-8")
    assert page.startswith('<!doctype html>\n<html lang="en">') and "<main>" in page
    assert "no contact" in page and "http" not in page.replace("http-equiv", "")


def test_output_needs_a_file_format(tacal: Callable[..., Result]) -> None:
    for command in ("report", "preview"):
        result = tacal("--today", TODAY, command, "-o", "x.txt")
        assert result.code == 2
        assert result.err.splitlines()[-1].startswith("tacal: error: -o/--output: use it with")
        assert not Path("x.txt").exists()
