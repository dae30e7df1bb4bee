"""Checks over built series: months without customer contact, the onboarding plan summary,
holidays that change nothing.

They read series, never place them: ``validate``, ``preview`` and ``onboard`` report with them.
"""

from __future__ import annotations

import datetime as dt

from tacal.errors import Problem
from tacal.model import WEEKDAYS, Config
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


def contact_gaps(
    config: Config,
    series: list[Series],
    lo: dt.date,
    hi: dt.date,
    start: dt.date,
    account: str | None = None,
) -> list[Problem]:
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
        missing = [
            f"{y}-{m:02d}"
            for y, m in months
            if (y, m) >= (begin.year, begin.month) and (y, m) not in seen.get(a.name, ())
        ]
        if missing:
            # a.where names a TOML account ("tacal.toml:40: account 'Acme'"), not a CSV row
            who = "" if a.where.endswith(f"account {a.name!r}") else f"account {a.name!r} "
            out.append(
                Problem(
                    a.where,
                    f"{who}has no customer contact in "
                    f"{', '.join(missing)}; add a check-in or touch-base cadence "
                    '(rule = "check-in" / "touch-base") or a more frequent '
                    "check_in",
                    "warning",
                )
            )
    return out


def gap_warnings(
    config: Config,
    series: list[Series],
    today: dt.date,
    window: tuple[dt.date, dt.date] | None = None,
    account: str | None = None,
) -> list[Problem]:
    """What ``validate`` (the 12 months from this one) and ``preview`` (its window) warn about."""
    if window is None:
        lo = today.replace(day=1)
        window = (lo, lo.replace(year=lo.year + 1))
    return contact_gaps(
        config, series, window[0], window[1], series_start(config.team, today), account
    )


#: Holidays further ahead than this are probably a typo in the year.
HOLIDAY_REACH_YEARS = 2


def _listed(days: list[dt.date]) -> str:
    text = ", ".join(str(d) for d in days[:5])
    return text + (f" and {len(days) - 5} more" if len(days) > 5 else "")


def holiday_warnings(config: Config, today: dt.date) -> list[Problem]:
    """Team and person holidays that change nothing or look mistyped, for ``validate``.

    A holiday on a day nobody it applies to works; holidays before the calendar's first day
    (``team.start``, else today: series are not back-filled; one warning per list); and holidays
    more than two years after ``today``. Duplicates are found while loading (they are gone from
    the model). Dates from ``country`` are the holidays package's and are not checked.
    """
    team = config.team
    first = series_start(team, today)
    whence = "team.start" if team.start else "today: series are not back-filled"
    try:
        reach = today.replace(year=today.year + HOLIDAY_REACH_YEARS)
    except ValueError:  # 29 February
        reach = today.replace(year=today.year + HOLIDAY_REACH_YEARS, day=28)
    own_days = {d for p in config.people.values() if p.workdays for d in p.workdays}
    lists = [(team.holidays_where or config.source, team.holidays, set(team.workdays) | own_days)]
    lists += [
        (p.holidays_where or config.source, p.holidays, set(p.workdays or team.workdays))
        for p in config.people.values()
    ]
    out: list[Problem] = []
    for where, days, workdays in lists:
        early = [d for d in days if d < first]
        if early:
            is_, it = ("is", "it changes") if len(early) == 1 else ("are", "they change")
            out.append(
                Problem(
                    where,
                    f"{_listed(early)} {is_} before the calendar starts "
                    f"({first}, {whence}): {it} nothing",
                    "warning",
                )
            )
        for d in days:
            if d < first:
                continue
            if WEEKDAYS[d.weekday()] not in workdays:
                out.append(
                    Problem(where, f"{d} is a {d:%A}, not a workday: it changes nothing", "warning")
                )
            if d > reach:
                out.append(
                    Problem(
                        where,
                        f"{d} is more than {HOLIDAY_REACH_YEARS} years after "
                        f"today ({today}); is the year right?",
                        "warning",
                    )
                )
    return out


def onboarding_plan(config: Config, series: list[Series], account: str) -> list[str]:
    """One line per onboarding step and the first check-in, for ``tacal onboard``."""
    rule_of = {c.id: c.rule for c in config.cadences}
    mine = [
        s for s in series if s.account is not None and s.account.casefold() == account.casefold()
    ]
    lines = [
        f"{s.start:%a %Y-%m-%d %H:%M}  {s.summary}"
        for s in sorted(mine, key=lambda s: s.start)
        if rule_of.get(s.cadence_id) == "onboarding"
    ]
    for s in mine:
        if rule_of.get(s.cadence_id) == "check-in":
            # the first meeting, moved or not (the series' start may be a moved occurrence)
            meets = rules.occurrences(s.recurrence, s.start + dt.timedelta(days=400), s.timezone)
            first = meets[0] if meets else s.start
            lines.append(
                f"{first:%a %Y-%m-%d %H:%M}  {s.summary} (first; then "
                f"{s.recurrence.rrule or 'once'})"
            )
    return lines


__all__ = [
    "HOLIDAY_REACH_YEARS",
    "contact_gaps",
    "gap_warnings",
    "holiday_warnings",
    "onboarding_plan",
]
