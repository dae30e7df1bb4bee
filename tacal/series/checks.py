"""Checks over built series: months without customer contact, the onboarding plan summary.

They read series, never place them: ``validate``, ``preview`` and ``onboard`` report with them.
"""

from __future__ import annotations

import datetime as dt

from tacal.errors import Problem
from tacal.model import Config
from tacal.schedule import rules
from tacal.series.context import series_start
from tacal.series.types import Series


def _months(lo: dt.date, hi: dt.date) -> list[tuple[int, int]]:
    """Calendar months that lie entirely inside [lo, hi)."""
    out: list[tuple[int, int]] = []
    year, month = lo.year, lo.month
    if lo.day != 1:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    while True:
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        if dt.date(*nxt, 1) > hi:
            return out
        out.append((year, month))
        year, month = nxt


def contact_gaps(config: Config, series: list[Series], lo: dt.date, hi: dt.date,
                 start: dt.date, account: str | None = None) -> list[Problem]:
    """A warning for every account with a calendar month in [lo, hi) and no customer contact.

    A contact is a check-in or a touch-base reminder or any external meeting for the account.
    Months before ``start`` (the calendar's first day) or before the account's onboarding are
    not counted.
    """
    rule_of = {c.id: c.rule for c in config.cadences}
    months = _months(lo, hi)
    if not months:
        return []
    until = dt.datetime.combine(hi, dt.time(0))
    seen: dict[str, set[tuple[int, int]]] = {}
    for s in series:
        if s.account is None or not (
            s.kind == "external" or rule_of.get(s.cadence_id) in ("check-in", "touch-base")
        ):
            continue
        found = seen.setdefault(s.account, set())
        for occ in rules.occurrences(s.recurrence, until):
            found.add((occ.year, occ.month))
    out = []
    for a in sorted(config.accounts, key=lambda a: a.name.casefold()):
        if account is not None and a.name.casefold() != account.casefold():
            continue
        begin = max(start, a.onboarding_start or start)
        missing = [f"{y}-{m:02d}" for y, m in months
                   if (y, m) >= (begin.year, begin.month) and (y, m) not in seen.get(a.name, ())]
        if missing:
            # a.where names a TOML account ("tacal.toml:40: account 'Acme'"), not a CSV row
            who = "" if a.where.endswith(f"account {a.name!r}") else f"account {a.name!r} "
            out.append(Problem(a.where, f"{who}has no customer contact in "
                               f"{', '.join(missing)}; add a check-in or touch-base cadence "
                               "(rule = \"check-in\" / \"touch-base\") or a more frequent "
                               "check_in", "warning"))
    return out


def gap_warnings(config: Config, series: list[Series], today: dt.date,
                 window: tuple[dt.date, dt.date] | None = None,
                 account: str | None = None) -> list[Problem]:
    """What ``validate`` (the 12 months from this one) and ``preview`` (its window) warn about."""
    if window is None:
        lo = today.replace(day=1)
        window = (lo, lo.replace(year=lo.year + 1))
    return contact_gaps(config, series, window[0], window[1],
                        series_start(config.team, today), account)


def onboarding_plan(config: Config, series: list[Series], account: str) -> list[str]:
    """One line per onboarding step and the first check-in, for ``tacal onboard``."""
    rule_of = {c.id: c.rule for c in config.cadences}
    mine = [s for s in series if s.account is not None
            and s.account.casefold() == account.casefold()]
    lines = [f"{s.start:%a %Y-%m-%d %H:%M}  {s.summary}" for s in sorted(
        mine, key=lambda s: s.start) if rule_of.get(s.cadence_id) == "onboarding"]
    for s in mine:
        if rule_of.get(s.cadence_id) == "check-in":
            first = min([s.start, *s.recurrence.rdates])
            lines.append(f"{first:%a %Y-%m-%d %H:%M}  {s.summary} (first; then "
                         f"{s.recurrence.rrule or 'once'})")
    return lines


__all__ = ["contact_gaps", "gap_warnings", "onboarding_plan"]
