"""The shared planner's options for sinks that differ: matching by key (Google's event ids
derive from UIDs), the wording of hand edits, and name checks left to the caller."""

from __future__ import annotations

import pytest

from tacal.errors import SyncError
from tacal.sinks.contract import (
    DELETE,
    DELETED_BY_HAND,
    GONE,
    SKIPPED,
    UNCHANGED,
    UPDATE,
    Held,
    Pick,
    Scope,
    Wanted,
)
from tacal.sinks.plan import TooManyDeletes, check_picks, plan_sync


def want(uid: str, h: str = "h1") -> Wanted:
    return Wanted(uid, h, summary=uid.upper(), cadence="c", key=f"k-{uid}")


def held(uid: str, key: str = "", h: str = "h1", **kw: object) -> Held:
    return Held(uid, key=key or f"k-{uid}", hash=h, cadence="c", **kw)  # type: ignore[arg-type]


def test_keyed_a_copy_under_another_key_is_a_leftover() -> None:
    have = [held("a", "copy-of-a"), held("a"), held("b")]
    plan = plan_sync([want("a"), want("b")], have, keyed=True, allow_deletes=True)
    assert [(a.kind, a.uid, a.held.key if a.held else None) for a in plan.actions] == [
        (UNCHANGED, "a", "k-a"),
        (UNCHANGED, "b", "k-b"),
        (DELETE, "a", "copy-of-a"),
    ]
    assert plan.existing == 3
    # by UID the copy and the original are one series: the first live one wins
    by_uid = plan_sync([want("a"), want("b")], have)
    assert [a.held.key for a in by_uid.actions if a.held] == ["copy-of-a", "k-b"]


def test_keyed_matches_by_key_whatever_uid_the_object_carries() -> None:
    plan = plan_sync([want("a", "h2")], [held("", "k-a")], keyed=True)
    assert [(a.kind, a.uid) for a in plan.actions] == [(UPDATE, "a")]


def test_keyed_leftovers_without_a_uid_each_count() -> None:
    have = [held("", "x1"), held("", "x2"), held("a")]
    plan = plan_sync([want("a")], have, keyed=True, allow_deletes=True)
    assert [a.held.key for a in plan.of(DELETE) if a.held] == ["x1", "x2"]
    with pytest.raises(TooManyDeletes, match="delete 2 of the 3 events"):
        plan_sync([want("a")], have, keyed=True)


def test_a_series_wanted_twice_is_counted_once() -> None:
    plan = plan_sync([want("a"), want("a")], [held("a")], keyed=True)
    assert [a.kind for a in plan.actions] == [UNCHANGED, UNCHANGED] and plan.existing == 1


def test_reasons_say_where_hand_edits_happen() -> None:
    have = [held("a", edited=True), held("b", state=DELETED_BY_HAND), held("x", edited=True)]
    plan = plan_sync([want("a"), want("b")], have, by_hand="in Google")
    assert {a.uid: (a.kind, a.reason) for a in plan.actions} == {
        "a": (SKIPPED, "edited in Google since tacal wrote it; --overwrite replaces the edits"),
        "b": (GONE, "deleted in Google; left deleted (--restore brings it back)"),
        "x": (
            SKIPPED,
            "gone from tacal's config but edited in Google; --overwrite deletes it anyway",
        ),
    }
    over = plan_sync([want("a"), want("b")], have, by_hand="in Google", overwrite=Pick.of(True))
    assert over.actions[0].reason == "overwriting edits made in Google"
    back = plan_sync([want("a"), want("b")], have, by_hand="in Google", restore=Pick.of(["b"]))
    assert back.actions[1].reason == "deleted in Google; restored"


def test_names_can_be_checked_by_the_caller() -> None:
    plan = plan_sync([want("a")], [], overwrite=Pick.of(["nope"]), check_names=False)
    with pytest.raises(SyncError, match="--overwrite 'nope'"):
        check_picks(plan.actions, Pick.of(["nope"]), "--overwrite")
    check_picks(plan.actions, Pick.of(["c", "a"]), "--overwrite")


def test_the_mass_delete_guard_is_its_own_error() -> None:
    with pytest.raises(TooManyDeletes) as caught:
        plan_sync([], [held("a")])
    assert isinstance(caught.value, SyncError)


def test_scope_leaves_known_series_and_what_it_does_not_hold() -> None:
    scope = Scope(account="Acme", known=frozenset({"a"}))
    assert scope.leaves(held("a", account="Acme"))
    assert not scope.leaves(held("b", account="acme"))
    assert scope.leaves(held("c", account="Globex"))
    # an object without an account tag is no account's, not even --account ""'s
    assert not Scope(account="").holds(held("d"))
    assert Scope(account="acme").holds(held("d", account="ACME"))
