"""A locked series that gains a collision with someone's real meeting: reported, never moved
silently, until ``tacal plan --resolve UID=keep|move|override --apply`` settles it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.busy.busy_project import CHI, TODAY, collisions, lock_file, project
from tests.conftest import Result
from tests.support.busy_feeds import FeedHost, feed, feed_host, free_port  # noqa: F401

UID = "fx.check-in.aurora-labs@tacal"  # Ana and Amy, Mondays 14:00-14:30 from the blind build
DENTIST = (
    dt.datetime(2027, 2, 8, 14, 0, tzinfo=CHI),
    dt.datetime(2027, 2, 8, 15, 0, tzinfo=CHI),
)

Run = Callable[..., Result]


@pytest.fixture
def locked(tacal: Run, tmp_path: Path, feed_host: FeedHost) -> Path:  # noqa: F811
    """The project built while Ana's calendar was empty; then a dentist appointment appears
    on Monday 2027-02-08 at 14:00, where Aurora Labs' weekly check-in is."""
    path = project(tmp_path, feed_host, sources={"ana": feed_host.url("/ana-now.ics")})
    feed_host.feeds["/ana-now.ics"] = feed([])
    built = tacal("--config", path, "--today", TODAY, "build", "-o", "out.ics")
    assert built.code == 0, built.err
    assert 'slot = "MO 14:00"' in _entry(UID)
    feed_host.feeds["/ana-now.ics"] = feed([DENTIST], "dentist")
    return path


def _entry(uid: str) -> str:
    text = lock_file().read_text()
    return text.split(f'[series."{uid}"]')[1].split("\n[series.")[0]


def _mine(ics: bytes) -> list[tuple[str, dt.datetime, str]]:
    return [c for c in collisions(ics) if c[2] == "ana" and c[1] == DENTIST[0]]


def test_reported_by_plan_and_validate_marked_by_preview_not_moved_by_build(
    tacal: Run, locked: Path, tmp_path: Path
) -> None:
    before = (tmp_path / "out.ics").read_bytes()
    lock_before = lock_file().read_text()
    plan = tacal("--config", locked, "--today", TODAY, "plan")
    assert plan.code == 0, plan.err
    assert f"busy     {UID}  Check-In: Aurora Labs: 1 occurrence(s) meet busy time" in plan.out
    assert "Mon 2027-02-08 14:00-14:30 meets Ana Ruiz's busy time 14:00-15:00" in plan.out
    for choice in ("keep", "move", "override"):
        assert f"--resolve {UID}={choice}:" in plan.out
    assert "nothing to change" in plan.out
    as_json = json.loads(
        tacal("--config", locked, "--today", TODAY, "plan", "--format", "json").out
    )
    assert [(c["uid"], c["person"], c["kept"]) for c in as_json["busy"]] == [(UID, "ana", False)]

    check = tacal("--config", locked, "--today", TODAY, "validate", "--busy")
    assert check.code == 2
    assert f"{locked}: {UID} (Check-In: Aurora Labs) Mon 2027-02-08 14:00-14:30" in check.err
    assert "Traceback" not in check.err

    shown = tacal(
        "--config",
        locked,
        "--today",
        TODAY,
        "preview",
        "--from",
        "2027-02-08",
        "--to",
        "2027-02-09",
    )
    assert "Check-In: Aurora Labs  [busy: Ana Ruiz]" in shown.out
    items = json.loads(
        tacal(
            "--config",
            locked,
            "--today",
            TODAY,
            "preview",
            "--from",
            "2027-02-08",
            "--to",
            "2027-02-09",
            "--format",
            "json",
        ).out
    )
    assert {i["uid"]: i["busy"] for i in items}[UID] == ["Ana Ruiz"]

    again = tacal("--config", locked, "--today", TODAY, "build", "-o", "out.ics")
    assert again.code == 0, again.err
    assert (tmp_path / "out.ics").read_bytes() == before  # nothing moved silently
    assert lock_file().read_text() == lock_before


