"""The Top 3 ranking (tacal/ranking.py docstring) on hand-computed cases, and its MBR override.

Rules, in order: criteria met (top ARR = among the three highest ARRs, ties included, and above
zero; renewal in the MBR's fiscal quarter; expansion), renewing first, higher ARR, expansion
first, earlier renewal, name (case-insensitive).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from icalendar import Calendar

from tacal.model import Account
from tacal.schedule.fiscal import parse_quarter
from tacal.series.ranking import rank, renewals_at_risk, top3
from tests.conftest import FIXTURES, Result

# FY from February: FY2028-Q2 is May, June, July 2027 (the end, 2027-08-01, is outside)
Q2 = parse_quarter("FY2028-Q2", dt.date(2027, 4, 20), 2)


def acct(
    name: str,
    arr: float,
    renewal: str | None = None,
    expansion: bool = False,
    health: str = "green",
) -> Account:
    return Account(
        name=name,
        ta="ana",
        ae="amy",
        arr=arr,
        expansion=expansion,
        health=health,
        renewal=dt.date.fromisoformat(renewal) if renewal else None,
    )


def names(ranked: list) -> list[str]:  # type: ignore[type-arg]
    return [r.name for r in ranked]


def test_criteria_count_first_then_renewal_this_quarter() -> None:
    accounts = [
        acct("P", 900_000, "2027-12-01"),  # top ARR                      -> 1
        acct("Q", 500_000, "2027-05-10", True),  # top, renews, expansion -> 3
        acct("R", 500_000, None, True),  # top (tied 2nd/3rd), expansion  -> 2
        acct("S", 100_000, "2027-07-31", True),  # renews, expansion      -> 2
        acct("T", 50_000, "2027-08-01"),  # renews after the quarter      -> 0
        acct("U", 0, "2027-06-01"),  # renews (zero ARR is never "top")   -> 1
    ]
    ranked = rank(accounts, Q2)
    # Q (3); S before R (both 2, S renews this quarter); U before P (both 1, U renews); T
    assert names(ranked) == ["Q", "S", "R", "U", "P", "T"]
    assert [r.criteria for r in ranked] == [3, 2, 2, 1, 1, 0]
    assert names(top3(accounts, Q2)) == ["Q", "S", "R"]
    assert ranked[0].reasons == [
        "top ARR",
        "renewal this quarter (FY2028-Q2)",
        "expansion opportunity",
    ]
    assert [r.rank for r in ranked] == [1, 2, 3, 4, 5, 6]


def test_ties_at_the_third_arr_all_count_and_names_break_ties() -> None:
    accounts = [
        acct("beta", 300),
        acct("Alpha", 200),
        acct("gamma", 100),
        acct("Delta", 100),
        acct("epsilon", 100),
    ]
    ranked = rank(accounts, Q2)
    assert all(r.top_arr for r in ranked)  # the third highest ARR is 100: all tied count
    # same criteria; ARR decides the first two; the three at 100 go by name, ignoring case
    assert names(ranked) == ["beta", "Alpha", "Delta", "epsilon", "gamma"]
    assert names(top3(accounts, Q2)) == ["beta", "Alpha", "Delta"]


def test_full_ties_fall_back_to_renewal_date_then_name() -> None:
    accounts = [
        acct("Banana", 100, "2027-06-30", True),
        acct("apple", 100, "2027-06-30", True),
        acct("Cherry", 100, "2027-05-02", True),
        acct("date", 100, None, True),
    ]
    # all: top ARR, expansion; three renew this quarter. Cherry renews first; apple/Banana tie
    # on everything but the name (case-insensitive: apple first); date does not renew.
    assert names(rank(accounts, Q2)) == ["Cherry", "apple", "Banana", "date"]


def test_expansion_breaks_an_arr_tie() -> None:
    accounts = [acct("A", 10, None, False), acct("B", 10, None, True), acct("C", 10)]
    # B meets two criteria (top ARR, expansion), A and C one each: B first, then A, C by name
    assert names(rank(accounts, Q2)) == ["B", "A", "C"]
    accounts = [acct("A", 10, "2027-05-05"), acct("B", 10, "2027-05-05", True)]
    assert names(rank(accounts, Q2)) == ["B", "A"]


def test_fewer_than_three_and_nothing_at_all() -> None:
    assert names(top3([acct("Only", 0)], Q2)) == ["Only"]
    assert not rank([acct("Only", 0)], Q2)[0].top_arr
    assert top3([], Q2) == []


def test_order_of_the_input_does_not_matter() -> None:
    accounts = [
        acct(f"N{i}", (i * 37) % 11 * 1000, f"2027-0{5 + i % 4}-1{i % 9}", i % 3 == 0)
        for i in range(20)
    ]
    expected = names(rank(accounts, Q2))
    for seed in range(5):
        shuffled = accounts[:]
        random.Random(seed).shuffle(shuffled)
        assert names(rank(shuffled, Q2)) == expected


def test_renewals_at_risk_window_and_order() -> None:
    today = dt.date(2027, 4, 20)
    accounts = [
        acct("Y-later", 1, "2027-10-17", health="yellow"),  # day 180: in
        acct("R-out", 1, "2027-10-18", health="red"),  # day 181: out
        acct("G", 1, "2027-05-01", health="green"),  # green: out
        acct("R-today", 1, "2027-04-20", health="red"),  # today: in
        acct("Y-past", 1, "2027-04-19", health="yellow"),
    ]  # past: out
    assert [a.name for a in renewals_at_risk(accounts, today, 180)] == ["R-today", "Y-later"]


def _mbr(data: bytes, uid: str) -> tuple[Any, Any]:
    """The series' master and its one override that names the Top 3 (the others are holiday
    moves, with the series' own agenda)."""
    events = [e for e in Calendar.from_ical(data).walk("VEVENT") if str(e["UID"]) == uid]
    [master] = [e for e in events if "RECURRENCE-ID" not in e]
    [top] = [
        e
        for e in events
        if "RECURRENCE-ID" in e and str(e.get("DESCRIPTION")) != str(master.get("DESCRIPTION"))
    ]
    return master, top


