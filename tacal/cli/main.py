"""The ``tacal`` command group and :func:`main`, the one place errors become exit codes.

Every user-facing failure is a :class:`~tacal.errors.TacalError`; :func:`main` prints it and
exits with its code (2), so no traceback reaches a user. Commands live one family per module
and are added here explicitly.
"""

from __future__ import annotations

import importlib
import sys

import click

from tacal import __version__, clock
from tacal.cli.context import Context, err, plain
from tacal.errors import ConfigError, TacalError

#: Command name -> ``module:attribute``. Commands are imported when run (or listed by
#: --help): ``tacal build`` must not pay for the Google client, the HTTP server or the planner
#: when its output is cached.
COMMANDS = {
    "build": "tacal.cli.build:build",
    "preview": "tacal.cli.calendar:preview",
    "validate": "tacal.cli.calendar:validate",
    "onboard": "tacal.cli.calendar:onboard",
    "init": "tacal.cli.calendar:init",
    "accounts": "tacal.cli.accounts:accounts_command",
    "serve": "tacal.cli.feeds:serve",
    "publish": "tacal.cli.feeds:publish",
    "feeds": "tacal.cli.feeds:feeds_group",
    "sync": "tacal.cli.sync:sync_command",
    "invite": "tacal.cli.invite:invite_command",
    "plan": "tacal.cli.plan:plan",
    "report": "tacal.cli.report:report",
}

#: the config file's environment variable (tacal.config.ENV_CONFIG, not imported: see above)
ENV_CONFIG = "TACAL_CONFIG"


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar=ENV_CONFIG,
    help="Config file (default: ./tacal.toml, else $TACAL_CONFIG, else built-in).",
)
@click.option(
    "--today",
    "today_value",
    metavar="YYYY-MM-DD",
    envvar=clock.ENV_TODAY,
    help="Pin 'today' for every command (also $TACAL_TODAY).",
)
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option(
    "--no-busy",
    is_flag=True,
    envvar="TACAL_NO_BUSY",
    help="Do not read people's busy times (offline, or to see placement without them).",
)
@click.version_option(__version__, prog_name="tacal")
@click.pass_context
def cli(
    ctx: click.Context,
    config_path: str | None,
    today_value: str | None,
    quiet: bool,
    no_busy: bool,
) -> None:
    """Turn a Technical Advisor team's meeting cadences into real calendars."""
    ctx.obj = Context(config_path, today_value, quiet, no_busy)


def main(argv: list[str] | None = None) -> None:
    """Entry point: the single place errors become messages and exit codes."""
    try:
        cli.main(args=argv, prog_name="tacal", standalone_mode=False)
    except ConfigError as exc:
        for p in exc.problems:
            err.print(plain(p))
        sys.exit(exc.exit_code)
    except TacalError as exc:
        err.print(plain(f"tacal: error: {exc}"))
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err.print("Aborted.")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
