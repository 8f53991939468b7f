"""Resources: objects (clients, connections, settings) built once per run and handed to ops.

A resource function takes an ``InitResourceContext`` and returns the resource, or yields it,
in which case the code after the ``yield`` runs as teardown when the run ends.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterable, Iterator
from typing import Any, cast

from opbook import config as cfg
from opbook.definitions.configured import Configurable, ConfiguredSchema, split_config_schema
from opbook.definitions.engine import engine
from opbook.definitions.frozen import Frozen, wraps
from opbook.errors import DagsterInvalidDefinitionError


class ResourceDefinition(Configurable, Frozen):
    """How to build one resource (a frozen value).

    Args:
        resource_fn: ``fn(init_context) -> resource`` (or a generator yielding it).
        config_schema: the schema of ``resources.<key>.config``.
        description: shown in docs and the notebook.
        required_resource_keys: other resources this one needs.
    """

    # Resources are named by their key in a mode: a name given to ``configured`` labels the copy.
    configured_naming = "label"
    configured_label = "resource"

    def __init__(
        self,
        resource_fn: Callable[..., Any],
        config_schema: Any = None,
        description: str | None = None,
        required_resource_keys: Iterable[str] | None = None,
        version: str | None = None,
    ) -> None:
        config_schema, self.configured_from = split_config_schema(config_schema)
        if not callable(resource_fn):
            raise DagsterInvalidDefinitionError(
                f"resource_fn must be callable, got {resource_fn!r}."
            )
        self.resource_fn = resource_fn
        self.config_field: cfg.Field | None = (
            None if config_schema is None else cfg.convert_to_field(config_schema)
        )
        self.description = description
        self.required_resource_keys = frozenset(required_resource_keys or ())
        self.version = version
        params = list(inspect.signature(resource_fn).parameters)
        self.takes_context = bool(params)
        self.is_generator = inspect.isgeneratorfunction(resource_fn)

    @property
    def config_schema(self) -> cfg.Field | None:
        return self.config_field

    @staticmethod
    def hardcoded_resource(value: Any, description: str | None = None) -> ResourceDefinition:
        """A resource that is always ``value``."""
        return ResourceDefinition(lambda _init_context: value, description=description)

    @staticmethod
    def none_resource(description: str | None = None) -> ResourceDefinition:
        return ResourceDefinition.hardcoded_resource(None, description)

    @staticmethod
    def mock_resource(description: str | None = None) -> ResourceDefinition:
        from unittest import mock  # unittest.mock costs ~60 ms to import; only tests need it

        return ResourceDefinition.hardcoded_resource(mock.MagicMock(), description)

    @staticmethod
    def string_resource(description: str | None = None) -> ResourceDefinition:
        return ResourceDefinition(lambda ctx: ctx.resource_config, cfg.String, description)

    def copy_for_configured(
        self, name: str, description: str | None, config_schema: ConfiguredSchema
    ) -> ResourceDefinition:
        return wraps(self._copy_for_configured(config_schema, description), __name__=name)

    def _copy_for_configured(
        self, config_schema: Any, description: str | None
    ) -> ResourceDefinition:
        """A copy with another schema and description (subclasses keep their own class)."""
        return ResourceDefinition(
            self.resource_fn,
            config_schema,
            description,
            self.required_resource_keys,
            self.version,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Build the resource directly (for tests): ``my_resource(build_init_resource_context())``.

        Config in the context is validated (and mapped, for a configured resource); a resource
        that yields comes back as a context manager that runs its teardown on exit.
        """
        return engine().invoke_resource(self, args, kwargs)

    def __repr__(self) -> str:
        name = getattr(self, "__name__", None) or getattr(self.resource_fn, "__name__", "resource")
        return f"<ResourceDefinition {name}>"


def resource(
    config_schema: Any = None,
    description: str | None = None,
    required_resource_keys: Iterable[str] | None = None,
    version: str | None = None,
) -> Any:
    """Define a resource from a function of its init context.  Usable bare (``@resource``).

    The function receives an ``InitResourceContext`` (``resource_config``, ``resources``,
    ``log``) and returns the resource, or yields it to clean up after the run.

    Args:
        config_schema: the schema of ``resources.<key>.config``.
        description: shown in docs and the notebook.
        required_resource_keys: other resources this one needs (``init_context.resources``).
        version: a version string, kept with the definition.

    Returns:
        ResourceDefinition (or, given the function directly, the decorator applied to it).
    """
    # Used bare (``@resource``): the decorated function arrives as the first argument.  A
    # class (``config_schema=int``) or a config type is a schema, not a resource function.
    if (
        callable(config_schema)
        and not isinstance(config_schema, (type, dict, list, cfg.ConfigType, cfg.Field))
        and not hasattr(config_schema, "__config_type__")
    ):
        return resource()(config_schema)

    def wrap(fn: Callable[..., Any]) -> ResourceDefinition:
        _check_extra_params(fn)
        definition = ResourceDefinition(
            fn, config_schema, description or inspect.getdoc(fn), required_resource_keys, version
        )
        return wraps(definition, fn, ("__name__",))

    return wrap


def _check_extra_params(fn: Callable[..., Any]) -> None:
    """A resource function takes the init context, and nothing else that has no default."""
    extras = list(inspect.signature(fn).parameters.values())[1:]
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    required = [p.name for p in extras if p.default is p.empty and p.kind not in variadic]
    if required:
        raise DagsterInvalidDefinitionError(
            f"@resource decorated function '{fn.__name__}' expects only a single positional "
            f"required argument. Got required extra params {', '.join(required)}"
        )


def teardown_generator(definition: ResourceDefinition, made: Any) -> Iterator[Any] | None:
    """What a resource function returned, as a generator whose first item is the resource and
    whose end is its teardown; None for a plain value.  A generator function's generator is
    used as is; a context manager from ``@contextmanager`` (as Dagster accepts) is entered."""
    if definition.is_generator:
        return cast(Iterator[Any], made)
    if isinstance(made, contextlib.ContextDecorator) and hasattr(made, "__enter__"):
        return _entered(made)
    return None


def _entered(manager: Any) -> Iterator[Any]:
    with manager as value:
        yield value


def _config_values(init_context: Any) -> Any:
    return init_context.resource_config


def make_values_resource(**kwargs: Any) -> ResourceDefinition:
    """A resource whose value is its own config: values shared by the ops of a run.

    Args:
        **kwargs: the config schema, one entry per value (``my_str=str, my_int=int``); with
            none, any config is accepted.

    Returns:
        ResourceDefinition: ``context.resources.<key>`` is the config given under
        ``resources.<key>.config``.
    """
    return ResourceDefinition(
        _config_values,
        config_schema=kwargs or cfg.Any,
        description="Values given in its config, shared by the ops of a run.",
    )


def as_resource_definition(value: Any) -> ResourceDefinition:
    """A ``ResourceDefinition`` as is; any other value becomes a hard-coded resource."""
    return (
        value
        if isinstance(value, ResourceDefinition)
        else ResourceDefinition.hardcoded_resource(value)
    )


hardcoded_resource = ResourceDefinition.hardcoded_resource
