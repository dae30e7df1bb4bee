"""Why a meeting cannot be placed, and what would fit instead: :class:`PlacementError` and
the messages it carries.

The planner (:mod:`tacal.series.planner`) asks the grid for a free time and marks the
answer. When the answer is no, the user needs to know who and which window would fit, which
takes a second, read-only look at the same grid: each attendee's hours mask, their clock in
their own zone, their busy times. That look is here so the planner keeps only the order of
placement; none of it places or marks anything. The daylight-saving warning for an exact
team time is here too: a message about a placed time, not a placement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from tacal.errors import Problem
from tacal.model import WEEKDAYS, Busy, Cadence, Team
from tacal.schedule import rules
from tacal.schedule.clocks import Clock, team_window
from tacal.schedule.occupancy import Occupancy


class PlacementError(ValueError):
    """A meeting cannot be placed; the message says why and what to change."""


def clock_change_warning(
    cadence: Cadence, rec: rules.Recurrence, grid: Occupancy, team: Team, until: dt.datetime
) -> Problem | None:
    """A located warning when an exact team time falls in an hour a DST change skips or
    repeats (the writer then keeps the meeting's length with DURATION)."""
    dst = grid.dst_dated
    if not dst:
        return None
    for occ in rules.occurrences(rec, until, team.timezone):
        first = (occ.hour * 60 + occ.minute) // 5
        cells = range(first, first + max(1, cadence.duration // 5))
        if any((occ.date(), c) in dst for c in cells):
            return Problem(
                cadence.where,
                f"time = {cadence.time:%H:%M} on {occ:%a %Y-%m-%d} is in an "
                f"hour that a daylight-saving change skips or repeats in "
                f"{team.timezone}; clients show that meeting at a shifted time: "
                "choose a time outside 01:00-03:00",
                "warning",
            )
    return None


def check_hours(
    cadence: Cadence,
    people: tuple[str, ...],
    rec: rules.Recurrence,
    grid: Occupancy,
    team: Team,
    clocks: Mapping[str, Clock],
    horizon: tuple[dt.date, dt.date],
    until: dt.datetime,
) -> None:
    """Raise :class:`PlacementError` when an exact team time is outside someone's working
    hours: who, their hours in their zone and the team's, their first miss, and the times
    that would fit everyone (:func:`window_text`)."""
    tz = team.tz
    lo, hi = horizon
    outside: list[str] = []
    instants = [
        (occ, occ.replace(tzinfo=tz)) for occ in rules.occurrences(rec, until, team.timezone)
    ]
    length = dt.timedelta(minutes=cadence.duration)
    seen: dict[tuple[object, ...], bool] = {}
    for p in people:
        clock = clocks.get(p)
        if clock is None:
            continue
        probe = replace(clock, holidays=frozenset())
        shape = (clock.zone, clock.start, clock.end, clock.workdays)
        for occ, begin in instants:
            key = (shape, occ)
            ok = seen.get(key)
            if ok is None:
                ok = seen[key] = probe.fits(begin, begin.astimezone(dt.UTC) + length)
            if not ok:
                local = (
                    ""
                    if clock.zone == team.timezone
                    else (
                        f", that is {team_window(clock, team.timezone, lo, hi)} in {team.timezone}"
                    )
                )
                outside.append(
                    f"{clock.label} ({clock.hours_text()} {clock.zone}{local}; "
                    f"first miss {occ:%a %Y-%m-%d %H:%M})"
                )
                break
    if outside:
        raise PlacementError(
            f"time = {cadence.time:%H:%M} ({team.timezone}) is outside the working "
            f"hours of {'; '.join(outside)}; {window_text(cadence, people, grid, team)}"
        )


def window_text(cadence: Cadence, people: tuple[str, ...], grid: Occupancy, team: Team) -> str:
    """Which team-local times on the cadence's day would fit everyone, for messages."""
    day = WEEKDAYS.index(cadence.day) if cadence.day else 0
    free = [
        c
        for c in range(24 * 60 // 5)
        if all((day, c) not in grid.off.get(p, frozenset()) for p in people)
    ]
    runs: list[tuple[int, int]] = []
    for c in free:
        if runs and runs[-1][1] == c:
            runs[-1] = (runs[-1][0], c + 1)
        else:
            runs.append((c, c + 1))
    fitting = [(a * 5, b * 5) for a, b in runs if (b - a) * 5 >= cadence.duration]
    if not fitting:
        return "no time of day fits everyone: change someone's hours or the attendees"
    shown = ", ".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in fitting)
    return f"a time that fits everyone: {shown} ({team.timezone})"


def no_slot(
    cadence: Cadence,
    people: tuple[str, ...],
    extra: tuple[str, ...],
    in_week: bool,
    grid: Occupancy,
    team: Team,
    clocks: Mapping[str, Clock],
    horizon: tuple[dt.date, dt.date],
    busy_times: Busy | None,
) -> str:
    """Why no free pattern was found: nobody's hours overlap at all, or they do and are
    full (with the people whose busy times took part)."""
    who = (*people, *extra)
    common = [
        c
        for c in range(24 * 60 // 5)
        if any(all((d, c) not in grid.off.get(p, frozenset()) for p in who) for d in range(7))
    ]
    if not common:
        lo, hi = horizon
        hours = "; ".join(
            f"{grid.clocks[p].label} {grid.clocks[p].hours_text()} "
            f"{grid.clocks[p].zone} ("
            f"{team_window(grid.clocks[p], team.timezone, lo, hi)} in "
            f"{team.timezone})"
            for p in who
            if p in grid.clocks
        )
        return (
            f"no time of day is inside everyone's working hours: {hours}; change "
            "someone's hours or who attends"
        )
    names = ", ".join(clocks[p].label if p in clocks else p for p in people)
    where = f" in week {cadence.week} of the month" if in_week and cadence.week else ""
    customer = " and the customer's hours" if extra else ""
    busy = [
        clocks[p].label
        for p in people
        if p in clocks and busy_times is not None and busy_times.blocks(p)
    ]
    around = (
        f" around the busy times of {', '.join(busy)} (their calendars, over the busy "
        "horizon; --no-busy shows placement without them)"
        if busy
        else ""
    )
    return (
        f"no free {cadence.duration}-minute time{where} within the working hours of "
        f"{names}{customer}{around}; shorten the meetings, widen someone's hours, or "
        "spread the work over more people"
    )


__all__ = ["PlacementError", "check_hours", "clock_change_warning", "no_slot", "window_text"]
