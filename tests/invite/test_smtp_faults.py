"""The SMTP side against a real server that misbehaves: transient 421/451 retried with
backoff, pacing, a refused login is a clean error that never shows the password, a refused
address does not stop the others, and implicit TLS / STARTTLS with a certificate made for
the test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tacal.errors import InviteError
from tacal.invite.smtp import Refused, Sender, Server
from tests.conftest import Result
from tests.support.invite_project import (
    ANNA,
    BEN,
    FIRST_RUN,
    TODAY,
    log_rows,
    summaries,
    write_config,
)
from tests.support.smtp_server import (
    SmtpServer,
    self_signed,
    smtp,  # noqa: F401  (fixture)
    smtp_server,
)

# AUTH without TLS is what the login tests want (aiosmtpd warns on each connection)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

INTERNAL = {m for m in FIRST_RUN if m[0] in (ANNA, BEN)}
MESSAGE = b"From: olga@team.example\r\nTo: anna@team.example\r\nSubject: t\r\n\r\nhello\r\n"


class FakeClock:
    """monotonic() that only moves when the sender sleeps: pacing and backoff are checked
    exactly, without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def sender(server: SmtpServer, clock: FakeClock, **kwargs: object) -> Sender:
    return Sender(
        Server(server.host, server.port, "none", **kwargs),  # type: ignore[arg-type]
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        max_per_minute=100,
    )


@pytest.mark.parametrize("code", [421, 450, 451, 452])
def test_transient_failures_are_retried_with_exponential_backoff(
    smtp: SmtpServer,  # noqa: F811
    code: int,
) -> None:
    smtp.handler.fail_rcpt, smtp.handler.fail_code = 3, code
    clock = FakeClock()
    with sender(smtp, clock) as s:
        s.send("olga@team.example", ANNA, MESSAGE)
        assert s.retries == 3
    assert clock.sleeps == [1.0, 2.0, 4.0]
    assert [r.rcpt_tos for r in smtp.received] == [(ANNA,)]
    assert smtp.handler.faults == 3


def test_retries_give_up_with_a_clear_error(smtp: SmtpServer) -> None:  # noqa: F811
    smtp.handler.fail_rcpt = 100
    clock = FakeClock()
    with sender(smtp, clock) as s, pytest.raises(InviteError) as info:
        s.send("olga@team.example", ANNA, MESSAGE)
    assert "still failing after 6 attempts: 451 4.3.0 try again later" in str(info.value)
    assert smtp.received == []


def test_pacing_keeps_to_max_per_minute(smtp: SmtpServer) -> None:  # noqa: F811
    clock = FakeClock()
    s = Sender(
        Server(smtp.host, smtp.port, "none"),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
        max_per_minute=2,
    )
    with s:
        for _ in range(5):
            s.send("olga@team.example", ANNA, MESSAGE)
    # 2 at once, then each pair waits for the first of the previous minute to age out
    assert clock.sleeps == [60.0, 60.0]
    assert len(smtp.received) == 5


def test_a_refused_address_is_refused_not_retried(smtp: SmtpServer) -> None:  # noqa: F811
    smtp.handler.refuse = {BEN}
    clock = FakeClock()
    with sender(smtp, clock) as s, pytest.raises(Refused) as info:
        s.send("olga@team.example", BEN, MESSAGE)
    assert info.value.code == 550
    assert clock.sleeps == []


