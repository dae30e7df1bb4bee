"""Every date of every series of tests/fixtures/accounts.toml over FY2028 (Feb 2027 - Jan 2028).

Expectations are written by hand from a printed calendar (renewal arithmetic checked with GNU
``date -d "2028-03-04 -180 days"``), or for weekly series produced by the plain day walker below,
which shares no code with tacal. How each slot follows from the layout rules is explained next to
it, so a failing date says which rule changed.

Busy time the layout has to respect (both TAs attend everything of their AEs):
- account-team syncs: every other Wednesday 10:00-12:30 (five AEs back to back);
- QBRs: 1st Tuesday of Feb/May/Aug/Nov 14:00-17:00 (amy, bob, cat), spilling to the next workday
  14:00-16:00 (dan, eve); Tue 2027-08-03 is a holiday, so that day moves to Wed 08-04 and the
  spilled sessions to Thu 08-05;
- MBRs: 2nd Wednesday 13:00 (ana) and 13:30 (ben); Wed 2027-10-13 is a holiday: Thu 10-14;
- renewals review: Mondays 09:30; health score update: last Thursday 15:00.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Result

TODAY = "2027-04-20"
HOLIDAYS = {
    dt.date(2027, 2, 15),
    dt.date(2027, 5, 31),
    dt.date(2027, 7, 5),
    dt.date(2027, 8, 3),
    dt.date(2027, 9, 6),
    dt.date(2027, 10, 13),
    dt.date(2027, 11, 25),
    dt.date(2027, 11, 26),
    dt.date(2027, 12, 24),
    dt.date(2028, 1, 17),
}
DST = (dt.date(2027, 3, 14), dt.date(2027, 11, 7))  # Chicago: CDT between these


def at(stamp: str) -> str:
    """'2027-03-10 14:00' -> the ISO start preview prints, with Chicago's UTC offset."""
    day = dt.date.fromisoformat(stamp[:10])
    offset = "-05:00" if DST[0] <= day < DST[1] else "-06:00"
    return f"{stamp[:10]}T{stamp[11:]}:00{offset}"


def walk(weekday: int, every: int = 1, first: dt.date | None = None) -> list[dt.date]:
    """Every (other) ``weekday`` of FY2028, day by day."""
    day, out = dt.date(2027, 2, 1), []
    while day < dt.date(2028, 2, 1):
        if day.weekday() == weekday and (
            first is None or (day >= first and (day - first).days % (7 * every) == 0)
        ):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def weekly(
    weekday: int, hhmm: str, moves: dict[str, str], every: int = 1, first: dt.date | None = None
) -> list[str]:
    """A walked series where each holiday date in ``moves`` goes to its hand-picked slot."""
    out = []
    for day in walk(weekday, every, first):
        if day in HOLIDAYS:
            out.append(moves.pop(day.isoformat()))
        else:
            out.append(f"{day} {hhmm}")
    assert not moves, f"moves for dates the series never meets: {moves}"
    return sorted(out)


def preview(tacal: Callable[..., Result], config: Path, *extra: str) -> list[dict[str, object]]:
    result = tacal(
        "-q",
        "--config",
        config,
        "--today",
        TODAY,
        "preview",
        "--from",
        "2027-02-01",
        "--to",
        "2028-02-01",
        "--format",
        "json",
        *extra,
    )
    assert result.code == 0, result.err
    items: list[dict[str, object]] = json.loads(result.out)
    return items


@pytest.fixture
def occ(tacal: Callable[..., Result]) -> list[dict[str, object]]:
    return preview(tacal, FIXTURES / "accounts.toml")


