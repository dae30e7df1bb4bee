"""The build cache: what an unchanged rebuild can take instead of recomputing.

Three kinds of entry live in the user cache folder (``$TACAL_CACHE_DIR``, else
``$XDG_CACHE_HOME/tacal``, else ``~/.cache/tacal``), never next to the config: a cache is
per machine and is not meant to be committed, unlike the lock.

- :class:`SeriesCache`: each series' serialised VEVENTs, keyed by the full text its content
  hash digests plus its SEQUENCE/DTSTAMP, so a series whose content equals the lock's is
  joined in as bytes instead of being serialised by icalendar again (most of a build's time).
- :class:`AgendaCache`: rendered agendas, keyed by what each template reads (see
  :mod:`tacal.series.agenda_memo`), so a one-account edit renders only that account's;
- whole entries (:func:`read_entry`/:func:`write_entry`), used by ``tacal build`` to skip
  planning altogether when nothing it reads has changed (see :mod:`tacal.cli.build_cache`).

A cache is not memory: an entry that is missing, truncated, corrupt (its checksum fails),
written by another tacal version or format, or unreadable is ignored and rebuilt, never an
error. Every key includes :func:`code_version` (tacal's own files, the libraries that shape
the bytes, the time zone data), so an upgrade or an edited install never reads an old entry.
Entries are written atomically (a reader sees the old file or the new one, never half).

This module imports nothing heavy: ``tacal build`` reads whole entries before it loads a
config, icalendar or the planner.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tacal import __version__
from tacal.paths import cache_home

if TYPE_CHECKING:
    from tacal.ical.stamps import Stamp
    from tacal.series import Series

#: Bump when the layout of entries or what a key covers changes.
FORMAT = "2"
_MAGIC = b"tacal-cache"
#: Libraries whose version can change the bytes of a build (serialisation, public holidays,
#: template rendering, time zone data when installed as a package).
_LIBRARIES = ("icalendar", "holidays", "jinja2", "tzdata", "python-dateutil")


def _project(name: str) -> str:
    """A distribution's name as its metadata folder spells it (PEP 503, then PEP 427)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def _installed() -> dict[str, str]:
    """Each distribution in :data:`_LIBRARIES` -> the name of its metadata folder
    (``jinja2-3.1.4.dist-info``: the version is in the name), the first on ``sys.path`` as
    ``importlib.metadata`` finds it; one listing per path entry instead of importing
    ``importlib.metadata`` and searching the path once per library."""
    wanted = {_project(n) for n in _LIBRARIES}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                project = _project(name.rpartition(".")[0].partition("-")[0])
                if project in wanted and project not in found:
                    found[project] = name
    return found


