"""Where a running ``tacal serve`` is reached, recorded in its state folder while it runs.

``tacal serve`` writes ``serve.json`` (its base URL, listening address and process id) into its
state folder once it listens, and removes it when it stops; ``tacal feeds list`` and ``rotate``
read it, so the URLs they print are the ones that server answers, not a guessed port. A record
left behind by a server that was killed is ignored: its process is gone, or nothing listens at
its address any more.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tacal.output import write_atomic

RECORD = "serve.json"


@dataclass(frozen=True)
class Running:
    """A ``tacal serve`` that is running now."""

    base_url: str
    address: str
    pid: int
    path: Path


def record(state_dir: Path, base_url: str, address: str) -> Path:
    """Record this process as the server of ``state_dir`` (mode 0600, written atomically)."""
    path = state_dir / RECORD
    data = {"base_url": base_url, "address": address, "pid": os.getpid()}
    write_atomic(path, (json.dumps(data, indent=1) + "\n").encode("utf-8"), mode=0o600)
    return path


def forget(state_dir: Path) -> None:
    """Remove the record if it is this process's (a newer server may have replaced it)."""
    path = state_dir / RECORD
    found = _read(path)
    if found is not None and found.pid == os.getpid():
        path.unlink(missing_ok=True)


def running_serve(state_dir: Path) -> Running | None:
    """The server recorded in ``state_dir`` if it is still running, else None."""
    found = _read(state_dir / RECORD)
    if found is None or not _alive(found.pid) or not _listening(found.address):
        return None
    return found


def _read(path: Path) -> Running | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        base, address, pid = data["base_url"], data["address"], data["pid"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not (isinstance(base, str) and isinstance(address, str) and isinstance(pid, int)):
        return None
    return Running(base, address, pid, path)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: it exists
    except OSError:
        return False
    return True


def _listening(address: str) -> bool:
    """Whether something accepts connections at ``address`` (``http://host:port``)."""
    parts = urlsplit(address)
    host = parts.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1" if host != "::" else "::1"
    try:
        with socket.create_connection((host, parts.port or 80), timeout=1):
            return True
    except OSError:
        return False


__all__ = ["RECORD", "Running", "forget", "record", "running_serve"]
