"""Issue #11: what one edit changes once tacal.lock exists, over 40 accounts.

tests/fixtures/lock40.toml (four TAs, six AEs, a director, a VP, a CE and an SDR in Chicago; 40
accounts; no ``team.start``) is built once on TODAY, which writes the lock. Each scenario edits
the config, builds again with that lock, and compares the two calendars series by series: the
time properties of every VEVENT of a UID (DTSTART, RRULE, EXDATE, RDATE, RECURRENCE-ID), the
occurrences a subscriber sees (recurring-ical-events, so a holiday move written as an override
compares the same as one written as EXDATE + RDATE) and SEQUENCE.

Each scenario derives from what the edit means which series it concerns, and asserts that
exactly those move ("moved": their occurrences changed) and that SEQUENCE goes up exactly for
those and for series whose text legitimately changed (an agenda that lists the accounts, an
attendee list), never for anything else. The literal sets are written out too, so a change to
the fixture or to placement shows up as a readable diff.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events

from tests.conftest import FIXTURES, Result, _run

CONFIG = FIXTURES / "lock40.toml"
TODAY = "2027-03-11"  # a Thursday
LATER = "2027-03-18"  # a week later: a biweekly series started afresh would flip parity
WINDOW = (dt.date(2027, 3, 1), dt.date(2028, 4, 1))  # the year the planner settles, and more
TAS = ("ana", "ben", "cal", "dee")

Tacal = Callable[..., Result]


def uid(*parts: str) -> str:
    return "l40." + ".".join(parts) + "@tacal"


# ---- reading a calendar


@dataclass(frozen=True)
class Shape:
    """One UID as a subscriber's calendar sees it."""

    start: dt.datetime
    rrule: str | None
    exdates: tuple[dt.datetime, ...]
    rdates: tuple[dt.datetime, ...]
    sequence: int
    #: DTSTART, DTEND/DURATION, RRULE, EXDATE, RDATE and RECURRENCE-ID of every VEVENT of the
    #: UID: its occurrences are a function of these
    times: tuple[str, ...]
    #: SUMMARY, DESCRIPTION of every VEVENT of the UID (the agenda, the Top 3 override)
    text: str
    attendees: frozenset[str]


@dataclass
class Calendar:
    data: bytes
    series: dict[str, Shape]
    cal: icalendar.Calendar

    def occurrences(self, uids: Iterable[str]) -> dict[str, set[tuple[dt.datetime, dt.datetime]]]:
        """(start, end) of each occurrence of ``uids`` in WINDOW, as recurring-ical-events
        expands them (overrides, EXDATE and RDATE applied)."""
        wanted = set(uids)
        part = icalendar.Calendar()
        for comp in self.cal.subcomponents:
            if comp.name == "VTIMEZONE" or (comp.name == "VEVENT" and str(comp["UID"]) in wanted):
                part.add_component(comp)
        out: dict[str, set[tuple[dt.datetime, dt.datetime]]] = {u: set() for u in wanted}
        for event in recurring_ical_events.of(part).between(*WINDOW):
            out[str(event["UID"])].add((event["DTSTART"].dt, event["DTEND"].dt))
        return out


def _dates(comp: icalendar.Event, name: str) -> tuple[dt.datetime, ...]:
    value = comp.get(name)
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    return tuple(sorted(d.dt for v in values for d in v.dts))


def _times(comp: icalendar.Event) -> str:
    """What decides when a VEVENT's occurrences are."""
    return repr(
        tuple(
            comp.decoded(name) if name in comp else None
            for name in ("RECURRENCE-ID", "DTSTART", "DTEND", "DURATION")
        )
        + (
            comp["RRULE"].to_ical() if "RRULE" in comp else None,
            _dates(comp, "EXDATE"),
            _dates(comp, "RDATE"),
        )
    )


