"""Benchmark 6: `tacal invite` sending to a local SMTP server, beside plain smtplib.

    python bench/bench_invite.py [--sizes 10,100] [--quick]

For each size (accounts, bench/gen.py's config): the series are built and stamped beforehand
(not timed: bench_build_preview.py measures that); then, timed, the plan is made and every
message is built (iTIP calendar + MIME), written ahead to the SQLite send log, sent over one
connection and marked sent, exactly as ``tacal invite --yes --send-external`` does, with
pacing off (``max_per_minute`` at its maximum); then a no-op re-run (plan only: nothing
changed). The floor sends the same number of already-built messages of the same size with
plain ``smtplib`` over one connection: no calendar building, no log.

The server is aiosmtpd (tests/support/smtp_server.py) on 127.0.0.1 in this process, on its
own thread. Pacing is what a user waits for in practice: at the default 30 messages a minute
a run of N messages takes N/30 minutes whatever the figures below say.
"""

from __future__ import annotations

import argparse
import smtplib
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from gen import generate  # noqa: E402

TODAY = "2026-11-24"


def _tacal_run(config_path: Path, state: Path, port: int) -> tuple[int, float, float]:
    """(messages, seconds for the first run, seconds for the no-op re-run)."""
    from tacal import clock
    from tacal import config as config_mod
    from tacal.ical.calendar import stamps_for
    from tacal.invite.log import SendLog
    from tacal.invite.run import plan_invites, send_plan
    from tacal.invite.smtp import Sender, Server
    from tacal.series import build_series

    config = config_mod.load(config_path)
    today = clock.parse_today(TODAY)
    now = clock.now(TODAY)
    series = build_series(config, today)
    stamps = stamps_for(config, series, now)
    times = []
    sent = 0
    for _ in range(2):
        started = time.perf_counter()
        with (
            SendLog(state) as log,
            Sender(Server("127.0.0.1", port, "none"), max_per_minute=10000) as sender,
        ):
            plan = plan_invites(
                config,
                series,
                all_series=series,
                stamps=stamps,
                state=log.state(),
                send_external=True,
            )
            report = send_plan(config, plan, stamps=stamps, log=log, sender=sender, now=lambda: now)
            sent = sent or len(report.sent)
        times.append(time.perf_counter() - started)
    return sent, times[0], times[1]


def _floor(port: int, count: int, size: int) -> float:
    body = b"x" * max(size - 200, 10)
    data = (
        b"From: a@team.example\r\nTo: b@team.example\r\nSubject: floor\r\n\r\n"
        + b"\r\n".join(body[i : i + 76] for i in range(0, len(body), 76))
        + b"\r\n"
    )
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as conn:
        for _ in range(count):
            conn.sendmail("a@team.example", ["b@team.example"], data)
    return time.perf_counter() - started


def main() -> None:
    from tests.support.smtp_server import smtp_server

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,100")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10 accounts, one repeat")
    args = parser.parse_args()
    sizes = [10] if args.quick else [int(s) for s in args.sizes.split(",")]
    repeat = 1 if args.quick else args.repeat
    print(
        "| accounts | messages | tacal first run | per message | no-op re-run | "
        "smtplib floor | per message | tacal/floor |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for n in sizes:
        firsts, noops, floors = [], [], []
        messages = 0
        for _ in range(repeat):
            with tempfile.TemporaryDirectory() as tmp, smtp_server() as server:
                folder = Path(tmp)
                config_path = folder / "tacal.toml"
                config_path.write_text(generate(n))
                messages, first, noop = _tacal_run(
                    config_path, folder / "invites.sqlite", server.port
                )
                size = statistics.median(len(r.data) for r in server.received)
                floors.append(_floor(server.port, messages, int(size)))
                firsts.append(first)
                noops.append(noop)
        f, z, fl = statistics.median(firsts), statistics.median(noops), statistics.median(floors)
        print(
            f"| {n} | {messages} | {f:.2f} s | {1000 * f / messages:.1f} ms | {z:.2f} s | "
            f"{fl:.2f} s | {1000 * fl / messages:.1f} ms | {f / fl:.1f}x |"
        )


if __name__ == "__main__":
    main()
