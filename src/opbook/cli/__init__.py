"""The ``opbook`` command: run jobs from a Python file, a module or a notebook, in a terminal.

``opbook run jobs.py``, ``opbook run analysis.ipynb -j numbers -c config.yaml --executor
multiprocess``, ``opbook reexecute RUN_ID --from-failure``, ``opbook runs``,
``opbook config-scaffold TARGET -j JOB`` and ``opbook export NOTEBOOK.ipynb -o module.py``;
``opbook --help`` and ``opbook COMMAND --help`` say more.

The modules: ``parser`` (arguments and help), ``commands`` (one function per sub-command),
``targets`` (loading a file, module or notebook and choosing a job), ``notebooks`` (running a
notebook's cells with no kernel), ``runconfig`` (YAML files, executor, masking) and ``output``
(progress line, step table, tables).  This is the top layer: it may use the notebook layer
(to read notebooks with its magics), and nothing imports it.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence

from opbook import __version__
from opbook.cli.commands import HANDLERS
from opbook.cli.errors import BAD_INPUT, INTERRUPTED, CommandLineError
from opbook.cli.output import config_problems
from opbook.cli.parser import build_parser
from opbook.errors import CheckError, DagsterError, DagsterInvalidConfigError

__all__ = ["main"]


def _error(message: str) -> None:
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    print(f"opbook: error: {'; '.join(lines)}", file=sys.stderr)


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    return code if isinstance(code, int) else BAD_INPUT


def _run_target(
    parser: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str]
) -> None:
    """``run``'s TARGET, given as such or with Dagster's ``-f FILE`` / ``-m MODULE``."""
    flagged = args.python_file or args.module_name
    if flagged and args.target is not None:
        # `-j`, `-c` ... come after `-f FILE` too: a TARGET beside it is a second target.
        parser.error(f"give TARGET or -f/-m, not both (TARGET {args.target!r}, -f/-m {flagged!r})")
    args.target = args.target or flagged
    if args.target is None:
        parser.error("run: give a TARGET (a Python file, a module or a notebook), or -f/-m")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``opbook`` command with ``argv`` (default: ``sys.argv[1:]``); returns its exit
    status: 0 done, 1 the run failed, 2 bad input, 130 interrupted."""
    parser = build_parser(HANDLERS, __version__)
    try:
        args, extra = parser.parse_known_args(argv)
        if args.command == "run":
            _run_target(parser, args, extra)
        # `reexecute RUN_ID --from-failure TARGET`: argparse leaves a late TARGET over.
        late_target = args.command == "reexecute" and args.target is None and len(extra) == 1
        if late_target and not extra[0].startswith("-"):
            args.target, extra = extra[0], []
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # --help, or bad usage (argparse has printed why)
        return _exit_code(exc.code)
    if args.command is None:
        parser.print_help(sys.stderr)
        return BAD_INPUT
    try:
        return int(args.handler(args))
    except CommandLineError as exc:
        _error(str(exc))
    except DagsterInvalidConfigError as exc:
        lines = config_problems(exc)
        _error(lines[0])
        print("\n".join(lines[1:]), file=sys.stderr)
    except (DagsterError, CheckError) as exc:
        _error(str(exc))
    except KeyboardInterrupt:
        _error("interrupted")
        return INTERRUPTED
    except sqlite3.Error as exc:  # the instance's database: a full disk, a locked or bad file
        _error(f"the instance's database failed: {exc}")
    return BAD_INPUT
