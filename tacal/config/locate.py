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
    """Collects problems with locations while reading one config.

    Entries of ``[[cadence]]`` and ``[[account]]`` are named by what the user wrote (``cadence
    'qbr'.time``, ``account 'Acme Corp'.ta``), not by their position, once :meth:`name_entries`
    has been told which key names them. An error about a key the user wrote under a misspelt
    name (reported by :meth:`unknown_keys`, or by the loader for a misspelt table) is left out:
    it only follows from the misspelling.
    """

    def __init__(self, path: Path | None, text: str) -> None:
        self.file = str(path) if path else "<built-in default>"
        self.lines = locate(text)
        self.problems: list[Problem] = []
        self.names: dict[tuple[Any, ...], str] = {}
        #: keys whose value was written under another (misspelt) key, already reported
        self.misspelt: set[tuple[Any, ...]] = set()
        #: person keys and emails written in a misspelt people table (``[person.dana]``)
        self.elsewhere: set[str] = set()
        #: where each key may be written, for "it belongs in [team]" (set by the loader)
        self.homes: dict[str, list[str]] = {}
        self.top_keys: set[str] = set()

    def name_entries(self, table: str, entries: Any, key: str) -> None:
        """Name the entries of ``[[table]]`` by their ``key`` (``id``, ``name``) in messages;
        an entry without one is ``table #N`` (counted from 1, in file order)."""
        if not isinstance(entries, list):
            return
        for i, entry in enumerate(entries):
            value = entry.get(key) if isinstance(entry, dict) else None
            if isinstance(value, str) and value.strip():
                self.names[(table, i)] = f"{table} {value.strip()!r}"
            else:
                self.names[(table, i)] = f"{table} #{i + 1}"

    def label(self, *key: Any) -> str:
        head, rest = key[:2], key[2:]
        if head in self.names:
            return ".".join([self.names[head], *(str(k) for k in rest)])
        label = ".".join(f"{k}" if not isinstance(k, int) else f"[{k}]" for k in key)
        return label.replace(".[", "[")

    def line(self, *key: Any) -> int | None:
        """The line ``key`` (or the nearest table above it) was written on; for a table only
        written as a prefix (``[person.dana]`` for ``person``), its first such line."""
        for n in range(len(key), 0, -1):
            line = self.lines.get(tuple(key[:n]))
            if line:
                return line
        found = [line for path, line in self.lines.items() if path[: len(key)] == tuple(key)]
        return min(found) if found else None

    def where(self, *key: Any) -> str:
        line = self.line(*key)
        return (
            f"{self.file}:{line}: {self.label(*key)}"
            if line
            else f"{self.file}: {self.label(*key)}"
        )

    def error(self, key: tuple[Any, ...], message: str) -> None:
        if tuple(key) in self.misspelt:
            return  # the misspelt key was reported: this is its consequence
        self.problems.append(Problem(self.where(*key), message))

    def warn(self, key: tuple[Any, ...], message: str) -> None:
        self.problems.append(Problem(self.where(*key), message, "warning"))

    def unknown_keys(self, key: tuple[Any, ...], data: dict[str, Any], allowed: set[str]) -> None:
        table = key[0]
        for name in data:
            if name in allowed:
                continue
            homes = [h for h in self.homes.get(name, []) if h != table]
            hint = closest(name, allowed)
            under = f"keys written after [{_header(key)}] belong to [{_header(key)}]"
            if name in self.top_keys:
                message = (
                    f"unknown key {name!r}; {name} is a top-level key: move it to the top "
                    f"of the file, above the first [table] header ({under})"
                )
            elif homes and not hint:
                message = f"unknown key {name!r}; {belongs_in(homes)} ({under})"
            else:
                extra = f"; did you mean {hint!r}?" if hint else ""
                if hint and hint not in data:
                    self.misspelt.add((*key, hint))
                message = f"unknown key {name!r}{extra} (allowed: {', '.join(sorted(allowed))})"
            self.error((*key, name), message)

    def typed(
        self, key: tuple[Any, ...], value: Any, kind: type | tuple[type, ...], what: str
    ) -> bool:
        return typed(self, key, value, kind, what)


def belongs_in(tables: list[str]) -> str:
    """``it belongs in [feeds]: move it under the [feeds] header``, for a key written under
    another table (or none)."""
    if len(tables) == 1:
        return f"it belongs in [{tables[0]}]: move it under the [{tables[0]}] header"
    return (
        f"it belongs in {' or '.join(f'[{t}]' for t in tables)}: move it under one of those headers"
    )


def _header(key: tuple[Any, ...]) -> str:
    """How the table of ``key`` is written: ``team``, ``people.dana``, ``[cadence]``
    (inside brackets, ``[[cadence]]``)."""
    if len(key) > 1 and isinstance(key[1], int):
        return f"[{key[0]}]"
    return ".".join(str(k) for k in key)
