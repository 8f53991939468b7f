"""``get_dagster_logger``: a plain ``logging.Logger`` whose records, logged while an op runs,
reach the run's loggers as ``context.log`` lines of that op's step.

The logger is ``dagster.builtin`` (or ``dagster.builtin.<name>``) under a ``dagster`` logger at
``DEBUG``, as in Dagster.  On first use, one handler is attached to ``dagster.builtin``: for
each record it looks for the step being run, found on the call stack by the code object of
the step runner's event loop (which the step runner registers).  So steps pay nothing: only
records logged through these loggers do the lookup.  A record logged outside a step goes on
as with any Python logger (propagated to the root's handlers, or to ``logging.lastResort``
when no handler is configured, as Python does).

Policy: a record is handed to the step's ``DagsterLogManager`` once, with its message formatted
(``msg % args``), its level, its exception and any ``extra`` fields; records that the
run's own loggers emit are not captured again.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from types import CodeType, FrameType
from typing import Any

from opbook.errors import DagsterInvariantViolationError
from opbook.execution.log_manager import DagsterLogManager

BASE_LOGGER_NAME = "dagster"
BUILTIN_LOGGER_NAME = "dagster.builtin"

# Set on a record once a step's log has it: a record propagating from a managed logger to a
# managed ancestor (``root``) reaches this handler twice.
_CAPTURED = "opbook_captured"
# The step runner's loop: its code object, and how to get the step's log from its frame.
_step_frames: dict[CodeType, Callable[[FrameType], DagsterLogManager | None]] = {}
# The attributes every LogRecord has: whatever else a record carries came from `extra=`.
_RECORD_ATTRIBUTES = frozenset(
    [*logging.makeLogRecord({}).__dict__, "message", "asctime", "opbook_run_id", _CAPTURED]
)


def register_step_frame(code: CodeType, log_of: Callable[[FrameType], Any]) -> None:
    """Say that a frame running ``code`` runs a step, whose log ``log_of(frame)`` gives."""
    _step_frames[code] = log_of


def _current_step_log() -> DagsterLogManager | None:
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        log_of = _step_frames.get(frame.f_code)
        if log_of is not None:
            return log_of(frame)
        frame = frame.f_back
    return None


def _has_other_handler(logger: logging.Logger, this: logging.Handler) -> bool:
    """Whether Python would find a handler for a record of ``logger`` without ``this``."""
    current: logging.Logger | None = logger
    while current is not None:
        if any(handler is not this for handler in current.handlers):
            return True
        if not current.propagate:
            return False
        current = current.parent
    return False


class _StepLogHandler(logging.Handler):
    """Hands records logged during a step to that step's log."""

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "opbook_run_id") or hasattr(record, _CAPTURED):
            return  # made by the run's own loggers, or already handed on: in the run's log
        log = _current_step_log()
        if log is None:
            self._outside_a_step(record)
            return
        setattr(record, _CAPTURED, True)
        extra = {k: v for k, v in record.__dict__.items() if k not in _RECORD_ATTRIBUTES}
        log.log(
            record.levelno,
            record.getMessage(),
            exc_info=record.exc_info,
            extra=extra,
        )

    def _outside_a_step(self, record: logging.LogRecord) -> None:
        # This handler would stop Python from falling back to `logging.lastResort`.
        last_resort = logging.lastResort
        if last_resort is None or record.levelno < last_resort.level:
            return
        if not _has_other_handler(logging.getLogger(record.name), self):
            last_resort.handle(record)


_handler = _StepLogHandler(logging.NOTSET)


def get_dagster_logger(name: str | None = None) -> logging.Logger:
    """A Python logger whose records, logged while an op runs, go to the run's log as that
    op's ``context.log`` lines do.  Outside a run it is an ordinary logger.

    Args:
        name: names the logger ``dagster.builtin.<name>``; without it, ``dagster.builtin``.

    Returns:
        logging.Logger: at ``DEBUG`` unless its level is set (its parent ``dagster`` is at
        ``DEBUG``); the run's loggers decide what they show.
    """
    logging.getLogger(BASE_LOGGER_NAME).setLevel(logging.DEBUG)
    builtin = logging.getLogger(BUILTIN_LOGGER_NAME)
    if _handler not in builtin.handlers:
        builtin.addHandler(_handler)
    return builtin.getChild(name) if name else builtin


def _log_level(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    level = logging.getLevelName(value.upper()) if isinstance(value, str) else None
    if not isinstance(level, int):
        raise DagsterInvariantViolationError(
            f"Bad value for python_logs.python_log_level: {value!r}. Expected a level name "
            "(DEBUG, INFO, WARNING, ERROR, CRITICAL) or an integer."
        )
    return level


def managed_python_logs(settings: Mapping[str, Any] | None) -> AbstractContextManager[None]:
    """For the ``with`` block (a run), hand what the instance's ``python_logs`` settings name to
    the step being run, as Dagster does: records of the loggers named in
    ``managed_python_loggers`` (``"root"`` for the root logger), logged while a step runs,
    become that step's log lines; ``python_log_level`` sets the level of those loggers and of
    ``get_dagster_logger()``'s.  Levels and handlers are restored afterwards.
    """
    settings = settings or {}
    names = list(settings.get("managed_python_loggers") or [])
    level = settings.get("python_log_level")
    if not names and level is None:
        return _UNMANAGED  # most runs: nothing to install, no generator to drive
    return _managing(names, level)


_UNMANAGED: AbstractContextManager[None] = nullcontext()


@contextmanager
def _managing(names: list[str], level: Any) -> Iterator[None]:
    new_level = None if level is None else _log_level(level)
    managed = [logging.getLogger(None if name == "root" else name) for name in names]
    if new_level is not None:
        managed.append(get_dagster_logger())
    managed = list(dict.fromkeys(managed))
    previous = [(logger, logger.level, _handler in logger.handlers) for logger in managed]
    try:
        for logger in managed:
            if _handler not in logger.handlers:
                logger.addHandler(_handler)
            if new_level is not None:
                logger.setLevel(new_level)
        yield
    finally:
        for logger, old_level, had_handler in previous:
            logger.setLevel(old_level)
            if not had_handler:
                logger.removeHandler(_handler)
