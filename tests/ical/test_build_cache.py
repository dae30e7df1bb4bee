"""Incremental build (issue #11): cached builds give exactly the bytes of a fresh build.

The cache is checked for what it must never do (give other bytes than a fresh build, fail on a
damaged entry) and for what it is for, counted rather than timed: a rebuild with nothing
changed plans nothing and serialises nothing, and a one-account edit serialises only that
account's series.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import tacal.cli.build as build_module
from tacal.ical.cache import FORMAT
from tests.conftest import FIXTURES, Result
from tests.support.build_cache import age, spying

Tacal = Callable[..., Result]
DAYS = ("2026-12-02", "2027-03-18")
#: the built-in default and every fixture config (tests/fixtures/crm holds table fragments)
CONFIGS = [None, *sorted(p.name for p in FIXTURES.glob("*.toml"))]


def lock_dir() -> Path:
    return Path(os.environ["TACAL_LOCK_DIR"])


def cache_dir() -> Path:
    return Path(os.environ["TACAL_CACHE_DIR"])


def built(tacal: Tacal, config: Path | None, today: str, *extra: str) -> bytes:
    args = ["--today", today, "-q"]
    if config is not None:
        args += ["--config", str(config)]
    result = tacal(*args, "build", "-o", "-", *extra)
    assert result.code == 0, result.err
    return result.stdout_bytes


def fresh(
    tacal: Tacal, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, config: Path | None, today: str
) -> bytes:
    """The same build with no cache at all (an empty cache folder, the whole-build cache off)."""
    empty = tmp_path / f"no-cache-{len(list(tmp_path.iterdir()))}"
    with monkeypatch.context() as m:
        m.setenv("TACAL_CACHE_DIR", str(empty))
        m.setattr(build_module, "USE_CACHE", False)
        return built(tacal, config, today)


@pytest.mark.parametrize("name", CONFIGS)
def test_cached_builds_are_byte_identical_to_fresh_ones(
    tacal: Tacal, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str | None
) -> None:
    config = FIXTURES / name if name else None
    for today in DAYS:
        first = built(tacal, config, today)  # writes (or updates) the lock
        age(lock_dir())
        with spying(monkeypatch) as stored:
            # plans and stores the whole build, unless the first one left the lock as it was
            second = built(tacal, config, today)
        assert stored.serialised == []  # every series' bytes from the cache
        with spying(monkeypatch) as hit:
            third = built(tacal, config, today)
        assert hit.plans == 0 and hit.serialised == []
        assert first == second == third == fresh(tacal, monkeypatch, tmp_path, config, today)


def test_a_cached_build_says_what_a_fresh_one_says(
    tacal: Tacal, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The same stderr (the built-in default's notice, the config's warnings, what was
    written) whether the bytes came from the cache or not."""
    config = tmp_path / "warned.toml"
    # a fifth Friday: months without one get no meeting, a located warning while loading
    fifth = (
        '\n[[cadence]]\nid = "fifth"\nsummary = "Fifth Friday"\nrule = "monthly"\n'
        'day = "FR"\nweek = 5\ntime = "11:00"\nattendees = ["ana"]\n'
    )
    config.write_text((FIXTURES / "feeds.toml").read_text() + fifth)
    age(config)
    for args in ((), ("--config", config)):
        tacal("--today", DAYS[0], *args, "build", "-o", "out.ics")
        age(lock_dir())
        with spying(monkeypatch) as miss:
            planned = tacal("--today", DAYS[0], *args, "build", "-o", "out.ics")
        with spying(monkeypatch) as hit:
            cached = tacal("--today", DAYS[0], *args, "build", "-o", "out.ics")
        assert miss.plans == 1 and hit.plans == 0
        assert cached.err == planned.err
        assert planned.err.endswith("out.ics: unchanged\n")
    assert "cadence 'fifth'.week" in cached.err


def test_a_later_day_plans_again(tacal: Tacal, monkeypatch: pytest.MonkeyPatch) -> None:
    """Today is part of the key: the Top 3, the renewals agenda and stale renewal dates follow
    the day, so the first build of a day plans (its series bytes still come from the cache)."""
    config = FIXTURES / "accounts.toml"
    built(tacal, config, DAYS[0])
    age(lock_dir())
    built(tacal, config, DAYS[0])
    with spying(monkeypatch) as later:
        built(tacal, config, "2026-12-03")
    assert later.plans == 1
    built(tacal, config, "2026-12-04")
    # one entry per command, replaced day after day: the cache does not grow
    assert len(list(cache_dir().glob("build-*.bin"))) == 1


