"""``tacal plan``: what the next build, publish or sync would change against the lock.

It writes nothing, unless ``--reflow --apply`` adopts a fresh placement of every series, or
``--resolve UID=keep|move|override --apply`` settles series that meet someone's busy time
(listed under ``busy``: :mod:`tacal.cli.busy_view`). The diff itself is
:mod:`tacal.ical.changes`; this module only builds and prints.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path

import click

from tacal.cli import busy_view
from tacal.cli.context import Context, err, pass_ctx, plain
from tacal.config import lock as lock_file
from tacal.errors import TacalError
from tacal.ical import changes
from tacal.ical.calendar import next_lock, select, stamps_for
from tacal.ical.stamps import Stamp
from tacal.model import Config, Lock
from tacal.series import Series, build_series
from tacal.series.busy_check import collisions


@click.command("plan")
@click.option(
    "--reflow",
    is_flag=True,
    help="Place every series afresh (each keeps the day it began) and show what that would move.",
)
@click.option(
    "--apply",
    "apply_",
    is_flag=True,
    help="With --reflow or --resolve: adopt that placement (writes the lock; SEQUENCE goes "
    "up for every series that changes).",
)
@click.option(
    "--resolve",
    "resolve_values",
    multiple=True,
    metavar="UID=keep|move|override",
    help="What to do with a series that meets someone's busy time: keep it, move the "
    "series, or move only the colliding occurrences (repeatable).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("-v", "--verbose", is_flag=True, help="List unchanged series too.")
@pass_ctx
def plan(
    obj: Context,
    reflow: bool,
    apply_: bool,
    resolve_values: tuple[str, ...],
    fmt: str,
    verbose: bool,
) -> None:
    """Show what the next build/sync would change against tacal.lock, series by series."""
    if apply_ and not reflow and not resolve_values:
        raise TacalError(
            "--apply adopts a --reflow or --resolve choices; use `tacal plan --reflow --apply` "
            "or `tacal plan --resolve UID=move --apply` (a build, publish or sync adopts the "
            "plain plan by itself)"
        )
    config = obj.config()
    path = lock_file.lock_path(config)
    lock = config.lock or Lock(team=config.team.id, path=path)
    resolve: dict[str, str] = {}
    if resolve_values:
        resolve = busy_view.parse_resolve(resolve_values, build_series(config, obj.today))
    series = build_series(
        config,
        obj.today,
        lock=changes.reflow_lock(lock) if reflow else None,
        resolve=resolve,
    )
    meets = collisions(config, series, config.busy)
    stamps = stamps_for(config, series, obj.now)
    found = changes.diff(lock, series, obj.today, stamps=stamps, timezone=config.team.timezone)
    totals = changes.counts(found)
    listed = [c for c in found if verbose or c.action != "unchanged"]
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "lock": str(path),
                    "locked": len(lock.entries),
                    "reflow": reflow,
                    "applied": apply_,
                    "counts": totals,
                    "changes": [changes.as_json(c) for c in listed],
                    **(
                        {"busy": busy_view.as_json(meets), "resolve": resolve}
                        if config.busy is not None
                        else {}
                    ),
                },
                indent=2,
            )
        )
    else:
        if not lock.entries and not obj.quiet:
            err.print(plain(f"no lock yet ({path}): the next build places every series afresh"))
        for c in listed:
            click.echo(plain(changes.line(c)))
        for line in busy_view.lines(meets, config, verbose=verbose):
            click.echo(plain(line))
        what = "reflow" if reflow else "next build"
        click.echo(plain(f"{changes.summary_line(totals)} ({what} against {path})"))
        missing = busy_view.missing_line(config, config.busy)
        if missing and not obj.quiet:
            err.print(plain(missing), style="yellow")
    if apply_:
        _apply(obj, config, series, stamps, path, totals)


def _apply(
    obj: Context,
    config: Config,
    series: list[Series],
    stamps: Mapping[str, Stamp],
    path: Path,
    totals: Mapping[str, int],
) -> None:
    wrote = lock_file.save(next_lock(config, series, stamps, obj.today), path)
    if obj.quiet:
        return
    if wrote:
        err.print(
            plain(
                f"wrote {path}: the next build, publish or sync sends the "
                f"{totals['moved'] + totals['changed']} changed series"
            )
        )
    else:
        err.print(plain(f"{path}: unchanged"))


def show_moves(
    config: Config,
    series: list[Series],
    today: dt.date,
    *,
    stderr: bool,
    stamps: Mapping[str, Stamp] | None = None,
    for_email: str | None = None,
    account: str | None = None,
) -> int:
    """Print a ``moved`` line for each chosen series that moves against the lock (preview on
    stderr, sync --dry-run on stdout); how many."""
    if config.lock is None or not config.lock.entries:
        return 0
    chosen = select(series, for_email=for_email, account=account)
    found = changes.diff(
        config.lock, chosen, today, stamps=stamps, timezone=config.team.timezone, actions=("moved",)
    )
    for c in found:
        click.echo(plain(changes.line(c)), err=stderr)
    if found:
        click.echo(
            plain(
                f"{len(found)} series move against {lock_file.lock_path(config)}; "
                "`tacal plan` shows every change"
            ),
            err=stderr,
        )
    return len(found)


__all__ = ["plan", "show_moves"]
