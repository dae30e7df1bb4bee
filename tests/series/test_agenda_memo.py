"""Rendered agendas remembered between builds (:mod:`tacal.series.agenda_memo`): a remembered
agenda is used only when the template and everything it reads are the same, never after an
edit to the template, an account or a person; a damaged store is an empty one."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from tacal.errors import TemplateError
from tacal.ical.cache import AgendaCache
from tacal.model import Account, Person
from tacal.series.agenda import Agendas
from tacal.series.agenda_memo import fingerprint

TEMPLATE = "{{ account.name }} with {{ ta_person.name }} ({{ check_in }})\n"


class Memo:
    """A memo in memory that counts what it was asked."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.hits = 0

    def get(self, key: str) -> str | None:
        found = self.data.get(key)
        self.hits += found is not None
        return found

    def put(self, key: str, text: str) -> None:
        self.data[key] = text


def context() -> dict[str, Any]:
    ana = Person("ana", "Ana Ruiz", "ana@example.com", role="ta")
    return {
        "account": Account("Acme", ta="ana"),
        "ta_person": ana,
        "check_in": "weekly",
        "accounts": [Account("Acme", ta="ana"), Account("Beta")],
    }


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "check.j2").write_text(TEMPLATE)
    return tmp_path


def render(folder: Path, memo: Memo, ctx: dict[str, Any]) -> str:
    """One build's rendering: a new Agendas each time, as every build makes its own."""
    return Agendas([folder], memo=memo).render("check.j2", ctx, "test")


def test_the_same_template_and_values_are_rendered_once(folder: Path) -> None:
    memo = Memo()
    first = render(folder, memo, context())
    assert first == "Acme with Ana Ruiz (weekly)" and memo.hits == 0
    assert render(folder, memo, context()) == first
    assert memo.hits == 1


def test_a_value_the_template_does_not_read_keeps_the_agenda(folder: Path) -> None:
    memo = Memo()
    render(folder, memo, context())
    other = {**context(), "accounts": [Account("Gamma")]}
    render(folder, memo, other)
    assert memo.hits == 1


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: {**c, "account": replace(c["account"], name="Acme Corp")},
        lambda c: {**c, "account": replace(c["account"], ae="bo")},  # a field it does not print
        lambda c: {**c, "check_in": "monthly"},
        lambda c: {**c, "ta_person": replace(c["ta_person"], hours=(dt.time(8), dt.time(16)))},
        lambda c: {k: v for k, v in c.items() if k != "check_in"},  # a name now undefined
    ],
    ids=["account-name", "account-field", "variable", "person-hours", "removed"],
)
def test_an_edit_to_what_the_template_reads_renders_again(folder: Path, edit: Any) -> None:
    memo = Memo()
    render(folder, memo, context())
    with contextlib.suppress(TemplateError):  # an undefined name: the template's error
        render(folder, memo, edit(context()))
    assert memo.hits == 0


def test_a_template_edit_renders_again(folder: Path) -> None:
    memo = Memo()
    render(folder, memo, context())
    (folder / "check.j2").write_text("Agenda for {{ account.name }}\n")
    assert render(folder, memo, context()) == "Agenda for Acme"
    assert memo.hits == 0


def test_an_included_template_edit_renders_again(folder: Path) -> None:
    (folder / "main.j2").write_text('{% include "part.j2" %}\n')
    (folder / "part.j2").write_text("Part one for {{ account.name }}\n")
    memo = Memo()
    Agendas([folder], memo=memo).render("main.j2", context(), "test")
    (folder / "part.j2").write_text("Part two for {{ account.name }}\n")
    again = Agendas([folder], memo=memo).render("main.j2", context(), "test")
    assert again == "Part two for Acme" and memo.hits == 0


def test_an_inline_description_is_remembered_by_its_text() -> None:
    memo = Memo()
    for text in ("Hi {{ account.name }}", "Hi {{ account.name }}", "Bye {{ account.name }}"):
        Agendas([], memo=memo).render_string(text, context(), "test")
    assert memo.hits == 1 and len(memo.data) == 2


def test_what_cannot_be_known_is_never_remembered(folder: Path) -> None:
    (folder / "dynamic.j2").write_text("{% include account.name ~ '.j2' %}\n")
    (folder / "Acme.j2").write_text("Acme's own\n")
    (folder / "random.j2").write_text("{{ [1, 2] | random }}\n")
    memo = Memo()
    for _ in range(2):
        Agendas([folder], memo=memo).render("dynamic.j2", context(), "test")
        Agendas([folder], memo=memo).render("random.j2", context(), "test")
        Agendas([folder], memo=memo).render("check.j2", {**context(), "check_in": object()}, "t")
    assert memo.data == {} and memo.hits == 0


def test_fingerprints_tell_values_apart() -> None:
    seen: dict[int, Any] = {}
    values = [1, True, 1.0, "1", (1,), [1], {"a": 1}, {"a": "1"}, None, dt.date(2027, 1, 1)]
    prints = [fingerprint(v, seen) for v in values]
    assert None not in prints and len(set(prints)) == len(values)
    assert fingerprint([{"a": 1}, {"b": 2}], seen) != fingerprint([{"b": 2}, {"a": 1}], seen)
    assert fingerprint(object(), seen) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:-5] + b"XXXXX",
        lambda data: b"not a cache\n" + data,
        lambda data: b"",
    ],
    ids=["truncated", "corrupt", "foreign", "empty"],
)
def test_a_damaged_store_is_an_empty_one(
    tmp_path: Path, folder: Path, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    monkeypatch.setenv("TACAL_CACHE_DIR", str(tmp_path / "cache"))
    lock = tmp_path / "tacal.lock"
    store = AgendaCache.for_lock(lock)
    first = Agendas([folder], memo=store).render("check.j2", context(), "test")
    store.save()
    assert AgendaCache.for_lock(lock).get(next(iter(store._used))) == first
    store.path.write_bytes(damage(store.path.read_bytes()))
    damaged = AgendaCache.for_lock(lock)
    assert damaged._old == {}
    again = Agendas([folder], memo=damaged).render("check.j2", context(), "test")
    assert again == first
