"""What people read in the shipped agendas, for the built-in default: a TA, the TA Director and
VP (MBR, QBR, renewals), and customers (external meetings).

No agenda sends its reader to the README or to tacal, none repeats a reason, and a customer
never reads internal data (health, ARR, renewal dates) or internal tools.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from tacal import config as config_mod
from tacal.series import build_series
from tacal.series.agenda import shipped_dir
from tests.conftest import Result

#: Days whose MBR Top 3 include renewing accounts (FY starts in February), and others.
DAYS = [
    dt.date(2027, 1, 4),
    dt.date(2027, 2, 3),
    dt.date(2027, 5, 3),
    dt.date(2027, 8, 2),
    dt.date(2027, 11, 1),
]
INTERNAL_WORDS = [
    "Vitally",
    "ARR",
    "health",
    "Health",
    "Pulse",
    "Access to Buyer",
    "Active Champion",
    "renew",
    "Renew",
    "yellow",
    "red",
    "$",
    "touch-base",
]


def agendas(day: dt.date) -> list[tuple[str, str, str]]:
    """(cadence id, kind, text) of every series body and override of the default on ``day``."""
    config = config_mod.load(None)
    out = []
    for s in build_series(config, day):
        out.append((s.cadence_id, s.kind, s.description))
        out.extend((s.cadence_id, s.kind, o.description) for o in s.overrides if o.description)
    return out


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_every_shipped_template_reads_well(day: dt.date) -> None:
    config = config_mod.load(None)
    shipped = {p.name for p in shipped_dir().glob("*.j2")}
    assert {c.template for c in config.cadences} == shipped  # the default renders every one
    texts = agendas(day)
    assert texts
    for cid, _, text in texts:
        assert text.strip(), cid
        assert "README" not in text and "tacal" not in text.lower(), (cid, text)
        for line in text.splitlines():
            dates = re.findall(r"\d{4}-\d{2}-\d{2}", line)
            assert len(dates) == len(set(dates)), (cid, line)  # "renews D (renews D ...)"
            quarters = re.findall(r"FY\d{4}-Q\d", line)
            assert len(quarters) == len(set(quarters)), (cid, line)
            assert line.count("renew") <= 1, (cid, line)
    # the Top 3 show up with their reasons, each once
    tops = [t for cid, _, t in texts if cid == "mbr" and "Why:" in t]
    assert tops
    for text in tops:
        for line in text.splitlines():
            if line.strip().startswith("Why:"):
                reasons = line.split("Why:", 1)[1].split(",")
                assert len(reasons) == len(set(reasons)), line


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_customers_read_no_internal_data(day: dt.date) -> None:
    names = [a.name for a in config_mod.load(None).accounts]
    external = [(cid, text) for cid, kind, text in agendas(day) if kind == "external"]
    assert {cid for cid, _ in external} >= {"customer-check-in"}
    for cid, text in external:
        for name in names:  # "Umbrella Health" is a customer, not a health score
            text = text.replace(name, "")
        for word in INTERNAL_WORDS:
            assert not re.search(rf"(?<!\w){re.escape(word)}", text), (cid, word, text)


def test_customer_check_in_text() -> None:
    [text] = [
        t
        for cid, _, t in agendas(dt.date(2027, 1, 4))
        if cid == "customer-check-in" and t.startswith("Acme Corp")
    ]
    assert text == (
        "Acme Corp check-in: we meet every two weeks\n"
        "\n"
        "Agenda:\n"
        "1. Your priorities and what has changed since we last spoke\n"
        "2. Open support tickets, escalations and product feedback\n"
        "3. How your teams use the product: what works, what gets in the way\n"
        "4. Next steps: who does what, by when\n"
        "\n"
        "Your Technical Advisor: Dana Lee (dana@example.com)\n"
        "Your Account Executive: Alex Kim (alex@example.com)"
    )


def test_mbr_texts_for_the_director_and_vp() -> None:
    config = config_mod.load(None)
    [mbr] = [
        s for s in build_series(config, dt.date(2027, 2, 3)) if s.uid == "ta-team.mbr.dana@tacal"
    ]
    assert mbr.description == (
        "Monthly Business Review: Dana Lee (30 min)\n"
        "\n"
        "1. Customer health metrics (5 min)\n"
        "2. Top 3 accounts (15 min, 5 min each)\n"
        "   Named in the invitation of the next MBR: the three accounts that best combine a "
        "top ARR,\n"
        "   a renewal this fiscal quarter and an expansion opportunity.\n"
        "3. Asks for the business (5 min)"
    )
    [override] = mbr.overrides
    assert override.description == (
        "Monthly Business Review: Dana Lee (30 min)\n"
        "\n"
        "1. Customer health metrics (5 min)\n"
        "2. Top 3 accounts (15 min, 5 min each)\n"
        "   1. Acme Corp: ARR $240k, health yellow, renews 2027-04-30\n"
        "      Why: top ARR, renewal this quarter (FY2028-Q1), expansion opportunity\n"
        "   2. Umbrella Health: ARR $310k, health green, renews 2027-12-31\n"
        "      Why: top ARR, expansion opportunity\n"
        "   3. Initech: ARR $90k, health red, renews 2027-03-01\n"
        "      Why: renewal this quarter (FY2028-Q1)\n"
        "3. Asks for the business (5 min)"
    )


# --------------------------------------------------------------------------- no customer


def _default_without_contacts(tmp_path: Path, *names: str) -> Path:
    text = config_mod.default_config_text()
    for name in names:
        block = text[text.index(f'name = "{name}"') :]
        line = next(row for row in block.splitlines() if row.startswith("contacts ="))
        text = text.replace(block, block.replace(line + "\n", "", 1), 1)
    path = tmp_path / "tacal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_external_meeting_without_contacts_is_a_located_warning(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    path = _default_without_contacts(tmp_path, "Acme Corp", "Hooli")
    lines = path.read_text().splitlines()
    acme = lines.index('name = "Acme Corp"')  # 0-based: the [[account]] header line number
    hooli = lines.index('name = "Hooli"')
    result = tacal("--today", "2027-01-04", "validate")
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if "nobody from the customer" in line]
    assert warnings == [
        f"{path}:{acme}: account 'Acme Corp': warning: no contacts, so the external meeting "
        "'customer-check-in' invites nobody from the customer; add contacts = "
        '["someone@customer.example"]',
        f"{path}:{hooli}: account 'Hooli': warning: no contacts, so the external meetings "
        "'customer-check-in', 'onboarding-kickoff' invite nobody from the customer; add "
        'contacts = ["someone@customer.example"]',
    ]


def test_external_meeting_without_contacts_in_the_accounts_csv(
    tacal: Callable[..., Result], tmp_path: Path
) -> None:
    text = config_mod.default_config_text()
    text = 'accounts = "accounts.csv"\n' + text[: text.index("\n[[account]]\n")]
    (tmp_path / "tacal.toml").write_text(text, encoding="utf-8")
    (tmp_path / "accounts.csv").write_text(
        "name,ta,ae,ce,contacts,check_in,arr,renewal,health,expansion\n"
        "Acme Corp,dana,alex,,,monthly,1000,,green,false\n"
        "Globex,dana,alex,,ops@globex.example.com,monthly,1000,,green,false\n",
        encoding="utf-8",
    )
    result = tacal("--today", "2027-01-04", "validate")
    assert result.code == 0, result.err
    warnings = [line for line in result.err.splitlines() if "nobody from the customer" in line]
    assert warnings == [
        f"{tmp_path / 'accounts.csv'}:2: warning: account 'Acme Corp' has no contacts, so the "
        "external meeting 'customer-check-in' invites nobody from the customer; fill in its "
        "contacts cell"
    ]


def test_internal_meetings_need_no_contacts(tacal: Callable[..., Result], tmp_path: Path) -> None:
    path = _default_without_contacts(tmp_path, "Acme Corp")
    path.write_text(
        path.read_text().replace(
            'kind = "external"                  # invites',
            'kind = "internal"                  # invites',
        )
    )
    result = tacal("--today", "2027-01-04", "validate")
    assert result.code == 0, result.err
    assert "nobody from the customer" not in result.err
