"""Bad input fuzzing: random and mutated configs end with exit 0 or a clear exit-2 message,
never a traceback, and never a partial or corrupt output file."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from tests.conftest import FIXTURES, _run

SEED = (FIXTURES / "berlin.toml").read_text()
LINES = SEED.splitlines()
NOISE = st.sampled_from(
    [
        "",
        "=",
        "[",
        "]]",
        '"',
        "\\",
        "0",
        "-1",
        "99:99",
        "TX",
        "[[cadence]]",
        "true",
        '"2027-02-30"',
        "{}",
        "[]",
        "# x",
        "\x00",
        "é",
        "1e400",
        'id = "standup"',
        'rule = "RRULE:FREQ=DAILY;COUNT=0"',
        "week = 0",
        'timezone = "Nowhere/Zone"',
        "duration = -5",
        "[team]",
        'start = "0001-01-01"',
        'start = "9999-12-31"',
        'rule = "RRULE:FREQ=SECONDLY"',
        'rule = "RRULE:FREQ=DAILY;BYHOUR=1,2"',
        'until = "1900-01-01"',
        'holidays = ["0001-01-01"]',
    ]
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    lines = list(LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "insert", "replace_value", "truncate"]))
        if action == "delete":
            del lines[i]
        elif action == "insert":
            lines.insert(i, draw(NOISE))
        elif action == "replace_value" and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {draw(NOISE)}"
        elif action == "truncate":
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        if not lines:
            lines = [""]
    return "\n".join(lines) + "\n"


def check(text: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        cwd = os.getcwd()
        os.chdir(d)
        try:
            Path("tacal.toml").write_text(text, encoding="utf-8")
            result = _run(["--today", "2027-01-10", "-q", "build", "-o", "out.ics"])
        finally:
            os.chdir(cwd)
        assert result.code in (0, 2), (result.code, result.err)
        assert "Traceback" not in result.err
        out = Path(d) / "out.ics"
        if result.code == 2:
            assert not out.exists()
            assert result.err.strip(), "an error says what is wrong"
        else:
            Calendar.from_ical(out.read_bytes())  # complete and parseable
        leftovers = [p for p in Path(d).iterdir() if p.name.endswith(".tmp")]
        assert not leftovers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_configs(text: str) -> None:
    check(text)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_random_text_configs(text: str) -> None:
    with contextlib.suppress(UnicodeEncodeError):
        text.encode("utf-8")
        check(text)
