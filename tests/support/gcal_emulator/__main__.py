"""Run the Calendar emulator on its own: ``python -m tests.support.gcal_emulator --port 8089``.

For trying ``tacal sync`` (or any Calendar v3 client) without a Google account: events
live in memory only and are gone when it stops. Run from the repository root.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.support.gcal_emulator.server import BATCH_PATH, CalendarEmulator
from tests.support.gcal_emulator.store import API_PREFIX

# The switch tacal reads (tacal/gcal/auth.py, EMULATOR_ENV): anonymous credentials, plain
# HTTP, every call to this host. Spelled out here so the emulator never imports tacal.
EMULATOR_ENV = "TACAL_GCAL_EMULATOR_HOST"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.gcal_emulator",
        description="Serve an in-memory Google Calendar API v3 emulator on 127.0.0.1 "
        "(events insert/get/list/update/patch/delete, occurrences, the batch endpoint). "
        "Nothing is written to disk; Ctrl-C stops it.",
        epilog=f"Point tacal at it with {EMULATOR_ENV}=127.0.0.1:PORT, e.g. "
        f"'{EMULATOR_ENV}=127.0.0.1:8089 tacal sync --dry-run': tacal then uses anonymous "
        "credentials and plain HTTP instead of signing in to Google.",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8089,
        help="TCP port to listen on, 127.0.0.1 only; 0 picks a free one (default: %(default)s)",
    )
    parser.add_argument(
        "--time-zone",
        default="America/New_York",
        metavar="ZONE",
        help="IANA time zone of the calendars, used to render times (default: %(default)s)",
    )
    parser.add_argument(
        "--owner",
        default="owner@example.com",
        metavar="EMAIL",
        help="the calendar owner: organizer and creator of every event (default: %(default)s)",
    )
    parser.add_argument(
        "--calendar",
        action="append",
        default=[],
        metavar="ID",
        help="a calendar besides 'primary' (repeatable)",
    )
    parser.add_argument(
        "--user-calendars",
        action="store_true",
        help="every e-mail calendar id is that user's own calendar, organizer of its events "
        "(for `[sync] delegate = true`: each series in its organizer's calendar)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, not {args.port}")
    try:
        ZoneInfo(args.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        parser.error(f"--time-zone {args.time_zone!r} is not an IANA time zone")
    emulator = CalendarEmulator(time_zone=args.time_zone, owner=args.owner)
    emulator.user_calendars = args.user_calendars
    for calendar_id in args.calendar:
        emulator.add_calendar(calendar_id)
    try:
        emulator.start(args.port)
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    # A plain `kill` stops it as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    host = emulator.host_port
    calendars = ", ".join(["primary", *args.calendar])
    print(f"Google Calendar API v3 emulator: http://{host}{API_PREFIX}", flush=True)
    print(f"  batch endpoint: http://{host}{BATCH_PATH}", flush=True)
    print(f"  calendars: {calendars} (owner {args.owner}, {args.time_zone})", flush=True)
    if args.user_calendars:
        print("  and each user's own: calendar id = their e-mail address", flush=True)
    print(f"  point tacal at it: export {EMULATOR_ENV}={host}", flush=True)
    print("  Ctrl-C stops it (events are kept in memory only)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
