"""Exact dates of every built-in cadence over fiscal year FY2028 (Feb 2027 - Jan 2028).

The expectations are written by hand (monthly rules, checked against GNU ``date``) or produced
by a plain day-by-day walker below that shares no code with the RRULE generation. Times are
checked with their UTC offset, so the weeks around both US DST changes (2027-03-14 and
2027-11-07) are covered.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

import pytest

TODAY = "2026-11-24"  # current fiscal year FY2027 starts 2026-02-01: series anchor there
WINDOW = ("2027-02-01", "2028-02-01")
HOLIDAYS = {
    dt.date(2027, 5, 31),
    dt.date(2027, 7, 5),
    dt.date(2027, 9, 6),
    dt.date(2027, 11, 25),
    dt.date(2027, 12, 24),
}
DST_START, DST_END = dt.date(2027, 3, 14), dt.date(2027, 11, 7)


def ny_offset(day: dt.date) -> str:
    return "-04:00" if DST_START <= day < DST_END else "-05:00"


def walk(weekdays: set[int], every: int = 1, anchor: dt.date | None = None) -> list[dt.date]:
    """Day-by-day walker: the plain meaning of 'every workday' / 'every (other) Tuesday'."""
    day, end = dt.date(2027, 2, 1), dt.date(2028, 2, 1)
    out = []
    while day < end:
        if day.weekday() in weekdays and (
            anchor is None or ((day - anchor).days // 7) % every == 0
        ):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


@pytest.fixture(scope="module")
def by_uid() -> dict[str, list[str]]:
    import os

    from tests.conftest import _run

    os.environ.pop("TACAL_CONFIG", None)
    cwd = os.getcwd()
    os.chdir("/")
    try:
        result = _run(
            [
                "--today",
                TODAY,
                "-q",
                "preview",
                "--from",
                WINDOW[0],
                "--to",
                WINDOW[1],
                "--format",
                "json",
            ]
        )
    finally:
        os.chdir(cwd)
    assert result.code == 0, result.err
    grouped: dict[str, list[str]] = defaultdict(list)
    for occ in json.loads(result.out):
        grouped[occ["uid"]].append(occ["start"])
    return grouped


def starts(days: list[dt.date], hhmm: str) -> list[str]:
    return [f"{d.isoformat()}T{hhmm}:00{ny_offset(d)}" for d in days]


def test_daily_task_review_every_workday_but_holidays(by_uid: dict[str, list[str]]) -> None:
    expected = [d for d in walk({0, 1, 2, 3, 4}) if d not in HOLIDAYS]
    assert by_uid["ta-team.task-review@tacal"] == starts(expected, "09:00")
    # the weeks around both DST changes, spelled out
    got = by_uid["ta-team.task-review@tacal"]
    assert "2027-03-12T09:00:00-05:00" in got and "2027-03-15T09:00:00-04:00" in got
    assert "2027-11-05T09:00:00-04:00" in got and "2027-11-08T09:00:00-05:00" in got
    assert len(got) == 256


def test_biweekly_team_check_in(by_uid: dict[str, list[str]]) -> None:
    expected = walk({1}, every=2, anchor=dt.date(2026, 2, 3))
    assert expected[0] == dt.date(2027, 2, 2)
    assert by_uid["ta-team.team-check-in@tacal"] == starts(expected, "10:00")
    assert len(expected) == 26


def test_weekly_traits_review_moves_off_christmas_eve(by_uid: dict[str, list[str]]) -> None:
    """Christmas Eve's review goes to Monday 12-27 at the first time both TAs have free:
    14:30, after the Acme Corp and Hooli check-ins that meet on Mondays at 14:00 (a moved team
    meeting goes around the customers' meetings; it used to take 14:00 and push both)."""
    fridays = walk({4})
    expected = [d for d in fridays if d not in HOLIDAYS]
    assert by_uid["ta-team.traits-review@tacal"] == sorted(
        [*starts(expected, "14:00"), "2027-12-27T14:30:00-05:00"]
    )
    for account in ("acme-corp", "hooli"):
        assert "2027-12-27T14:00:00-05:00" in by_uid[f"ta-team.customer-check-in.{account}@tacal"]


def test_account_team_sync_per_ae_back_to_back(by_uid: dict[str, list[str]]) -> None:
    wednesdays = walk({2})
    assert by_uid["ta-team.account-team-sync.alex@tacal"] == starts(wednesdays, "11:00")
    assert by_uid["ta-team.account-team-sync.jordan@tacal"] == starts(wednesdays, "11:30")


def test_health_score_update_last_thursday_moves_off_thanksgiving(
    by_uid: dict[str, list[str]],
) -> None:
    expected = [
        "2027-02-25",
        "2027-03-25",
        "2027-04-29",
        "2027-05-27",
        "2027-06-24",
        "2027-07-29",
        "2027-08-26",
        "2027-09-30",
        "2027-10-28",
        "2027-11-26",
        "2027-12-30",
        "2028-01-27",
    ]
    assert by_uid["ta-team.health-score-update@tacal"] == starts(
        [dt.date.fromisoformat(d) for d in expected], "15:00"
    )


def test_mbr_second_week_of_every_month(by_uid: dict[str, list[str]]) -> None:
    expected = [
        "2027-02-10",
        "2027-03-10",
        "2027-04-14",
        "2027-05-12",
        "2027-06-09",
        "2027-07-14",
        "2027-08-11",
        "2027-09-08",
        "2027-10-13",
        "2027-11-10",
        "2027-12-08",
        "2028-01-12",
    ]
    mbr = [u for u in by_uid if u.startswith("ta-team.mbr")]
    assert mbr, "the default has an MBR series"
    first = sorted(by_uid[mbr[0]])
    assert [s[:10] for s in first] == expected
    for uid in mbr:
        assert [s[:10] for s in by_uid[uid]] == expected
        assert all(8 <= int(s[8:10]) <= 14 for s in by_uid[uid])


def test_qbr_first_week_of_each_fiscal_quarter(by_uid: dict[str, list[str]]) -> None:
    # FY starts in February: quarters start Feb, May, Aug, Nov; the 1st Tuesday of each.
    expected = [dt.date(2027, 2, 2), dt.date(2027, 5, 4), dt.date(2027, 8, 3), dt.date(2027, 11, 2)]
    # one 60-minute session per AE, back to back from 13:00 (so none overlap)
    assert by_uid["ta-team.qbr.alex@tacal"] == starts(expected, "13:00")
    assert by_uid["ta-team.qbr.jordan@tacal"] == starts(expected, "14:00")
    assert by_uid["ta-team.qbr.priya@tacal"] == starts(expected, "15:00")


def test_customer_comms_first_thursday(by_uid: dict[str, list[str]]) -> None:
    expected = [
        "2027-02-04",
        "2027-03-04",
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
    assert by_uid["ta-team.customer-comms@tacal"] == starts(
        [dt.date.fromisoformat(d) for d in expected], "11:00"
    )