def read(data: bytes) -> Calendar:
    cal = icalendar.Calendar.from_ical(data)
    times: dict[str, list[str]] = {}
    texts: dict[str, list[str]] = {}
    masters: dict[str, icalendar.Event] = {}
    for comp in cal.walk("VEVENT"):
        key = str(comp["UID"])
        times.setdefault(key, []).append(_times(comp))
        texts.setdefault(key, []).append(
            f"{comp.get('SUMMARY', '')}\n{comp.get('DESCRIPTION', '')}"
        )
        if "RECURRENCE-ID" not in comp:
            masters[key] = comp
    series = {}
    for key, comp in masters.items():
        attendees = comp.get("ATTENDEE") or []
        series[key] = Shape(
            start=comp["DTSTART"].dt,
            rrule=comp["RRULE"].to_ical().decode() if "RRULE" in comp else None,
            exdates=_dates(comp, "EXDATE"),
            rdates=_dates(comp, "RDATE"),
            sequence=int(comp.get("SEQUENCE", 0)),
            times=tuple(sorted(times[key])),
            text="\n".join(texts[key]),
            attendees=frozenset(
                str(a).lower() for a in (attendees if isinstance(attendees, list) else [attendees])
            ),
        )
    return Calendar(data, series, cal)


@dataclass(frozen=True)
class Diff:
    added: set[str]
    removed: set[str]
    moved: set[str]  # occurrences changed
    bumped: set[str]  # SEQUENCE changed


def compare(old: Calendar, new: Calendar) -> Diff:
    both = set(old.series) & set(new.series)
    touched = {u for u in both if old.series[u].times != new.series[u].times}
    before, after = old.occurrences(touched), new.occurrences(touched)
    moved = {u for u in touched if before[u] != after[u]}
    for u in both - moved:  # not moved: not rewritten either
        o, n = old.series[u], new.series[u]
        assert (o.start, o.rrule, o.exdates, o.rdates) == (n.start, n.rrule, n.exdates, n.rdates), u
    return Diff(
        added=set(new.series) - set(old.series),
        removed=set(old.series) - set(new.series),
        moved=moved,
        bumped={u for u in both if old.series[u].sequence != new.series[u].sequence},
    )


# ---- building


def build(tacal: Tacal, config: Path, today: str) -> bytes:
    result = tacal("--config", config, "--today", today, "build", "-o", "-")
    assert result.code == 0, result.err
    return result.stdout_bytes


@dataclass
class Base:
    text: str
    lock: str
    calendar: Calendar
    #: every occurrence of every series in WINDOW, and who attends it
    occurrences: dict[str, set[tuple[dt.datetime, dt.datetime]]]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    """The fixture built once on TODAY with no lock: the calendar and the lock it wrote."""
    folder = tmp_path_factory.mktemp("base-lock")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TACAL_LOCK_DIR", str(folder))
        result = _run(["--config", str(CONFIG), "--today", TODAY, "build", "-o", "-"])
    assert result.code == 0, result.err
    calendar = read(result.stdout_bytes)
    return Base(
        CONFIG.read_text(encoding="utf-8"),
        (folder / "l40.lock").read_text(),
        calendar,
        calendar.occurrences(calendar.series),
    )


def with_lock(base: Base) -> Path:
    """The lock the base build wrote, where this test's builds look for it."""
    path = Path(os.environ["TACAL_LOCK_DIR"]) / "l40.lock"
    path.write_text(base.lock, encoding="utf-8")
    return path


def rebuild(tacal: Tacal, tmp_path: Path, base: Base, text: str, today: str = TODAY) -> Calendar:
    """``text`` built with the base build's lock; building again with the lock it wrote gives
    the same bytes (a build with a lock agrees with the build that wrote it)."""
    with_lock(base)
    config = tmp_path / "lock40.toml"
    config.write_text(text, encoding="utf-8")
    data = build(tacal, config, today)
    assert build(tacal, config, today) == data
    return read(data)


