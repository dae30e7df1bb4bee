"""Where tacal keeps what belongs to no config file: the user's state and cache folders."""

from __future__ import annotations

import os
from pathlib import Path

ENV_STATE = "XDG_STATE_HOME"


def state_home() -> Path:
    """``$XDG_STATE_HOME/tacal`` (default ``~/.local/state/tacal``)."""
    base = os.environ.get(ENV_STATE) or str(Path.home() / ".local" / "state")
    return Path(base) / "tacal"


ENV_CACHE_DIR = "TACAL_CACHE_DIR"


def cache_home() -> Path:
    """``$TACAL_CACHE_DIR``, else ``$XDG_CACHE_HOME/tacal``, else ``~/.cache/tacal``: what
    can be recomputed (build caches), never needed for a correct result."""
    explicit = os.environ.get(ENV_CACHE_DIR)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "tacal"
