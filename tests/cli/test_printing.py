"""What reaches the terminal is printed as text (#12): rich markup in a name is not a tag
(``Blue Harbor [/EMEA]`` crashed ``preview`` and the end of ``sync``), and control characters
from templates or servers are shown escaped, never sent raw."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from tacal.cli.context import plain
from tests.conftest import FIXTURES, Result
from tests.series.test_templates import setup
from tests.support.gcal_emulator import CalendarEmulator, gcal_emulator  # noqa: F401  (fixture)

MARKUP = "Blue Harbor [/EMEA] [bold]x[/bold]"


def test_regression_rich_markup_in_names_prints_in_preview(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    config = (FIXTURES / "berlin.toml").read_text()
    config = config.replace('name = "Berlin TAs"', f'name = "{MARKUP}"').replace(
        'summary = "Stand-up"', 'summary = "Stand-up [/EMEA]"'
    )
    (tmp_path / "tacal.toml").write_text(config)
    result = tacal("--today", "2027-01-10", "preview", "--quarter", "current")
    assert result.code == 0, result.err
    assert f"{MARKUP}: FY2027-Q4" in result.out
    assert "Stand-up [/EMEA]" in result.out


def test_regression_rich_markup_in_names_prints_after_sync(
    tacal: Callable[..., Result],
    tmp_path: Path,
    monkeypatch,  # type: ignore[no-untyped-def]
    gcal_emulator: CalendarEmulator,
) -> None:  # noqa: F811
    config = (
        (FIXTURES / "berlin.toml")
        .read_text()
        .replace('summary = "Stand-up"', 'summary = "Stand-up [/EMEA]"')
    )
    (tmp_path / "tacal.toml").write_text(config)
    monkeypatch.setenv("TACAL_GCAL_EMULATOR_HOST", gcal_emulator.host_port)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    for args in (["--dry-run"], []):
        result = tacal("--today", "2027-01-10", "sync", *args)
        assert result.code == 0, result.err
        assert "Stand-up [/EMEA]" in result.out
    assert "Stand-up [/EMEA]" in {e["summary"] for e in gcal_emulator.events()}


def test_regression_terminal_escapes_in_errors_are_shown_escaped(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """A template looking up ``"\\x1b[2J"`` (clear screen) got it echoed raw in the error."""
    setup(tmp_path, "esc.md.j2", "{{ team['\\x1b[2J\\x9b1m'] }}")
    result = tacal("validate")
    assert result.code == 2
    assert "\x1b" not in result.err and "\x9b" not in result.err
    assert "\\x1b[2J\\x9b1m" in result.err


def test_plain_keeps_text_and_escapes_controls() -> None:
    assert plain("Zoë [/EMEA]\tok\nnext") == "Zoë [/EMEA]\tok\nnext"
    assert plain("a\x1b[31mb\rc\x00\x7f\x9b") == "a\\x1b[31mb\\x0dc\\x00\\x7f\\x9b"


def test_builtin_default_still_previews(tacal: Callable[..., Result], tmp_path: Path) -> None:
    shutil.rmtree(tmp_path / "templates", ignore_errors=True)
    result = tacal("--today", "2026-12-02", "preview")
    assert result.code == 0, result.err
    assert "Week of" in result.out