def edit_account(text: str, name: str, old: str, new: str) -> str:
    blocks = text.split("\n[[account]]\n")
    hits = [i for i, b in enumerate(blocks) if f'name = "{name}"\n' in b]
    assert len(hits) == 1 and old in blocks[hits[0]], name
    blocks[hits[0]] = blocks[hits[0]].replace(old, new)
    return "\n[[account]]\n".join(blocks)


def drop_account(text: str, name: str) -> str:
    blocks = text.split("\n[[account]]\n")
    kept = [b for b in blocks if f'name = "{name}"\n' not in b]
    assert len(kept) == len(blocks) - 1, name
    return "\n[[account]]\n".join(kept)


def mentions(cal: Calendar, name: str, exclude: Iterable[str] = ()) -> set[str]:
    return {u for u, s in cal.series.items() if name in s.text} - set(exclude)


def email(key: str) -> str:
    return f"mailto:{key}@l40.example"


def with_ta(shape: Shape) -> bool:
    return any(email(k) in shape.attendees for k in TAS)


def of_account(cal: Calendar, slug: str) -> set[str]:
    return {u for u in cal.series if f".{slug}@" in u or f".{slug}." in u}


# ---- the base build


def test_every_series_starts_on_or_after_the_day_it_entered_the_lock(base: Base) -> None:
    """No back-fill: with no team.start, no series starts, and nothing meets, before the
    first build's day; the bi-weekly team check-in begins on the first Tuesday after it."""
    series = base.calendar.series
    assert len(series) == 109
    assert all(s.start.date() >= dt.date(2027, 3, 11) and s.sequence == 0 for s in series.values())
    assert all(
        start.date() >= dt.date(2027, 3, 11)
        for occ in base.occurrences.values()
        for start, _ in occ
    )
    assert series[uid("team-check-in")].start.replace(tzinfo=None) == dt.datetime(2027, 3, 16, 10)


# ---- scenarios

NEW_ACCOUNT = """
[[account]]
name = "Bramble Bio"
ta = "ben"
ae = "eve"
contacts = ["it@bramble.example"]
check_in = "weekly"
arr = 90000
renewal = "2028-05-12"
health = "green"
expansion = false
"""


def test_adding_an_account_adds_its_series_and_moves_nothing(
    tacal: Tacal, tmp_path: Path, base: Base
) -> None:
    """Bramble Bio (Ben and Eve, weekly, green) gets a check-in and a renewal check; no other
    series moves. Its renewal check falls on Mon 2027-11-15, the day of Xenon Chips' (same TA
    and AE, same renewal date), which keeps its time: see the regression test below.

    SEQUENCE goes up only where an agenda now lists Bramble Bio: Eve's account team sync and
    QBR (each lists that AE's accounts) and the health score update (every TA's accounts). It
    is green, so the yellow/red renewals review does not list it, and it is not in Ben's Top
    3 (the MBR's next occurrence)."""
    new = rebuild(tacal, tmp_path, base, base.text + NEW_ACCOUNT)
    diff = compare(base.calendar, new)
    assert diff.added == {
        uid("check-in", "bramble-bio"),
        uid("renewal-check", "bramble-bio", "20280512"),
    }
    assert diff.removed == set()
    assert diff.moved == set()
    assert (
        diff.bumped
        == mentions(new, "Bramble Bio", diff.added)
        == {uid("account-team-sync", "eve"), uid("qbr", "eve"), uid("health-score-update")}
    )


