"""Calling an op, solid, resource or logger like a function, for exploration and unit tests.

``my_op(5)`` or ``my_op(build_op_context(config={...}, resources={...}), 5)`` runs the compute
function with no job and no run, as Dagster does:

- An op whose function takes a context must be given one (``build_op_context()``, or None for
  an empty one) as its first argument or by its parameter name.  The context is bound to the op:
  its config validated (and mapped, for a ``configured`` op), its resources checked.
- Inputs are bound by position or name, defaults filled, ``Nothing`` inputs left out, and each
  value type-checked.
- A returned value is type-checked against the output(s) and returned as is (a tuple for several
  outputs).  A generator comes back as a generator of the type-checked ``Output`` objects and
  events; an ``async def`` op as a coroutine, an async generator as an async generator, both
  type-checked as they are awaited.
- A ``SolidDefinition`` built from a raw ``compute_fn(context, inputs)`` receives its inputs as
  one dict and yields its outputs.

Misuse raises ``DagsterInvalidInvocationError`` naming the op and the argument, with Dagster's
messages.  ``check_dagster_type`` runs a type check outside any run.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

from opbook.definitions.dagster_type import (
    DagsterType,
    is_typing_type,
    resolve_dagster_type,
    type_check_outcome,
)
from opbook.definitions.graph import GraphDefinition
from opbook.definitions.input_output import NO_VALUE
from opbook.definitions.logger import LoggerDefinition
from opbook.definitions.op import SolidDefinition
from opbook.definitions.resource import ResourceDefinition
from opbook.definitions.user_events import (
    AssetMaterialization,
    DynamicOutput,
    ExpectationResult,
    Output,
    TypeCheck,
)
from opbook.errors import (
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    DagsterTypeCheckDidNotPass,
)
from opbook.execution.context import (
    InitLoggerContext,
    InitResourceContext,
    TypeCheckContext,
)
from opbook.execution.direct_context import (
    EPHEMERAL_RUN_ID,
    DirectExecutionContext,
    build_hook_context,
    build_init_logger_context,
    build_init_resource_context,
    build_op_context,
    build_solid_context,
    console_log,
    resolve_config,
)

__all__ = [
    "DirectExecutionContext",
    "build_hook_context",
    "build_init_logger_context",
    "build_init_resource_context",
    "build_op_context",
    "build_solid_context",
    "check_dagster_type",
    "invoke",
    "invoke_logger",
    "invoke_resource",
]

_EVENTS = (AssetMaterialization, ExpectationResult)


# -- the context argument ----------------------------------------------------------------------


def _context_param(definition: SolidDefinition) -> str:
    if definition.compute.takes_inputs_dict:
        return "context"
    params = list(inspect.signature(definition.compute.fn).parameters)
    return params[0] if params else "context"


def _split_context(
    definition: SolidDefinition, args: tuple[Any, ...], kwargs: dict[str, Any], name: str
) -> tuple[DirectExecutionContext | None, tuple[Any, ...], dict[str, Any]]:
    """``name``: the node's name as invoked (its alias, if any), for messages."""
    kind = definition.node_kind
    if not definition.compute.takes_context:
        if args and isinstance(args[0], DirectExecutionContext):
            raise DagsterInvalidInvocationError(
                f"Compute function of {kind} '{name}' has no context argument, but context was "
                "provided when invoking."
            )
        return None, args, kwargs
    missing = (
        f"Compute function of {kind} '{name}' has context argument, but no context was provided "
        "when invoking. Pass build_op_context() (or None) as the first argument."
    )
    if not args and not kwargs:
        raise DagsterInvalidInvocationError(missing)
    if args:
        if args[0] is not None and not isinstance(args[0], DirectExecutionContext):
            raise DagsterInvalidInvocationError(missing)
        return args[0], args[1:], kwargs
    param = _context_param(definition)
    if param not in kwargs:
        raise DagsterInvalidInvocationError(
            f"Compute function of {kind} '{name}' has context argument '{param}', but no value "
            f"for '{param}' was found when invoking. Provided kwargs: {kwargs}"
        )
    rest = {k: v for k, v in kwargs.items() if k != param}
    return kwargs[param], args, rest


