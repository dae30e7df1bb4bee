"""Feeds over about 1 MB, which Google Calendar silently ignores, are reported by build,
publish and serve with the way out: the per-person and per-account feeds (#12)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Result
from tests.support.feed_server import copy_fixture, serving

AGENDA = "Long agenda line for a big feed.\\n" * 12_000  # ~400 KB rendered, under the budget


def big(config: Path) -> Path:
    """Three team cadences with long agendas: a team feed of about 1.2 MB."""
    text = config.read_text(encoding="utf-8")
    for i in range(3):
        text += f'''
[[cadence]]
id = "big-agenda-{i}"
summary = "Big agenda {i}"
rule = "weekly"
day = "MO"
time = "1{i}:00"
duration = 15
description = "{AGENDA}"
'''
    config.write_text(text, encoding="utf-8")
    return config


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return copy_fixture(tmp_path)


def test_regression_build_warns_about_a_feed_google_ignores(
    tacal: Callable[..., Result], config: Path
) -> None:
    small = tacal("--config", config, "build", "-o", "small.ics")
    assert small.code == 0 and "Google Calendar" not in small.err
    big(config)
    result = tacal("--config", config, "build", "-o", "big.ics")
    assert result.code == 0, result.err
    assert re.search(
        r"warning: big\.ics is 1\.\d MB; Google Calendar ignores subscribed "
        r"calendars over about 1 MB: subscribe to the per-person \(person-KEY\) "
        r"or per-account",
        result.err,
    ), result.err
    assert "Google Calendar ignores" not in tacal("-q", "--config", config, "build", "-o", "-").err


def test_regression_publish_warns_about_a_feed_google_ignores(
    tacal: Callable[..., Result], config: Path, tmp_path: Path
) -> None:
    big(config)
    result = tacal("--config", config, "publish", tmp_path / "site", "--base-url", "https://x")
    assert result.code == 0, result.err
    assert re.search(r"warning: feed team is 1\.\d MB; .* per-person", result.err), result.err
    assert "feed account-" not in result.err


def test_regression_serve_warns_about_a_feed_google_ignores(
    config: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    big(config)
    with (
        caplog.at_level(logging.WARNING, logger="tacal.server"),
        serving(config, tmp_path / "state") as running,
    ):
        assert len(running.get("/team.ics").body) > 1_000_000
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(
        re.match(r"warning: feed team is 1\.\d MB; Google Calendar ignores", w) for w in warnings
    ), warnings
