"""``tacal publish`` deletes only what it wrote, never through a symlink (#12).

It deleted a ``team.ics`` it had not written (any file at a path it could have used), and
followed a symlinked retired-token folder when cleaning up after a rotation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import Result
from tests.feeds.test_feeds import BASE, config, run, tokens  # noqa: F401  (fixtures)


def test_regression_publish_keeps_a_team_ics_it_did_not_write(
    config: Path, run: Callable[..., Result], tmp_path: Path
) -> None:  # noqa: F811
    out = tmp_path / "site"
    out.mkdir()
    (out / "team.ics").write_text("someone else's calendar")
    config.write_text(
        config.read_text(encoding="utf-8").replace('team = "public"', 'team = "private"')
    )
    run("publish", out, "--base-url", BASE)
    assert (out / "team.ics").read_text() == "someone else's calendar"
    assert (out / tokens(config)["team"] / "team.ics").exists()


def test_regression_publish_keeps_a_file_changed_since_it_wrote_it(
    config: Path, run: Callable[..., Result], tmp_path: Path
) -> None:  # noqa: F811
    out = tmp_path / "site"
    run("publish", out, "--base-url", BASE)
    (out / "team.ics").write_text("edited by hand")  # no longer the bytes publish wrote
    config.write_text(
        config.read_text(encoding="utf-8").replace('team = "public"', 'team = "private"')
    )
    run("publish", out, "--base-url", BASE)
    assert (out / "team.ics").read_text() == "edited by hand"


def test_regression_publish_never_deletes_through_a_symlinked_token_folder(
    config: Path, run: Callable[..., Result], tmp_path: Path
) -> None:  # noqa: F811
    out = tmp_path / "site"
    run("publish", out, "--base-url", BASE)
    old = tokens(config)["person-ana"]
    elsewhere = tmp_path / "elsewhere"
    (out / old).rename(elsewhere)  # the very files publish wrote, now behind a symlink
    (out / old).symlink_to(elsewhere, target_is_directory=True)
    run("feeds", "rotate", "person-ana")
    result = run("publish", out, "--base-url", BASE)
    assert "0 removed" in result.err
    assert sorted(p.name for p in elsewhere.iterdir()) == ["index.html", "person-ana.ics"]
    assert (out / old).is_symlink()
    assert (out / tokens(config)["person-ana"] / "person-ana.ics").exists()


def test_publish_still_removes_what_it_wrote_after_a_rotation(
    config: Path, run: Callable[..., Result], tmp_path: Path
) -> None:  # noqa: F811
    out = tmp_path / "site"
    run("publish", out, "--base-url", BASE)
    old = tokens(config)["person-ana"]
    run("feeds", "rotate", "person-ana")
    result = run("publish", out, "--base-url", BASE)
    assert "2 removed" in result.err
    assert not (out / old).exists()
