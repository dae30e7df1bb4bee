"""Hundreds of accounts: everything is generated, nobody is double-booked, and the work grows
linearly with the number of accounts (counted, not timed: slot probes, RRULE expansions,
template renders)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pytest

from tacal import config as config_mod
from tacal.schedule import rules
from tacal.series import BuildContext, Series, build_series
from tacal.series.accounts import AccountSeries
from tacal.series.planner import Planner
from tacal.series.team import team_series

TAS, AES = 10, 20
FREQUENCIES = ("weekly", "biweekly", "monthly", "bimonthly", "quarterly")
TODAY = dt.date(2027, 4, 20)


def team_toml(accounts_csv: str, tas: int = TAS, aes: int = AES) -> str:
    people = "\n".join(
        f'[people.ta{i}]\nname = "TA {i}"\nemail = "ta{i}@big.example"\nrole = "ta"\n'
        for i in range(tas)
    ) + "\n".join(
        f'[people.ae{i}]\nname = "AE {i}"\nemail = "ae{i}@big.example"\nrole = "ae"\n'
        for i in range(aes)
    )
    return f'''accounts = "{accounts_csv}"
[team]
name = "Big"
id = "big"
timezone = "Europe/Berlin"
fiscal_year_start = 1
start = "2027-01-01"
holidays = ["2027-04-12", "2027-05-13", "2027-12-24"]  # none in a QBR week: it is full
leadership = ["dir"]

[people.dir]
name = "Director"
email = "dir@big.example"
role = "director"

{people}
[[cadence]]
id = "qbr"
summary = "QBR"
rule = "fiscal-quarterly"
per = "ae"
day = "TU"
week = 1
time = "13:00"
duration = 60
attendees = ["@ae", "@ta", "@leadership"]

[[cadence]]
id = "mbr"
summary = "MBR"
rule = "monthly"
per = "ta"
day = "WE"
week = 2
time = "13:00"
duration = 30
top3 = true
attendees = ["@ta", "@director"]

[[cadence]]
id = "check-in"
summary = "Check-In"
rule = "check-in"
per = "account"
kind = "external"
time = "09:00"
duration = 30
attendees = ["@ta", "@ae"]

[[cadence]]
id = "touch-base"
summary = "Touch-Base"
rule = "touch-base"
per = "account"
time = "16:00"
duration = 15
attendees = ["@ta"]

[[cadence]]
id = "renewal-check"
summary = "Renewal Check"
rule = "renewal"
per = "account"
time = "11:00"
duration = 30
attendees = ["@ta", "@ae"]

[[cadence]]
id = "kickoff"
summary = "Kickoff"
rule = "onboarding"
per = "account"
workdays_after = 3
time = "11:00"
duration = 60
attendees = ["@ta", "@ae"]
'''


def accounts_csv(count: int, tas: int = TAS, aes: int = AES) -> str:
    """Deterministic accounts spread over every TA, AE, frequency, health and renewal month."""
    rows = ["name,ta,ae,ce,contacts,check_in,arr,renewal,health,expansion,onboarding_start"]
    for i in range(count):
        renewal = dt.date(2027, 8, 1) + dt.timedelta(days=(i * 7) % 365)
        onboarding = f"2027-{1 + i % 12:02d}-{1 + i % 27:02d}" if i % 10 == 0 else ""
        rows.append(
            f"Account {i:04d},ta{i % tas},ae{(i * 7) % aes},,c{i}@cust.example,"
            f"{FREQUENCIES[i % 5]},{(i * 7919) % 900_000},{renewal},"
            f"{('green', 'yellow', 'red')[i % 3]},{i % 4 == 0},{onboarding}"
        )
    return "\n".join(rows) + "\n"


def load(tmp_path: Path, count: int, tas: int = TAS, aes: int = AES) -> config_mod.Config:
    folder = tmp_path / str(count)
    folder.mkdir()
    (folder / "accounts.csv").write_text(accounts_csv(count, tas, aes))
    (folder / "tacal.toml").write_text(team_toml("accounts.csv", tas, aes))
    return config_mod.load(folder / "tacal.toml")


def work(config: config_mod.Config, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Slot probes, occurrences expanded and templates rendered for one full build."""
    counts = {"expanded": 0, "rendered": 0}
    expand, describe = rules.occurrences, BuildContext.describe

    def counting_expand(
        rec: rules.Recurrence, until: dt.datetime, timezone: str | None = None
    ) -> list[dt.datetime]:
        found = expand(rec, until, timezone)
        counts["expanded"] += len(found)
        return found

    def counting_describe(self: BuildContext, *args: object) -> str:
        counts["rendered"] += 1
        return describe(self, *args)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(rules, "occurrences", counting_expand)
        patch.setattr(BuildContext, "describe", counting_describe)
        builder = BuildContext(config, TODAY)
        planner = Planner(config, builder.start, TODAY)
        team_series(builder, planner)
        run = AccountSeries(builder, planner)
        run.build()
    assert not builder.problems
    return {**counts, "probes": run.grid.probes}


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[config_mod.Config, list[Series]]:
    config = load(tmp_path_factory.mktemp("big"), 600)
    return config, build_series(config, TODAY)


def test_every_series_is_generated(big: tuple[config_mod.Config, list[Series]]) -> None:
    config, series = big
    by_cadence: dict[str, int] = defaultdict(int)
    for s in series:
        by_cadence[s.cadence_id] += 1
    assert len(config.accounts) == 600
    assert by_cadence == {
        "qbr": AES,
        "mbr": TAS,
        "check-in": 600,
        "touch-base": 240,  # bi-monthly and quarterly: 2 of every 5
        "renewal-check": sum(
            1
            for i in range(600)
            if dt.date(2027, 8, 1) + dt.timedelta(days=(i * 7) % 365) - dt.timedelta(days=180)
            >= dt.date(2027, 1, 1)
        ),
        "kickoff": 60,  # every 10th account
    }
    # every series of an account carries it, and its TA attends
    emails = {p.key: p.email for p in config.people.values()}
    ta_of = {a.name: a.ta for a in config.accounts}
    for s in series:
        if s.account:
            assert emails[ta_of[s.account]] in {a.email for a in s.attendees}


def test_no_ta_is_double_booked(big: tuple[config_mod.Config, list[Series]]) -> None:
    """Expand every series for the second quarter and sweep each TA's meetings."""
    _, series = big
    until = dt.datetime(2027, 7, 1)
    by_person: dict[str, list[tuple[dt.datetime, dt.datetime, str]]] = defaultdict(list)
    for s in series:
        for start in rules.occurrences(s.recurrence, until):
            if start >= dt.datetime(2027, 4, 1):
                for a in s.attendees:
                    if a.email.startswith("ta"):
                        by_person[a.email].append((start, start + s.duration, s.uid))
    assert len(by_person) == TAS
    for person, meetings in by_person.items():
        meetings.sort()
        for (_, end, uid), (start, _, other) in zip(meetings, meetings[1:], strict=False):
            assert end <= start, (person, uid, other)


def test_work_grows_linearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twice the accounts with twice the people (the same load per TA) is twice the work, not
    four times: no step compares every account with every other."""
    small = work(load(tmp_path, 300, TAS, AES), monkeypatch)
    large = work(load(tmp_path, 600, 2 * TAS, 2 * AES), monkeypatch)
    for what in small:
        assert 1.5 * small[what] < large[what] < 2.5 * small[what], (what, small, large)
