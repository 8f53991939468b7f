"""Recording a composition: what happens while the body of ``@graph`` (and ``@job``,
``@composite_solid``, ``@pipeline``) runs.

The body is called once, with a placeholder for each graph input.  Each call of a node
definition inside it records an ``Invocation`` (its unique name, definition, tags, hooks and
which upstream output feeds each input) and returns handles for the invocation's outputs.  What
the body returns says which inner outputs become the graph's outputs.  The graph module turns
the recording into nodes, dependencies and mappings.
"""

from __future__ import annotations

import warnings
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from opbook.definitions.engine import engine
from opbook.definitions.names import check_valid_name
from opbook.definitions.tags import validate_tags
from opbook.errors import (
    CheckError,
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
)

if TYPE_CHECKING:
    from opbook.definitions.hook import HookDefinition
    from opbook.definitions.node import NodeDefinition
    from opbook.definitions.user_events import RetryPolicy


class _InvokedOutput:
    """An output of a node already invoked in a composition: it can be neither aliased nor
    hooked (the node can), and each attempt says where the parentheses probably belong."""

    __slots__ = ("node_kind", "node_name", "output_name")
    # How Dagster names the object and what it stands for, in the messages.
    _object_name = ""
    _represents = ""

    def __init__(self, node_name: str, output_name: str, node_kind: str = "op") -> None:
        self.node_name = node_name
        self.output_name = output_name
        self.node_kind = node_kind

    def describe_node(self) -> str:
        return f"{self.node_kind} '{self.node_name}'"

    def alias(self, _name: str) -> NoReturn:
        raise DagsterInvariantViolationError(self._already_invoked("alias"))

    def with_hooks(self, _hook_defs: Any) -> NoReturn:
        raise DagsterInvariantViolationError(self._already_invoked("hook"))

    def _already_invoked(self, method: str) -> str:
        recording = _stack[-1] if _stack else None
        where = f"In {recording.source} {recording.graph_name}, a" if recording else "A"
        return (
            f"{where}ttempted to call {method} method for {self._object_name}. This object "
            f'represents the {self._represents} "{self.output_name}" from the already invoked '
            f"{self.describe_node()}. Consider checking the location of parentheses."
        )


class OutputHandle(_InvokedOutput):
    """The output ``output_name`` of the invocation ``node_name``.

    It stands for one value that will exist at run time, so it cannot be unpacked, indexed,
    aliased or hooked: each of those raises, saying where the parentheses probably belong.
    """

    __slots__ = ()
    _object_name = "InvokedSolidOutputHandle"
    _represents = "output"

    def __iter__(self) -> NoReturn:
        raise DagsterInvariantViolationError(self._single_output("iterate over"))

    def __getitem__(self, index: Any) -> NoReturn:
        raise DagsterInvariantViolationError(self._single_output("index in to"))

    def _single_output(self, what: str) -> str:
        return (
            f"Attempted to {what} an {self._object_name}. This object represents the output "
            f'"{self.output_name}" from the {self.describe_node()}, a single output. Consider '
            "defining multiple Outs if you seek to pass different parts of this output to "
            f"different {self.node_kind}s."
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OutputHandle) and (other.node_name, other.output_name) == (
            self.node_name,
            self.output_name,
        )

    def __hash__(self) -> int:
        return hash((self.node_name, self.output_name))

    def __repr__(self) -> str:
        return f"OutputHandle({self.node_name!r}, {self.output_name!r})"


class CollectHandle(NamedTuple):
    """``dynamic.collect()``: every item of a dynamic output, as one list input."""

    node_name: str
    output_name: str


