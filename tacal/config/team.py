"""The ``[team]`` table: name, zone, fiscal year, workdays and holidays, defaults for the rest.

Also the two team keys that need more than the table itself: ``organizer`` and ``leadership``
must name people (checked once ``[people]`` is read), and ``templates`` is a folder relative to
the config file.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from tacal.config import clock_keys
from tacal.config.locate import Checker
from tacal.config.values import (
    EMAIL_RE,
    ID_RE,
    MAX_DATE,
    MIN_DATE,
    check_text,
    date_value,
    did_you_mean,
    str_list,
    time_value,
    weekday,
)
from tacal.config.zones import canonical_zone, legacy_zone_note, zone_problem
from tacal.model import WEEKDAYS, Person, Team

TEAM_KEYS = {
    "name",
    "id",
    "timezone",
    "fiscal_year_start",
    "fiscal_year_naming",
    "workdays",
    "holidays",
    "start",
    "organizer",
    "calendar",
    "workday_start",
    "workday_end",
    "leadership",
    "templates",
    "country",
    "subdivision",
    "max_meeting_hours_per_day",
    "busy_horizon",
}

_DURATION_RE = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?$")
#: Longest busy horizon: a year (free/busy answers beyond it are not worth the quota).
MAX_BUSY_HORIZON = dt.timedelta(days=366)


def busy_horizon(c: Checker, value: Any) -> dt.timedelta:
    """``busy_horizon = "P8W"``: an ISO 8601 duration in weeks and/or days (``P8W``,
    ``P30D``, ``P4W3D``), 1 day to a year. Months and years are refused: their length
    depends on the day counted from."""
    default = dt.timedelta(weeks=8)
    key = ("team", "busy_horizon")
    if value is None:
        return default
    match = _DURATION_RE.match(value) if isinstance(value, str) else None
    if match is None or not any(match.groups()):
        c.error(key, f'{value!r} is not a duration in weeks or days; e.g. "P8W" or "P30D"')
        return default
    weeks, days = (int(g or 0) for g in match.groups())
    span = dt.timedelta(weeks=weeks, days=days)
    if not dt.timedelta(days=1) <= span <= MAX_BUSY_HORIZON:
        c.error(key, f"{value} is {span.days} days; use 1 day to a year (P52W)")
        return default
    return span


def read_team(c: Checker, data: Any) -> Team:
    """``[team]``: defaults where a value is missing or bad, so later sections can go on."""
    fallback = Team(name="Team", id="team", timezone="UTC")
    if not isinstance(data, dict):
        c.error(("team",), "missing [team] table; add name and timezone (see README)")
        return fallback
    c.unknown_keys(("team",), data, TEAM_KEYS)
    name = data.get("name", "Technical Advisors")
    if not c.typed(("team", "name"), name, str, "a string"):
        name = fallback.name
    check_text(c, ("team", "name"), name)
    tzname = data.get("timezone")
    if tzname is None:
        c.error(("team", "timezone"), 'missing; set an IANA zone such as "America/New_York"')
        tzname = "UTC"
    elif (zone := canonical_zone(tzname)) is None:
        c.error(("team", "timezone"), zone_problem(tzname))
        tzname = "UTC"
    else:
        tzname = zone  # "america/new_york" is accepted, spelt "America/New_York"
        if note := legacy_zone_note(zone):
            c.warn(("team", "timezone"), note)
    team_id = data.get("id") or _slug(name)
    if not isinstance(team_id, str) or not ID_RE.match(team_id):
        c.error(("team", "id"), f"{team_id!r} must be lowercase letters, digits and dashes")
        team_id = "team"
    fys = data.get("fiscal_year_start", 1)
    if not c.typed(("team", "fiscal_year_start"), fys, int, "a month number 1-12") or not (
        1 <= fys <= 12
    ):
        if isinstance(fys, int) and not isinstance(fys, bool):
            c.error(("team", "fiscal_year_start"), f"{fys} is not a month; use 1-12")
        fys = 1
    naming = data.get("fiscal_year_naming", "end")
    if naming not in ("end", "start"):
        c.error(
            ("team", "fiscal_year_naming"),
            f'{naming!r}{did_you_mean(naming, ("end", "start"))}: use "end" or "start"',
        )
        naming = "end"
    workdays: list[str] = []
    raw_workdays = data.get("workdays", list(fallback.workdays))
    for w in str_list(c, ("team", "workdays"), raw_workdays):
        code = weekday(c, ("team", "workdays"), w)
        if code and code not in workdays:
            workdays.append(code)
    if isinstance(raw_workdays, list) and not raw_workdays:
        c.error(("team", "workdays"), 'needs at least one weekday, e.g. ["MO", "TU"]')
    holidays = clock_keys.dates(c, ("team", "holidays"), data.get("holidays", []))
    start = date_value(c, ("team", "start"), data["start"]) if "start" in data else None
    if start is not None and not MIN_DATE <= start <= MAX_DATE:
        c.error(
            ("team", "start"),
            f"{start} is out of range; use a date between {MIN_DATE} and {MAX_DATE}",
        )
        start = None
    organizer = data.get("organizer")
    if organizer is not None and not isinstance(organizer, str):
        c.error(("team", "organizer"), "must be a person key or an email address")
        organizer = None
    calendar = data.get("calendar", "primary")
    if not c.typed(("team", "calendar"), calendar, str, "a Google calendar id string"):
        calendar = "primary"
    ws = time_value(c, ("team", "workday_start"), data.get("workday_start", "09:00"))
    we = time_value(c, ("team", "workday_end"), data.get("workday_end", "17:00"))
    if ws and we and we <= ws:
        c.error(("team", "workday_end"), "must be later than workday_start")
    leadership = tuple(str_list(c, ("team", "leadership"), data.get("leadership", [])))
    country, subdivision = clock_keys.country(
        c, ("team", "country"), data.get("country"), data.get("subdivision")
    )
    max_hours = clock_keys.budget(
        c, ("team", "max_meeting_hours_per_day"), data.get("max_meeting_hours_per_day")
    )
    return Team(
        name=name,
        id=team_id,
        timezone=tzname,
        fiscal_year_start=fys,
        fiscal_year_naming=naming,
        workdays=tuple(w for w in WEEKDAYS if w in workdays) or fallback.workdays,
        holidays=tuple(sorted(set(holidays))),
        start=start,
        organizer=organizer,
        calendar=calendar,
        workday_start=ws or fallback.workday_start,
        workday_end=we or fallback.workday_end,
        leadership=leadership,
        country=country,
        subdivision=subdivision,
        max_meeting_hours_per_day=max_hours,
        holidays_where=c.where("team", "holidays"),
        busy_horizon=busy_horizon(c, data.get("busy_horizon")),
    )


def check_team_people(c: Checker, team: Team, people: dict[str, Person]) -> None:
    """``organizer`` and ``leadership`` name a ``[people]`` key or an email address."""
    if team.organizer and team.organizer not in people and not EMAIL_RE.match(team.organizer):
        c.error(
            ("team", "organizer"),
            f"unknown person {team.organizer!r}; use a [people] key "
            f"or an email address{did_you_mean(team.organizer, set(people))}",
        )
    for ref in team.leadership:
        if ref not in people and not EMAIL_RE.match(ref):
            c.error(
                ("team", "leadership"),
                f"unknown person {ref!r}; use a [people] key or an "
                f"email address{did_you_mean(ref, set(people))}",
            )


def template_dirs(c: Checker, data: Any, base: Path | None) -> list[Path]:
    """Where description templates live: ``team.templates``, else ``templates/``, both relative
    to the config file; none for the built-in default (``base`` None)."""
    dirs: list[Path] = []
    templates = data.get("templates") if isinstance(data, dict) else None
    if templates is not None:
        if isinstance(templates, str) and base is not None:
            dirs.append((base / templates).resolve())
        elif not isinstance(templates, str):
            c.error(("team", "templates"), "must be a folder path")
    elif base is not None:
        dirs.append((base / "templates").resolve())
    return dirs


def _slug(name: Any) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-")
    return slug or "team"
