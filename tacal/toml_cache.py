"""Parsed TOML, remembered: reading ``tacal.lock`` with tomllib was a quarter of a build.

A lock of 1,000 accounts is about 1 MB of TOML that tomllib reads in half a second, and it is
the same text build after build. :func:`loads` keeps what tomllib made of a text in the user
cache folder as JSON (dates and times tagged), keyed by a digest of the text itself and the
Python version, so the same text always gives the same values and any other text is parsed
afresh. Only text that parsed is remembered: errors are always tomllib's own. An entry that
is missing, corrupt or foreign is ignored and rewritten; the cache is never an error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

from tacal.paths import cache_home

FORMAT = "1"


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        # a key of the user's own that starts with "$" gets one more, so it is never a tag
        return {("$" + k if k.startswith("$") else k): _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, float):
        # JSON has no inf/nan and may print floats differently: repr round-trips exactly
        return {"$float": repr(value)}
    return value


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        key, value = next(iter(obj.items()))
        if key == "$datetime":
            return dt.datetime.fromisoformat(value)
        if key == "$date":
            return dt.date.fromisoformat(value)
        if key == "$time":
            return dt.time.fromisoformat(value)
        if key == "$float":
            return float(value)
    return {(k[1:] if k.startswith("$$") else k): v for k, v in obj.items()}


def _where(text: str) -> tuple[str, Path]:
    digest = hashlib.sha256(f"{FORMAT}\n{sys.version}\n{text}".encode()).hexdigest()
    return digest, cache_home() / "toml" / f"{digest[:32]}.json"


def remember(text: str, data: dict[str, Any]) -> None:
    """Store ``data`` as what ``tomllib.loads(text)`` gives, for a writer that made ``text``
    from ``data`` (the lock: the next build then reads it without parsing). The writer
    vouches for the two being equal, key order included; its tests check that they are."""
    digest, path = _where(text)
    _store(path, digest, data)


def remember_encoded(text: str, stored: dict[str, Any]) -> None:
    """:func:`remember`, given ``data`` already in the stored form (``_encode(data)``)."""
    digest, path = _where(text)
    _store(path, digest, stored, encoded=True)


def loads(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, from the cache when this very text was parsed before."""
    digest, path = _where(text)
    with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):
        stored = json.loads(path.read_bytes(), object_hook=_decode)
        if isinstance(stored, dict) and stored.get("digest") == digest:
            data = stored["data"]
            if isinstance(data, dict):
                return data
    data = tomllib.loads(text)
    _store(path, digest, data)
    return data


def _store(path: Path, digest: str, data: dict[str, Any], *, encoded: bool = False) -> None:
    from tacal.output import write_cache_file

    stored = data if encoded else _encode(data)
    body = json.dumps({"digest": digest, "data": stored}, separators=(",", ":"))
    with contextlib.suppress(OSError):
        _prune(path.parent)
        write_cache_file(path, body.encode("utf-8"))


def _prune(folder: Path, keep: int = 6) -> None:
    """Only the newest few texts are kept (each new lock version adds one)."""
    entries = (
        sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns) if folder.is_dir() else []
    )
    for old in entries[: max(0, len(entries) - keep + 1)]:
        with contextlib.suppress(OSError):
            old.unlink()
