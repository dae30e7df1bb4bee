"""Load and validate ``tacal.toml``: every problem at once, each located as ``PATH:LINE``.

``loader`` finds and parses the file and composes one reader per section (``team``, ``people``,
``cadences``, ``accounts`` with ``accounts_csv``, ``settings`` for [feeds]/[sync]); those share
the scalar checks in ``values`` and the line locator and problem collector in ``locate``.
``onboard`` writes an account's onboarding date back into the config or its CSV.

Other packages use only the names re-exported here.
"""

from tacal.config.loader import (
    DEFAULT_NAME,
    ENV_CONFIG,
    default_config_text,
    find_config,
    load,
    parse,
    warnings,
    with_start,
)
from tacal.model import Config

__all__ = [
    "DEFAULT_NAME",
    "ENV_CONFIG",
    "Config",
    "default_config_text",
    "find_config",
    "load",
    "parse",
    "warnings",
    "with_start",
]
