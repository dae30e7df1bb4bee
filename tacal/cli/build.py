"""``tacal build``: the calendar file, from the whole-build cache when nothing changed.

This module imports only what the cached path needs (click, the cache, the console); the
config loader, the planner and icalendar are imported when a build has to be made, so an
unchanged rebuild of a large team costs little more than reading its inputs once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tacal.cli import build_cache
from tacal.cli.context import DEFAULT_NOTICE, Context, err, filter_options, pass_ctx, plain
from tacal.ical.size import SPLIT_FEED, SPLIT_TEAM, size_warning

if TYPE_CHECKING:
    from tacal.model import Config

#: set to False to build without the whole-build cache (tests compare both ways)
USE_CACHE = True


@click.command()
@click.option(
    "-o",
    "--output",
    default="tacal.ics",
    show_default=True,
    metavar="PATH|-",
    help="Where to write the calendar; '-' for stdout.",
)
@filter_options
@pass_ctx
def build(obj: Context, output: str, for_email: str | None, account: str | None) -> None:
    """Write the calendar (.ics) with one recurring series per cadence."""
    from tacal.output import read_if_exists

    today = obj.today.isoformat()
    target = None if output == "-" else Path(output)
    previous = read_if_exists(target) if target else None
    slot = build_cache.slot(obj.config_path, for_email, account)
    cached = build_cache.lookup(slot, today) if USE_CACHE else None
    if cached is not None:
        if cached.default_config and not obj.quiet:
            err.print(plain(DEFAULT_NOTICE))
        for warning in cached.warnings:
            err.print(warning, style="yellow")
        data = cached.data
    else:
        data = _build(obj, slot, previous, for_email, account)
    _write(obj, target, previous, data, narrowed=bool(for_email or account))


def _build(
    obj: Context, slot: Path, previous: bytes | None, for_email: str | None, account: str | None
) -> bytes:
    """Plan and render (series bytes from the series cache); store the result when the
    build left the lock as it was and no input changed meanwhile."""
    from tacal.cli.context import for_whom
    from tacal.config import lock as lock_file
    from tacal.ical.cache import AgendaCache, SeriesCache
    from tacal.ical.calendar import calendar_bytes, stamps_for
    from tacal.series import build_series
    from tacal.series.agenda import Agendas

    loading = build_cache.started()
    config = obj.config()
    files, folders = _inputs(config)
    before = build_cache.input_digests(files, folders)
    series, who = for_whom(config, obj.today, for_email)
    agendas = None
    if series is None:
        agendas = AgendaCache.for_lock(lock_file.lock_path(config))
        memo = Agendas(config.template_dirs, memo=agendas)
        series = build_series(config, obj.today, agendas=memo)
    # SEQUENCE/DTSTAMP come from the lock; the previous output only for series it lacks
    stamps = stamps_for(config, series, obj.now, previous)
    cache = SeriesCache.for_lock(lock_file.lock_path(config))
    data = calendar_bytes(
        config,
        today=obj.today,
        now=obj.now,
        stamps=stamps,
        for_email=who.email if who else None,
        account=account,
        series=series,
        cache=cache,
    )
    changed = obj.remember(config, series, stamps)
    cache.save(s.uid for s in series)
    if agendas is not None:
        agendas.save()
    if not changed and USE_CACHE:
        after = build_cache.input_digests(files, folders)
        if after == before and build_cache.settled(after, loading):
            build_cache.store(
                slot,
                today=obj.today.isoformat(),
                data=data,
                inputs=after,
                default_config=config.path is None,
                warnings=[plain(w) for w in config.warnings],
            )
    return data


def _inputs(config: Config) -> tuple[list[Path], list[Path]]:
    """The files and template folders a build of ``config`` reads."""
    from tacal.config import lock as lock_file

    contacts = config.accounts_import.contacts_file if config.accounts_import else None
    files = [p for p in (config.path, config.accounts_file, contacts) if p is not None]
    if config.path is None:
        # a tacal.toml created here later is the config from then on
        files.append(Path.cwd() / "tacal.toml")
    files.append(lock_file.lock_path(config))
    return files, list(config.template_dirs)


def _write(
    obj: Context, target: Path | None, previous: bytes | None, data: bytes, *, narrowed: bool
) -> None:
    from tacal.output import write_atomic

    big = size_warning(
        str(target or "the calendar"), len(data), SPLIT_FEED if narrowed else SPLIT_TEAM
    )
    if big and not obj.quiet:
        err.print(plain(big), style="yellow")
    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    if previous == data:
        if not obj.quiet:
            err.print(plain(f"{target}: unchanged"))
        return
    write_atomic(target, data)
    if not obj.quiet:
        count = data.count(b"BEGIN:VEVENT")
        err.print(plain(f"{target}: wrote {count} events ({len(data):,} bytes)"))
