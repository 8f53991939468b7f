"""Running a magic cell's code: compile it as a cell, evaluate option expressions, report errors.

Cell code is compiled under a name IPython knows (``shell.compile.cache``), so tracebacks from
an op defined in a cell point at ``Cell In[3], line 2`` and ``inspect.getsource`` works on it.
It runs with the user's namespace as its globals, so functions defined in cells see the
notebook's names, and are pickled by value when shipped to worker processes.

Every problem found while reading a cell (a syntax error, a name that does not exist, a
definition the engine rejects) becomes a one-line ``UsageError`` saying which magic, which
option or which cell line: no traceback through the magic's own code.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from IPython.core.error import UsageError


def one_line(exc: BaseException) -> str:
    """``ValueError: bad value`` on one line (a message's further lines joined with ``;``)."""
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    text = lines[0] if len(lines) == 1 else f"{lines[0].rstrip(':')}: {'; '.join(lines[1:])}"
    return f"{type(exc).__name__}: {text}"


def evaluate(shell: Any, text: str, what: str) -> Any:
    """``text`` evaluated in the user's namespace; a failure is a UsageError naming ``what``."""
    try:
        return eval(text, shell.user_ns)
    except Exception as exc:
        raise UsageError(f"{what}: could not evaluate {text!r}: {one_line(exc)}") from None


def cell_number(shell: Any) -> int:
    """The execution count of the cell running now (its ``In[N]``).

    IPython caches a cell under its number before running it; since IPython 9 the shell's
    ``execution_count`` is already the next cell's while a cell runs, so the number is read
    from the cache, which is right on every version: its highest number (not its last entry:
    ipykernel names a cell's file after its text, so a cell run again with the same text
    updates an old entry in place).
    """
    names = getattr(getattr(shell, "compile", None), "_filename_map", None)
    if names:
        return max(int(n) for n in names.values())
    return int(getattr(shell, "execution_count", 0) or 0)


def cell_filename(shell: Any, source: str) -> str:
    """A filename for ``source`` that tracebacks and ``inspect`` can read back."""
    return str(shell.compile.cache(source, cell_number(shell)))


def run_definition(shell: Any, source: str, name: str, what: str, line_offset: int = 0) -> Any:
    """Run ``source`` (which defines function ``name``) and return that function.

    The definition lands in a scratch namespace, not the user's: the magic binds what it
    builds from the function.  ``line_offset`` maps source lines back to cell lines.
    """
    filename = cell_filename(shell, source)
    scratch: dict[str, Any] = {}
    try:
        exec(compile(source, filename, "exec"), shell.user_ns, scratch)
    except SyntaxError as exc:
        raise UsageError(
            f"{what}: {exc.msg} (cell line {(exc.lineno or 1) - line_offset})"
        ) from None
    except Exception as exc:
        raise UsageError(
            f"{what}: {one_line(exc)}{_cell_line(exc, filename, line_offset)}"
        ) from None
    return scratch[name]


def build(
    make: Callable[[], Any], what: str, filename: str | None = None, line_offset: int = 0
) -> Any:
    """``make()``, with any error (from the engine, or the user's composition code) as a UsageError."""
    try:
        return make()
    except Exception as exc:
        where = _cell_line(exc, filename, line_offset) if filename else ""
        raise UsageError(f"{what}: {one_line(exc)}{where}") from None


def _cell_line(exc: BaseException, filename: str | None, line_offset: int) -> str:
    tb: TracebackType | None = exc.__traceback__
    lines = [frame.lineno for frame in traceback.extract_tb(tb) if frame.filename == filename]
    if not lines or lines[-1] is None:
        return ""
    return f" (cell line {lines[-1] - line_offset})"