def test_one_account_edit_serialises_only_that_accounts_series(
    tacal: Tacal, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "lock40.toml"
    shutil.copy(FIXTURES / "lock40.toml", config)
    age(config)
    before = built(tacal, config, "2027-03-11")
    text = config.read_text()
    block = text.index('name = "Alpine Water"')
    end = text.index("[[account]]", block)
    assert 'check_in = "biweekly"' in text[block:end]
    config.write_text(
        text[:block] + text[block:end].replace('"biweekly"', '"monthly"') + text[end:]
    )
    with spying(monkeypatch) as spy:
        after = built(tacal, config, "2027-03-11")
    assert spy.serialised == ["l40.check-in.alpine-water@tacal"]
    assert before.count(b"BEGIN:VEVENT") >= 100
    assert after == fresh(tacal, monkeypatch, tmp_path, config, "2027-03-11")


def test_an_edit_is_never_answered_from_the_cache(
    tacal: Tacal, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Config, a template and a newly added template each change the output."""
    tacal("init", str(tmp_path / "team"))
    config = tmp_path / "team" / "tacal.toml"
    templates = tmp_path / "team" / "templates"
    age(config, templates)

    def settled_build() -> bytes:
        built(tacal, config, DAYS[0])
        age(lock_dir())
        built(tacal, config, DAYS[0])
        return built(tacal, config, DAYS[0])

    original = settled_build()
    template = sorted(templates.glob("*.j2"))[0]
    template.write_text(template.read_text() + "\nOne more agenda line.\n")
    edited = built(tacal, config, DAYS[0])
    assert b"One more agenda line." in edited
    assert edited == fresh(tacal, monkeypatch, tmp_path, config, DAYS[0])
    config.write_text(config.read_text().replace('name = "', 'name = "Renamed ', 1))
    renamed = built(tacal, config, DAYS[0])
    assert renamed != edited
    assert renamed == fresh(tacal, monkeypatch, tmp_path, config, DAYS[0])
    assert original != renamed


def test_an_accounts_csv_edit_is_never_answered_from_the_cache(
    tacal: Tacal, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = (FIXTURES / "accounts.toml").read_text()
    config = tmp_path / "tacal.toml"
    config.write_text('accounts = "accounts.csv"\n' + text[: text.index("[[account]]")])
    csv = tmp_path / "accounts.csv"
    shutil.copy(FIXTURES / "accounts.csv", csv)
    age(config, csv)
    built(tacal, config, DAYS[0])
    age(lock_dir())
    built(tacal, config, DAYS[0])
    cached = built(tacal, config, DAYS[0])
    assert b"cto@aurora.example" in cached
    csv.write_text(csv.read_text().replace("cto@aurora.example", "ceo@aurora.example"))
    edited = built(tacal, config, DAYS[0])
    assert b"ceo@aurora.example" in edited and b"cto@aurora.example" not in edited
    assert edited == fresh(tacal, monkeypatch, tmp_path, config, DAYS[0])


def test_a_build_for_one_person_keeps_everyone_elses_series_cached(
    tacal: Tacal, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = FIXTURES / "feeds.toml"
    everything = built(tacal, config, DAYS[0])
    with spying(monkeypatch) as narrow:
        built(tacal, config, DAYS[0], "--for", "ana")
    assert narrow.serialised == []
    monkeypatch.setattr(build_module, "USE_CACHE", False)
    with spying(monkeypatch) as spy:
        again = built(tacal, config, DAYS[0])
    assert spy.plans == 1 and spy.serialised == []
    assert again == everything


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data[:-10] + b"X" * 10,  # corrupt: the checksum fails
        lambda data: b"not a cache at all\n" + data,  # foreign
        lambda data: data.replace(f"tacal-cache {FORMAT} ".encode(), b"tacal-cache 99 ", 1),
        lambda data: b"",
    ],
    ids=["truncated", "corrupt", "foreign", "other-format", "empty"],
)
def test_a_damaged_cache_gives_the_same_bytes(
    tacal: Tacal,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    damage: Callable[[bytes], bytes],
) -> None:
    config = FIXTURES / "accounts.toml"
    built(tacal, config, DAYS[0])
    age(lock_dir())
    good = built(tacal, config, DAYS[0])
    entries = [p for p in cache_dir().rglob("*") if p.is_file()]
    assert {p.name.split("-")[0] for p in entries} >= {"build", "series", "agendas"}
    for entry in entries:
        entry.write_bytes(damage(entry.read_bytes()))
    with spying(monkeypatch) as spy:
        again = built(tacal, config, DAYS[0])
    assert spy.plans == 1  # the whole-build entry was not trusted
    assert again == good == fresh(tacal, monkeypatch, tmp_path, config, DAYS[0])


def test_an_unwritable_cache_folder_is_no_error(
    tacal: Tacal, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TACAL_CACHE_DIR", str(blocker / "cache"))
    config = FIXTURES / "feeds.toml"
    assert built(tacal, config, DAYS[0]) == built(tacal, config, DAYS[0])


def test_build_imports_no_sink_and_a_cached_build_no_planner(tmp_path: Path) -> None:
    """``tacal build`` does not load the Google client, the HTTP server or the feeds; served
    from the cache it does not load icalendar or the planner either."""
    script = (
        "import sys\n"
        "from tacal.cli import main\n"
        "main(sys.argv[1:])\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    env = {
        **os.environ,
        "TACAL_CACHE_DIR": str(tmp_path / "cache"),
        "TACAL_LOCK_DIR": str(tmp_path / "locks"),
    }
    args = ["--today", DAYS[0], "-q", "--config", str(FIXTURES / "feeds.toml"), "build"]
    loaded = []
    for run in range(3):
        proc = subprocess.run(
            [sys.executable, "-c", script, *args, "-o", str(tmp_path / "out.ics")],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            check=True,
        )
        loaded.append(set(proc.stdout.split()))
        if run == 0:
            age(tmp_path / "locks")
    for modules in loaded:
        for heavy in ("googleapiclient", "waitress", "tacal.gcal", "tacal.feeds"):
            assert heavy not in modules
    assert "icalendar" in loaded[1] and "tacal.series" in loaded[1]
    assert "icalendar" not in loaded[2] and "tacal.series" not in loaded[2]
