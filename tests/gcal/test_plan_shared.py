"""The Google plan decides with the shared planner: its actions are the shared plan's,
matched by event id, worded "in Google", and only then turned into Google writes."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tacal.gcal.auth import build_service
from tacal.gcal.codec import event_id_for
from tacal.gcal.desired import desired_series
from tacal.gcal.held import held_records
from tacal.gcal.plan import (
    DELETE,
    SKIPPED,
    UNCHANGED,
    UPDATE,
    TooManyDeletes,
    _remote_groups,
    plan,
    wanted_of,
)
from tacal.gcal.sync import details_of_cancelled, list_remote, sync
from tacal.gcal.transport import Timing
from tacal.sinks import plan as shared
from tacal.sinks.contract import Pick, Scope
from tests.support.gcal_emulator import CalendarEmulator
from tests.support.sink_calendar import team_calendar

NOW = datetime(2027, 1, 4, tzinfo=UTC)
STANDUP = "team.standup@tacal"
REVIEW = "team.review@tacal"


def _timing() -> Timing:
    return Timing(sleep=lambda s: None, clock=lambda: 0.0, rng=lambda: 0.0)


@pytest.fixture
def listing(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """What one listing shows after a first sync of the team calendar."""
    em = CalendarEmulator().start()
    monkeypatch.setenv("TACAL_GCAL_EMULATOR_HOST", em.host_port)
    bundle = build_service(timeout=10)
    try:
        sync(team_calendar(), service_bundle=bundle, timing=_timing(), now=NOW)
        remote, _ = list_remote(bundle, "primary", timing=_timing())
        ids = {event_id_for(ds.uid) for ds in desired_series(team_calendar())}
        yield details_of_cancelled(bundle, "primary", remote, ids, timing=_timing())
    finally:
        bundle.close()
        em.stop()


def _master(remote: list[dict[str, Any]], uid: str) -> dict[str, Any]:
    return next(e for e in remote if e.get("id") == event_id_for(uid))


def test_the_actions_are_the_shared_plans(listing: list[dict[str, Any]]) -> None:
    remote = copy.deepcopy(listing)
    _master(remote, STANDUP)["summary"] = "Stand-up (moved by Ann)"
    series = desired_series(team_calendar(accounts=("Acme", "Globex"), review_summary="Review"))
    scope = Scope(email="ann@team.example", known=frozenset({STANDUP}))
    ours = plan(series, remote, allow_deletes=True, scope=scope, now=NOW)
    masters, exceptions = _remote_groups(remote)
    wanted = {ds.event_id: ds.uid for ds in series}
    theirs = shared.plan_sync(
        [wanted_of(ds) for ds in series],
        held_records(masters, exceptions, wanted, scope),
        allow_deletes=True,
        scope=scope,
        by_hand="in Google",
        keyed=True,
    )
    assert [(a.kind, a.uid, a.reason) for a in ours.actions] == [
        (a.kind, a.uid, a.reason) for a in theirs.actions
    ]
    assert (ours.existing, ours.outside) == (theirs.existing, theirs.outside)
    kinds = {a.uid: a.kind for a in ours.actions}
    assert kinds[STANDUP] == SKIPPED and kinds[REVIEW] == UPDATE
    assert kinds["team.checkin.initech@tacal"] == DELETE
    skipped = next(a for a in ours.actions if a.uid == STANDUP)
    assert skipped.reason.startswith("edited in Google since tacal wrote it")


def test_a_copy_under_another_event_id_is_a_leftover(listing: list[dict[str, Any]]) -> None:
    remote = copy.deepcopy(listing)
    copied = copy.deepcopy(_master(remote, REVIEW))
    copied["id"] = "copyofthereview"
    remote.append(copied)
    p = plan(team_calendar(), remote, allow_deletes=True, now=NOW)
    by_id = {a.event_id: (a.kind, a.uid) for a in p.actions}
    assert by_id[event_id_for(REVIEW)] == (UNCHANGED, REVIEW)
    assert by_id["copyofthereview"] == (DELETE, REVIEW) and p.existing == 6
    with pytest.raises(TooManyDeletes, match="would delete 6 of the 6 events"):
        plan([], remote, now=NOW)


def test_a_restore_pick_lets_a_create_take_back_a_cancelled_id(
    listing: list[dict[str, Any]],
) -> None:
    remote = [e for e in listing if e.get("id") != event_id_for(STANDUP)]
    p = plan(team_calendar(), remote, restore=Pick.of(["standup"]), now=NOW)
    create = next(a for a in p.actions if a.uid == STANDUP)
    assert create.may_restore and create.body is not None and create.instance_writes
