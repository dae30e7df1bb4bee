"""Benchmark 4: `tacal serve` beside Python's static file server, serving the same team feed.

    python bench/bench_feeds.py [--sizes 100,1000] [--clients 4] [--seconds 5] [--quick]

For each size: a config from bench/gen.py with ``[feeds] team = "public"``; ``tacal publish``
writes the feeds to a folder, ``tacal serve`` (a subprocess, as shipped: waitress, 8 threads)
serves them from memory, and the floor serves the published folder with
``http.server.ThreadingHTTPServer`` + ``SimpleHTTPRequestHandler`` (bench/_static_server.py:
HTTP/1.1 keep-alive, no access log). ``python -m http.server`` exactly as shipped (HTTP/1.0,
a new connection per request, access log) is measured too, for reference.

The same client drives every server: --clients threads, each with one keep-alive
``http.client`` connection, requesting ``/team.ics`` back to back for --seconds (after a
second of warm-up), reading every body and checking status and length. "full" sends no
Accept-Encoding (identity bytes, what the stdlib server can do); "304" sends the
``If-Modified-Since`` each server gave in its own Last-Modified (the stdlib server ignores
If-Modified-Since when If-None-Match is present, so the ETag is not sent). "gzip" is tacal
only (the stdlib server cannot compress). "CPU ms/req" is the server process's own CPU time
(/proc) over the window divided by the requests served: it does not depend on whether the
client or the server is the bottleneck on this 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen import generate  # noqa: E402

TODAY = "2026-11-24"
FEED = "/team.ics"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get(
    port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 60.0
) -> tuple[http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp, resp.read()
    finally:
        conn.close()


def wait_ready(proc: subprocess.Popen[bytes], port: int, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                f"server exited with {proc.returncode}: "
                f"{proc.stderr.read().decode()[-2000:] if proc.stderr else ''}"
            )
        try:
            if get(port, FEED, timeout=5)[0].status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} not ready after {timeout:.0f} s")


class Server:
    """A server subprocess on a free port; stopped (by its own pid) on exit."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [a.replace("{port}", str(self.port)) for a in args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        wait_ready(self.proc, self.port)

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@dataclass
class Load:
    rps: float
    cpu_ms: float  # server CPU per request
    client_cpu: float  # client process CPU / wall, 1.0 = one core busy
    connects: float  # TCP connections the clients opened per request


class _Conn(http.client.HTTPConnection):
    """http.client's connection, counting the TCP connections it opens (it reconnects by
    itself when the server closed the previous one)."""

    opened = 0

    def connect(self) -> None:
        type(self).opened += 1
        super().connect()


