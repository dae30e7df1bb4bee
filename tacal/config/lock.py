"""``tacal.lock``: the project's memory of where each series was placed and what it said.

It sits next to the config (``team.lock`` for ``team.toml``; for the built-in default, in the
user state folder) and is meant to be committed with it. For every series UID it records the
day the series entered the lock (its DTSTART is on or after it: nobody is invited to meetings
from before the series existed), its DTSTART, where placement put it (weekday, time, week of
the month) and for whom, where each holiday occurrence moved to, and the SEQUENCE, DTSTAMP
and content hash the calendar carries. With it, a build depends only on config + lock +
templates: byte-identical on any later day, to any path or stdout, on another machine; and an
edit moves only the series it concerns.

The format is TOML, sorted, one table per series, written by :func:`dump` and read by
:func:`parse`; a lock that does not parse, or that belongs to another team, is a located error,
never silently dropped.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from tacal import toml_cache
from tacal.errors import ConfigError, Problem
from tacal.model import Config, Lock, LockEntry
from tacal.output import write_atomic
from tacal.paths import state_home

VERSION = 1
HEADER = """\
# tacal.lock: where tacal placed each series and what it said (SEQUENCE, DTSTAMP, hash).
# Commit it with the config: builds then give the same bytes anywhere, and an edit moves only
# the meetings it concerns. tacal rewrites this file; `tacal plan` shows what would change.
"""
_SLOT_RE = re.compile(r"^(MO|TU|WE|TH|FR|SA|SU) ([0-2]\d:[0-5]\d)( -?\d)?$")


ENV_LOCK_DIR = "TACAL_LOCK_DIR"


def lock_path(config: Config) -> Path:
    """``NAME.lock`` beside ``NAME.toml``; the built-in default's lives in the state folder.
    ``$TACAL_LOCK_DIR`` puts every lock in one folder instead, named by team id (a read-only
    checkout, or tests)."""
    folder = os.environ.get(ENV_LOCK_DIR)
    if folder:
        return Path(folder) / f"{config.team.id}.lock"
    if config.path is None:
        return state_home() / "default.lock"
    return config.path.with_name(f"{config.path.stem}.lock")


def load(config: Config) -> Lock:
    """The config's lock, or an empty one when there is none yet."""
    path = lock_path(config)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Lock(team=config.team.id, path=path)
    except (OSError, UnicodeDecodeError) as exc:
        why = f"cannot read the lock ({exc}); fix or delete it (the next build writes a new one)"
        raise ConfigError([Problem(str(path), why)]) from None
    return parse(text, path, config.team.id)


def parse(text: str, path: Path | None, team: str) -> Lock:
    where = str(path) if path else "<lock>"
    try:
        raw = toml_cache.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            [
                Problem(
                    where,
                    f"the lock is not valid TOML ({exc}); restore it from "
                    "version control, or delete it to start afresh",
                )
            ]
        ) from None
    if raw.get("version") != VERSION:
        raise ConfigError(
            [
                Problem(
                    where,
                    f"lock version {raw.get('version')!r}: this tacal "
                    f"writes version {VERSION}; delete it to start afresh",
                )
            ]
        )
    if raw.get("team") != team:
        raise ConfigError(
            [
                Problem(
                    where,
                    f"this lock belongs to team {raw.get('team')!r}, not "
                    f"{team!r} (team.id); use the lock that came with this "
                    "config, or delete it to start afresh",
                )
            ]
        )
    entries: dict[str, LockEntry] = {}
    problems: list[Problem] = []
    for uid, data in (raw.get("series") or {}).items():
        try:
            entries[uid] = _entry(data)
        except (KeyError, TypeError, ValueError) as exc:
            why = f"{exc.args[0]} is missing" if isinstance(exc, KeyError) else str(exc)
            problems.append(
                Problem(
                    where,
                    f"series {uid!r}: {why}; restore the lock from "
                    "version control or delete that table",
                )
            )
    if problems:
        raise ConfigError(problems)
    return Lock(team=team, entries=entries, path=path)


