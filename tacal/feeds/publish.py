"""``tacal publish``: the site as static files in a folder, for any web server to serve."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from tacal.feeds.catalogue import Feed
from tacal.feeds.site import Site, build_site
from tacal.feeds.tokens import TokenStore, tokens_path
from tacal.model import Config
from tacal.output import read_if_exists, write_atomic


@dataclass(frozen=True)
class PublishResult:
    written: list[str]
    unchanged: list[str]
    removed: list[str]
    site: Site


def publish(config: Config, directory: Path, *, today: dt.date, now: dt.datetime,
            base_url: str) -> PublishResult:
    """Write the site into ``directory``; unchanged files are not touched.

    The previous bytes of each feed are read from its current path, else from a path under
    one of its retired tokens, so rotating a token keeps SEQUENCE. Files tacal wrote at
    paths that are no longer current (rotated tokens, removed people or accounts, a team feed
    that became private) are deleted; nothing else in the folder is.
    """
    store = TokenStore.load(tokens_path(config))

    def previous(feed: Feed, path: str) -> bytes | None:
        tokens = [store.tokens.get(feed.id), *reversed(store.retired.get(feed.id, []))]
        candidates = [path, *(f"{t}/{feed.filename}" for t in tokens if t)]
        if feed.kind == "team":
            candidates.append(feed.filename)  # it was public before
        for rel in candidates:
            data = read_if_exists(directory / rel)
            if data is not None:
                return data
        return None

    site = build_site(config, today=today, now=now, base_url=base_url, previous=previous,
                      tokens=store)
    written, unchanged = [], []
    for page in site.pages:
        target = directory / page.path
        if read_if_exists(target) == page.body:
            unchanged.append(page.path)
            continue
        write_atomic(target, page.body)
        written.append(page.path)
    current = {p.path for p in site.pages}
    ours = {"team.ics"} | {f"{tok}/{name}" for fid, tok in store.every_token()
                           for name in (f"{fid}.ics", "index.html")}
    removed = []
    for rel in sorted(ours - current):
        target = directory / rel
        if target.is_file():
            target.unlink()
            removed.append(rel)
            if target.parent != directory:
                with contextlib.suppress(OSError):  # not empty: leave what else lives there
                    target.parent.rmdir()
    return PublishResult(written, unchanged, removed, site)