def test_an_account_added_on_a_later_day_starts_that_day_and_keeps_its_start(
    tacal: Tacal, tmp_path: Path, base: Base
) -> None:
    """Added a week later, Bramble Bio's weekly check-in starts on or after that day (nothing
    back-filled to the first build's day), and a build two weeks later still has that DTSTART
    (the lock keeps the day it began, so bi-weekly parity would not move either); nothing else
    moves."""
    new = rebuild(tacal, tmp_path, base, base.text + NEW_ACCOUNT, today=LATER)
    diff = compare(base.calendar, new)
    assert diff.moved == set()
    check_in = new.series[uid("check-in", "bramble-bio")]
    assert check_in.start.date() >= dt.date(2027, 3, 18)
    assert check_in.start.date() - dt.date(2027, 3, 18) < dt.timedelta(days=7)
    later = build(tacal, tmp_path / "lock40.toml", "2027-04-01")
    assert later == new.data


def test_removing_an_account_removes_its_series_and_moves_nothing(
    tacal: Tacal, tmp_path: Path, base: Base
) -> None:
    """Kestrel Aero (Ana and Bob, CE Kim, bi-monthly) goes: its check-in, touch-base and
    renewal check go with it; what was placed after it in name order stays where it is (its
    freed times are not handed on).

    SEQUENCE goes up where an agenda listed it (Bob's sync and QBR, the health score update)
    and where an attendee list changed: it was Bob's only account with Ana, so Ana no longer
    attends Bob's sync and QBR. They keep their times: the slot still fits everyone left."""
    new = rebuild(tacal, tmp_path, base, drop_account(base.text, "Kestrel Aero"))
    diff = compare(base.calendar, new)
    assert diff.added == set()
    assert (
        diff.removed
        == of_account(base.calendar, "kestrel-aero")
        == {
            uid("check-in", "kestrel-aero"),
            uid("touch-base", "kestrel-aero"),
            uid("renewal-check", "kestrel-aero", "20280907"),
        }
    )
    assert diff.moved == set()
    fewer = {
        u
        for u in set(base.calendar.series) & set(new.series)
        if base.calendar.series[u].attendees != new.series[u].attendees
    }
    assert fewer == {uid("account-team-sync", "bob"), uid("qbr", "bob")}
    assert all(email("ana") not in new.series[u].attendees for u in fewer)
    assert (
        diff.bumped
        == (mentions(base.calendar, "Kestrel Aero", diff.removed) | fewer)
        == {uid("account-team-sync", "bob"), uid("qbr", "bob"), uid("health-score-update")}
    )


@pytest.mark.parametrize(
    ("frequency", "added"),
    [
        ("weekly", set()),
        ("bimonthly", {uid("touch-base", "alpine-water")}),
    ],
)
def test_changing_a_check_in_frequency_moves_only_that_check_in(
    tacal: Tacal, tmp_path: Path, base: Base, frequency: str, added: set[str]
) -> None:
    """Alpine Water's check-ins go from bi-weekly to weekly (same weekday and time: a
    bi-weekly pattern already held that time every week) or bi-monthly (a week of the month,
    placed afresh, plus a monthly touch-base for an account checked in on less than monthly).
    Only its own series change; no agenda but its own says how often it meets."""
    text = edit_account(
        base.text, "Alpine Water", 'check_in = "biweekly"', f'check_in = "{frequency}"'
    )
    new = rebuild(tacal, tmp_path, base, text)
    diff = compare(base.calendar, new)
    check_in = uid("check-in", "alpine-water")
    assert diff.added == added
    assert diff.removed == set()
    assert diff.moved == diff.bumped == {check_in}
    old, now = base.calendar.series[check_in], new.series[check_in]
    assert now.start.date() >= dt.date(2027, 3, 11)
    if frequency == "weekly":
        assert (now.start, now.rrule) == (old.start, "FREQ=WEEKLY;BYDAY=MO")
    else:
        assert now.rrule is not None and now.rrule.startswith("FREQ=MONTHLY;INTERVAL=2;")