def _entry(data: Any) -> LockEntry:
    if not isinstance(data, dict):
        raise TypeError("not a table")
    placed, start, stamp = data["placed"], data["start"], data["dtstamp"]
    if not isinstance(placed, dt.date) or isinstance(placed, dt.datetime):
        raise ValueError(f"placed = {placed!r} is not a date")
    if not isinstance(start, dt.datetime) or start.tzinfo is not None:
        raise ValueError(f"start = {start!r} is not a local date-time")
    if not isinstance(stamp, dt.datetime) or stamp.tzinfo is None:
        raise ValueError(f"dtstamp = {stamp!r} is not a UTC date-time")
    slot = data.get("slot", "")
    if slot and not _SLOT_RE.match(slot):
        raise ValueError(f'slot = {slot!r} is not like "WE 13:00 2"')
    rule = data.get("rule")
    if rule is not None and not isinstance(rule, str):
        raise ValueError(f"rule = {rule!r} is not a string")
    return LockEntry(
        placed=placed,
        start=start,
        sequence=int(data["sequence"]),
        dtstamp=stamp.astimezone(dt.UTC),
        hash=str(data["hash"]),
        inputs=str(data.get("inputs", "")),
        slot=slot,
        people=tuple(str(p) for p in data.get("people", [])),
        duration=int(data.get("duration", 0)),
        summary=str(data.get("summary", "")),
        rule=rule,
        skip=_times(data, "skip"),
        extra=_times(data, "extra"),
        attendees=tuple(str(a) for a in data.get("attendees", [])),
        moves=_moves(data.get("moves", [])),
        busy_moves=_moves(data.get("busy_moves", []), "busy_moves"),
        busy_kept=_times(data, "busy_kept"),
    )


def _times(data: dict[str, Any], key: str) -> tuple[dt.datetime, ...]:
    values = data.get(key, [])
    if not isinstance(values, list) or not all(
        isinstance(v, dt.datetime) and v.tzinfo is None for v in values
    ):
        raise ValueError(f"{key} = {values!r} is not a list of local date-times")
    return tuple(values)


def _moves(value: Any, key: str = "moves") -> tuple[tuple[dt.datetime, dt.datetime], ...]:
    """``moves = [[holiday occurrence, where it went], ...]``, local date-times (also
    ``busy_moves``, occurrences moved off someone's busy time)."""
    if not isinstance(value, list) or not all(
        isinstance(pair, list)
        and len(pair) == 2
        and all(isinstance(t, dt.datetime) and t.tzinfo is None for t in pair)
        for pair in value
    ):
        raise ValueError(
            f"{key} = {value!r} is not a list of [local date-time, local date-time] pairs"
        )
    return tuple((a, b) for a, b in value)


def save(lock: Lock, path: Path) -> bool:
    """Write ``lock`` to ``path`` atomically when its text changed; whether it wrote."""
    text, stored = written(lock)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    write_atomic(path, text.encode("utf-8"))
    if stored is not None:
        toml_cache.remember_encoded(text, stored)  # the next build reads it without tomllib
    return True