def _files(root: Path) -> list[str]:
    """``path:size:mtime`` of tacal's own files under ``root``, sorted by path."""
    out = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in names:
            if name.endswith((".py", ".toml", ".j2")):
                path = os.path.join(folder, name)
                with contextlib.suppress(OSError):
                    st = os.stat(path)
                    out.append((os.path.relpath(path, root.parent), st.st_size, st.st_mtime_ns))
    return [f"{rel}:{size}:{mtime}" for rel, size, mtime in sorted(out)]


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of everything besides the inputs that decides a build's bytes: tacal's
    version, own files and shipped templates (size and mtime, so an edited checkout counts),
    the Python version,
    the versions of the libraries in :data:`_LIBRARIES` and the system's time zone data."""
    parts = [__version__, FORMAT, sys.version]
    package = Path(__file__).resolve().parents[1]
    # the shipped templates: tacal/templates when installed, templates/ beside it in a checkout
    for root in (package, package.parent / "templates"):
        if root.is_dir():
            parts += _files(root)
    installed = _installed()
    for name in _LIBRARIES:
        parts.append(f"{name}={installed.get(_project(name), '-')}")
    import zoneinfo

    for folder in zoneinfo.TZPATH:
        for marker in ("tzdata.zi", "+VERSION"):
            with contextlib.suppress(OSError):
                st = (Path(folder) / marker).stat()
                parts.append(f"{folder}/{marker}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


# --------------------------------------------------------------------------- whole entries


def read_entry(path: Path) -> bytes | None:
    """The payload of an entry written by :func:`write_entry` with this :func:`code_version`,
    or None when it is missing, foreign, from another version, or corrupt."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    head, sep, payload = raw.partition(b"\n")
    if not sep:
        return None
    fields = head.split(b" ")
    if len(fields) != 4 or fields[0] != _MAGIC or fields[1] != FORMAT.encode():
        return None
    if fields[2] != code_version().encode():
        return None
    if hashlib.sha256(payload).hexdigest().encode() != fields[3]:
        return None
    return payload


def write_entry(path: Path, payload: bytes) -> None:
    """Store ``payload`` atomically with a header (format, code version, checksum). A cache
    that cannot be written (read-only home, full disk) is simply not written."""
    from tacal.output import write_cache_file

    digest = hashlib.sha256(payload).hexdigest()
    head = b" ".join([_MAGIC, FORMAT.encode(), code_version().encode(), digest.encode()])
    with contextlib.suppress(OSError):
        write_cache_file(path, head + b"\n" + payload)


def file_digest(path: Path) -> str:
    """sha256 of a file's contents; ``-`` when it does not exist or cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "-"


# --------------------------------------------------------------------------- series bytes


def _records(payload: bytes) -> dict[str, tuple[str, bytes]]:
    """``KEY LENGTH UID\n`` + LENGTH bytes, repeated. Anything malformed: an empty cache."""
    out: dict[str, tuple[str, bytes]] = {}
    at = 0
    while at < len(payload):
        end = payload.index(b"\n", at)
        key, length, uid = payload[at:end].split(b" ", 2)
        size = int(length)
        start = end + 1
        if start + size > len(payload):
            raise ValueError("truncated record")
        out[key.decode("ascii")] = (uid.decode("utf-8"), payload[start : start + size])
        at = start + size
    return out


class SeriesCache:
    """Serialised VEVENTs per series, kept for one lock (one file per lock path).

    :meth:`bytes_of` returns cached bytes when the series' canonical text and stamp match an
    entry, else serialises it with ``make``. :meth:`save` keeps what this build used, plus
    the entries of series that still exist but were not in this calendar (a ``--for`` or
    ``--account`` build must not evict the rest), and drops older versions and series that
    are gone; it writes only when that changed what the file holds.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._old: dict[str, tuple[str, bytes]] = {}
        payload = read_entry(path)
        if payload is not None:
            try:
                self._old = _records(payload)
            except (ValueError, UnicodeDecodeError):
                self._old = {}
        self._used: dict[str, tuple[str, bytes]] = {}

    @classmethod
    def for_lock(cls, lock_path: Path) -> SeriesCache:
        name = hashlib.sha256(str(lock_path.resolve()).encode()).hexdigest()[:24]
        return cls(cache_home() / f"series-{name}.bin")

    @staticmethod
    def key(series: Series, stamp: Stamp) -> str:
        from tacal.ical.stamps import hashed_text

        text = "\n".join(
            [
                code_version(),
                hashed_text(series),
                str(stamp.sequence),
                stamp.dtstamp.isoformat(),
                stamp.hash,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def bytes_of(self, series: Series, stamp: Stamp, make: Callable[[], bytes]) -> bytes:
        key = self.key(series, stamp)
        found = self._used.get(key) or self._old.get(key)
        data = found[1] if found is not None else make()
        self._used[key] = (series.uid, data)
        return data

    def save(self, existing: Iterable[str]) -> None:
        """Write the cache; ``existing``: the UIDs of every series of the config."""
        alive = set(existing)
        used = {uid for uid, _ in self._used.values()}
        keep = dict(self._used)
        for key, (uid, data) in self._old.items():
            if uid in alive and uid not in used:
                keep[key] = (uid, data)
        if keep.keys() == self._old.keys():
            return
        write_entry(self.path, _join(keep.items()))


def _join(items: Iterable[tuple[str, tuple[str, bytes]]]) -> bytes:
    parts = []
    for key, (uid, data) in sorted(items):
        parts.append(f"{key} {len(data)} {uid}\n".encode())
        parts.append(data)
    return b"".join(parts)


# --------------------------------------------------------------------------- rendered agendas


class AgendaCache:
    """Rendered agendas by key (:mod:`tacal.series.agenda_memo`), kept for one lock: the
    store behind :class:`tacal.series.agenda.Agendas`' memo. A damaged or foreign file is an
    empty cache. :meth:`save` keeps what this build rendered or took, plus as many older
    entries again (a ``--for`` build must not evict the rest), and writes only when that
    changed what the file holds."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._old: dict[str, str] = {}
        payload = read_entry(path)
        if payload is not None:
            try:
                self._old = {k: v.decode("utf-8") for k, (_, v) in _records(payload).items()}
            except (ValueError, UnicodeDecodeError):
                self._old = {}
        self._used: dict[str, str] = {}

    @classmethod
    def for_lock(cls, lock_path: Path) -> AgendaCache:
        name = hashlib.sha256(str(lock_path.resolve()).encode()).hexdigest()[:24]
        return cls(cache_home() / f"agendas-{name}.bin")

    def get(self, key: str) -> str | None:
        found = self._used.get(key)
        if found is None:
            found = self._old.get(key)
            if found is not None:
                self._used[key] = found
        return found

    def put(self, key: str, text: str) -> None:
        self._used[key] = text

    def save(self) -> None:
        keep = dict(self._used)
        room = len(self._used)
        for key, text in self._old.items():
            if room <= 0:
                break
            if key not in keep:
                keep[key] = text
                room -= 1
        if keep.keys() == self._old.keys():
            return
        write_entry(self.path, _join((k, ("-", v.encode("utf-8"))) for k, v in keep.items()))
