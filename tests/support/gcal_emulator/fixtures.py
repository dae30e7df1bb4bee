"""pytest fixtures for the emulator: a started emulator, and closing the clients a test opened."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.gcal_emulator.server import CalendarEmulator

__all__ = ["OPEN_CLIENTS", "close_clients", "gcal_emulator"]


@pytest.fixture
def gcal_emulator() -> Iterator[CalendarEmulator]:
    """A started emulator for one test; stopped afterwards."""
    emulator = CalendarEmulator().start()
    try:
        yield emulator
    finally:
        emulator.stop()


#: Client objects a test opened; the autouse fixture below closes them after each test.
OPEN_CLIENTS: list[Any] = []


@pytest.fixture(autouse=True)
def close_clients() -> Iterator[None]:
    """Close every client connection a test opened (no ResourceWarning under -W error).

    Autouse only where imported: tests/test_sync.py and tests/test_gcal_emulator.py.
    """
    yield
    while OPEN_CLIENTS:
        OPEN_CLIENTS.pop().close()
