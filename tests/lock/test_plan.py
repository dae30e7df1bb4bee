"""`tacal plan`: what the next build changes against tacal.lock, and `--reflow` / `--apply`.

A small team in New York: two TAs with a bi-weekly 1:1 each with their director (sessions,
placed), a weekly team stand-up (exact time) and weekly customer check-ins. The lock is written
by a build on Mon 2027-03-01; the plans run two days later, so every line also shows that the
lock keeps DTSTARTs where they were.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result
from tests.support.gcal_emulator import CalendarEmulator, gcal_emulator  # noqa: F401  (fixture)

CONFIG = """\
[team]
name = "Plan Team"
id = "pt"
timezone = "America/New_York"

[people.ana]
name = "Ana Ruiz"
email = "ana@pt.example"
role = "ta"

[people.ben]
name = "Ben Okafor"
email = "ben@pt.example"
role = "ta"

[people.dee]
name = "Dee Irwin"
email = "dee@pt.example"
role = "director"

[people.amy]
name = "Amy Adams"
email = "amy@pt.example"
role = "ae"

[[cadence]]
id = "standup"
summary = "Team Standup"
rule = "weekly"
day = "MO"
time = "10:00"
attendees = ["@ta", "@ae"]

[[cadence]]
id = "one-on-one"
summary = "TA 1:1"
rule = "biweekly"
per = "ta"
day = "TU"
time = "11:00"
attendees = ["@director"]

[[cadence]]
id = "check-in"
summary = "Customer Check-In"
rule = "check-in"
per = "account"
kind = "external"
time = "14:00"
attendees = ["@ta", "@ae"]

