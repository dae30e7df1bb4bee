"""Who gets which message: pure, from the series, their stamps and the send log's state.

The rules (RFC 5546):

- every attendee but the organizer holds the current version of each series: a person the
  log has never sent it to (or sent a CANCEL last) gets a REQUEST (``invite``), one who holds
  an older version gets a REQUEST with a higher SEQUENCE (``update``), and one who holds this
  version gets nothing;
- an attendee removed from a series gets a CANCEL, to that person only (section 3.2.5:
  "uninvite"), with the SEQUENCE of the new version;
- a series gone from the whole config gets a CANCEL to everyone who holds it, SEQUENCE = the
  last sent + 1.

SEQUENCE is the lock's (what ``build`` and ``sync`` write), raised above anything the log
already sent for a new version, so it never goes down for an attendee even when the lock was
reset; a person invited later to a version others already hold gets that same SEQUENCE.

Customers (attendees outside the team) are held back unless ``send_external``: they are counted
in the plan but get no message and no log row, so a later run with ``--send-external`` sends
exactly what they miss.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tacal.errors import InviteError
from tacal.ical.stamps import Stamp
from tacal.invite.log import Known, LogState
from tacal.series import Attendee, Series

KINDS = ("invite", "update", "cancel")


@dataclass(frozen=True)
class Outgoing:
    """One message: ``series`` for a REQUEST or a removed attendee's CANCEL, ``gone`` for the
    CANCEL of a series that left the config."""

    kind: str  # invite | update | cancel
    uid: str
    summary: str
    recipient: Attendee
    organizer: Attendee
    sequence: int
    digest: str
    external: bool
    series: Series | None = None
    gone: Known | None = None

    @property
    def method(self) -> str:
        return "CANCEL" if self.kind == "cancel" else "REQUEST"


@dataclass
class Plan:
    send: list[Outgoing] = field(default_factory=list)
    held: list[Outgoing] = field(default_factory=list)  # to customers, without --send-external
    unchanged: dict[bool, int] = field(default_factory=lambda: {False: 0, True: 0})
    series: int = 0

    def count(self, kind: str, external: bool) -> int:
        """Messages of ``kind`` to be sent to team members (or to customers)."""
        return sum(1 for m in self.send if m.kind == kind and m.external == external)


@dataclass(frozen=True)
class Scope:
    """``--account`` / ``--for``: which series that left the config this run may cancel."""

    account: str | None = None
    email: str | None = None

    def covers(self, known: Known, holders: Sequence[str]) -> bool:
        if self.account is not None and (
            known.account is None or known.account.casefold() != self.account.casefold()
        ):
            return False
        if self.email is not None:
            wanted = self.email.lower()
            return wanted == known.organizer or wanted in holders
        return True


def make_plan(
    chosen: Sequence[Series],
    *,
    all_uids: frozenset[str],
    stamps: Mapping[str, Stamp],
    state: LogState,
    is_internal: Callable[[str], bool],
    send_external: bool,
    scope: Scope | None = None,
) -> Plan:
    """The messages this run sends (and holds back), in a stable order."""
    plan = Plan(series=len(chosen))
    out: list[Outgoing] = []
    for s in sorted(chosen, key=lambda s: s.uid):
        out += _for_series(s, stamps[s.uid], state, is_internal, plan)
    scope = scope or Scope()
    for uid in sorted(set(state.series) - all_uids):
        known = state.series[uid]
        holders = state.invited(uid)
        if not holders or not scope.covers(known, holders):
            continue
        organizer = Attendee(known.organizer)
        sequence = state.max_sequence(uid) + 1
        for email in holders:
            out.append(
                Outgoing(
                    "cancel",
                    uid,
                    known.summary,
                    Attendee(email),
                    organizer,
                    sequence,
                    state.last[(uid, email)].hash,
                    not is_internal(email),
                    gone=known,
                )
            )
    for m in out:
        (plan.send if send_external or not m.external else plan.held).append(m)
    return plan


def _for_series(
    s: Series, stamp: Stamp, state: LogState, is_internal: Callable[[str], bool], plan: Plan
) -> list[Outgoing]:
    if s.organizer is None:
        raise InviteError(
            f"series {s.uid} ({s.summary!r}) has no organizer, and an invitation must come "
            "from someone",
            hint="set team.organizer (a [people] key or an e-mail address) in the config",
        )
    org = s.organizer.email.lower()
    current = {a.email.lower(): a for a in s.attendees if a.email.lower() != org}
    sequence = state.sequence_of(s.uid, stamp.hash)
    if sequence is None:
        sequence = max(stamp.sequence, state.max_sequence(s.uid) + 1)
    out = []
    for email in sorted(current):
        last = state.last.get((s.uid, email))
        external = not is_internal(email)
        if last is not None and last.method == "REQUEST" and last.hash == stamp.hash:
            plan.unchanged[external] += 1
            continue
        kind = "update" if last is not None and last.method == "REQUEST" else "invite"
        out.append(
            Outgoing(
                kind,
                s.uid,
                s.summary,
                current[email],
                s.organizer,
                sequence,
                stamp.hash,
                external,
                series=s,
            )
        )
    for email in state.invited(s.uid):
        if email in current:
            continue
        out.append(
            Outgoing(
                "cancel",
                s.uid,
                s.summary,
                Attendee(email),
                s.organizer,
                sequence,
                stamp.hash,
                not is_internal(email),
                series=s,
            )
        )
    return out


def internal_check(people_emails: frozenset[str], domains: Sequence[str]) -> Callable[[str], bool]:
    """Internal = a ``[people]`` address, or one at a domain ``[invite] internal_domains``
    names; everyone else is a customer."""
    wanted = tuple(d.lower() for d in domains)

    def check(email: str) -> bool:
        e = email.lower()
        return e in people_emails or e.rpartition("@")[2] in wanted

    return check
