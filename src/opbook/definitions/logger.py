"""Loggers: where ``context.log`` messages and engine events go.

A logger definition builds a ``logging.Logger`` from an ``InitLoggerContext``.  The default
``console`` logger writes to stderr at ``INFO`` (Dagster's default is ``DEBUG``, which prints
every engine event; opbook keeps events out of the console and in the event log unless asked).
In a Jupyter kernel, the console left at its default prints from ``WARNING``: the lines below
are in the run's record (its DataFrame, the run panel), not in stderr boxes under the cell
(``set_default_console_level``; a ``log_level`` other than ``INFO`` in the run config is kept).
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import Callable
from typing import Any

from opbook import config as cfg
from opbook.definitions.configured import Configurable, ConfiguredSchema, split_config_schema
from opbook.definitions.engine import engine
from opbook.definitions.frozen import Frozen, wraps


class LoggerDefinition(Configurable, Frozen):
    """How to build one logger: ``logger_fn(init_context) -> logging.Logger`` (a frozen value)."""

    # Loggers are named by their key in a mode: a name given to ``configured`` labels the copy.
    configured_naming = "label"
    configured_label = "logger"

    def __init__(
        self,
        logger_fn: Callable[..., Any],
        config_schema: Any = None,
        description: str | None = None,
    ) -> None:
        config_schema, self.configured_from = split_config_schema(config_schema)
        self.logger_fn = logger_fn
        self.config_field: cfg.Field | None = (
            None if config_schema is None else cfg.convert_to_field(config_schema)
        )
        self.description = description

    @property
    def config_schema(self) -> cfg.Field | None:
        return self.config_field

    def copy_for_configured(
        self, name: str, description: str | None, config_schema: ConfiguredSchema
    ) -> LoggerDefinition:
        return wraps(LoggerDefinition(self.logger_fn, config_schema, description), __name__=name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Build the logger directly (for tests): ``my_logger(build_init_logger_context())``."""
        return engine().invoke_logger(self, args, kwargs)

    def __repr__(self) -> str:
        name = getattr(self, "__name__", None) or getattr(self.logger_fn, "__name__", "logger")
        return f"<LoggerDefinition {name}>"


def logger(config_schema: Any = None, description: str | None = None) -> Any:
    """Define a logger from a function of its init context.  Usable bare (``@logger``).

    The function receives an ``InitLoggerContext`` (``logger_config``, ``pipeline_def``,
    ``run_id``) and returns a ``logging.Logger``.

    Args:
        config_schema: the schema of ``loggers.<name>.config``.
        description: shown in docs and the notebook.

    Returns:
        LoggerDefinition (or, given the function directly, the decorator applied to it).
    """
    if callable(config_schema) and inspect.isfunction(config_schema):
        return LoggerDefinition(config_schema)

    def wrap(fn: Callable[..., Any]) -> LoggerDefinition:
        return LoggerDefinition(fn, config_schema, description or inspect.getdoc(fn))

    return wrap


class _ConsoleFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        step = getattr(record, "opbook_step_key", None)
        where = f"{record.name} - {step}" if step else record.name
        return f"{self.formatTime(record, '%H:%M:%S')} - {where} - {record.levelname} - {record.getMessage()}"


class _CurrentStderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now: a notebook cell, pytest and the CLI all
    replace it, and a handler holding the first one would write to a closed stream."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


# The level the console prints from when its log_level is the default, "INFO".
_default_console_level = logging.INFO


def set_default_console_level(level: int) -> None:
    """Make the console logger, left at its default ``log_level``, print from ``level``."""
    global _default_console_level
    _default_console_level = level


def _console_logger(init_context: Any) -> logging.Logger:
    level = str(init_context.logger_config["log_level"]).upper()
    name = init_context.logger_config["name"]
    log = logging.getLogger(f"opbook.console.{name}")
    chosen = getattr(logging, level, logging.INFO)
    log.setLevel(_default_console_level if level == "INFO" else chosen)
    log.propagate = False
    if not any(isinstance(h, _CurrentStderrHandler) for h in log.handlers):
        handler = _CurrentStderrHandler()
        handler.setFormatter(_ConsoleFormatter())
        log.addHandler(handler)
    return log


colored_console_logger = LoggerDefinition(
    _console_logger,
    {
        "log_level": cfg.Field(
            cfg.String, default_value="INFO", description="DEBUG, INFO, WARNING, ERROR or CRITICAL."
        ),
        "name": cfg.Field(cfg.String, default_value="dagster", description="The logger's name."),
    },
    "The default logger: prints to stderr.",
)
default_loggers: dict[str, LoggerDefinition] = {"console": colored_console_logger}
