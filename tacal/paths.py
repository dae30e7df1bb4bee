"""Where tacal keeps what belongs to no config file: the user's state folder."""

from __future__ import annotations

import os
from pathlib import Path

ENV_STATE = "XDG_STATE_HOME"


def state_home() -> Path:
    """``$XDG_STATE_HOME/tacal`` (default ``~/.local/state/tacal``)."""
    base = os.environ.get(ENV_STATE) or str(Path.home() / ".local" / "state")
    return Path(base) / "tacal"