def _check_requirements(
    definition: SolidDefinition, context: DirectExecutionContext | None
) -> None:
    if context is not None:
        return
    kind, name = definition.node_kind, definition.name
    builder = "build_op_context" if kind == "op" else "build_solid_context"
    if definition.required_resource_keys:
        raise DagsterInvalidInvocationError(
            f'{kind} "{name}" has required resources, but no context was provided. Use the '
            f"`{builder}` function to construct a context with the required resources."
        )
    field = definition.config_field
    if field is not None and field.is_required:
        raise DagsterInvalidInvocationError(
            f'{kind} "{name}" has required config schema, but no context was provided. Use the '
            f"`{builder}` function to create a context with config."
        )


# -- inputs ------------------------------------------------------------------------------------


def _positional_names(definition: SolidDefinition) -> list[str]:
    compute = definition.compute
    data_inputs = [d.name for d in definition.input_defs if not d.is_nothing]
    if compute.takes_inputs_dict:
        return data_inputs
    return [n for n in compute.input_names if n in data_inputs]


def _bind_inputs(
    definition: SolidDefinition,
    context: DirectExecutionContext,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    kind, label = definition.node_kind, context.alias
    nothing = [d.name for d in definition.input_defs if d.is_nothing]
    for name in nothing:
        if name in kwargs:
            raise DagsterInvalidInvocationError(
                f"Attempted to provide value for nothing input '{name}'. Nothing dependencies are "
                f"ignored when directly invoking {kind}s."
            )
    data_inputs = [d.name for d in definition.input_defs if not d.is_nothing]
    if len(args) + len(kwargs) > len(data_inputs):
        suggestion = (
            f"This may be because you attempted to provide a value for a nothing dependency. "
            f"Nothing dependencies are ignored when directly invoking {kind}s."
            if nothing
            else "This may be because an argument was provided for the context parameter, but no "
            f"context parameter was defined for the {kind}."
        )
        raise DagsterInvalidInvocationError(
            f"Too many input arguments were provided for {kind} '{label}'. {suggestion}"
        )
    values = dict(zip(_positional_names(definition), args, strict=False))
    for input_def in definition.input_defs:
        given = input_def.name in values or input_def.name in kwargs
        if not (input_def.is_nothing or given or input_def.default_value is not NO_VALUE):
            raise DagsterInvalidInvocationError(
                f'No value provided for required input "{input_def.name}".'
                f" ({kind.capitalize()} '{label}' was invoked without it.)"
            )
    for key, value in kwargs.items():
        if key not in data_inputs:
            raise DagsterInvalidInvocationError(
                f"{kind.capitalize()} '{label}' has no input '{key}'. Its inputs are {data_inputs}."
            )
        if key in values:
            raise DagsterInvalidInvocationError(
                f"Input '{key}' of {kind} '{label}' was given twice."
            )
        values[key] = value
    for input_def in definition.input_defs:
        if not (input_def.is_nothing or input_def.name in values):
            values[input_def.name] = input_def.default_value
    return values


def _type_check(
    context: DirectExecutionContext, what: str, label: str, dagster_type: DagsterType, value: Any
) -> None:
    if dagster_type.is_any:
        return
    check_context = TypeCheckContext(None, dagster_type, context.log)
    result = type_check_outcome(dagster_type, check_context, value)
    if not result.success:
        raise DagsterTypeCheckDidNotPass(
            f'Type check failed for {context.describe_op()} {what} "{label}" - expected type '
            f'"{dagster_type.display_name}". Description: {result.description}',
            result.metadata_entries,
            dagster_type,
        )


# -- outputs -----------------------------------------------------------------------------------


class _OutputChecker:
    """Type-checks what one invocation produces and tracks which outputs it produced."""

    def __init__(self, definition: SolidDefinition, context: DirectExecutionContext) -> None:
        self.definition = definition
        self.context = context
        self.kind = definition.node_kind
        self.seen: set[str] = set()
        self.mapping_keys: dict[str, set[str]] = {}

    def _output_def(self, output: Output | DynamicOutput, verb: str) -> Any:
        if not self.definition.has_output(output.output_name):
            names = [o.name for o in self.definition.output_defs]
            raise DagsterInvariantViolationError(
                f'Invocation of {self.kind} "{self.context.alias}" {verb} an output '
                f'"{output.output_name}" that does not exist. The available outputs are {names}'
            )
        return self.definition.output_def_named(output.output_name)

    def check_value(self, output_def: Any, value: Any) -> None:
        raw = value.value if isinstance(value, Output) else value
        _type_check(self.context, "output", output_def.name, output_def.dagster_type, raw)
        self.seen.add(output_def.name)

    def yielded(self, item: Any) -> Any:
        if isinstance(item, _EVENTS):
            return item
        if isinstance(item, DynamicOutput):
            return self._yielded_dynamic(item)
        if not isinstance(item, Output):
            raise DagsterInvariantViolationError(
                f"When yielding outputs from a {self.kind} generator, they should be wrapped in an "
                f"`Output` object. {self.kind.capitalize()} '{self.context.alias}' yielded "
                f"{item!r:.80}."
            )
        output_def = self._output_def(item, "yielded")
        if output_def.name in self.seen:
            raise DagsterInvariantViolationError(
                f"Invocation of {self.kind} '{self.context.alias}' yielded an output "
                f"'{output_def.name}' multiple times."
            )
        self.check_value(output_def, item)
        return item

    def _yielded_dynamic(self, item: DynamicOutput) -> DynamicOutput:
        output_def = self._output_def(item, "yielded")
        if not output_def.is_dynamic:
            raise DagsterInvariantViolationError(
                f"Invocation of {self.kind} '{self.context.alias}' yielded a DynamicOutput for "
                f"output '{output_def.name}', which is not a dynamic output (DynamicOut)."
            )
        keys = self.mapping_keys.setdefault(output_def.name, set())
        if item.mapping_key in keys:
            raise DagsterInvariantViolationError(
                f"Invocation of {self.kind} '{self.context.alias}' yielded a DynamicOutput with "
                f"mapping_key '{item.mapping_key}' multiple times for output "
                f"'{output_def.name}'."
            )
        keys.add(item.mapping_key)
        _type_check(self.context, "output", output_def.name, output_def.dagster_type, item.value)
        self.seen.add(output_def.name)
        return item

    def finished(self) -> None:
        for output_def in self.definition.output_defs:
            # A Nothing output is produced implicitly, as in a run.
            if (
                output_def.is_required
                and not output_def.dagster_type.is_nothing
                and output_def.name not in self.seen
            ):
                raise DagsterInvariantViolationError(
                    f"Invocation of {self.kind} '{self.context.alias}' did not return an output "
                    f"for non-optional output '{output_def.name}'"
                )

    def returned(self, result: Any) -> Any:
        outputs = self.definition.output_defs
        if isinstance(result, _EVENTS):
            raise DagsterInvariantViolationError(
                f"Error in {self.kind} '{self.context.alias}': If you are returning an "
                f"AssetMaterialization or an ExpectationResult from {self.kind} you must yield "
                "them to avoid ambiguity with an implied result from returning a value."
            )
        if isinstance(result, DynamicOutput):
            raise DagsterInvariantViolationError(
                f"Error in {self.kind} '{self.context.alias}': Attempted to return a "
                f"DynamicOutput from {self.kind}. DynamicOuts are only supported using yield "
                "syntax."
            )
        if isinstance(result, Output):
            self.check_value(self._output_def(result, "returned"), result)
        elif len(outputs) > 1:
            self._returned_tuple(result)
        elif outputs:
            self.check_value(outputs[0], result)
        self.finished()
        return result

    def _returned_tuple(self, result: Any) -> None:
        outputs = self.definition.output_defs
        if not isinstance(result, tuple):
            raise DagsterInvariantViolationError(
                "Multiple outputs but no Output wrapper provided is ambiguous. "
                f"{self.kind.capitalize()} '{self.context.alias}' has outputs "
                f"{[o.name for o in outputs]}: return a tuple of {len(outputs)} values or yield "
                "Outputs."
            )
        if len(result) != len(outputs):
            raise DagsterInvariantViolationError(
                f"{self.kind.capitalize()} '{self.context.alias}' has {len(outputs)} outputs "
                f"{[o.name for o in outputs]}, but returned a tuple of {len(result)} values."
            )
        for output_def, value in zip(outputs, result, strict=True):
            self.check_value(output_def, value)


def _checked_generator(checker: _OutputChecker, generator: Iterator[Any]) -> Iterator[Any]:
    for item in generator:
        yield checker.yielded(item)
    checker.finished()


async def _checked_async_generator(
    checker: _OutputChecker, generator: AsyncIterator[Any]
) -> AsyncIterator[Any]:
    async for item in generator:
        yield checker.yielded(item)
    checker.finished()


async def _checked_coroutine(checker: _OutputChecker, coroutine: Any) -> Any:
    return checker.returned(await coroutine)


# -- invoking ----------------------------------------------------------------------------------


def _call(
    definition: SolidDefinition,
    context: DirectExecutionContext,
    values: dict[str, Any],
    bound: bool,
) -> Any:
    compute = definition.compute
    if compute.takes_inputs_dict:
        return compute.fn(context, dict(values))
    # ``values`` holds the data inputs: parameters of the function, or taken by its **kwargs.
    return compute.fn(context, **values) if bound else compute.fn(**values)


def invoke(
    definition: Any, args: tuple[Any, ...], kwargs: dict[str, Any], alias: str | None = None
) -> Any:
    """Run a node definition called outside a composition (see the module docstring)."""
    if isinstance(definition, GraphDefinition):
        raise DagsterInvalidInvocationError(
            f"{definition.node_kind.capitalize()} '{definition.name}' can't be called like a "
            "function outside of a composition. Run it with execute_in_process(), or call it "
            "inside a @graph/@job body."
        )
    given, args, kwargs = _split_context(definition, args, kwargs, alias or definition.name)
    _check_requirements(definition, given)
    context = (given or build_op_context()).bind(definition, alias)
    values = _bind_inputs(definition, context, args, kwargs)
    for input_def in definition.input_defs:
        if input_def.name in values:
            _type_check(
                context, "input", input_def.name, input_def.dagster_type, values[input_def.name]
            )
    result = _call(definition, context, values, definition.compute.takes_context)
    checker = _OutputChecker(definition, context)
    if inspect.isasyncgen(result):
        return _checked_async_generator(checker, result)
    if inspect.iscoroutine(result):
        return _checked_coroutine(checker, result)
    if inspect.isgenerator(result) or (definition.compute.takes_inputs_dict and result is not None):
        return _checked_generator(checker, iter(result))
    return checker.returned(result)


# -- resources and loggers ---------------------------------------------------------------------


def _single_context_argument(
    what: str, fn: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    if not args and not kwargs:
        raise DagsterInvalidInvocationError(
            f"{what.capitalize()} initialization function has context argument, but no context "
            + ("argument " if what == "logger" else "")
            + "was provided when invoking."
        )
    if len(args) + len(kwargs) > 1:
        raise DagsterInvalidInvocationError(
            f"Initialization of {what} received multiple arguments. Only a first positional "
            "context parameter should be provided when invoking."
        )
    if args:
        return args[0]
    param = next(iter(inspect.signature(fn).parameters))
    if param not in kwargs:
        raise DagsterInvalidInvocationError(
            f"{what.capitalize()} initialization expected argument '{param}'."
        )
    return kwargs[param]


def _resource_context(definition: ResourceDefinition, given: Any) -> InitResourceContext:
    if given is not None and not isinstance(given, InitResourceContext):
        raise DagsterInvalidInvocationError(
            "A resource is initialised with an InitResourceContext "
            f"(build_init_resource_context()), got {given!r}."
        )
    if given is None and definition.required_resource_keys:
        raise DagsterInvalidInvocationError(
            "Resource has required resources, but no context was provided. Use the "
            "`build_init_resource_context` function to construct a context with the required "
            "resources."
        )
    for key in sorted(definition.required_resource_keys):
        if given is not None and key not in given.resources:
            raise DagsterInvalidInvocationError(
                f'Resource requires resource "{key}", but no resource with that key was found on '
                "the context."
            )
    raw = given.resource_config if given is not None else None
    field = definition.config_field
    if field is not None and field.is_required and raw is None:
        raise DagsterInvalidInvocationError(
            "Resource has required config schema, but no context was provided. Use the "
            "`build_init_resource_context` function to create a context with config."
        )
    config = resolve_config(definition, raw, "resource")
    if given is None:
        return InitResourceContext(
            config, definition, None, EPHEMERAL_RUN_ID, console_log(EPHEMERAL_RUN_ID)
        )
    return InitResourceContext(
        config,
        definition,
        given.resources,
        given.run_id,
        given.log,
        given.instance,
        given.pipeline_run,
    )


def invoke_resource(
    definition: ResourceDefinition, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """``my_resource(build_init_resource_context(config=...))``: the resource, built directly.

    A resource that yields comes back as a context manager: ``with my_resource(ctx) as r:``.
    """
    if definition.takes_context:
        given = _single_context_argument("resource", definition.resource_fn, args, kwargs)
    elif args or kwargs:
        raise DagsterInvalidInvocationError(
            "Attempted to invoke resource with argument, but underlying function has no context "
            "argument. Either specify a context argument on the resource function, or remove the "
            "passed-in argument."
        )
    else:
        given = None
    context = _resource_context(definition, given)
    value = (
        definition.resource_fn(context) if definition.takes_context else definition.resource_fn()
    )
    if inspect.isgenerator(value):
        return contextlib.contextmanager(lambda: value)()
    return value


def invoke_logger(
    definition: LoggerDefinition, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    """``my_logger(build_init_logger_context(logger_config=...))``: the logger, built directly."""
    given = _single_context_argument("logger", definition.logger_fn, args, kwargs)
    if given is not None and not isinstance(given, InitLoggerContext):
        raise DagsterInvalidInvocationError(
            "A logger is initialised with an InitLoggerContext (build_init_logger_context()), "
            f"got {given!r}."
        )
    raw = given.logger_config if given is not None else None
    config = resolve_config(definition, raw, "logger")
    job = given.pipeline_def if given is not None else None
    return definition.logger_fn(InitLoggerContext(config, definition, job, EPHEMERAL_RUN_ID))


# -- type checks outside a run -----------------------------------------------------------------


def check_dagster_type(dagster_type: Any, value: Any) -> TypeCheck:
    """Run a Dagster type's check on ``value`` outside any run.

    Args:
        dagster_type: a Dagster type (``Int``, ``List[Int]``, one made with ``DagsterType`` or
            ``PythonObjectDagsterType``) or a class.
        value: the value to check.

    Returns:
        The ``TypeCheck``; a ``Failure`` raised by the check is a failed check.

    Raises:
        DagsterInvariantViolationError: ``dagster_type`` comes from Python's typing module
            (``typing.List[int]``, ``list[int]``): use ``opbook.List[int]``.
    """
    if is_typing_type(dagster_type):
        raise DagsterInvariantViolationError(
            f"Must pass in a type from dagster module. You passed {dagster_type} which is part of "
            "python's typing module."
        )
    resolved = resolve_dagster_type(dagster_type)
    context = TypeCheckContext(None, resolved, console_log(EPHEMERAL_RUN_ID))
    return type_check_outcome(resolved, context, value)