class DynamicOutputHandle(_InvokedOutput):
    """The dynamic output ``output_name`` of the invocation ``node_name``: items known only at
    run time.  It must be unpacked, with ``map`` (the ops ``fn`` invokes run once per item)
    or ``collect`` (one list of all items).
    """

    __slots__ = ()
    _object_name = "DynamicOutputHandle"
    _represents = "dynamic out"

    def map(self, fn: Callable[..., Any]) -> Any:
        """Invoke ``fn`` on one item: what it invokes is run once per item at run time.

        Returns what ``fn`` returned, its outputs dynamic in turn (one handle, a tuple of
        them, or None).
        """
        if not callable(fn):
            raise CheckError(f"Expected a callable for map, got {fn!r}.")
        result = fn(self.unwrap())
        if isinstance(result, OutputHandle):
            return DynamicOutputHandle(result.node_name, result.output_name, result.node_kind)
        if isinstance(result, tuple) and all(isinstance(h, OutputHandle) for h in result):
            return tuple(
                DynamicOutputHandle(h.node_name, h.output_name, h.node_kind) for h in result
            )
        if result is None or isinstance(result, DynamicOutputHandle):
            return result
        raise CheckError(
            "Could not handle output from map function invoked on "
            f"{self.node_name}:{self.output_name}, received {result}"
        )

    def collect(self) -> CollectHandle:
        """All items, in the order they were yielded, as one list input of a downstream op."""
        return CollectHandle(self.node_name, self.output_name)

    def unwrap(self) -> OutputHandle:
        return OutputHandle(self.node_name, self.output_name, self.node_kind)

    def _unpack_first(self, what: str) -> str:
        return (
            f"Attempted to {what} an DynamicOutputHandle. This object represents the dynamic "
            f'output "{self.output_name}" from the {self.describe_node()}. Use the "map" method '
            "on this object to create downstream dependencies that will be cloned for each "
            "DynamicOut that is resolved at runtime."
        )

    def __iter__(self) -> NoReturn:
        raise DagsterInvariantViolationError(self._unpack_first("iterate over"))

    def __getitem__(self, index: Any) -> NoReturn:
        raise DagsterInvariantViolationError(self._unpack_first("index in to"))

    def __repr__(self) -> str:
        return f"DynamicOutputHandle({self.node_name!r}, {self.output_name!r})"


class GraphInputHandle(NamedTuple):
    """An input of the graph being composed."""

    input_name: str


@dataclass
class Invocation:
    name: str
    definition: NodeDefinition
    tags: dict[str, Any]
    hook_defs: frozenset[HookDefinition]
    retry_policy: RetryPolicy | None
    # input name -> a handle, or a list of handles (fan-in)
    inputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Recording:
    graph_name: str
    # the decorator whose body is running: "@graph", "@job", "@pipeline", "@composite_solid"
    source: str = "@graph"
    invocations: dict[str, Invocation] = field(default_factory=dict)
    # how many times each definition name was invoked without an alias
    counts: dict[str, int] = field(default_factory=dict)
    # aliased / tagged / hooked definitions made in the body and not (yet) called, by the name
    # they would get: each left over at the end is reported once.
    pending: dict[str, PendingInvocation] = field(default_factory=dict)


_stack: list[Recording] = []


def is_composing() -> bool:
    return bool(_stack)


def record(graph_name: str, source: str = "@graph") -> Recording:
    recording = Recording(graph_name, source)
    _stack.append(recording)
    return recording


def stop(recording: Recording) -> None:
    popped = _stack.pop()
    assert popped is recording


def warn_at(message: str, fn: Callable[..., Any]) -> None:
    """A ``UserWarning`` pointing at the composition function ``fn``."""
    code = getattr(fn, "__code__", None)
    if code is None:
        warnings.warn(message, UserWarning, stacklevel=3)
    else:
        warnings.warn_explicit(message, UserWarning, code.co_filename, code.co_firstlineno)


def warn_uninvoked(recording: Recording, fn: Callable[..., Any]) -> None:
    """Warn once for each pending invocation made in the body ``fn`` and never called."""
    for pending in recording.pending.values():
        definition = pending.definition
        lines = [
            f"While in {recording.source} context '{recording.graph_name}', received an uninvoked "
            f"{definition.node_kind} '{definition.name}'."
        ]
        if pending.given_alias:
            lines.append(f"'{definition.name}' was aliased as '{pending.given_alias}'.")
        if pending.tags:
            lines.append(f"Provided tags: {pending.tags}.")
        if pending.hook_defs:
            lines.append(f"Provided hook definitions: {sorted(h.name for h in pending.hook_defs)}.")
        warn_at("\n".join(lines), fn)


