"""Each series in its organizer's calendar (#13): `[sync] delegate = true` writes every
series into its organizer's own calendar as that organizer; a personal sign-in syncs only
the series that person organizes. CLI, the real client, the emulator over HTTP with each
user's own calendar (``user_calendars``: an event in a user's calendar can only have been
written acting as that user).

Who organizes what is read off the fixture here (the director the stand-up, each TA their
account's check-in, the AE the account sync), not from tacal.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, Result
from tests.support.gcal_emulator import CalendarEmulator

TODAY = ("--today", "2027-01-10")
#: organizer -> the series (tacal UIDs) its calendar must hold, from the fixture
EXPECTED = {
    "dee@example.com": {"org.standup@tacal"},
    "abe@example.com": {"org.account-sync.abe@tacal"},
    "tia@example.com": {"org.check-in.acme@tacal"},
    "tom@example.com": {"org.check-in.borg@tacal"},
}
DELEGATE = "\n[sync]\ndelegate = true\n"


@pytest.fixture
def em() -> Iterator[CalendarEmulator]:
    emulator = CalendarEmulator(time_zone="Europe/Berlin")
    emulator.user_calendars = True
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, em: CalendarEmulator) -> Path:
    config = tmp_path / "tacal.toml"
    shutil.copy(FIXTURES / "organizers.toml", config)
    monkeypatch.setenv("TACAL_GCAL_EMULATOR_HOST", em.host_port)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return config


def delegate(config: Path) -> None:
    config.write_text(config.read_text() + DELEGATE)


def uid(e: dict[str, Any]) -> str:
    return str(((e.get("extendedProperties") or {}).get("private") or {}).get("tacalUid", ""))


def live(em: CalendarEmulator, cid: str) -> list[dict[str, Any]]:
    """The live series masters in calendar ``cid`` (none when it does not exist)."""
    if cid not in em.calendars:
        return []
    return [
        e
        for e in em.calendars[cid].events.values()
        if e["status"] != "cancelled" and "recurringEventId" not in e
    ]


def held(em: CalendarEmulator) -> dict[str, set[str]]:
    """Calendar id -> the series it holds, for every calendar holding any."""
    out = {cid: {uid(e) for e in live(em, cid)} for cid in em.calendars}
    return {cid: uids for cid, uids in out.items() if uids}


def test_delegation_puts_each_series_in_its_organizers_calendar_and_resync_writes_nothing(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    delegate(project)
    first = tacal(*TODAY, "sync")
    assert first.code == 0, first.err
    assert held(em) == EXPECTED
    for owner in EXPECTED:
        for e in live(em, owner):
            assert e["organizer"]["email"] == owner
            assert e["creator"]["email"] == owner
    assert em.write_call_count() == 4
    em.reset_log()
    again = tacal(*TODAY, "sync")
    assert again.code == 0, again.err
    assert em.write_call_count() == 0
    assert "nothing to write; 4 unchanged; 4 calendars" in again.out


PLAN = [
    "Google Calendar, each organizer's calendar (delegation): dry run",
    "(times in Europe/Berlin)",
    "would create 4; 0 unchanged; 4 calendars",
    "  abe@example.com: would create 1; 0 unchanged",
    "  dee@example.com: would create 1; 0 unchanged",
    "  tia@example.com: would create 1; 0 unchanged",
    "  tom@example.com: would create 1; 0 unchanged",
    "",
    "abe@example.com",
    "create  Account sync: Abe Ames  from Wed 13 Jan 11:00; 3 guests",
    "",
    "dee@example.com",
    "create  Stand-up                from Tue 12 Jan 09:30; 3 guests",
    "",
    "tia@example.com",
    "create  Check-In: Acme          from Mon 1 Feb 14:00; 3 guests (1*)",
    "",
    "tom@example.com",
    "create  Check-In: Borg          from Tue 19 Jan 14:00; 3 guests (1*)",
    "",
    "* guests outside [people] (customers)",
    "2 external guests (customers) would be e-mailed (--send-updates all):",
    "  cto@acme.example, it@borg.example",
    "",
    "4 HTTP requests, 0 writes",
]


def test_delegation_plan_text_exact_lines(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    delegate(project)
    result = tacal(*TODAY, "sync", "--dry-run", "--send-updates", "all")
    assert result.code == 0, result.err
    assert result.out.splitlines() == PLAN
    assert em.write_call_count() == 0


def test_a_new_organizer_moves_the_series_to_their_calendar(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    delegate(project)
    assert tacal(*TODAY, "sync").code == 0
    project.write_text(project.read_text().replace('ta = "tia"', 'ta = "tom"'))
    # Tia's calendar would lose all it holds: the mass-delete guard asks first
    guarded = tacal(*TODAY, "sync")
    assert guarded.code == 2
    assert "tia@example.com" in guarded.err and "--allow-deletes" in guarded.err
    assert held(em) == EXPECTED
    moved = tacal(*TODAY, "sync", "--allow-deletes")
    assert moved.code == 0, moved.err
    want = dict(EXPECTED)
    del want["tia@example.com"]
    want["tom@example.com"] = {"org.check-in.acme@tacal", "org.check-in.borg@tacal"}
    assert held(em) == want
    assert {e["organizer"]["email"] for e in live(em, "tom@example.com")} == {"tom@example.com"}


def test_a_planning_error_in_one_calendar_writes_nothing_anywhere(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    delegate(project)
    em.faults.add("403-forbidden", match=lambda info: "tom%40example.com" in info.path)
    result = tacal(*TODAY, "sync")
    assert result.code == 2
    assert "Traceback" not in result.err
    assert "tom@example.com" in result.err
    assert em.write_call_count() == 0
    assert held(em) == {}


def test_personal_sign_in_syncs_only_the_series_that_person_organizes(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    first = tacal(*TODAY, "sync", "--as", "tia@example.com")
    assert first.code == 0, first.err
    assert held(em) == {"tia@example.com": EXPECTED["tia@example.com"]}
    lines = first.out.splitlines()
    assert lines[:3] == [
        "Google Calendar primary: synced (times in Europe/Berlin)",
        "series organized by tia@example.com (personal sign-in)",
        "created 1; 0 unchanged",
    ]
    em.reset_log()
    again = tacal(*TODAY, "sync", "--as", "tia@example.com")
    assert again.code == 0, again.err
    assert em.write_call_count() == 0


def test_a_person_asking_for_one_calendar_gets_every_series_there(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    result = tacal(*TODAY, "sync", "--as", "tia@example.com", "--calendar", "primary")
    assert result.code == 0, result.err
    assert held(em) == {"tia@example.com": set().union(*EXPECTED.values())}
    assert result.out.splitlines()[1] == "every series in one calendar"


def test_with_calendar_everything_goes_into_that_one_calendar(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    result = tacal(*TODAY, "sync", "--calendar", "primary")
    assert result.code == 0, result.err
    assert held(em) == {"primary": set().union(*EXPECTED.values())}
    assert result.out.splitlines()[0] == "Google Calendar primary: synced (times in Europe/Berlin)"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ("--calendar", "team@example.com"),
            "--calendar team@example.com and [sync] delegate = true exclude each other",
        ),
        (("--as", "tia@example.com"), "--as tia@example.com and [sync] delegate = true exclude"),
    ],
)
def test_delegation_with_one_calendar_or_one_user_is_refused(
    tacal: Callable[..., Result],
    project: Path,
    em: CalendarEmulator,
    extra: tuple[str, ...],
    message: str,
) -> None:
    delegate(project)
    result = tacal(*TODAY, "sync", *extra)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert em.http_request_count() == 0


def test_delegation_without_a_service_account_is_an_auth_error_with_the_fix(
    tacal: Callable[..., Result], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TACAL_GCAL_EMULATOR_HOST")
    delegate(project)
    oauth = FIXTURES.parents[1] / "credentials.example.json"
    result = tacal(*TODAY, "sync", "--dry-run", "--credentials", oauth)
    assert result.code == 2
    assert "[sync] delegate = true needs a service-account key with domain-wide delegation" in (
        result.err
    )
    assert "Domain-wide delegation" in result.err
    assert "Traceback" not in result.err


def test_personal_sign_in_without_who_says_how(
    tacal: Callable[..., Result], project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TACAL_GCAL_EMULATOR_HOST")
    oauth = FIXTURES.parents[1] / "credentials.example.json"
    result = tacal(*TODAY, "sync", "--dry-run", "--credentials", oauth)
    assert result.code == 2
    assert "needs to know who you are" in result.err
    assert "--as YOU@example.com" in result.err and "--calendar ID" in result.err
    assert "Traceback" not in result.err


def test_delegation_as_json_lists_every_calendar(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    import json

    delegate(project)
    result = tacal(*TODAY, "sync", "--dry-run", "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["mode"] == "each organizer's calendar (delegation)"
    assert data["counts"]["created"] == 4
    got = {c["calendar"]: {s["uid"] for s in c["series"]} for c in data["calendars"]}
    assert got == EXPECTED


def test_overwrite_names_are_checked_against_every_calendar_at_once(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    delegate(project)
    assert tacal(*TODAY, "sync").code == 0
    ok = tacal(*TODAY, "sync", "--dry-run", "--overwrite", "standup")
    assert ok.code == 0, ok.err
    typo = tacal(*TODAY, "sync", "--dry-run", "--overwrite", "standupp")
    assert typo.code == 2
    assert "--overwrite 'standupp': no series with that cadence id or UID" in typo.err
    assert "(did you mean 'standup'?)" in typo.err


def test_a_person_who_organizes_nothing_is_looked_at_and_skipped_when_unreachable(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    delegate(project)
    project.write_text(
        project.read_text().replace(
            "[[cadence]]",
            '[people.cy]\nname = "Cy Cole"\nemail = "cy@partner.example"\nrole = "ce"\n\n'
            "[[cadence]]",
            1,
        )
    )
    em.faults.add("403-forbidden", count=5, match=lambda info: "cy%40partner" in info.path)
    result = tacal(*TODAY, "sync")
    assert result.code == 0, result.err
    assert held(em) == EXPECTED
    assert "  cy@partner.example: not reachable, skipped: no permission to change events" in (
        result.out
    )


def test_a_scoped_delegated_sync_touches_only_its_scope(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    delegate(project)
    assert tacal(*TODAY, "sync").code == 0
    before = {cid: {e["id"]: e["etag"] for e in live(em, cid)} for cid in EXPECTED}
    # Acme's check-in moves to 15:00 and Borg's to 16:00; only Acme is in the scope
    text = project.read_text().replace('time = "14:00"', 'time = "15:00"')
    project.write_text(text)
    em.reset_log()
    result = tacal(*TODAY, "sync", "--account", "Acme")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith(
        "Google Calendar, each organizer's calendar (delegation), account Acme"
    )
    after = {cid: {e["id"]: e["etag"] for e in live(em, cid)} for cid in EXPECTED}
    changed = {cid for cid in EXPECTED if before[cid] != after[cid]}
    assert changed == {"tia@example.com"}
    assert em.write_call_count() == 1
    assert "3 other tacal events outside the scope left alone" in " ".join(lines)
    assert "  dee@example.com: nothing to write; 0 unchanged; 1 outside the scope" in lines


def test_a_bad_organizer_stops_sync_with_a_located_error(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    delegate(project)
    text = project.read_text()
    project.write_text(text.replace('organizer = "@ae"', 'organizer = "@ta"'))
    result = tacal(*TODAY, "sync")
    assert result.code == 2
    line = text[: text.index('organizer = "@ae"')].count("\n") + 1
    assert f"{project}:{line}: cadence 'account-sync'.organizer: '@ta' names one TA only" in (
        result.err
    )
    assert "Traceback" not in result.err
    assert em.http_request_count() == 0


def test_resync_is_zero_writes_when_google_lists_the_organizer_among_the_guests(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    """Google may add the organizer (the calendar owner) to the guests; the Stand-up's
    organizer attends it anyway, Dee's and Tom's check-ins list them already: no series may
    look edited in Google because of it."""
    em.add_organizer_attendee = True
    delegate(project)
    project.write_text(
        project.read_text().replace('attendees = ["@ta", "@director"]', 'attendees = ["@ta"]')
    )
    assert tacal(*TODAY, "sync").code == 0
    standup = live(em, "dee@example.com")[0]
    assert "dee@example.com" in {a["email"] for a in standup["attendees"]}
    em.reset_log()
    again = tacal(*TODAY, "sync")
    assert again.code == 0, again.err
    assert em.write_call_count() == 0
    assert "edited in Google" not in again.out


def test_a_personal_sign_in_that_is_someone_else_is_caught(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    """``--as`` only says who is signed in; once the calendar holds tacal's events, their
    organizer (the calendar's owner) shows whether that was true."""
    em.user_calendars = False  # every request writes into owner@example.com's primary
    first = tacal(*TODAY, "sync", "--as", "tia@example.com")
    assert first.code == 0, first.err  # nothing there yet to tell
    em.reset_log()
    again = tacal(*TODAY, "sync", "--as", "tia@example.com")
    assert again.code == 2
    assert "this Google sign-in is owner@example.com's calendar, not tia@example.com's" in again.err
    assert "--as owner@example.com" in again.err
    assert em.write_call_count() == 0


def test_delegation_needs_an_organizer_for_every_series(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    delegate(project)
    project.write_text(project.read_text().replace('organizer = "dee"\n', ""))
    result = tacal(*TODAY, "sync")
    assert result.code == 2
    assert "1 series has no organizer, so no calendar to go to with delegation: Stand-up" in (
        result.err
    )
    assert 'hint: set team.organizer, or organizer = "..." on their cadences' in result.err
    assert em.http_request_count() == 0


def test_emailing_customers_from_every_calendar_needs_yes_once(
    tacal: Callable[..., Result], project: Path, em: CalendarEmulator
) -> None:
    delegate(project)
    refused = tacal(*TODAY, "sync", "--send-updates", "all")
    assert refused.code == 2
    assert "2 external guests (customers) would be e-mailed (--send-updates all)" in refused.err
    assert "Google Calendar, each organizer's calendar (delegation): plan" in refused.out
    assert em.write_call_count() == 0
    sent = tacal(*TODAY, "sync", "--send-updates", "all", "--yes")
    assert sent.code == 0, sent.err
    assert held(em) == EXPECTED
    assert sorted(
        e for _, _, emails in em.notifications for e in emails if "example.com" not in e
    ) == [
        "cto@acme.example",
        "it@borg.example",
    ]
