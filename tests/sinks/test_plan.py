"""The shared planner on its own: every rule of tacal.sinks.plan, with no server."""

from __future__ import annotations

import pytest

from tacal.errors import SyncError
from tacal.sinks.contract import (
    CREATE,
    DELETE,
    DELETED_BY_HAND,
    DELETED_BY_TACAL,
    FOREIGN,
    GONE,
    RESTORE,
    SKIPPED,
    UNCHANGED,
    UPDATE,
    Held,
    Pick,
    Scope,
    Wanted,
)
from tacal.sinks.plan import plan_sync


def want(uid: str, h: str = "h1", cadence: str = "c") -> Wanted:
    return Wanted(uid, h, summary=uid.upper(), cadence=cadence)


def held(uid: str, h: str = "h1", **kw: object) -> Held:
    return Held(uid, key=f"/{uid}", hash=h, summary=uid.upper(), cadence="c", **kw)  # type: ignore[arg-type]


def kinds(plan: object) -> dict[str, str]:
    return {a.uid: a.kind for a in plan.actions}  # type: ignore[attr-defined]


def test_create_update_unchanged_delete() -> None:
    wanted = [want("a"), want("b", "h2"), want("c")]
    plan = plan_sync(wanted, [held("b"), held("c"), held("d")], allow_deletes=True)
    assert kinds(plan) == {"a": CREATE, "b": UPDATE, "c": UNCHANGED, "d": DELETE}
    assert plan.existing == 3 and [a.uid for a in plan.writes] == ["a", "b", "d"]


def test_mass_delete_guard_counts_what_is_considered() -> None:
    have = [held(u) for u in "abcdefghij"]
    # 2 of 10 is the threshold (20%): allowed; 3 of 10 is not
    assert len(plan_sync([want(u) for u in "abcdefgh"], have).of(DELETE)) == 2
    with pytest.raises(SyncError, match="would delete 3 of the 10 events"):
        plan_sync([want(u) for u in "abcdefg"], have)
    assert len(plan_sync([want(u) for u in "abcdefg"], have, allow_deletes=True).of(DELETE)) == 3
    # deleting the only object is deleting everything
    with pytest.raises(SyncError, match="--allow-deletes"):
        plan_sync([], [held("a")])


def test_hand_edits_are_skipped_unless_picked() -> None:
    have = [held("a", edited=True), held("b", edited=True), held("x", edited=True)]
    wanted = [want("a", "h2"), want("b", cadence="standup")]
    plan = plan_sync(wanted, have + [held(u) for u in "cdefghij"], allow_deletes=True)
    assert kinds(plan)["a"] == SKIPPED and kinds(plan)["b"] == SKIPPED
    assert kinds(plan)["x"] == SKIPPED  # gone from the config but edited: not deleted
    plan = plan_sync(wanted, have, overwrite=Pick.of(["standup,a"]), allow_deletes=True)
    assert kinds(plan)["a"] == UPDATE and kinds(plan)["b"] == UPDATE
    assert kinds(plan)["x"] == SKIPPED
    assert (
        kinds(plan_sync(wanted, have, overwrite=Pick.of(["all"]), allow_deletes=True))["x"]
        == DELETE
    )


def test_pending_is_finished_not_skipped() -> None:
    assert kinds(plan_sync([want("a")], [held("a", pending=True)])) == {"a": UPDATE}


def test_foreign_objects_are_never_touched() -> None:
    have = [held("a", state=FOREIGN), held("z", state=FOREIGN)]
    plan = plan_sync([want("a")], have, overwrite=Pick(every=True), allow_deletes=True)
    assert kinds(plan) == {"a": SKIPPED}
    assert "did not write" in plan.actions[0].reason


def test_deleted_by_hand_stays_deleted_unless_restored() -> None:
    have = [held("a", state=DELETED_BY_HAND), held("b", state=DELETED_BY_TACAL)]
    plan = plan_sync([want("a"), want("b")], have)
    assert kinds(plan) == {"a": GONE, "b": RESTORE}
    assert kinds(plan_sync([want("a")], have[:1], restore=Pick.of(["a"]))) == {"a": RESTORE}


def test_scope_deletes_only_its_own_leftovers() -> None:
    have = [
        held("acme.1", account="Acme"),
        held("acme.2", account="acme"),
        held("globex.1", account="Globex"),
        held("moved", account="Acme"),
        held("ann", emails=("ann@x.example",)),
        held("led", organizer="ann@x.example"),
    ]
    scope = Scope(account="ACME", known=frozenset({"moved"}))
    plan = plan_sync([], have, scope=scope, allow_deletes=True)
    assert kinds(plan) == {"acme.1": DELETE, "acme.2": DELETE}
    assert plan.outside == 4
    by_person = plan_sync([], have, scope=Scope(email="Ann@X.example"), allow_deletes=True)
    assert kinds(by_person) == {"ann": DELETE, "led": DELETE}


def test_unknown_series_name_is_exit_2_with_the_closest() -> None:
    with pytest.raises(SyncError, match="--overwrite 'standpu'.*did you mean 'standup'"):
        plan_sync([want("a", cadence="standup")], [], overwrite=Pick.of(["standpu"]))
