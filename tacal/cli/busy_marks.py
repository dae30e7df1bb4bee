"""``preview``'s busy marks and ``validate --busy``: kept apart from the calendar commands so
that those read the same as before for teams without busy sources (nothing is marked or
added then, and their output stays byte-identical)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from tacal.cli import busy_view
from tacal.cli.context import Context, err, plain
from tacal.errors import TacalError
from tacal.model import Config
from tacal.series import Series
from tacal.series.busy_check import collisions

Marks = dict[tuple[str, dt.datetime], list[str]]


def busy_marks(config: Config, series: list[Series], quiet: bool) -> Marks | None:
    """Which occurrences meet whose busy time; None when no busy times were read."""
    if config.busy is None:
        return None
    missing = busy_view.missing_line(config, config.busy)
    if missing and not quiet:
        err.print(plain(missing), style="yellow")
    return busy_view.marks(collisions(config, series, config.busy))


def _names(occ: Any, busy: Marks | None) -> list[str]:
    if not busy:
        return []
    return busy.get((occ.uid, occ.start.astimezone(dt.UTC)), [])


def mark(occ: Any, busy: Marks | None) -> str:
    """`` [busy: Pippa Hart]`` after a colliding occurrence's summary, else nothing."""
    names = _names(occ, busy)
    return f"  [busy: {', '.join(names)}]" if names else ""


def with_busy(item: dict[str, object], occ: Any, busy: Marks | None) -> dict[str, object]:
    """The JSON item, with ``busy`` (names) when busy times were read."""
    if busy is None:
        return item
    return {**item, "busy": _names(occ, busy)}


def busy_check(obj: Context, config: Config, series: list[Series]) -> None:
    """``validate --busy``: every tacal meeting over the busy horizon against everyone's busy
    time; exit 2 on each collision not kept on purpose."""
    if obj.no_busy:
        raise TacalError("--busy checks busy times, which --no-busy turns off; drop one")
    if config.busy is None:
        raise TacalError(
            'validate --busy: nobody has a busy source; add busy = "google", an https:// '
            "feed or an .ics path to a [people.KEY] table"
        )
    found = collisions(config, series, config.busy)
    busy_view.check(config, found)
    if not obj.quiet:
        missing = busy_view.missing_line(config, config.busy)
        if missing:
            err.print(plain(missing), style="yellow")
        start, end = config.busy.start, config.busy.end
        kept = sum(1 for c in found if c.kept)
        print_line = (
            f"0 meetings meet anyone's busy time from {start:%Y-%m-%d} to "
            f"{end - dt.timedelta(days=1):%Y-%m-%d}"
            + (f" ({kept} kept on purpose)" if kept else "")
        )
        click.echo(plain(print_line))
