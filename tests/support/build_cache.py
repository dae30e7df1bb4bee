"""Helpers for the build cache tests: count what a build serialises and plans, age inputs."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class Spy:
    """UIDs serialised by icalendar and the number of times placement ran."""

    serialised: list[str] = field(default_factory=list)
    plans: int = 0


@contextmanager
def spying(monkeypatch: pytest.MonkeyPatch) -> Iterator[Spy]:
    """Wrap the real series serialiser and planner entry point with counters."""
    import tacal.ical.calendar as calendar
    import tacal.series as series_pkg

    spy = Spy()
    real_bytes = calendar.series_bytes
    real_build = series_pkg.build_series

    def counting_bytes(s, stamp):  # type: ignore[no-untyped-def]
        spy.serialised.append(s.uid)
        return real_bytes(s, stamp)

    def counting_build(*args, **kwargs):  # type: ignore[no-untyped-def]
        spy.plans += 1
        return real_build(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(calendar, "series_bytes", counting_bytes)
        m.setattr(series_pkg, "build_series", counting_build)
        yield spy


def age(*paths: Path, seconds: float = 5.0) -> None:
    """Set the modification time of ``paths`` (files, or every file below a folder) into the
    past, as if written a moment before: a build stores its result only when no input was
    modified while it ran, and tests build again within milliseconds."""
    when = time.time() - seconds
    for path in paths:
        targets = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
        for target in targets:
            if target.exists():
                os.utime(target, (when, when))
