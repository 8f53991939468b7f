"""A failed step's error as a notebook shows it: the user's exception, from the user's frame.

The engine records a failure as opbook's wrapper (``DagsterExecutionStepExecutionError: Error
occurred while executing op ...``) caused by the exception the op raised, each with its stack.
What a notebook shows is the exception the op raised:

* ``headline(error)``: ``KeyError: 'CHF'``, the innermost cause's message on one line;
* ``user_traceback(error)``: that exception's traceback without the engine's frames before the
  user's code, with the files of notebook cells named as IPython names them
  (``Cell In[3], line 4, in convert``), ending with the headline.
"""

from __future__ import annotations

import os
import re
from typing import Any

import opbook
from opbook import DagsterEvent
from opbook.events import SerializableErrorInfo

_OPBOOK_DIR = os.path.dirname(os.path.abspath(opbook.__file__)) + os.sep
_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+)')


def innermost(error: SerializableErrorInfo) -> SerializableErrorInfo:
    """The exception at the bottom of the chain of causes (what the user's code raised)."""
    while error.cause is not None:
        error = error.cause
    return error


def headline(error: SerializableErrorInfo) -> str:
    """``KeyError: 'CHF'``: the user's exception on one line."""
    lines = [line.strip() for line in innermost(error).message.strip().splitlines()]
    return "; ".join(line for line in lines if line) or (error.cls_name or "error")


def event_error(event: DagsterEvent) -> SerializableErrorInfo | None:
    """The error of a failure event (None for other events)."""
    error = getattr(event.event_specific_data, "error", None)
    return error if isinstance(error, SerializableErrorInfo) else None


def _is_engine_frame(entry: str) -> bool:
    found = _FRAME.search(entry)
    return found is not None and os.path.abspath(found["file"]).startswith(_OPBOOK_DIR)


def _cell_numbers() -> dict[str, int]:
    """The notebook's cell files by name, with their execution counts (IPython's own map)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return {}
    shell = get_ipython()
    names: Any = getattr(getattr(shell, "compile", None), "_filename_map", None)
    return dict(names) if isinstance(names, dict) else {}


def _name_cells(text: str, cells: dict[str, int]) -> str:
    def named(found: re.Match[str]) -> str:
        number = cells.get(found["file"])
        if number is None:
            return found[0]
        return f"Cell In[{number}], line {found['line']}"

    return _FRAME.sub(named, text)


def user_traceback(error: SerializableErrorInfo) -> str:
    """The user's exception with its traceback from the user's first frame, cells named."""
    user = innermost(error)
    stack = list(user.stack)
    while len(stack) > 1 and _is_engine_frame(stack[0]):
        stack.pop(0)  # the engine's frames that called the user's code
    frames = _name_cells("".join(stack), _cell_numbers())
    return f"Traceback (most recent call last):\n{frames}{user.message.rstrip()}\n"
