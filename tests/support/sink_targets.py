"""The two sync targets behind one interface, for the sink contract tests.

Each target starts its real server (the Calendar v3 emulator over HTTP, or Radicale),
makes a fresh :class:`~tacal.sinks.contract.Sink` per run, and offers what a test needs to
act as *another client* of that server (edit an event, plant one tacal did not write) and
to read what the server holds without going through tacal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from tacal.davsink.client import Connection
from tacal.davsink.resources import resources_of
from tacal.davsink.sync import CalDavSink
from tacal.sinks.contract import Outcome, Pick, Scope, SinkPlan
from tacal.sinks.plan import plan_sync
from tests.support.gcal_emulator import CalendarEmulator
from tests.support.radicale_server import PASSWORD, USER, RadicaleServer


class Killed(BaseException):
    """Stands in for the process dying mid-apply: no ``except Exception`` catches it."""


# ---------------------------------------------------------------------- a run
@dataclass
class Run:
    """One sync through the contract: list, plan, apply."""

    plan: SinkPlan
    outcomes: list[Outcome] = field(default_factory=list)
    requests: int = 0

    def kinds(self) -> dict[str, str]:
        return {a.uid: a.kind for a in self.plan.actions}

    def count(self, kind: str) -> int:
        return len(self.plan.of(kind))


class Target:
    """A server holding one calendar, and a sink onto it."""

    name = ""

    def sink(self, cal: Calendar) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def sync(
        self,
        cal: Calendar,
        *,
        dry_run: bool = False,
        overwrite: Pick | None = None,
        allow_deletes: bool = False,
        scope: Scope | None = None,
        between: Callable[[], None] | None = None,
        kill_after: int | None = None,
    ) -> Run:
        """A sync through the contract; ``between`` runs after listing, before applying
        (another client acting meanwhile); ``kill_after`` writes kills the run."""
        sink = self.sink(cal)
        try:
            plan = plan_sync(
                sink.wanted(),
                sink.list(),
                overwrite=overwrite,
                allow_deletes=allow_deletes,
                scope=scope,
            )
            if between is not None:
                between()
            if kill_after is not None:
                self.arm_kill(sink, kill_after)
            outcomes = [] if dry_run else sink.apply(plan)
            return Run(plan, outcomes, sink.requests)
        finally:
            self.close(sink)

    # what each server does differently
    def arm_kill(self, sink: Any, writes: int) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self, sink: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def server_writes(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def reset_log(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def held(self) -> dict[str, str]:  # pragma: no cover - overridden
        """tacal's live objects on the server: UID -> summary, read server-side."""
        raise NotImplementedError

    def edit_summary(self, uid: str, summary: str) -> None:  # pragma: no cover - overridden
        """Another client renames tacal's series ``uid``."""
        raise NotImplementedError

    def add_foreign(self, uid: str, summary: str) -> None:  # pragma: no cover - overridden
        """Another client creates an event tacal did not write."""
        raise NotImplementedError

    def foreign(self) -> dict[str, str]:  # pragma: no cover - overridden
        """Events tacal did not write: UID -> summary."""
        raise NotImplementedError


# -------------------------------------------------------------------- Google
class GoogleTarget(Target):
    name = "google"

    def __init__(self, emulator: CalendarEmulator) -> None:
        self.em = emulator

    def sink(self, cal: Calendar) -> Any:
        from tacal.gcal.auth import build_service
        from tacal.gcal.sink import GoogleSink
        from tacal.gcal.transport import Timing

        bundle = build_service(timeout=10)
        timing = Timing(sleep=lambda s: None, clock=lambda: 0.0, rng=lambda: 0.0)
        return GoogleSink(bundle, cal, "primary", batch_size=1, timing=timing)

    def arm_kill(self, sink: Any, writes: int) -> None:
        http = sink.bundle.http
        real = http.request
        sent = [0]

        def request(uri: str, method: str = "GET", *args: Any, **kw: Any) -> Any:
            if method != "GET":
                if sent[0] >= writes:
                    raise Killed
                sent[0] += 1
            return real(uri, method, *args, **kw)

        http.request = request

    def close(self, sink: Any) -> None:
        sink.bundle.close()

    def server_writes(self) -> int:
        return self.em.write_call_count()

    def reset_log(self) -> None:
        self.em.reset_log()

    def _events(self) -> list[dict[str, Any]]:
        return [e for e in self.em.events() if "recurringEventId" not in e]

    def held(self) -> dict[str, str]:
        out = {}
        for e in self._events():
            private = (e.get("extendedProperties") or {}).get("private") or {}
            if private.get("tacal") == "1":
                out[private["tacalUid"]] = e.get("summary", "")
        return out

    def edit_summary(self, uid: str, summary: str) -> None:
        import httplib2
        from google.auth.credentials import AnonymousCredentials
        from google_auth_httplib2 import AuthorizedHttp
        from googleapiclient.discovery import build

        from tacal.gcal.codec import event_id_for

        http = AuthorizedHttp(AnonymousCredentials(), http=httplib2.Http(timeout=10))
        try:
            service = build(
                "calendar",
                "v3",
                http=http,
                static_discovery=True,
                client_options={"api_endpoint": self.em.api_endpoint},
            )
            service.events().patch(
                calendarId="primary", eventId=event_id_for(uid), body={"summary": summary}
            ).execute()
        finally:
            http.close()
        self.em.reset_log()

    def add_foreign(self, uid: str, summary: str) -> None:
        self.em.put_event(
            "primary",
            {
                "iCalUID": uid,
                "summary": summary,
                "start": {"dateTime": "2027-02-02T10:00:00Z"},
                "end": {"dateTime": "2027-02-02T11:00:00Z"},
            },
        )

    def foreign(self) -> dict[str, str]:
        return {
            e.get("iCalUID", e["id"]): e.get("summary", "")
            for e in self._events()
            if ((e.get("extendedProperties") or {}).get("private") or {}).get("tacal") != "1"
        }


