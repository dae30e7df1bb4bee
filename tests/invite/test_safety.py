"""Nobody is e-mailed by surprise: customers only with --send-external, every real send
confirmed at a terminal or with --yes, the dry run sends and writes nothing, and --account /
--for limit what is sent."""

from __future__ import annotations

import io
import sys
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
    TODAY,
    log_path,
    log_rows,
    summaries,
    write_config,
)
from tests.support.smtp_server import SmtpServer, smtp  # noqa: F401  (fixture)


@pytest.fixture
def project(tmp_path: Path, smtp: SmtpServer) -> Path:  # noqa: F811
    return write_config(tmp_path, smtp)


def test_customers_are_held_back_without_send_external(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    result = tacal("--today", TODAY, "invite", "--yes")
    assert result.code == 0, result.err
    assert {m.recipient for m in smtp.received} == {ANNA, BEN}
    assert "held back: 2 messages to 2 customers (external); --send-external sends them" in (
        result.out
    )
    # a later run with --send-external sends exactly what they missed, with the same SEQUENCE
    smtp.clear()
    later = tacal("--today", TODAY, "invite", "--yes", "--send-external")
    assert later.code == 0, later.err
    assert sorted(summaries(smtp.received)) == [
        (CFO, "REQUEST", ACME, 0),
        (OPS, "REQUEST", GLOBEX, 0),
    ]


def test_the_plan_counts_messages_per_kind_of_person(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    result = tacal("--today", TODAY, "invite", "--dry-run", "--send-external")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "Invitations: dry run",
        "9 messages for 4 series to 4 people (2 internal, 2 external)",
        "            internal  external",
        "invite             7         2",
        "update             0         0",
        "cancel             0         0",
        "unchanged          0         0",
    ]
    assert smtp.received == []
    assert not log_path().exists()


def test_verbose_plan_lists_each_message_and_flags_customers(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    result = tacal("--today", TODAY, "invite", "--dry-run", "-v")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "invite  cfo@acme.example*  Customer Check-In: Acme  SEQUENCE 0  (held back)" in lines
    assert "invite  anna@team.example   Stand-up  SEQUENCE 0" in lines
    assert lines[-1] == "* outside the team (customers)"


def test_without_yes_and_no_terminal_nothing_is_sent(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    result = tacal("--today", TODAY, "invite", "--send-external")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert (
        "tacal: error: 9 e-mails would be sent, 2 to customers (external); nothing was "
        "sent: not at a terminal to confirm" in result.err
    )
    assert "--yes" in result.err
    assert smtp.received == []
    assert log_rows() == []


@pytest.mark.parametrize(("answer", "sent"), [("y\n", 7), ("n\n", 0)])
def test_at_a_terminal_the_user_is_asked(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    sent: int,
) -> None:
    from tacal.cli import invite

    monkeypatch.setattr(invite, "_at_terminal", lambda: True)
    monkeypatch.setattr(sys, "stdin", io.StringIO(answer))
    result = tacal("--today", TODAY, "invite")
    assert "7 e-mails would be sent. Send?" in result.err
    assert len(smtp.received) == sent
    assert result.code == (0 if sent else 2)


def test_account_scope_sends_only_that_accounts_series(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    result = tacal("--today", TODAY, "invite", "--yes", "--account", "acme", "--send-external")
    assert result.code == 0, result.err
    assert sorted(summaries(smtp.received)) == sorted(m for m in FIRST_RUN if m[2] == ACME)


def test_for_scope_sends_the_series_that_person_attends(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    result = tacal("--today", TODAY, "invite", "--yes", "--for", "ben")
    assert result.code == 0, result.err
    assert {m.summary()[2] for m in smtp.received} == {
        "inv.standup@tacal",
        ACME,
        GLOBEX,
    }


def test_a_series_without_organizer_is_a_clear_error(
    tacal: Callable[..., Result],
    tmp_path: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    from tests.conftest import FIXTURES

    text = (FIXTURES / "invite.toml").read_text().replace('organizer = "olga"\n', "")
    write_config(tmp_path, smtp, text=text)
    result = tacal("--today", TODAY, "invite", "--dry-run")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "has no organizer" in result.err
    assert "team.organizer" in result.err


def test_a_scoped_run_cancels_only_removed_series_of_its_scope(
    tacal: Callable[..., Result],
    project: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    assert tacal("--today", TODAY, "invite", "--yes").code == 0
    text = project.read_text()
    start = text.index('[[account]]\nname = "Globex"')
    project.write_text(text[:start] + text[text.index("[invite]") :])
    smtp.clear()
    other = tacal("--today", TODAY, "invite", "--yes", "--account", "Acme")
    assert other.code == 0, other.err
    assert smtp.received == []
    gone = tacal("--today", TODAY, "invite", "--yes", "--account", "Globex")
    assert gone.code == 0, gone.err
    assert sorted(summaries(smtp.received)) == [
        (ANNA, "CANCEL", GLOBEX, 1),
        (BEN, "CANCEL", GLOBEX, 1),
    ]
