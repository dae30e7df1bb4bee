"""A plain day-by-day reading of what a cadence means. Shares no code with tacal.rules.

It walks the calendar one day at a time and asks the question a person would ask ("is this the
second Wednesday of a month that starts a fiscal quarter?"), so agreement with the RRULE output
is evidence that the rules say what the cadence means.
"""

from __future__ import annotations

import datetime as dt

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _nth_of_month(day: dt.date) -> int:
    return (day.day - 1) // 7 + 1


def _is_last_of_month(day: dt.date) -> bool:
    return (day + dt.timedelta(days=7)).month != day.month


def _months(rule: str, fy_start: int) -> set[int]:
    if rule == "monthly":
        return set(range(1, 13))
    if rule == "quarterly":
        return {1, 4, 7, 10}
    if rule == "fiscal-quarterly":
        return {(fy_start - 1 + 3 * i) % 12 + 1 for i in range(4)}
    if rule == "bimonthly":
        return {(fy_start - 1 + 2 * i) % 12 + 1 for i in range(6)}
    raise ValueError(rule)


def planned_days(cadence: dict, team: dict, start: dt.date, end: dt.date) -> list[dt.date]:
    """Days the rule itself picks in [start, end), before holiday moves."""
    rule = cadence["rule"]
    workdays = team.get("workdays", ["MO", "TU", "WE", "TH", "FR"])
    out = []
    day = start
    first_weekly: dt.date | None = None
    while day < end:
        code = DAYS[day.weekday()]
        if rule == "daily":
            if code in workdays:
                out.append(day)
        elif rule in ("weekly", "biweekly"):
            if code == cadence["day"]:
                if first_weekly is None:
                    first_weekly = day
                step = 1 if rule == "weekly" else 2
                if ((day - first_weekly).days // 7) % step == 0:
                    out.append(day)
        else:
            week = cadence["week"]
            hit = _is_last_of_month(day) if week == -1 else _nth_of_month(day) == week
            if (
                code == cadence["day"]
                and hit
                and day.month in _months(rule, team["fiscal_year_start"])
            ):
                out.append(day)
        day += dt.timedelta(days=1)
    return out


def _week_days(day: dt.date, week: int) -> list[dt.date]:
    """The days of ``day``'s month that make up week ``week`` (1-5, or -1: the last seven)."""
    month_end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    first = month_end - dt.timedelta(days=6) if week == -1 else day.replace(day=7 * (week - 1) + 1)
    return [
        first + dt.timedelta(days=i) for i in range(7) if first + dt.timedelta(days=i) <= month_end
    ]


def meeting_days(
    cadence: dict, team: dict, start: dt.date, end: dt.date, in_week: bool = False
) -> list[dt.date]:
    """Days with a meeting: holidays move to the next workday unless one is already planned.

    ``cadence["until"]`` (a date, optional) is the last day the rule plans a meeting; one
    planned then on a holiday still moves to the next workday. With ``in_week`` (sessions of a
    monthly cadence) the move stays in the same week of the month: the next workday in it,
    else the one before.
    """
    holidays = {dt.date.fromisoformat(h) for h in team.get("holidays", [])}
    workdays = team.get("workdays", ["MO", "TU", "WE", "TH", "FR"])
    planned = planned_days(cadence, team, start, end + dt.timedelta(days=60))
    until = cadence.get("until")
    if until is not None:
        until = dt.date.fromisoformat(until) if isinstance(until, str) else until
        planned = [d for d in planned if d <= until]
    planned_set = set(planned)
    result = set()
    for day in planned:
        if day not in holidays:
            result.add(day)
            continue
        if in_week and cadence.get("week"):
            window = _week_days(day, cadence["week"])
            free = [d for d in window if DAYS[d.weekday()] in workdays and d not in holidays]
            later = [d for d in free if d > day]
            earlier = [d for d in reversed(free) if d < day]
            result.update((later or earlier)[:1])
            continue
        target = day + dt.timedelta(days=1)
        while DAYS[target.weekday()] not in workdays or target in holidays:
            target += dt.timedelta(days=1)
        if target not in planned_set:
            result.add(target)
    return sorted(d for d in result if start <= d < end)
