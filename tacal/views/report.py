"""``tacal report``: the load and the coverage behind a quarter, computed, not printed.

Four questions a team lead asks before committing a calendar:

- *How loaded is each person, week by week?* Meetings, hours, the share of those hours inside
  the person's working hours (their own clock, as the week view flags it), and how many are
  customer meetings. Taken from the week grid (:mod:`tacal.views.grid`), so the report and the
  page cannot disagree.
- *Is every account contacted every month?* For each month of the fiscal year, the first
  meeting that counts as contact (a check-in, a touch-base reminder or any external meeting
  for the account: the rule ``validate`` warns by), or the gap.
- *Which renewal checks are ahead?* The renewal health checks from today on.
- *What goes on each TA's MBR?* The Top 3, ranked as the MBR agenda ranks them
  (:func:`tacal.series.ranking.top3`) for the quarter of the TA's next MBR.

Pure: the caller expands the calendar bytes and passes the occurrences in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from tacal.ical.expand import Occurrence
from tacal.model import Config
from tacal.schedule import rules
from tacal.schedule.fiscal import Quarter, fiscal_year_start_date, quarter_of
from tacal.series.context import series_start
from tacal.series.ranking import top3
from tacal.series.types import Series
from tacal.views.grid import meeting_kinds, team_grids

CONTACT_RULES = ("check-in", "touch-base")


@dataclass(frozen=True)
class PersonWeek:
    person: str
    name: str
    monday: dt.date
    meetings: int
    hours: float
    inside_hours: float
    external: int

    @property
    def inside_share(self) -> float | None:
        """Share of the meeting hours inside working hours (None: no meetings that week)."""
        return self.inside_hours / self.hours if self.hours else None


@dataclass(frozen=True)
class MonthCover:
    """One month of an account's fiscal year: ``status`` is ``covered`` (by ``meeting``),
    ``gap`` or ``not started`` (before the calendar's or the account's start)."""

    month: str
    status: str
    meeting: Occurrence | None = None


@dataclass(frozen=True)
class AccountYear:
    name: str
    ta: str
    check_in: str
    months: tuple[MonthCover, ...]

    @property
    def gaps(self) -> list[str]:
        return [m.month for m in self.months if m.status == "gap"]


@dataclass(frozen=True)
class RenewalCheck:
    account: str
    when: dt.datetime
    summary: str
    renewal: dt.date | None
    health: str


@dataclass(frozen=True)
class TopEntry:
    rank: int
    account: str
    arr: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class TopThree:
    ta: str
    name: str
    mbr: dt.date | None
    quarter: str
    accounts: tuple[TopEntry, ...]


@dataclass(frozen=True)
class Report:
    window: tuple[dt.date, dt.date]
    fiscal_year: str
    weeks: tuple[PersonWeek, ...]
    accounts: tuple[AccountYear, ...]
    renewals: tuple[RenewalCheck, ...]
    top3: tuple[TopThree, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, object]:
        return {
            "window": {"start": self.window[0].isoformat(), "end": self.window[1].isoformat()},
            "fiscal_year": self.fiscal_year,
            "people": [
                {
                    "person": w.person,
                    "name": w.name,
                    "week": w.monday.isoformat(),
                    "meetings": w.meetings,
                    "hours": round(w.hours, 2),
                    "inside_hours_share": None
                    if w.inside_share is None
                    else round(w.inside_share, 4),
                    "external": w.external,
                }
                for w in self.weeks
            ],
            "accounts": [
                {
                    "account": a.name,
                    "ta": a.ta,
                    "check_in": a.check_in,
                    "months": [
                        {
                            "month": m.month,
                            "status": m.status,
                            "meeting": None
                            if m.meeting is None
                            else {
                                "uid": m.meeting.uid,
                                "summary": m.meeting.summary,
                                "start": m.meeting.start.isoformat(),
                            },
                        }
                        for m in a.months
                    ],
                    "gaps": a.gaps,
                }
                for a in self.accounts
            ],
            "renewal_checks": [
                {
                    "account": r.account,
                    "start": r.when.isoformat(),
                    "summary": r.summary,
                    "renewal": r.renewal.isoformat() if r.renewal else None,
                    "health": r.health,
                }
                for r in self.renewals
            ],
            "mbr_top3": [
                {
                    "ta": t.ta,
                    "name": t.name,
                    "mbr": t.mbr.isoformat() if t.mbr else None,
                    "quarter": t.quarter,
                    "accounts": [
                        {"rank": e.rank, "account": e.account, "arr": e.arr, "why": list(e.reasons)}
                        for e in t.accounts
                    ],
                }
                for t in self.top3
            ],
        }


def fiscal_year(day: dt.date, config: Config) -> tuple[dt.date, dt.date, str]:
    """The fiscal year containing ``day``: first day, first day of the next, ``FY2028``."""
    team = config.team
    start = fiscal_year_start_date(day, team.fiscal_year_start)
    end = dt.date(start.year + 1, start.month, 1)
    label = quarter_of(start, team.fiscal_year_start, team.fiscal_year_naming).fiscal_year
    return start, end, f"FY{label}"


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    out = []
    day = start.replace(day=1)
    while day < end:
        out.append(day)
        day = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return out


def load(
    config: Config,
    series: Sequence[Series],
    occurrences: Sequence[Occurrence],
    window: tuple[dt.date, dt.date],
) -> list[PersonWeek]:
    """Per person per week of ``window``: meetings, hours, inside-hours hours, external."""
    kinds = meeting_kinds(config, series)
    out = []
    for grid in team_grids(config, occurrences, window, kinds):
        for week in grid.weeks:
            blocks = week.blocks
            out.append(
                PersonWeek(
                    grid.key,
                    grid.name,
                    week.monday,
                    len(blocks),
                    week.hours,
                    week.inside_hours,
                    sum(1 for b in blocks if b.kind == "customer"),
                )
            )
    return out


def coverage(
    config: Config,
    series: Sequence[Series],
    year_occurrences: Sequence[Occurrence],
    year: tuple[dt.date, dt.date],
    today: dt.date,
) -> list[AccountYear]:
    """Each account's months of the fiscal year and the first contact in each."""
    rule_of = {c.id: c.rule for c in config.cadences}
    contact_uids = {
        s.uid
        for s in series
        if s.account is not None
        and (s.kind == "external" or rule_of.get(s.cadence_id) in CONTACT_RULES)
    }
    first: dict[tuple[str, str], Occurrence] = {}
    for occ in sorted(year_occurrences, key=lambda o: (o.start, o.uid)):
        if occ.uid in contact_uids and occ.account is not None:
            first.setdefault((occ.account, f"{occ.start:%Y-%m}"), occ)
    begin_all = series_start(config.team, today)
    out = []
    for a in sorted(config.accounts, key=lambda a: a.name.casefold()):
        begin = max(begin_all, a.onboarding_start or begin_all)
        months = []
        for month in _months(*year):
            key = f"{month:%Y-%m}"
            found = first.get((a.name, key))
            if found is not None:
                months.append(MonthCover(key, "covered", found))
            elif (month.year, month.month) < (begin.year, begin.month):
                months.append(MonthCover(key, "not started"))
            else:
                months.append(MonthCover(key, "gap"))
        out.append(AccountYear(a.name, a.ta or "", a.check_in, tuple(months)))
    return out


