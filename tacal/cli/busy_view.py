"""How busy-time collisions are shown and chosen on the command line.

``tacal plan`` lists each series that meets someone's busy time with the three choices;
``--resolve UID=keep|move|override`` picks one (``plan`` shows the result, ``--apply``
writes it to the lock); ``preview`` marks the occurrences; ``validate --busy`` fails on
them. The collisions themselves come from :mod:`tacal.series.busy_check`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from tacal.config.values import did_you_mean
from tacal.errors import ConfigError, Problem, TacalError
from tacal.model import Busy, Config
from tacal.series import Series
from tacal.series.busy_check import CHOICES, Collision

HELP = {
    "keep": "keep it there (it stays marked in preview, no longer listed)",
    "move": "place the whole series afresh, around everyone's busy time",
    "override": "move only the colliding occurrences (RECURRENCE-ID overrides)",
}


def parse_resolve(values: Iterable[str], series: list[Series]) -> dict[str, str]:
    """``UID=keep|move|override`` options as a mapping; exit 2 on anything else."""
    known = {s.uid: s for s in series}
    out: dict[str, str] = {}
    for value in values:
        uid, sep, choice = value.rpartition("=")
        if not sep or choice not in CHOICES:
            raise TacalError(
                f"--resolve {value!r}: use UID=keep, UID=move or UID=override "
                "(the UIDs `tacal plan` lists under busy)"
            )
        if uid not in known:
            raise TacalError(
                f"--resolve {value!r}: no series {uid!r}{did_you_mean(uid, set(known))}"
            )
        s = known[uid]
        if choice == "move" and not s.slot and s.recurrence.rrule:
            raise TacalError(
                f"--resolve {value!r}: {s.summary!r} meets at its cadence's exact time "
                '(per = "team"); change its time in the config, or keep or override it'
            )
        if choice == "override" and not s.recurrence.rrule:
            raise TacalError(f"--resolve {value!r}: {s.summary!r} meets once; use move (or keep)")
        out[uid] = choice
    return out


def _when(c: Collision, tz: ZoneInfo) -> str:
    start = c.start.astimezone(tz)
    end = c.end.astimezone(tz)
    b0, b1 = (t.astimezone(tz) for t in c.busy)
    busy_end = f"{b1:%H:%M}" if b1.date() == b0.date() else f"{b1:%a %m-%d %H:%M}"
    return f"{start:%a %Y-%m-%d %H:%M}-{end:%H:%M} meets {c.name}'s busy time {b0:%H:%M}-{busy_end}"


def lines(collisions: list[Collision], config: Config, *, verbose: bool = False) -> list[str]:
    """Per series: its open collisions (kept ones only with ``verbose``) and the choices."""
    tz = config.team.tz
    out: list[str] = []
    by_uid: dict[str, list[Collision]] = {}
    for c in collisions:
        if verbose or not c.kept:
            by_uid.setdefault(c.uid, []).append(c)
    for uid in sorted(by_uid):
        found = by_uid[uid]
        open_ = [c for c in found if not c.kept]
        out.append(
            f"busy     {uid}  {found[0].summary}: {len(open_)} occurrence(s) meet busy time"
            + (f" ({len(found) - len(open_)} kept)" if len(found) > len(open_) else "")
        )
        for c in found[:10]:
            out.append(f"           {_when(c, tz)}" + (" (kept)" if c.kept else ""))
        if len(found) > 10:
            out.append(f"           ... and {len(found) - 10} more")
        if open_:
            for choice in CHOICES:
                out.append(f"           --resolve {uid}={choice}: {HELP[choice]}")
    return out


def as_json(collisions: list[Collision]) -> list[dict[str, object]]:
    return [
        {
            "uid": c.uid,
            "summary": c.summary,
            "occurrence": c.original.isoformat(),
            "start": c.start.isoformat(),
            "end": c.end.isoformat(),
            "person": c.person,
            "busy": [c.busy[0].isoformat(), c.busy[1].isoformat()],
            "kept": c.kept,
        }
        for c in collisions
    ]


def missing_line(config: Config, busy: Busy | None) -> str | None:
    """``busy times missing for Pippa Hart (google)``, when some source failed."""
    if busy is None or not busy.missing():
        return None
    who = ", ".join(
        f"{config.people[k].name} ({', '.join(busy.people[k].failed)})" for k in busy.missing()
    )
    return f"busy times missing for {who}: placed and checked without them"


def marks(collisions: list[Collision]) -> dict[tuple[str, dt.datetime], list[str]]:
    """(uid, start in UTC) -> names of the people whose busy time that occurrence meets."""
    out: dict[tuple[str, dt.datetime], list[str]] = {}
    for c in collisions:
        names = out.setdefault((c.uid, c.start.astimezone(dt.UTC)), [])
        if c.name not in names:
            names.append(c.name)
    return out


def check(config: Config, collisions: list[Collision]) -> None:
    """``validate --busy``: exit 2 with one line per open collision."""
    tz = config.team.tz
    problems = [
        Problem(
            config.source,
            f"{c.uid} ({c.summary}) {_when(c, tz)}; `tacal plan --resolve "
            f"{c.uid}=keep|move|override --apply` settles it",
        )
        for c in collisions
        if not c.kept
    ]
    if problems:
        raise ConfigError(problems)


__all__ = ["as_json", "check", "lines", "marks", "missing_line", "parse_resolve"]
