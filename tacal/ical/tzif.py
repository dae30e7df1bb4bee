"""A zone's own definition: the transitions its TZif file lists and its POSIX footer rule
(RFC 8536), found where zoneinfo finds them (``zoneinfo.TZPATH``, then the ``tzdata`` package);
with zoneinfo's offsets as the fallback."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import os
import struct
import zoneinfo
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from tacal.ical.posix_tz import Piece, PosixTz, parse_posix_tz, pieces

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_HOUR = 3600
_DAY = 86400


# --- the zone's TZif file (RFC 8536) ----------------------------------------------------------


@dataclass(frozen=True)
class Change:
    at: int  # UTC, seconds since 1970
    before: int  # offsets, seconds east of UTC
    after: int
    name: str  # abbreviation after the change

    @property
    def local(self) -> dt.datetime:
        """Wall-clock time just before the change (in the old offset), as DTSTART wants."""
        return EPOCH + dt.timedelta(seconds=self.at + self.before)


EPOCH = dt.datetime(1970, 1, 1)


def year_start(year: int) -> int:
    """Jan 1 of ``year``, 00:00 UTC, in seconds since 1970 (any year, no datetime limits)."""
    y = year - 1
    return (y * 365 + y // 4 - y // 100 + y // 400 + 1 - 719163) * _DAY


def _tzif_bytes(name: str) -> bytes | None:
    """The TZif file zoneinfo reads for ``name``: the first on zoneinfo.TZPATH, else tzdata's."""
    for base in zoneinfo.TZPATH:
        path = os.path.join(base, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                return f.read()
    try:
        return (
            importlib.resources.files("tzdata").joinpath("zoneinfo", *name.split("/")).read_bytes()
        )
    except (ImportError, OSError):
        return None


def _read_tzif(data: bytes) -> tuple[list[Change], str | None]:
    """A TZif file's offset changes (abbreviation-only changes dropped) and footer, if any."""

    def header(at: int) -> tuple[int, ...]:
        if data[at : at + 4] != b"TZif":
            raise ValueError("not a TZif file")
        return struct.unpack(">6l", data[at + 20 : at + 44])

    isut, isstd, leap, timecnt, typecnt, charcnt = header(0)
    at, size = 44, 4
    if data[4:5] >= b"2":  # skip the 32-bit block: the 64-bit one and the footer follow
        at += timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut
        isut, isstd, leap, timecnt, typecnt, charcnt = header(at)
        at, size = at + 44, 8
    times = struct.unpack(f">{timecnt}{'q' if size == 8 else 'l'}", data[at : at + timecnt * size])
    at += timecnt * size
    kinds = data[at : at + timecnt]
    at += timecnt
    types = [struct.unpack(">lBB", data[at + 6 * i : at + 6 * i + 6]) for i in range(typecnt)]
    at += typecnt * 6
    chars = data[at : at + charcnt]
    at += charcnt + leap * (size + 4) + isstd + isut

    def abbr(index: int) -> str:
        return chars[index : chars.index(b"\0", index)].decode("ascii", "replace")

    changes = []
    offset = types[0][0] if types else 0
    for when, kind in zip(times, kinds, strict=True):
        utoff, _, index = types[kind]
        if utoff != offset:
            changes.append(Change(when, offset, utoff, abbr(index)))
            offset = utoff
    footer = None
    if size == 8 and data[at : at + 1] == b"\n":
        footer = data[at + 1 : data.index(b"\n", at + 1)].decode("ascii")
    return changes, footer or None


def _rule_changes(tz: PosixTz, first_year: int, last_year: int) -> list[Change]:
    """The changes the footer's rule makes from ``first_year`` to ``last_year``."""
    assert tz.start is not None and tz.end is not None
    assert tz.dst_name is not None and tz.dst_offset is not None
    out = []
    for year in range(max(first_year, 1), min(last_year, 9998) + 1):
        for date, before, after, name in (
            (tz.start, tz.std_offset, tz.dst_offset, tz.dst_name),
            (tz.end, tz.dst_offset, tz.std_offset, tz.std_name),
        ):
            at = (date.local(year) - EPOCH) // dt.timedelta(seconds=1) - before
            out.append(Change(at, before, after, name))
    return sorted(out, key=lambda c: c.at)


def year_of(at: int) -> int:
    return (EPOCH + dt.timedelta(seconds=at)).year


@dataclass(frozen=True)
class _Zone:
    changes: tuple[Change, ...]  # the offset changes the TZif file lists
    rule: PosixTz | None  # its footer: how the zone keeps time after them
    pieces: tuple[tuple[Piece, ...], tuple[Piece, ...]] | None  # DST start, end as RRULEs
    agrees_from: float  # from this instant (UTC) on, the footer alone gives the zone's offsets
    takes_over: float  # the first change the rule makes from then on (with pieces)


def zone_of(name: str) -> _Zone | None:
    """What ``name``'s TZif file says; None if it cannot be read or its rule is not usable."""
    data = _tzif_bytes(name)
    return None if data is None else _analyse(data)


@functools.lru_cache(maxsize=1024)  # keyed by the file's bytes: a tzdata update is seen
def _analyse(data: bytes) -> _Zone | None:
    try:
        return _analysis(data)
    except (ValueError, IndexError, OverflowError, struct.error):
        return None


def _analysis(data: bytes) -> _Zone | None:
    changes, footer = _read_tzif(data)
    rule = parse_posix_tz(footer) if footer else None
    if rule is None or rule.start is None or rule.end is None:
        # no DST: the offset after the last listed change holds for good
        agrees = float(changes[-1].at) if changes else float("-inf")
        return _Zone(tuple(changes), rule, None, agrees, agrees)
    start, end = pieces(rule.start), pieces(rule.end)
    if start is None or end is None:
        return None  # J or n forms, or no yearly RRULE fits
    if not changes:
        return _Zone((), rule, (start, end), float("-inf"), float("-inf"))
    # Walk back from the last listed change while the rule makes the same change: fat TZif
    # files list the rule's changes up to 2037, slim ones stop about where it takes over.
    expected = [
        c
        for c in _rule_changes(rule, year_of(changes[0].at) - 1, year_of(changes[-1].at))
        if c.at <= changes[-1].at
    ]
    i, j = len(changes) - 1, len(expected) - 1
    while (
        i >= 0
        and j >= 0
        and (changes[i].at, changes[i].before, changes[i].after)
        == (expected[j].at, expected[j].before, expected[j].after)
    ):
        i, j = i - 1, j - 1
    if i < 0:  # every listed change is the rule's
        agrees = takes_over = changes[0].at
    elif j >= 0 and expected[j].at > changes[i].at:
        # The rule then makes a change the zone did not (it had that offset already; Nuuk
        # kept -02 in October 2023, then followed its new rule from March 2024). The rule is
        # written from that change on: tzical's standard time then moves where no clock does,
        # not at the next real change, which it would read an hour wrong.
        agrees = takes_over = expected[j].at
    else:
        agrees = changes[i].at
        if i + 1 < len(changes):
            takes_over = changes[i + 1].at
        else:
            year = year_of(changes[-1].at)
            takes_over = next(
                c.at for c in _rule_changes(rule, year, year + 2) if c.at > changes[-1].at
            )
    return _Zone(tuple(changes), rule, (start, end), float(agrees), float(takes_over))


# --- fallback: the offsets zoneinfo gives -------------------------------------------------------


def offset_at(tz: ZoneInfo, ts: int) -> int:
    off = dt.datetime.fromtimestamp(ts, tz).utcoffset()
    assert off is not None
    return off // dt.timedelta(seconds=1)


def sampled_changes(tz: ZoneInfo, lo: int, hi: int) -> list[Change]:
    """Offset changes in [lo, hi) found by asking zoneinfo every 6 hours, then bisecting."""
    step = 6 * _HOUR
    out = []
    t = lo
    prev = offset_at(tz, t)
    while t < hi:
        nxt = t + step
        cur = offset_at(tz, nxt)
        if cur != prev:
            low, high = t, nxt  # bisect to the second of the change
            while high - low > 1:
                mid = (low + high) // 2
                if offset_at(tz, mid) == prev:
                    low = mid
                else:
                    high = mid
            name = dt.datetime.fromtimestamp(high, tz).tzname() or ""
            out.append(Change(high, prev, cur, name))
            prev = cur
        t = nxt
    return out
