"""Find, read and parse ``tacal.toml`` into a validated :class:`~tacal.model.Config`.

:func:`parse` composes the section readers (team, people, cadences, accounts, feeds, sync) over
one :class:`~tacal.config.locate.Checker`: validation never stops at the first problem, so users
fix a config in one pass, not one error per run.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path

from tacal.config import lock as lock_file
from tacal.config.accounts import read_accounts, read_accounts_csv
from tacal.config.cadences import read_cadences
from tacal.config.locate import Checker
from tacal.config.people import read_people
from tacal.config.settings import feed_settings, sync_settings
from tacal.config.team import check_team_people, read_team, template_dirs
from tacal.config.values import closest
from tacal.errors import ConfigError, Problem
from tacal.model import Account, Config

ENV_CONFIG = "TACAL_CONFIG"
DEFAULT_NAME = "tacal.toml"

#: Top-level keys and tables, one reader each in :func:`parse`.
TOP_KEYS: set[str] = {"team", "people", "cadence", "account", "accounts", "feeds", "sync"}


def default_config_text() -> str:
    """The built-in ``tacal.toml`` (what ``tacal init`` writes and what runs without a config)."""
    return resources.files("tacal").joinpath("default.toml").read_text(encoding="utf-8")


def find_config(explicit: str | None, cwd: Path | None = None) -> Path | None:
    """``--config``, else ``$TACAL_CONFIG``, else ``./tacal.toml``; None means the default."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env)
    candidate = (cwd or Path.cwd()) / DEFAULT_NAME
    return candidate if candidate.is_file() else None


def load(path: Path | None) -> Config:
    """Load ``path`` (or the built-in default when None) into a validated :class:`Config`."""
    if path is None:
        return with_lock(parse(default_config_text(), None))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            [Problem(str(path), "config file not found; run `tacal init` to create one")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(path), f"cannot read config: {exc}")]) from None
    return with_lock(parse(text, path))


def with_lock(config: Config) -> Config:
    """``config`` with its lock (:mod:`tacal.config.lock`) read in: every build then keeps what
    the lock remembers."""
    return replace(config, lock=lock_file.load(config))


def parse(text: str, path: Path | None) -> Config:
    """Validate TOML text; raises :class:`ConfigError` listing every error.

    Each reader checks its own table and reports to one checker, so every problem comes out in
    one run, in this order: unknown top-level keys, team, people, cadences, accounts (TOML, then
    CSV), templates, feeds, sync.
    """
    c = Checker(path, text)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        msg = re.sub(r"\s*\(at line.*\)", "", str(exc))
        where = f"{c.file}:{m.group(1)}" if m else c.file
        raise ConfigError([Problem(where, f"TOML syntax error: {msg} (column "
                                   f"{m.group(2) if m else '?'}); fix the syntax")]) from None
    for name in raw:
        if name not in TOP_KEYS:
            hint = closest(name, TOP_KEYS)
            c.error((name,), f"unknown top-level key {name!r}"
                    + (f"; did you mean {hint!r}?" if hint else ""))
    team = read_team(c, raw.get("team"))
    people = read_people(c, raw.get("people"))
    check_team_people(c, team, people)
    cadences = read_cadences(c, raw.get("cadence"), team, people)
    seen_accounts: dict[str, Account] = {}
    accounts = read_accounts(c, raw.get("account"), people, seen_accounts)
    crm = None
    if isinstance(raw.get("accounts"), dict):  # [accounts]: a CRM export (tacal.config.crm)
        from tacal.config.crm import read_crm_accounts

        crm_accounts, crm = read_crm_accounts(c, raw["accounts"], path.parent if path
                                              else Path.cwd(), people, seen_accounts)
        accounts += crm_accounts
    else:
        accounts += read_accounts_csv(c, raw.get("accounts"), path.parent if path
                                      else Path.cwd(), people, seen_accounts)
    base = path.parent if path else None
    templates = template_dirs(c, raw.get("team"), base)
    feeds = feed_settings(c, raw.get("feeds"))
    sync = sync_settings(c, raw.get("sync"), base)
    csv_name = raw.get("accounts")
    accounts_file = ((base or Path.cwd()) / csv_name
                     if isinstance(csv_name, str) and csv_name.strip() else
                     crm.file if crm else None)
    errors = [p for p in c.problems if p.severity == "error"]
    if errors:
        raise ConfigError(c.problems)
    return Config(
        team=team,
        people=people,
        cadences=cadences,
        accounts=accounts,
        path=path,
        template_dirs=templates,
        feeds=feeds,
        sync=sync,
        accounts_file=accounts_file,
        accounts_import=crm,
        warnings=tuple(p for p in c.problems if p.severity == "warning"),
    )


def warnings(config: Config) -> list[Problem]:
    """The located warnings found while loading ``config`` (it loaded, so no errors)."""
    return list(config.warnings)


def with_start(config: Config, start: dt.date) -> Config:
    """A copy whose team start is ``start`` (used when the config leaves start unset)."""
    return replace(config, team=replace(config.team, start=start))