def test_transient_failure_through_the_command(
    tacal: Callable[..., Result],
    tmp_path: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    write_config(tmp_path, smtp)
    smtp.handler.fail_rcpt, smtp.handler.fail_code = 1, 421
    result = tacal("--today", TODAY, "invite", "--yes")
    assert result.code == 0, result.err
    assert "sent 7 messages; 1 retry" in result.out
    got = summaries(smtp.received)
    assert sorted(got) == sorted(INTERNAL)  # each exactly once


def test_refused_address_others_still_sent_and_next_run_sends_the_rest(
    tacal: Callable[..., Result],
    tmp_path: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    write_config(tmp_path, smtp)
    smtp.handler.refuse = {BEN}
    result = tacal("--today", TODAY, "invite", "--yes")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "tacal: error: the server refused 3 messages" in result.err
    assert "refused ben@team.example  Stand-up: 550 5.1.1 no such user" in result.out
    assert {m.recipient for m in smtp.received} == {ANNA}
    assert sorted(r[4] for r in log_rows()) == ["refused"] * 3 + ["sent"] * 4
    smtp.clear()
    smtp.handler.refuse = set()
    again = tacal("--today", TODAY, "invite", "--yes")
    assert again.code == 0, again.err
    assert sorted(summaries(smtp.received)) == sorted(m for m in INTERNAL if m[0] == BEN)


def test_a_refused_sender_stops_the_run_naming_from(
    tacal: Callable[..., Result],
    tmp_path: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    write_config(tmp_path, smtp, 'from = "boss@elsewhere.example"\n')
    smtp.handler.refuse_senders = {"boss@elsewhere.example"}
    result = tacal("--today", TODAY, "invite", "--yes")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "refused the sender boss@elsewhere.example: 553" in result.err
    assert "set [invite] from to an address this account may send as" in result.err
    assert smtp.received == []
    assert [r[4] for r in log_rows()] == ["failed"]


@pytest.fixture
def login_server() -> object:
    with smtp_server(login=("olga", "s3cret-pass")) as server:
        yield server


def test_auth_failure_is_a_clean_error_without_the_password(
    tacal: Callable[..., Result],
    tmp_path: Path,
    login_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_config(tmp_path, login_server, 'username = "olga"\n')
    monkeypatch.setenv("TACAL_SMTP_PASSWORD", "wrong-pass-123")
    result = tacal("--today", TODAY, "invite", "--yes")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "refused the login of [invite] username 'olga': 535" in result.err
    assert "$TACAL_SMTP_PASSWORD" in result.err
    assert "wrong-pass-123" not in result.err + result.out
    assert login_server.received == []
    assert [r[4] for r in log_rows()] == ["failed"]
    monkeypatch.setenv("TACAL_SMTP_PASSWORD", "s3cret-pass")
    ok = tacal("--today", TODAY, "invite", "--yes")
    assert ok.code == 0, ok.err
    assert sorted(summaries(login_server.received)) == sorted(INTERNAL)
    assert "s3cret-pass" not in ok.err + ok.out


def test_username_without_password_says_which_variable(
    tacal: Callable[..., Result],
    tmp_path: Path,
    login_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_config(tmp_path, login_server, 'username = "olga"\n')
    monkeypatch.delenv("TACAL_SMTP_PASSWORD", raising=False)
    result = tacal("--today", TODAY, "invite", "--yes")
    assert result.code == 2
    assert "[invite] username is set but $TACAL_SMTP_PASSWORD is not" in result.err


def test_a_server_that_requires_login_without_username(
    tacal: Callable[..., Result], tmp_path: Path, login_server: SmtpServer
) -> None:
    write_config(tmp_path, login_server)
    result = tacal("--today", TODAY, "invite", "--yes")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "set [invite] username and $TACAL_SMTP_PASSWORD" in result.err


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_a_certificate_the_client_checks(
    tacal: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    security: str,
) -> None:
    context, cert = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    kwargs = {"tls": context} if security == "ssl" else {"starttls": context}
    with smtp_server(login=("olga", "pw-over-tls"), **kwargs) as server:  # type: ignore[arg-type]
        path = write_config(tmp_path, server, 'username = "olga"\n')
        path.write_text(path.read_text().replace('security = "none"', f'security = "{security}"'))
        monkeypatch.setenv("TACAL_SMTP_PASSWORD", "pw-over-tls")
        result = tacal("--today", TODAY, "invite", "--yes")
        assert result.code == 0, result.err
        assert sorted(summaries(server.received)) == sorted(INTERNAL)


def test_tls_with_an_untrusted_certificate_is_a_clean_error(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    context, _ = self_signed(tmp_path)
    with smtp_server(tls=context) as server:
        path = write_config(tmp_path, server)
        path.write_text(path.read_text().replace('security = "none"', 'security = "ssl"'))
        result = tacal("--today", TODAY, "invite", "--yes")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "TLS failed" in result.err
    assert server.received == []
