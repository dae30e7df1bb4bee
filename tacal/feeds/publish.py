"""``tacal publish``: the site as static files in a folder, for any web server to serve.

The folder may hold other files (a web server's own, a hand-made ``team.ics``), so publish
deletes only what it wrote itself: a manifest in the folder (:data:`MANIFEST`) records each
file it wrote with a hash of its bytes, and a file is deleted only when it is still exactly
those bytes. Paths are recorded as hashes too, since a web server may serve the manifest and
private paths hold secret tokens. Deleting never follows a symlink: each folder on the way is
opened with ``O_NOFOLLOW`` and the file removed relative to it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tacal.feeds.catalogue import Feed
from tacal.feeds.site import Site, build_site
from tacal.feeds.tokens import TokenStore, tokens_path
from tacal.ical.stamps import Stamp
from tacal.model import Config
from tacal.output import read_if_exists, write_atomic
from tacal.series import Series

#: What publish wrote into the folder: {sha256(relative path): sha256(bytes)}.
MANIFEST = ".tacal-publish.json"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _load_manifest(directory: Path) -> dict[str, str]:
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        files = data["files"]
        return {str(k): str(v) for k, v in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _remove_ours(directory: Path, rel: str, expected: str) -> bool:
    """Delete ``directory/rel`` if it is a regular file, reached without following any
    symlink below ``directory``, whose bytes hash to ``expected``; its folder too if empty."""
    *folders, name = rel.split("/")
    fds = [os.open(directory, os.O_RDONLY | os.O_DIRECTORY)]
    try:
        for folder in folders:
            fds.append(
                os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fds[-1])
            )
        info = os.stat(name, dir_fd=fds[-1], follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode):
            return False
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fds[-1])
        with os.fdopen(fd, "rb") as fh:
            if _digest(fh.read()) != expected:
                return False  # changed since publish wrote it: no longer ours
        os.unlink(name, dir_fd=fds[-1])
        for i in range(len(folders), 0, -1):
            with contextlib.suppress(OSError):  # not empty: leave what else lives there
                os.rmdir(folders[i - 1], dir_fd=fds[i - 1])
        return True
    except OSError:  # missing, a symlink (ELOOP/ENOTDIR), unreadable: leave it
        return False
    finally:
        for fd in fds:
            os.close(fd)


@dataclass(frozen=True)
class PublishResult:
    written: list[str]
    unchanged: list[str]
    removed: list[str]
    site: Site


def publish(
    config: Config,
    directory: Path,
    *,
    today: dt.date,
    now: dt.datetime,
    base_url: str,
    series: list[Series] | None = None,
    stamps: Mapping[str, Stamp] | None = None,
) -> PublishResult:
    """Write the site into ``directory``; unchanged files are not touched.

    The previous bytes of each feed are read from its current path, else from a path under
    one of its retired tokens, so rotating a token keeps SEQUENCE. Files publish wrote (the
    manifest says so, and they still hold the bytes it wrote) at paths that are no longer
    current (rotated tokens, removed people or accounts, a team feed that became private) are
    deleted; nothing else in the folder is, and nothing through a symlink.
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

    site = build_site(
        config,
        today=today,
        now=now,
        base_url=base_url,
        previous=previous,
        tokens=store,
        series=series,
        stamps=stamps,
    )
    manifest = _load_manifest(directory)
    written, unchanged = [], []
    for page in site.pages:
        target = directory / page.path
        manifest[_digest(page.path.encode())] = _digest(page.body)
        if read_if_exists(target) == page.body:
            unchanged.append(page.path)
            continue
        write_atomic(target, page.body)
        written.append(page.path)
    current = {p.path for p in site.pages}
    ours = {"team.ics"} | {
        f"{tok}/{name}" for fid, tok in store.every_token() for name in (f"{fid}.ics", "index.html")
    }
    removed = []
    for rel in sorted(ours - current):
        key = _digest(rel.encode())
        expected = manifest.pop(key, None)
        if expected is not None and _remove_ours(directory, rel, expected):
            removed.append(rel)
    nameable = {_digest(rel.encode()) for rel in current | ours}  # the rest can never go
    kept = {k: v for k, v in sorted(manifest.items()) if k in nameable}
    text = json.dumps({"version": 1, "files": kept}, indent=1) + "\n"
    if read_if_exists(directory / MANIFEST) != text.encode():
        write_atomic(directory / MANIFEST, text.encode())
    return PublishResult(written, unchanged, removed, site)
