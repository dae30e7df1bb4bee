"""``tacal serve``: runs :class:`~tacal.feeds.app.FeedApp` under waitress, hardened against
slow and idle clients.

waitress is a production WSGI server with no dependencies outside the standard library: one
event loop reads requests and a fixed pool of worker threads (``--threads``) runs the app.
Its defaults let a hundred idle connections stop a server: it accepts at most 100 connections
(``connection_limit``) and closes an idle one only after 120 s (``channel_timeout``, checked
every 30 s), and a client that sends one header byte every few seconds is never idle at all
(slowloris). Measured on the shipped defaults: with 500 half-open connections held, every
legitimate request waited over 10 s (bench/bench_slowloris.py, bench/RESULTS.md). Here:

- **Enough slots**: up to :attr:`Limits.connections` (1,000) connections, polled with
  ``poll()`` (``select()`` stops at 1,024 descriptors), with the process's open-file limit
  raised to fit when the hard limit allows (else fewer slots).
- **Deadlines**: a connection must deliver a complete request within
  :attr:`Limits.request_timeout` (10 s) of connecting, or of the first byte of its next
  request; trickling bytes does not extend it. A kept-alive connection idle for
  :attr:`Limits.idle_timeout` (30 s) is closed. Both are checked every second.
- **Eviction when full**: when every slot is taken, the connections that made no progress
  for longest (no complete request since they opened or since their last one) and are not
  being answered are closed to make room, instead of leaving new clients in the listen
  queue. A legitimate client sends its whole request at once, so it is only ever evicted
  while idle between requests, which HTTP allows.
- **No request bodies**: feeds are GET/HEAD only, so any body (a Content-Length above 0 or
  a chunked body, on any method) is refused with 413 before it is read (waitress spooled up
  to 1 GiB of it to disk).

No thread is started per connection and nothing here blocks the event loop.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from tacal.errors import TacalError

log = logging.getLogger("tacal.server")

#: Descriptors kept free beside the connection slots (state files, templates, the trigger).
_SPARE_FDS = 128


@dataclass(frozen=True)
class Limits:
    """How the server protects itself from clients that hold connections open."""

    connections: int = 1000
    #: seconds a connection has to deliver one complete request (from connect, or from the
    #: first byte of a later request on a kept-alive connection)
    request_timeout: float = 10.0
    #: seconds a kept-alive connection may sit idle between requests
    idle_timeout: int = 30
    #: every this many seconds the deadlines are checked (whole seconds: a waitress setting)
    check_every: int = 1


#: What ``tacal serve`` runs with.
DEFAULT_LIMITS = Limits()


class GuardedChannel(HTTPChannel):
    """A waitress channel that remembers when its current request began to arrive."""

    #: when the request now being received began (connect time for the first one); None
    #: while the connection sits idle between requests
    head_started: float | None
    #: when the connection opened or last completed a request: eviction closes the oldest
    progress_at: float

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.head_started = self.progress_at = self.creation_time

    def received(self, data: bytes) -> bool:
        if self.head_started is None:
            self.head_started = time.time()
        queued = len(self.requests)
        result = bool(super().received(data))
        if self.request is None:  # every byte so far belonged to complete requests
            self.head_started = None
            self.progress_at = time.time()
        elif len(self.requests) > queued:  # pipelined: the next one began with these bytes
            self.head_started = self.progress_at = time.time()
        return result


class GuardedServer(TcpWSGIServer):
    """waitress's TCP server with request deadlines and eviction of stalled connections."""

    channel_class = GuardedChannel
    request_timeout = Limits.request_timeout
    _last_eviction_log = 0.0

    @property
    def socket_map(self) -> dict[int, Any]:
        """The event loop's map of every socket (shared by all listening servers)."""
        return self._map  # type: ignore[attr-defined,no-any-return]  # not in the stubs

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # type: ignore[arg-type]  # idle kept-alive connections
        cutoff = now - self.request_timeout
        channels: dict[int, Any] = self.active_channels  # type: ignore[assignment]
        for channel in list(channels.values()):
            started = getattr(channel, "head_started", None)
            if not channel.requests and started is not None and started < cutoff:
                channel.will_close = True

    def readable(self) -> bool:
        if self.accepting and len(self.socket_map) >= self.adj.connection_limit:
            self._evict()
        return bool(super().readable())

    def _evict(self) -> None:
        """Close the stalled connections that made no progress for longest, so that new
        clients are accepted (a twentieth of the slots at a time)."""
        channels = [c for c in self.socket_map.values() if isinstance(c, GuardedChannel)]
        closing = sum(1 for c in channels if c.will_close)
        want = len(self.socket_map) - self.adj.connection_limit + 1
        want += max(1, self.adj.connection_limit // 20) - closing
        if want <= 0:
            return
        idle = sorted(
            (c for c in channels if not c.requests and not c.will_close),
            key=lambda c: c.progress_at,
        )
        for channel in idle[:want]:
            channel.will_close = True
        now = time.monotonic()
        if idle and now - self._last_eviction_log > 60:
            GuardedServer._last_eviction_log = now
            log.warning(
                "all %d connection slots in use: closing the %d that waited longest "
                "without sending a request",
                self.adj.connection_limit,
                min(want, len(idle)),
            )


def connection_slots(wanted: int) -> int:
    """Raise the open-file limit to fit ``wanted`` connections if the hard limit allows;
    the number of connections that fit."""
    try:
        import resource
    except ImportError:  # not on POSIX: leave the limits alone
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = wanted + _SPARE_FDS
    if soft != resource.RLIM_INFINITY and soft < need:
        target = need if hard == resource.RLIM_INFINITY else min(need, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(16, min(wanted, soft - _SPARE_FDS))


class FeedServer:
    """One or more listening sockets (``localhost`` may be two) sharing one event loop."""

    def __init__(
        self,
        servers: list[GuardedServer],
        socket_map: dict[int, Any],
        dispatcher: ThreadedTaskDispatcher,
        loop_timeout: float,
    ) -> None:
        self.servers = servers
        self.map = socket_map
        self.dispatcher = dispatcher
        self.loop_timeout = loop_timeout

    @property
    def port(self) -> int:
        return int(self.servers[0].effective_port)  # type: ignore[attr-defined]

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C) or :meth:`stop`."""
        try:
            wasyncore.loop(timeout=self.loop_timeout, map=self.map, use_poll=True)
        except (SystemExit, KeyboardInterrupt):
            self.dispatcher.shutdown()

    def stop(self) -> None:
        """From another thread: close every socket inside the loop (closing them from here
        races its poll()), which then returns; then stop the worker threads."""
        try:
            trigger: Any = self.servers[0].trigger
            trigger.pull_trigger(lambda: wasyncore.close_all(self.map))
        except OSError:  # the trigger is gone, so is the loop: close what is left
            wasyncore.close_all(self.map)

    def shutdown(self) -> None:
        self.dispatcher.shutdown()


def make_server(
    app: Callable[..., Any],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    sockets: Sequence[socket.socket] = (),
    threads: int = 8,
    limits: Limits = DEFAULT_LIMITS,
    loop_timeout: float = 1.0,
) -> FeedServer:
    """A server for ``app`` on ``host:port``, or on already bound ``sockets``."""
    where: dict[str, Any] = {"sockets": list(sockets)} if sockets else {"host": host, "port": port}
    adj = Adjustments(
        **where,
        threads=threads,
        ident="tacal",
        connection_limit=connection_slots(limits.connections),
        channel_timeout=limits.idle_timeout,
        cleanup_interval=limits.check_every,
        max_request_body_size=0,
        asyncore_use_poll=True,
        asyncore_loop_timeout=loop_timeout,
    )
    socket_map: dict[int, Any] = {}
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(threads)
    servers: list[GuardedServer] = []
    try:
        if adj.sockets:
            for sock in adj.sockets:
                servers.append(
                    GuardedServer(
                        app,
                        socket_map,
                        True,
                        sock,
                        dispatcher=dispatcher,
                        adj=adj,
                        bind_socket=False,
                        sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
                    )
                )
        else:
            for sockinfo in adj.listen:
                servers.append(
                    GuardedServer(
                        app,
                        socket_map,
                        dispatcher=dispatcher,
                        adj=adj,
                        sockinfo=sockinfo,  # type: ignore[arg-type]
                    )
                )
    except BaseException:
        wasyncore.close_all(socket_map)
        dispatcher.shutdown()
        raise
    for server in servers:
        server.request_timeout = limits.request_timeout
    return FeedServer(servers, socket_map, dispatcher, loop_timeout)


def run(
    app: Callable[..., Any],
    host: str,
    port: int,
    *,
    threads: int = 8,
    on_listen: Callable[[str], None] = lambda url: None,
) -> None:
    """Serve until interrupted."""
    try:
        server = make_server(app, host=host, port=port, threads=threads)
    except OSError as exc:
        raise TacalError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            hint="pick another --port, or stop what is using it",
        ) from None
    on_listen(http_address(host, server.port))
    server.run()


def http_address(host: str, port: int) -> str:
    """``http://host:port`` with IPv6 literals bracketed."""
    return f"http://{f'[{host}]' if ':' in host else host}:{port}"
