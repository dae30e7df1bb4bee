"""The build context: attendee resolution, template contexts and agendas for one build."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from tacal.errors import Problem
from tacal.model import TA_ORGANIZED, Account, Cadence, Config, Lock, Team, slug
from tacal.series.agenda import Agendas
from tacal.series.ranking import renewals_at_risk
from tacal.series.types import Attendee


def series_start(team: Team, today: dt.date) -> dt.date:
    """``team.start`` if set, else today: no series is back-filled into the past.

    What keeps DTSTART (and bi-weekly parity) stable as days pass is the lock: a series keeps
    the day it entered it (:meth:`BuildContext.start_for`).
    """
    return team.start or today


def _person(config: Config, ref: str) -> Attendee:
    if "@" in ref and ref not in config.people:
        return Attendee(ref)
    p = config.people[ref]
    return Attendee(p.email, p.name)


class BuildContext:
    """What every series of one build shares: people, accounts, agendas, problems found.

    The team series (:mod:`tacal.series.team`) and the account series
    (:mod:`tacal.series.accounts`) both read it; neither calls the other.
    """

    def __init__(
        self,
        config: Config,
        today: dt.date,
        agendas: Agendas | None = None,
        lock: Lock | None = None,
    ) -> None:
        self.config = config
        self.lock = lock or config.lock or Lock(team=config.team.id)
        self.team = config.team
        self.today = today
        self.start = series_start(self.team, today)
        self.agendas = agendas or Agendas(config.template_dirs)
        self.problems: list[Problem] = []
        self._by_role: dict[str, dict[str, list[Account]]] = {}
        self._renewals: dict[int, list[Account]] = {}
        self._static: dict[str, Any] | None = None

    def start_for(self, uid: str) -> dt.date:
        """The first day series ``uid`` may meet: ``team.start`` when set, else the day it
        entered the lock, else today (a new series is never back-filled)."""
        if self.team.start is not None:
            return self.team.start
        entry = self.lock.entries.get(uid)
        return entry.placed if entry is not None else self.today

    def placed(self, uid: str) -> dt.date:
        """The day ``uid`` entered (or now enters) the lock."""
        entry = self.lock.entries.get(uid)
        return entry.placed if entry is not None else self.today

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
                    out.extend(
                        _person(self.config, r)
                        for r in (value if isinstance(value, list | tuple) else [value])
                    )
                else:
                    out.extend(Attendee(p.email, p.name) for p in people.values() if p.role == role)
            else:
                out.append(_person(self.config, ref))
        return dedupe(out)

    def organizer(
        self, cadence: Cadence | None = None, focus: dict[str, Any] | None = None
    ) -> Attendee | None:
        """Who organizes a series of ``cadence`` (with its ``focus``): the cadence's
        ``organizer``, else the account's TA for check-ins, touch-bases and renewal checks,
        else ``team.organizer``. ``"@ta"``/``"@ae"`` mean the one TA/AE of the series; an
        account without one falls back to ``team.organizer`` (None when that is unset too).

        In Google the organizer is the calendar an event lives in, and the address the
        customer's invitation comes from: the TA who runs a check-in, not the director.
        """
        ref = cadence.organizer if cadence is not None else None
        if ref is None and cadence is not None and cadence.rule in TA_ORGANIZED:
            ref = "@ta"
        if ref is not None and ref.startswith("@"):
            value = (focus or {}).get(ref[1:])
            ref = value if isinstance(value, str) and value else None
        ref = ref or self.team.organizer
        if not ref or ("@" not in ref and ref not in self.config.people):
            return None
        return _person(self.config, ref)

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
            parts.append(
                self.agendas.render_string(cadence.description, ctx, owner, cadence.where or None)
            )
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
                            focus[role] = sorted(
                                {getattr(a, role) for a in mine if getattr(a, role)}
                            )
                out.append((p.key, focus))
            return out
        return [(slug(a.name), self.account_focus(a)) for a in self.config.accounts]

    def account_focus(self, account: Account) -> dict[str, Any]:
        # an empty list (not None) means "nobody": "@ce" must not invite every CE on the team
        return {
            "account": account,
            "ta": account.ta,
            "ae": account.ae,
            "ce": [account.ce] if account.ce else [],
            "sdr": [account.sdr] if account.sdr else [],
            "contacts": list(account.contacts),
        }


def dedupe(items: list[Attendee]) -> list[Attendee]:
    seen: set[str] = set()
    out = []
    for a in items:
        if a.email.lower() not in seen:
            seen.add(a.email.lower())
            out.append(a)
    return out
