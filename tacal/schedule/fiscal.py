"""Fiscal-year arithmetic: which months start quarters and how a quarter is named.

A fiscal year is named by the calendar year in which it ends (``naming = "end"``, the common
convention: a year starting February 2026 is FY2027) or in which it starts (``"start"``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

QUARTER_RE = re.compile(r"^FY(\d{4})-Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    fiscal_year: int
    number: int
    start: dt.date
    end: dt.date  # exclusive

    @property
    def label(self) -> str:
        return f"FY{self.fiscal_year}-Q{self.number}"


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def quarter_start_months(fiscal_year_start: int) -> list[int]:
    """Calendar months (sorted) in which fiscal quarters begin."""
    return sorted(((fiscal_year_start - 1 + 3 * i) % 12) + 1 for i in range(4))


def fiscal_year_start_date(day: dt.date, fiscal_year_start: int) -> dt.date:
    """First day of the fiscal year that contains ``day``."""
    year = day.year if day.month >= fiscal_year_start else day.year - 1
    return dt.date(year, fiscal_year_start, 1)


def _fy_name(fy_start: dt.date, fiscal_year_start: int, naming: str) -> int:
    if fiscal_year_start == 1 or naming == "start":
        return fy_start.year
    return fy_start.year + 1


def quarter_of(day: dt.date, fiscal_year_start: int, naming: str = "end") -> Quarter:
    fy_start = fiscal_year_start_date(day, fiscal_year_start)
    months_in = (day.year - fy_start.year) * 12 + day.month - fy_start.month
    number = months_in // 3 + 1
    sy, sm = _add_months(fy_start.year, fy_start.month, (number - 1) * 3)
    ey, em = _add_months(sy, sm, 3)
    name = _fy_name(fy_start, fiscal_year_start, naming)
    return Quarter(name, number, dt.date(sy, sm, 1), dt.date(ey, em, 1))


def next_quarter(q: Quarter, fiscal_year_start: int, naming: str = "end") -> Quarter:
    return quarter_of(q.end, fiscal_year_start, naming)


def parse_quarter(
    value: str, today: dt.date, fiscal_year_start: int, naming: str = "end"
) -> Quarter:
    """``next``, ``current`` or ``FY2027-Q3``; raises ValueError with the accepted forms."""
    current = quarter_of(today, fiscal_year_start, naming)
    if value == "current":
        return current
    if value == "next":
        return next_quarter(current, fiscal_year_start, naming)
    m = QUARTER_RE.match(value.strip())
    if not m:
        raise ValueError(f"{value!r} is not a quarter; use next, current or FY2027-Q3")
    fy, number = int(m.group(1)), int(m.group(2))
    # The fiscal year named ``fy`` starts in calendar year fy (naming start, or Jan) or fy-1.
    start_year = fy if (fiscal_year_start == 1 or naming == "start") else fy - 1
    sy, sm = _add_months(start_year, fiscal_year_start, (number - 1) * 3)
    return quarter_of(dt.date(sy, sm, 1), fiscal_year_start, naming)
