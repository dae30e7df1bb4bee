"""Generate a tacal.toml with N accounts from the built-in default's team and cadences.

A few AEs per 50 accounts and one TA per 25 accounts, health colours, renewals and check-in
frequencies spread deterministically, so every benchmark run builds the same calendar.
"""

from __future__ import annotations

import datetime as dt
import sys
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

CHECK_INS = ["weekly", "biweekly", "monthly", "bimonthly", "quarterly"]
HEALTH = ["green", "green", "yellow", "red"]


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dt.date | int | float):
        return str(v) if not isinstance(v, dt.date) else f'"{v.isoformat()}"'
    raise TypeError(type(v))


def _table(header: str, data: dict[str, Any]) -> list[str]:
    lines = [header]
    for k, v in data.items():
        if not isinstance(v, dict):
            lines.append(f"{k} = {_value(v)}")
    return lines + [""]


def generate(n_accounts: int) -> str:
    default = tomllib.loads(resources.files("tacal").joinpath("default.toml").read_text())
    team = dict(default["team"])
    n_aes = max(1, 3 * ((n_accounts + 49) // 50))
    n_tas = max(1, (n_accounts + 24) // 25)
    people: dict[str, dict[str, str]] = {
        k: v
        for k, v in default.get("people", {}).items()
        if v.get("role") in ("director", "vp", "ce")
    }
    for i in range(n_tas):
        people[f"ta{i}"] = {"name": f"TA {i}", "email": f"ta{i}@example.com", "role": "ta"}
    for i in range(n_aes):
        people[f"ae{i}"] = {"name": f"AE {i}", "email": f"ae{i}@example.com", "role": "ae"}
    team["organizer"] = "ta0"
    lines = _table("[team]", team)
    for key, person in people.items():
        lines += _table(f"[people.{key}]", person)
    for cadence in default.get("cadence", []):
        if n_accounts >= 500 and cadence.get("id") in ("mbr", "qbr"):
            # Leadership attends every MBR/QBR session, and the sessions must stay in their week
            # of the month: 30 AEs x 60 min already fill the director's week (60 at 1,000
            # accounts cannot), and tacal rightly refuses that layout. At this size these
            # reviews run once for the team (a real org would split into several teams).
            cadence = {k: v for k, v in cadence.items() if k != "top3"} | {"per": "team"}
        lines += _table("[[cadence]]", cadence)
    base = dt.date(2027, 2, 1)
    for i in range(n_accounts):
        lines += _table(
            "[[account]]",
            {
                "name": f"Account {i:05d}",
                "ta": f"ta{i % n_tas}",
                "ae": f"ae{i % n_aes}",
                "contacts": [f"c{i}@customer{i}.example.com"],
                "check_in": CHECK_INS[i % len(CHECK_INS)],
                "arr": 10_000 + (i * 7919) % 500_000,
                "renewal": (base + dt.timedelta(days=(i * 37) % 540)).isoformat(),
                "health": HEALTH[i % len(HEALTH)],
                "expansion": i % 3 == 0,
            },
        )
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(generate(int(sys.argv[1])))
    if len(sys.argv) > 2:
        Path(sys.argv[2]).write_text(generate(int(sys.argv[1])))
