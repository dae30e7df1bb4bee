"""The send log: a SQLite database of every invitation message, written ahead of the send.

E-mail cannot be taken back, so the order is: record the message as ``pending`` (committed,
fsynced by SQLite), hand it to the server, then mark it ``sent``. A run killed at any moment
leaves at most one ``pending`` row whose fate is unknown; the next run sends that one again
(with the same Message-ID, which lets mail clients and Gmail drop the copy) and nothing else.

SQLite (standard library) because the log must survive a SIGKILL mid-write: its journal makes
each commit atomic, which a JSON or TOML file rewritten per message would not give without
reimplementing it, and it stays one file beside the lock. The file is created 0600: it lists
who was invited to what, customers included.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tacal.errors import InviteError

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL,
    attendee TEXT NOT NULL,          -- lower-case e-mail address
    method TEXT NOT NULL,            -- REQUEST | CANCEL
    sequence INTEGER NOT NULL,
    hash TEXT NOT NULL,              -- content hash of the series version sent
    message_id TEXT NOT NULL,
    created TEXT NOT NULL,           -- when the row was written (pending)
    sent TEXT,                       -- when the server accepted it
    status TEXT NOT NULL,            -- pending | sent | refused | failed
    error TEXT
);
CREATE INDEX IF NOT EXISTS sends_uid ON sends (uid, attendee);
CREATE TABLE IF NOT EXISTS series (
    uid TEXT PRIMARY KEY,
    account TEXT,
    organizer TEXT NOT NULL,         -- lower-case e-mail address
    summary TEXT NOT NULL,
    calendar BLOB NOT NULL           -- the last REQUEST's iCalendar (a CANCEL is built from it)
);
"""


@dataclass(frozen=True)
class Sent:
    """The last message a person accepted from the server for one series."""

    method: str
    sequence: int
    hash: str


@dataclass(frozen=True)
class Known:
    """A series the log has sent invitations for (to cancel it once it leaves the config)."""

    uid: str
    account: str | None
    organizer: str
    summary: str
    calendar: bytes


@dataclass(frozen=True)
class LogState:
    """What the log says, read once before planning (the plan itself stays pure)."""

    last: dict[tuple[str, str], Sent]
    series: dict[str, Known]

    def max_sequence(self, uid: str) -> int:
        """The highest SEQUENCE any attendee of ``uid`` was sent (-1 for none)."""
        return max((s.sequence for (u, _), s in self.last.items() if u == uid), default=-1)

    def sequence_of(self, uid: str, digest: str) -> int | None:
        """The SEQUENCE this version of ``uid`` was already sent with, if it was."""
        seqs = [
            s.sequence
            for (u, _), s in self.last.items()
            if u == uid and s.hash == digest and s.method == "REQUEST"
        ]
        return max(seqs) if seqs else None

    def invited(self, uid: str) -> list[str]:
        """Who holds ``uid`` now: their last message from us was a REQUEST."""
        return sorted(a for (u, a), s in self.last.items() if u == uid and s.method == "REQUEST")


def default_path(lock: Path) -> Path:
    """``NAME.invites.sqlite`` beside ``NAME.lock``."""
    return lock.with_name(f"{lock.stem}.invites.sqlite")


