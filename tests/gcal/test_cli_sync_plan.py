"""`tacal sync`'s plan as a person reads it (#13), the rule for e-mailing customers, and
`--overwrite` / `--restore` per series. CLI, real client, emulator over HTTP.

The first dry run of the report was 905 lines at 80 columns with addresses wrapped
mid-address, updates did not say what changed, customers were not flagged, and
`--overwrite` replaced every hand-edited series at once.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httplib2
import pytest
from google.auth.credentials import AnonymousCredentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build

from tacal.gcal.codec import event_id_for
from tests.conftest import FIXTURES, Result
from tests.support.gcal_emulator import OPEN_CLIENTS, CalendarEmulator
from tests.support.gcal_emulator import close_clients as close_clients  # noqa: F401  (autouse)
from tests.support.gcal_emulator import gcal_emulator as gcal_emulator  # noqa: F401  (fixture)

TODAY = ("--today", "2027-01-10")
UID = "berlin.{}@tacal"


@pytest.fixture
def project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gcal_emulator: CalendarEmulator
) -> CalendarEmulator:  # noqa: F811
    shutil.copy(FIXTURES / "berlin.toml", tmp_path / "tacal.toml")
    monkeypatch.setenv("TACAL_GCAL_EMULATOR_HOST", gcal_emulator.host_port)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    return gcal_emulator


def google(em: CalendarEmulator) -> Any:
    """Someone working in Google Calendar: the real client, as a person's app would call."""
    http = AuthorizedHttp(AnonymousCredentials(), http=httplib2.Http(timeout=10))
    OPEN_CLIENTS.append(http)
    return build(
        "calendar",
        "v3",
        http=http,
        static_discovery=True,
        client_options={"api_endpoint": em.api_endpoint},
    ).events()


def eid(cadence: str) -> str:
    return event_id_for(UID.format(cadence))


def change_config(path: Path) -> None:
    """Stand-up 09:30 -> 09:45, a customer invited to Month close, the kickoff removed."""
    text = path.read_text()
    text = text.replace('time = "09:30"', 'time = "09:45"')
    text = text.replace(
        'time = "16:00"\nduration = 30\nattendees = ["anna"]',
        'time = "16:00"\nduration = 30\nattendees = ["anna", "cfo@customer.example"]',
    )
    path.write_text(text[: text.index('[[cadence]]\nid = "fq"')])


PLAN = [
    "Google Calendar primary: dry run (times in Europe/Berlin)",
    "would update 2, delete 1; 0 unchanged",
    "",
    "update  Month close             +cfo@customer.example*",
    "update  Stand-up                Tue 12 Jan 09:30 -> 09:45",
    "delete  Fiscal quarter kickoff  1 guest",
    "",
    "* guests outside [people] (customers)",
    "1 external guest (customer) would be e-mailed (--send-updates all):",
    "  cfo@customer.example",
    "1 HTTP request, 0 writes",
]


