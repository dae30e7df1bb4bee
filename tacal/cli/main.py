"""The ``tacal`` command group and :func:`main`, the one place errors become exit codes.

Every user-facing failure is a :class:`~tacal.errors.TacalError`; :func:`main` prints it and
exits with its code (2), so no traceback reaches a user. Commands live one family per module
and are added here explicitly.
"""

from __future__ import annotations

import sys

import click

from tacal import __version__, clock
from tacal import config as config_mod
from tacal.cli import accounts, calendar, feeds, invite, plan, report, sync
from tacal.cli.context import Context, err, plain
from tacal.errors import ConfigError, TacalError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    metavar="PATH",
    envvar=config_mod.ENV_CONFIG,
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


for _command in (
    calendar.build,
    calendar.preview,
    calendar.validate,
    calendar.onboard,
    calendar.init,
    accounts.accounts_command,
    feeds.serve,
    feeds.publish,
    feeds.feeds_group,
    sync.sync_command,
    invite.invite_command,
    plan.plan,
    report.report,
):
    cli.add_command(_command)


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