@pytest.fixture
def by_uid(occ: list[dict[str, object]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for o in occ:
        grouped[str(o["uid"])].append(str(o["start"]))
    return grouped


def expect(by_uid: dict[str, list[str]], uid: str, stamps: list[str]) -> None:
    assert by_uid[f"fx.{uid}@tacal"] == [at(s) for s in stamps], uid


MONTHS_2ND_WED = [
    "2027-02-10",
    "2027-03-10",
    "2027-04-14",
    "2027-05-12",
    "2027-06-09",
    "2027-07-14",
    "2027-08-11",
    "2027-09-08",
    "2027-10-14",
    "2027-11-10",
    "2027-12-08",
    "2028-01-12",
]  # 10-13 is a holiday: Thursday 10-14
MONTHS_2ND_TUE = [
    "2027-02-09",
    "2027-03-09",
    "2027-04-13",
    "2027-05-11",
    "2027-06-08",
    "2027-07-13",
    "2027-08-10",
    "2027-09-14",
    "2027-10-12",
    "2027-11-09",
    "2027-12-14",
    "2028-01-11",
]


def test_every_series_is_accounted_for(by_uid: dict[str, list[str]]) -> None:
    # 5 syncs + 5 QBRs + 2 MBRs + review + health = 14 plain; 12 check-ins; 4 touch-bases
    # (bi-monthly and quarterly accounts); 11 renewal checks (8 inside the calendar, 3 overdue:
    # their 180-days-before date had passed); 3 onboarding steps for each of 2 accounts.
    assert len(by_uid) == 14 + 12 + 4 + 11 + 6


# ------------------------------------------------------------------ plain and per-person series


def test_account_team_syncs_biweekly_back_to_back(by_uid: dict[str, list[str]]) -> None:
    # first Wednesday on/after the 2027-02-01 start, then every other one; 10-13 moves to 10-14
    for ae, hhmm in [
        ("amy", "10:00"),
        ("bob", "10:30"),
        ("cat", "11:00"),
        ("dan", "11:30"),
        ("eve", "12:00"),
    ]:
        expect(
            by_uid,
            f"sync.{ae}",
            weekly(
                2, hhmm, {"2027-10-13": f"2027-10-14 {hhmm}"}, every=2, first=dt.date(2027, 2, 3)
            ),
        )


def test_qbrs_stay_in_the_quarters_first_week_nearest_their_time(
    by_uid: dict[str, list[str]],
) -> None:
    # 1st Tuesday of every fiscal quarter (Feb, May, Aug, Nov), everyone's leadership attends:
    # 14:00, 15:00, 16:00 fill the afternoon, then the nearest earlier hours (13:00, 12:00) of
    # the same day. Nothing spills out of days 1-7. 08-03 is a holiday: the sessions move once
    # every weekly meeting is in place, to the first free times from Wednesday 08-04 inside the
    # week (14:00 there is the TAs' bi-weekly Wednesday check-in): 14:30, 15:30, 09:00 and
    # 13:00 that day, and Thursday 08-05 12:00 for eve (Wednesday 12:00 is her team sync).
    tue = ["2027-02-02", "2027-05-04", "2027-11-02"]
    for ae, regular, moved in [
        ("amy", "14:00", "2027-08-04 14:30"),
        ("bob", "15:00", "2027-08-04 15:30"),
        ("cat", "16:00", "2027-08-04 09:00"),
        ("dan", "13:00", "2027-08-04 13:00"),
        ("eve", "12:00", "2027-08-05 12:00"),
    ]:
        expect(by_uid, f"qbr.{ae}", sorted([f"{d} {regular}" for d in tue] + [moved]))


def test_mbr_per_ta_second_wednesday(by_uid: dict[str, list[str]]) -> None:
    expect(by_uid, "mbr.ana", [f"{d} 13:00" for d in MONTHS_2ND_WED])
    expect(by_uid, "mbr.ben", [f"{d} 13:30" for d in MONTHS_2ND_WED])


def test_renewals_review_weekly(by_uid: dict[str, list[str]]) -> None:
    moves = {
        "2027-02-15": "2027-02-16 09:30",
        "2027-05-31": "2027-06-01 09:30",
        "2027-07-05": "2027-07-06 09:30",
        "2027-09-06": "2027-09-07 09:30",
        "2028-01-17": "2028-01-18 09:30",
    }
    expect(by_uid, "renewals-review", weekly(0, "09:30", moves))


def test_health_score_update_last_thursday(by_uid: dict[str, list[str]]) -> None:
    # Thanksgiving Thursday and Friday are holidays: the next workday is Monday 11-29
    expect(
        by_uid,
        "health-score-update",
        [
            f"{d} 15:00"
            for d in [
                "2027-02-25",
                "2027-03-25",
                "2027-04-29",
                "2027-05-27",
                "2027-06-24",
                "2027-07-29",
                "2027-08-26",
                "2027-09-30",
                "2027-10-28",
                "2027-11-29",
                "2027-12-30",
                "2028-01-27",
            ]
        ],
    )


# ------------------------------------------------------------------ check-ins, laid out per TA
# Accounts are laid out in name order. The first slot tried is 14:00; then every workday
# Monday..Friday at that time; monthly types try weeks 1-4 of each day. A weekly slot needs the
# time free in every week. Tuesday 14:00 week 1 (QBR) and Wednesday 14:00 week 1 (spilled QBR)
# are busy for both TAs.


def test_weekly_check_ins_on_monday(by_uid: dict[str, list[str]]) -> None:
    # Aurora (ana, amy) and Granite (ben, bob): the first free weekly slot is Monday 14:00.
    # Holiday Mondays move to Tuesday, around the meetings already there: 14:00 in week 3 is
    # the TAs' monthly-type check-ins, so 14:30; in week 1 Tuesday is busy from 14:00 (QBR) so
    # the first free time that day is 09:00 (09:30 is the moved renewals review).
    moves = {
        "2027-02-15": "2027-02-16 14:30",
        "2027-05-31": "2027-06-01 09:00",
        "2027-07-05": "2027-07-06 09:00",
        "2027-09-06": "2027-09-07 09:00",
        "2028-01-17": "2028-01-18 14:30",
    }
    expect(by_uid, "check-in.aurora-labs", weekly(0, "14:00", dict(moves)))
    expect(by_uid, "check-in.granite-bank", weekly(0, "14:00", dict(moves)))


def test_biweekly_check_ins_on_wednesday(by_uid: dict[str, list[str]]) -> None:
    # Monday is taken by the TA's weekly account and Tuesday 14:00 is busy in week 1 (the QBRs),
    # so Blue Harbor (ana, bob) and Juniper (ben, eve) meet every other Wednesday from 02-03.
    # A regular meeting keeps its time when a moved one comes (the QBRs of 08-03 move around
    # it). 10-13 (holiday) moves to Thursday 10-14 14:00.
    moves = {"2027-10-13": "2027-10-14 14:00"}
    for account in ("blue-harbor", "juniper-media"):
        expect(
            by_uid,
            f"check-in.{account}",
            weekly(2, "14:00", dict(moves), every=2, first=dt.date(2027, 2, 3)),
        )


def test_monthly_type_check_ins_share_tuesday_by_week(by_uid: dict[str, list[str]]) -> None:
    # ana: Cobalt (monthly) takes Tuesday week 2, Delta (bi-monthly, Feb/Apr/...) week 3,
    # Ember (quarterly, Jan/Apr/Jul/Oct) week 4.
    expect(by_uid, "check-in.cobalt-mining", [f"{d} 14:00" for d in MONTHS_2ND_TUE])
    # Delta keeps its 3rd-Tuesday 14:00; Aurora's moved Monday goes around it (14:30)
    expect(
        by_uid,
        "check-in.delta-freight",
        [
            "2027-02-16 14:00",
            "2027-04-20 14:00",
            "2027-06-15 14:00",
            "2027-08-17 14:00",
            "2027-10-19 14:00",
            "2027-12-21 14:00",
        ],
    )
    expect(
        by_uid,
        "check-in.ember-health",
        [f"{d} 14:00" for d in ["2027-04-27", "2027-07-27", "2027-10-26", "2028-01-25"]],
    )
    # ben: Helix week 2, Iris (quarterly) week 3, Kestrel (bi-monthly) week 4
    expect(by_uid, "check-in.helix-bio", [f"{d} 14:00" for d in MONTHS_2ND_TUE])
    # Iris keeps 14:00; Granite's moved Monday (2028-01-17) goes around it
    expect(
        by_uid,
        "check-in.iris-retail",
        ["2027-04-20 14:00", "2027-07-20 14:00", "2027-10-19 14:00", "2028-01-18 14:00"],
    )
    expect(
        by_uid,
        "check-in.kestrel-air",
        [
            f"{d} 14:00"
            for d in [
                "2027-02-23",
                "2027-04-27",
                "2027-06-22",
                "2027-08-24",
                "2027-10-26",
                "2027-12-28",
            ]
        ],
    )


def test_onboarded_accounts_check_in_after_the_kickoff(by_uid: dict[str, list[str]]) -> None:
    # Mondays, Tuesdays (weeks 1-4) and Wednesdays (the bi-weekly accounts) are full for the TA
    # at 14:00: the first Thursday. Fjord's kickoff is 03-08, so its first check-in is the first
    # Thursday after it (04-01); Lumen's kickoff is 06-21: from 07-01.
    thursdays = [
        "2027-04-01",
        "2027-05-06",
        "2027-06-03",
        "2027-07-01",
        "2027-08-05",
        "2027-09-02",
        "2027-10-07",
        "2027-11-04",
        "2027-12-02",
        "2028-01-06",
    ]
    expect(by_uid, "check-in.fjord-energy", [f"{d} 14:00" for d in thursdays])
    expect(by_uid, "check-in.lumen-schools", [f"{d} 14:00" for d in thursdays[3:]])


def test_touch_bases_for_rare_check_ins(by_uid: dict[str, list[str]]) -> None:
    # 16:30 for 15 minutes, preferring week 3: 3rd Monday (Delta, Iris), then 4th (Ember,
    # Kestrel). Holiday Mondays 02-15 and 01-17 move to Tuesday 16:30.
    third = [
        "2027-02-16",
        "2027-03-15",
        "2027-04-19",
        "2027-05-17",
        "2027-06-21",
        "2027-07-19",
        "2027-08-16",
        "2027-09-20",
        "2027-10-18",
        "2027-11-15",
        "2027-12-20",
        "2028-01-18",
    ]
    fourth = [
        "2027-02-22",
        "2027-03-22",
        "2027-04-26",
        "2027-05-24",
        "2027-06-28",
        "2027-07-26",
        "2027-08-23",
        "2027-09-27",
        "2027-10-25",
        "2027-11-22",
        "2027-12-27",
        "2028-01-24",
    ]
    for account, days in [
        ("delta-freight", third),
        ("iris-retail", third),
        ("ember-health", fourth),
        ("kestrel-air", fourth),
    ]:
        expect(by_uid, f"touch-base.{account}", [f"{d} 16:30" for d in days])
    assert not [u for u in by_uid if "touch-base" in u and ("aurora" in u or "cobalt" in u)]


# ------------------------------------------------------------------ one-offs


def test_renewal_checks_180_days_out_on_a_workday(by_uid: dict[str, list[str]]) -> None:
    cases = {
        # renewal: (renewal - 180 days, weekday) -> the event
        "blue-harbor.20270930": "2027-04-05 11:00",  # Sat 04-03 -> Mon
        "delta-freight.20280304": "2027-09-07 11:00",  # Mon 09-06 holiday -> Tue
        "ember-health.20280131": "2027-08-04 12:30",  # Wed: syncs until 12:30 for the TA
        "fjord-energy.20280330": "2027-10-04 11:00",  # Sat 10-02 -> Mon
        "granite-bank.20271231": "2027-07-06 11:00",  # Sun 07-04 -> Mon holiday -> Tue
        "iris-retail.20280523": "2027-11-29 11:00",  # Thu+Fri holidays, weekend -> Mon
        "juniper-media.20270831": "2027-03-04 11:00",  # Thu
        "kestrel-air.20271015": "2027-04-19 11:00",  # Sun 04-18 -> Mon
    }
    for suffix, stamp in cases.items():
        expect(by_uid, f"renewal-check.{suffix}", [stamp])
    # renewals before 2027-07-31 had their 180-days check before today (2027-04-20): those
    # checks are overdue, on the first free time of the next 5 workdays, and say so
    for suffix, stamp in {
        "aurora-labs.20270514": "2027-04-20 11:00",
        "cobalt-mining.20270420": "2027-04-20 11:30",
        "helix-bio.20270615": "2027-04-20 11:00",
    }.items():
        expect(by_uid, f"renewal-check.{suffix}", [stamp])


def test_onboarding_sequence_on_workdays(by_uid: dict[str, list[str]]) -> None:
    # Fjord from Mon 03-01: handoff that day, knowledge transfer 2 workdays on (Wed 03-03, the
    # TA's syncs fill 10:00-12:30), kickoff 5 workdays on (Mon 03-08).
    expect(by_uid, "handoff.fjord-energy.20270301", ["2027-03-01 10:00"])
    expect(by_uid, "knowledge-transfer.fjord-energy.20270301", ["2027-03-03 12:30"])
    expect(by_uid, "kickoff.fjord-energy.20270301", ["2027-03-08 11:00"])
    expect(by_uid, "handoff.lumen-schools.20270614", ["2027-06-14 10:00"])
    expect(by_uid, "knowledge-transfer.lumen-schools.20270614", ["2027-06-16 12:30"])
    expect(by_uid, "kickoff.lumen-schools.20270614", ["2027-06-21 11:00"])


# ------------------------------------------------------------------ properties over the year


def _clashes(items: list[dict[str, object]]) -> list[tuple[str, str]]:
    out = []
    ordered = sorted(items, key=lambda o: str(o["start"]))
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if str(b["start"]) >= str(a["end"]):
                break
            out.append((str(a["summary"]), str(b["summary"])))
    return out


def test_no_overlapping_qbr_or_mbr_sessions(occ: list[dict[str, object]]) -> None:
    for prefix in ("fx.qbr.", "fx.mbr."):
        sessions = [o for o in occ if str(o["uid"]).startswith(prefix)]
        assert sessions and _clashes(sessions) == []
        for o in sessions:  # within the workday
            assert str(o["start"])[11:16] >= "09:00" and str(o["end"])[11:16] <= "17:00"


def test_nobody_internal_is_double_booked(occ: list[dict[str, object]]) -> None:
    """The layout promise, checked on the expanded calendar: for each person on the team, no
    two meetings overlap (customer contacts are not on the team and are not checked)."""
    internal = {"ana", "ben", "amy", "bob", "cat", "dan", "eve", "kim", "sol", "dir", "vp"}
    for person in internal:
        mine = [o for o in occ if f"{person}@fx.example" in o["attendees"]]  # type: ignore[operator]
        assert _clashes(mine) == [], person


def test_qbr_and_mbr_attendees(occ: list[dict[str, object]]) -> None:
    first = {str(o["uid"]): o["attendees"] for o in occ}
    # dan's accounts: Ember (ana) and Iris (ben), no CE; leadership attends every QBR
    assert sorted(first["fx.qbr.dan@tacal"]) == sorted(  # type: ignore[arg-type]
        ["dan@fx.example", "ana@fx.example", "ben@fx.example", "dir@fx.example", "vp@fx.example"]
    )
    assert "kim@fx.example" in first["fx.qbr.amy@tacal"]  # type: ignore[operator]
    assert sorted(first["fx.mbr.ben@tacal"]) == [  # type: ignore[arg-type]
        "ben@fx.example",
        "dir@fx.example",
        "vp@fx.example",
    ]
    # the bob sync: bob, the TAs of his accounts, Granite's CE and Lumen's SDR
    assert sorted(first["fx.sync.bob@tacal"]) == sorted(  # type: ignore[arg-type]
        ["bob@fx.example", "ana@fx.example", "ben@fx.example", "kim@fx.example", "sol@fx.example"]
    )
    # a check-in: TA, AE and the customer's contacts
    assert sorted(first["fx.check-in.blue-harbor@tacal"]) == sorted(  # type: ignore[arg-type]
        ["ana@fx.example", "bob@fx.example", "it@blueharbor.example", "ops@blueharbor.example"]
    )


def test_every_account_has_a_contact_in_every_month(occ: list[dict[str, object]]) -> None:
    """A check-in, a touch-base reminder or an external meeting, from the month the account
    starts (its onboarding) to the end of the fiscal year."""
    starts = {"Fjord Energy": "2027-03", "Lumen Schools": "2027-06"}
    months = [f"{y}-{m:02d}" for y, m in [(2027, m) for m in range(2, 13)] + [(2028, 1)]]
    seen: dict[str, set[str]] = defaultdict(set)
    for o in occ:
        cadence = str(o["cadence"])
        if o["account"] and cadence in ("check-in", "touch-base", "kickoff"):
            seen[str(o["account"])].add(str(o["start"])[:7])
    assert len(seen) == 12
    for account, got in seen.items():
        wanted = [m for m in months if m >= starts.get(account, "2027-02")]
        assert [m for m in wanted if m not in got] == [], account


def test_filters_for_person_and_account(tacal: Callable[..., Result]) -> None:
    mine = preview(tacal, FIXTURES / "accounts.toml", "--for", "ben@fx.example")
    assert mine and all("ben@fx.example" in o["attendees"] for o in mine)  # type: ignore[operator]
    # every per-TA item is in that TA's feed: ben's accounts, his MBR, the QBRs and syncs
    uids = {str(o["uid"]) for o in mine}
    assert {
        "fx.mbr.ben@tacal",
        "fx.check-in.granite-bank@tacal",
        "fx.qbr.eve@tacal",
        "fx.touch-base.iris-retail@tacal",
        "fx.kickoff.lumen-schools.20270614@tacal",
    } <= uids
    assert not [u for u in uids if "aurora" in u or u == "fx.mbr.ana@tacal"]
    acct = preview(tacal, FIXTURES / "accounts.toml", "--account", "fjord energy")
    assert {str(o["cadence"]) for o in acct} == {
        "check-in",
        "handoff",
        "knowledge-transfer",
        "kickoff",
        "renewal-check",
    }
    assert all(o["account"] == "Fjord Energy" for o in acct)


def test_validate_warns_about_months_without_contact(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = (FIXTURES / "accounts.toml").read_text()
    text = text.replace('rule = "touch-base"\n', 'rule = "touch-base"\nenabled = false\n')
    (tmp_path / "tacal.toml").write_text(text)
    result = tacal("--today", "2027-02-01", "validate")
    assert result.code == 0, result.err
    lines = [line for line in result.err.splitlines() if "no customer contact" in line]
    # Delta (bi-monthly from Feb): Mar, May, Jul, Sep, Nov, Jan; Ember, Iris (quarterly, Jan/
    # Apr/Jul/Oct), Kestrel (bi-monthly)
    assert len(lines) == 4, result.err
    delta = next(line for line in lines if "Delta Freight" in line)
    assert delta.startswith(f"{tmp_path / 'tacal.toml'}:")
    assert (
        "account 'Delta Freight': warning: has no customer contact in 2027-03, 2027-05, "
        "2027-07, 2027-09, 2027-11, 2028-01" in delta
    )
    ember = next(line for line in lines if "Ember Health" in line)
    assert "2027-02, 2027-03, 2027-05, 2027-06, 2027-08, 2027-09, 2027-11, 2027-12" in ember
    preview_result = tacal("--today", "2027-02-01", "preview", "--quarter", "current")
    assert "Delta Freight': warning: has no customer contact in 2027-03" in preview_result.err


def test_rebuild_on_a_later_day_is_byte_identical(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """Agendas that depend on today (renewal window, Top 3) change only when their content
    does: 04-22 and 04-23 have the same renewals within 180 days and the same next MBR."""
    out = tmp_path / "fx.ics"
    config = FIXTURES / "accounts.toml"
    assert tacal("--config", config, "--today", "2027-04-22", "build", "-o", out).code == 0
    first = out.read_bytes()
    assert tacal("--config", config, "--today", "2027-04-23", "build", "-o", out).code == 0
    assert out.read_bytes() == first
    # 04-21: Cobalt (renewing 04-20) leaves the yellow/red list: only that series changes
    assert tacal("--config", config, "--today", "2027-04-20", "build", "-o", out).code == 0
    before = sequences(out.read_bytes())
    assert tacal("--config", config, "--today", "2027-04-21", "build", "-o", out).code == 0
    after = sequences(out.read_bytes())
    assert {uid for uid in after if after[uid] != before[uid]} == {"fx.renewals-review@tacal"}


def sequences(data: bytes) -> dict[str, int]:
    from icalendar import Calendar

    return {
        str(e["UID"]): int(e["SEQUENCE"])
        for e in Calendar.from_ical(data).walk("VEVENT")
        if e.get("RECURRENCE-ID") is None
    }
