"""Model → series: what the calendar should contain, decided without any I/O.

A *series* is one VEVENT master (maybe with overrides). ``per`` cadences fan out into one
series per TA, AE or account; role references in attendees (``@ta``, ``@ae``, ``@leadership``)
resolve against the person or account the series is for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import rules
from .accounts import slug
from .agenda import Agendas
from .errors import ConfigError, Problem
from .fiscal import fiscal_year_start_date, quarter_of
from .model import ACCOUNT_RULES, Account, Cadence, Config, Person, Team
from .ranking import renewals_at_risk, top3
from .sessions import LayoutError, session_recurrences


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str | None = None


@dataclass(frozen=True)
class Override:
    """One occurrence that differs from its series (RECURRENCE-ID)."""

    recurrence_id: dt.datetime
    start: dt.datetime
    summary: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Series:
    uid: str
    cadence_id: str
    summary: str
    description: str
    recurrence: rules.Recurrence
    duration: dt.timedelta
    timezone: str
    attendees: tuple[Attendee, ...] = ()
    organizer: Attendee | None = None
    kind: str = "internal"
    location: str | None = None
    account: str | None = None
    overrides: tuple[Override, ...] = field(default_factory=tuple)

    @property
    def start(self) -> dt.datetime:
        return self.recurrence.start


def series_start(team: Team, today: dt.date) -> dt.date:
    """``team.start`` if set, else the first day of the current fiscal year.

    Anchoring on the fiscal year (not today) keeps bi-weekly parity and DTSTART stable as
    days pass, so rebuilding tomorrow gives the same bytes.
    """
    return team.start or fiscal_year_start_date(today, team.fiscal_year_start)


def uid_for(team: Team, cadence_id: str, *suffix: str) -> str:
    parts = [team.id, cadence_id, *[s for s in suffix if s]]
    return ".".join(parts) + "@tacal"


def _person(config: Config, ref: str) -> Attendee:
    if "@" in ref and ref not in config.people:
        return Attendee(ref)
    p = config.people[ref]
    return Attendee(p.email, p.name)


class SeriesBuilder:
    """Builds every series of a config; accumulates template problems."""

    def __init__(self, config: Config, today: dt.date, agendas: Agendas | None = None) -> None:
        self.config = config
        self.team = config.team
        self.today = today
        self.start = series_start(self.team, today)
        self.agendas = agendas or Agendas(config.template_dirs)
        self.problems: list[Problem] = []
        #: The series of plain cadences, set by build_series before GENERATORS run (account
        #: series are placed around the meetings people already have).
        self.regular: list[Series] = []
        self._by_role: dict[str, dict[str, list[Account]]] = {}
        self._renewals: dict[int, list[Account]] = {}
        self._static: dict[str, Any] | None = None

    # ---- attendees

    def resolve(self, refs: Iterable[str], focus: dict[str, Any]) -> list[Attendee]:
        """Turn person keys, emails and role references into unique attendees, in order."""
        out: list[Attendee] = []
        people = self.config.people
        for ref in refs:
            if ref.startswith("@"):
                role = ref[1:]
                if role == "leadership":
                    out.extend(_person(self.config, r) for r in self.team.leadership)
                elif role in focus and focus[role] is not None:
                    value = focus[role]
                    out.extend(_person(self.config, r) for r in (
                        value if isinstance(value, list | tuple) else [value]))
                else:
                    out.extend(Attendee(p.email, p.name) for p in people.values() if p.role == role)
            else:
                out.append(_person(self.config, ref))
        return _dedupe(out)

    def organizer(self) -> Attendee | None:
        ref = self.team.organizer
        return _person(self.config, ref) if ref else None

    # ---- context for templates

    def context(self, cadence: Cadence, extra: dict[str, Any]) -> dict[str, Any]:
        return {
            **self._static_context(),
            "cadence": cadence,
            "renewals": self.renewals(cadence.days_before or 180),
            **extra,
        }

    def _static_context(self) -> dict[str, Any]:
        """The part of every template context that does not depend on the series.

        Built once per build: rebuilding it per series scanned every person and account
        thousands of times (quadratic at 10,000 accounts).
        """
        if self._static is None:
            people = self.config.people
            self._static = {
                "team": self.team,
                "people": list(people.values()),
                "tas": self.config.people_with_role("ta"),
                "aes": self.config.people_with_role("ae"),
                "accounts": self.config.accounts,
                "accounts_by_ta": self.accounts_by("ta"),
                "accounts_by_ae": self.accounts_by("ae"),
                "leadership": [people[r] for r in self.team.leadership if r in people],
                "today": self.today,
            }
        return self._static

    def renewals(self, days: int) -> list[Account]:
        """Yellow/red accounts renewing within ``days`` of today (computed once per window)."""
        if days not in self._renewals:
            self._renewals[days] = renewals_at_risk(self.config.accounts, self.today, days)
        return self._renewals[days]

    def accounts_by(self, role: str) -> dict[str, list[Account]]:
        """Accounts grouped by their ``ta``/``ae``/``ce``/``sdr`` (one pass, not one per person).

        In name order, so that the same accounts listed in another order (a re-sorted CSV, or
        TOML instead of CSV) give the same agendas and attendee lists.
        """
        if role not in self._by_role:
            index: dict[str, list[Account]] = {}
            for a in sorted(self.config.accounts, key=lambda a: (a.name.casefold(), a.name)):
                ref = getattr(a, role)
                if ref:
                    index.setdefault(ref, []).append(a)
            self._by_role[role] = index
        return self._by_role[role]

    def describe(self, cadence: Cadence, extra: dict[str, Any]) -> str:
        ctx = self.context(cadence, extra)
        owner = f"cadence {cadence.id!r}"
        parts = []
        if cadence.description:
            parts.append(self.agendas.render_string(cadence.description, ctx, owner))
        if cadence.template:
            parts.append(self.agendas.render(cadence.template, ctx, owner))
        return "\n\n".join(p for p in parts if p)

    # ---- fan-out

    def focuses(self, cadence: Cadence) -> list[tuple[str, dict[str, Any]]]:
        """(uid suffix, template/attendee context) for each series a cadence makes."""
        if cadence.per == "team":
            return [("", {})]
        if cadence.per in ("ta", "ae"):
            out = []
            index = self.accounts_by(cadence.per)
            for p in self.config.people_with_role(cadence.per):
                mine = index.get(p.key, [])
                focus: dict[str, Any] = {cadence.per: p.key, "person": p, "my_accounts": mine}
                if self.config.accounts:
                    # "@ta" in an AE's series means the TAs of that AE's accounts, and so on.
                    for role in ("ta", "ae", "ce", "sdr"):
                        if role != cadence.per:
                            focus[role] = sorted({getattr(a, role) for a in mine
                                                  if getattr(a, role)})
                out.append((p.key, focus))
            return out
        return [(slug(a.name), self.account_focus(a)) for a in self.config.accounts]

    def account_focus(self, account: Account) -> dict[str, Any]:
        # an empty list (not None) means "nobody": "@ce" must not invite every CE on the team
        return {"account": account, "ta": account.ta, "ae": account.ae,
                "ce": [account.ce] if account.ce else [],
                "sdr": [account.sdr] if account.sdr else [], "contacts": list(account.contacts)}

    def series_for(self, cadence: Cadence) -> list[Series]:
        """One series per focus; per-TA/AE sessions are laid out so that none overlap."""
        if cadence.rule in ACCOUNT_RULES:
            return []  # dates come from each account: built by tacal.account_series
        focuses = self.focuses(cadence)
        laid_out: list[rules.Recurrence | None] | None = None
        if cadence.per in ("ta", "ae"):
            try:
                laid_out = session_recurrences(cadence, self.team, self.start, len(focuses))
            except LayoutError as exc:
                self.problems.append(Problem(cadence.where, str(exc)))
                return []
        out = []
        for index, (suffix, focus) in enumerate(focuses):
            if laid_out is not None:
                rec = laid_out[index]
            else:
                rec = rules.recurrence(cadence, self.team, self.start)
            if rec is None:
                self.problems.append(Problem(cadence.where, "this cadence has no occurrence "
                                             "after team.start; check rule, day, week and until"))
                continue
            attendees = self.resolve(cadence.attendees, focus)
            for c in focus.get("contacts", []) if cadence.kind == "external" else []:
                attendees.append(Attendee(c))
            account = focus.get("account")
            summary = cadence.summary
            person: Person | None = focus.get("person")
            if person is not None:
                # a per-TA / per-AE series always reaches that person's own feed
                attendees.insert(0, Attendee(person.email, person.name))
            overrides: tuple[Override, ...] = ()
            if cadence.top3 and person is not None:
                overrides = self.top3_override(cadence, rec, focus)
            if person is not None:
                summary = f"{summary}: {person.name}"
            if isinstance(account, Account):
                summary = f"{summary}: {account.name}"
            out.append(Series(
                uid=uid_for(self.team, cadence.id, suffix),
                cadence_id=cadence.id,
                summary=summary,
                description=self.describe(cadence, focus),
                recurrence=rec,
                duration=dt.timedelta(minutes=cadence.duration),
                timezone=self.team.timezone,
                attendees=tuple(_dedupe(attendees)),
                organizer=self.organizer(),
                kind=cadence.kind,
                location=cadence.location,
                account=account.name if isinstance(account, Account) else None,
                overrides=overrides,
            ))
        return out

    def top3_override(self, cadence: Cadence, rec: rules.Recurrence,
                      focus: dict[str, Any]) -> tuple[Override, ...]:
        """The next occurrence on or after today, with the TA's Top 3 named in its agenda.

        A series has one description, but the Top 3 depends on the day (which fiscal quarter
        it is in), so only the next occurrence, the one the TA prepares for, carries it.
        """
        horizon = dt.datetime.combine(self.today + dt.timedelta(days=400), dt.time(23, 59))
        upcoming = [o for o in rules.occurrences(rec, horizon) if o.date() >= self.today]
        if not upcoming:
            return ()
        when = upcoming[0]
        quarter = quarter_of(when.date(), self.team.fiscal_year_start,
                             self.team.fiscal_year_naming)
        extra = {**focus, "top3": top3(focus.get("my_accounts", []), quarter),
                 "occurrence": when.date(), "quarter": quarter}
        return (Override(recurrence_id=when, start=when,
                         description=self.describe(cadence, extra)),)


def _dedupe(items: list[Attendee]) -> list[Attendee]:
    seen: set[str] = set()
    out = []
    for a in items:
        if a.email.lower() not in seen:
            seen.add(a.email.lower())
            out.append(a)
    return out


#: Producers of extra series beyond the plain cadences (accounts, renewals, onboarding...).
GENERATORS: list[Any] = []


def build_series(config: Config, today: dt.date) -> list[Series]:
    """Every series the config means, sorted by UID; raises ConfigError on cadence problems."""
    builder = SeriesBuilder(config, today)
    from . import account_series  # noqa: F401  (registers the account-driven generator)

    out: list[Series] = []
    for cadence in config.cadences:
        out.extend(builder.series_for(cadence))
    builder.regular = list(out)
    for generate in GENERATORS:
        out.extend(generate(builder))
    if builder.problems:
        raise ConfigError(builder.problems)
    seen: dict[str, Series] = {}
    dupes = []
    for s in out:
        if s.uid in seen:
            dupes.append(Problem(config.source, f"two series share the UID {s.uid}; make the "
                                 "cadence ids or account names distinct"))
        seen[s.uid] = s
    if dupes:
        raise ConfigError(dupes)
    return sorted(out, key=lambda s: s.uid)