class PendingInvocation:
    """A node definition with an alias, tags, hooks or a retry policy, ready to be invoked."""

    def __init__(
        self,
        definition: NodeDefinition,
        alias: str | None = None,
        tags: Mapping[str, Any] | None = None,
        hook_defs: frozenset[HookDefinition] = frozenset(),
        retry_policy: RetryPolicy | None = None,
    ) -> None:
        self.definition = definition
        self.given_alias = alias if alias is None else check_valid_name(alias)
        self.tags: dict[str, Any] = validate_tags(tags)
        self.hook_defs = hook_defs
        self.retry_policy = retry_policy
        if _stack:
            # Until it is invoked; the latest preparation under a name is the one reported.
            _stack[-1].pending[alias or definition.name] = self

    def describe_node(self) -> str:
        return f"{self.definition.node_kind} '{self.given_alias or self.definition.name}'"

    def _derived(self) -> PendingInvocation:
        """This invocation, about to be refined into another (``.tag(...).alias(...)``): only
        the refined one is pending any more."""
        if _stack:
            key = self.given_alias or self.definition.name
            if _stack[-1].pending.get(key) is self:
                del _stack[-1].pending[key]
        return self

    def alias(self, name: str) -> PendingInvocation:
        self._derived()
        return PendingInvocation(
            self.definition, name, self.tags, self.hook_defs, self.retry_policy
        )

    def tag(self, tags: Mapping[str, Any]) -> PendingInvocation:
        self._derived()
        merged = {**self.tags, **tags}
        return PendingInvocation(
            self.definition, self.given_alias, merged, self.hook_defs, self.retry_policy
        )

    def with_hooks(self, hook_defs: Iterable[HookDefinition]) -> PendingInvocation:
        self._derived()
        hooks = self.hook_defs | frozenset(hook_defs)
        return PendingInvocation(
            self.definition, self.given_alias, self.tags, hooks, self.retry_policy
        )

    def with_retry_policy(self, retry_policy: RetryPolicy) -> PendingInvocation:
        self._derived()
        return PendingInvocation(
            self.definition, self.given_alias, self.tags, self.hook_defs, retry_policy
        )

    def to_job(self, name: str | None = None, **kwargs: Any) -> Any:
        """A job made from the graph under this invocation's alias, tags and hooks."""
        graph_def = self._graph("to_job")
        tags = {**self.tags, **(kwargs.pop("tags", None) or {})}
        hooks = frozenset(kwargs.pop("hooks", None) or ()) | self.hook_defs
        retry_policy = kwargs.pop("op_retry_policy", None) or self.retry_policy
        return graph_def.to_job(  # type: ignore[attr-defined]
            name=name or self.given_alias,
            tags=tags,
            hooks=hooks,
            op_retry_policy=retry_policy,
            **kwargs,
        )

    def execute_in_process(
        self,
        run_config: Mapping[str, Any] | None = None,
        instance: Any = None,
        resources: Mapping[str, Any] | None = None,
        raise_on_error: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Run the graph in this process, as a job named after this invocation's alias."""
        job = self.to_job(resource_defs=resources)
        return job.execute_in_process(run_config, instance, raise_on_error=raise_on_error, **kwargs)

    def _graph(self, method: str) -> NodeDefinition:
        if self.definition.node_kind != "graph":
            raise DagsterInvalidInvocationError(
                f"Attemped to call `{method}` on a {self.definition.node_kind}. Only graphs "
                "constructed using the `@graph` decorator support this method."
            )
        return self.definition

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not _stack:
            # Outside a composition a pending invocation runs like its definition would, under
            # its alias.
            return engine().invoke(self.definition, args, kwargs, self.given_alias)
        recording = _stack[-1]
        recording.pending.pop(self.given_alias or self.definition.name, None)
        name = self._unique_name(recording)
        invocation = Invocation(name, self.definition, self.tags, self.hook_defs, self.retry_policy)
        invocation.inputs = _bind_inputs(self.definition, name, recording, args, kwargs)
        recording.invocations[name] = invocation
        return _output_handles(self.definition, name)

    def _unique_name(self, recording: Recording) -> str:
        if self.given_alias is not None:
            if self.given_alias in recording.invocations:
                raise DagsterInvalidDefinitionError(
                    f"{recording.source} {recording.graph_name} invoked the same node "
                    f"({self.given_alias}) twice without aliasing."
                )
            return self.given_alias
        base = self.definition.name
        count = recording.counts.get(base, 0) + 1
        recording.counts[base] = count
        name = base if count == 1 else f"{base}_{count}"
        while name in recording.invocations:
            count += 1
            recording.counts[base] = count
            name = f"{base}_{count}"
        return name


def unwrap_dynamic(returned: Any) -> Any:
    """What a composition function returned, its dynamic outputs as plain output handles
    (a graph may map one of its outputs to a dynamic output)."""
    if isinstance(returned, DynamicOutputHandle):
        return returned.unwrap()
    if isinstance(returned, tuple) and any(isinstance(h, DynamicOutputHandle) for h in returned):
        return tuple(unwrap_dynamic(h) for h in returned)
    if isinstance(returned, dict):
        return {key: unwrap_dynamic(h) for key, h in returned.items()}
    return returned


def _is_handle(value: Any) -> bool:
    return isinstance(value, (OutputHandle, GraphInputHandle))


def _handle_for(output_def: Any, name: str, kind: str) -> OutputHandle | DynamicOutputHandle:
    if output_def.is_dynamic:
        return DynamicOutputHandle(name, output_def.name, kind)
    return OutputHandle(name, output_def.name, kind)


def _bind_inputs(
    definition: NodeDefinition,
    name: str,
    recording: Recording,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    where = f"In {recording.source} {recording.graph_name}"
    names = [d.name for d in definition.input_defs]
    if len(args) > len(names):
        raise DagsterInvalidDefinitionError(
            f"{where}, received too many inputs for invocation {name}. Only "
            f"{len(names)} defined, received {len(args)}"
        )
    bound: dict[str, Any] = {}
    for index, value in enumerate(args):
        key = _input_at_position(definition, index)
        if key is None:
            raise DagsterInvalidDefinitionError(
                f"{where}, could not resolve input based on position at index {index} for "
                f"invocation {name}. Use keyword args instead, available inputs are: {names}"
            )
        bound[key] = _check_argument(definition, name, where, key, value, f"(at position {index})")
    for key, value in kwargs.items():
        if key in bound:
            raise DagsterInvalidDefinitionError(
                f'{where}, input "{key}" of {definition.node_kind} "{name}" was given twice.'
            )
        if not definition.has_input(key):
            raise DagsterInvalidDefinitionError(
                f'{where}, {definition.node_kind} "{name}" was called with input "{key}", '
                f"which it does not have. Its inputs are {list(definition.input_dict)}."
            )
        bound[key] = _check_argument(definition, name, where, key, value, "(passed by keyword)")
    return bound


def _input_at_position(definition: NodeDefinition, index: int) -> str | None:
    """The input a positional argument feeds: the function's parameters in order, then, when
    exactly one input is left (taken by ``**kwargs``), that one."""
    positional = definition.positional_inputs
    if index < len(positional):
        return positional[index]
    rest = [d.name for d in definition.input_defs if d.name not in positional]
    return rest[0] if len(rest) == 1 and index == len(definition.input_defs) - 1 else None


def _check_argument(
    definition: NodeDefinition, name: str, where: str, key: str, value: Any, position: str
) -> Any:
    """``value`` as an input binding: a handle, or a list of them (fan-in)."""
    if _is_handle(value) or isinstance(value, CollectHandle):
        return value
    kind = definition.node_kind
    if isinstance(value, DynamicOutputHandle):
        raise DagsterInvalidDefinitionError(
            f"{where}, received the dynamic output {value.output_name} from "
            f"{value.describe_node()} directly. Dynamic output must be unpacked by invoking map "
            "or collect."
        )
    if isinstance(value, list):
        for index, item in enumerate(value):
            if not _is_handle(item):
                raise DagsterInvalidDefinitionError(
                    f"{where}, received a list containing an invalid type at index {index} for "
                    f'input "{key}" {position} in {kind} invocation {name}. Lists can only contain '
                    "the output from previous solid invocations or input mappings, received "
                    f"{type(item)}"
                )
        return list(value)
    if isinstance(value, tuple) and value and all(isinstance(v, OutputHandle) for v in value):
        options = getattr(value, "_fields", None) or tuple(v.output_name for v in value)
        raise DagsterInvalidDefinitionError(
            f'{where}, received a tuple of multiple outputs for input "{key}" {position} in '
            f"{kind} invocation {name}. Must pass individual output, available from tuple: "
            f"{options}"
        )
    if isinstance(value, PendingInvocation) or callable(getattr(value, "describe_node", None)):
        raise DagsterInvalidDefinitionError(
            f'{where}, received an un-invoked {value.describe_node()} for input "{key}" '
            f'{position} in {kind} invocation "{name}". Did you forget parentheses?'
        )
    raise DagsterInvalidDefinitionError(
        f'{where}, received invalid type {type(value)} for input "{key}" {position} in {kind} '
        f'invocation "{name}". Must pass the output from previous node invocations or inputs to '
        "the composition function as inputs when invoking nodes during composition."
    )


def _output_handles(definition: NodeDefinition, name: str) -> Any:
    outputs = definition.output_defs
    if not outputs:
        return None
    kind = definition.node_kind
    if len(outputs) == 1:
        return _handle_for(outputs[0], name, kind)
    handles = {o.name: _handle_for(o, name, kind) for o in outputs}
    return NamedTupleCache.get(definition.name, tuple(handles))(**handles)


class NamedTupleCache:
    """One namedtuple class per (definition, outputs), so results unpack like Dagster's."""

    _classes: dict[tuple[str, tuple[str, ...]], type] = {}

    @classmethod
    def get(cls, def_name: str, fields: tuple[str, ...]) -> Any:
        key = (def_name, fields)
        if key not in cls._classes:
            cls._classes[key] = namedtuple(f"{def_name}_outputs", fields)
        return cls._classes[key]
