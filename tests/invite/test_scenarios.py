"""`tacal invite` end to end against a real SMTP server on 127.0.0.1: every message parsed
back with ``email`` and icalendar, per scenario (first run, re-run, a cadence changed, an
account removed, an attendee removed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result
from tests.support.invite_project import (
    ACME,
    ANNA,
    BEN,
    CFO,
    FIRST_RUN,
    GLOBEX,
    OPS,
    ORGANIZER,
    REVIEW,
    STANDUP,
    TODAY,
    edit,
    log_rows,
    summaries,
    write_config,
)
from tests.support.smtp_server import SmtpServer, smtp  # noqa: F401  (fixture)


@pytest.fixture
def project(tmp_path: Path, smtp: SmtpServer) -> Path:  # noqa: F811
    return write_config(tmp_path, smtp)


def invite(tacal: Callable[..., Result], *args: str) -> Result:
    return tacal("--today", TODAY, "invite", "--yes", *args)


def attendees(ev: object) -> set[str]:
    value = ev["ATTENDEE"]  # type: ignore[index]
    items = value if isinstance(value, list) else [value]
    return {str(a).removeprefix("mailto:") for a in items}


def test_first_run_invites_everyone_but_the_organizer(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    result = invite(tacal, "--send-external")
    assert result.code == 0, result.err
    got = summaries(smtp.received)
    assert len(got) == len(FIRST_RUN)
    assert set(got) == FIRST_RUN
    assert "sent 9 messages" in result.out
    by_key = {(m.recipient, str(m.master()["UID"])): m for m in smtp.received}
    standup = by_key[(BEN, STANDUP)]
    ev = standup.master()
    assert str(ev["ORGANIZER"]) == f"mailto:{ORGANIZER}"
    assert attendees(ev) == {ORGANIZER, ANNA, BEN}
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert standup.mail_from == ORGANIZER
    msg = standup.message()
    assert msg["To"] == "Ben Okafor <ben@team.example>"
    assert msg["From"] == "Olga Berg <olga@team.example>"
    assert msg["Subject"] == "Invitation: Stand-up"
    assert by_key[(CFO, ACME)].master()["ATTENDEE"] is not None
    assert attendees(by_key[(CFO, ACME)].master()) == {ANNA, BEN, CFO}
    assert attendees(by_key[(ANNA, REVIEW)].master()) == {ORGANIZER, ANNA}


def test_the_message_is_the_form_clients_act_on(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    assert invite(tacal).code == 0
    m = next(r for r in smtp.received if r.summary() == (ANNA, "REQUEST", STANDUP, 0))
    msg = m.message()
    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = msg.get_payload()  # type: ignore[misc]
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.get_payload()] == [
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    part = m.calendar_part()
    # upper case, as RFC 5546 writes methods (some readers compare it literally)
    assert b'Content-Type: text/calendar; charset="utf-8"; method="REQUEST"\r\n' in m.data
    assert part.get_param("method") == "REQUEST"
    assert msg["Content-Class"] == "urn:content-classes:calendarmessage"
    assert part.get_content_charset() == "utf-8"
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content() == part.get_content().encode()
    cal = m.calendar()
    assert str(cal["METHOD"]) == "REQUEST"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    text = alternative.get_payload()[0].get_content()
    assert "What: Stand-up" in text
    assert "Organizer: Olga Berg <olga@team.example>" in text
    assert msg["Message-ID"].endswith("@team.example>")


def test_a_request_carries_the_moved_occurrences(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    """A holiday move is a RECURRENCE-ID override of the series; without it the attendee's
    calendar would keep the meeting on the holiday."""
    edit(project, 'start = "2027-01-04"', 'start = "2027-01-04"\nholidays = ["2027-01-12"]')
    assert invite(tacal).code == 0
    m = next(r for r in smtp.received if r.summary()[:3] == (ANNA, "REQUEST", STANDUP))
    events = [e for e in m.calendar().walk("VEVENT")]
    overrides = [e for e in events if "RECURRENCE-ID" in e]
    assert len(overrides) == 1
    assert overrides[0]["RECURRENCE-ID"].dt.date().isoformat() == "2027-01-12"
    assert {str(e["UID"]) for e in events} == {STANDUP}
    assert {int(e["SEQUENCE"]) for e in events} == {0}


def test_rerun_with_nothing_changed_sends_nothing(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    assert invite(tacal, "--send-external").code == 0
    smtp.clear()
    again = invite(tacal, "--send-external")
    assert again.code == 0, again.err
    assert smtp.received == []
    assert "nothing to send" in again.out
    assert "unchanged          7         2" in again.out


def test_one_cadence_changed_updates_its_attendees_only(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    assert invite(tacal, "--send-external").code == 0
    smtp.clear()
    edit(project, 'time = "09:30"', 'time = "09:45"')
    result = invite(tacal, "--send-external")
    assert result.code == 0, result.err
    assert sorted(summaries(smtp.received)) == [
        (ANNA, "REQUEST", STANDUP, 1),
        (BEN, "REQUEST", STANDUP, 1),
    ]
    ev = smtp.received[0].master()
    assert ev["DTSTART"].dt.strftime("%H:%M") == "09:45"
    assert smtp.received[0].message()["Subject"] == "Updated invitation: Stand-up"


def test_one_account_removed_cancels_its_series_to_its_attendees(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    assert invite(tacal, "--send-external").code == 0
    smtp.clear()
    text = project.read_text()
    start = text.index('[[account]]\nname = "Globex"')
    end = text.index("[invite]")
    project.write_text(text[:start] + text[end:])
    result = invite(tacal, "--send-external")
    assert result.code == 0, result.err
    assert sorted(summaries(smtp.received)) == [
        (ANNA, "CANCEL", GLOBEX, 1),
        (BEN, "CANCEL", GLOBEX, 1),
        (OPS, "CANCEL", GLOBEX, 1),
    ]
    for m in smtp.received:
        ev = m.master()
        assert str(ev["STATUS"]) == "CANCELLED"
        assert str(ev["ORGANIZER"]) == f"mailto:{ORGANIZER}"
        assert m.calendar_part().get_param("method") == "CANCEL"
        assert m.message()["Subject"] == "Cancelled: Customer Check-In: Globex"
        assert [e for e in m.calendar().walk("VEVENT") if "RECURRENCE-ID" in e] == []
    smtp.clear()
    assert invite(tacal, "--send-external").code == 0
    assert smtp.received == []


def test_one_attendee_removed_gets_a_cancel_and_the_rest_an_update(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    assert invite(tacal).code == 0
    smtp.clear()
    edit(project, 'attendees = ["olga", "anna", "ben"]', 'attendees = ["olga", "anna"]')
    result = invite(tacal)
    assert result.code == 0, result.err
    assert sorted(summaries(smtp.received)) == [
        (ANNA, "REQUEST", STANDUP, 1),
        (BEN, "CANCEL", STANDUP, 1),
    ]
    cancel = next(m for m in smtp.received if m.recipient == BEN)
    ev = cancel.master()
    assert attendees(ev) == {BEN}
    # RFC 5546, 3.2.5: uninviting an attendee leaves STATUS out (the meeting goes on)
    assert "STATUS" not in ev
    assert cancel.calendar_part().get_param("method") == "CANCEL"
    assert cancel.message()["Subject"] == "Invitation withdrawn: Stand-up"
    update = next(m for m in smtp.received if m.recipient == ANNA)
    assert attendees(update.master()) == {ORGANIZER, ANNA}
    # and back: ben is invited again, with a SEQUENCE above the cancellation
    smtp.clear()
    edit(project, 'attendees = ["olga", "anna"]', 'attendees = ["olga", "anna", "ben"]')
    assert invite(tacal).code == 0
    assert sorted(summaries(smtp.received)) == [
        (ANNA, "REQUEST", STANDUP, 2),
        (BEN, "REQUEST", STANDUP, 2),
    ]


def test_the_send_log_records_every_message(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    from tests.support.invite_project import log_path

    assert invite(tacal).code == 0
    rows = log_rows()
    assert sorted((r[0], r[1], r[2], r[3], r[4]) for r in rows) == sorted(
        (uid, who, "REQUEST", 0, "sent") for who, _, uid, _ in FIRST_RUN if who not in (CFO, OPS)
    )
    # the log and SQLite's -wal/-shm files beside it: they hold the same names
    files = list(log_path().parent.glob(log_path().name + "*"))
    assert log_path() in files
    assert {f.name: f.stat().st_mode & 0o777 for f in files} == {f.name: 0o600 for f in files}


def test_regression_a_reset_lock_never_lowers_sequence(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    """The lock restarts SEQUENCE at 0 when it is deleted; attendees already hold 0, so the
    next version must go out as 1 (clients ignore a REQUEST that is not newer)."""
    from tests.support.invite_project import log_path

    assert invite(tacal).code == 0
    lock = log_path().with_name("inv.lock")
    lock.unlink()
    smtp.clear()
    assert invite(tacal).code == 0
    assert smtp.received == []  # the same content: nothing to send
    lock.unlink()
    edit(project, 'time = "09:30"', 'time = "09:45"')
    assert invite(tacal).code == 0
    assert sorted(summaries(smtp.received)) == [
        (ANNA, "REQUEST", STANDUP, 1),
        (BEN, "REQUEST", STANDUP, 1),
    ]


def test_organizers_send_their_own(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    """Without ``organizer`` on the cadence, a check-in is organized by its account's TA: the
    TA sends it (From, envelope sender, ORGANIZER) and is not invited to it; the team's
    series still come from the team organizer."""
    edit(
        project,
        'test_organizers_send_their_own)\norganizer = "olga"\n',
        "test_organizers_send_their_own)\n",
    )
    result = invite(tacal, "--send-external")
    assert result.code == 0, result.err
    got = set(summaries(smtp.received))
    assert got == {
        (ANNA, "REQUEST", STANDUP, 0),
        (BEN, "REQUEST", STANDUP, 0),
        (ANNA, "REQUEST", REVIEW, 0),
        (BEN, "REQUEST", ACME, 0),
        (CFO, "REQUEST", ACME, 0),
        (BEN, "REQUEST", GLOBEX, 0),
        (OPS, "REQUEST", GLOBEX, 0),
    }
    by_key = {(m.recipient, str(m.master()["UID"])): m for m in smtp.received}
    for uid, customer in ((ACME, CFO), (GLOBEX, OPS)):
        message = by_key[(customer, uid)]
        assert str(message.master()["ORGANIZER"]) == f"mailto:{ANNA}"
        assert message.mail_from == ANNA
        assert message.message()["From"] == "Anna Schmidt <anna@team.example>"
    assert by_key[(BEN, STANDUP)].mail_from == ORGANIZER
