"""Config mappings: a config schema of a graph's (or a job's) own, and the function that maps a
value of it onto the config of what it contains.

On a graph, ``config_fn`` returns the config of the graph's nodes (``{"my_op": {"config": ...}}``);
on a job (``to_job(config=ConfigMapping(...))``, ``@job(config=...)``), it returns run config
(``{"ops": ...}``), and the job's run config is the mapping's simpler schema.  The function sees
values that were validated against ``config_schema`` with defaults filled; with
``receive_processed_config_values=False`` it sees them as written (an enum as its name, not its
Python value).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, overload

from opbook import config as cfg
from opbook.errors import DagsterInvalidDefinitionError


@dataclass(frozen=True)
class ConfigMapping:
    """Config of a graph or job, mapped by ``config_fn`` onto the config of what it contains.

    Args:
        config_fn: maps a value of ``config_schema`` to the config of the graph's nodes (on a
            graph) or to run config (on a job).
        config_schema: the schema of the graph's or job's own config (None: any value).
        receive_processed_config_values: False to give ``config_fn`` the values as written
            (enum names, not their Python values); defaults filled either way.
    """

    config_fn: Callable[[Any], Any]
    config_schema: Any = None
    receive_processed_config_values: bool | None = None

    def __post_init__(self) -> None:
        if not callable(self.config_fn):
            raise DagsterInvalidDefinitionError(
                f"config_fn of a ConfigMapping must be a function, got {self.config_fn!r}."
            )

    def validate_outer(self, value: Any) -> cfg.ConfigResult:
        """``value`` checked against ``config_schema``, as ``config_fn`` will receive it."""
        schema = self.config_schema if self.config_schema is not None else cfg.Any
        field = cfg.convert_to_field(schema)
        if value is None and not field.is_required and field.default_provided:
            value = field.default_value
        processed = self.receive_processed_config_values is not False
        return cfg.check_value(field.config_type, value, post_process=processed)


@overload
def config_mapping(config_fn: Callable[[Any], Any]) -> ConfigMapping: ...


@overload
def config_mapping(
    config_fn: None = None,
    config_schema: Any = None,
    receive_processed_config_values: bool | None = None,
) -> Callable[[Callable[[Any], Any]], ConfigMapping]: ...


def config_mapping(
    config_fn: Callable[[Any], Any] | None = None,
    config_schema: Any = None,
    receive_processed_config_values: bool | None = None,
) -> Any:
    """Make a :class:`ConfigMapping` of the decorated function.  Usable bare
    (``@config_mapping``) or with arguments (``@config_mapping(config_schema={"n": int})``).

    Args:
        config_fn: the function, when the decorator is used bare.
        config_schema: the schema of the config the function receives (None: any value).
        receive_processed_config_values: False to receive values as written (enum names).

    Returns:
        ConfigMapping (or, given arguments only, the decorator to apply to the function).
    """
    if config_fn is not None:
        if config_schema is not None or receive_processed_config_values is not None:
            raise DagsterInvalidDefinitionError(
                "@config_mapping takes either the function (used bare) or keyword arguments "
                "(config_schema=..., receive_processed_config_values=...), not both."
            )
        return ConfigMapping(config_fn)

    def wrap(fn: Callable[[Any], Any]) -> ConfigMapping:
        return ConfigMapping(fn, config_schema, receive_processed_config_values)

    return wrap
