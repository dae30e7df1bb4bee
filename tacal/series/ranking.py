"""Which accounts an agenda names: a TA's Top 3 for the MBR, the yellow/red renewals.

Pure functions of the accounts and a date, so the agenda of a meeting can be reproduced (and
tested) from the data alone.

The Top 3 ranking
-----------------
The handbook names three criteria: top ARR spend, renewing in the current fiscal quarter and
expansion opportunity. For the MBR on day D, each of the TA's accounts is scored on them:

* **top ARR**: its ARR is one of the TA's three highest (every account tied with the third
  highest counts too) and above zero;
* **renewing**: its renewal date falls in the fiscal quarter that contains D;
* **expansion**: ``expansion = true``.

Accounts are ranked by, in order, (1) the number of criteria met, most first; (2) renewing this
quarter first; (3) higher ARR first; (4) expansion first; (5) earlier renewal date first (none
last); (6) name, case-insensitively. The first three are the Top 3. Steps 2-6 make the order total,
so the same accounts always give the same Top 3 whatever order they are listed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tacal.model import Account
from tacal.schedule.fiscal import Quarter

TOP = 3


@dataclass(frozen=True)
class Ranked:
    """One account in a Top 3, with the criteria it met (for the agenda)."""

    account: Account
    rank: int
    top_arr: bool
    renewing: bool
    expansion: bool
    quarter: str

    @property
    def criteria(self) -> int:
        return int(self.top_arr) + int(self.renewing) + int(self.expansion)

    @property
    def reasons(self) -> list[str]:
        out = []
        if self.top_arr:
            out.append("top ARR")
        if self.renewing:
            out.append(f"renewal this quarter ({self.quarter})")  # the date is `renewal`
        if self.expansion:
            out.append("expansion opportunity")
        return out

    # the agenda reads these like an account's own fields
    @property
    def name(self) -> str:
        return self.account.name

    @property
    def arr(self) -> float:
        return self.account.arr

    @property
    def health(self) -> str:
        return self.account.health

    @property
    def renewal(self) -> dt.date | None:
        return self.account.renewal


def _arr_threshold(accounts: Sequence[Account], top: int) -> float:
    amounts = sorted((a.arr for a in accounts), reverse=True)
    if not amounts:
        return float("inf")
    return amounts[min(top, len(amounts)) - 1]


def rank(accounts: Iterable[Account], quarter: Quarter, top: int = TOP) -> list[Ranked]:
    """Every account ranked as the module docstring says; the first ``top`` are the Top 3."""
    pool = list(accounts)
    threshold = _arr_threshold(pool, top)
    scored = []
    for a in pool:
        renewing = a.renewal is not None and quarter.start <= a.renewal < quarter.end
        scored.append(
            Ranked(a, 0, a.arr > 0 and a.arr >= threshold, renewing, a.expansion, quarter.label)
        )
    scored.sort(
        key=lambda r: (
            -r.criteria,
            not r.renewing,
            -r.account.arr,
            not r.expansion,
            r.account.renewal or dt.date.max,
            r.account.name.casefold(),
            r.account.name,
        )
    )
    return [
        Ranked(r.account, i + 1, r.top_arr, r.renewing, r.expansion, r.quarter)
        for i, r in enumerate(scored)
    ]


def top3(accounts: Iterable[Account], quarter: Quarter) -> list[Ranked]:
    """That TA's Top 3 (fewer when the TA has fewer accounts)."""
    return rank(accounts, quarter)[:TOP]


def renewals_at_risk(accounts: Iterable[Account], today: dt.date, days: int) -> list[Account]:
    """Yellow and red accounts renewing within ``days`` days of ``today``, soonest first."""
    end = today + dt.timedelta(days=days)
    found = [
        a
        for a in accounts
        if a.health in ("yellow", "red") and a.renewal is not None and today <= a.renewal <= end
    ]
    return sorted(found, key=lambda a: (a.renewal, a.name.casefold()))


__all__ = ["TOP", "Ranked", "rank", "renewals_at_risk", "top3"]
