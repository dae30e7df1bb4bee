"""``tacal accounts``: how the accounts were read, before anything is built.

For an ``[accounts]`` export it shows which column each field came from, what was left unread,
how dates were read, who ``add_people`` added; for every source, the counts per health and
check-in frequency and the first rows as tacal sees them (people as resolved keys, dates as
dates, health as a colour). Everything from the export is printed through
:func:`~tacal.cli.context.plain` on a console without markup: a cell is text, never a rich tag.
"""

from __future__ import annotations

import re
from collections import Counter

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tacal.cli.context import Context, console, pass_ctx, plain
from tacal.config.crm_formats import DELIMITER_NAMES
from tacal.config.crm_settings import FIELDS
from tacal.model import CHECK_INS, HEALTHS, Account, AccountsImport, Config

#: Fields an ``[accounts]`` export may leave out without losing anything tacal needs to know.
_QUIET = {"mrr", "tier", "timezone", "hours", "workdays"}


def _line(where: str) -> str:
    m = re.search(r":(\d+)(?::|$)", where)
    return m.group(1) if m else ""


def _money(value: float) -> str:
    return f"{value:,.2f}" if value != int(value) else f"{value:,.0f}"


def _source(config: Config, imp: AccountsImport | None) -> str:
    if imp is not None:
        how = [
            f"preset {imp.preset}" if imp.preset else "no preset",
            imp.encoding,
            f"{DELIMITER_NAMES.get(imp.delimiter, repr(imp.delimiter))}-separated",
        ]
        if imp.footer_lines:
            how.append(f"{imp.footer_lines} footer lines skipped")
        return f"{imp.file.name} ({'; '.join(how)})"
    if config.accounts_file is not None:
        return config.accounts_file.name
    return f"{config.source} ([[account]] tables)"


def _mapping(out: Console, imp: AccountsImport) -> None:
    read = dict(imp.columns)
    table = Table(title="Columns", title_justify="left")
    table.add_column("Field", no_wrap=True)
    table.add_column("Read from", overflow="fold")
    for name in FIELDS:
        if name in read:
            source = read[name]
            if name == "check_in" and source == "check_in_rules":
                source = "check_in_rules (no column)"
            elif name == "contacts" and imp.contacts_file and source == imp.contacts_file.name:
                source = f"{source} ({imp.contacts_rows} e-mails)"
            table.add_row(name, Text(plain(source)))
        elif name not in _QUIET:
            table.add_row(name, Text("-", style="dim"))
    out.print(table)
    if imp.unused:
        out.print(plain("Not read: " + ", ".join(imp.unused)))
    if imp.date_formats:
        out.print(plain("Dates: " + ", ".join(f"{h} {f}" for h, f in imp.date_formats)))
    if imp.added_people:
        out.print(plain("Added by add_people: " + ", ".join(imp.added_people)))


def _rows(out: Console, accounts: list[Account], limit: int) -> None:
    table = Table(
        title=f"First {min(limit, len(accounts))} of {len(accounts)} accounts, as tacal reads them",
        title_justify="left",
    )
    for name in (
        "Line",
        "Name",
        "TA",
        "AE",
        "CE",
        "SDR",
        "Contacts",
        "Check-in",
        "ARR",
        "Renewal",
        "Health",
        "Expansion",
        "Onboarding",
    ):
        table.add_column(
            name, overflow="fold", justify="right" if name in ("Line", "ARR") else "left"
        )
    for a in accounts[:limit]:
        cells = (
            _line(a.where),
            a.name,
            a.ta or "",
            a.ae or "",
            a.ce or "",
            a.sdr or "",
            ", ".join(a.contacts),
            a.check_in,
            _money(a.arr),
            str(a.renewal or ""),
            a.health,
            "yes" if a.expansion else "no",
            str(a.onboarding_start or ""),
        )
        table.add_row(*(Text(plain(c)) for c in cells))
    out.print(table)


@click.command("accounts")
@click.option(
    "--rows",
    "limit",
    default=10,
    show_default=True,
    type=click.IntRange(0),
    help="How many accounts to list.",
)
@pass_ctx
def accounts_command(obj: Context, limit: int) -> None:
    """Show how the accounts were read: columns, counts, and the first rows."""
    config = obj.config()
    imp = config.accounts_import
    accounts = list(config.accounts)
    if imp is not None:  # the export's rows in file order, after any [[account]] tables
        order = {name: i for i, name in enumerate(imp.names)}
        accounts.sort(key=lambda a: (a.name in order, order.get(a.name, 0)))
    out = console()
    out.print(
        Text.assemble((f"{len(accounts)} accounts", "bold"), " from ", plain(_source(config, imp)))
    )
    if imp is not None:
        _mapping(out, imp)
    health = Counter(a.health for a in accounts)
    check_in = Counter(a.check_in for a in accounts)
    out.print("Health: " + ", ".join(f"{h} {health[h]}" for h in HEALTHS))
    out.print("Check-in: " + ", ".join(f"{f} {check_in[f]}" for f in CHECK_INS))
    if accounts and limit:
        _rows(out, accounts, limit)
