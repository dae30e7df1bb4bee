"""Agenda templates: user folder first, shipped second, sandboxed, errors located."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.config.test_validation import BASE
from tests.conftest import Result


def setup(tmp_path: Path, template: str, body: str | None) -> None:
    text = BASE + f'template = "{template}"\n'
    (tmp_path / "tacal.toml").write_text(text)
    if body is not None:
        (tmp_path / "templates").mkdir(exist_ok=True)
        (tmp_path / "templates" / template).write_text(body)


def test_user_template_renders_into_description(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    setup(
        tmp_path,
        "mine.md.j2",
        "Agenda for {{ team.name }}: {{ cadence.summary }}\n"
        "{% for p in people %}- {{ p.name }}\n{% endfor %}",
    )
    result = tacal("build", "-o", "-")
    assert result.code == 0, result.err
    assert "DESCRIPTION:Agenda for T: Sync\\n- Dana" in result.out


def test_user_folder_overrides_shipped_template(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    setup(tmp_path, "task-review.md.j2", "My own task review")
    result = tacal("build", "-o", "-")
    assert "DESCRIPTION:My own task review" in result.out


def test_shipped_template_is_found(tacal: Callable[..., Result], tmp_path: Path) -> None:
    setup(tmp_path, "task-review.md.j2", None)
    result = tacal("build", "-o", "-")
    assert result.code == 0, result.err
    assert "DESCRIPTION:Daily Vitally task review" in result.out


def test_missing_template(tacal: Callable[..., Result], tmp_path: Path) -> None:
    setup(tmp_path, "nope.md.j2", None)
    result = tacal("validate")
    assert result.code == 2
    assert "cadence 'sync': template 'nope.md.j2' not found" in result.err


def test_syntax_error_names_file_and_line(tacal: Callable[..., Result], tmp_path: Path) -> None:
    setup(tmp_path, "bad.md.j2", "line one\n{% for x in %}\n")
    result = tacal("validate")
    assert result.code == 2
    assert "bad.md.j2:2: template syntax error" in result.err
    assert "Traceback" not in result.err


def test_undefined_variable_is_an_error(tacal: Callable[..., Result], tmp_path: Path) -> None:
    setup(tmp_path, "typo.md.j2", "{{ teem.name }}")
    result = tacal("validate")
    assert result.code == 2
    assert "'teem' is undefined" in result.err


def test_sandbox_blocks_python_internals(tacal: Callable[..., Result], tmp_path: Path) -> None:
    setup(tmp_path, "evil.md.j2", "{{ ''.__class__.__mro__[1].__subclasses__() }}")
    result = tacal("build", "-o", "-")
    assert result.code == 2
    assert "blocked by the template sandbox" in result.err or "unsafe" in result.err
    assert "subclasses" not in result.out


def test_nothing_is_written_when_a_template_fails(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    setup(tmp_path, "typo.md.j2", "{{ teem.name }}")
    assert tacal("build").code == 2
    assert not (tmp_path / "tacal.ics").exists()


def test_undefined_variable_names_template_line_and_what_was_meant(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    setup(tmp_path, "typo.md.j2", "Agenda\n\n{% for a in acounts %}- {{ a.name }}\n{% endfor %}")
    result = tacal("validate")
    assert result.code == 2
    template = tmp_path / "templates" / "typo.md.j2"
    assert result.err.splitlines() == [
        f"tacal: error: {template}:3: cadence 'sync': 'acounts' is undefined; did you mean "
        "'accounts'?",
        "  hint: the variables of this template are: accounts, accounts_by_ae, accounts_by_ta, "
        "aes, cadence, leadership, people, renewals, tas, team, today",
    ]


def test_undefined_attribute_names_what_was_meant(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    setup(tmp_path, "typo.md.j2", "{{ team.name }}\n{{ team.timzone }}")
    result = tacal("validate")
    assert result.code == 2
    assert result.err.splitlines()[0] == (
        f"tacal: error: {tmp_path / 'templates' / 'typo.md.j2'}:2: cadence 'sync': Team has no "
        "attribute 'timzone'; did you mean 'timezone'?"
    )


def test_undefined_in_an_included_template_names_that_template(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    setup(tmp_path, "outer.md.j2", "Outer\n{% include 'inner.md.j2' %}")
    (tmp_path / "templates" / "inner.md.j2").write_text("one\ntwo\n{{ tday }}\n")
    result = tacal("validate")
    assert result.err.splitlines()[0] == (
        f"tacal: error: {tmp_path / 'templates' / 'inner.md.j2'}:3: cadence 'sync': 'tday' is "
        "undefined; did you mean 'today'?"
    )


def test_undefined_in_an_inline_description(tacal: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "tacal.toml").write_text(BASE + 'description = "Hi\\n{{ cadence.sumary }}"\n')
    result = tacal("validate")
    assert result.code == 2
    assert result.err.splitlines()[0] == (
        f"tacal: error: {tmp_path / 'tacal.toml'}:11: cadence 'sync'.description: line 2: "
        "Cadence has no attribute 'sumary'; did you mean 'summary'?"
    )
