"""One headless Chromium for the whole session: launching it is the slow part."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.browser import CHROMIUM, launched


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is not installed (.ci/run installs Debian's chromium)")
    with launched() as b:
        yield b
