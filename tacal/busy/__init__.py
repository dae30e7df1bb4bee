"""People's busy times, fetched once per run at the command's edge.

``[people.KEY] busy`` names where someone's real calendar can be read: ``"google"``
(:mod:`tacal.busy.google`, one ``freebusy.query`` per 50 people), an http(s) URL or a file
(:mod:`tacal.busy.ics`). :func:`gather` reads every source once (two people sharing a feed
cost one fetch), over ``[team] busy_horizon`` from today, and returns a
:class:`~tacal.model.Busy`: plain data that placement and the checks read and never fetch.

A source that cannot be read is a warning naming the person and the source; that person's
busy times are then simply missing, and the output says so (never a crash, never a silent
"free").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from tacal.busy.fetch import SourceError, read_source, shown
from tacal.busy.google import query, service_for
from tacal.busy.ics import Block, FeedError, busy_blocks
from tacal.busy.own import own_times, without
from tacal.errors import Problem
from tacal.model import Busy, Config, PersonBusy

Reader = Callable[[str], bytes]


def window(config: Config, today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """``[today 00:00, + busy_horizon)`` in the team's zone."""
    start = dt.datetime.combine(today, dt.time(0), config.team.tz)
    return start, start + config.team.busy_horizon


def gather(
    config: Config,
    today: dt.date,
    *,
    read: Reader = read_source,
    google_service: Callable[[], Any] | None = None,
) -> Busy:
    """Everyone's busy times for this run (see the module docstring)."""
    start, end = window(config, today)
    people: dict[str, PersonBusy] = {}
    warnings: list[Problem] = []
    feeds: dict[str, tuple[Block, ...] | str] = {}  # source -> blocks, or why it failed
    google = {k: p.email for k, p in config.people.items() if p.busy == "google"}
    found, failed = (
        query(
            list(google.values()),
            start,
            end,
            make_service=google_service
            or service_for(config.sync.credentials, config.sync.as_user, config.sync.token),
        )
        if google
        else ({}, {})
    )
    own = own_times(config, end) if google else {}
    for key, person in sorted(config.people.items()):
        source = person.busy
        if not source:
            continue
        zone = person.timezone or config.team.timezone
        if source == "google":
            email = person.email.lower()
            outcome: tuple[Block, ...] | str = failed.get(email) or without(
                found.get(email, ()), own.get(email, ())
            )
        else:
            if source not in feeds:
                feeds[source] = _feed(source, read, start, end, zone)
            outcome = feeds[source]
        if isinstance(outcome, str):
            warnings.append(
                Problem(
                    person.busy_where or f"people.{key}.busy",
                    f"busy times of {person.name} from {shown(source)} could not be read "
                    f"({outcome}); placed without them",
                    "warning",
                )
            )
            people[key] = PersonBusy(failed=(shown(source),))
        else:
            people[key] = PersonBusy(blocks=outcome)
    return Busy(start=start, end=end, people=people, warnings=tuple(warnings))


def _feed(
    source: str, read: Reader, start: dt.datetime, end: dt.datetime, zone: str
) -> tuple[Block, ...] | str:
    try:
        return busy_blocks(read(source), start, end, zone)
    except SourceError as exc:
        return str(exc)
    except FeedError as exc:
        return str(exc)


__all__ = ["Busy", "gather", "window"]
