"""Reading a feed's bytes: over HTTP(S) with urllib, or from a file.

Why urllib: one GET of a public or secret-link feed needs no extra dependency, and its
timeout and a read limit are all the protection needed against a slow or endless server.
Every failure becomes :class:`SourceError` with a short reason; the caller turns it into a
warning naming the person and source, and placement goes on without that source.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

#: Seconds to wait for a feed server (connecting, then each read).
TIMEOUT = 15.0
#: Largest feed read (bytes): a busy person's year of events is well under a megabyte.
MAX_BYTES = 16 * 1024 * 1024


class SourceError(OSError):
    """A busy source could not be read; ``str()`` says why, never with credentials."""


def shown(source: str) -> str:
    """A source as it may be printed: a URL without its query or user info (secret feed
    links carry their token there), a path as it is."""
    if "://" not in source:
        return source
    parts = urlsplit(source)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    path = parts.path
    if len(path) > 24:  # Google's secret address hides its key in the path
        path = path[:12] + "..."
    return f"{parts.scheme}://{host}{port}{path}"


def read_source(source: str, *, timeout: float = TIMEOUT, limit: int = MAX_BYTES) -> bytes:
    """The bytes of ``source`` (an http(s) URL or a file path); SourceError otherwise."""
    if source.lower().startswith(("http://", "https://")):
        return _read_url(source, timeout, limit)
    try:
        with Path(source).open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise SourceError(
            f"cannot read the file ({exc.strerror or exc.__class__.__name__})"
        ) from None
    if len(data) > limit:
        raise SourceError(f"the file is larger than {limit // (1024 * 1024)} MB")
    return data


def _read_url(url: str, timeout: float, limit: int) -> bytes:
    request = urllib.request.Request(
        url, headers={"User-Agent": "tacal (busy times)", "Accept": "text/calendar, */*"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310 (http(s) only)
            data = resp.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise SourceError(f"the server answered HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise SourceError(f"unreachable ({_reason(exc.reason)})") from None
    except TimeoutError:
        raise SourceError(f"no answer within {timeout:g} seconds") from None
    except OSError as exc:
        raise SourceError(f"unreachable ({_reason(exc)})") from None
    if len(data) > limit:
        raise SourceError(f"the feed is larger than {limit // (1024 * 1024)} MB")
    return data


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    if isinstance(reason, BaseException):
        return reason.__class__.__name__
    return str(reason)[:80]


__all__ = ["MAX_BYTES", "TIMEOUT", "SourceError", "read_source", "shown"]