def test_changing_a_team_cadence_day_moves_what_meets_at_its_new_time(
    tacal: Tacal, tmp_path: Path, base: Base
) -> None:
    """The traits review (every TA, 14:00-14:30) moves from Friday to Thursday. A team
    cadence meets at exactly its time, so every series with a TA that met at Thursday
    14:00-14:30 must go elsewhere (the six check-ins found there take the first free slot,
    which is Friday 14:00, freed by the traits review); nothing else moves."""
    text = base.text.replace('day = "FR"\ntime = "14:00"', 'day = "TH"\ntime = "14:00"')
    assert text != base.text
    new = rebuild(tacal, tmp_path, base, text)
    diff = compare(base.calendar, new)
    review = uid("traits-review")
    taken = new.occurrences([review])[review]
    assert all(
        start.weekday() == 3 or start.date() == dt.date(2027, 11, 29) for start, _ in taken
    )  # Thanksgiving's moves to Monday
    concerned = {
        u
        for u, occ in base.occurrences.items()
        if u != review
        and with_ta(base.calendar.series[u])
        and any(s < e2 and s2 < e for s, e in occ for s2, e2 in taken)
    }
    assert diff.added == diff.removed == set()
    assert (
        diff.moved
        == diff.bumped
        == {review} | concerned
        == {review}
        | {
            uid("check-in", name)
            for name in (
                "harbor-logistics",
                "hazel-hotels",
                "kite-robotics",
                "mosaic-museums",
                "sable-security",
                "xenon-chips",
            )
        }
    )
    for u in concerned:
        assert all(
            s.weekday() == 4 and s.hour == 14
            for s, _ in new.occurrences([u])[u]
            if s.date() not in (dt.date(2027, 11, 29), dt.date(2027, 12, 27))
        )


def test_adding_a_holiday_moves_only_what_met_that_day(
    tacal: Tacal, tmp_path: Path, base: Base
) -> None:
    """Wed 2027-06-16 becomes a team holiday. Exactly the series that met that day change:
    the daily task review skips it, every other one loses that occurrence and gains one on a
    later workday (Thursday). Nobody else's meetings that Thursday move out of the way, and
    the holiday moves made before stay where they were."""
    day = dt.date(2027, 6, 16)
    new = rebuild(
        tacal, tmp_path, base, base.text.replace('"2027-09-06", ', '"2027-06-16", "2027-09-06", ')
    )
    diff = compare(base.calendar, new)
    met = {u for u, occ in base.occurrences.items() if any(s.date() == day for s, _ in occ)}
    assert diff.added == diff.removed == set()
    assert (
        diff.moved
        == diff.bumped
        == met
        == {
            uid("task-review"),
            uid("check-in", "nimbus-cloud"),
            *(uid("account-team-sync", ae) for ae in ("amy", "bob", "cat", "dan", "eve", "fay")),
        }
    )
    now = new.occurrences(met)
    for u in met:
        gone = base.occurrences[u] - now[u]
        came = now[u] - base.occurrences[u]
        assert {s.date() for s, _ in gone} == {day}, u
        if u == uid("task-review"):
            assert came == set()
        else:
            assert len(came) == 1 and next(iter(came))[0].date() == dt.date(2027, 6, 17), u


def test_shorter_hours_move_only_what_no_longer_fits(
    tacal: Tacal, tmp_path: Path, base: Base
) -> None:
    """Ben now stops at 16:00. What he attends that ran past 16:00 must move: Dan's QBR
    (16:00-17:00, the last of the back-to-back sessions) and two 16:30 touch-bases. Everything
    else of Ben's keeps its time: a slot is kept while it still fits everyone who attends, so
    the other QBRs are not laid out again around Dan's."""
    text = base.text.replace(
        'email = "ben@l40.example"\nrole = "ta"\n',
        'email = "ben@l40.example"\nrole = "ta"\nhours = "09:00-16:00"\n',
    )
    new = rebuild(tacal, tmp_path, base, text)
    diff = compare(base.calendar, new)
    late = {
        u
        for u, occ in base.occurrences.items()
        if email("ben") in base.calendar.series[u].attendees
        and any(e.time() > dt.time(16) or e.date() > s.date() for s, e in occ)
    }
    assert diff.added == diff.removed == set()
    assert (
        diff.moved
        == diff.bumped
        == late
        == {
            uid("qbr", "dan"),
            uid("touch-base", "ironclad-insurance"),
            uid("touch-base", "xenon-chips"),
        }
    )
    for u, occ in new.occurrences(late).items():
        assert all(e.time() <= dt.time(16) for _, e in occ), u


