"""``--for WHO``: a person key, display name or email (any case), or an invited outside address.

Resolution is exact (after case folding): a person's key first, then their email, then their
display name. An address not in ``[people]`` stands for itself only if some series invites it
(or organises with it), so a customer contact still gets their own view; anything else is an
error with the closest key, name or email as a suggestion, instead of an empty calendar.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from tacal.errors import TacalError
from tacal.model import Config, Person
from tacal.series.types import Series


@dataclass(frozen=True)
class Who:
    """Whose meetings: ``email`` as the calendar writes it; ``person`` None for an outsider."""

    email: str
    person: Person | None = None

    def zone(self, config: Config) -> str:
        """Their own time zone, else the team's (outsiders: the team's)."""
        if self.person is not None and self.person.timezone:
            return self.person.timezone
        return config.team.timezone


def describe(person: Person) -> str:
    """``'pippa' (Pippa Hart <pippa@global.example>)``: how messages name a person."""
    return f"{person.key!r} ({person.name} <{person.email}>)"


def invited(series: Iterable[Series]) -> dict[str, str]:
    """Every address a series invites or is organised by, casefolded -> as written."""
    out: dict[str, str] = {}
    for s in series:
        for a in (*s.attendees, *([s.organizer] if s.organizer else [])):
            out.setdefault(a.email.casefold(), a.email)
    return out


def resolve_for(config: Config, series: Iterable[Series], text: str, option: str = "--for") -> Who:
    """The person (or invited address) ``text`` means; :class:`TacalError` (exit 2) otherwise.

    ``option`` names the flag in the message: ``--for 'pipa': no such person; did you mean
    'pippa' (Pippa Hart <pippa@global.example>)?``.
    """
    wanted = text.strip().casefold()
    people = list(config.people.values())
    for field in ("key", "email", "name"):
        found = [p for p in people if getattr(p, field).casefold() == wanted]
        if len(found) == 1:
            return Who(found[0].email, found[0])
        if len(found) > 1:
            raise TacalError(
                f"{option} {text!r}: {len(found)} people are called that: "
                f"{', '.join(describe(p) for p in found)}; use a key or an email"
            )
    outside = invited(series)
    if "@" in wanted and wanted in outside:
        return Who(outside[wanted])
    raise TacalError(f"{option} {text!r}: no such person" + _suggestion(people, outside, wanted))


def _suggestion(people: list[Person], outside: dict[str, str], wanted: str) -> str:
    names: dict[str, str] = {}
    for p in people:
        for value in (p.key, p.name, p.email):
            names.setdefault(value.casefold(), describe(p))
    for folded, email in outside.items():
        names.setdefault(folded, repr(email))
    match = difflib.get_close_matches(wanted, sorted(names), n=1, cutoff=0.75)
    if match:
        return f"; did you mean {names[match[0]]}?"
    invite = "the email of someone a meeting invites"
    if not people:
        return "; the config has no [people]" + (f"; use {invite}" if "@" in wanted else "")
    p = people[0]
    return (
        f"; use a person's key, name or email from [people], e.g. {p.key!r}, {p.name!r} or "
        f"{p.email!r}" + (f", or {invite}" if "@" in wanted else "")
    )


__all__ = ["Who", "describe", "invited", "resolve_for"]