def test_next_mbr_carries_the_top3_as_an_override(tacal: Callable[..., Result]) -> None:
    """On 2027-04-20 the next MBR is 2027-05-12 (FY2028-Q2, May-Jul).

    ana: ARRs 500k, 250k, 250k, 120k, 90k, 60k, so Aurora, Blue Harbor and Cobalt are top ARR.
    Aurora also renews 05-14 and has expansion (3); Cobalt has expansion (2); Blue Harbor (1,
    250k) beats Ember (1, expansion, 120k) on ARR. ben: Helix (700k, renews 06-15, expansion:
    3), then Granite (700k) and Kestrel (300k), both top ARR only (1), ahead of Juniper
    (expansion only, 150k) on ARR.
    """
    result = tacal(
        "--config", FIXTURES / "accounts.toml", "--today", "2027-04-20", "build", "-o", "-"
    )
    assert result.code == 0, result.err
    master, override = _mbr(result.stdout_bytes, "fx.mbr.ana@tacal")
    assert override["RECURRENCE-ID"].to_ical() == b"20270512T130000"
    assert override.decoded("DTSTART") == dt.datetime(
        2027, 5, 12, 13, 0, tzinfo=override.decoded("DTSTART").tzinfo
    )
    text = str(override["DESCRIPTION"])
    assert (
        "   1. Aurora Labs: ARR $500k, health yellow, renews 2027-05-14\n"
        "      Why: top ARR, renewal this quarter (FY2028-Q2), expansion opportunity\n"
        "   2. Cobalt Mining: ARR $250k, health red, renews 2027-04-20\n"
        "      Why: top ARR, expansion opportunity\n"
    ) in text
    assert "3. Blue Harbor: ARR $250k" in text
    assert "Ember" not in text
    # the series body carries the template, not one month's accounts
    body = str(master["DESCRIPTION"])
    assert "Aurora" not in body and "Named in the invitation of the next MBR" in body
    _, ben = _mbr(result.stdout_bytes, "fx.mbr.ben@tacal")
    order = [
        line.split(". ", 1)[1].split(":")[0]
        for line in str(ben["DESCRIPTION"]).splitlines()
        if line.strip()[:2] in ("1.", "2.", "3.") and "ARR" in line
    ]
    assert order == ["Helix Bio", "Granite Bank", "Kestrel Air"]


def test_on_the_mbr_day_the_override_is_that_day(tacal: Callable[..., Result]) -> None:
    result = tacal(
        "--config", FIXTURES / "accounts.toml", "--today", "2027-05-12", "build", "-o", "-"
    )
    _, override = _mbr(result.stdout_bytes, "fx.mbr.ana@tacal")
    assert override["RECURRENCE-ID"].to_ical() == b"20270512T130000"
    later = tacal(
        "--config", FIXTURES / "accounts.toml", "--today", "2027-05-13", "build", "-o", "-"
    )
    _, override = _mbr(later.stdout_bytes, "fx.mbr.ana@tacal")
    assert override["RECURRENCE-ID"].to_ical() == b"20270609T130000"
    # in FY2028-Q2 still, so the same three; Aurora renewed before 06-09 but still renews in Q2
    assert "1. Aurora Labs" in str(override["DESCRIPTION"])


def test_a_moved_mbr_carries_the_top3_in_its_one_override(tacal: Callable[..., Result]) -> None:
    """On 2027-10-01 the next MBR, Wed 2027-10-13, falls on a holiday and meets on Thursday:
    one override names that occurrence, meets on the 14th and carries the Top 3."""
    result = tacal(
        "--config", FIXTURES / "accounts.toml", "--today", "2027-10-01", "build", "-o", "-"
    )
    assert result.code == 0, result.err
    events = [
        e
        for e in Calendar.from_ical(result.stdout_bytes).walk("VEVENT")
        if str(e["UID"]) == "fx.mbr.ana@tacal"
    ]
    october = [
        e
        for e in events
        if "RECURRENCE-ID" in e and e["RECURRENCE-ID"].to_ical() == b"20271013T130000"
    ]
    assert len(october) == 1
    assert october[0]["DTSTART"].to_ical() == b"20271014T130000"
    assert "1. Blue Harbor: ARR $250k" in str(october[0]["DESCRIPTION"])
    assert not [e for e in events if "RDATE" in e]
    _, top = _mbr(result.stdout_bytes, "fx.mbr.ana@tacal")
    assert top.to_ical() == october[0].to_ical()


def test_renewals_review_lists_yellow_and_red_within_180_days(tacal: Callable[..., Result]) -> None:
    result = tacal(
        "--config", FIXTURES / "accounts.toml", "--today", "2027-04-20", "build", "-o", "-"
    )
    review = next(
        e
        for e in Calendar.from_ical(result.stdout_bytes).walk("VEVENT")
        if str(e["UID"]) == "fx.renewals-review@tacal"
    )
    lines = [line for line in str(review["DESCRIPTION"]).splitlines() if line.startswith("- ")]
    assert lines == [
        "- Cobalt Mining (red): renews 2027-04-20, ARR $250k",
        "- Aurora Labs (yellow): renews 2027-05-14, ARR $500k",
        "- Helix Bio (yellow): renews 2027-06-15, ARR $700k",
        "- Juniper Media (red): renews 2027-08-31, ARR $150k",
        "- Kestrel Air (yellow): renews 2027-10-15, ARR $300k",
    ]
