"""The lock's parsed TOML is remembered (tacal/toml_cache.py): same values as tomllib, always."""

from __future__ import annotations

import datetime as dt
import math
import os
import tomllib
from pathlib import Path

import pytest

from tacal import toml_cache

TEXT = """
version = 1
team = "t"
when = 2027-03-11T10:00:00
aware = 2027-03-11T10:00:00+05:30
utc = 2027-03-11T10:00:00Z
day = 2027-03-11
clock = 10:30:00.5
ratio = 0.1
big = inf
nan = nan
"$date" = "a key that looks like a tag"
"$$x" = { "$time" = 2.5 }
[series."a.b@tacal"]
sequence = 3
moves = [[2027-03-15T10:00:00, 2027-03-16T10:00:00]]
"""


def entries() -> list[Path]:
    return sorted((Path(os.environ["TACAL_CACHE_DIR"]) / "toml").glob("*.json"))


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return (
        type(a) is type(b) and a == b and getattr(a, "tzinfo", None) == getattr(b, "tzinfo", None)
    )


def test_cached_values_equal_tomllib() -> None:
    expected = tomllib.loads(TEXT)
    first = toml_cache.loads(TEXT)
    assert len(entries()) == 1
    second = toml_cache.loads(TEXT)  # from the cache
    assert same(first, expected) and same(second, expected)
    assert second["aware"].utcoffset() == dt.timedelta(hours=5, minutes=30)
    assert second["$date"] == "a key that looks like a tag"


@pytest.mark.parametrize("damage", [b"", b"{", b'{"digest": "x", "data": {}}', b"[1, 2]"])
def test_a_damaged_entry_is_parsed_again(damage: bytes) -> None:
    toml_cache.loads(TEXT)
    (entry,) = entries()
    entry.write_bytes(damage)
    assert same(toml_cache.loads(TEXT), tomllib.loads(TEXT))


def test_errors_are_tomllibs_and_nothing_is_remembered() -> None:
    with pytest.raises(tomllib.TOMLDecodeError):
        toml_cache.loads("version = ")
    assert entries() == []