class SendLog:
    """One open send log; use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # created 0600 before SQLite opens it: it never exists with a wider mode
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            os.close(fd)
            os.chmod(path, 0o600)
            self.db = sqlite3.connect(path, isolation_level=None)
            # WAL: one fsync per commit (a rollback journal takes three), and FULL so a
            # committed "pending" survives a power cut, not only a killed process
            self.db.execute("PRAGMA journal_mode = WAL")
            self.db.execute("PRAGMA synchronous = FULL")
            self.db.executescript(_SCHEMA)
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                self.db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            elif row[0] != SCHEMA_VERSION:
                raise InviteError(
                    f"{path}: send log version {row[0]}, this tacal reads {SCHEMA_VERSION}",
                    hint="use the tacal that wrote it, or set [invite] state to a new file",
                )
        except (OSError, sqlite3.Error) as exc:
            raise InviteError(
                f"{path}: cannot open the send log: {exc}",
                hint="check the folder's permissions, or set [invite] state to another path",
            ) from None

    def __enter__(self) -> SendLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        try:
            self.db.execute("BEGIN IMMEDIATE")
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise InviteError(f"{self.path}: cannot write the send log: {exc}") from None

    def state(self) -> LogState:
        """The last accepted message per (series, person), and every series ever invited."""
        last: dict[tuple[str, str], Sent] = {}
        rows = self.db.execute(
            "SELECT uid, attendee, method, sequence, hash FROM sends "
            "WHERE status = 'sent' ORDER BY id"
        )
        for uid, attendee, method, sequence, digest in rows:
            last[(uid, attendee)] = Sent(method, sequence, digest)
        series = {
            row[0]: Known(*row)
            for row in self.db.execute(
                "SELECT uid, account, organizer, summary, calendar FROM series"
            )
        }
        return LogState(last, series)

    def pending(
        self, uid: str, attendee: str, method: str, sequence: int
    ) -> tuple[int, str] | None:
        """The row and Message-ID of the same message left pending by an interrupted run.
        It is sent again through that row and with that Message-ID, so a copy that did
        arrive is recognised as the same message and the log keeps one row for it."""
        row = self.db.execute(
            "SELECT id, message_id FROM sends WHERE uid = ? AND attendee = ? AND method = ? "
            "AND sequence = ? AND status = 'pending' ORDER BY id DESC LIMIT 1",
            (uid, attendee, method, sequence),
        ).fetchone()
        return (int(row[0]), str(row[1])) if row else None

    def begin(
        self,
        *,
        uid: str,
        attendee: str,
        method: str,
        sequence: int,
        digest: str,
        message_id: str,
        now: dt.datetime,
    ) -> int:
        """Record a message as pending (committed before it is sent); returns its row id."""
        with self._tx() as db:
            cur = db.execute(
                "INSERT INTO sends (uid, attendee, method, sequence, hash, message_id, "
                "created, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')",
                (uid, attendee, method, sequence, digest, message_id, now.isoformat()),
            )
            return int(cur.lastrowid or 0)

    def finish(self, row: int, *, now: dt.datetime, refused: str | None = None) -> None:
        """Mark a message sent (the server accepted it) or refused (a permanent 5xx)."""
        with self._tx() as db:
            db.execute(
                "UPDATE sends SET status = ?, sent = ?, error = ? WHERE id = ?",
                ("refused" if refused else "sent", now.isoformat(), refused, row),
            )

    def abandon(self, row: int, why: str) -> None:
        """Mark a message failed: the run stopped (login refused, retries exhausted) and the
        server did not take it; the next run sends it."""
        with self._tx() as db:
            db.execute("UPDATE sends SET status = 'failed', error = ? WHERE id = ?", (why, row))

    def remember(
        self, *, uid: str, account: str | None, organizer: str, summary: str, calendar: bytes
    ) -> None:
        """Keep the last REQUEST's calendar of a series: cancelling it after it left the
        config needs its DTSTART, rule and time zone, which the config no longer has."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO series (uid, account, organizer, summary, calendar) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE SET "
                "account = excluded.account, organizer = excluded.organizer, "
                "summary = excluded.summary, calendar = excluded.calendar",
                (uid, account, organizer, summary, calendar),
            )

    def rows(self) -> list[tuple[str, str, str, int, str]]:
        """(uid, attendee, method, sequence, status) of every message, oldest first."""
        return [
            (r[0], r[1], r[2], int(r[3]), r[4])
            for r in self.db.execute(
                "SELECT uid, attendee, method, sequence, status FROM sends ORDER BY id"
            )
        ]
