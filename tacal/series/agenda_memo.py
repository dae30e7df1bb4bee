"""Rendered agendas remembered by what they read, so a build renders only what changed.

A template can read only its own source, the templates it includes or imports, the context
variables it names and the environment's globals and filters (tacal's code and Jinja2's,
both covered by the cache's version). :func:`template_reads` finds the names and sources
statically (``jinja2.meta``); :func:`memo_key` digests them with the values of exactly those
names (:func:`fingerprint`), so an edit to a template, an account, a person or anything else
a template reads gives another key. A template whose reads cannot be known statically (a
template name computed at render time, the ``random`` filter) or a value :func:`fingerprint`
cannot spell out is never remembered.

This module does no I/O: the store behind :class:`AgendaMemo` is the command's (a file in the
user cache folder, see :class:`tacal.ical.cache.AgendaCache`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
from collections.abc import Mapping
from typing import Any, Protocol

import jinja2
from jinja2 import meta, nodes

#: Bump when what a key covers changes.
FORMAT = "1"
_ABSENT = "<absent>"
_SCALARS = (
    str,
    int,
    float,
    bool,
    type(None),
    decimal.Decimal,
    dt.date,
    dt.time,
    dt.timedelta,
)


class AgendaMemo(Protocol):
    """Where rendered agendas are kept between builds, by key."""

    def get(self, key: str) -> str | None: ...

    def put(self, key: str, text: str) -> None: ...


@dataclasses.dataclass(frozen=True)
class Reads:
    """What a template reads besides the globals: context names, and a digest of its own
    source and every template it includes, imports or extends."""

    names: frozenset[str]
    sources: str


def template_reads(env: jinja2.Environment, name: str, source: str) -> Reads | None:
    """What template ``name`` with ``source`` (and the templates it pulls in, by their
    loader) reads; None when that cannot be known before rendering."""
    names: set[str] = set()
    digest = hashlib.sha256()
    pending: list[tuple[str, str]] = [(name, source)]
    seen: set[str] = set()
    while pending:
        name, text = pending.pop()
        digest.update(f"{len(name)}:{name}{len(text)}:{text}".encode())
        try:
            ast = env.parse(text)
        except jinja2.TemplateError:
            return None
        if any(f.name == "random" for f in ast.find_all(nodes.Filter)):
            return None
        names |= meta.find_undeclared_variables(ast)
        for ref in meta.find_referenced_templates(ast):
            if ref is None or env.loader is None:
                return None
            if ref in seen:
                continue
            seen.add(ref)
            try:
                included, _, _ = env.loader.get_source(env, ref)
            except jinja2.TemplateError:
                return None
            pending.append((ref, included))
    return Reads(frozenset(names), digest.hexdigest())


def fingerprint(value: Any, seen: dict[int, tuple[Any, str | None]]) -> str | None:
    """A text that equals another value's only when the two render the same (same type,
    same fields, same items in the same order); None for anything it cannot spell out.
    ``seen`` remembers containers and records by identity (and keeps them alive)."""
    if isinstance(value, _SCALARS):
        return f"{type(value).__name__}:{value!r}"
    known = seen.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    out: str | None
    if isinstance(value, list | tuple):
        out = _joined(type(value).__name__, (fingerprint(v, seen) for v in value))
    elif isinstance(value, set | frozenset):
        items = [fingerprint(v, seen) for v in value]
        out = None if None in items else _joined("set", sorted(items))  # type: ignore[type-var]
    elif isinstance(value, Mapping) and type(value) is dict:
        out = _joined(
            "dict", (_pair(fingerprint(k, seen), fingerprint(v, seen)) for k, v in value.items())
        )
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        kind = f"{type(value).__module__}.{type(value).__qualname__}"
        out = _joined(
            kind,
            (
                _pair(f.name, fingerprint(getattr(value, f.name), seen))
                for f in dataclasses.fields(value)
            ),
        )
    else:
        out = None
    seen[id(value)] = (value, out)
    return out


def _pair(key: str | None, value: str | None) -> str | None:
    return None if key is None or value is None else f"{key}={value}"


def _joined(kind: str, parts: Any) -> str | None:
    items = []
    for p in parts:
        if p is None:
            return None
        items.append(f"{len(p)}:{p}")
    return f"{kind}[{','.join(items)}]"


def memo_key(
    reads: Reads,
    context: Mapping[str, Any],
    env_globals: Mapping[str, Any],
    seen: dict[int, tuple[Any, str | None]],
) -> str | None:
    """The key of one render: the sources and the value of every name the template reads
    (a global when the context lacks it, the code's own); None when a value has no
    fingerprint."""
    parts = [FORMAT, reads.sources]
    for name in sorted(reads.names):
        if name in context:
            value = fingerprint(context[name], seen)
            if value is None:
                return None
        elif name in env_globals:
            value = "<global>"
        else:
            value = _ABSENT
        parts.append(f"{len(name)}:{name}={len(value)}:{value}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


__all__ = ["AgendaMemo", "Reads", "fingerprint", "memo_key", "template_reads"]
