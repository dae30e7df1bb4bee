"""A `tacal invite` killed with SIGKILL mid-run, then run again: every message arrives, and
at most one (the one in flight when the process died) arrives twice."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.conftest import Result
from tests.support.invite_project import FIRST_RUN, TODAY, log_rows, write_config
from tests.support.smtp_server import SmtpServer, smtp  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]


def start_invite(folder: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tacal",
            "--today",
            TODAY,
            "-q",
            "invite",
            "--yes",
            "--send-external",
        ],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_sigkill_mid_run_then_rerun_sends_at_most_one_twice(
    tacal: Callable[..., Result],
    tmp_path: Path,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    write_config(tmp_path, smtp)
    smtp.handler.delay = 0.3  # a slow server: the process is killed while sending
    proc = start_invite(tmp_path)
    try:
        smtp.wait_for(3)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
    assert proc.returncode == -signal.SIGKILL
    # a message whose DATA was on its way when the process died still lands
    smtp.handler.delay = 0.0
    first = len(smtp.received)
    assert 3 <= first < len(FIRST_RUN)
    assert sum(1 for r in log_rows() if r[4] == "pending") <= 1
    result = tacal("--today", TODAY, "invite", "--yes", "--send-external")
    assert result.code == 0, result.err
    got = [m.summary() for m in smtp.received]
    counts = collections.Counter(got)
    assert set(got) == FIRST_RUN
    twice = [m for m, n in counts.items() if n > 1]
    assert len(twice) <= 1, twice
    assert all(n <= 2 for n in counts.values())
    # the re-sent message keeps its Message-ID, so mail clients see one message
    if twice:
        ids = {r.message()["Message-ID"] for r in smtp.received if r.summary() == twice[0]}
        assert len(ids) == 1
    rows = log_rows()
    assert {r[4] for r in rows} == {"sent"}
    assert len(rows) == len(FIRST_RUN)  # the re-sent message kept its row
    smtp.clear()
    again = tacal("--today", TODAY, "invite", "--yes", "--send-external")
    assert again.code == 0, again.err
    assert smtp.received == []
