"""The one error the command line raises itself: bad input, reported on one line.

``main`` turns it (and the engine's errors about what was asked for: an invalid run config, an
unknown preset, a selection that selects nothing) into a message on stderr and exit code 2, so
a user sees what was wrong with the command, never a traceback.  It never leaves ``main``.
"""

from __future__ import annotations

BAD_INPUT = 2  # the exit code of bad input (argparse uses it for bad usage too)
RUN_FAILED = 1
INTERRUPTED = 130


class CommandLineError(Exception):
    """Bad input on the command line: what was wrong, and where, in one line."""


def describe_exception(exc: BaseException) -> str:
    """``ValueError: bad value`` on one line (a message's further lines joined with ``;``)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    text = lines[0] if len(lines) == 1 else f"{lines[0].rstrip(':')}: {'; '.join(lines[1:])}"
    return f"{type(exc).__name__}: {text}"
