"""One scenario suite, run against both sync targets: the Google Calendar emulator and a
real Radicale CalDAV server, each through the shared sink contract (list, plan, apply).

Why: the promises of ``tacal sync`` (one object per series, nothing written twice, hand
edits and other clients' objects left alone, the mass-delete guard, scoped syncs, a killed
run finishing on the next) are the same for every target, so they are tested once and
must hold for each. Writes are counted on the server side (the emulator's request log,
a middleware in front of Radicale), not by trusting the client.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tacal.errors import SyncError
from tacal.sinks.contract import CREATE, DELETE, SKIPPED, UNCHANGED, UPDATE, Pick, Scope
from tests.support.gcal_emulator import CalendarEmulator, close_clients  # noqa: F401
from tests.support.gcal_emulator.fixtures import OPEN_CLIENTS  # noqa: F401
from tests.support.radicale_server import RadicaleServer
from tests.support.sink_calendar import team_calendar, uids
from tests.support.sink_targets import CalDavTarget, GoogleTarget, Killed, Target


@pytest.fixture(params=["google", "caldav"])
def target(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Target]:
    if request.param == "google":
        em = CalendarEmulator().start()
        monkeypatch.setenv("TACAL_GCAL_EMULATOR_HOST", em.host_port)
        try:
            yield GoogleTarget(em)
        finally:
            em.stop()
    else:
        server = RadicaleServer(tmp_path / "radicale").start()
        try:
            yield CalDavTarget(server)
        finally:
            server.stop()


def synced(target: Target) -> None:
    """The team calendar, synced once, with the server's log cleared."""
    target.sync(team_calendar())
    target.reset_log()


def test_first_sync_creates_one_object_per_series(target: Target) -> None:
    cal = team_calendar()
    run = target.sync(cal)
    assert run.count(CREATE) == len(uids(cal)) == 5
    assert all(o.status == "done" for o in run.outcomes)
    assert set(target.held()) == uids(cal)
    assert target.held()["team.review@tacal"] == "Monthly review"


def test_resync_with_nothing_changed_writes_nothing(target: Target) -> None:
    synced(target)
    run = target.sync(team_calendar())
    assert target.server_writes() == 0
    assert run.kinds() == dict.fromkeys(uids(team_calendar()), UNCHANGED)


def test_changed_cadence_is_one_write(target: Target) -> None:
    synced(target)
    run = target.sync(team_calendar(standup_at=10))
    assert run.kinds()["team.standup@tacal"] == UPDATE
    assert run.count(UPDATE) == 1 and run.count(CREATE) == run.count(DELETE) == 0
    if target.name == "caldav":
        assert target.server_writes() == 1  # the series with its overrides: one PUT
    else:  # Google: the master, then its occurrence exceptions and the pending flag
        assert target.server_writes() >= 1
    target.reset_log()
    target.sync(team_calendar(standup_at=10))
    assert target.server_writes() == 0


def test_removed_account_is_one_delete(target: Target) -> None:
    synced(target)
    cal = team_calendar(accounts=("Acme", "Initech"))
    run = target.sync(cal)
    assert run.kinds()["team.checkin.globex@tacal"] == DELETE
    assert run.count(DELETE) == 1 and run.count(UPDATE) == run.count(CREATE) == 0
    if target.name == "caldav":
        assert target.server_writes() == 1
    else:  # Google: the tacalDeleted tag, then the delete
        assert target.server_writes() == 2
    assert set(target.held()) == uids(cal)


def test_object_edited_by_another_client_is_reported_and_left_alone(target: Target) -> None:
    synced(target)
    target.edit_summary("team.review@tacal", "Review (moved by Ann)")
    run = target.sync(team_calendar(review_summary="Monthly business review"))
    assert run.kinds()["team.review@tacal"] == SKIPPED
    assert target.server_writes() == 0
    assert target.held()["team.review@tacal"] == "Review (moved by Ann)"
    # --overwrite review replaces the edit
    run = target.sync(
        team_calendar(review_summary="Monthly business review"), overwrite=Pick.of(["review"])
    )
    assert run.kinds()["team.review@tacal"] == UPDATE
    assert target.held()["team.review@tacal"] == "Monthly business review"


def test_edit_between_listing_and_writing_is_a_conflict_not_an_overwrite(
    target: Target,
) -> None:
    synced(target)
    run = target.sync(
        team_calendar(review_summary="Monthly business review"),
        between=lambda: target.edit_summary("team.review@tacal", "Review (moved by Ann)"),
    )
    assert [o.status for o in run.outcomes if o.uid == "team.review@tacal"] == ["conflict"]
    assert target.held()["team.review@tacal"] == "Review (moved by Ann)"


def test_object_tacal_did_not_create_is_never_touched(target: Target) -> None:
    target.add_foreign("dentist-1234@phone.example", "Dentist")
    target.sync(team_calendar())
    target.sync(team_calendar(standup_at=10))
    target.sync(team_calendar(accounts=()), allow_deletes=True)
    assert target.foreign() == {"dentist-1234@phone.example": "Dentist"}
    assert set(target.held()) == {"team.standup@tacal", "team.review@tacal"}


def test_mass_delete_needs_allow_deletes(target: Target) -> None:
    synced(target)
    empty = team_calendar(accounts=())
    with pytest.raises(SyncError, match="would delete 3 of the 5 events"):
        target.sync(empty)
    assert target.server_writes() == 0
    assert len(target.held()) == 5


def test_scoped_sync_touches_only_its_account(target: Target) -> None:
    synced(target)
    full = team_calendar(accounts=("Acme", "Initech"), standup_at=10)
    acme_only = team_calendar(accounts=("Acme",), standup_at=10)
    # keep only Acme's series, as `--account Acme` builds them
    for comp in list(acme_only.subcomponents):
        if comp.name == "VEVENT" and "checkin.acme" not in str(comp["UID"]):
            acme_only.subcomponents.remove(comp)
    scope = Scope(account="Acme", known=frozenset(uids(full)))
    run = target.sync(acme_only, scope=scope)
    assert run.count(DELETE) == 0 and run.plan.outside == 4
    assert target.server_writes() == 0  # Globex is gone from the config, but not Acme's
    # `--account Globex` after Globex left the config deletes only Globex's series
    globex = team_calendar(accounts=())
    globex.subcomponents[:] = [c for c in globex.subcomponents if c.name != "VEVENT"]
    run = target.sync(
        globex, scope=Scope(account="Globex", known=frozenset(uids(full))), allow_deletes=True
    )
    assert run.kinds() == {"team.checkin.globex@tacal": DELETE}
    assert "team.checkin.globex@tacal" not in target.held()
    assert len(target.held()) == 4


def test_dry_run_writes_nothing(target: Target) -> None:
    run = target.sync(team_calendar(), dry_run=True)
    assert run.count(CREATE) == 5
    assert target.server_writes() == 0 and target.held() == {}


def test_killed_sync_converges_on_rerun(target: Target) -> None:
    cal = team_calendar()
    with pytest.raises(Killed):
        target.sync(cal, kill_after=2)
    assert 0 < len(target.held()) < len(uids(cal))
    run = target.sync(cal)
    assert all(o.status == "done" for o in run.outcomes)
    assert set(target.held()) == uids(cal)
    target.reset_log()
    again = target.sync(cal)
    assert target.server_writes() == 0
    assert set(again.kinds().values()) == {UNCHANGED}