def test_override_moves_only_the_colliding_occurrence_and_the_lock_keeps_it(
    tacal: Run,
    locked: Path,
    tmp_path: Path,
    feed_host: FeedHost,  # noqa: F811
) -> None:
    feed_host.hits.clear()
    shown = tacal("--config", locked, "--today", TODAY, "plan", "--resolve", f"{UID}=override")
    assert feed_host.hits["/ana-now.ics"] == 1  # two builds in that run, one fetch
    assert "moved     Check-In: Aurora Labs  Mon 2027-02-08 14:00 -> Mon 2027-02-08" in shown.out
    assert "busy_moves" not in lock_file().read_text()  # plan alone writes nothing
    applied = tacal(
        "--config", locked, "--today", TODAY, "plan", "--resolve", f"{UID}=override", "--apply"
    )
    assert applied.code == 0, applied.err
    entry = _entry(UID)
    assert 'slot = "MO 14:00"' in entry
    assert "busy_moves = [[2027-02-08T14:00:00, 2027-02-08T" in entry
    built = tacal("--config", locked, "--today", TODAY, "build", "-o", "out.ics")
    assert built.code == 0, built.err
    ics = (tmp_path / "out.ics").read_bytes()
    assert _mine(ics) == []
    assert b"RECURRENCE-ID;TZID=America/Chicago:20270208T140000" in ics
    assert tacal("--config", locked, "--today", TODAY, "validate", "--busy").code == 0
    # the choice is in the lock: the same calendar without reading anyone's busy time
    offline = tacal("--config", locked, "--today", TODAY, "--no-busy", "build", "-o", "off.ics")
    assert offline.code == 0, offline.err
    assert (tmp_path / "off.ics").read_bytes() == ics


def test_move_places_the_series_afresh_around_the_busy_time(
    tacal: Run, locked: Path, tmp_path: Path
) -> None:
    applied = tacal(
        "--config", locked, "--today", TODAY, "plan", "--resolve", f"{UID}=move", "--apply"
    )
    assert applied.code == 0, applied.err
    assert "moved     Check-In: Aurora Labs  Mon 2027-02-01 14:00 ->" in applied.out
    assert 'slot = "MO 14:00"' not in _entry(UID)
    built = tacal("--config", locked, "--today", TODAY, "build", "-o", "out.ics")
    assert built.code == 0, built.err
    ics = (tmp_path / "out.ics").read_bytes()
    assert [c for c in collisions(ics) if c[0] == UID] == []


def test_keep_acknowledges_it(tacal: Run, locked: Path) -> None:
    applied = tacal(
        "--config", locked, "--today", TODAY, "plan", "--resolve", f"{UID}=keep", "--apply"
    )
    assert applied.code == 0, applied.err
    assert "busy_kept = [2027-02-08T14:00:00]" in _entry(UID)
    plan = tacal("--config", locked, "--today", TODAY, "plan")
    assert UID not in plan.out
    assert UID in tacal("--config", locked, "--today", TODAY, "plan", "-v").out
    check = tacal("--config", locked, "--today", TODAY, "validate", "--busy")
    assert check.code == 0, check.err
    assert "(1 kept on purpose)" in check.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--resolve", f"{UID}=later", "--apply"), "use UID=keep, UID=move or UID=override"),
        (("--resolve", "fx.check-in.aurora@tacal=move"), "no series 'fx.check-in.aurora@tacal'"),
        (("--apply",), "--apply adopts a --reflow or --resolve choices"),
        (("--resolve", "fx.renewals-review@tacal=move"), "meets at its cadence's exact time"),
        (("--resolve", "fx.renewal-check.aurora-labs.20270514@tacal=override"), "meets once"),
    ],
)
def test_bad_choices_are_exit_2(
    tacal: Run, locked: Path, args: tuple[str, ...], message: str
) -> None:
    result = tacal("--config", locked, "--today", TODAY, "plan", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


def test_an_unreachable_source_warns_and_still_builds(
    tacal: Run,
    tmp_path: Path,
    feed_host: FeedHost,  # noqa: F811
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/ana.ics"
    path = project(tmp_path, feed_host, sources={"ana": dead})
    built = tacal("--config", path, "--today", TODAY, "build", "-o", "out.ics")
    assert built.code == 0, built.err
    assert (
        "tacal.toml:24: people.ana.busy: warning: busy times of Ana Ruiz from http://127.0.0.1:"
        in built.err
    )
    assert "could not be read (unreachable" in built.err
    shown = tacal("--config", path, "--today", TODAY, "preview")
    assert shown.code == 0
    assert "busy times missing for Ana Ruiz (http://127.0.0.1:" in shown.err
    lock_file().unlink()
    blind = tacal("--config", path, "--today", TODAY, "--no-busy", "build", "-o", "blind.ics")
    assert blind.code == 0
    assert (tmp_path / "blind.ics").read_bytes() == (tmp_path / "out.ics").read_bytes()
