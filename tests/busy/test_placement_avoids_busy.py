"""New meetings go around everyone's real busy time (feeds over HTTP on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.busy.busy_project import TODAY, collisions, lock_file, project
from tests.conftest import Result
from tests.support.busy_feeds import FeedHost, feed_host  # noqa: F401  (fixture)


def test_check_ins_avoid_every_busy_block_of_each_internal_attendee(
    tacal: Callable[..., Result],
    tmp_path: Path,
    feed_host: FeedHost,  # noqa: F811
) -> None:
    path = project(tmp_path, feed_host)
    # without busy times (nothing written: --no-busy preview), check-ins would meet them
    blind = tacal("--config", path, "--today", TODAY, "--no-busy", "build", "-o", "blind.ics")
    assert blind.code == 0, blind.err
    blind_ics = (tmp_path / "blind.ics").read_bytes()
    lock = lock_file()
    lock.unlink()  # start afresh: every series is new
    built = tacal("--config", path, "--today", TODAY, "build", "-o", "out.ics")
    assert built.code == 0, built.err
    ics = (tmp_path / "out.ics").read_bytes()
    # nothing that placement chose (sessions, check-ins, touch-bases) meets a busy block;
    # only the exact-time team cadences may, and those are reported, not moved
    slots = set(_slots(lock.read_text()))
    assert len({u for u in slots if ".check-in." in u}) == 12
    assert len(collisions(blind_ics, slots)) >= 10  # the busy blocks are where they would go
    assert collisions(ics, slots) == []
    assert feed_host.hits["/ana.ics"] == 1  # fetched once for the whole run


def test_a_new_account_s_check_ins_avoid_busy_time_others_keep_their_slots(
    tacal: Callable[..., Result],
    tmp_path: Path,
    feed_host: FeedHost,  # noqa: F811
) -> None:
    path = project(tmp_path, feed_host)
    assert tacal("--config", path, "--today", TODAY, "build", "-o", "out.ics").code == 0
    lock = lock_file()
    before = _slots(lock.read_text())
    path.write_text(
        path.read_text() + '\n[[account]]\nname = "Zephyr Tools"\nta = "ana"\nae = "amy"\n'
        'contacts = ["it@zephyr.example"]\ncheck_in = "weekly"\n'
    )
    again = tacal("--config", path, "--today", TODAY, "build", "-o", "out.ics")
    assert again.code == 0, again.err
    after = _slots(lock.read_text())
    assert {u: s for u, s in after.items() if u in before} == before
    new = "fx.check-in.zephyr-tools@tacal"
    assert new in after
    assert collisions((tmp_path / "out.ics").read_bytes(), {new}) == []


def _slots(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    uid = ""
    for line in text.splitlines():
        if line.startswith("[series."):
            uid = line.split('"')[1]
        elif line.startswith("slot = "):
            out[uid] = line.split('"')[1]
    return out
