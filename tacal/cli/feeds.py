"""CLI for subscribable feeds: ``tacal serve``, ``tacal publish``, ``tacal feeds list|rotate``.

Added to the group by :mod:`tacal.cli.main`. Decisions live in :mod:`tacal.feeds`.
"""

from __future__ import annotations

import csv
import io
import logging
import signal
import sys
import threading
from pathlib import Path

import click

from tacal import config as config_mod
from tacal.cli.context import Context, err, plain
from tacal.config.settings import base_url_problem
from tacal.config.values import did_you_mean
from tacal.errors import TacalError
from tacal.feeds import running
from tacal.feeds.catalogue import Feed, settings
from tacal.feeds.pages import feed_url, page_url
from tacal.feeds.publish import publish as publish_site
from tacal.feeds.site import list_feeds, size_warnings
from tacal.feeds.tokens import TokenStore
from tacal.ical.calendar import stamps_for
from tacal.model import Config
from tacal.series import build_series

SERVE_DEFAULT = "http://127.0.0.1:8080"


def _base_url(value: str | None, configured: str | None, fallback: str | None) -> str:
    """--base-url, else ``[feeds] base_url``, else ``fallback``; TacalError when none."""
    if value is not None:
        why = base_url_problem(value)
        if why:
            raise TacalError(f"--base-url {why}")
        return value.rstrip("/")
    if configured:
        return configured
    if fallback is None:
        raise TacalError(
            "the subscribe links need the address the feeds will be reached at",
            hint="pass --base-url https://calendars.example.com/ta or set [feeds] base_url",
        )
    return fallback


def _feed_base(obj: Context, config: Config, given: str | None, state_dir: Path | None) -> str:
    """The base of the URLs ``feeds list`` / ``rotate`` print, and (on stderr) where it came
    from: --base-url, else the ``tacal serve`` running for this config, else ``[feeds]
    base_url``, else the address ``tacal serve`` listens on by default."""
    from tacal.feeds.source import default_state_dir

    if given is not None:
        base, why = _base_url(given, None, None), "from --base-url"
    elif server := running.running_serve(state_dir or default_state_dir(config.path)):
        base = server.base_url
        why = f"the base URL of the `tacal serve` running now (pid {server.pid})"
    elif settings(config).base_url:
        base, why = (
            _base_url(None, settings(config).base_url, None),
            f"from [feeds] base_url in {config.source}",
        )
    else:
        base = SERVE_DEFAULT
        why = (
            "the default address of `tacal serve`: none is running for this config and no "
            "base URL is set (pass --base-url, or set [feeds] base_url)"
        )
    if not obj.quiet:
        err.print(f"feed URLs use {base}, {why}", markup=False)
    return base


def _print_urls(rows: list[tuple[Feed, str]]) -> None:
    width = max((len(f.id) for f, _ in rows), default=0)
    for feed, url in rows:
        click.echo(
            plain(f"{feed.id.ljust(width)}  {'private' if feed.private else 'public '}  {url}")
        )


def _tokens_note(obj: Context, path: Path) -> None:
    if not obj.quiet:
        err.print(
            plain(
                f"issued new feed tokens in {path} (mode 0600): they are secrets, keep "
                "the file out of version control"
            )
        )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--base-url",
    metavar="URL",
    help="Address in subscribe links [feeds.base_url, else http://HOST:PORT].",
)
@click.option(
    "--state-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where SEQUENCE/DTSTAMP state survives restarts "
    "[$XDG_STATE_HOME/tacal/serve/CONFIG-HASH].",
)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.pass_obj
def serve(
    obj: Context, host: str, port: int, base_url: str | None, state_dir: Path | None, threads: int
) -> None:
    """Serve the feeds over HTTP; config, accounts and template edits apply without restart."""
    from tacal.feeds.app import FeedApp
    from tacal.feeds.server import http_address, run
    from tacal.feeds.source import FeedSource

    path = config_mod.find_config(obj.config_path)
    config = obj.config()
    base = _base_url(base_url, settings(config).base_url, http_address(host, port))
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger("tacal.server")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING if obj.quiet else logging.INFO)
    source = FeedSource(path, base_url=base, state_dir=state_dir, today_value=obj.today_value)
    app = FeedApp(source)

    def listening(url: str) -> None:
        # so that `tacal feeds list` prints the URLs this server answers
        running.record(source.state.dir, base, url)
        if obj.quiet:
            return
        public = [p for p in app.snapshot.public if p.endswith(".ics")]
        err.print(
            plain(
                f"tacal: serving {app.snapshot.feeds} feeds on {url}/ (state in {source.state.dir})"
            )
        )
        for p in public:
            err.print(plain(f"  public: {base}{p}"))
        listing = "tacal feeds list" + (f" --state-dir {state_dir}" if state_dir else "")
        err.print(
            plain(
                f"  private feed URLs: `{listing}` (`--format csv` to send each "
                "person theirs); Ctrl-C stops"
            )
        )

    if threading.current_thread() is threading.main_thread():
        # a service manager stops with SIGTERM: exit through `finally`, like Ctrl-C
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        run(app, host, port, threads=threads, on_listen=listening)
    finally:
        running.forget(source.state.dir)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--base-url",
    metavar="URL",
    help="Where DIRECTORY will be reachable, for the links [feeds.base_url].",
)
@click.pass_obj
def publish(obj: Context, directory: Path, base_url: str | None) -> None:
    """Write the feeds and an index.html into DIRECTORY as static files."""
    config = obj.config()
    base = _base_url(base_url, settings(config).base_url, None)
    series = build_series(config, obj.today)
    stamps = stamps_for(config, series, obj.now)
    result = publish_site(
        config, directory, today=obj.today, now=obj.now, base_url=base, series=series, stamps=stamps
    )
    obj.remember(config, series, stamps)
    if result.site.tokens_written:
        _tokens_note(obj, result.site.tokens.path)
    if not obj.quiet:
        for warning in size_warnings(result.site.pages):
            err.print(plain(warning), style="yellow")
        err.print(
            plain(
                f"{directory}: {len(result.site.feeds)} feeds; {len(result.written)} "
                f"files written, {len(result.unchanged)} unchanged, "
                f"{len(result.removed)} removed"
            )
        )


