"""The Calendar emulator (tests/support/gcal_emulator/) in a child process, for bench_sync.py.

Why a child process: the emulator stands in for Google, which does its work on other
machines. In the benchmark's own process its threads would share the GIL with the client
being measured (rendering a 2,500-event list page is real CPU work), so the client's wall
time would include the server's. Unchanged emulator; this only drives it over a pipe.

Latency is the emulator's own "slow" fault, armed for every outer HTTP request (a batch
counts once, like one round trip to Google): ``latency(0.05)``.
"""

from __future__ import annotations

import multiprocessing as mp
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _serve(conn: Any, root: str) -> None:
    sys.path.insert(0, root)
    from tests.support.gcal_emulator import CalendarEmulator

    em = CalendarEmulator().start()
    conn.send(em.host_port)
    while True:
        cmd, *args = conn.recv()
        if cmd == "latency":
            em.faults.clear()
            if args[0] > 0:
                em.faults.add("slow", count=10**12, scope="request", delay=args[0])
            conn.send(None)
        elif cmd == "users":  # each e-mail calendar id is that user's own calendar
            em.user_calendars = bool(args[0])
            conn.send(None)
        elif cmd == "reset":
            em.reset_log()
            conn.send(None)
        elif cmd == "wipe":
            with em._lock:
                for cal in em.calendars.values():
                    cal.events.clear()
            em.reset_log()
            conn.send(None)
        elif cmd == "stats":
            with em._lock:
                reqs = list(em.requests)
            calls = sum(r.inner_count if r.is_batch else 1 for r in reqs)
            conn.send(
                {
                    "http_requests": em.http_request_count(),
                    "write_calls": em.write_call_count(),
                    "api_calls": calls,
                    "list_requests": sum(
                        1
                        for r in reqs
                        if not r.is_batch and r.method == "GET" and r.path.endswith("/events")
                    ),
                    "batches": sum(1 for r in reqs if r.is_batch),
                    "failed": sum(1 for r in reqs if (r.status or 200) >= 400)
                    + sum(
                        1
                        for r in reqs
                        for c in r.inner
                        if (c.status or 200) >= 400 and c.status not in (404, 409, 410, 412)
                    ),
                }
            )
        elif cmd == "events":
            cid = args[1] if len(args) > 1 else "primary"
            conn.send(len(em.events(cid, include_cancelled=args[0])))
        elif cmd == "stop":
            em.stop()
            conn.send(None)
            return


class EmulatorProcess:
    """``CalendarEmulator().start()`` in a child process; the methods ask it over a pipe."""

    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_serve, args=(child, str(ROOT)), daemon=True)
        self._proc.start()
        self.host_port: str = self._conn.recv()

    def _ask(self, *cmd: Any) -> Any:
        self._conn.send(cmd)
        return self._conn.recv()

    def latency(self, seconds: float) -> None:
        self._ask("latency", seconds)

    def reset_log(self) -> None:
        self._ask("reset")

    def user_calendars(self, on: bool = True) -> None:
        """Every e-mail calendar id is that user's own (``[sync] delegate = true``)."""
        self._ask("users", on)

    def wipe(self) -> None:
        """Forget every event and the request log: an empty calendar again."""
        self._ask("wipe")

    def stats(self) -> dict[str, int]:
        return self._ask("stats")

    def event_count(self, include_cancelled: bool = False, calendar_id: str = "primary") -> int:
        return self._ask("events", include_cancelled, calendar_id)

    def stop(self) -> None:
        if self._proc.is_alive():
            self._ask("stop")
            self._proc.join(timeout=10)

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
