"""Calling an op or solid like a function, for quick exploration and unit tests.

``my_op(5)`` or ``my_op(build_op_context(config={...}, resources={...}), 5)`` runs the compute
function with no job and no run: inputs are bound by position or name and type-checked, the
op's config is validated against its schema, required resources must be given, and outputs are
type-checked on the way out.  What comes back: the return value for a function that returns
(a tuple for several outputs), or a generator of the type-checked ``Output`` objects and events
for a function that yields.  Misuse raises ``DagsterInvalidInvocationError`` naming the op and
the argument.

The ``build_*_context`` functions make the contexts user code receives (op, hook, resource
init), for calling such code directly in tests.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Mapping
from typing import Any

from opbook import config as cfg
from opbook.definitions.bridge import bridge
from opbook.definitions.graph import GraphDefinition
from opbook.definitions.hook import HookDefinition
from opbook.definitions.input_output import NO_VALUE
from opbook.definitions.logger import colored_console_logger
from opbook.definitions.op import SolidDefinition
from opbook.definitions.resource import ResourceDefinition
from opbook.definitions.user_events import Output
from opbook.errors import (
    DagsterInvalidConfigError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    DagsterTypeCheckDidNotPass,
)
from opbook.execution.compute import run_coroutine
from opbook.execution.context import (
    AbstractComputeExecutionContext,
    HookContext,
    InitLoggerContext,
    InitResourceContext,
    Resources,
    TypeCheckContext,
)
from opbook.execution.log_manager import DagsterLogManager
from opbook.storage.instance import DagsterInstance

EPHEMERAL_RUN_ID = "EPHEMERAL"


def _console_log(run_id: str) -> DagsterLogManager:
    config = cfg.validate(colored_console_logger.config_field, {}).value  # type: ignore[arg-type]
    logger = colored_console_logger.logger_fn(InitLoggerContext(config, colored_console_logger))
    return DagsterLogManager(run_id, {}, [logger])


class _ResourceBuilder:
    """Builds resources given to a context: definitions are initialised, values kept as is."""

    def __init__(self, resources: Mapping[str, Any] | None, resources_config: Mapping[str, Any] | None) -> None:
        self.values: dict[str, Any] = {}
        self._teardowns: list[Iterator[Any]] = []
        for key, value in (resources or {}).items():
            if isinstance(value, ResourceDefinition):
                value = self._initialise(key, value, (resources_config or {}).get(key))
            self.values[key] = value

    def _initialise(self, key: str, definition: ResourceDefinition, config: Any) -> Any:
        if definition.config_field is not None:
            result = cfg.validate(definition.config_field, config)
            if not result.success:
                raise DagsterInvalidConfigError(f"Error in config for resource {key}", result.errors, config)
            config = result.value
        deps = Resources({k: self.values[k] for k in definition.required_resource_keys if k in self.values})
        context = InitResourceContext(config, definition, deps, EPHEMERAL_RUN_ID)
        value = definition.resource_fn(context) if definition.takes_context else definition.resource_fn()
        if definition.is_generator:
            generator = value
            value = next(generator)
            self._teardowns.append(generator)
        return value

    def teardown(self) -> None:
        while self._teardowns:
            next(self._teardowns.pop(), None)


class DirectExecutionContext(AbstractComputeExecutionContext):
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
        self._resources = _ResourceBuilder(resources, resources_config)
        self._instance = instance
        self._partition_key = partition_key
        self._mapping_key = mapping_key
        self._run_id = run_id or EPHEMERAL_RUN_ID
        self._tags = dict(tags or {})
        self._log = _console_log(self._run_id)
        self._definition: SolidDefinition | None = None
        self._op_config: Any = config
        self._user_events: list[Any] = []
        self._output_metadata: dict[str, dict[str, Any]] = {}

    def __enter__(self) -> DirectExecutionContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self._resources.teardown()

    # -- binding to the op being invoked ---------------------------------------------------

    def bind(self, definition: SolidDefinition) -> DirectExecutionContext:
        """Check this context against ``definition``: config validated, resources present."""
        self._definition = definition
        self._op_config = _validated_config(definition, self._config)
        for key in sorted(definition.required_resource_keys):
            if key not in self._resources.values:
                raise DagsterInvalidInvocationError(
                    f"resource with key '{key}' required by {definition.node_kind} '{definition.name}' was not "
                    f"provided. Provide it with build_op_context(resources={{'{key}': ...}})."
                )
        return self

    # -- what user code reads --------------------------------------------------------------

    @property
    def op_config(self) -> Any:
        return self._op_config

    solid_config = op_config

    @property
    def resources(self) -> Resources:
        if self._definition is None:
            return Resources(self._resources.values)
        keys = self._definition.all_required_resource_keys()
        return Resources({k: v for k, v in self._resources.values.items() if k in keys})

    @property
    def log(self) -> DagsterLogManager:
        return self._log

    @property
    def run_id(self) -> str:
        return self._run_id

    @property
    def run_config(self) -> dict[str, Any]:
        return {}

    @property
    def instance(self) -> Any:
        if self._instance is None:
            self._instance = DagsterInstance.ephemeral()
        return self._instance

    @property
    def solid_def(self) -> SolidDefinition | None:
        return self._definition

    op_def = solid_def

    @property
    def pipeline_def(self) -> None:
        return None

    job_def = pipeline_def

    @property
    def pipeline_name(self) -> str:
        return "ephemeral"

    job_name = pipeline_name

    @property
    def retry_number(self) -> int:
        return 0

    @property
    def step_launcher(self) -> None:
        return None

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
        return f'{kind} "{self._definition.name}"'

    @property
    def pdb(self) -> Any:
        import pdb  # only when a user asks for a debugger

        return pdb.Pdb()

    def log_event(self, event: Any) -> None:
        self._user_events.append(event)

    def has_events(self) -> bool:
        return bool(self._user_events)

    def consume_events(self) -> list[Any]:
        events, self._user_events = self._user_events, []
        return events

    def add_output_metadata(self, metadata: Mapping[str, Any], output_name: str | None = None, mapping_key: str | None = None) -> None:
        self._output_metadata.setdefault(output_name or "result", {}).update(metadata)

    def get_output_metadata(self, output_name: str = "result") -> dict[str, Any] | None:
        return self._output_metadata.get(output_name)


def _validated_config(definition: SolidDefinition, config: Any) -> Any:
    field = definition.config_field
    if field is None:
        return config
    result = cfg.validate(field, config)
    if not result.success:
        raise DagsterInvalidConfigError(f"Error in config for {definition.node_kind} {definition.name}", result.errors, config)
    return result.value


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
        partition_key / mapping_key: what ``context.partition_key`` / ``get_mapping_key()`` return.
    """
    chosen = next((c for c in (config, op_config, solid_config) if c is not None), None)
    return DirectExecutionContext(chosen, resources, resources_config, instance, partition_key, mapping_key)


