"""The check every build ends with: nobody internal double-booked, nobody outside their day.

Placement (:mod:`tacal.series.planner`) is built so this never finds anything; the check is
exact (every occurrence, in UTC and in each attendee's own zone) where placement works on
weekly patterns, so it is the proof rather than a second opinion. ``validate`` prints its
summary ("0 overlaps for 9 people over the next 12 months").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from operator import itemgetter
from zoneinfo import ZoneInfo

from tacal.errors import Problem
from tacal.model import Cadence, Config
from tacal.schedule import rules
from tacal.schedule.clocks import Clock, person_clock
from tacal.series.types import Series

WINDOW = dt.timedelta(days=365)
#: one meeting of one person: UTC begin and end, team-local start, the series
Booked = tuple[dt.datetime, dt.datetime, dt.datetime, Series]


@dataclass(frozen=True)
class Overlap:
    person: str
    first: Series
    second: Series
    at: dt.datetime  # team-local wall-clock start of the later meeting


@dataclass(frozen=True)
class OutOfHours:
    person: str
    series: Series
    at: dt.datetime
    why: str


@dataclass
class PeopleReport:
    """What the check found between ``start`` and ``end`` (team-local dates)."""

    start: dt.date
    end: dt.date
    people: int
    overlaps: list[Overlap] = field(default_factory=list)
    outside: list[OutOfHours] = field(default_factory=list)
    over_budget: list[tuple[str, dt.date, int]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.overlaps or self.outside or self.over_budget)

    def summary(self) -> str:
        """One line for ``validate``: "0 overlaps for 9 people over the next 12 months
        (2026-12-02 to 2027-12-02); every meeting inside its attendees' hours"."""
        who = "1 person" if self.people == 1 else f"{self.people} people"
        span = f"for {who} over the next 12 months ({self.start} to {self.end})"
        if self.clean:
            return f"0 overlaps {span}; every meeting inside its attendees' hours"
        return (
            f"{len(self.overlaps)} overlaps, {len(self.outside)} meetings outside someone's "
            f"hours, {len(self.over_budget)} days over a meeting budget {span}"
        )


