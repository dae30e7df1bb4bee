"""The ``[feeds]`` and ``[sync]`` tables: validated with located errors like every other table.

They are read by the loader itself (not by hooks the sinks register on import), so whether a
config is accepted never depends on which modules were imported first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from icalendar import vDuration

from tacal.config.values import did_you_mean
from tacal.model import DEFAULT_REFRESH, SEND_UPDATES, SYNC_TARGETS, FeedSettings, SyncSettings

FEEDS_KEYS = {"team", "refresh", "base_url"}
SYNC_KEYS = {
    "calendar",
    "send_updates",
    "batch_size",
    "credentials",
    "as_user",
    "token",
    "delete_threshold",
    "target",
    "caldav_url",
    "username",
    "delegate",
}
#: where the CalDAV password comes from: never the config file (it gets committed)
PASSWORD_ENV = "TACAL_CALDAV_PASSWORD"


def base_url_problem(value: object) -> str | None:
    """Why ``value`` cannot prefix feed URLs (None when it can); the links must be absolute
    because ``webcal://`` and Google's add-by-URL only work with a full address."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or not isinstance(value, str)
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
        or any(c.isspace() for c in value)
    ):
        return (
            f"{value!r}: write the http(s) address the feeds are reached at, e.g. "
            '"https://calendars.example.com/ta"'
        )
    return None


def _feed_settings(data: Mapping[str, Any], report: Callable[[str, str], None]) -> FeedSettings:
    team = data.get("team", "private")
    if team not in ("public", "private"):
        report(
            "team",
            f'{team!r}{did_you_mean(team, ("private", "public"))}: use "private" '
            '(a secret URL) or "public"',
        )
        team = "private"
    refresh_text = data.get("refresh", DEFAULT_REFRESH)
    refresh = dt.timedelta(hours=1)
    parsed: object = None
    if isinstance(refresh_text, str) and refresh_text.startswith("P"):
        try:
            parsed = vDuration.from_ical(refresh_text)
        except ValueError:
            parsed = None
    if not isinstance(parsed, dt.timedelta) or parsed <= dt.timedelta(0):
        report(
            "refresh",
            f"{refresh_text!r} is not a positive ISO 8601 duration; write e.g. "
            '"PT1H" (hourly), "PT30M" or "P1D"',
        )
        refresh_text = DEFAULT_REFRESH
    else:
        refresh = parsed
    base_url = data.get("base_url")
    if base_url is not None:
        why = base_url_problem(base_url)
        if why:
            report("base_url", why)
            base_url = None
        else:
            base_url = base_url.rstrip("/")
    return FeedSettings(team == "public", refresh, refresh_text, base_url)


def feed_settings(checker: Any, data: Any) -> FeedSettings:
    """``[feeds]``: located errors through ``checker``; defaults where a value is bad."""
    if data is None:
        return FeedSettings()
    if not isinstance(data, dict):
        checker.error(("feeds",), "must be a table: [feeds] with team, refresh, base_url")
        return FeedSettings()
    checker.unknown_keys(("feeds",), data, FEEDS_KEYS)
    return _feed_settings(data, lambda key, msg: checker.error(("feeds", key), msg))


def sync_settings(checker: Any, table: Any, base: Path | None) -> SyncSettings:
    """``[sync]``: located errors; ``credentials`` and ``token`` relative to the config file."""
    if table is None:
        return SyncSettings()
    if not isinstance(table, dict):
        checker.error(("sync",), "must be a table: [sync]")
        return SyncSettings()
    ok = True
    if "password" in table:
        checker.error(
            ("sync", "password"),
            "a password does not belong in the config (it is committed and shared): "
            f"remove it and set ${PASSWORD_ENV} in the environment instead",
        )
        table = {k: v for k, v in table.items() if k != "password"}
        ok = False
    checker.unknown_keys(("sync",), table, SYNC_KEYS)
    for key in ("calendar", "credentials", "as_user", "token", "caldav_url", "username"):
        if key in table and not isinstance(table[key], str):
            checker.error(("sync", key), f"must be a string, not {table[key]!r}")
            ok = False
    if "send_updates" in table and table["send_updates"] not in SEND_UPDATES:
        sends = table["send_updates"]
        checker.error(
            ("sync", "send_updates"),
            f"{sends!r}{did_you_mean(sends, SEND_UPDATES)}: use one of {' | '.join(SEND_UPDATES)}",
        )
        ok = False
    size = table.get("batch_size", 50)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 1000:
        checker.error(("sync", "batch_size"), f"{size!r}: use a whole number from 1 to 1000")
        ok = False
    threshold = table.get("delete_threshold", 0.2)
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int | float)
        or not (0 <= threshold <= 1)
    ):
        checker.error(("sync", "delete_threshold"), f"{threshold!r}: use a fraction from 0 to 1")
        ok = False
    target = table.get("target", "google")
    if target not in SYNC_TARGETS:
        checker.error(
            ("sync", "target"),
            f"{target!r}{did_you_mean(str(target), SYNC_TARGETS)}: use "
            f"{' or '.join(repr(t) for t in SYNC_TARGETS)}",
        )
        ok = False
    url = table.get("caldav_url")
    if isinstance(url, str):
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.password:
            checker.error(
                ("sync", "caldav_url"),
                f"{url!r}: write the calendar's https address, e.g. "
                '"https://dav.example.com/calendars/ann/work/" (no password in it)',
            )
            ok = False
    if target == "caldav" and not url and ok:
        checker.error(
            ("sync", "target"),
            'target = "caldav" needs caldav_url, the calendar collection\'s address',
        )
        ok = False
    delegate = table.get("delegate", False)
    if not isinstance(delegate, bool):
        checker.error(
            ("sync", "delegate"),
            f"{delegate!r}: use true (a service account writes each series into its "
            "organizer's calendar) or false",
        )
        ok = False
    if not ok:
        return SyncSettings()

    def path(key: str) -> str | None:
        value = table.get(key)
        if value is None:
            return None
        return str((base / value).expanduser()) if base is not None else value

    return SyncSettings(
        calendar=table.get("calendar"),
        send_updates=table.get("send_updates"),
        batch_size=table.get("batch_size"),
        credentials=path("credentials"),
        as_user=table.get("as_user"),
        token=path("token"),
        delete_threshold=(
            float(table["delete_threshold"]) if "delete_threshold" in table else None
        ),
        target=table.get("target"),
        caldav_url=url,
        username=table.get("username"),
        delegate=delegate,
    )