def renewal_checks(config: Config, series: Sequence[Series], today: dt.date) -> list[RenewalCheck]:
    """Renewal health checks from ``today`` on, soonest first."""
    rule_of = {c.id: c.rule for c in config.cadences}
    accounts = {a.name: a for a in config.accounts}
    out = []
    for s in series:
        if rule_of.get(s.cadence_id) != "renewal" or s.account is None:
            continue
        # a one-off: its start is its only occurrence (wall clock in the series' zone)
        when = s.start.replace(tzinfo=ZoneInfo(s.timezone))
        if when.date() < today:
            continue
        account = accounts.get(s.account)
        out.append(
            RenewalCheck(
                s.account,
                when,
                s.summary,
                account.renewal if account else None,
                account.health if account else "",
            )
        )
    return sorted(out, key=lambda r: (r.when, r.account.casefold()))


def _next_on_or_after(s: Series, today: dt.date) -> dt.date | None:
    """The day of the series' first occurrence on or after ``today``, holiday moves applied:
    the occurrence whose agenda carries the Top 3."""
    moved = {o.recurrence_id: o.start for o in s.overrides}
    horizon = dt.datetime.combine(today + dt.timedelta(days=400), dt.time(23, 59))
    days = [
        moved.get(original, when).date()
        for original, when in rules.instances(s.recurrence, horizon)
    ]
    return min((d for d in days if d >= today), default=None)


def mbr_top3(config: Config, series: Sequence[Series], today: dt.date) -> list[TopThree]:
    """Each TA's Top 3 for the quarter of their next MBR (the occurrence whose agenda names
    them), else for the current quarter."""
    team = config.team
    top_cadences = {c.id for c in config.cadences if c.top3}
    out = []
    for person in config.people_with_role("ta"):
        mine = sorted(
            (a for a in config.accounts if a.ta == person.key),
            key=lambda a: (a.name.casefold(), a.name),
        )
        mbr: dt.date | None = None
        for s in series:
            if s.cadence_id in top_cadences and any(
                x.email.lower() == person.email.lower() for x in s.attendees
            ):
                day = _next_on_or_after(s, today)
                if day is not None:
                    mbr = day if mbr is None else min(mbr, day)
        quarter: Quarter = quarter_of(mbr or today, team.fiscal_year_start, team.fiscal_year_naming)
        ranked = top3(mine, quarter)
        entries = tuple(
            TopEntry(r.rank, r.account.name, r.account.arr, tuple(r.reasons)) for r in ranked
        )
        out.append(TopThree(person.key, person.name, mbr, quarter.label, entries))
    return out


def build_report(
    config: Config,
    series: Sequence[Series],
    occurrences: Sequence[Occurrence],
    window: tuple[dt.date, dt.date],
    year_occurrences: Sequence[Occurrence],
    year: tuple[dt.date, dt.date, str],
    today: dt.date,
) -> Report:
    """The whole report: ``occurrences`` cover ``window``, ``year_occurrences`` the fiscal
    year ``year`` (start, end, label)."""
    return Report(
        window,
        year[2],
        tuple(load(config, series, occurrences, window)),
        tuple(coverage(config, series, year_occurrences, (year[0], year[1]), today)),
        tuple(renewal_checks(config, series, today)),
        tuple(mbr_top3(config, series, today)),
    )


__all__ = [
    "AccountYear",
    "MonthCover",
    "PersonWeek",
    "RenewalCheck",
    "Report",
    "TopThree",
    "build_report",
    "coverage",
    "fiscal_year",
    "load",
    "mbr_top3",
    "renewal_checks",
]
