"""What ``tacal serve`` watches: the files a build reads, and digests that show a change.

Changes are detected by content, not modification time: an mtime's granularity can hide a
quick resave. Template folders are watched by their listing too, so an added template counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from tacal.feeds.tokens import tokens_path
from tacal.model import Config


def accounts_file(config: Config) -> Path | None:
    """The accounts CSV the config names (``accounts = "accounts.csv"``), resolved the way
    the config loader resolves it: relative to the config file."""
    return config.accounts_file


def input_files(config: Config) -> list[Path]:
    """Every file whose change changes the feeds: config, accounts CSV (and the contacts export
    of an ``[accounts]`` table), user templates and the tokens sidecar (so ``tacal feeds
    rotate`` takes effect without a restart)."""
    contacts = config.accounts_import.contacts_file if config.accounts_import else None
    files = [p for p in (config.path, accounts_file(config), contacts, tokens_path(config)) if p]
    for folder in config.template_dirs:
        if folder.is_dir():
            files.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
    return files


def file_digest(path: Path) -> str:
    """A hash of the contents (not the mtime, whose granularity can hide a quick resave)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "-"


def input_digests(today: dt.date, folders: Iterable[Path], files: Iterable[Path]) -> dict[str, str]:
    """Digest per input: today's date (a new fiscal year can move series starts), each
    folder's listing and each file's contents. Equal dicts mean nothing changed."""
    out = {"today": today.isoformat()}
    for folder in folders:
        listing = sorted(str(p) for p in folder.rglob("*")) if folder.is_dir() else []
        out[f"dir:{folder}"] = hashlib.sha256(json.dumps(listing).encode()).hexdigest()
    for path in files:
        out[f"file:{path}"] = file_digest(path)
    return out
