"""The ``backorder-sim`` command line: parse options, call the library API, print.

Each command lives in a module of its own (``simulator.cli.<command>``) and is imported only
when it is invoked, so ``backorder-sim --help`` and ``validate`` start fast. A new command is
one module with a click command named ``command`` and one line in :data:`COMMANDS`.

Exit codes: 0 success, 1 bad input (a bad scenario file, a bad option, a missing file),
130 interrupted (SIGINT, Ctrl-C), 128 + N stopped by signal N (SIGTERM 143, SIGHUP 129).
Bad input is reported in one line per problem, never with a traceback. A stopped run stops
its worker processes and leaves no output file.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import signal
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

EXIT_BAD_INPUT = 1
"""Exit code for bad input."""
EXIT_INTERRUPTED = 130
"""Exit code after Ctrl-C."""

COMMANDS: dict[str, str] = {
    "validate": "Check scenario files and print every problem.",
    "run": "Run every policy and print each metric's mean and 95% interval.",
    "compare": "Compare policies: paired differences, a ranking and a recommendation.",
    "sweep": "Run every policy at every point of a grid of settings.",
    "optimize": "Search settings for the best objective under service-level constraints.",
    "fit": "Fit demand and lead times from CSV history; write a scenario fragment.",
    "trace": "Tell one replication of one policy as dated events, for teaching.",
    "schema": "Print the JSON Schema of the scenario file, for editors.",
}
"""Command name -> its one-line help (shown by ``--help`` without importing the command).
The command itself is ``simulator.cli.<name>.command``."""

OWN_PROCESS = False
"""Whether this process is the command itself (the console script, which reads sys.argv),
not a program calling :func:`main` with its arguments (a test): then what start-up loads
may be frozen out of the garbage collector's sight (see ``simulator.cli.common.start_up``)."""


STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""Signals that stop a command the way Ctrl-C does (SIGINT is Python's KeyboardInterrupt)."""


class Terminated(BaseException):
    """Raised in the main thread when a stop signal arrives, so that the run unwinds as
    after Ctrl-C: the executor stops its workers, no output is written."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated(signum)


@contextmanager
def _stop_signals_raise() -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP raise :class:`Terminated` (main thread only)."""
    previous = {}
    try:
        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, _raise_terminated)
    except ValueError:  # not the main thread: leave signals alone
        pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class _Cli(click.Group):
    """The command group: commands load lazily; usage errors exit 1 in one line, Ctrl-C 130."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"simulator.cli.{cmd_name}")
        command: click.Command = module.command
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """No arguments at all: the short help, exit 0 (not a usage error)."""
        if not args and not ctx.resilient_parsing:
            click.echo(ctx.get_help())
            ctx.exit(0)
        return super().parse_args(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, short in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        # At exit, Python's last garbage collection walks every object still alive (the
        # modules, pydantic's validators, ...: about 0.035 s, an eighth of a short run)
        # only to find the cycles among them, which exit frees anyway. Frozen, they are
        # left out of it. Registered once, it runs only when the interpreter exits.
        atexit.unregister(gc.freeze)
        atexit.register(gc.freeze)
        global OWN_PROCESS
        OWN_PROCESS = OWN_PROCESS or (args is None and standalone_mode)
        try:
            with _stop_signals_raise():
                code = super().main(
                    args, prog_name or "backorder-sim", complete_var, standalone_mode=False, **extra
                )
        except Terminated as exc:
            click.echo(f"Stopped by {signal.Signals(exc.signum).name}.", err=True)
            code = 128 + exc.signum
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            click.echo(f"Error: {exc.format_message()}{hint}", err=True)
            code = EXIT_BAD_INPUT
        except click.ClickException as exc:
            click.echo(f"Error: {exc.format_message()}", err=True)
            code = EXIT_BAD_INPUT
        except click.Abort:  # Ctrl-C (click turns KeyboardInterrupt into Abort)
            click.echo("Interrupted.", err=True)
            code = EXIT_INTERRUPTED
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="backorder-sim", prog_name="backorder-sim")
def main() -> None:
    """Simulate a store, its customers and its suppliers to compare backorder policies."""


def all_commands() -> dict[str, click.Command]:
    """Every command by name, imported (for the docs tests and tools that list options)."""
    ctx = click.Context(main)
    commands = {name: main.get_command(ctx, name) for name in main.list_commands(ctx)}
    return {name: command for name, command in commands.items() if command is not None}
