"""The ``[invite]`` table (``tacal invite``: iMIP e-mail over SMTP), validated with located
errors like ``[feeds]`` and ``[sync]``.

The SMTP password is refused here on purpose: a config file is committed, shared and printed
in bug reports, so the password comes from ``$TACAL_SMTP_PASSWORD`` only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tacal.config.values import did_you_mean
from tacal.model import SECURITY, InviteSettings

INVITE_KEYS = {
    "smtp_host",
    "smtp_port",
    "security",
    "username",
    "from",
    "max_per_minute",
    "state",
    "internal_domains",
}

#: one address, optionally with a display name: ``a@b.example`` or ``Name <a@b.example>``
_ADDRESS = re.compile(r"^(?:[^<>@\r\n]*<)?[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+>?$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def _string(checker: Any, table: dict[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        checker.error(("invite", key), f"must be a non-empty string, not {value!r}")
        return None
    return value


def _senders(checker: Any, value: Any) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """``from``: one address for every organizer, or a table organizer -> address."""
    if value is None:
        return None, ()
    if isinstance(value, str):
        if not _ADDRESS.match(value.strip()):
            checker.error(
                ("invite", "from"),
                f'{value!r} is not an e-mail address; write e.g. "TA Team <ta@company.example>"',
            )
            return None, ()
        return value.strip(), ()
    if not isinstance(value, dict):
        checker.error(
            ("invite", "from"),
            "must be an address, or a table mapping an organizer (person key or e-mail) to one",
        )
        return None, ()
    pairs = []
    for who, address in value.items():
        if not isinstance(address, str) or not _ADDRESS.match(address.strip()):
            checker.error(("invite", "from", who), f"{address!r} is not an e-mail address")
            continue
        pairs.append((str(who).lower(), address.strip()))
    return None, tuple(sorted(pairs))


def invite_settings(checker: Any, table: Any, base: Path | None) -> InviteSettings:
    """``[invite]``: located errors through ``checker``; defaults where a value is bad."""
    if table is None:
        return InviteSettings()
    if not isinstance(table, dict):
        checker.error(("invite",), "must be a table: [invite] with smtp_host, smtp_port, ...")
        return InviteSettings()
    if "password" in table:
        checker.error(
            ("invite", "password"),
            "the SMTP password is not read from the config file (it would be committed with "
            "it); remove this key and set $TACAL_SMTP_PASSWORD in the environment instead",
        )
    checker.unknown_keys(
        ("invite",), {k: v for k, v in table.items() if k != "password"}, INVITE_KEYS
    )
    host = _string(checker, table, "smtp_host")
    username = _string(checker, table, "username")
    state = _string(checker, table, "state")
    security = table.get("security", "starttls")
    if security not in SECURITY:
        checker.error(
            ("invite", "security"),
            f"{security!r}{did_you_mean(str(security), SECURITY)}: use one of "
            f"{' | '.join(SECURITY)}",
        )
        security = "starttls"
    port = table.get("smtp_port")
    if port is not None and (
        isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535
    ):
        checker.error(("invite", "smtp_port"), f"{port!r}: use a port number from 1 to 65535")
        port = None
    pace = table.get("max_per_minute", 30)
    if isinstance(pace, bool) or not isinstance(pace, int) or not 1 <= pace <= 10000:
        checker.error(("invite", "max_per_minute"), f"{pace!r}: use a whole number from 1 to 10000")
        pace = 30
    domains: list[str] = []
    raw_domains = table.get("internal_domains", [])
    if not isinstance(raw_domains, list):
        checker.error(("invite", "internal_domains"), 'must be a list, e.g. ["company.example"]')
        raw_domains = []
    for d in raw_domains:
        if not isinstance(d, str) or not _DOMAIN.match(d.lower().lstrip("@")):
            checker.error(("invite", "internal_domains"), f"{d!r} is not a domain name")
            continue
        domains.append(d.lower().lstrip("@"))
    sender, senders = _senders(checker, table.get("from"))
    if state is not None and base is not None:
        state = str((base / state).expanduser())
    return InviteSettings(
        smtp_host=host,
        smtp_port=port,
        security=security,
        username=username,
        sender=sender,
        senders=senders,
        max_per_minute=pace,
        state=state,
        internal_domains=tuple(domains),
    )


def check_senders(
    checker: Any, invite: InviteSettings, people: dict[str, Any], organizers: set[str]
) -> None:
    """A ``from`` table key that names nobody who can organize is a warning: that address
    would never be used, and the organizer it was meant for would send from their own."""
    known = {k.lower() for k in people} | {p.email.lower() for p in people.values()}
    known |= {o.lower() for o in organizers}
    for who, _ in invite.senders:
        if who not in known:
            checker.warn(
                ("invite", "from", who),
                f"{who!r} is neither a [people] key nor an organizer's e-mail, so this "
                f"address is never used{did_you_mean(who, sorted(known))}",
            )
