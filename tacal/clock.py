"""The one place tacal reads the clock.

Everything else receives ``today``/``now`` as arguments, so tests pin time with freezegun or
``--today`` / ``$TACAL_TODAY`` and outputs stay reproducible.
"""

from __future__ import annotations

import datetime as dt
import os

ENV_TODAY = "TACAL_TODAY"


def parse_today(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        from tacal.errors import TacalError

        raise TacalError(
            f"--today / ${ENV_TODAY}: {value!r} is not a date; use YYYY-MM-DD, e.g. 2027-01-04"
        ) from None


def today(pinned: str | None = None) -> dt.date:
    """Today's date: ``pinned`` (``--today``), else ``$TACAL_TODAY``, else the system date."""
    value = pinned or os.environ.get(ENV_TODAY)
    if value:
        return parse_today(value)
    return dt.date.today()


def now(pinned: str | None = None) -> dt.datetime:
    """Current UTC time, truncated to seconds; midnight UTC of the pinned day when pinned."""
    value = pinned or os.environ.get(ENV_TODAY)
    if value:
        return dt.datetime.combine(parse_today(value), dt.time(0), tzinfo=dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