# ---- regressions found by the scenarios


def test_regression_a_new_accounts_renewal_check_does_not_push_an_existing_one(
    tacal: Tacal, tmp_path: Path, base: Base
) -> None:
    """One-offs were placed afresh every build, in name order: Bramble Bio's renewal check
    took Xenon Chips' time on 2027-11-15 (same TA and AE, same date) and pushed it to 11:30.
    The lock now gives one-offs back before anything is placed."""
    xenon = uid("renewal-check", "xenon-chips", "20280512")
    new = rebuild(tacal, tmp_path, base, base.text + NEW_ACCOUNT)
    start = base.calendar.series[xenon].start
    assert start.replace(tzinfo=None) == dt.datetime(2027, 11, 15, 11)
    assert new.series[xenon].start == start
    bramble = new.series[uid("renewal-check", "bramble-bio", "20280512")].start
    assert bramble.date() == start.date() and bramble != start


@pytest.mark.parametrize(
    ("ta", "ae", "frequency"),
    [
        ("ben", "cat", "weekly"),  # took Alpine Water's and Birch Software's holiday moves
        ("ana", "amy", "weekly"),  # its pattern landed on Maple Mutual's move (Wed 07-07 14:30)
        ("ana", "amy", "monthly"),  # its pattern landed on Cedar Credit's renewal check
    ],
)
def test_regression_a_new_account_takes_no_holiday_move_or_one_off_of_another(
    tacal: Tacal, tmp_path: Path, base: Base, ta: str, ae: str, frequency: str
) -> None:
    """Holiday moves were settled afresh every build in name order, so an account named
    "Aaa New" settled first and took the time another series' holiday occurrence had moved
    to, pushing it on (and removing an account pulled later ones forward). The lock now
    remembers each move and gives it back first; a new pattern that lands on a kept move or
    one-off moves its own occurrence that day instead."""
    account = (
        f'\n[[account]]\nname = "Aaa New"\nta = "{ta}"\nae = "{ae}"\n'
        f'contacts = ["x@new.example"]\ncheck_in = "{frequency}"\nhealth = "green"\n'
    )
    new = rebuild(tacal, tmp_path, base, base.text + account)
    diff = compare(base.calendar, new)
    assert diff.added == of_account(new, "aaa-new")
    assert diff.moved == set()


def test_regression_removing_an_account_pulls_no_holiday_move_forward(
    tacal: Tacal, tmp_path: Path, base: Base
) -> None:
    """Removing Lark Legal freed the times its holiday moves and renewal check held, and
    Birch Software's check-in, Yarrow Farms' touch-base and Falcon Freight's renewal check
    moved into them."""
    new = rebuild(tacal, tmp_path, base, drop_account(base.text, "Lark Legal"))
    assert compare(base.calendar, new).moved == set()


def test_regression_a_team_meeting_moved_off_a_holiday_pushes_no_check_in(
    tacal: Tacal, tmp_path: Path, base: Base
) -> None:
    """Fri 2027-04-02 becomes a holiday: the traits review (every TA) moves to Monday 04-05.
    Team series' holiday moves were placed before anyone's check-ins, so it took 14:00 and
    pushed the Aldergrove, Birch Software and Bluefin Bank check-ins (customers invited) to
    15:00. Now it goes to the first time all four TAs have free, after them."""
    new = rebuild(
        tacal, tmp_path, base, base.text.replace('"2027-05-31", ', '"2027-04-02", "2027-05-31", ')
    )
    day = dt.date(2027, 4, 2)
    met = {u for u, occ in base.occurrences.items() if any(s.date() == day for s, _ in occ)}
    assert compare(base.calendar, new).moved == met == {uid("task-review"), uid("traits-review")}
    review = new.occurrences([uid("traits-review")])[uid("traits-review")]
    monday = [s for s, _ in review if s.date() == dt.date(2027, 4, 5)]
    assert [s.time() for s in monday] == [dt.time(15)]