def test_plan_text_exact_lines(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    assert tacal(*TODAY, "sync").code == 0
    change_config(tmp_path / "tacal.toml")
    project.reset_log()
    result = tacal(*TODAY, "sync", "--dry-run", "--send-updates", "all", "--allow-deletes")
    assert result.code == 0, result.err
    assert result.out.splitlines() == PLAN
    assert project.write_call_count() == 0


def test_plan_lists_unchanged_with_verbose_and_fits_80_columns(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    assert tacal(*TODAY, "sync").code == 0
    text = (tmp_path / "tacal.toml").read_text()
    (tmp_path / "tacal.toml").write_text(
        text.replace(
            'summary = "Stand-up"',
            'summary = "Stand-up with a title far too long to fit in its column"',
        ).replace(
            'attendees = ["anna"]',
            'attendees = ["anna", '
            '"a.very.long.customer.address@procurement.customer-example.com", '
            '"another.customer@customer-example.com"]',
            1,
        )
    )
    result = tacal(*TODAY, "sync", "--dry-run", "-v", "--send-updates", "externalOnly")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    assert "same    Fiscal quarter kickoff" in result.out
    assert "same    Month close" in result.out
    update = next(line for line in lines if line.startswith("update"))
    assert update.startswith("update  Stand-up with a title far too l… ")
    assert update.endswith("title; +2 guests")
    # the addresses are listed whole, one or more a line, never cut
    assert "  a.very.long.customer.address@procurement.customer-example.com," in lines
    assert "2 external guests (customers) would be e-mailed (--send-updates externalOnly):" in lines


def test_plan_as_json(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    assert tacal(*TODAY, "sync").code == 0
    change_config(tmp_path / "tacal.toml")
    result = tacal(
        *TODAY, "sync", "--dry-run", "--format", "json", "--allow-deletes", "--send-updates", "all"
    )
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["counts"]["updated"] == 2 and data["counts"]["deleted"] == 1
    assert data["external_emailed"] == ["cfo@customer.example"]
    series = {s["cadence"]: s for s in data["series"]}
    assert series["standup"]["old"] == {
        "start": "2027-01-12T09:30:00+01:00",
        "end": "2027-01-12T09:45:00+01:00",
    }
    assert series["standup"]["new"] == {
        "start": "2027-01-12T09:45:00+01:00",
        "end": "2027-01-12T10:00:00+01:00",
    }
    assert series["last-friday"]["added"] == ["cfo@customer.example"]
    assert series["last-friday"]["external"] == ["cfo@customer.example"]
    assert series["fq"]["action"] == "delete"


# -------------------------------------------------------------- e-mailing customers
def test_emailing_customers_without_a_terminal_needs_yes(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    assert tacal(*TODAY, "sync").code == 0
    change_config(tmp_path / "tacal.toml")
    project.reset_log()
    refused = tacal(*TODAY, "sync", "--send-updates", "all", "--allow-deletes")
    assert refused.code == 2
    assert (
        "1 external guest (customer) would be e-mailed (--send-updates all); nothing was "
        "sent: not at a terminal to confirm"
    ) in refused.err
    assert "--yes" in refused.err
    assert "Google Calendar primary: plan" in refused.out  # what it would have done
    assert project.write_call_count() == 0 and project.notifications == []
    # e-mails to team members only need no confirmation; without e-mails neither
    assert tacal(*TODAY, "sync", "--send-updates", "none", "--allow-deletes").code == 0
    change = (tmp_path / "tacal.toml").read_text().replace('"09:45"', '"10:00"')
    (tmp_path / "tacal.toml").write_text(change)
    internal = tacal(*TODAY, "sync", "--send-updates", "all")
    assert internal.code == 0, internal.err
    assert "0 external guests (customers) were e-mailed" in internal.out
    # the series and its moved occurrences (instance exceptions) each notify; only Anna
    assert project.notifications
    assert {e for n in project.notifications for e in n[2]} == {"anna@example.com"}


def test_emailing_customers_with_yes(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    assert tacal(*TODAY, "sync").code == 0
    change_config(tmp_path / "tacal.toml")
    result = tacal(*TODAY, "sync", "--send-updates", "all", "--allow-deletes", "--yes")
    assert result.code == 0, result.err
    assert "1 external guest (customer) was e-mailed (--send-updates all):" in result.out
    emailed = {e for n in project.notifications for e in n[2]}
    assert "cfo@customer.example" in emailed


@pytest.mark.parametrize("answer", [True, False])
def test_emailing_customers_at_a_terminal_asks(
    tacal: Callable[..., Result],
    project: CalendarEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: bool,
) -> None:
    from tacal.cli import sync as cli_sync

    assert tacal(*TODAY, "sync").code == 0
    change_config(tmp_path / "tacal.toml")
    asked: list[str] = []
    monkeypatch.setattr(cli_sync, "_at_terminal", lambda: True)
    monkeypatch.setattr(cli_sync, "_ask", lambda q: asked.append(q) or answer)
    project.reset_log()
    result = tacal(*TODAY, "sync", "--send-updates", "externalOnly", "--allow-deletes")
    assert asked == [
        "1 external guest (customer) would be e-mailed (--send-updates externalOnly). Send?"
    ]
    if answer:
        assert result.code == 0, result.err
        assert project.write_call_count() > 0
    else:
        assert result.code == 2
        assert "nothing was sent" in result.err
        assert project.write_call_count() == 0


# ------------------------------------------------------------ overwrite and restore
def test_overwrite_and_restore_name_series(
    tacal: Callable[..., Result], project: CalendarEmulator, tmp_path: Path
) -> None:
    assert tacal(*TODAY, "sync").code == 0
    events = google(project)
    for cadence, note in (
        ("standup", "Customer asked to move to 3pm"),
        ("last-friday", "Moved by Anna"),
    ):
        events.patch(calendarId="primary", eventId=eid(cadence), body={"summary": note}).execute()
    events.delete(calendarId="primary", eventId=eid("fq")).execute()
    config = tmp_path / "tacal.toml"
    config.write_text(config.read_text().replace("duration = 15", "duration = 20"))

    plan = tacal(*TODAY, "sync", "--dry-run")
    assert plan.code == 0, plan.err
    assert plan.out.splitlines() == [
        "Google Calendar primary: dry run",
        "nothing to write; 0 unchanged; 2 edited in Google (skipped); 1 deleted in Google",
        "(left deleted)",
        "",
        "skip    Month close             edited in Google; --overwrite last-friday",
        "skip    Stand-up                edited in Google; --overwrite standup",
        "gone    Fiscal quarter kickoff  deleted in Google; --restore fq",
        "",
        "2 HTTP requests, 0 writes",
    ]
    assert project.get_event("primary", eid("fq"))["status"] == "cancelled"  # type: ignore[index]

    typo = tacal(*TODAY, "sync", "--overwrite", "standupp")
    assert typo.code == 2
    assert (
        "--overwrite 'standupp': no series with that cadence id or UID in this sync "
        "(did you mean 'standup'?)" in typo.err
    )
    assert (
        project.get_event("primary", eid("standup"))["summary"] == "Customer asked to move to 3pm"
    )  # type: ignore[index]

    # one series by cadence id: the other edit and the deletion stay
    one = tacal(*TODAY, "sync", "--overwrite", "standup")
    assert one.code == 0, one.err
    assert project.get_event("primary", eid("standup"))["summary"] == "Stand-up"  # type: ignore[index]
    assert project.get_event("primary", eid("last-friday"))["summary"] == "Moved by Anna"  # type: ignore[index]
    assert project.get_event("primary", eid("fq"))["status"] == "cancelled"  # type: ignore[index]

    # restore by UID
    back = tacal(*TODAY, "sync", "--restore", UID.format("fq"))
    assert back.code == 0, back.err
    assert "restore " in back.out
    assert project.get_event("primary", eid("fq"))["status"] == "confirmed"  # type: ignore[index]
    assert project.get_event("primary", eid("last-friday"))["summary"] == "Moved by Anna"  # type: ignore[index]

    # and then everything
    rest = tacal(*TODAY, "sync", "--overwrite", "all")
    assert rest.code == 0, rest.err
    assert project.get_event("primary", eid("last-friday"))["summary"] == "Month close"  # type: ignore[index]
    project.reset_log()
    final = tacal(*TODAY, "sync")
    assert "nothing to write; 3 unchanged" in final.out
    assert project.write_call_count() == 0


def test_bare_overwrite_is_not_a_flag_any_more(
    tacal: Callable[..., Result], project: CalendarEmulator
) -> None:
    result = tacal(*TODAY, "sync", "--overwrite")
    assert result.code == 2
    assert "'--overwrite' requires an argument" in result.err