def build_solid_context(
    resources: Mapping[str, Any] | None = None,
    config: Any = None,
    resources_config: Mapping[str, Any] | None = None,
    instance: Any = None,
    solid_config: Any = None,
) -> DirectExecutionContext:
    """``build_op_context`` under the pipeline generation's name."""
    return build_op_context(resources, config if config is not None else solid_config, resources_config, instance)


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
) -> HookContext:
    """A context for calling a hook directly: ``my_hook(build_hook_context())``."""
    built = _ResourceBuilder(resources, None)
    return HookContext(
        None,
        None,
        None,
        op_exception,
        op_output_values,
        Resources(built.values),
        op_config,
        _console_log(run_id or EPHEMERAL_RUN_ID),
        run_id or EPHEMERAL_RUN_ID,
        job_name,
    )


def build_init_resource_context(
    config: Any = None, resources: Mapping[str, Any] | None = None, instance: Any = None
) -> InitResourceContext:
    """A context for calling a resource function directly: ``my_resource(build_init_resource_context())``."""
    built = _ResourceBuilder(resources, None)
    return InitResourceContext(config, None, Resources(built.values), EPHEMERAL_RUN_ID, _console_log(EPHEMERAL_RUN_ID), instance)


# -- invoking ----------------------------------------------------------------------------------------


def _split_context(definition: SolidDefinition, args: tuple[Any, ...]) -> tuple[DirectExecutionContext | None, tuple[Any, ...]]:
    given = bool(args) and isinstance(args[0], AbstractComputeExecutionContext)
    name = definition.name
    kind = definition.node_kind
    if definition.compute.takes_context:
        if not given:
            if definition.config_field is not None and definition.config_field.is_required:
                raise DagsterInvalidInvocationError(
                    f"Compute function of {kind} '{name}' has context argument, but no context was provided "
                    "when invoking. It has required config: build one with build_op_context(config=...)."
                )
            return build_op_context(), args
        return args[0], args[1:]  # type: ignore[return-value]
    if given:
        raise DagsterInvalidInvocationError(
            f"Compute function of {kind} '{name}' has no context argument, but context was provided when invoking."
        )
    return None, args


