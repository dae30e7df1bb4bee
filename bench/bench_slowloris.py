"""Benchmark 5: `tacal serve` answering feed requests while slow clients hold connections open.

    python bench/bench_slowloris.py [--half-open 500] [--requests 20] [--trickle SECONDS]
                                    [--hold SECONDS] [--timeout 10] [--server-python PATH]

``tacal serve`` (a subprocess, as shipped) serves tests/fixtures/feeds.toml. The attacker
opens --half-open connections, each sending an incomplete request head
(``GET /team.ics HTTP/1.1\\r\\nHost: x\\r\\n``) and then nothing (or, with --trickle S, one more
header byte every S seconds, which defeats a plain idle timeout). While they are held, a
client makes --requests legitimate ``GET /team.ics`` requests one after the other, each on a
new connection with a --timeout second limit, and the latency of each is recorded, measured
from the connect to the last byte of the feed. The attack keeps running for --hold seconds
after the first legitimate request (reconnecting whatever the server closes, as a real
slowloris does), so timeouts inside the server are exercised too. --server-python runs the
server with another interpreter (say, a venv with an older tacal installed), for before/after.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HEAD = b"GET /team.ics HTTP/1.1\r\nHost: x\r\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def legit(port: int, timeout: float) -> float | None:
    """Seconds for one complete GET /team.ics on a new connection, None on timeout/error."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(max(0.01, timeout - (time.monotonic() - started)))
            sock.sendall(b"GET /team.ics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            raw = b""
            while chunk := sock.recv(65536):
                raw += chunk
                sock.settimeout(max(0.01, timeout - (time.monotonic() - started)))
    except OSError:
        return None
    if not raw.startswith(b"HTTP/1.1 200 ") or not raw.rstrip().endswith(b"END:VCALENDAR"):
        return None
    return time.monotonic() - started


class Attacker:
    """Holds ``count`` half-open connections, reopening any the server closes."""

    def __init__(self, port: int, count: int, trickle: float | None) -> None:
        self.port, self.count, self.trickle = port, count, trickle
        self.stop = threading.Event()
        self.socks: list[socket.socket | None] = [None] * count
        self.reopened = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _open(self, i: int) -> None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(HEAD)
            sock.setblocking(False)
            self.socks[i] = sock
        except OSError:
            self.socks[i] = None

    def start(self) -> None:
        for i in range(self.count):
            self._open(i)
        self.thread.start()

    def _run(self) -> None:
        last_trickle = time.monotonic()
        while not self.stop.wait(0.2):
            trickle = self.trickle is not None and time.monotonic() - last_trickle >= self.trickle
            if trickle:
                last_trickle = time.monotonic()
            for i, sock in enumerate(self.socks):
                if self.stop.is_set():
                    return
                alive = sock is not None
                if sock is not None:
                    try:
                        if sock.recv(1, socket.MSG_PEEK) == b"":
                            alive = False  # closed by the server
                    except BlockingIOError:
                        pass
                    except OSError:
                        alive = False
                    if alive and trickle:
                        try:
                            sock.send(b"X")
                        except OSError:
                            alive = False
                if not alive:
                    if sock is not None:
                        sock.close()
                    self.reopened += 1
                    self._open(i)

    def open_now(self) -> int:
        return sum(1 for s in self.socks if s is not None)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        for sock in self.socks:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--half-open", type=int, default=500)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--trickle", type=float, default=None, metavar="SECONDS")
    parser.add_argument(
        "--hold",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="keep attacking (and requesting) at least this long",
    )
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--server-python", default=sys.executable, metavar="PATH")
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.half_open + 256
    if soft < want and (hard == resource.RLIM_INFINITY or hard >= want):
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "tacal.toml"
        conf.write_bytes((ROOT / "tests" / "fixtures" / "feeds.toml").read_bytes())
        env = {**os.environ, "TACAL_TODAY": "2027-01-04", "XDG_STATE_HOME": tmp}
        proc = subprocess.Popen(
            [
                args.server_python,
                "-m",
                "tacal",
                "-q",
                "--config",
                str(conf),
                "serve",
                "--port",
                str(port),
                "--state-dir",
                str(Path(tmp) / "st"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=tmp,
        )  # so that -m tacal is the server python's own tacal
        try:
            deadline = time.monotonic() + 60
            while legit(port, 2) is None:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("server did not start")
                time.sleep(0.2)
            baseline = [t for t in (legit(port, args.timeout) for _ in range(5)) if t]
            attacker = Attacker(port, args.half_open, args.trickle)
            attacker.start()
            time.sleep(0.5)
            started = time.monotonic()
            latencies: list[float | None] = []
            while len(latencies) < args.requests or time.monotonic() - started < args.hold:
                latencies.append(legit(port, args.timeout))
                time.sleep(0.1)
            held = attacker.open_now()
            reopened = attacker.reopened
            attacker.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    ok = [t for t in latencies if t is not None]
    failed = len(latencies) - len(ok)
    mode = f"trickle every {args.trickle:g} s" if args.trickle else "idle"
    print(
        f"half-open connections: {args.half_open} ({mode}); still open at the end: {held}; "
        f"reopened after the server closed them: {reopened}"
    )
    print(f"no attack: median {statistics.median(baseline) * 1000:.1f} ms")
    print(
        f"under attack: {len(latencies)} requests over "
        f"{time.monotonic() - started:.1f} s, {failed} failed or over {args.timeout:g} s"
    )
    if ok:
        print(
            f"  latency: median {statistics.median(ok) * 1000:.1f} ms, max {max(ok) * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
