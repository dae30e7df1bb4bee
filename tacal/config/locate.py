"""Where a key was written: ``PATH:LINE: key`` for every problem in one config.

tomllib gives values but no positions, so a small line scanner (:func:`locate`) maps each
``(table, index, key)`` to the line where the user wrote it, and a :class:`Checker` collects
problems located that way while the sections read one config.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tacal.config.values import closest, typed
from tacal.errors import Problem

_HEADER_RE = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY_RE = re.compile(r"^\s*([A-Za-z0-9_\-\"']+)\s*=")


def locate(text: str) -> dict[tuple[Any, ...], int]:
    """Map ``(table..., key)`` paths to 1-based line numbers; array tables get an index."""
    lines: dict[tuple[Any, ...], int] = {}
    counters: dict[str, int] = {}
    current: tuple[Any, ...] = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER_RE.match(line)
        if header and not _KEY_RE.match(line):
            name = header.group(2).replace('"', "").replace("'", "")
            parts = tuple(p.strip() for p in name.split("."))
            if header.group(1) == "[[":
                index = counters.get(name, 0)
                counters[name] = index + 1
                current = (*parts, index)
            else:
                current = parts
            lines.setdefault(current, number)
            continue
        key = _KEY_RE.match(line)
        if key:
            lines.setdefault((*current, key.group(1).strip("\"'")), number)
    return lines


class Checker:
    """Collects problems with locations while reading one config."""

    def __init__(self, path: Path | None, text: str) -> None:
        self.file = str(path) if path else "<built-in default>"
        self.lines = locate(text)
        self.problems: list[Problem] = []

    def where(self, *key: Any) -> str:
        label = ".".join(f"{k}" if not isinstance(k, int) else f"[{k}]" for k in key)
        label = label.replace(".[", "[")
        for n in range(len(key), 0, -1):
            line = self.lines.get(tuple(key[:n]))
            if line:
                return f"{self.file}:{line}: {label}"
        return f"{self.file}: {label}"

    def error(self, key: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.where(*key), message))

    def warn(self, key: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.where(*key), message, "warning"))

    def unknown_keys(self, key: tuple[Any, ...], data: dict[str, Any], allowed: set[str]) -> None:
        for name in data:
            if name not in allowed:
                hint = closest(name, allowed)
                extra = f"; did you mean {hint!r}?" if hint else ""
                self.error(
                    (*key, name),
                    f"unknown key {name!r}{extra} (allowed: {', '.join(sorted(allowed))})",
                )

    def typed(
        self, key: tuple[Any, ...], value: Any, kind: type | tuple[type, ...], what: str
    ) -> bool:
        return typed(self, key, value, kind, what)