def _bind_inputs(definition: SolidDefinition, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    names = [d.name for d in definition.input_defs if not d.is_nothing]
    kind, name = definition.node_kind, definition.name
    if len(args) > len(names):
        raise DagsterInvalidInvocationError(
            f"Too many input arguments were provided for {kind} '{name}': it has {len(names)} inputs {names} "
            f"but was given {len(args)} positional arguments. This may be because an argument was provided "
            f"for the context parameter, but no context parameter was defined for the {kind}."
        )
    values = dict(zip(names, args, strict=False))
    for key, value in kwargs.items():
        if key not in names:
            raise DagsterInvalidInvocationError(
                f"{kind.capitalize()} '{name}' has no input '{key}'. Its inputs are {names}."
            )
        if key in values:
            raise DagsterInvalidInvocationError(f"Input '{key}' of {kind} '{name}' was given twice.")
        values[key] = value
    for input_def in definition.input_defs:
        if input_def.is_nothing or input_def.name in values:
            continue
        if input_def.default_value is NO_VALUE:
            raise DagsterInvalidInvocationError(
                f"No value provided for required input \"{input_def.name}\" of {kind} '{name}'."
            )
        values[input_def.name] = input_def.default_value
    return values


def _check(definition: SolidDefinition, what: str, label: str, dagster_type: Any, value: Any) -> None:
    if dagster_type.is_any:
        return
    result = dagster_type.type_check(TypeCheckContext(None, dagster_type), value)
    if not result.success:
        raise DagsterTypeCheckDidNotPass(
            f'Type check failed for {definition.node_kind} "{definition.name}" {what} "{label}" - expected type '
            f'"{dagster_type.name}". Description: {result.description}',
            result.metadata_entries,
            dagster_type,
        )


def _checked_output(definition: SolidDefinition, item: Any) -> Any:
    if isinstance(item, Output):
        output_def = definition.output_def_named(item.output_name)
        _check(definition, "output", item.output_name, output_def.dagster_type, item.value)
    return item


def _checked_generator(definition: SolidDefinition, generator: Iterator[Any]) -> Iterator[Any]:
    for item in generator:
        yield _checked_output(definition, item)


def _checked_return(definition: SolidDefinition, result: Any) -> Any:
    outputs = definition.output_defs
    if isinstance(result, Output):
        return _checked_output(definition, result)
    if definition.returns_tuple and isinstance(result, tuple):
        for output_def, value in zip(outputs, result, strict=False):
            if not isinstance(value, Output):
                _check(definition, "output", output_def.name, output_def.dagster_type, value)
        return result
    if len(outputs) == 1 and not (result is None and outputs[0].dagster_type.is_nothing):
        _check(definition, "output", outputs[0].name, outputs[0].dagster_type, result)
    return result


def invoke(definition: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run a node definition called outside a composition (see the module docstring)."""
    if isinstance(definition, GraphDefinition):
        raise DagsterInvalidInvocationError(
            f"{definition.node_kind.capitalize()} '{definition.name}' can't be called like a function outside "
            "of a composition. Run it with execute_in_process(), or call it inside a @graph/@job body."
        )
    if isinstance(definition, HookDefinition):
        return definition(*args, **kwargs)
    context, args = _split_context(definition, args)
    values = _bind_inputs(definition, args, kwargs)
    for input_def in definition.input_defs:
        if input_def.name in values:
            _check(definition, "input", input_def.name, input_def.dagster_type, values[input_def.name])
    compute = definition.compute
    call_kwargs = {k: values[k] for k in compute.input_names if k in values}
    if context is not None:
        context = context.bind(definition)
        result = compute.fn(context, **call_kwargs)
    else:
        result = compute.fn(**call_kwargs)
    if compute.is_async:
        result = run_coroutine(result)
    if compute.is_async_generator:

        async def collect() -> list[Any]:
            return [item async for item in result]

        return _checked_generator(definition, iter(run_coroutine(collect())))
    if compute.is_generator or inspect.isgenerator(result):
        return _checked_generator(definition, result)
    return _checked_return(definition, result)


bridge.install("invoke", invoke)
