"""Hostile or broken agenda templates (#12): a located exit-2 error, never a hang, a traceback,
a huge file or changed data; ``serve`` keeps the last good feeds and recovers."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tacal import config as config_mod
from tacal.errors import TemplateError
from tacal.series import agenda
from tacal.series.agenda import Agendas
from tests.conftest import Result
from tests.series.test_templates import setup
from tests.support.feed_server import copy_fixture, serving


@pytest.fixture
def quick_budget(monkeypatch: pytest.MonkeyPatch) -> float:
    """A shorter time budget, so that a template that would run for hours stops at once."""
    monkeypatch.setattr(agenda, "RENDER_SECONDS", 0.3)
    return 0.3


def test_regression_template_nested_loops_stop_at_the_time_budget(
    tacal: Callable[..., Result], tmp_path: Path, quick_budget: float
) -> None:
    """``range(100000)`` inside ``range(100000)`` (no call in the inner loop) hung the build."""
    setup(
        tmp_path,
        "loop.md.j2",
        "Agenda\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    )
    started = time.monotonic()
    result = tacal("build")
    assert time.monotonic() - started < 10
    assert result.code == 2, result.err
    assert "loop.md.j2:2: cadence 'sync': over the template budget: took longer than" in result.err
    assert not (tmp_path / "tacal.ics").exists()


def test_regression_template_recursive_calls_stop_at_the_time_budget(
    tacal: Callable[..., Result], tmp_path: Path, quick_budget: float
) -> None:
    """A macro calling itself twice per level (2**depth calls) is stopped by the deadline."""
    setup(
        tmp_path,
        "fork.md.j2",
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}"
        "{% endif %}{% endmacro %}{{ f(40) }}",
    )
    result = tacal("validate")
    assert result.code == 2 and "took longer than" in result.err, result.err


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ('{{ 1 + "a" }}', 1, "TypeError: unsupported operand"),
        ("first line\n{{ 1/0 }}", 2, "ZeroDivisionError: division by zero"),
        ("{{ 10**5000 }}", 1, "10 ** 5000 would have about 16,610 bits"),
        ("{% macro f(n) %}{{ f(n) }}{% endmacro %}\n\n{{ f(1) }}", 1, "recursion too deep"),
        ("{{ 'a'*10**8 }}", 1, "a repetition would be 100,000,000 characters"),
        ("{{ 'a'|center(10**9) }}", 1, "|center: 1,000,000,000 is too wide"),
        (
            "{% set ns = namespace(s='a') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
            "{% endfor %}",
            1,
            "a ~ concatenation would be 1,048,576 characters",
        ),
        ("{{ (['a' * 100000] * 100)|join }}", 1, "|join would be 10,000,000 characters"),
        (
            "{{ accounts.clear() }}",
            1,
            "blocked by the template sandbox: access to attribute "
            "'clear' of 'list' object is unsafe",
        ),
    ],
    ids=[
        "type",
        "zero-division",
        "power",
        "recursion",
        "repeat",
        "center",
        "doubling",
        "join",
        "clear",
    ],
)
def test_regression_template_failures_are_located_exit_2(
    tacal: Callable[..., Result], tmp_path: Path, body: str, line: int, message: str
) -> None:
    """These were tracebacks (exit 1), a 100 MB file, or an emptied account list."""
    setup(tmp_path, "bad.md.j2", body)
    for command in (["validate"], ["build"], ["preview"]):
        result = tacal(*command)
        assert result.code == 2, (command, result.err)
        assert f"bad.md.j2:{line}: cadence 'sync': " in result.err, result.err
        assert message in result.err, result.err
        assert "Traceback" not in result.err
    assert not (tmp_path / "tacal.ics").exists()


def test_regression_total_agenda_size_is_capped(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    """Many small outputs adding up to a huge description: the rendered text is capped."""
    setup(tmp_path, "big.md.j2", "{% for i in range(100000) %}{{ 'x' * 20 }}{% endfor %}")
    result = tacal("build")
    assert result.code == 2
    assert "the agenda would be 1,000,0" in result.err and "big.md.j2" in result.err


def test_regression_inline_description_error_names_the_config_line(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    setup(tmp_path, "task-review.md.j2", None)
    config = tmp_path / "tacal.toml"
    config.write_text(config.read_text() + 'description = """Hello\n{{ 1/0 }}"""\n')
    result = tacal("validate")
    assert result.code == 2
    assert f"{config}:11: cadence 'sync'.description: line 2: ZeroDivisionError" in result.err


def test_regression_template_cannot_change_the_data(fixtures: Path) -> None:
    """``{{ accounts.clear() }}`` in one template removed every account's series."""
    config = config_mod.load(fixtures / "accounts.toml")
    before = list(config.accounts)
    agendas = Agendas()
    for body in [
        "{{ accounts.clear() }}",
        "{{ accounts.pop() }}",
        "{% set _ = accounts_by_ta.update({}) %}",
        "{{ people.append(1) }}",
    ]:
        with pytest.raises(TemplateError, match="blocked by the template sandbox"):
            agendas.render_string(
                body, {"accounts": config.accounts, "people": [], "accounts_by_ta": {}}, "test"
            )
    assert config.accounts == before and config.accounts


def test_valid_templates_render_as_before() -> None:
    """Loops, ``loop`` variables, ``~``, filters and numbers work as in plain Jinja2."""
    agendas = Agendas()
    text = (
        "{% for x in items %}{{ loop.index }}/{{ loop.length }}:{{ x ~ '!' }}"
        "{% if not loop.last %}, {% endif %}{% else %}none{% endfor %}"
        " {{ items|join('+') }} {{ 2**100 }} {{ 240000|money }} {{ '%5.1f' % 3.14159 }}"
        " {{ 'ab' * 3 }} {{ [1] + [2] }} {{ ' x '|trim|center(5) }}|"
        "{% for x in [] %}{% else %}empty{% endfor %}"
    )
    out = agendas.render_string(text, {"items": ["a", "b"]}, "test")
    assert out == (
        "1/2:a!, 2/2:b! a+b 1267650600228229401496703205376 $240k   3.1 ababab [1, 2]   x  |empty"
    )


def test_regression_serve_keeps_feeds_on_template_errors_and_recovers(
    tmp_path: Path, quick_budget: float, caplog: pytest.LogCaptureFixture
) -> None:
    """A template error answered every request with a 500 (a traceback a second), and a
    hanging template wedged the server. Now the last good feeds stay up, the error is
    logged once, and fixing the template brings the new feeds."""
    config = copy_fixture(tmp_path)
    templates = config.parent / "templates"
    templates.mkdir()
    template = templates / "team-check-in.md.j2"
    template.write_text("Good agenda\n")
    with (
        caplog.at_level(logging.ERROR, logger="tacal.server"),
        serving(config, tmp_path / "state") as running,
    ):
        good = running.get("/team.ics")
        assert good.status == 200 and b"Good agenda" in good.body
        for body in [
            "{{ 1/0 }}",
            "{{ 1 + 'a' }}",
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
        ]:
            template.write_text(body)
            for _ in range(3):
                again = running.get("/team.ics")
                assert again.status == 200 and again.body == good.body
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 3, errors  # each problem logged once
        assert "team-check-in.md.j2:1" in errors[0] and "ZeroDivisionError" in errors[0]
        assert not any(r.exc_info for r in caplog.records)
        started = time.monotonic()
        template.write_text("Fixed agenda\n")
        fixed = running.get("/team.ics")
        assert fixed.status == 200 and b"Fixed agenda" in fixed.body
        assert time.monotonic() - started < 5
