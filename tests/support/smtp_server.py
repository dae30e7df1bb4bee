"""A real SMTP server for the invitation tests: aiosmtpd on an ephemeral 127.0.0.1 port.

It collects every accepted message (envelope and bytes) and can be told to misbehave:
answer the next N RCPT commands with a transient code (421, 451...), refuse one address
for good (550), take its time over DATA (so a test can kill a sending process mid-run),
require a login (AUTH PLAIN/LOGIN; a wrong password gets 535), or speak implicit TLS with a
certificate made for the test.

Run on its own to try ``tacal invite`` by hand (messages are printed as they arrive)::

    python -m tests.support.smtp_server --port 8025
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from icalendar import Calendar


@dataclass(frozen=True)
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes

    def message(self) -> EmailMessage:
        return cast(EmailMessage, message_from_bytes(self.data, policy=policy.default))

    def calendar_part(self) -> EmailMessage:
        """The ``text/calendar`` part clients act on (not the attachment)."""
        parts = [p for p in self.message().walk() if p.get_content_type() == "text/calendar"]
        assert len(parts) == 1, [p.get_content_type() for p in self.message().walk()]
        return cast(EmailMessage, parts[0])

    def calendar(self) -> Calendar:
        return Calendar.from_ical(self.calendar_part().get_content())

    def master(self) -> Any:
        """The series' master VEVENT (the one without RECURRENCE-ID)."""
        masters = [e for e in self.calendar().walk("VEVENT") if "RECURRENCE-ID" not in e]
        assert len(masters) == 1
        return masters[0]

    @property
    def recipient(self) -> str:
        assert len(self.rcpt_tos) == 1, self.rcpt_tos
        return self.rcpt_tos[0]

    def summary(self) -> tuple[str, str, str, int]:
        """(recipient, METHOD, UID, SEQUENCE): what most scenarios compare."""
        ev = self.master()
        return (
            self.recipient,
            str(self.calendar()["METHOD"]),
            str(ev["UID"]),
            int(ev["SEQUENCE"]),
        )


@dataclass
class Handler:
    """aiosmtpd handler: records messages, injects faults on request."""

    received: list[Received] = field(default_factory=list)
    fail_rcpt: int = 0  # answer the next N RCPT commands with ``fail_code``
    fail_code: int = 451
    refuse: set[str] = field(default_factory=set)  # addresses refused for good (550)
    refuse_senders: set[str] = field(default_factory=set)  # MAIL FROM refused (553)
    delay: float = 0.0  # seconds to wait before accepting each message's DATA
    faults: int = 0  # how many transient answers were given
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        if address.lower() in self.refuse_senders:
            return "553 5.7.1 not allowed to send as this address"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.lock:
            if self.fail_rcpt > 0:
                self.fail_rcpt -= 1
                self.faults += 1
                return f"{self.fail_code} 4.3.0 try again later"
        if address.lower() in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, tuple(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 2.0.0 accepted"


class _Authenticator:
    def __init__(self, username: str, password: str) -> None:
        self.username = username.encode()
        self.password = password.encode()

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.username
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpServer:
    handler: Handler
    host: str
    port: int

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def wait_for(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} of {count} messages arrived")
            time.sleep(0.01)

    def clear(self) -> None:
        with self.handler.lock:
            self.handler.received.clear()


def self_signed(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A certificate for 127.0.0.1 made now (nothing secret in the repository): the server's
    TLS context and the certificate's path, for clients to trust (``SSL_CERT_FILE``)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tacal test SMTP")])
    now = dt.datetime.now(dt.UTC)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(ski, critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context, cert_path


@contextlib.contextmanager
def smtp_server(
    *,
    login: tuple[str, str] | None = None,
    tls: ssl.SSLContext | None = None,
    starttls: ssl.SSLContext | None = None,
) -> Iterator[SmtpServer]:
    """Start the server; with ``login`` it requires AUTH and checks the password (without
    TLS unless asked: the tests need no encryption); with ``tls`` it speaks implicit TLS
    (``security = "ssl"``), with ``starttls`` it offers and requires STARTTLS."""
    handler = Handler()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if login is not None:
        kwargs.update(
            authenticator=_Authenticator(*login), auth_require_tls=False, auth_required=True
        )
    if tls is not None:
        kwargs["ssl_context"] = tls
        kwargs["server_hostname"] = "127.0.0.1"
    if starttls is not None:
        kwargs.update(tls_context=starttls, require_starttls=True)
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer(handler, "127.0.0.1", port)
    finally:
        controller.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A plain SMTP server (no TLS, no login) for one test."""
    with smtp_server() as server:
        yield server


def main() -> None:
    parser = argparse.ArgumentParser(description="An SMTP server that prints what it gets.")
    parser.add_argument("--port", type=int, default=8025)
    args = parser.parse_args()
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"listening on 127.0.0.1:{args.port}; Ctrl-C stops", flush=True)
    seen = 0
    try:
        while True:
            time.sleep(0.2)
            for r in handler.received[seen:]:
                print(f"--- {r.mail_from} -> {', '.join(r.rcpt_tos)}", flush=True)
                print(r.data.decode("utf-8", "replace"), flush=True)
            seen = len(handler.received)
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
