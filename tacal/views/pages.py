"""Whole pages from the pipeline's data: the week view and a subscribe page's two weeks.

The callers (``preview --format html``, ``serve``'s ``/preview``, the subscribe pages) hand over
occurrences they expanded from the written calendar bytes (the team feed's, which hold every
person's events); nothing here builds or expands a calendar, so a page shows what the feeds
mean, not what tacal thinks it wrote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup

from tacal.ical.expand import Occurrence
from tacal.model import Config, Person
from tacal.series.types import Series
from tacal.views.grid import PersonGrid, meeting_kinds, person_grid, team_grids
from tacal.views.render import preview_page, render

#: How far ahead a subscribe page shows: this week and the next.
SUBSCRIBE_DAYS = 14


def week_view(
    config: Config,
    series: Sequence[Series],
    occurrences: Sequence[Occurrence],
    window: tuple[dt.date, dt.date],
    *,
    title: str,
    subtitle: str,
    today: dt.date,
    people: Sequence[Person] | None = None,
) -> str:
    """The week view of ``window``: a grid per person (``people``, default everyone who
    attends something), and the meetings nobody on the team attends listed apart, so every
    occurrence appears somewhere."""
    kinds = meeting_kinds(config, series)
    grids = team_grids(config, occurrences, window, kinds, people)
    shown = {g.email.lower() for g in grids}
    # on no grid: nobody on the team attends them, or (with --for) the person shown only
    # organises them, or is a customer contact with no grid of their own
    others = [o for o in occurrences if not shown & {a.lower() for a in o.attendees}]
    return preview_page(title=title, subtitle=subtitle, grids=grids, others=others, generated=today)


@dataclass(frozen=True)
class Subscribe:
    """Everything a subscribe page links, for one feed."""

    title: str
    url: str
    webcal: str
    google: str
    outlook: str
    outlook_live: str


def two_weeks(today: dt.date) -> tuple[dt.date, dt.date]:
    """From this week's Monday, two whole weeks: what a subscribe page shows."""
    monday = today - dt.timedelta(days=today.weekday())
    return monday, monday + dt.timedelta(days=SUBSCRIBE_DAYS)


def subscribe_grid(
    config: Config,
    series: Sequence[Series],
    person: Person,
    occurrences: Sequence[Occurrence],
    today: dt.date,
    kinds: Mapping[str, str] | None = None,
) -> PersonGrid:
    """``person``'s next two weeks, for their subscribe page. ``kinds``: the series'
    :func:`~tacal.views.grid.meeting_kinds`, when the caller draws many pages from them."""
    if kinds is None:
        kinds = meeting_kinds(config, series)
    return person_grid(config, person, occurrences, two_weeks(today), kinds)


def subscribe_page(
    title: str,
    feeds: Sequence[Subscribe],
    *,
    grid: PersonGrid | None = None,
    note: str = "",
) -> str:
    """A subscribe page: for each feed one-click links for each kind of calendar app and the
    plain URL with a copy button; ``note`` (HTML the caller escaped) below them; and, for a
    person's feed, the next two weeks it adds."""
    return render("subscribe.html.j2", title=title, feeds=feeds, grid=grid, note=Markup(note))


__all__ = [
    "SUBSCRIBE_DAYS",
    "Subscribe",
    "subscribe_grid",
    "subscribe_page",
    "two_weeks",
    "week_view",
]
