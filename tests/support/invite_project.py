"""A project for the invitation tests: ``tests/fixtures/invite.toml`` plus an ``[invite]`` table
pointing at a test SMTP server, and readers for the send log tacal keeps beside the lock."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from tests.conftest import FIXTURES
from tests.support.smtp_server import Received, SmtpServer

TODAY = "2027-01-04"
ORGANIZER = "olga@team.example"
STANDUP = "inv.standup@tacal"
REVIEW = "inv.review@tacal"
ACME = "inv.check-in.acme@tacal"
GLOBEX = "inv.check-in.globex@tacal"
ANNA, BEN = "anna@team.example", "ben@team.example"
CFO, OPS = "cfo@acme.example", "ops@globex.example"

#: (recipient, METHOD, UID, SEQUENCE) of the first full run, written out by hand from
#: tests/fixtures/invite.toml: every attendee but the organizer, customers included
FIRST_RUN = {
    (ANNA, "REQUEST", STANDUP, 0),
    (BEN, "REQUEST", STANDUP, 0),
    (ANNA, "REQUEST", REVIEW, 0),
    (ANNA, "REQUEST", ACME, 0),
    (BEN, "REQUEST", ACME, 0),
    (CFO, "REQUEST", ACME, 0),
    (ANNA, "REQUEST", GLOBEX, 0),
    (BEN, "REQUEST", GLOBEX, 0),
    (OPS, "REQUEST", GLOBEX, 0),
}


def write_config(
    folder: Path, server: SmtpServer, extra: str = "", *, text: str | None = None
) -> Path:
    """``folder/tacal.toml``: the fixture (or ``text``) with ``[invite]`` for ``server``."""
    body = text if text is not None else (FIXTURES / "invite.toml").read_text()
    path = folder / "tacal.toml"
    path.write_text(
        body
        + "\n[invite]\n"
        + f'smtp_host = "{server.host}"\nsmtp_port = {server.port}\nsecurity = "none"\n'
        + "max_per_minute = 10000\n"
        + extra
    )
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def log_path() -> Path:
    """The send log of the fixture's team (id ``inv``) beside its lock."""
    return Path(os.environ["TACAL_LOCK_DIR"]) / "inv.invites.sqlite"


def log_rows() -> list[tuple[str, str, str, int, str]]:
    """(uid, attendee, method, sequence, status) per message, oldest first."""
    with sqlite3.connect(log_path()) as db:
        return [
            (r[0], r[1], r[2], int(r[3]), r[4])
            for r in db.execute(
                "SELECT uid, attendee, method, sequence, status FROM sends ORDER BY id"
            )
        ]


def summaries(messages: list[Received]) -> list[tuple[str, str, str, int]]:
    return [m.summary() for m in messages]