def load(
    server: Server,
    headers: dict[str, str],
    status: int,
    length: int | None,
    clients: int,
    seconds: float,
    *,
    keep_alive: bool = True,
    warmup: float = 1.0,
) -> Load:
    """``clients`` threads request FEED back to back (on one keep-alive connection each, or
    a new connection per request); requests/second counted over ``seconds`` after
    ``warmup``, with the server's CPU over the same window."""
    stop = threading.Event()
    counting = threading.Event()
    counts = [0] * clients
    errors: list[str] = []

    def worker(i: int) -> None:
        conn = _Conn("127.0.0.1", server.port, timeout=60)
        try:
            while not stop.is_set():
                conn.request("GET", FEED, headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != status or (length is not None and len(body) != length):
                    errors.append(f"{resp.status} with {len(body)} bytes")
                    return
                if not keep_alive:
                    conn.close()
                if counting.is_set():
                    counts[i] += 1
        except (OSError, http.client.HTTPException) as exc:
            errors.append(repr(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(warmup)
    cpu0, mine0, t0 = cpu_seconds(server.proc.pid), time.process_time(), time.perf_counter()
    opened0 = _Conn.opened
    counting.set()
    time.sleep(seconds)
    counting.clear()
    elapsed = time.perf_counter() - t0
    cpu = cpu_seconds(server.proc.pid) - cpu0
    mine = time.process_time() - mine0
    opened = _Conn.opened - opened0
    stop.set()
    for t in threads:
        t.join(timeout=60)
    if errors:
        raise SystemExit(f"port {server.port}: {errors[0]}")
    done = sum(counts)
    return Load(
        done / elapsed,
        cpu / done * 1000 if done else 0.0,
        mine / elapsed,
        opened / done if done else 0.0,
    )


def validators(server: Server) -> tuple[int, dict[str, str]]:
    """Length of the identity body and the If-Modified-Since header that gets a 304."""
    first, body = get(server.port, FEED)
    modified = first.getheader("Last-Modified")
    if not modified:
        raise SystemExit(f"port {server.port} sent no Last-Modified")
    ims = {"If-Modified-Since": modified}
    if get(server.port, FEED, ims)[0].status != 304:
        raise SystemExit(f"port {server.port} does not answer If-Modified-Since with 304")
    return len(body), ims


def run_tacal(args: list[str], env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tacal", *args], capture_output=True, env=env, check=False
    )
    if proc.returncode:
        raise SystemExit(f"tacal {' '.join(args)} failed:\n{proc.stderr.decode()[-2000:]}")


KINDS = (  # label, keep-alive, sends validators, asks for gzip
    ("full", True, False, False),
    ("304", True, True, False),
    ("304, new connection each", False, True, False),
    ("gzip (tacal only)", True, False, True),
)
PLAIN = tuple(k for k in KINDS if not k[3])


def requests_for(server: Server) -> dict[str, tuple[dict[str, str], int, int, bool]]:
    """{label: (headers, expected status, expected body bytes, keep-alive)} for one server."""
    size, ims = validators(server)
    zipped = len(get(server.port, FEED, {"Accept-Encoding": "gzip"})[1])
    out = {}
    for label, keep_alive, conditional, gzip in KINDS:
        if conditional:
            out[label] = (ims, 304, 0, keep_alive)
        elif gzip:
            out[label] = ({"Accept-Encoding": "gzip"}, 200, zipped, keep_alive)
        else:
            out[label] = ({}, 200, size, keep_alive)
    return out


def median_load(loads: list[Load]) -> Load:
    mid = sorted(loads, key=lambda x: x.rps)[len(loads) // 2]
    return Load(
        mid.rps,
        statistics.median(x.cpu_ms for x in loads),
        max(x.client_cpu for x in loads),
        statistics.median(x.connects for x in loads),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0, help="per window [3]")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds; each round measures every server once, in turn [3]",
    )
    parser.add_argument(
        "--quick", action="store_true", help="100 accounts, one round of 2-second windows"
    )
    args = parser.parse_args()
    sizes = [100] if args.quick else [int(x) for x in args.sizes.split(",")]
    seconds = 2.0 if args.quick else args.seconds
    repeat = 1 if args.quick else args.repeat
    console = Console()
    table = Table(
        title=f"Feed serving, /team.ics, {args.clients} clients (http.client): tacal "
        "serve vs http.server (HTTP/1.1) on the published file; median of "
        f"{repeat} x {seconds:g} s"
    )
    for col in (
        "accounts",
        "request",
        "body bytes",
        "tacal req/s",
        "floor req/s",
        "ratio",
        "tacal CPU ms/req",
        "floor CPU ms/req",
        "tacal conn/req",
        "floor conn/req",
        "-m http.server req/s",
    ):
        table.add_column(col, justify="right")
    notes: list[str] = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as d, contextlib.ExitStack() as stack:
            work = Path(d)
            env = dict(
                os.environ,
                XDG_STATE_HOME=str(work / "state"),
                XDG_CONFIG_HOME=str(work / "xdg"),
                COLUMNS="200",
            )
            env.pop("TACAL_CONFIG", None)
            env.pop("TACAL_TODAY", None)
            config = work / "tacal.toml"
            config.write_text(generate(n) + '\n[feeds]\nteam = "public"\n')
            published = work / "public"
            run_tacal(
                [
                    "--config",
                    str(config),
                    "--today",
                    TODAY,
                    "-q",
                    "publish",
                    str(published),
                    "--base-url",
                    "http://127.0.0.1:8080",
                ],
                env,
            )
            servers = {
                "tacal": stack.enter_context(
                    Server(
                        [
                            sys.executable,
                            "-m",
                            "tacal",
                            "--config",
                            str(config),
                            "--today",
                            TODAY,
                            "-q",
                            "serve",
                            "--port",
                            "{port}",
                            "--state-dir",
                            str(work / "serve-state"),
                        ],
                        env,
                    )
                ),
                "floor": stack.enter_context(
                    Server(
                        [sys.executable, str(HERE / "_static_server.py"), str(published), "{port}"],
                        env,
                    )
                ),
                "shipped": stack.enter_context(
                    Server(
                        [
                            sys.executable,
                            "-m",
                            "http.server",
                            "{port}",
                            "--bind",
                            "127.0.0.1",
                            "--directory",
                            str(published),
                        ],
                        env,
                    )
                ),
            }
            if get(servers["tacal"].port, FEED)[1] != (published / "team.ics").read_bytes():
                notes.append(f"{n} accounts: served and published team.ics differ")
            plans = {name: requests_for(server) for name, server in servers.items()}
            runs: dict[tuple[str, str], list[Load]] = {}
            for _ in range(repeat):
                for label, *_ in KINDS:
                    for name, server in servers.items():
                        if name != "tacal" and label not in dict((k[0], k) for k in PLAIN):
                            continue
                        headers, status, nbytes, keep_alive = plans[name][label]
                        runs.setdefault((name, label), []).append(
                            load(
                                server,
                                headers,
                                status,
                                nbytes,
                                args.clients,
                                seconds,
                                keep_alive=keep_alive,
                            )
                        )
        result = {key: median_load(loads) for key, loads in runs.items()}
        for label, *_ in KINDS:
            t = result["tacal", label]
            f = result.get(("floor", label))
            s = result.get(("shipped", label))
            nbytes = plans["tacal"][label][2]
            table.add_row(
                str(n),
                label,
                f"{nbytes:,}",
                f"{t.rps:,.0f}",
                f"{f.rps:,.0f}" if f else "-",
                f"{t.rps / f.rps:.2f}x" if f else "-",
                f"{t.cpu_ms:.2f}",
                f"{f.cpu_ms:.2f}" if f else "-",
                f"{t.connects:.2f}",
                f"{f.connects:.2f}" if f else "-",
                f"{s.rps:,.0f}" if s else "-",
            )
        table.add_section()
        busiest = max(x.client_cpu for x in result.values())
        console.print(
            f"measured {n} accounts (client process CPU up to {busiest:.0%} of a core)", style="dim"
        )
    console.print(table)
    for note in notes:
        console.print(note, style="yellow")


if __name__ == "__main__":
    main()
