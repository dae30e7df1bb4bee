"""Scoped syncs (#13): `tacal sync --account NAME` / `--for PERSON` create, update and delete
only what is in that scope; they planned to delete everything else ("would delete 167 of
the 169 events").

Through the CLI, the real client and the emulator over HTTP. What a run wrote is read from
the emulator's store (an etag that changed, an event that appeared), not from tacal's report,
and what is "in scope" is worked out here from the UIDs and guest lists, independently of
tacal's tags.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Result
from tests.support.gcal_emulator import CalendarEmulator, gcal_emulator  # noqa: F401  (fixture)

TODAY = ("--today", "2027-01-10")


@pytest.fixture
def project(
    tacal: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    gcal_emulator: CalendarEmulator,
) -> CalendarEmulator:  # noqa: F811
    """The built-in default as an editable tacal.toml, pointed at the emulator."""
    assert tacal("init", str(tmp_path)).code == 0
    monkeypatch.setenv("TACAL_GCAL_EMULATOR_HOST", gcal_emulator.host_port)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return gcal_emulator


def state(em: CalendarEmulator) -> dict[str, dict[str, Any]]:
    """Every stored event (cancelled ones too), by id."""
    return {eid: dict(e) for eid, e in em.calendars["primary"].events.items()}


def written(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> set[str]:
    """Series (master ids) whose master or occurrences a run wrote."""
    ids = {eid for eid, e in after.items() if eid not in before or before[eid]["etag"] != e["etag"]}
    return {eid.split("_")[0] for eid in ids}


def uid(e: dict[str, Any]) -> str:
    return str(((e.get("extendedProperties") or {}).get("private") or {}).get("tacalUid", ""))


def guests(e: dict[str, Any]) -> set[str]:
    return {str(a["email"]).lower() for a in e.get("attendees") or []}


def live(em: CalendarEmulator) -> dict[str, dict[str, Any]]:
    return {
        eid: e
        for eid, e in state(em).items()
        if e["status"] != "cancelled" and "recurringEventId" not in e
    }


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new, count))


def test_scoped_syncs_never_touch_events_outside_their_scope(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    config = tmp_path / "tacal.toml"
    first = tacal(*TODAY, "sync")
    assert first.code == 0, first.err
    total = len(live(project))
    assert total > 30

    # changes everywhere: every customer check-in moves, every account team sync gets
    # longer, and Globex (Alex's account) leaves the config
    edit(
        config,
        'time = "14:00"\nduration = 30                      # 30-60',
        'time = "15:00"\nduration = 30                      # 30-60',
    )
    edit(
        config,
        'duration = 30\nattendees = ["@ae", "@ta", "@ce"]',
        'duration = 45\nattendees = ["@ae", "@ta", "@ce"]',
    )
    text = config.read_text()
    start = text.index('[[account]]\nname = "Globex"')
    end = text.index("[[account]]", start + 5)
    config.write_text(text[:start] + text[end:])

    # --account: only Acme Corp's series (their UIDs carry the account's slug)
    before = state(project)
    acme = {eid for eid, e in live(project).items() if ".acme-corp" in uid(e)}
    assert acme
    dry = tacal(*TODAY, "sync", "--account", "acme corp", "--dry-run")
    assert dry.code == 0, dry.err
    assert "other tacal events outside the scope left alone" in dry.out
    assert state(project) == before
    result = tacal(*TODAY, "sync", "--account", "Acme Corp", "--allow-deletes")
    assert result.code == 0, result.err
    changed = written(before, state(project))
    assert changed and changed <= acme, changed - acme
    assert len(live(project)) == total  # Globex's series are still there

    # --for an AE: only series Alex attends (before or after the change); Globex's go
    before = state(project)
    alex = {eid for eid, e in live(project).items() if "alex@example.com" in guests(e)}
    globex = {eid for eid, e in live(project).items() if ".globex" in uid(e)}
    assert globex and globex <= alex
    result = tacal(*TODAY, "sync", "--for", "alex@example.com", "--allow-deletes")
    assert result.code == 0, result.err
    after = state(project)
    changed = written(before, after)
    assert changed <= alex, changed - alex
    assert globex <= changed
    assert all(after[eid]["status"] == "cancelled" for eid in globex)
    assert not any(".globex" in uid(e) for e in live(project).values())

    # a full sync writes the rest, and the next one nothing
    before = state(project)
    result = tacal(*TODAY, "sync", "--allow-deletes")
    assert result.code == 0, result.err
    rest = written(before, state(project))
    assert rest and not rest & (acme | alex)  # what the scoped runs did is not redone
    project.reset_log()
    again = tacal(*TODAY, "sync")
    assert again.code == 0, again.err
    assert project.write_call_count() == 0
    assert "nothing to write" in again.out


def test_misspelt_account_touches_nothing_and_says_so(
    tacal: Callable[..., Result], project: CalendarEmulator
) -> None:
    """The report: `--account "Acme Labs"` planned to delete 167 of 169 events."""
    assert tacal(*TODAY, "sync").code == 0
    before = state(project)
    result = tacal(*TODAY, "sync", "--account", "Acme Labs")
    assert result.code == 0, result.err
    assert "account 'Acme Labs' is not in the config; only tacal's events" in result.err
    assert "nothing to write; 0 unchanged;" in result.out
    assert state(project) == before
    typo = tacal(*TODAY, "sync", "--account", "acme crop", "--dry-run")
    assert "account 'acme crop' is not in the config (did you mean 'Acme Corp'?)" in typo.err


def test_account_that_left_the_config_deletes_only_its_own_events(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    """`--account` of an account removed from the config deletes its events (tagged
    ``tacalAccount``), nothing else, and asks for --allow-deletes first (all of its events)."""
    assert tacal(*TODAY, "sync").code == 0
    config = tmp_path / "tacal.toml"
    text = config.read_text()
    start = text.index('[[account]]\nname = "Globex"')
    end = text.index("[[account]]", start + 5)
    config.write_text(text[:start] + text[end:])
    globex = {eid for eid, e in live(project).items() if ".globex" in uid(e)}
    before = state(project)
    refused = tacal(*TODAY, "sync", "--account", "Globex")
    assert refused.code == 2
    assert (
        f"would delete {len(globex)} of the {len(globex)} events tacal manages for account Globex"
    ) in refused.err
    result = tacal(*TODAY, "sync", "--account", "Globex", "--allow-deletes")
    assert result.code == 0, result.err
    assert written(before, state(project)) == globex


def test_events_without_scope_tags_are_never_deleted_by_a_scoped_sync(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    """Events written before the tags existed stay readable: a scoped sync cannot prove
    they are its own, so it leaves them (a full sync deletes them)."""
    assert tacal(*TODAY, "sync").code == 0
    for e in project.calendars["primary"].events.values():
        e["extendedProperties"]["private"].pop("tacalAccount", None)
    config = tmp_path / "tacal.toml"
    text = config.read_text()
    start = text.index('[[account]]\nname = "Globex"')
    end = text.index("[[account]]", start + 5)
    config.write_text(text[:start] + text[end:])
    before = state(project)
    result = tacal(*TODAY, "sync", "--account", "Globex", "--allow-deletes")
    assert result.code == 0, result.err
    assert state(project) == before
    full = tacal(*TODAY, "sync", "--allow-deletes")
    assert full.code == 0, full.err
    assert not any(".globex" in uid(e) for e in live(project).values())
