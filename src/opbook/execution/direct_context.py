"""The contexts user code receives when it is called directly, outside any run.

``build_op_context`` / ``build_solid_context`` make the context passed to an op invoked like a
function, ``build_hook_context``, ``build_init_resource_context`` and
``build_init_logger_context`` those of hooks, resources and loggers called directly.  Resources
given to a context as definitions are initialised on the spot (their config validated and, for
``configured`` resources, mapped); a context used as a ``with`` block tears down resources that
yield when the block ends.

Config is checked as in a run: against the definition's schema, defaults filled, then mapped
through ``configured`` (``resolve_config``), raising ``DagsterInvalidConfigError`` listing every
problem.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from opbook import config as cfg
from opbook.definitions.configured import apply_config_mapping
from opbook.definitions.logger import colored_console_logger
from opbook.definitions.resource import ResourceDefinition, teardown_generator
from opbook.errors import (
    DagsterInvalidConfigError,
    DagsterInvalidInvocationError,
    DagsterInvalidPropertyError,
    DagsterInvariantViolationError,
)
from opbook.execution.context import (
    AbstractComputeExecutionContext,
    HookContext,
    InitLoggerContext,
    InitResourceContext,
    Resources,
    UserEvents,
)
from opbook.execution.log_manager import DagsterLogManager
from opbook.storage.instance import DagsterInstance

EPHEMERAL_RUN_ID = "EPHEMERAL"


def resolve_config(definition: Any, config: Any, what: str) -> Any:
    """``config`` validated against ``definition``'s schema (defaults filled), then mapped
    through ``configured``.

    Args:
        definition: an op, resource, logger or executor definition.
        config: the raw config given (None: none given).
        what: names the definition in the error, e.g. ``op "add"``.

    Raises:
        DagsterInvalidConfigError: listing every problem.
    """
    field = definition.config_field
    if field is not None:
        result = cfg.validate(field, config)
        if not result.success:
            raise DagsterInvalidConfigError(f"Error in config for {what}", result.errors, config)
        config = result.value
    mapped = apply_config_mapping(definition, config)
    if not mapped.success:
        raise DagsterInvalidConfigError(
            f"Error in config mapping for {what}", mapped.errors, config
        )
    return mapped.value


def console_log(run_id: str) -> DagsterLogManager:
    """The console logger at its default config, as a run without logger config has it."""
    config = cfg.validate(colored_console_logger.config_field, {}).value
    logger = colored_console_logger.logger_fn(InitLoggerContext(config, colored_console_logger))
    return DagsterLogManager(run_id, {}, [logger])


class ResourceBuilder:
    """Builds resources given to a context: definitions are initialised, values kept as is."""

    def __init__(
        self, resources: Mapping[str, Any] | None, resources_config: Mapping[str, Any] | None
    ) -> None:
        self.values: dict[str, Any] = {}
        self._teardowns: list[Iterator[Any]] = []
        configs = dict(resources_config or {})
        for key, value in (resources or {}).items():
            if isinstance(value, ResourceDefinition):
                value = self._initialise(key, value, configs.get(key))
            self.values[key] = value

    def _initialise(self, key: str, definition: ResourceDefinition, config: Any) -> Any:
        config = resolve_config(definition, config, f"resource {key}")
        missing = sorted(definition.required_resource_keys - self.values.keys())
        if missing:
            raise DagsterInvalidInvocationError(
                f'Resource "{key}" requires resources {missing}, which must be given before it '
                "in the resources dict."
            )
        deps = Resources({k: self.values[k] for k in definition.required_resource_keys})
        context = InitResourceContext(config, definition, deps, EPHEMERAL_RUN_ID)
        value = (
            definition.resource_fn(context)
            if definition.takes_context
            else definition.resource_fn()
        )
        generator = teardown_generator(definition, value)
        if generator is not None:
            value = next(generator)
            self._teardowns.append(generator)
        return value

    @property
    def has_generators(self) -> bool:
        """Whether a resource yields, and so needs the context used as a ``with`` block."""
        return bool(self._teardowns)

    def in_scope(self, entered: bool, builder: str) -> dict[str, Any]:
        """The resource values, refused outside the ``with`` block when a resource yields."""
        if self._teardowns and not entered:
            raise DagsterInvariantViolationError(
                "At least one provided resource is a generator, but attempting to access "
                "resources outside of context manager scope. You can use the following syntax "
                f"to open a context manager: `with {builder}(...) as context:`"
            )
        return self.values

    def teardown(self) -> None:
        while self._teardowns:
            next(self._teardowns.pop(), None)


def _not_set(name: str, kind: str = "property") -> DagsterInvalidPropertyError:
    return DagsterInvalidPropertyError(
        f"The {name} {kind} is not set on the context when a solid is directly invoked."
    )


class DirectExecutionContext(AbstractComputeExecutionContext, UserEvents):
    """The context of an op invoked directly (see ``build_op_context``).

    Usable as a context manager: leaving the ``with`` block tears down generator resources.
    """

    def __init__(
        self,
        config: Any = None,
        resources: Mapping[str, Any] | None = None,
        resources_config: Mapping[str, Any] | None = None,
        instance: Any = None,
        partition_key: str | None = None,
        mapping_key: str | None = None,
        run_id: str | None = None,
        tags: Mapping[str, Any] | None = None,
    ) -> None:
        self._config = config
        self._resources = ResourceBuilder(resources, resources_config)
        self._instance = instance
        self._partition_key = partition_key
        self._mapping_key = mapping_key
        self._run_id = run_id or EPHEMERAL_RUN_ID
        self._tags = dict(tags or {})
        self._resources_config = dict(resources_config or {})
        self._log = console_log(self._run_id)
        self._definition: Any = None
        self._alias: str | None = None
        self._op_config: Any = config
        self._entered = False
        UserEvents.__init__(self)

    def __enter__(self) -> DirectExecutionContext:
        self._entered = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._resources.teardown()

    def __del__(self) -> None:
        # A context never used as a ``with`` block still tears its resources down.
        resources = getattr(self, "_resources", None)
        if resources is not None:
            resources.teardown()

    # -- binding to the op being invoked ---------------------------------------------------

    def bind(self, definition: Any, alias: str | None = None) -> DirectExecutionContext:
        """Check this context against ``definition``: config resolved, resources present."""
        self._definition = definition
        self._alias = alias
        self._op_config = resolve_config(definition, self._config, self.describe_op())
        for key in sorted(definition.required_resource_keys):
            if key not in self._resources.values:
                raise DagsterInvalidInvocationError(
                    f'{self.describe_op()} requires resource "{key}", but no resource with that '
                    "key was found on the context. Provide it: "
                    f"build_op_context(resources={{'{key}': ...}})."
                )
        return self

    @property
    def alias(self) -> str:
        if self._alias is not None:
            return self._alias
        return self._definition.name if self._definition is not None else "op"

    # -- what user code reads --------------------------------------------------------------

    @property
    def op_config(self) -> Any:
        return self._op_config

    solid_config = op_config

    @property
    def resources(self) -> Resources:
        values = self._resources.in_scope(self._entered, "build_solid_context")
        if self._definition is None:
            return Resources(values)
        keys = self._definition.all_required_resource_keys()
        return Resources({k: v for k, v in values.items() if k in keys})

    @property
    def log(self) -> DagsterLogManager:
        return self._log

    @property
    def run_id(self) -> str:
        return self._run_id

    @property
    def run_config(self) -> dict[str, Any]:
        """As in Dagster: the op's config (if any) under ``solids``, and the resources' config.

        Only an invoked op's context has one; reading it before is a DagsterInvalidPropertyError.
        """
        if self._definition is None:
            raise _not_set("run_config")
        run_config: dict[str, Any] = {}
        if self._op_config:
            run_config["solids"] = {self._definition.name: {"config": self._op_config}}
        run_config["resources"] = dict(self._resources_config)
        return run_config

    @property
    def instance(self) -> Any:
        if self._instance is None:
            self._instance = DagsterInstance.ephemeral()
        return self._instance

    @property
    def solid_def(self) -> Any:
        return self._definition

    op_def = solid_def

    # What only a run has: as in Dagster, reading it from a directly invoked op's context is
    # a DagsterInvalidPropertyError.

    @property
    def pipeline_def(self) -> Any:
        raise _not_set("pipeline_def")

    job_def = pipeline_def

    @property
    def pipeline_name(self) -> str:
        raise _not_set("pipeline_name")

    job_name = pipeline_name

    @property
    def pipeline_run(self) -> Any:
        raise _not_set("pipeline_run")

    @property
    def mode_def(self) -> Any:
        raise _not_set("mode_def")

    @property
    def solid_handle(self) -> Any:
        raise _not_set("solid_handle")

    @property
    def solid(self) -> Any:
        raise _not_set("solid")

    def get_step_execution_context(self) -> Any:
        raise _not_set("get_step_execution_context", "method")

    @property
    def retry_number(self) -> int:
        return 0

    @property
    def step_launcher(self) -> Any:
        raise _not_set("step_launcher")

    @property
    def has_partition_key(self) -> bool:
        return self._partition_key is not None

    @property
    def partition_key(self) -> str:
        if self._partition_key is None:
            raise DagsterInvariantViolationError("This context was built without a partition_key.")
        return self._partition_key

    def get_mapping_key(self) -> str | None:
        return self._mapping_key

    def has_tag(self, key: str) -> bool:
        return key in self._tags

    def get_tag(self, key: str) -> Any:
        return self._tags.get(key)

    def describe_op(self) -> str:
        if self._definition is None:
            return "op"
        kind = "op" if self._definition.node_kind == "op" else "solid"
        return f'{kind} "{self.alias}"'

    @property
    def pdb(self) -> Any:
        import pdb  # only when a user asks for a debugger

        return pdb.Pdb()

    def add_output_metadata(
        self,
        metadata: Mapping[str, Any],
        output_name: str | None = None,
        mapping_key: str | None = None,
    ) -> None:
        self._add_output_metadata(output_name or "result", metadata)


def build_op_context(
    resources: Mapping[str, Any] | None = None,
    config: Any = None,
    resources_config: Mapping[str, Any] | None = None,
    instance: Any = None,
    partition_key: str | None = None,
    mapping_key: str | None = None,
    op_config: Any = None,
    solid_config: Any = None,
) -> DirectExecutionContext:
    """A context for invoking an op directly: ``my_op(build_op_context(config={...}))``.

    Args:
        resources: resource values, or resource definitions to initialise, by key.
        config: the op's config (validated against its schema when the op is invoked).
        resources_config: config for resource definitions given in ``resources``.
        instance: the instance ``context.instance`` returns (an ephemeral one if None).
        partition_key: what ``context.partition_key`` returns.
        mapping_key: what ``context.get_mapping_key()`` returns.
        op_config: another spelling of ``config``.
        solid_config: another spelling of ``config``.

    Raises:
        DagsterInvalidConfigError: the config of a resource definition is invalid.
    """
    chosen = next((c for c in (config, op_config, solid_config) if c is not None), None)
    return DirectExecutionContext(
        chosen, resources, resources_config, instance, partition_key, mapping_key
    )


def build_solid_context(
    resources: Mapping[str, Any] | None = None,
    config: Any = None,
    resources_config: Mapping[str, Any] | None = None,
    instance: Any = None,
    solid_config: Any = None,
) -> DirectExecutionContext:
    """``build_op_context`` under the pipeline generation's name."""
    chosen = config if config is not None else solid_config
    return build_op_context(resources, chosen, resources_config, instance)