def parsed(lock: Lock) -> dict[str, Any] | None:
    """What ``tomllib.loads(dump(lock))`` gives, built from ``lock`` the way :func:`dump`
    writes it (same keys, same order, the values as TOML reads them back); None when a
    DTSTAMP's year does not print as four digits (that text would not parse)."""
    series: dict[str, Any] = {}
    for uid in sorted(lock.entries):
        e = lock.entries[uid]
        stamp = e.dtstamp.astimezone(dt.UTC).replace(microsecond=0)
        if stamp.year < 1000:
            return None
        t: dict[str, Any] = {}
        if e.summary:
            t["summary"] = e.summary
        t["placed"] = e.placed
        t["start"] = e.start.replace(tzinfo=None)
        if e.rule is not None:
            t["rule"] = e.rule
        for key, times in (("skip", e.skip), ("extra", e.extra)):
            if times:
                t[key] = [x.replace(tzinfo=None) for x in times]
        if e.slot:
            t["slot"] = e.slot
            t["people"] = list(e.people)
        if e.slot or e.duration:
            t["duration"] = e.duration
        if e.attendees:
            t["attendees"] = list(e.attendees)
        if e.inputs:
            t["inputs"] = e.inputs
        if e.moves:
            t["moves"] = [[a, b] for a, b in e.moves]
        if e.busy_moves:
            t["busy_moves"] = [[a, b] for a, b in e.busy_moves]
        if e.busy_kept:
            t["busy_kept"] = list(e.busy_kept)
        t["sequence"] = e.sequence
        t["dtstamp"] = stamp
        t["hash"] = e.hash
        series[uid] = t
    raw: dict[str, Any] = {"version": VERSION, "team": lock.team}
    if series:
        raw["series"] = series
    return raw


_TOML_ESCAPE = re.compile(r'["\\\x00-\x08\x0a-\x1f\x7f]')


def _quote(text: str) -> str:
    """A TOML basic string (a control character in a name must not break the lock)."""
    if _TOML_ESCAPE.search(text) is None:
        return f'"{text}"'  # the usual case: nothing to escape
    return (
        '"'
        + _TOML_ESCAPE.sub(
            lambda m: "\\" + m.group() if m.group() in '"\\' else f"\\u{ord(m.group()):04x}", text
        )
        + '"'
    )


def dump(lock: Lock) -> str:
    """The lock as sorted, readable TOML (stable bytes for the same content)."""
    lines = [HEADER, f"version = {VERSION}", f"team = {_quote(lock.team)}", ""]
    for uid in sorted(lock.entries):
        e = lock.entries[uid]
        lines.append(f"[series.{_quote(uid)}]")
        if e.summary:
            lines.append(f"summary = {_quote(e.summary)}")
        lines.append(f"placed = {e.placed.isoformat()}")
        lines.append(f"start = {e.start.replace(tzinfo=None).isoformat()}")
        if e.rule is not None:
            lines.append(f"rule = {_quote(e.rule)}")
        for key, times in (("skip", e.skip), ("extra", e.extra)):
            if times:
                lines.append(
                    f"{key} = ["
                    + ", ".join(t.replace(tzinfo=None).isoformat() for t in times)
                    + "]"
                )
        if e.slot:
            lines.append(f"slot = {_quote(e.slot)}")
            lines.append("people = [" + ", ".join(_quote(p) for p in e.people) + "]")
        if e.slot or e.duration:
            lines.append(f"duration = {e.duration}")
        if e.attendees:
            lines.append("attendees = [" + ", ".join(_quote(a) for a in e.attendees) + "]")
        if e.inputs:
            lines.append(f"inputs = {_quote(e.inputs)}")
        if e.moves:
            lines.append(
                "moves = ["
                + ", ".join(f"[{a.isoformat()}, {b.isoformat()}]" for a, b in e.moves)
                + "]"
            )
        if e.busy_moves:
            lines.append(
                "busy_moves = ["
                + ", ".join(f"[{a.isoformat()}, {b.isoformat()}]" for a, b in e.busy_moves)
                + "]"
            )
        if e.busy_kept:
            lines.append("busy_kept = [" + ", ".join(t.isoformat() for t in e.busy_kept) + "]")
        lines.append(f"sequence = {e.sequence}")
        lines.append(f"dtstamp = {e.dtstamp.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}")
        lines.append(f"hash = {_quote(e.hash)}")
        lines.append("")
    return "\n".join(lines)


def _tag(key: str) -> str:
    """A table key as the TOML cache stores it (:func:`tacal.toml_cache._encode`)."""
    return "$" + key if key.startswith("$") else key


