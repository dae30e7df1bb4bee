"""One exception hierarchy for everything a user can act on.

Each error carries its exit status, and the CLI has exactly one handler that prints
``str(error)`` and exits with it: no traceback ever reaches a user for bad input.
"""

from __future__ import annotations

from collections.abc import Iterable


class TacalError(Exception):
    """Base for errors that end a command with a message and no traceback."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class Problem:
    """One located problem in an input: ``where`` is ``PATH:LINE`` or ``PATH: entry``."""

    __slots__ = ("where", "message", "severity")

    def __init__(self, where: str, message: str, severity: str = "error") -> None:
        self.where = where
        self.message = message
        self.severity = severity

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.where}: {prefix}{self.message}"

    def __repr__(self) -> str:
        return f"Problem({self.where!r}, {self.message!r}, {self.severity!r})"


class ConfigError(TacalError):
    """Bad config, accounts or templates; collects every problem so users fix them in one pass."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = [p for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))


class TemplateError(TacalError):
    """A template is missing, broken, or tried something the sandbox forbids."""


class OutputError(TacalError):
    """An output could not be written (the previous file is left untouched)."""


class SyncError(TacalError):
    """Google Calendar sync cannot go on: auth, permissions, missing calendar, guards."""


class AuthError(SyncError):
    """Credentials missing, revoked or expired; the message says how to re-authorise."""


class InviteError(TacalError):
    """E-mail invitations cannot go on: SMTP settings, the server, the send log, guards."""


class SmtpAuthError(InviteError):
    """The SMTP server refused the login (535 and kin); names the settings, never the password."""