class DirectHookContext(HookContext):
    """The context of a hook called directly (see ``build_hook_context``).

    Usable as a context manager: resources that yield must be used inside the ``with`` block,
    which tears them down when it ends.
    """

    def __init__(
        self,
        builder: ResourceBuilder,
        mode_def: Any,
        op: Any,
        run_id: str,
        job_name: str | None,
        op_exception: BaseException | None,
        op_output_values: Mapping[str, Any] | None,
        op_config: Any,
    ) -> None:
        super().__init__(
            None,
            None,
            None,
            op_exception,
            op_output_values,
            None,
            op_config,
            console_log(run_id),
            run_id,
            job_name,
        )
        self._builder = builder
        self._mode_def = mode_def
        self._op = op
        self._entered = False

    def __enter__(self) -> DirectHookContext:
        self._entered = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._builder.teardown()

    def bound_to(self, hook_def: Any) -> DirectHookContext:
        """This context as ``hook_def`` receives it (``context.hook_def`` set)."""
        bound = copy.copy(self)
        bound.hook_def = hook_def
        return bound

    @property
    def resources(self) -> Resources:
        return Resources(self._builder.in_scope(self._entered, "build_hook_context"))

    @property
    def solid(self) -> Any:
        """The op or solid given to ``build_hook_context``. Also ``op``."""
        return self._op

    op = solid

    @property
    def mode_def(self) -> Any:
        return self._mode_def


