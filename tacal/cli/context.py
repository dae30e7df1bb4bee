"""What every command shares: the lazily loaded config, "today", the --for/--account options,
and the one rule for printing: text from configs, templates or Google is printed through
:func:`plain` on consoles without markup (``Blue Harbor [/EMEA]`` is a name, not a rich tag,
and an ESC in it must not reach the terminal)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import click

from tacal import clock

if TYPE_CHECKING:
    from rich.console import Console

    from tacal.ical.stamps import Stamp
    from tacal.model import Config
    from tacal.series import Series
    from tacal.series.who import Who

F = TypeVar("F", bound=Callable[..., Any])

#: printed when no config is found (``tacal build`` repeats it when its output is cached)
DEFAULT_NOTICE = (
    "tacal: no tacal.toml here, using the built-in default "
    "(run `tacal init` to get an editable copy)"
)


class _StderrConsole:
    """The stderr console, made on first use: rich costs a few hundredths of a second to
    import, and a quiet build that prints nothing need not pay them."""

    _console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(
                stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False
            )
        return getattr(self._console, name)


err: Console = _StderrConsole()  # type: ignore[assignment]

#: C0 controls but LF and TAB, DEL and C1 controls (ESC starts terminal escape sequences)
_TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: object) -> str:
    """``text`` safe to print: control characters shown as ``\\x1b``-style escapes."""
    return _TERMINAL_CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def console(*, stderr: bool = False) -> Console:
    """A console that prints text as it is: no markup, no highlighting."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, markup=False, emoji=False)


#: Commands that place meetings, so read people's busy times (when anyone has a source).
BUSY_COMMANDS = frozenset({"build", "preview", "validate", "plan", "sync", "publish"})


@dataclass
class Context:
    config_path: str | None
    today_value: str | None
    quiet: bool
    no_busy: bool = False
    _config: Config | None = None

    @property
    def today(self) -> dt.date:
        return clock.today(self.today_value)

    @property
    def now(self) -> dt.datetime:
        return clock.now(self.today_value)

    def config(self) -> Config:
        """The config, loaded once (imported here: commands that need none stay quick)."""
        from tacal import config as config_mod

        if self._config is None:
            path = config_mod.find_config(self.config_path)
            if path is None and not self.quiet:
                err.print(DEFAULT_NOTICE)
            self._config = config_mod.load(path)
            for w in config_mod.warnings(self._config):
                err.print(plain(w), style="yellow")
            self._read_busy(self._config)
        return self._config

    def _read_busy(self, config: Config) -> None:
        """People's busy times, once per run, for the commands that place meetings; each
        source that fails is a warning and that person is placed without it."""
        command = click.get_current_context(silent=True)
        name = command.info_name if command is not None else None
        if self.no_busy or name not in BUSY_COMMANDS or not config.uses_busy:
            return
        # imported only when someone has a source: it brings the Google client along
        from tacal import busy

        config.busy = busy.gather(config, self.today)
        if not self.quiet:
            for w in config.busy.warnings:
                err.print(plain(w), style="yellow")

    def remember(self, config: Config, series: list[Series], stamps: Mapping[str, Stamp]) -> bool:
        """Write the lock after a command that plans (build, publish, sync); True when it
        changed."""
        from tacal.config import lock as lock_file
        from tacal.ical.calendar import next_lock

        path = lock_file.lock_path(config)
        changed = lock_file.save(next_lock(config, series, stamps, self.today), path)
        if changed and not self.quiet and (config.lock is None or not config.lock.entries):
            err.print(
                plain(
                    f"wrote {path}: where each series is placed; commit it with the "
                    "config so builds stay the same everywhere"
                )
            )
        return changed


pass_ctx = click.make_pass_decorator(Context)


def filter_options(command: F) -> F:
    """``--for PERSON`` and ``--account NAME``, the same on every command that builds."""
    command = click.option("--account", metavar="NAME", help="Only this account's events.")(command)
    return click.option(
        "--for",
        "for_email",
        metavar="PERSON",
        help="Only what this person attends: a person key, name or email "
        "(any case), or the email of someone a meeting invites.",
    )(command)


def for_whom(
    config: Config, today: dt.date, text: str | None
) -> tuple[list[Series] | None, Who | None]:
    """The series and the person ``--for`` means (exit 2 if nobody); (None, None) without it."""
    from tacal.series import build_series
    from tacal.series.who import resolve_for

    if text is None:
        return None, None
    series = build_series(config, today)
    return series, resolve_for(config, series, text)


@dataclass(frozen=True)
class Scoped:
    """The series a command that sends works on: all of the config's (to tell a series that
    left the config from one outside the scope), the ones ``--for``/``--account`` choose,
    and every series' SEQUENCE/DTSTAMP from the lock."""

    config: Config
    series: list[Series]
    chosen: list[Series]
    stamps: dict[str, Stamp]
    email: str | None  # --for's person


def scoped_series(obj: Context, for_email: str | None, account: str | None) -> Scoped:
    """Build the series once and pick the scope, as ``tacal sync`` does."""
    from tacal.ical.calendar import select, stamps_for
    from tacal.series import build_series

    config = obj.config()
    series, who = for_whom(config, obj.today, for_email)
    if series is None:
        series = build_series(config, obj.today)
    email = who.email if who else None
    stamps = stamps_for(config, series, obj.now)
    chosen = select(series, for_email=email, account=account)
    return Scoped(config, series, chosen, stamps, email)
