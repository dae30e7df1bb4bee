"""The SMTP sender: one connection, paced, retried on transient failures (``smtplib``).

``smtplib`` is the standard library's client and speaks everything needed here (STARTTLS,
implicit TLS, AUTH PLAIN/LOGIN); a third-party client would add a dependency for nothing.

- Pacing: at most ``max_per_minute`` messages in any sliding minute. Mail providers throttle
  (and flag as spam) bursts from one account; Google Workspace and Microsoft 365 both count
  messages per minute.
- Transient failures (421 "service not available", 450/451/452 "try again", any other 4xx,
  a dropped connection) are retried on a fresh connection with exponential backoff (1, 2,
  4, 8 s...).
- Authentication failures (530, 534, 535) stop the run with :class:`SmtpAuthError`, naming
  the settings to check and never the password; so does a refused sender (553: ``from``
  is not an address the account may send as). Other permanent refusals (550 "no such
  user") concern one message: :class:`Refused` lets the run record it and go on.

The clock and ``sleep`` are injected so tests check the pacing and backoff without waiting.
"""

from __future__ import annotations

import smtplib
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tacal.errors import InviteError, SmtpAuthError

TRANSIENT = frozenset({421, 450, 451, 452})
AUTH_FAILED = frozenset({530, 534, 535})
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}


class Refused(Exception):
    """The server permanently refused one message (5xx other than authentication)."""

    def __init__(self, code: int, reply: str) -> None:
        super().__init__(f"{code} {reply}")
        self.code = code


class _Transient(Exception):
    def __init__(self, why: str) -> None:
        super().__init__(why)


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    security: str = "starttls"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    def __repr__(self) -> str:  # never show the password, not even in a traceback
        return f"Server({self.host!r}, {self.port}, {self.security!r}, {self.username!r})"


class Sender:
    """Sends messages through one server; use as a context manager."""

    def __init__(
        self,
        server: Server,
        *,
        max_per_minute: int = 30,
        attempts: int = 6,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.server = server
        self.max_per_minute = max_per_minute
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep
        self.monotonic = monotonic
        self.tls = tls or ssl.create_default_context()
        self._conn: smtplib.SMTP | None = None
        self._sent: deque[float] = deque()
        self.retries = 0

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()

    def _where(self) -> str:
        return f"{self.server.host}:{self.server.port} ({self.server.security})"

    def _connect(self) -> smtplib.SMTP:
        s = self.server
        try:
            conn: smtplib.SMTP
            if s.security == "ssl":
                conn = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=self.tls)
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            conn.ehlo()
            if s.security == "starttls":
                conn.starttls(context=self.tls)
                conn.ehlo()
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code in TRANSIENT:
                raise _Transient(f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
            raise InviteError(
                f"SMTP {self._where()}: {exc.smtp_code} {_text(exc.smtp_error)}",
                hint="check [invite] smtp_host, smtp_port and security",
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise InviteError(
                f"SMTP {self._where()}: the server does not offer STARTTLS",
                hint='set [invite] security = "ssl" (port 465) if the server uses implicit TLS',
            ) from None
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise InviteError(
                f"SMTP {self._where()}: TLS failed: {exc}",
                hint="check [invite] security and smtp_port (465 is ssl, 587 starttls)",
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise _Transient(f"cannot connect: {exc}") from None
        if s.username is not None:
            self._login(conn)
        return conn

    def _login(self, conn: smtplib.SMTP) -> None:
        s = self.server
        if s.password is None:
            conn.close()
            raise SmtpAuthError(
                f"SMTP {self._where()}: [invite] username is set but $TACAL_SMTP_PASSWORD is not",
                hint="export TACAL_SMTP_PASSWORD in the environment that runs tacal invite",
            )
        try:
            conn.login(s.username or "", s.password)
        except smtplib.SMTPAuthenticationError as exc:
            conn.close()
            raise SmtpAuthError(
                f"SMTP {self._where()} refused the login of [invite] username "
                f"{s.username!r}: {exc.smtp_code} {_text(exc.smtp_error)}",
                hint="check [invite] username and $TACAL_SMTP_PASSWORD (an app password "
                "where the provider requires one)",
            ) from None
        except smtplib.SMTPNotSupportedError:
            conn.close()
            raise SmtpAuthError(
                f"SMTP {self._where()} offers no login (AUTH) on this connection",
                hint='use security = "starttls" or "ssl", or remove [invite] username',
            ) from None
        except smtplib.SMTPResponseException as exc:
            conn.close()
            if exc.smtp_code in TRANSIENT:
                raise _Transient(f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
            raise SmtpAuthError(
                f"SMTP {self._where()}: login failed: {exc.smtp_code} {_text(exc.smtp_error)}",
                hint="check [invite] username and $TACAL_SMTP_PASSWORD",
            ) from None
        except smtplib.SMTPException as exc:
            conn.close()
            raise SmtpAuthError(
                f"SMTP {self._where()}: login failed: {exc}",
                hint="check [invite] username and $TACAL_SMTP_PASSWORD",
            ) from None

    def _pace(self) -> None:
        """Wait until fewer than ``max_per_minute`` messages went out in the last minute."""
        while len(self._sent) >= self.max_per_minute:
            wait = self._sent[0] + 60.0 - self.monotonic()
            if wait <= 0:
                self._sent.popleft()
                continue
            self.sleep(wait)

    def send(self, sender: str, recipient: str, data: bytes) -> None:
        """Send one message to one recipient; returns once the server accepted it.

        Raises :class:`Refused` (permanent, this message), :class:`SmtpAuthError` or
        :class:`InviteError` (the run cannot go on: retries exhausted)."""
        self._pace()
        why = ""
        for attempt in range(self.attempts):
            if attempt:
                self.retries += 1
                self.sleep(min(self.backoff * 2 ** (attempt - 1), 300.0))
            try:
                if self._conn is None:
                    self._conn = self._connect()
                self._once(self._conn, sender, recipient, data)
            except _Transient as exc:
                why = str(exc)
                self._drop()
                continue
            self._sent.append(self.monotonic())
            return
        raise InviteError(
            f"SMTP {self._where()}: still failing after {self.attempts} attempts: {why}",
            hint="the server is busy or unreachable; run tacal invite again later "
            "(what was sent is in the send log and is not sent again)",
        )

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def _once(self, conn: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> None:
        try:
            conn.sendmail(sender, [recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            _classify(code, reply)
        except smtplib.SMTPSenderRefused as exc:
            if exc.smtp_code >= 500 and exc.smtp_code not in AUTH_FAILED:
                # every message would be refused the same way: stop, naming the setting
                raise InviteError(
                    f"SMTP {self._where()} refused the sender {sender}: "
                    f"{exc.smtp_code} {_text(exc.smtp_error)}",
                    hint="set [invite] from to an address this account may send as",
                ) from None
            _classify(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPResponseException as exc:
            _classify(exc.smtp_code, exc.smtp_error)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            raise _Transient(f"connection lost: {exc}") from None


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _classify(code: int, reply: bytes | str) -> None:
    if code in TRANSIENT or 400 <= code < 500:
        raise _Transient(f"{code} {_text(reply)}")
    if code in AUTH_FAILED:
        raise SmtpAuthError(
            f"SMTP server requires a login: {code} {_text(reply)}",
            hint="set [invite] username and $TACAL_SMTP_PASSWORD",
        )
    raise Refused(code, _text(reply))
