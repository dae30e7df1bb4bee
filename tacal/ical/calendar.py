"""The pipeline every command shares: config → series → VCALENDAR bytes.

``build``, ``preview``, ``serve``, ``publish`` and ``sync`` all go through :func:`calendar_bytes`
so that what a subscriber sees, what preview shows and what Google gets are the same calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from icalendar import Calendar

from tacal.ical.stamps import Stamp, previous_stamps
from tacal.ical.writer import build_calendar
from tacal.model import Config
from tacal.series import Series, build_series


def select(series: list[Series], *, for_email: str | None = None,
           account: str | None = None) -> list[Series]:
    """Only what ``for_email`` attends (or organises) and/or only ``account``'s series."""
    out = series
    if for_email:
        wanted = for_email.lower()
        out = [s for s in out if any(a.email.lower() == wanted for a in s.attendees)
               or (s.organizer is not None and s.organizer.email.lower() == wanted)]
    if account:
        wanted_acct = account.casefold()
        out = [s for s in out if s.account is not None and s.account.casefold() == wanted_acct]
    return out


def calendar_for(
    config: Config,
    *,
    today: dt.date,
    now: dt.datetime,
    previous: bytes | Mapping[str, Stamp] | None = None,
    for_email: str | None = None,
    account: str | None = None,
    name: str | None = None,
    extra_props: Mapping[str, object] | None = None,
    series: list[Series] | None = None,
) -> Calendar:
    if series is None:
        series = build_series(config, today)
    chosen = select(series, for_email=for_email, account=account)
    stamps = previous_stamps(previous) if isinstance(previous, bytes | None) else previous
    title = name or config.team.name
    if for_email and not name:
        title = f"{config.team.name}: {for_email}"
    if account and not name:
        title = f"{config.team.name}: {account}"
    return build_calendar(chosen, name=title, timezone=config.team.timezone, now=now,
                          previous=stamps, extra_props=extra_props)


def calendar_bytes(config: Config, **kwargs: object) -> bytes:
    return calendar_for(config, **kwargs).to_ical()  # type: ignore[arg-type]