def build_hook_context(
    resources: Mapping[str, Any] | None = None,
    mode_def: Any = None,
    solid: Any = None,
    op: Any = None,
    run_id: str | None = None,
    job_name: str | None = None,
    op_exception: BaseException | None = None,
    op_output_values: Mapping[str, Any] | None = None,
    op_config: Any = None,
) -> DirectHookContext:
    """A context for calling a hook directly: ``my_hook(build_hook_context())``; use it as a
    ``with`` block when a resource yields (``with build_hook_context(...) as context:``)."""
    return DirectHookContext(
        ResourceBuilder(resources, None),
        mode_def,
        op if op is not None else solid,
        run_id or EPHEMERAL_RUN_ID,
        job_name,
        op_exception,
        op_output_values,
        op_config,
    )


def build_init_resource_context(
    config: Any = None, resources: Mapping[str, Any] | None = None, instance: Any = None
) -> InitResourceContext:
    """A context for calling a resource directly: ``my_resource(build_init_resource_context())``.
    The config is checked against the resource's schema when the resource is called."""
    built = ResourceBuilder(resources, None)
    return InitResourceContext(
        config,
        None,
        Resources(built.values),
        EPHEMERAL_RUN_ID,
        console_log(EPHEMERAL_RUN_ID),
        instance,
    )


def build_init_logger_context(
    logger_config: Any = None, pipeline_def: Any = None, job_def: Any = None
) -> InitLoggerContext:
    """A context for calling a logger directly: ``my_logger(build_init_logger_context())``.
    The config is checked against the logger's schema when the logger is called."""
    return InitLoggerContext(logger_config, None, job_def or pipeline_def, EPHEMERAL_RUN_ID)
