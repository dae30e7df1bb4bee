"""The ``[invite]`` table: bad values are located errors, the password is refused from the
file, ``from`` per organizer, ``internal_domains`` and ``state``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import FIXTURES, Result
from tests.support.invite_project import CFO, TODAY, write_config
from tests.support.smtp_server import SmtpServer, smtp  # noqa: F401  (fixture)


def config_with(tmp_path: Path, table: str) -> Path:
    path = tmp_path / "tacal.toml"
    path.write_text((FIXTURES / "invite.toml").read_text() + "\n[invite]\n" + table)
    return path


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_a_password_in_the_file_is_an_error_that_names_the_variable(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    path = config_with(tmp_path, 'smtp_host = "mail.example"\npassword = "hunter2"\n')
    result = tacal("validate")
    assert result.code == 2
    assert result.err.splitlines() == [
        f"{path}:{line_of(path, 'password')}: invite.password: the SMTP password is not read "
        "from the config file (it would be committed with it); remove this key and set "
        "$TACAL_SMTP_PASSWORD in the environment instead"
    ]
    assert "hunter2" not in result.err


def test_bad_values_are_located_all_at_once(tacal: Callable[..., Result], tmp_path: Path) -> None:
    path = config_with(
        tmp_path,
        'smtp_hots = "x"\nsecurity = "tls"\nsmtp_port = 70000\nmax_per_minute = 0\n'
        'from = "not an address"\ninternal_domains = ["no domain"]\n',
    )
    result = tacal("validate")
    assert result.code == 2
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    expected = [
        (
            "smtp_hots",
            "invite.smtp_hots: unknown key 'smtp_hots'; did you mean 'smtp_host'?",
        ),
        ("security", "invite.security: 'tls': use one of starttls | ssl | none"),
        ("smtp_port", "invite.smtp_port: 70000: use a port number from 1 to 65535"),
        ("max_per_minute", "invite.max_per_minute: 0: use a whole number from 1 to 10000"),
        ("from", "invite.from: 'not an address' is not an e-mail address"),
        ("internal_domains", "invite.internal_domains: 'no domain' is not a domain name"),
    ]
    for key, message in expected:
        where = f"{path}:{line_of(path, key + ' =')}: "
        assert any(line.startswith(where + message) for line in lines), (message, lines)
    assert len(lines) == len(expected)


def test_no_smtp_host_is_a_clear_error_for_a_real_run(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    (tmp_path / "tacal.toml").write_text((FIXTURES / "invite.toml").read_text())
    dry = tacal("--today", TODAY, "invite", "--dry-run")
    assert dry.code == 0, dry.err
    result = tacal("--today", TODAY, "invite", "--yes")
    assert result.code == 2
    assert "tacal: error: no SMTP server: [invite] smtp_host is not set" in result.err


def test_from_per_organizer_and_reply_to_the_organizer(
    tacal: Callable[..., Result],
    tmp_path: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    write_config(tmp_path, smtp, 'from = { olga = "TA Team <ta-team@team.example>" }\n')
    assert tacal("--today", TODAY, "invite", "--yes").code == 0
    assert smtp.received
    for m in smtp.received:
        msg = m.message()
        assert m.mail_from == "ta-team@team.example"
        assert msg["From"] == "TA Team <ta-team@team.example>"
        assert msg["Reply-To"] == "Olga Berg <olga@team.example>"
        assert str(m.master()["ORGANIZER"]) == "mailto:olga@team.example"


def test_one_from_for_every_organizer(
    tacal: Callable[..., Result],
    tmp_path: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    write_config(tmp_path, smtp, 'from = "calendar@team.example"\n')
    assert tacal("--today", TODAY, "invite", "--yes").code == 0
    assert {m.mail_from for m in smtp.received} == {"calendar@team.example"}


def test_internal_domains_count_as_the_team(
    tacal: Callable[..., Result],
    tmp_path: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    write_config(tmp_path, smtp, 'internal_domains = ["acme.example"]\n')
    result = tacal("--today", TODAY, "invite", "--yes")
    assert result.code == 0, result.err
    assert CFO in {m.recipient for m in smtp.received}
    assert "held back: 1 message to 1 customer (external)" in result.out


def test_state_puts_the_send_log_where_the_config_says(
    tacal: Callable[..., Result],
    tmp_path: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    write_config(tmp_path, smtp, 'state = "state/invites.db"\n')
    assert tacal("--today", TODAY, "invite", "--yes").code == 0
    log = tmp_path / "state" / "invites.db"
    assert log.exists()
    assert log.stat().st_mode & 0o777 == 0o600


def test_regression_from_key_naming_nobody_is_a_warning(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """A ``from`` key that is no person and no organizer was silently never used."""
    path = config_with(
        tmp_path,
        'smtp_host = "mail.example"\n[invite.from]\nanna = "Anna <anna@team.example>"\n'
        'ana = "Typo <typo@team.example>"\n',
    )
    result = tacal("validate")
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if "invite.from" in line]
    assert warnings == [
        f"{path}:{line_of(path, 'ana = ')}: invite.from.ana: warning: 'ana' is neither a "
        "[people] key nor an organizer's e-mail, so this address is never used "
        "(did you mean 'anna'?)"
    ]
