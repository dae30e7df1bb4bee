"""The agenda layer of the build cache, end to end: with agendas remembered from earlier
builds, an edit to an account, a person or a template gives exactly the bytes of a build
without any cache."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, Result
from tests.ical.test_build_cache import built, cache_dir, fresh
from tests.support.build_cache import age

Tacal = Callable[..., Result]
DAY = "2027-03-11"


def _edit(text: str) -> str:
    block = text.index('name = "Alpine Water"')
    end = text.index("[[account]]", block)
    return text[:block] + text[block:end].replace("arr = 129000", "arr = 1290000") + text[end:]


@pytest.mark.parametrize(
    "edit",
    [
        _edit,  # an account field the check-in agenda prints
        lambda t: t.replace(  # a person's hours: in every context that holds them
            'email = "ben@l40.example"\nrole = "ta"',
            'email = "ben@l40.example"\nrole = "ta"\nhours = "08:00-16:00"',
        ),
        lambda t: t.replace('name = "Ben Okafor"', 'name = "Ben Okafor-Smith"'),
    ],
    ids=["account", "person-hours", "person-name"],
)
def test_a_config_edit_with_remembered_agendas_gives_fresh_bytes(
    tacal: Tacal, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, edit: Callable[[str], str]
) -> None:
    config = tmp_path / "lock40.toml"
    shutil.copy(FIXTURES / "lock40.toml", config)
    age(config)
    before = built(tacal, config, DAY)
    assert list(cache_dir().glob("agendas-*.bin"))
    text = config.read_text()
    config.write_text(edit(text))
    after = built(tacal, config, DAY)
    assert after != before
    assert after == fresh(tacal, monkeypatch, tmp_path, config, DAY)


def test_a_user_template_edit_with_remembered_agendas_gives_fresh_bytes(
    tacal: Tacal, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "lock40.toml"
    shutil.copy(FIXTURES / "lock40.toml", config)
    templates = tmp_path / "templates"
    templates.mkdir()
    shipped = Path(__file__).resolve().parents[2] / "templates" / "customer-check-in.md.j2"
    own = templates / "customer-check-in.md.j2"
    own.write_text(shipped.read_text())
    age(config, templates)
    before = built(tacal, config, DAY)
    own.write_text(shipped.read_text() + "\nBring the renewal plan.\n")
    after = built(tacal, config, DAY)
    assert b"Bring the renewal plan." in after and after != before
    assert after == fresh(tacal, monkeypatch, tmp_path, config, DAY)
