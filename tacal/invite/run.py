"""Plan, then send: each message goes through the send log (pending, then sent).

The order per message is what makes a killed run safe: the row is committed as ``pending``
before the first byte reaches the server and marked ``sent`` right after the server accepted
the message. Only a message between those two points can go out twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from email.policy import SMTP
from email.utils import make_msgid, parseaddr

from tacal.errors import InviteError
from tacal.ical.stamps import Stamp
from tacal.invite.log import LogState, SendLog
from tacal.invite.message import build_message, itip_calendar
from tacal.invite.plan import Outgoing, Plan, Scope, internal_check, make_plan
from tacal.invite.smtp import Refused, Sender
from tacal.model import Config, InviteSettings
from tacal.series import Series


@dataclass
class Report:
    plan: Plan
    sent: list[Outgoing] = field(default_factory=list)
    refused: list[tuple[Outgoing, str]] = field(default_factory=list)
    retries: int = 0


def from_address(settings: InviteSettings, config: Config, organizer_email: str) -> str:
    """The From of an organizer's messages: ``[invite] from`` (one address, or the entry for
    the organizer's person key or e-mail), else the organizer's own address."""
    email = organizer_email.lower()
    table = dict(settings.senders)
    if email in table:
        return table[email]
    for key, person in config.people.items():
        if person.email.lower() == email:
            if key.lower() in table:
                return table[key.lower()]
            if settings.sender is None:
                return f"{person.name} <{person.email}>"
    return settings.sender or organizer_email


def plan_invites(
    config: Config,
    chosen: Sequence[Series],
    *,
    all_series: Sequence[Series],
    stamps: Mapping[str, Stamp],
    state: LogState,
    send_external: bool,
    scope: Scope | None = None,
) -> Plan:
    """The plan for ``chosen`` (the series in scope) against what the log says was sent."""
    people = frozenset(p.email.lower() for p in config.people.values())
    return make_plan(
        chosen,
        all_uids=frozenset(s.uid for s in all_series),
        stamps=stamps,
        state=state,
        is_internal=internal_check(people, config.invite.internal_domains),
        send_external=send_external,
        scope=scope,
    )


def send_plan(
    config: Config,
    plan: Plan,
    *,
    stamps: Mapping[str, Stamp],
    log: SendLog,
    sender: Sender,
    now: Callable[[], dt.datetime],
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Send every message of ``plan``; a refused one is recorded and the rest go on."""
    report = Report(plan)
    total = len(plan.send)
    prepare = _Prepare(config, stamps, log)
    for i, m in enumerate(plan.send):
        when = now()
        envelope_from, data, row = prepare(m, when)
        try:
            sender.send(envelope_from, m.recipient.email, data)
        except Refused as exc:
            log.finish(row, now=now(), refused=str(exc))
            report.refused.append((m, str(exc)))
        except InviteError as exc:
            log.abandon(row, exc.message)
            raise
        else:
            log.finish(row, now=now())
            report.sent.append(m)
        if progress is not None:
            progress(i + 1, total)
    report.retries = sender.retries
    return report


class _Prepare:
    """Builds one message and writes it ahead to the log: (envelope From, bytes, log row)."""

    def __init__(self, config: Config, stamps: Mapping[str, Stamp], log: SendLog) -> None:
        self.config = config
        self.stamps = stamps
        self.log = log
        # a REQUEST's calendar is the same for every attendee of a version: built once
        self.built: dict[tuple[str, int], bytes] = {}

    def __call__(self, m: Outgoing, when: dt.datetime) -> tuple[str, bytes, int]:
        address = from_address(self.config.invite, self.config, m.organizer.email)
        envelope_from = parseaddr(address)[1]
        if not envelope_from:
            raise InviteError(f"[invite] from: {address!r} has no e-mail address")
        key = (m.uid, m.sequence)
        calendar = self.built.get(key) if m.method == "REQUEST" else None
        if calendar is None:
            stamp = self.stamps.get(m.uid)
            calendar = itip_calendar(m, dtstamp=stamp.dtstamp if stamp else when, now=when)
            if m.method == "REQUEST" and m.series is not None:
                self.built[key] = calendar
                # before any send: a series someone holds can always be cancelled later
                self.log.remember(
                    uid=m.uid,
                    account=m.series.account,
                    organizer=m.organizer.email.lower(),
                    summary=m.summary,
                    calendar=calendar,
                )
        recipient = m.recipient.email.lower()
        pending = self.log.pending(m.uid, recipient, m.method, m.sequence)
        if pending is not None:
            row, message_id = pending
        else:
            message_id = make_msgid(domain=envelope_from.rpartition("@")[2])
            row = self.log.begin(
                uid=m.uid,
                attendee=recipient,
                method=m.method,
                sequence=m.sequence,
                digest=m.digest,
                message_id=message_id,
                now=when,
            )
        msg = build_message(m, sender=address, calendar=calendar, message_id=message_id, now=when)
        return envelope_from, msg.as_bytes(policy=SMTP), row
