"""Fiscal quarters for every starting month, quarter names, and quarter parsing."""

from __future__ import annotations

import datetime as dt

import pytest

from tacal.schedule.fiscal import parse_quarter, quarter_of, quarter_start_months


@pytest.mark.parametrize("start", range(1, 13))
def test_quarters_tile_the_year(start: int) -> None:
    day = dt.date(2027, 1, 1)
    seen = []
    while day < dt.date(2029, 1, 1):
        q = quarter_of(day, start)
        assert q.start <= day < q.end
        assert q.start.month in quarter_start_months(start)
        assert q.start.day == 1
        seen.append(q)
        day = q.end
    assert all(a.end == b.start for a, b in zip(seen, seen[1:], strict=False))


def test_naming_by_end_year() -> None:
    q = quarter_of(dt.date(2026, 11, 24), 2)
    assert (q.label, q.start, q.end) == ("FY2027-Q4", dt.date(2026, 11, 1), dt.date(2027, 2, 1))
    assert quarter_of(dt.date(2027, 2, 1), 2).label == "FY2028-Q1"
    assert quarter_of(dt.date(2027, 2, 1), 2, "start").label == "FY2027-Q1"
    assert quarter_of(dt.date(2027, 3, 31), 1).label == "FY2027-Q1"


def test_parse_quarter() -> None:
    today = dt.date(2026, 11, 24)
    assert parse_quarter("current", today, 2).label == "FY2027-Q4"
    assert parse_quarter("next", today, 2).label == "FY2028-Q1"
    q = parse_quarter("FY2027-Q3", today, 2)
    assert (q.start, q.end) == (dt.date(2026, 8, 1), dt.date(2026, 11, 1))
    assert parse_quarter("fy2028-q1", today, 2).start == dt.date(2027, 2, 1)
    # the fiscal year boundary: Q4 of FY2027 runs across the calendar year end
    q4 = parse_quarter("FY2027-Q4", today, 2)
    assert (q4.start, q4.end) == (dt.date(2026, 11, 1), dt.date(2027, 2, 1))
    with pytest.raises(ValueError, match="FY2027-Q3"):
        parse_quarter("Q3", today, 2)
