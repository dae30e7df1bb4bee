"""Whole-build cache: ``tacal build`` with nothing changed does no planning at all.

Placing 1,000 accounts takes longer than the target for a whole unchanged rebuild, so the
per-series byte cache (:class:`tacal.ical.cache.SeriesCache`) is not enough: a build whose
inputs are all unchanged takes its output from here, before loading the config.

What a build's bytes depend on, and so what an entry is checked against:

- the command: the config named (``--config``, ``$TACAL_CONFIG``, else ``./tacal.toml`` in
  the working folder, else the built-in default), ``--for``, ``--account``, and the folders
  the lock is found through (``$TACAL_LOCK_DIR``, ``$XDG_STATE_HOME``, home);
- **today's date**, whole: the Top 3 of an MBR is that of the next occurrence from today,
  the ``renewals`` and ``today`` template variables, stale renewal dates, new series entering
  the lock and the year the people check covers all follow the day. The first build of a day
  plans again (series bytes still come from the series cache); later ones that day do not;
- the contents of every file the build read: config, lock, accounts CSV, contacts export, and
  every file in the template folders (with their listings, so an added template counts);
- tacal's own code, the libraries and the time zone data (:func:`~tacal.ical.cache.code_version`).

An entry is written only after a build that left the lock as it found it (the output then
follows from config + lock + templates + today alone; a build that changed the lock is
followed by one that stores), and only when no input was modified during the build (a file
saved while the build read it would otherwise be recorded with the wrong output): the inputs
are digested right after loading and again at the end, must agree, and must not have been
modified since loading began. One entry
is kept per command and working folder (a new build replaces it), so the cache does not grow.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from tacal.ical.cache import cache_home, code_version, file_digest, read_entry, write_entry

#: Environment that decides which config and lock a build reads.
_ENV = ("TACAL_CONFIG", "TACAL_LOCK_DIR", "XDG_STATE_HOME", "HOME")
#: An input modified this close to (or after) the start of loading is not trusted: mtimes
#: advance in ticks of a few milliseconds on the usual filesystems.
_TICK_NS = 20_000_000


@dataclass(frozen=True)
class Cached:
    """A stored build: its bytes and what it printed on stderr (the config's warnings)."""

    data: bytes
    default_config: bool
    warnings: tuple[str, ...]


def slot(config_option: str | None, for_email: str | None, account: str | None) -> Path:
    """Where the entry of this command lives: one per command and folder, whatever the day
    (the day is checked inside, so yesterday's entry is replaced, not kept beside)."""
    key = json.dumps(
        [
            "build",
            os.getcwd(),
            config_option,
            [os.environ.get(name) for name in _ENV],
            for_email,
            account,
        ]
    )
    return cache_home() / f"build-{hashlib.sha256(key.encode()).hexdigest()[:32]}.bin"


def _inputs_match(inputs: dict[str, str]) -> bool:
    for key, expected in inputs.items():
        kind, _, name = key.partition(":")
        if kind == "file" and file_digest(Path(name)) != expected:
            return False
        if kind == "dir" and _listing(Path(name)) != expected:
            return False
    return True


def lookup(path: Path, today: str) -> Cached | None:
    """The stored build, when every input it read is unchanged; else None."""
    payload = read_entry(path)
    if payload is None:
        return None
    head, sep, data = payload.partition(b"\n")
    try:
        meta = json.loads(head)
        if not sep or meta["today"] != today or meta["length"] != len(data):
            return None
        if not _inputs_match(meta["inputs"]):
            return None
        return Cached(data, bool(meta["default"]), tuple(str(w) for w in meta["warnings"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _listing(folder: Path) -> str:
    names = sorted(str(p) for p in folder.rglob("*")) if folder.is_dir() else []
    return hashlib.sha256(json.dumps(names).encode()).hexdigest()


def input_digests(files: Iterable[Path], folders: Iterable[Path]) -> dict[str, str]:
    """Digest per input file and per template folder's listing (its files count as inputs)."""
    out: dict[str, str] = {}
    every = list(files)
    for folder in folders:
        out[f"dir:{folder.resolve()}"] = _listing(folder.resolve())
        if folder.is_dir():
            every.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
    for path in every:
        out[f"file:{path.resolve()}"] = file_digest(path)
    return out


def settled(inputs: dict[str, str], since_ns: int) -> bool:
    """Whether no input file was modified after ``since_ns`` (less a filesystem tick): the
    digests taken after loading then describe what the loader read."""
    for key in inputs:
        kind, _, name = key.partition(":")
        if kind != "file":
            continue
        try:
            if Path(name).stat().st_mtime_ns >= since_ns - _TICK_NS:
                return False
        except OSError:
            continue
    return True


def store(
    path: Path,
    *,
    today: str,
    data: bytes,
    inputs: dict[str, str],
    default_config: bool,
    warnings: Iterable[str],
) -> None:
    meta = {
        "today": today,
        "length": len(data),
        "inputs": inputs,
        "default": default_config,
        "warnings": list(warnings),
        "code": code_version(),
    }
    write_entry(path, json.dumps(meta, sort_keys=True).encode() + b"\n" + data)


def started() -> int:
    """The clock the "modified during the build" check compares mtimes with."""
    return time.time_ns()
