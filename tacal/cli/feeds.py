"""CLI for subscribable feeds: ``tacal serve``, ``tacal publish``, ``tacal feeds list|rotate``.

Added to the group by :mod:`tacal.cli.main`. Decisions live in :mod:`tacal.feeds`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from tacal import config as config_mod
from tacal.cli.context import Context, err, plain
from tacal.config.settings import base_url_problem
from tacal.errors import TacalError
from tacal.feeds.catalogue import Feed, settings
from tacal.feeds.pages import feed_url
from tacal.feeds.publish import publish as publish_site
from tacal.feeds.site import list_feeds, size_warnings

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
        raise TacalError("the subscribe links need the address the feeds will be reached at",
                         hint="pass --base-url https://calendars.example.com/ta or set "
                         "[feeds] base_url")
    return fallback


def _print_urls(rows: list[tuple[Feed, str]]) -> None:
    width = max((len(f.id) for f, _ in rows), default=0)
    for feed, url in rows:
        click.echo(plain(f"{feed.id.ljust(width)}  {'private' if feed.private else 'public '}  "
                         f"{url}"))


def _tokens_note(obj: Context, path: Path) -> None:
    if not obj.quiet:
        err.print(plain(f"issued new feed tokens in {path} (mode 0600): they are secrets, keep "
                        "the file out of version control"))


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--base-url", metavar="URL",
              help="Address in subscribe links [feeds.base_url, else http://HOST:PORT].")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where SEQUENCE/DTSTAMP state survives restarts "
              "[$XDG_STATE_HOME/tacal/serve/CONFIG-HASH].")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.pass_obj
def serve(obj: Context, host: str, port: int, base_url: str | None, state_dir: Path | None,
          threads: int) -> None:
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
        if obj.quiet:
            return
        public = [p for p in app.snapshot.public if p.endswith(".ics")]
        err.print(plain(f"tacal: serving {app.snapshot.feeds} feeds on {url}/ "
                        f"(state in {source.state.dir})"))
        for p in public:
            err.print(plain(f"  public: {base}{p}"))
        err.print(plain("  private feed URLs: `tacal feeds list"
                        + (f" --base-url {base}`" if base_url else "`") + "; Ctrl-C stops"))

    run(app, host, port, threads=threads, on_listen=listening)


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", metavar="URL",
              help="Where DIRECTORY will be reachable, for the links [feeds.base_url].")
@click.pass_obj
def publish(obj: Context, directory: Path, base_url: str | None) -> None:
    """Write the feeds and an index.html into DIRECTORY as static files."""
    config = obj.config()
    base = _base_url(base_url, settings(config).base_url, None)
    result = publish_site(config, directory, today=obj.today, now=obj.now, base_url=base)
    if result.site.tokens_written:
        _tokens_note(obj, result.site.tokens.path)
    if not obj.quiet:
        for warning in size_warnings(result.site.pages):
            err.print(plain(warning), style="yellow")
        err.print(plain(f"{directory}: {len(result.site.feeds)} feeds; {len(result.written)} "
                        f"files written, {len(result.unchanged)} unchanged, "
                        f"{len(result.removed)} removed"))


@click.group("feeds")
def feeds_group() -> None:
    """List the feed URLs or rotate their secret tokens."""


@feeds_group.command("list")
@click.option("--base-url", metavar="URL", help="Prefix of the URLs [feeds.base_url, else "
              f"{SERVE_DEFAULT}].")
@click.pass_obj
def list_command(obj: Context, base_url: str | None) -> None:
    """Print every feed's URL (private ones include their secret token).

    Private feeds new since the last run get their tokens here: they are saved to the
    tokens file and reported on stderr. When nothing is new, the file is not written.
    """
    config = obj.config()
    feeds, store, issued = list_feeds(config, obj.today)
    base = _base_url(base_url, settings(config).base_url, SERVE_DEFAULT)
    if issued:
        _tokens_note(obj, store.path)
    _print_urls([(f, feed_url(base, f, store)) for f in feeds])


@feeds_group.command("rotate")
@click.argument("feed_ids", nargs=-1, metavar="[FEED]...")
@click.option("--all", "every", is_flag=True, help="Rotate every private feed's token.")
@click.option("--base-url", metavar="URL", help="Prefix of the new URLs printed.")
@click.pass_obj
def rotate_command(obj: Context, feed_ids: tuple[str, ...], every: bool,
                   base_url: str | None) -> None:
    """Give feeds new secret URLs; the old ones stop working (404)."""
    if bool(feed_ids) == every:
        raise TacalError("name the feeds to rotate, or pass --all (not both)",
                         hint="`tacal feeds list` shows the feed ids")
    config = obj.config()
    feeds, store, _ = list_feeds(config, obj.today)
    by_id = {f.id: f for f in feeds}
    ids = [f.id for f in feeds if f.private] if every else list(dict.fromkeys(feed_ids))
    for fid in ids:
        if fid not in by_id:
            raise TacalError(f"no feed {fid!r}", hint="`tacal feeds list` shows the feed ids")
        if not by_id[fid].private:
            raise TacalError(f"feed {fid!r} is public and has no token",
                             hint="set [feeds] team = \"private\" to give it a secret URL")
    store.rotate(ids)
    store.save()
    base = _base_url(base_url, settings(config).base_url, SERVE_DEFAULT)
    _print_urls([(by_id[i], feed_url(base, by_id[i], store)) for i in ids])
    if not obj.quiet:
        err.print(plain(f"rotated {len(ids)} token(s) in {store.path}: a running `tacal "
                        "serve` drops the old URLs within a second; run `tacal publish` again "
                        "to delete the old files"))

