"""The HTTP side of the CalDAV sink: one ``caldav.DAVClient``, the listing REPORT and the
conditional writes, each request counted.

Why the requests are written out here instead of using ``caldav``'s object API: tacal
needs exactly one listing request that returns every object's ETag *and* data (RFC 4791
calendar-query with ``getetag`` and ``calendar-data``), and writes that carry
``If-None-Match: *`` / ``If-Match`` and report a 412 instead of retrying or overwriting.
``caldav`` still does the work that is easy to get wrong: authentication (Basic or Digest
negotiated from the server's 401), the session, the multistatus parsing, rate-limit
answers (429/503 with ``Retry-After``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from tacal.errors import SyncError

__all__ = ["Connection", "Listed", "WriteResult", "check_url"]

#: calendar-query for every VEVENT object, with its ETag and data (RFC 4791 7.8)
LISTING = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/>'
    "</C:comp-filter></C:filter></C:calendar-query>"
)
_LOOPBACK = ("127.0.0.1", "::1", "localhost")
_GOOGLE_DAV = ("apidata.googleusercontent.com", "calendar.google.com")


def check_url(url: str) -> str:
    """The calendar collection URL, ending in ``/``; plain ``http`` only on this machine
    (a password must not cross a network in the clear)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SyncError(
            f"CalDAV URL {url!r} is not an http(s) address",
            hint="give the calendar's collection URL, e.g. "
            "https://dav.example.com/calendars/ann/work/",
        )
    if parts.scheme == "http" and (parts.hostname or "") not in _LOOPBACK:
        raise SyncError(
            f"CalDAV URL {url!r} is plain http",
            hint="use https (http only for a server on this machine)",
        )
    host = (parts.hostname or "").lower()
    if host in _GOOGLE_DAV or (host == "www.google.com" and parts.path.startswith("/calendar/dav")):
        raise SyncError(
            f"{url!r} is Google Calendar's CalDAV endpoint",
            hint="sync to Google with `tacal sync` without --caldav (the Calendar API): "
            "Google's CalDAV does not let tacal update the objects it created",
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise SyncError(
            f"CalDAV URL {parts.scheme}://{parts.hostname}{parts.path} has a query, "
            "fragment or credentials in it",
            hint="give the plain collection URL; the user name goes in --caldav-user or "
            "[sync] username, the password in $TACAL_CALDAV_PASSWORD",
        )
    return url if url.endswith("/") else url + "/"


@dataclass(frozen=True)
class Listed:
    """One object of the listing: its URL, ETag and data."""

    url: str
    etag: str | None
    data: str


@dataclass(frozen=True)
class WriteResult:
    """A write's outcome: ``done``, ``conflict`` (412: changed meanwhile), ``gone`` (404 on
    a delete) or ``failed``, with the HTTP status."""

    outcome: str
    status: int
    detail: str = ""


class Connection:
    """One CalDAV calendar collection, and the requests made to it."""

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: int = 30,
    ) -> None:
        from caldav.davclient import DAVClient

        self.url = check_url(url)
        self.requests = 0
        self.writes = 0
        # the URL is the collection itself: no RFC 6764 discovery (DNS lookups, redirects)
        self.client = DAVClient(
            url=self.url,
            username=username,
            password=password,
            timeout=timeout,
            enable_rfc6764=False,
            headers={"User-Agent": "tacal"},
        )
        # count on the session, so that the 401 that makes the server name its sign-in
        # scheme (negotiated inside caldav) is counted too: the report tells the real cost
        self.client.session.hooks.setdefault("response", []).append(self._count)

    def _count(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.requests += 1
        return response

    def close(self) -> None:
        self.client.close()

    def _request(self, url: str, method: str, body: str = "", headers: Any = None) -> Any:
        from caldav.lib import error

        try:
            return self.client.request(url, method, body, headers or {})
        except error.AuthorizationError:
            raise SyncError(
                f"the CalDAV server refused the sign-in for {self.url}",
                hint="check the user name and $TACAL_CALDAV_PASSWORD (an app-specific "
                "password for iCloud and Fastmail)",
            ) from None
        except error.DAVError as exc:
            raise SyncError(
                f"CalDAV request {method} failed: {exc.__class__.__name__}",
                hint="run again later",
            ) from None
        except OSError as exc:
            raise SyncError(
                f"cannot reach the CalDAV server at {self.url}: {exc.__class__.__name__}",
                hint="check the URL and the network, and run again",
            ) from None
        except Exception as exc:  # niquests' connection errors are not OSErrors
            if exc.__class__.__module__.split(".")[0] in ("niquests", "requests", "urllib3"):
                raise SyncError(
                    f"cannot reach the CalDAV server at {self.url}: {exc.__class__.__name__}",
                    hint="check the URL and the network, and run again",
                ) from None
            raise

    def list(self) -> list[Listed]:
        """Every VEVENT object of the collection, in one REPORT (Depth: 1)."""
        from caldav.elements import cdav, dav

        response = self._request(
            self.url,
            "REPORT",
            LISTING,
            {"Depth": "1", "Content-Type": 'application/xml; charset="utf-8"'},
        )
        if response.status == 404:
            raise SyncError(
                f"no calendar at {self.url}",
                hint="give the calendar's collection URL (the server's web interface or "
                "account settings show it)",
            )
        if response.status != 207:
            raise SyncError(
                f"listing the calendar at {self.url} failed ({response.status} {response.reason})",
                hint="check that the URL is a calendar collection, then run again",
            )
        objects = response.expand_simple_props([dav.GetEtag(), cdav.CalendarData()])
        out = []
        for href, props in objects.items():
            data = props.get(cdav.CalendarData.tag)
            if not data:
                continue  # the collection itself, or an object the server would not render
            out.append(Listed(urljoin(self.url, href), props.get(dav.GetEtag.tag), data))
        return out

    def put(self, url: str, data: bytes, *, etag: str | None) -> WriteResult:
        """Create (``etag`` None: ``If-None-Match: *``) or replace (``If-Match``) one object."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if etag is None:
            headers["If-None-Match"] = "*"
        else:
            headers["If-Match"] = etag
        self.writes += 1
        response = self._request(url, "PUT", data.decode("utf-8"), headers)
        return _result(response, created=etag is None)

    def delete(self, url: str, *, etag: str | None) -> WriteResult:
        """Delete one object if it is still the version listed."""
        self.writes += 1
        response = self._request(url, "DELETE", "", {"If-Match": etag} if etag else {})
        if response.status == 404:
            return WriteResult("gone", 404, "already deleted on the server")
        return _result(response, created=False)


def _result(response: Any, *, created: bool) -> WriteResult:
    status = int(response.status)
    if 200 <= status < 300:
        return WriteResult("done", status)
    if status == 412:
        what = (
            "another object already exists under that name"
            if created
            else "changed on the server since it was listed"
        )
        return WriteResult("conflict", status, what)
    reason = f"{status} {response.reason or ''}".strip()
    if created and status in (403, 409):
        # RFC 4791 5.3.2.1 no-uid-conflict: the UID is taken elsewhere
        reason += (
            ": the server holds this UID elsewhere (another calendar, or its trash bin: "
            "Nextcloud keeps deleted events until the trash bin is emptied)"
        )
    return WriteResult("failed", status, reason)