def written(lock: Lock) -> tuple[str, dict[str, Any] | None]:
    """``dump(lock)`` and, in the same pass, what the TOML cache stores for it: the form
    :func:`tacal.toml_cache._encode` gives :func:`parsed` (None when :func:`parsed` is None).
    Each date-time is formatted once for both, so writing the lock and remembering it as parsed
    cost one walk over the entries (the tests compare both with :func:`dump` and
    :func:`parsed`)."""
    lines = [HEADER, f"version = {VERSION}", f"team = {_quote(lock.team)}", ""]
    series: dict[str, Any] = {}
    ok = True
    for uid in sorted(lock.entries):
        e = lock.entries[uid]
        t: dict[str, Any] = {}
        lines.append(f"[series.{_quote(uid)}]")
        if e.summary:
            lines.append(f"summary = {_quote(e.summary)}")
            t["summary"] = e.summary
        text = e.placed.isoformat()
        lines.append(f"placed = {text}")
        t["placed"] = {"$date": text}
        text = e.start.replace(tzinfo=None).isoformat()
        lines.append(f"start = {text}")
        t["start"] = {"$datetime": text}
        if e.rule is not None:
            lines.append(f"rule = {_quote(e.rule)}")
            t["rule"] = e.rule
        for key, times in (("skip", e.skip), ("extra", e.extra)):
            if times:
                texts = [x.replace(tzinfo=None).isoformat() for x in times]
                lines.append(f"{key} = [" + ", ".join(texts) + "]")
                t[key] = [{"$datetime": x} for x in texts]
        if e.slot:
            lines.append(f"slot = {_quote(e.slot)}")
            lines.append("people = [" + ", ".join(_quote(p) for p in e.people) + "]")
            t["slot"] = e.slot
            t["people"] = list(e.people)
        if e.slot or e.duration:
            lines.append(f"duration = {e.duration}")
            t["duration"] = e.duration
        if e.attendees:
            lines.append("attendees = [" + ", ".join(_quote(a) for a in e.attendees) + "]")
            t["attendees"] = list(e.attendees)
        if e.inputs:
            lines.append(f"inputs = {_quote(e.inputs)}")
            t["inputs"] = e.inputs
        for key, pairs in (("moves", e.moves), ("busy_moves", e.busy_moves)):
            if pairs:
                texts2 = [(a.isoformat(), b.isoformat()) for a, b in pairs]
                lines.append(f"{key} = [" + ", ".join(f"[{a}, {b}]" for a, b in texts2) + "]")
                t[key] = [[{"$datetime": a}, {"$datetime": b}] for a, b in texts2]
        if e.busy_kept:
            texts = [x.isoformat() for x in e.busy_kept]
            lines.append("busy_kept = [" + ", ".join(texts) + "]")
            t["busy_kept"] = [{"$datetime": x} for x in texts]
        lines.append(f"sequence = {e.sequence}")
        t["sequence"] = e.sequence
        stamp = e.dtstamp.astimezone(dt.UTC)
        lines.append(f"dtstamp = {stamp.strftime('%Y-%m-%dT%H:%M:%SZ')}")
        stamp = stamp.replace(microsecond=0)
        ok = ok and stamp.year >= 1000
        t["dtstamp"] = {"$datetime": stamp.isoformat()}
        lines.append(f"hash = {_quote(e.hash)}")
        t["hash"] = e.hash
        lines.append("")
        series[_tag(uid)] = t
    if not ok:
        return "\n".join(lines), None
    stored: dict[str, Any] = {"version": VERSION, "team": lock.team}
    if series:
        stored["series"] = series
    return "\n".join(lines), stored


__all__ = [
    "ENV_LOCK_DIR",
    "HEADER",
    "VERSION",
    "dump",
    "load",
    "lock_path",
    "parse",
    "parsed",
    "save",
    "written",
]