# -------------------------------------------------------------------- CalDAV
class CalDavTarget(Target):
    name = "caldav"

    def __init__(self, server: RadicaleServer) -> None:
        self.server = server
        self.url = server.make_calendar()

    def connection(self) -> Connection:
        return Connection(self.url, username=USER, password=PASSWORD, timeout=10)

    def sink(self, cal: Calendar) -> Any:
        return CalDavSink(self.connection(), resources_of(cal))

    def arm_kill(self, sink: Any, writes: int) -> None:
        conn = sink.connection
        real = conn._request
        sent = [0]

        def request(url: str, method: str, *args: Any, **kw: Any) -> Any:
            if method in ("PUT", "DELETE"):
                if sent[0] >= writes:
                    raise Killed
                sent[0] += 1
            return real(url, method, *args, **kw)

        conn._request = request

    def close(self, sink: Any) -> None:
        sink.connection.close()

    def server_writes(self) -> int:
        return len(self.server.writes())

    def reset_log(self) -> None:
        self.server.reset_log()

    def _objects(self) -> dict[str, Calendar]:
        return {n: Calendar.from_ical(b) for n, b in self.server.objects(self.url).items()}

    def held(self) -> dict[str, str]:
        out = {}
        for cal in self._objects().values():
            master = next(c for c in cal.walk("VEVENT") if c.get("RECURRENCE-ID") is None)
            if master.get("X-TACAL-CHECK") is not None:
                out[str(master["UID"])] = str(master.get("SUMMARY", ""))
        return out

    def _find(self, uid: str) -> tuple[str, bytes]:
        for name, data in self.server.objects(self.url).items():
            if f"UID:{uid}".encode() in data:
                return name, data
        raise AssertionError(f"no object with UID {uid}")

    def edit_summary(self, uid: str, summary: str) -> None:
        import niquests

        name, data = self._find(uid)
        cal = Calendar.from_ical(data)
        for comp in cal.walk("VEVENT"):
            if comp.get("RECURRENCE-ID") is None:
                comp["SUMMARY"] = summary
        with niquests.Session() as s:
            r = s.put(
                self.url + name,
                data=cal.to_ical(),
                headers={"Content-Type": "text/calendar"},
                auth=(USER, PASSWORD),
            )
        assert r.status_code in (201, 204), r.status_code
        self.server.reset_log()

    def add_foreign(self, uid: str, summary: str) -> None:
        import niquests

        cal = Calendar()
        cal.add("prodid", "-//another client//EN")
        cal.add("version", "2.0")
        ev = Event()
        ev.add("uid", uid)
        ev.add("dtstamp", datetime(2027, 1, 1, tzinfo=ZoneInfo("UTC")))
        ev.add("dtstart", datetime(2027, 2, 2, 10, 0, tzinfo=ZoneInfo("UTC")))
        ev.add("dtend", datetime(2027, 2, 2, 11, 0, tzinfo=ZoneInfo("UTC")))
        ev.add("summary", summary)
        cal.add_component(ev)
        with niquests.Session() as s:
            r = s.put(
                self.url + "handmade.ics",
                data=cal.to_ical(),
                headers={"Content-Type": "text/calendar"},
                auth=(USER, PASSWORD),
            )
        assert r.status_code == 201, r.status_code
        self.server.reset_log()

    def foreign(self) -> dict[str, str]:
        out = {}
        for cal in self._objects().values():
            for comp in cal.walk("VEVENT"):
                if comp.get("X-TACAL-CHECK") is None:
                    out[str(comp["UID"])] = str(comp.get("SUMMARY", ""))
        return out