def check_people(
    config: Config, series: list[Series], start: dt.date, end: dt.date | None = None
) -> PeopleReport:
    """Every occurrence between ``start`` and ``end`` (default: a year), every internal
    attendee: overlaps, hours, workdays, holidays and daily budgets, each in their own zone."""
    end = end or start + WINDOW
    team = config.team
    tz = ZoneInfo(team.timezone)
    years = tuple(range(start.year - 1, end.year + 2))
    by_email = {p.email.lower(): p.key for p in config.people.values()}
    clocks: dict[str, Clock] = {k: person_clock(team, p, years) for k, p in config.people.items()}
    until = dt.datetime.combine(end, dt.time(0))
    lo = dt.datetime.combine(start, dt.time(0))
    busy: dict[str, list[Booked]] = defaultdict(list)
    report = PeopleReport(start, end, len(clocks))
    utc_of: dict[dt.datetime, dt.datetime] = {}
    # people with the same clock share every answer (most of a team keeps the team's day)
    shapes: dict[tuple[object, ...], int] = {}
    shape_of = {
        k: shapes.setdefault((c.zone, c.start, c.end, c.workdays, c.holidays), len(shapes))
        for k, c in clocks.items()
    }
    fits_cache: dict[tuple[int, dt.datetime, dt.timedelta], bool] = {}
    for s in series:
        people = sorted(
            {by_email[a.email.lower()] for a in s.attendees if a.email.lower() in by_email}
        )
        if not people:
            continue
        moved = {o.recurrence_id: o.start for o in s.overrides}
        duration = s.duration
        whose: list[tuple[str, list[Booked], int, Clock]] | None = None
        for original, occ in rules.instances(s.recurrence, until, s.timezone):
            occ = moved.get(original, occ)
            if occ < lo:
                continue
            if whose is None:
                # each attendee's list, clock shape and clock, looked up once per series (and
                # only once it has an occurrence, as people first enter ``busy`` then)
                whose = [(p, busy[p], shape_of[p], clocks[p]) for p in people]
            begin = utc_of.get(occ)
            if begin is None:
                begin = utc_of[occ] = occ.replace(tzinfo=tz).astimezone(dt.UTC)
            finish = begin + duration
            item = (begin, finish, occ, s)  # one tuple shared by every attendee's list
            for p, items, shape, clock in whose:
                items.append(item)
                key = (shape, begin, duration)
                ok = fits_cache.get(key)
                if ok is None:
                    ok = fits_cache[key] = clock.fits(begin, finish)
                if not ok:
                    report.outside.append(OutOfHours(p, s, occ, _why(clock, begin, finish)))
    # each start's local day, per zone: people in one zone share them
    day_of: dict[dt.tzinfo, dict[dt.datetime, dt.date]] = {}
    for p, items in busy.items():
        items.sort(key=itemgetter(0, 1))
        latest: Booked | None = None
        for item in items:
            if latest is not None and item[0] < latest[1] and item[3].uid != latest[3].uid:
                report.overlaps.append(Overlap(p, latest[3], item[3], item[2]))
            if latest is None or item[1] > latest[1]:
                latest = item
        limit = clocks[p].max_minutes
        if limit is not None:
            daily: dict[dt.date, int] = defaultdict(int)
            days = day_of.setdefault(clocks[p].tz, {})
            for begin, finish, _, _ in items:
                local_day = days.get(begin)
                if local_day is None:
                    local_day = days[begin] = begin.astimezone(clocks[p].tz).date()
                daily[local_day] += int((finish - begin).total_seconds() // 60)
            report.over_budget.extend((p, d, m) for d, m in sorted(daily.items()) if m > limit)
    return report


def _why(clock: Clock, begin: dt.datetime, finish: dt.datetime) -> str:
    local = begin.astimezone(clock.tz)
    day = local.date()
    if day in clock.holidays:
        return f"{day} is a holiday for {clock.label}"
    if day.weekday() not in clock.workdays:
        return f"{local:%A} is not a workday for {clock.label}"
    return (
        f"{local:%H:%M}-{finish.astimezone(clock.tz):%H:%M} {clock.zone} is outside "
        f"{clock.label}'s hours ({clock.hours_text()})"
    )


def problems(config: Config, report: PeopleReport) -> list[Problem]:
    """Located problems, one per pair of series (with how often and when first) and per kind.

    Two cadences that meet at exactly their own times (``per = "team"``) and collide are the
    config's doing: the error sits at the later cadence and names both. Anything else is a
    placement tacal chose, reported as such.
    """
    names = {k: p.name for k, p in config.people.items()}
    cadences = {c.id: c for c in config.cadences}
    pairs: dict[tuple[str, str], list[Overlap]] = defaultdict(list)
    for o in report.overlaps:
        a, b = sorted((o.first, o.second), key=lambda s: s.uid)
        pairs[(a.uid, b.uid)].append(o)
    out = []
    for found in pairs.values():
        o = found[0]
        first, second = o.first, o.second
        who = ", ".join(sorted({names.get(x.person, x.person) for x in found}))
        when = f"{o.at:%a %Y-%m-%d %H:%M}" + (
            f" and {len(found) - 1} more times" if len(found) > 1 else ""
        )
        ca, cb = cadences.get(first.cadence_id), cadences.get(second.cadence_id)
        if ca is not None and cb is not None and _exact(ca) and _exact(cb):
            later = cb if (cb.where, cb.id) >= (ca.where, ca.id) else ca
            other = ca if later is cb else cb
            # where names the cadence ("tacal.toml:24: cadence 'x'"): say only where the other is
            other_at = (other.where or "built-in default").rsplit(": cadence ", 1)[0]
            out.append(
                Problem(
                    later.where or f"{config.source}: cadence {later.id!r}",
                    f"meets at the same time as cadence {other.id!r} ({other_at}) "
                    f"for {who}, on {when}; move one of them",
                )
            )
        else:
            out.append(
                Problem(
                    config.source,
                    f"{who} double-booked by tacal: {first.summary!r} and "
                    f"{second.summary!r} on {when}; please report this with your "
                    "config",
                )
            )
    for x in report.outside[:20]:
        cadence = cadences.get(x.series.cadence_id)
        out.append(
            Problem(
                (cadence.where if cadence else "") or config.source,
                f"{x.series.summary!r} on {x.at:%a %Y-%m-%d %H:%M}: {x.why}",
            )
        )
    for person, day, minutes in report.over_budget[:20]:
        out.append(
            Problem(
                config.source,
                f"{names.get(person, person)} has {minutes / 60:.1f} h of meetings on "
                f"{day}, over max_meeting_hours_per_day; raise it or move meetings",
            )
        )
    return out


def _exact(cadence: Cadence) -> bool:
    """Whether the cadence meets at exactly its own time (nothing for placement to move)."""
    return (
        cadence.per == "team"
        or cadence.rule == "daily"
        or cadence.rule.upper().startswith("RRULE:")
    )


__all__ = ["OutOfHours", "Overlap", "PeopleReport", "check_people", "problems"]
