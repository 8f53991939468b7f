"""``configured``: a new definition whose config is fixed, or computed from a config of its own.

``my_op.configured({"n": 3}, name="three")`` is ``my_op`` with its config given once and for all:
the new definition needs no config (its schema is an optional ``Any``).  With a function and a
schema, ``@configured(my_op, config_schema={"m": int})`` makes a definition whose own config
(``{"m": ...}``) is mapped by the function onto ``my_op``'s config.  Ops, solids, composite
solids and graphs with a config mapping, resources, loggers and executors can be configured, and
a configured definition can be configured again.

The new definition remembers where its config goes in ``configured_from`` (the parent and the
function).  Whoever reads a definition's config (run-config resolution, direct invocation) first
validates it against the definition's own schema and then calls :func:`apply_config_mapping`,
which runs the chain of functions, validating each answer against the parent's schema (filling
its defaults) so that the original function receives config exactly as if the run config had
given it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opbook import config as cfg
from opbook.errors import (
    DagsterConfigMappingFunctionError,
    ParameterCheckError,
    user_code_boundary,
)

CONFIGURABLE_KINDS = (
    "ResourceDefinition, ExecutorDefinition, CompositeSolidDefinition, GraphDefinition "
    "(with a config mapping), SolidDefinition / OpDefinition, and LoggerDefinition"
)


@dataclass(frozen=True)
class ConfiguredFrom:
    """How a configured definition's config becomes the config of the definition it came from."""

    parent: Any
    config_fn: Callable[[Any], Any]


class _FixedConfig:
    """A config function that always answers the same config (picklable, unlike a lambda)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, _config: Any) -> Any:
        return self.value

    def __repr__(self) -> str:
        return f"fixed config {self.value!r}"


def configured_schema(config_schema: Any) -> cfg.Field:
    """The config schema of a configured definition: the one given, else an optional ``Any``
    (so that a definition given a fixed config needs no config)."""
    if config_schema is None:
        return cfg.Field(cfg.Any, is_required=False)
    return cfg.convert_to_field(config_schema)


def configured_from(parent: Any, config_or_config_fn: Any) -> ConfiguredFrom:
    """The link from a new configured definition back to ``parent``."""
    fn = config_or_config_fn if callable(config_or_config_fn) else _FixedConfig(config_or_config_fn)
    return ConfiguredFrom(parent, fn)


def require_name(name: Any, definition: Any) -> str:
    """Ops, solids and graphs need a name of their own when configured (names are unique)."""
    if not isinstance(name, str):
        raise ParameterCheckError(
            f'Param "name" is not a str. Got {name!r} which is type {type(name)}. A configured '
            f"{definition.node_kind} needs a new name: "
            f'{definition.name}.configured(config, name="...").'
        )
    return name


def _describe(definition: Any) -> str:
    name = getattr(definition, "name", None) or getattr(definition, "__name__", None)
    kind = type(definition).__name__
    return f'{kind} "{name}"' if name else kind


def _call_config_fn(mapping: ConfiguredFrom, definition: Any, value: Any) -> Any:
    with user_code_boundary(
        DagsterConfigMappingFunctionError,
        lambda exc: (
            f"The config mapping function on a `configured` {type(definition).__name__} has "
            f"thrown an unexpected error during its execution ({_describe(definition)}): {exc!r}"
        ),
    ):
        return mapping.config_fn({} if value is None else value)


def apply_config_mapping(definition: Any, value: Any) -> cfg.ConfigResult:
    """The config that ``definition``'s own function receives, from ``value``.

    Args:
        definition: any configurable definition (configured or not).
        value: config already validated against ``definition``'s own schema (defaults filled).

    Returns:
        A successful result holding the config for the innermost (original) definition, or the
        problems found validating a function's answer against its parent's schema.

    Raises:
        DagsterConfigMappingFunctionError: a config function raised.
    """
    mapping: ConfiguredFrom | None = getattr(definition, "configured_from", None)
    while mapping is not None:
        mapped = _call_config_fn(mapping, definition, value)
        parent = mapping.parent
        parent_field = parent.config_field
        result = (
            cfg.validate(parent_field, mapped)
            if parent_field is not None
            else cfg.ConfigResult(True, mapped)
        )
        if not result.success:
            return result
        definition, value = parent, result.value
        mapping = getattr(parent, "configured_from", None)
    return cfg.ConfigResult(True, value)


def _check_configurable(configurable: Any) -> None:
    if type(configurable).__name__ == "PendingInvocation":
        raise ParameterCheckError(
            "You have invoked `configured` on an aliased, tagged or hooked node (a pending "
            "invocation). Call `configured` on the op / solid definition itself, before using "
            "`alias`, `tag` or `with_hooks`."
        )
    if not callable(getattr(configurable, "configured", None)):
        raise ParameterCheckError(
            f"Only the following types can be used with `configured`: {CONFIGURABLE_KINDS}. "
            f"Got {configurable!r}."
        )


def configured(configurable: Any, config_schema: Any = None, **kwargs: Any) -> Callable[[Any], Any]:
    """Make a configured version of a definition, as a decorator or applied to a fixed config.

    ``@configured(s3_resource)`` on ``def dev_s3(_): return {"bucket": "dev"}``, or
    ``configured(my_op, name="three")({"n": 3})``.  A decorated function's name names the new
    op / solid / executor unless ``name=`` is given.

    Args:
        configurable: the definition to configure.
        config_schema: the schema of the config the decorated function receives.
        **kwargs: passed on to ``configurable.configured`` (``name``, ``description``).

    Returns:
        A function taking the config or the config function and returning the new definition.
    """
    _check_configurable(configurable)

    def make(config_or_config_fn: Any) -> Any:
        fn_name = (
            getattr(config_or_config_fn, "__name__", None)
            if callable(config_or_config_fn)
            else None
        )
        rest = {k: v for k, v in kwargs.items() if k != "name"}
        return configurable.configured(
            config_or_config_fn,
            name=kwargs.get("name") or fn_name,
            config_schema=config_schema,
            **rest,
        )

    return make