[[account]]
name = "Acme"
ta = "ana"
ae = "amy"
contacts = ["cto@acme.example"]
check_in = "weekly"
"""

BETA = """
[[account]]
name = "Beta"
ta = "ana"
ae = "amy"
contacts = ["it@beta.example"]
check_in = "weekly"
"""

BUILT = "2027-03-01"  # a Monday: the day the lock is written
TODAY = "2027-03-03"


def lock_file() -> Path:
    return Path(os.environ["TACAL_LOCK_DIR"]) / "pt.lock"


@pytest.fixture
def project(tacal: Callable[..., Result], tmp_path: Path) -> Path:
    """The config in tmp_path, its lock written by a build on BUILT."""
    config = tmp_path / "tacal.toml"
    config.write_text(CONFIG)
    done = tacal("--today", BUILT, "build", "-o", "tacal.ics")
    assert done.code == 0, done.err
    assert lock_file().exists()
    return config


def plan(tacal: Callable[..., Result], *args: str) -> Result:
    result = tacal("--today", TODAY, "plan", *args)
    assert result.code == 0, result.err
    return result


def test_unchanged_config_plans_nothing(tacal: Callable[..., Result], project: Path) -> None:
    result = plan(tacal)
    assert result.out == f"nothing to change: 4 unchanged (next build against {lock_file()})\n"
    verbose = plan(tacal, "-v")
    assert verbose.out.splitlines() == [
        "unchanged Customer Check-In: Acme",
        "unchanged TA 1:1: Ana Ruiz",
        "unchanged TA 1:1: Ben Okafor",
        "unchanged Team Standup",
        f"nothing to change: 4 unchanged (next build against {lock_file()})",
    ]


def test_adding_an_account_adds_one_series_and_moves_nothing(
    tacal: Callable[..., Result], project: Path
) -> None:
    project.write_text(CONFIG + BETA)
    assert plan(tacal).out.splitlines() == [
        "added     Customer Check-In: Beta  from Tue 2027-03-09 14:00",
        f"1 added, 4 unchanged (next build against {lock_file()})",
    ]


def test_changing_a_cadence_day_moves_its_series(
    tacal: Callable[..., Result], project: Path
) -> None:
    project.write_text(CONFIG.replace('day = "TU"', 'day = "WE"'))
    # the old series met on Tue 03-02 and meets again on 03-16; the new one keeps the day the
    # series began (03-01), so it meets from Wed 03-03, today
    assert plan(tacal).out.splitlines() == [
        "moved     TA 1:1: Ana Ruiz  Tue 2027-03-16 11:00 -> Wed 2027-03-03 11:00  SEQUENCE 0 -> 1",
        "moved     TA 1:1: Ben Okafor  Tue 2027-03-16 11:30 -> Wed 2027-03-03 11:30  "
        "SEQUENCE 0 -> 1",
        f"2 moved, 2 unchanged (next build against {lock_file()})",
    ]


def test_attendees_and_title_changes_are_named(tacal: Callable[..., Result], project: Path) -> None:
    text = CONFIG.replace('contacts = ["cto@acme.example"]', 'contacts = ["cio@acme.example"]')
    text = text.replace('summary = "Team Standup"', 'summary = "Team Stand-up"')
    project.write_text(text)
    assert plan(tacal).out.splitlines() == [
        "changed   Customer Check-In: Acme  attendees +cio@acme.example -cto@acme.example  "
        "SEQUENCE 0 -> 1",
        "changed   Team Stand-up  was 'Team Standup'  SEQUENCE 0 -> 1",
        f"2 changed, 2 unchanged (next build against {lock_file()})",
    ]


def test_a_new_holiday_shows_the_occurrence_it_moves(
    tacal: Callable[..., Result], project: Path
) -> None:
    project.write_text(
        CONFIG.replace(
            'timezone = "America/New_York"\n',
            'timezone = "America/New_York"\nholidays = ["2027-03-15"]\n',
            1,
        )
    )
    lines = plan(tacal).out.splitlines()
    assert (
        "moved     Team Standup  Mon 2027-03-15 10:00 -> Tue 2027-03-16 10:00  "
        "SEQUENCE 0 -> 1" in lines
    ), lines


def test_removed_account(tacal: Callable[..., Result], project: Path) -> None:
    project.write_text(CONFIG[: CONFIG.index("[[account]]")])
    assert plan(tacal).out.splitlines() == [
        "removed   Customer Check-In: Acme  next was Mon 2027-03-08 14:00",
        f"1 removed, 3 unchanged (next build against {lock_file()})",
    ]


def test_plan_writes_nothing(tacal: Callable[..., Result], project: Path, tmp_path: Path) -> None:
    project.write_text(CONFIG.replace('day = "TU"', 'day = "WE"') + BETA)
    before = lock_file().read_bytes()
    files = sorted(p.name for p in tmp_path.iterdir())
    for args in ((), ("--reflow",), ("--format", "json"), ("-v",)):
        plan(tacal, *args)
    assert lock_file().read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    assert sorted(p.name for p in lock_file().parent.iterdir()) == ["pt.lock"]


def test_plan_without_a_lock_writes_none(tacal: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "tacal.toml").write_text(CONFIG)
    result = plan(tacal)
    assert result.out.splitlines()[-1] == f"4 added (next build against {lock_file()})"
    assert "no lock yet" in result.err
    assert not lock_file().exists()


def test_json_shape(tacal: Callable[..., Result], project: Path) -> None:
    project.write_text(CONFIG.replace('day = "TU"', 'day = "WE"') + BETA)
    data = json.loads(plan(tacal, "--format", "json").out)
    assert data["lock"] == str(lock_file())
    assert data["locked"] == 4
    assert data["reflow"] is False and data["applied"] is False
    assert data["counts"] == {"added": 1, "moved": 2, "changed": 0, "removed": 0, "unchanged": 2}
    assert [c["action"] for c in data["changes"]] == ["added", "moved", "moved"]
    moved = data["changes"][1]
    assert moved == {
        "action": "moved",
        "uid": "pt.one-on-one.ana@tacal",
        "summary": "TA 1:1: Ana Ruiz",
        "old": "2027-03-16T11:00:00-04:00",
        "new": "2027-03-03T11:00:00-05:00",
        "attendees_added": [],
        "attendees_removed": [],
        "renamed_from": None,
        "duration": None,
        "sequence": [0, 1],
    }
    assert data["changes"][0]["new"] == "2027-03-09T14:00:00-05:00"
    verbose = json.loads(plan(tacal, "--format", "json", "-v").out)
    assert [c["action"] for c in verbose["changes"]] == [
        "added",
        "moved",
        "moved",
        "unchanged",
        "unchanged",
    ]


def test_reflow_of_a_fresh_lock_moves_nothing(tacal: Callable[..., Result], project: Path) -> None:
    assert tacal("--today", BUILT, "plan", "--reflow").out == (
        f"nothing to change: 4 unchanged (reflow against {lock_file()})\n"
    )
    # and on a later day the series keep the day they began: no DTSTART jumps to today
    assert plan(tacal, "--reflow").out == (
        f"nothing to change: 4 unchanged (reflow against {lock_file()})\n"
    )


def test_reflow_apply_adopts_a_fresh_placement(
    tacal: Callable[..., Result], project: Path, tmp_path: Path
) -> None:
    # Beta joins (Tuesdays: Acme has Monday 14:00); when Acme leaves, the lock keeps Beta's
    # Tuesday, and a reflow gives it the Monday back
    project.write_text(CONFIG + BETA)
    assert tacal("--today", BUILT, "build", "-o", "tacal.ics").code == 0
    project.write_text(CONFIG[: CONFIG.index("[[account]]")] + BETA.lstrip())
    assert plan(tacal).out.splitlines() == [
        "removed   Customer Check-In: Acme  next was Mon 2027-03-08 14:00",
        f"1 removed, 4 unchanged (next build against {lock_file()})",
    ]
    reflow = plan(tacal, "--reflow")
    assert reflow.out.splitlines() == [
        "moved     Customer Check-In: Beta  Tue 2027-03-09 14:00 -> Mon 2027-03-08 14:00  "
        "SEQUENCE 0 -> 1",
        "removed   Customer Check-In: Acme  next was Mon 2027-03-08 14:00",
        f"1 moved, 1 removed, 3 unchanged (reflow against {lock_file()})",
    ]
    before = lock_file().read_text()
    applied = tacal("--today", TODAY, "plan", "--reflow", "--apply")
    assert applied.code == 0, applied.err
    assert applied.out == reflow.out
    assert f"wrote {lock_file()}" in applied.err
    after = lock_file().read_text()
    assert after != before
    old, new = _entries(before), _entries(after)
    assert set(new) == {
        "pt.check-in.beta@tacal",
        "pt.one-on-one.ana@tacal",
        "pt.one-on-one.ben@tacal",
        "pt.standup@tacal",
    }
    for uid in new:  # only the series whose content changed goes up, with a new DTSTAMP
        bumped = uid == "pt.check-in.beta@tacal"
        assert new[uid]["sequence"] == old[uid]["sequence"] + bumped, uid
        assert (new[uid]["dtstamp"] != old[uid]["dtstamp"]) == bumped, uid
        assert new[uid]["placed"] == old[uid]["placed"], uid  # a reflow keeps when it began
    assert new["pt.check-in.beta@tacal"]["slot"] == "MO 14:00"
    # the lock now holds the reflow: nothing left to change, and a build writes it as planned
    assert plan(tacal).out.startswith("nothing to change: 4 unchanged")
    assert plan(tacal, "--reflow").out.startswith("nothing to change: 4 unchanged")
    assert tacal("--today", TODAY, "build", "-o", "tacal.ics").code == 0
    assert lock_file().read_text() == after
    events = (tmp_path / "tacal.ics").read_text().split("BEGIN:VEVENT")
    beta = next(e for e in events if "UID:pt.check-in.beta@tacal" in e).splitlines()
    assert "SEQUENCE:1" in beta
    # Beta began on 03-01 (its first Tuesday was 03-02): it now starts on Monday 03-01
    assert "DTSTART;TZID=America/New_York:20270301T140000" in beta


def test_apply_goes_with_reflow(tacal: Callable[..., Result], project: Path) -> None:
    result = tacal("--today", TODAY, "plan", "--apply")
    assert result.code == 2
    assert "--reflow --apply" in result.err


def test_preview_shows_moves_on_stderr_before_the_table(
    tacal: Callable[..., Result], project: Path
) -> None:
    project.write_text(CONFIG.replace('day = "TU"', 'day = "WE"') + BETA)
    result = tacal("--today", TODAY, "preview", "--from", "2027-03-01", "--to", "2027-03-20")
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        "moved     TA 1:1: Ana Ruiz  Tue 2027-03-16 11:00 -> Wed 2027-03-03 11:00  SEQUENCE 0 -> 1",
        "moved     TA 1:1: Ben Okafor  Tue 2027-03-16 11:30 -> Wed 2027-03-03 11:30  "
        "SEQUENCE 0 -> 1",
        f"2 series move against {lock_file()}; `tacal plan` shows every change",
    ]
    only_ben = tacal("--today", TODAY, "preview", "--for", "ben", "--format", "json")
    assert [line for line in only_ben.err.splitlines() if line.startswith("moved")] == [
        "moved     TA 1:1: Ben Okafor  Tue 2027-03-16 11:30 -> Wed 2027-03-03 11:30  "
        "SEQUENCE 0 -> 1"
    ]
    quiet = tacal("-q", "--today", TODAY, "preview")
    assert quiet.err == ""


def test_sync_dry_run_shows_moves(
    tacal: Callable[..., Result],
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    gcal_emulator: CalendarEmulator,
) -> None:  # noqa: F811
    monkeypatch.setenv("TACAL_GCAL_EMULATOR_HOST", gcal_emulator.host_port)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    project.write_text(CONFIG.replace('day = "TU"', 'day = "WE"'))
    before = lock_file().read_bytes()
    result = tacal("--today", TODAY, "sync", "--dry-run")
    assert result.code == 0, result.err
    lines = result.err.splitlines()  # stdout is the plan against Google
    assert lines[:3] == [
        "moved     TA 1:1: Ana Ruiz  Tue 2027-03-16 11:00 -> Wed 2027-03-03 11:00  SEQUENCE 0 -> 1",
        "moved     TA 1:1: Ben Okafor  Tue 2027-03-16 11:30 -> Wed 2027-03-03 11:30  "
        "SEQUENCE 0 -> 1",
        f"2 series move against {lock_file()}; `tacal plan` shows every change",
    ]
    assert "would create 4; 0 unchanged" in result.out
    assert lock_file().read_bytes() == before


def _entries(text: str) -> dict[str, dict[str, object]]:
    import tomllib

    return tomllib.loads(text)["series"]


def test_a_lock_written_before_it_kept_rules(tacal: Callable[..., Result], project: Path) -> None:
    """Without `rule`, `summary` and `attendees` a moved series shows its old DTSTART, and a
    removed one its UID; the next build writes them."""
    kept = [
        line
        for line in lock_file().read_text().splitlines(keepends=True)
        if not line.startswith(("summary =", "rule =", "attendees =", "skip =", "extra ="))
    ]
    lock_file().write_text("".join(kept))
    project.write_text(CONFIG.replace('day = "TU"', 'day = "WE"')[: CONFIG.index("[[account]]")])
    assert plan(tacal).out.splitlines() == [
        "moved     TA 1:1: Ana Ruiz  Tue 2027-03-02 11:00 -> Wed 2027-03-03 11:00  SEQUENCE 0 -> 1",
        "moved     TA 1:1: Ben Okafor  Tue 2027-03-02 11:30 -> Wed 2027-03-03 11:30  "
        "SEQUENCE 0 -> 1",
        "removed   pt.check-in.acme@tacal",
        f"2 moved, 1 removed, 1 unchanged (next build against {lock_file()})",
    ]
    assert tacal("--today", TODAY, "build", "-o", "tacal.ics").code == 0
    assert 'rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"' in lock_file().read_text()
