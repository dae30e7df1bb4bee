"""Benchmark 6: `tacal sync --caldav` against a real Radicale beside the caldav package's
own object API.

    python bench/bench_caldav.py [--sizes 10,100]

For each size (accounts of the generated config, bench/gen.py): a first sync into an empty
calendar, a no-op re-sync and a re-sync after one series changed (the "Vitally Traits
Review" is renamed), each through ``tacal.davsink.sync.sync`` with a fresh connection, as
``tacal sync --caldav`` runs it (the calendar is built beforehand and not timed). The floor
writes the same objects with ``caldav``'s ``Calendar.save_event`` (one PUT each, what a
script using the package would do) into a second calendar, then lists them back with
``Calendar.events()``, the least a client must read to know what a calendar holds. Radicale
runs in a child process (no sign-in, filesystem storage in a temporary folder) so that its
CPU is not charged to the client.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_sync import calendar_of, changed  # noqa: E402
from gen import generate  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Radicale:
    """``python -m radicale`` in a child process on a free port."""

    def __init__(self, folder: Path) -> None:
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "radicale",
                "--server-hosts",
                f"127.0.0.1:{self.port}",
                "--storage-filesystem-folder",
                str(folder),
                "--auth-type",
                "none",
                "--logging-level",
                "error",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("radicale did not start")

    def calendar(self, name: str) -> str:
        import niquests

        url = f"http://127.0.0.1:{self.port}/bench/{name}/"
        with niquests.Session() as s:
            r = s.request("MKCALENDAR", url, auth=("bench", ""))
        assert r.status_code == 201, r.status_code
        return url

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def timed_sync(cal: object, url: str) -> tuple[float, int, int, int]:
    from tacal.davsink.client import Connection
    from tacal.davsink.sync import sync

    conn = Connection(url, username="bench", password="x")
    start = time.perf_counter()
    run = sync(cal, conn, allow_deletes=True)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    conn.close()
    assert run.ok
    return seconds, conn.requests, conn.writes, len(run.plan.actions)


def floor(cal: object, url: str) -> tuple[float, float, int]:
    from caldav.davclient import DAVClient

    from tacal.davsink.resources import resources_of

    objects = [r.data.decode() for r in resources_of(cal)]  # type: ignore[arg-type]
    client = DAVClient(url=url, username="bench", password="x", enable_rfc6764=False)
    calendar = client.calendar(url=url)
    start = time.perf_counter()
    for data in objects:
        calendar.save_event(data)
    writes = time.perf_counter() - start
    start = time.perf_counter()
    listed = calendar.events()
    listing = time.perf_counter() - start
    client.close()
    return writes, listing, len(listed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100")
    args = parser.parse_args()
    print(
        "| accounts | series | first sync (PUTs) | re-sync, nothing changed | one changed"
        " | floor: save_event each | floor: events() |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            os.environ["TACAL_LOCK_DIR"] = str(work / "locks")
            text = generate(size)
            cal = calendar_of(text, work)
            cal2 = calendar_of(changed(text), work)
            server = Radicale(work / "store")
            try:
                url = server.calendar("tacal")
                first = timed_sync(cal, url)
                again = timed_sync(cal, url)
                one = timed_sync(cal2, url)
                f_writes, f_list, n = floor(cal, server.calendar("floor"))
            finally:
                server.stop()
        print(
            f"| {size} | {first[3]} | {first[0]:.2f} s, {first[1]} req, {first[2]} writes"
            f" | {again[0]:.2f} s, {again[1]} req, {again[2]} writes"
            f" | {one[0]:.2f} s, {one[1]} req, {one[2]} writes"
            f" | {f_writes:.2f} s ({n} objects) | {f_list:.2f} s |"
        )


if __name__ == "__main__":
    main()
