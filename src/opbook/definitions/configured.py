"""``configured``: a new definition whose config is fixed, or computed from a config of its own.

``my_op.configured({"n": 3}, name="three")`` is ``my_op`` with its config given once and for all:
the new definition needs no config (its schema is an optional ``Any``).  With a function and a
schema, ``@configured(my_op, config_schema={"m": int})`` makes a definition whose own config
(``{"m": ...}``) is mapped by the function onto ``my_op``'s config.  Ops, solids, composite
solids and graphs with a config mapping, resources, loggers and executors can be configured, and
a configured definition can be configured again.

``configured`` is written once, in :class:`Configurable`, which every configurable definition
derives from; the kinds differ only in how the copy is named (``configured_naming``) and in how
it is constructed (``copy_for_configured``).  The copy is a new value made by the class's
constructor, given a :class:`ConfiguredSchema` as its ``config_schema``: the copy's own schema
together with where its config goes, which the constructor keeps as ``configured_from`` (the
parent and the function), as Dagster's ``ConfiguredDefinitionConfigSchema`` does.

Whoever reads a definition's config (run-config resolution, direct invocation) first validates
it against the definition's own schema and then calls :func:`apply_config_mapping`, which runs
the chain of functions, validating each answer against the parent's schema (filling its
defaults) so that the original function receives config exactly as if the run config had given
it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar, cast

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


@dataclass(frozen=True)
class ConfiguredSchema:
    """The ``config_schema`` a configured copy is constructed with: its own schema, and where
    its config goes."""

    field: cfg.Field
    source: ConfiguredFrom


def split_config_schema(config_schema: Any) -> tuple[Any, ConfiguredFrom | None]:
    """A constructor's ``config_schema`` argument as (the schema, where the config goes when
    the definition is a configured copy)."""
    if isinstance(config_schema, ConfiguredSchema):
        return config_schema.field, config_schema.source
    return config_schema, None


def config_argument(field: cfg.Field | None, source: ConfiguredFrom | None) -> Any:
    """The ``config_schema`` argument that rebuilds a definition with ``field`` and ``source``
    (for copies that change something else: a configured copy stays configured)."""
    return field if source is None or field is None else ConfiguredSchema(field, source)


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


Naming = Literal["required", "inherited", "label"]
C = TypeVar("C", bound="Configurable")


class Configurable:
    """What every configurable definition shares: ``configured``.

    A subclass says how its configured copy is named (``configured_naming``):
    ``"required"`` for ops, solids and graphs, whose names are unique in a job, so the copy
    needs a new one; ``"inherited"`` for executors (the name given, else the original's);
    ``"label"`` for resources and loggers, which are named by their key in a mode, so a name
    given only labels the copy (its ``__name__``, else the original's, else
    ``configured_label``).  It builds the copy in ``copy_for_configured``.
    """

    __slots__ = ()

    configured_naming: ClassVar[Naming] = "inherited"
    configured_label: ClassVar[str] = "definition"
    description: str | None

    def configured(
        self: C,
        config_or_config_fn: Any,
        name: str | None = None,
        config_schema: Any = None,
        description: str | None = None,
    ) -> C:
        """A copy whose config is ``config_or_config_fn`` (a fixed config: the copy needs
        none), or is computed by it from config matching ``config_schema``.

        Args:
            config_or_config_fn: the config, or a function from the copy's config to it.
            name: the copy's name (ops, solids and graphs need one; an executor keeps its own
                when none is given; for resources and loggers it only labels the copy).
            config_schema: the schema of the copy's own config (default: any value, optional).
            description: the copy's description (default: the original's).

        Raises:
            ParameterCheckError: an op, solid or graph is configured without a new name.
            DagsterInvalidDefinitionError: a graph without a config mapping is configured.
        """
        self.check_configurable()
        new_name = self._configured_name(name)
        schema = ConfiguredSchema(
            configured_schema(config_schema), configured_from(self, config_or_config_fn)
        )
        copy = self.copy_for_configured(new_name, description or self.description, schema)
        return cast(C, copy)

    def check_configurable(self) -> None:
        """Raise if this definition cannot be configured (graphs without a config mapping)."""

    def _configured_name(self, name: Any) -> str:
        if self.configured_naming == "required":
            return require_name(name, self)
        if self.configured_naming == "inherited":
            return str(name or getattr(self, "name", ""))
        return str(name or getattr(self, "__name__", None) or self.configured_label)

    def copy_for_configured(
        self, name: str, description: str | None, config_schema: ConfiguredSchema
    ) -> Configurable:
        """This definition constructed again with a new name, description and config schema."""
        raise NotImplementedError(f"{type(self).__name__} cannot be configured.")


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
    if not isinstance(configurable, Configurable):
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