def test_regression_a_reflow_forgets_the_remembered_holiday_moves(base: Base) -> None:
    """tacal plan --reflow builds with a lock that holds no slots and no one-off inputs, so
    everything is placed afresh; it kept the remembered holiday moves, which a build gives
    back first (a team series' even without a slot)."""
    from tacal.config.lock import parse
    from tacal.ical.changes import reflow_lock

    lock = parse(base.lock, None, "l40")
    assert any(e.moves for e in lock.entries.values())
    assert all(not (e.moves or e.slot or e.inputs) for e in reflow_lock(lock).entries.values())


# ---- same bytes anywhere, renewals, bad locks


def test_copy_of_config_and_lock_builds_the_same_bytes_later_elsewhere(
    tacal: Tacal, tmp_path: Path, base: Base, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config and its lock copied to a fresh folder (the lock next to the config, as
    committed) build byte-identical on a later day, to stdout, with no previous output; the
    lock is not rewritten."""
    monkeypatch.delenv("TACAL_LOCK_DIR")
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    shutil.copy(CONFIG, folder / "lock40.toml")
    (folder / "lock40.lock").write_text(base.lock, encoding="utf-8")
    assert build(tacal, folder / "lock40.toml", LATER) == base.calendar.data
    assert (folder / "lock40.lock").read_text(encoding="utf-8") == base.lock
    assert sorted(p.name for p in folder.iterdir()) == ["lock40.lock", "lock40.toml"]


def test_biweekly_parity_comes_from_the_lock_not_the_day(
    tacal: Tacal, tmp_path: Path, base: Base
) -> None:
    """The bi-weekly team check-in began Tue 2027-03-16. Built a week later with the lock it
    still meets on the 16th's fortnight (03-30); without the lock it would begin on 03-23."""
    check_in = uid("team-check-in")
    with_lock(base)
    later = read(build(tacal, CONFIG, LATER))
    assert later.series[check_in].start == base.calendar.series[check_in].start
    Path(os.environ["TACAL_LOCK_DIR"], "l40.lock").unlink()
    fresh = read(build(tacal, CONFIG, LATER))
    assert fresh.series[check_in].start.date() == dt.date(2027, 3, 23)


OVERDUE = {
    "Delta Dairy": "20270420",
    "Granite Health": "20270630",
    "Lark Legal": "20270816",
    "Redwood Schools": "20270901",
}


def test_renewal_checks_already_due_are_overdue_within_five_workdays(base: Base) -> None:
    """Renewals less than 180 days after TODAY: their check is overdue, at the first free
    time within the five workdays from TODAY (Thu 03-11 to Wed 03-17), and says so."""
    workdays = {dt.date(2027, 3, d) for d in (11, 12, 15, 16, 17)}
    checks = {u: s for u, s in base.calendar.series.items() if ".renewal-check." in u}
    overdue = {u for u, s in checks.items() if "(overdue)" in s.text}
    assert overdue == {
        uid("renewal-check", re.sub(r"\W+", "-", n.lower()), d) for n, d in OVERDUE.items()
    }
    for u in overdue:
        shape = checks[u]
        assert shape.rrule is None and shape.start.date() in workdays, u
        name = next(n for n in OVERDUE if re.sub(r"\W+", "-", n.lower()) in u)
        assert shape.text.startswith(f"Renewal Health Check: {name} (overdue)\n"), u
    for u, shape in checks.items():  # the others: on or after 180 days before the renewal
        if u not in overdue:
            renewal = dt.datetime.strptime(u.split(".")[-1].split("@")[0], "%Y%m%d").date()
            assert shape.start.date() >= renewal - dt.timedelta(days=180) > dt.date(2027, 3, 11)


def test_a_stale_renewal_date_is_a_warning_and_no_event(tacal: Tacal, base: Base) -> None:
    """Bluefin Bank and Ironclad Insurance renewed in February: no renewal check, and
    validate says why, at the account."""
    assert not [
        u
        for u in base.calendar.series
        if "bluefin-bank" in u and "renewal" in u or "ironclad" in u and "renewal" in u
    ]
    result = tacal("--config", CONFIG, "--today", TODAY, "validate")
    assert result.code == 0, result.err
    lines = CONFIG.read_text(encoding="utf-8").splitlines()
    for name, renewed in (("Bluefin Bank", "2027-02-13"), ("Ironclad Insurance", "2027-02-18")):
        line = lines.index("[[account]]", lines.index(f'name = "{name}"') - 1) + 1
        assert (
            f"{CONFIG}:{line}: account '{name}': warning: stale renewal date: '{name}' "
            f"renewed on {renewed} (in the past), so no renewal check is planned; enter "
            "the next renewal date"
        ) in result.err


def test_a_lock_from_another_team_is_a_located_error(
    tacal: Tacal, tmp_path: Path, base: Base, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TACAL_LOCK_DIR")
    config = tmp_path / "other.toml"
    config.write_text(base.text.replace('id = "l40"', 'id = "other"'), encoding="utf-8")
    lock = tmp_path / "other.lock"
    lock.write_text(base.lock, encoding="utf-8")
    result = tacal("--config", config, "--today", TODAY, "build", "-o", "out.ics")
    assert result.code == 2
    assert (
        f"{lock}: this lock belongs to team 'l40', not 'other' (team.id); use the lock "
        "that came with this config, or delete it to start afresh"
    ) in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "out.ics").exists()
    assert lock.read_text(encoding="utf-8") == base.lock


@pytest.mark.parametrize(
    ("damage", "says"),
    [
        (
            lambda text: text.replace(
                '\n[series."l40.check-in.', '\n<<<<<<< HEAD\n[series."l40.check-in.', 1
            ),  # a merge conflict committed by mistake
            "the lock is not valid TOML (Invalid statement (at line {conflict}, column 1)); restore it "
            "from version control, or delete it to start afresh",
        ),
        (
            lambda text: text.replace("start = 2027-03-11T09:00:00", 'start = "soon"', 1),
            "series 'l40.task-review@tacal': start = 'soon' is not a local date-time; restore the "
            "lock from version control or delete that table",
        ),
        (
            lambda text: text.replace("sequence = 0\n", "", 1),
            "series 'l40.account-team-sync.amy@tacal': sequence is missing; restore the lock from "
            "version control or delete that table",
        ),
    ],
)
def test_a_corrupt_lock_is_a_located_error_and_nothing_is_written(
    tacal: Tacal, tmp_path: Path, base: Base, damage: Callable[[str], str], says: str
) -> None:
    """A lock that does not parse, or a series table in it that makes no sense, stops the
    build with the lock's path (exit 2, no traceback); no calendar is written and the lock
    is left as it is."""
    lock = with_lock(base)
    broken = damage(base.lock)
    lock.write_text(broken, encoding="utf-8")
    result = tacal("--config", CONFIG, "--today", TODAY, "build", "-o", "out.ics")
    assert result.code == 2
    if "<<<<<<<" in broken:
        says = says.format(conflict=broken.splitlines().index("<<<<<<< HEAD") + 1)
    assert result.err.startswith(f"{lock}: {says}"), result.err
    assert len(result.err.splitlines()) == 1
    assert not (tmp_path / "out.ics").exists()
    assert lock.read_text(encoding="utf-8") == broken
