"""The pipeline every command shares: config → series → VCALENDAR bytes.

``build``, ``preview``, ``serve``, ``publish`` and ``sync`` all go through :func:`calendar_bytes`
so that what a subscriber sees, what preview shows and what Google gets are the same calendar.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping

from icalendar import Calendar

from tacal.ical.cache import SeriesCache
from tacal.ical.changes import moves
from tacal.ical.stamps import Stamp, lock_stamps, names_any, next_stamps, previous_stamps
from tacal.ical.writer import build_calendar, calendar_head, series_bytes
from tacal.model import Config, Lock, LockEntry
from tacal.series import Series, build_series


def select(
    series: list[Series], *, for_email: str | None = None, account: str | None = None
) -> list[Series]:
    """Only what ``for_email`` attends (or organises) and/or only ``account``'s series."""
    out = series
    if for_email:
        wanted = for_email.lower()
        out = [
            s
            for s in out
            if any(a.email.lower() == wanted for a in s.attendees)
            or (s.organizer is not None and s.organizer.email.lower() == wanted)
        ]
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
    stamps: Mapping[str, Stamp] | None = None,
) -> Calendar:
    """The calendar of ``series`` (all of the config's by default), or of the part ``--for``
    or ``--account`` chooses. SEQUENCE/DTSTAMP come from ``stamps`` when given, else from the
    config's lock and the ``previous`` output (see :func:`stamps_for`)."""
    chosen, stamps = _chosen(config, today, now, previous, for_email, account, series, stamps)
    return build_calendar(
        chosen,
        name=_title(config, name, for_email, account),
        timezone=config.team.timezone,
        now=now,
        stamps=stamps,
        extra_props=extra_props,
    )


def _chosen(
    config: Config,
    today: dt.date,
    now: dt.datetime,
    previous: bytes | Mapping[str, Stamp] | None,
    for_email: str | None,
    account: str | None,
    series: list[Series] | None,
    stamps: Mapping[str, Stamp] | None,
) -> tuple[list[Series], Mapping[str, Stamp]]:
    """The series a calendar holds and everyone's stamps: stamped over the whole config's
    series, so a ``--for`` calendar carries the same SEQUENCE/DTSTAMP as the team's."""
    if series is None:
        series = build_series(config, today)
    if stamps is None:
        stamps = stamps_for(config, series, now, previous)
    return select(series, for_email=for_email, account=account), stamps


def _title(config: Config, name: str | None, for_email: str | None, account: str | None) -> str:
    if name:
        return name
    if account:
        return f"{config.team.name}: {account}"
    if for_email:
        return f"{config.team.name}: {for_email}"
    return config.team.name


def stamps_for(
    config: Config,
    series: list[Series],
    now: dt.datetime,
    previous: bytes | Mapping[str, Stamp] | None = None,
) -> dict[str, Stamp]:
    """SEQUENCE/DTSTAMP/hash for every series: what the lock remembers first, then what a
    previous output file says (calendars written before the lock existed), else new."""
    locked = lock_stamps(config.lock)
    if isinstance(previous, bytes | None):
        # the previous file only matters for series the lock lacks (reading it is not free)
        missing = [s.uid for s in series if s.uid not in locked]
        known = previous_stamps(previous) if names_any(previous, missing) else {}
    else:
        known = dict(previous)
    known.update(locked)
    return next_stamps(series, known, now)


def next_lock(
    config: Config, series: list[Series], stamps: Mapping[str, Stamp], today: dt.date
) -> Lock:
    """The lock after this build: every series' placement and stamps (series that are gone
    drop out)."""
    entries = {}
    for s in series:
        stamp = stamps[s.uid]
        skip, extra = moves(s)
        entries[s.uid] = LockEntry(
            placed=s.placed or today,
            start=s.start,
            sequence=stamp.sequence,
            dtstamp=stamp.dtstamp,
            hash=stamp.hash,
            inputs=s.inputs,
            slot=s.slot,
            people=s.people,
            duration=int(s.duration.total_seconds() // 60),
            summary=s.summary,
            rule=s.recurrence.rrule or "",
            skip=skip,
            extra=extra,
            attendees=tuple(a.email for a in s.attendees),
            moves=s.moves,
            busy_moves=s.busy_moves,
            busy_kept=s.busy_kept,
        )
    old = config.lock
    return Lock(team=config.team.id, entries=entries, path=old.path if old else None)


def calendar_bytes(
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
    stamps: Mapping[str, Stamp] | None = None,
    cache: SeriesCache | None = None,
) -> bytes:
    """The bytes of :func:`calendar_for`'s calendar, assembled series by series so that a
    series ``cache`` already holds (same content, same stamp) is not serialised again."""
    chosen, stamps = _chosen(config, today, now, previous, for_email, account, series, stamps)
    head = calendar_head(
        chosen,
        name=_title(config, name, for_email, account),
        timezone=config.team.timezone,
        now=now,
        extra_props=extra_props,
    ).to_ical()
    if not head.endswith(_END):
        raise AssertionError("a VCALENDAR ends in END:VCALENDAR")
    body = []
    for s in chosen:
        stamp = stamps[s.uid]
        if cache is None:
            body.append(series_bytes(s, stamp))
        else:
            body.append(cache.bytes_of(s, stamp, functools.partial(series_bytes, s, stamp)))
    return b"".join([head[: -len(_END)], *body, _END])


_END = b"END:VCALENDAR\r\n"
