"""``context.log``: one logger that fans out to the run's loggers, tagged with the step.

A step's log also keeps each line in the run's record (``record``: given the level, the
message and the step key), at every level, as Dagster keeps user log lines in the event log;
the run's loggers get the lines at or above their levels.  A log with nothing to record and no
logger listening costs one comparison per call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any


class DagsterLogManager:
    """Logs to every logger of the run; messages carry the run id and the step key."""

    def __init__(
        self,
        run_id: str,
        logging_tags: Mapping[str, str],
        loggers: Sequence[logging.Logger],
        record: Callable[[int, str, str | None], None] | None = None,
    ) -> None:
        self.run_id = run_id
        self.record = record
        self.logging_tags = dict(logging_tags)
        self.loggers = list(loggers)
        self._extra = {"opbook_run_id": run_id, "opbook_step_key": logging_tags.get("step_key")}
        # The lowest level any logger listens to: cheaper than asking each logger each time.
        self._min_level = min(
            (lg.getEffectiveLevel() for lg in self.loggers), default=logging.CRITICAL + 1
        )

    def with_tags(self, **tags: str) -> DagsterLogManager:
        return DagsterLogManager(
            self.run_id, {**self.logging_tags, **tags}, self.loggers, self.record
        )

    def recording(self, record: Callable[[int, str, str | None], None]) -> DagsterLogManager:
        """This log, also keeping each line with ``record(level, message, step_key)``."""
        return DagsterLogManager(self.run_id, self.logging_tags, self.loggers, record)

    def is_enabled_for(self, level: int) -> bool:
        return level >= self._min_level

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        if self.record is not None:
            message = str(msg) % args if args else str(msg)
            self.record(level, message, self.logging_tags.get("step_key"))
        if level < self._min_level:
            return
        extra = {**self._extra, **kwargs.pop("extra", {})}
        for logger in self.loggers:
            logger.log(level, msg, *args, extra=extra, **kwargs)

    def debug(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self.log(logging.DEBUG, msg, *args, **kwargs)

    def info(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self.log(logging.INFO, msg, *args, **kwargs)

    def warning(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self.log(logging.WARNING, msg, *args, **kwargs)

    warn = warning

    def error(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self.log(logging.ERROR, msg, *args, **kwargs)

    def critical(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self.log(logging.CRITICAL, msg, *args, **kwargs)

    def exception(self, msg: Any, *args: Any, **kwargs: Any) -> None:
        self.log(logging.ERROR, msg, *args, exc_info=True, **kwargs)
