"""One invitation e-mail: the iTIP calendar (RFC 5546) in the MIME form of iMIP (RFC 6047).

The shape is the one Google Calendar and Outlook send, because it is the one every client
acts on::

    multipart/mixed
      multipart/alternative
        text/plain                                     the agenda, for any mail reader
        text/html                                      the same, for the ones that show HTML
        text/calendar; method=REQUEST; charset=UTF-8   what Outlook, Apple Mail, Gmail act on
      application/ics; name="invite.ics"               for clients that only import files

The VEVENTs and VTIMEZONEs are the very ones ``tacal build`` writes (:mod:`tacal.ical.writer`),
with the METHOD the message needs; a CANCEL keeps the UID and raises SEQUENCE, the form
Outlook and Apple remove the event on (STATUS:CANCELLED when the whole series ends).
"""

from __future__ import annotations

import datetime as dt
import html
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from icalendar import Calendar, Component

from tacal.ical.stamps import Stamp
from tacal.ical.writer import PRODID, build_calendar
from tacal.invite.plan import Outgoing
from tacal.series import Attendee

_FREQ = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}


def itip_calendar(m: Outgoing, *, dtstamp: dt.datetime, now: dt.datetime) -> bytes:
    """The VCALENDAR of one message: METHOD, the series' VTIMEZONEs and VEVENTs.

    A REQUEST carries the master and every RECURRENCE-ID override (a moved occurrence the
    attendee would otherwise keep at its old time). A CANCEL carries the master only: it
    ends the whole series for its recipients; to a removed attendee it names that attendee
    only."""
    if m.gone is not None:
        source = Calendar.from_ical(m.gone.calendar)
    else:
        assert m.series is not None
        stamp = Stamp(m.sequence, dtstamp, m.digest)
        source = build_calendar(
            [m.series],
            name=m.summary,
            timezone=m.series.timezone,
            now=now,
            stamps={m.uid: stamp},
        )
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", m.method)
    for tz in source.walk("VTIMEZONE"):
        cal.add_component(tz)
    for ev in source.walk("VEVENT"):
        if m.method == "CANCEL":
            if "RECURRENCE-ID" in ev:
                continue
            _cancelled(ev, m, now)
        cal.add_component(ev)
    return cal.to_ical()


def _replace(component: Component, name: str, value: object) -> None:
    component.pop(name, None)
    component.add(name, value)


def _cancelled(ev: Component, m: Outgoing, now: dt.datetime) -> None:
    """RFC 5546, 3.2.5: the whole series gets STATUS:CANCELLED; when only an attendee is
    uninvited, STATUS "MUST NOT be included" (the meeting goes on) and ATTENDEE names them."""
    ev.pop("STATUS", None)
    if m.gone is not None:
        ev.add("status", "CANCELLED")
    _replace(ev, "sequence", m.sequence)
    _replace(ev, "dtstamp", now.astimezone(dt.UTC).replace(microsecond=0))
    if m.gone is None:
        ev.pop("ATTENDEE", None)
        ev.add("attendee", f"mailto:{m.recipient.email}", parameters={"ROLE": "REQ-PARTICIPANT"})


def subject(m: Outgoing) -> str:
    if m.kind == "cancel":
        return f"{'Cancelled' if m.gone is not None else 'Invitation withdrawn'}: {m.summary}"
    prefix = {"invite": "Invitation", "update": "Updated invitation"}
    return f"{prefix[m.kind]}: {m.summary}"


def _when(m: Outgoing) -> str:
    s = m.series
    if s is None:
        return ""
    start = s.recurrence.start
    text = f"{start:%a %d %b %Y, %H:%M} ({s.timezone})"
    rule = dict(p.split("=", 1) for p in (s.recurrence.rrule or "").split(";") if "=" in p)
    unit = _FREQ.get(rule.get("FREQ", ""))
    if unit:
        every = int(rule.get("INTERVAL", "1"))
        text += f", then every {unit}" if every == 1 else f", then every {every} {unit}s"
    return text


def _who(a: Attendee) -> str:
    return f"{a.name} <{a.email}>" if a.name else a.email


def agenda_lines(m: Outgoing) -> list[tuple[str, str]]:
    """(label, text) rows shared by the plain-text and HTML bodies."""
    rows = [("What", m.summary)]
    if m.kind == "cancel":
        what = (
            "This series has been cancelled."
            if m.gone is not None
            else "Your invitation to this series has been withdrawn; the meeting goes on."
        )
        rows.append(("Status", what))
    when = _when(m)
    if when:
        rows.append(("When", when))
    if m.series is not None and m.series.location:
        rows.append(("Where", m.series.location))
    rows.append(("Organizer", _who(m.organizer)))
    if m.series is not None and m.kind != "cancel":
        rows.append(("Attendees", ", ".join(_who(a) for a in m.series.attendees)))
    return rows


def _bodies(m: Outgoing) -> tuple[str, str]:
    rows = agenda_lines(m)
    agenda = m.series.description if m.series is not None and m.kind != "cancel" else ""
    text = "\n".join(f"{label}: {value}" for label, value in rows)
    if agenda:
        text += f"\n\n{agenda}"
    cells = "".join(
        f"<tr><th align='left'>{html.escape(label)}</th><td>{html.escape(value)}</td></tr>"
        for label, value in rows
    )
    body = f"<table>{cells}</table>"
    if agenda:
        body += f"<pre style='font-family:inherit;white-space:pre-wrap'>{html.escape(agenda)}</pre>"
    page = f"<!DOCTYPE html><html><body>{body}</body></html>"
    return text + "\n", page + "\n"


def build_message(
    m: Outgoing, *, sender: str, calendar: bytes, message_id: str, now: dt.datetime
) -> EmailMessage:
    """The e-mail for one :class:`Outgoing`: From ``sender``, To its one recipient.

    ``Reply-To`` is the organizer when ``sender`` is another address (a shared mailbox), so
    replies reach the person whose meeting it is; clients match iTIP replies on ORGANIZER."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((m.recipient.name or "", m.recipient.email))
    if parseaddr(sender)[1].lower() != m.organizer.email.lower():
        msg["Reply-To"] = formataddr((m.organizer.name or "", m.organizer.email))
    msg["Subject"] = subject(m)
    msg["Date"] = format_datetime(now.astimezone(dt.UTC))
    msg["Message-ID"] = message_id
    text, page = _bodies(m)
    cal_text = calendar.decode("utf-8")
    msg.set_content(text)
    msg.add_alternative(page, subtype="html")
    msg.add_alternative(cal_text, subtype="calendar", params={"method": m.method})
    msg.add_attachment(
        calendar,
        maintype="application",
        subtype="ics",
        filename="invite.ics",
        params={"name": "invite.ics"},
    )
    # Outlook and Exchange file a message with this class as a meeting request (set last:
    # set_content drops every Content-* header)
    msg["Content-Class"] = "urn:content-classes:calendarmessage"
    return msg
