"""Faults armed on demand: rate limits and errors, dropped connections, slow answers.

Status faults answer in Google's JSON error shape with the status, domain and reason
listed in https://developers.google.com/calendar/api/guides/errors (429 and 403
``usageLimits`` rate and quota reasons, 403 ``forbidden``, 401 ``authError``, 500/503
``backendError``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["FAULT_KINDS", "CallInfo", "Fault", "FaultInjector"]

# kind -> (status, domain, reason, message)
_STATUS_FAULTS: dict[str, tuple[int, str, str, str]] = {
    "429": (429, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
    "403-rateLimitExceeded": (403, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
    "403-userRateLimitExceeded": (
        403,
        "usageLimits",
        "userRateLimitExceeded",
        "User Rate Limit Exceeded",
    ),
    "403-quotaExceeded": (403, "usageLimits", "quotaExceeded", "Calendar usage limits exceeded."),
    "403-forbidden": (403, "global", "forbidden", "Forbidden"),
    "401": (401, "global", "authError", "Invalid Credentials"),
    "500": (500, "global", "backendError", "Backend Error"),
    "503": (503, "global", "backendError", "Backend Error"),
}
FAULT_KINDS = frozenset(_STATUS_FAULTS) | {"drop", "drop-mid-batch", "slow"}


@dataclass
class CallInfo:
    """What a fault's ``match`` callable sees about a request or an inner call."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: dict[str, Any] | None
    is_batch: bool
    in_batch: bool


@dataclass
class Fault:
    """A fault armed for ``remaining`` matching requests or calls."""

    kind: str
    remaining: int
    scope: str
    match: Callable[[CallInfo], bool] | None = None
    after: int = 1
    delay: float = 1.0
    fired: int = 0


class FaultInjector:
    """Arms faults; each matching request or call consumes one firing.

    Scopes: ``"request"`` = outer HTTP requests (single calls and batch envelopes),
    ``"inner"`` = calls inside a batch (Google answers those per part inside a 200),
    ``"call"`` = every API call whether single or inside a batch (not the envelope).
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        kind: str,
        count: int = 1,
        *,
        match: Callable[[CallInfo], bool] | None = None,
        scope: str | None = None,
        after: int = 1,
        delay: float = 1.0,
    ) -> Fault:
        """Arm ``kind`` for ``count`` matches; ``after`` = calls applied before a drop."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; choose from {sorted(FAULT_KINDS)}")
        if scope is None:
            scope = "request"
        if scope not in ("request", "inner", "call"):
            raise ValueError(f"unknown fault scope {scope!r}")
        if kind == "drop-mid-batch" and scope != "request":
            raise ValueError("drop-mid-batch applies to batch requests (scope='request')")
        fault = Fault(kind, count, scope, match, after, delay)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if f.remaining > 0]

    def take(self, where: str, info: CallInfo) -> Fault | None:
        """Consume and return the first armed fault matching this request or call."""
        with self._lock:
            for fault in self._faults:
                if fault.remaining <= 0:
                    continue
                if where == "request" and fault.scope != "request":
                    continue
                if where == "single" and fault.scope not in ("call",):
                    continue
                if where == "inner" and fault.scope not in ("inner", "call"):
                    continue
                if fault.kind == "drop-mid-batch" and not info.is_batch:
                    continue
                if fault.match is not None and not fault.match(info):
                    continue
                fault.remaining -= 1
                fault.fired += 1
                return fault
        return None
