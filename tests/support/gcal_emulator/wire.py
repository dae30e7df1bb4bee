"""The multipart/mixed batch format (https://developers.google.com/calendar/api/guides/batch).

A batch body holds up to 1,000 ``application/http`` parts, each one API call. The answer
is a multipart/mixed body with one ``application/http`` part per call, in order, each
with ``Content-ID: <response-{id}>`` for the call's ``Content-ID: <{id}>``. Lines of the
answer end in CRLF; google-api-python-client writes its requests with bare LF, so both
are read.
"""

from __future__ import annotations

import email.parser
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.gcal_emulator.resource import Answer, ApiError

__all__ = ["MAX_BATCH", "close_batch", "new_boundary", "read_part", "split_batch"]

MAX_BATCH = 1000


_REASONS = {
    200: "OK",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    410: "Gone",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def split_batch(content_type: str, raw: bytes) -> list[Any] | Answer:
    """The parts of a batch request body, or the 400 answer when it is not a valid one."""
    if not content_type.lower().startswith("multipart/mixed"):
        return Answer(400, ApiError(400, "badContent", "Bad content type").body())
    msg = email.parser.BytesParser().parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    parts = msg.get_payload() if msg.is_multipart() else None
    if not isinstance(parts, list):
        return Answer(400, ApiError(400, "badContent", "Bad multipart body").body())
    if len(parts) > MAX_BATCH:
        err = ApiError(400, "invalid", f"Too many requests in batch (max {MAX_BATCH}).")
        return Answer(400, err.body())
    return parts


def read_part(
    part: Any, index: int
) -> tuple[str, str, str, dict[str, list[str]], dict[str, str], bytes]:
    """Content-ID, method, path, query, headers and body of the ``index``-th part."""
    content_id = str(part["Content-ID"] or f"<{index}>").strip()
    text = part.get_payload()
    assert isinstance(text, str)
    text = text.encode("ascii", "surrogateescape").decode("utf-8")
    return (content_id, *_parse_inner(text))


def new_boundary() -> str:
    return "batch_" + secrets.token_hex(12)


def close_batch(boundary: str, chunks: list[str]) -> bytes:
    """The answer body: the framed parts and the closing boundary."""
    return ("".join(chunks) + f"--{boundary}--\r\n").encode("utf-8")


def _json_or_none(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def _parse_inner(text: str) -> tuple[str, str, dict[str, list[str]], dict[str, str], bytes]:
    """Split an application/http part: request line, headers, body (LF or CRLF)."""
    first, _, rest = text.partition("\n")
    method, target, _version = first.strip().split(" ", 2)
    crlf = rest.find("\r\n\r\n")
    lf = rest.find("\n\n")
    if lf == -1 and crlf == -1:
        head, body = rest, ""
    elif crlf != -1 and (lf == -1 or crlf < lf):
        head, body = rest[:crlf], rest[crlf + 4 :]
    else:
        head, body = rest[:lf], rest[lf + 2 :]
    headers: dict[str, str] = {}
    for line in head.splitlines():
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    split = urlsplit(target)
    return method.upper(), split.path, parse_qs(split.query), headers, body.encode("utf-8")


def _frame_part(boundary: str, content_id: str, answer: Answer) -> str:
    """One response part framed as Google does: CRLF, ``Content-ID: <response-...>``."""
    inner_id = content_id[1:-1] if content_id.startswith("<") else content_id
    payload = answer.payload().decode("utf-8")
    lines = [
        f"--{boundary}",
        "Content-Type: application/http",
        f"Content-ID: <response-{inner_id}>",
        "",
        f"HTTP/1.1 {answer.status} {_REASONS.get(answer.status, 'Status')}",
    ]
    if answer.body is not None:
        lines.append("Content-Type: application/json; charset=UTF-8")
    for name, value in answer.headers.items():
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(payload.encode('utf-8'))}")
    lines.append("")
    return "\r\n".join(lines) + "\r\n" + payload + "\r\n"
