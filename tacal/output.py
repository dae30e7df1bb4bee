"""Atomic file output: a failed or interrupted write never leaves a half-written file.

Permissions follow the user, as ``cp`` or an editor would: a new file gets the mode the umask
allows (``umask 077`` gives 0600, the usual 022 gives 0644), a file being replaced keeps its
mode (a calendar someone made 0600 stays 0600). Secrets pass ``mode=0o600`` and get exactly
that, whatever the umask or the old file.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from tacal.errors import OutputError


def _temp_beside(path: Path, mode: int) -> tuple[int, Path]:
    """A new, empty file next to ``path``, created with ``mode`` (narrowed by the umask)."""
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name next to {path}")


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to a temp file beside ``path``, fsync, then rename over it.

    ``mode`` None: an existing file's mode is kept, a new file gets 0666 less the umask.
    """
    directory = path.parent if str(path.parent) else Path(".")
    keep: int | None = None
    if mode is None:
        with contextlib.suppress(OSError):
            keep = stat.S_IMODE(os.stat(path).st_mode)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = _temp_beside(
            directory / path.name,
            mode if mode is not None else 0o600 if keep is not None else 0o666,
        )
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        final = mode if mode is not None else keep
        if final is not None:
            os.chmod(tmp, final)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_cache_file(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically, without fsync, mode 0600: for cache entries, which carry
    their own checksum (a crash may leave one unreadable, and it is then rebuilt) and need no
    durability; fsync of megabytes of cache cost more than the cache saved on a busy disk.
    Raises OSError; callers treat a cache that cannot be written as no cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _temp_beside(path, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_if_exists(path: Path) -> bytes | None:
    """The previous output (for SEQUENCE/DTSTAMP), or None when there is none yet."""
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