@click.group("feeds")
def feeds_group() -> None:
    """List the feed URLs or rotate their secret tokens."""


_BASE_HELP = (
    f"Prefix of the URLs [the running `tacal serve`'s, else feeds.base_url, else {SERVE_DEFAULT}]."
)
_STATE_HELP = "The state folder of the `tacal serve` to ask for its URL (its --state-dir)."


@feeds_group.command("list")
@click.option("--base-url", metavar="URL", help=_BASE_HELP)
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), help=_STATE_HELP)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv"]),
    default="text",
    show_default=True,
    help="csv: one row per person (name, email, feed_id, url, "
    "page), for a mail merge that sends each person their own link.",
)
@click.pass_obj
def list_command(obj: Context, base_url: str | None, state_dir: Path | None, fmt: str) -> None:
    """Print every feed's URL (private ones include their secret token).

    Private feeds new since the last run get their tokens here: they are saved to the
    tokens file and reported on stderr. When nothing is new, the file is not written.
    """
    config = obj.config()
    feeds, store, issued = list_feeds(config, obj.today)
    base = _feed_base(obj, config, base_url, state_dir)
    if issued:
        _tokens_note(obj, store.path)
    if fmt == "csv":
        _print_csv(config, feeds, store, base)
        return
    _print_urls([(f, feed_url(base, f, store)) for f in feeds])


#: The columns of ``tacal feeds list --format csv`` (documented in the README).
CSV_COLUMNS = ("name", "email", "feed_id", "url", "page")


def _print_csv(config: Config, feeds: list[Feed], store: TokenStore, base: str) -> None:
    """One row per person feed: who gets which link (the .ics URL and its subscribe page)."""
    by_email = {p.email.lower(): p for p in config.people.values()}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for feed in feeds:
        person = by_email.get((feed.for_email or "").lower())
        if feed.kind != "person" or person is None:
            continue
        writer.writerow(
            [
                person.name,
                person.email,
                feed.id,
                feed_url(base, feed, store),
                page_url(base, feed, store),
            ]
        )
    click.echo(out.getvalue(), nl=False)


@feeds_group.command("rotate")
@click.argument("feed_ids", nargs=-1, metavar="[FEED]...")
@click.option("--all", "every", is_flag=True, help="Rotate every private feed's token.")
@click.option("--base-url", metavar="URL", help=_BASE_HELP)
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), help=_STATE_HELP)
@click.pass_obj
def rotate_command(
    obj: Context,
    feed_ids: tuple[str, ...],
    every: bool,
    base_url: str | None,
    state_dir: Path | None,
) -> None:
    """Give feeds new secret URLs; the old ones stop working (404)."""
    if bool(feed_ids) == every:
        raise TacalError(
            "name the feeds to rotate, or pass --all (not both)",
            hint="`tacal feeds list` shows the feed ids",
        )
    config = obj.config()
    feeds, store, _ = list_feeds(config, obj.today)
    by_id = {f.id: f for f in feeds}
    ids = [f.id for f in feeds if f.private] if every else list(dict.fromkeys(feed_ids))
    for fid in ids:
        if fid not in by_id:
            raise TacalError(
                f"no feed {fid!r}{did_you_mean(fid, set(by_id))}",
                hint="`tacal feeds list` shows the feed ids",
            )
        if not by_id[fid].private:
            raise TacalError(
                f"feed {fid!r} is public and has no token",
                hint='set [feeds] team = "private" to give it a secret URL',
            )
    store.rotate(ids)
    store.save()
    base = _feed_base(obj, config, base_url, state_dir)
    _print_urls([(by_id[i], feed_url(base, by_id[i], store)) for i in ids])
    if not obj.quiet:
        err.print(
            plain(
                f"rotated {len(ids)} token(s) in {store.path}: a running `tacal "
                "serve` drops the old URLs within a second; run `tacal publish` again "
                "to delete the old files; `tacal feeds list --format csv` lists "
                "everyone's new link"
            )
        )
