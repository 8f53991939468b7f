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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from opbook.definitions.engine import engine
from opbook.definitions.names import check_valid_name
from opbook.definitions.tags import validate_tags
from opbook.errors import DagsterInvalidDefinitionError, DagsterInvalidInvocationError

if TYPE_CHECKING:
    from opbook.definitions.hook import HookDefinition
    from opbook.definitions.node import NodeDefinition
    from opbook.definitions.user_events import RetryPolicy


class OutputHandle(NamedTuple):
    """The output ``output_name`` of the invocation ``node_name``."""

    node_name: str
    output_name: str


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
    # nodes aliased, tagged or hooked but not (yet) invoked, by the name they would have
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


def warn_not_invoked(recording: Recording) -> None:
    """Warn, as Dagster does, of each node the finished body prepared but never invoked:
    ``my_op.alias("x")`` without the call is almost always a mistake."""
    for pending in recording.pending.values():
        warnings.warn(_not_invoked_message(pending, recording), UserWarning, stacklevel=4)


def _not_invoked_message(pending: PendingInvocation, recording: Recording) -> str:
    definition = pending.definition
    lines = [
        f"While in {recording.source} context '{recording.graph_name}', received an uninvoked "
        f"{definition.node_kind} '{definition.name}'."
    ]
    if pending.given_alias is not None:
        lines.append(f"'{definition.name}' was aliased as '{pending.given_alias}'.")
    if pending.tags:
        lines.append(f"Provided tags: {pending.tags}.")
    if pending.hook_defs:
        lines.append(f"Provided hook definitions: {sorted(h.name for h in pending.hook_defs)}.")
    return "\n".join(lines)


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
        self.given_alias = alias if alias is None else check_valid_name(alias, "Alias")
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

    def _graph(self, method: str) -> Any:
        if self.definition.node_kind != "graph":
            raise DagsterInvalidInvocationError(
                f"Attemped to call `{method}` on a {self.definition.node_kind}. Only graphs "
                "constructed using the `@graph` decorator support this method."
            )
        return self.definition

    def to_job(
        self,
        name: str | None = None,
        tags: Mapping[str, Any] | None = None,
        hooks: Iterable[HookDefinition] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A job from this graph under its alias, with its tags and hooks added to those given
        (the other arguments are ``GraphDefinition.to_job``'s)."""
        return self._graph("to_job").to_job(
            name=name or self.given_alias,
            tags={**self.tags, **(tags or {})},
            hooks=set(hooks or ()) | self.hook_defs,
            **kwargs,
        )

    def execute_in_process(
        self,
        run_config: Mapping[str, Any] | None = None,
        instance: Any = None,
        resources: Mapping[str, Any] | None = None,
        raise_on_error: bool = True,
    ) -> Any:
        """Run this graph as ``GraphDefinition.execute_in_process`` does, with its hooks, and
        under its alias."""
        return engine().execute_graph_in_process(
            self._graph("execute_in_process"),
            run_config,
            instance,
            resources,
            raise_on_error,
            job_name=self.given_alias,
            hook_defs=self.hook_defs,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not _stack:
            # Outside a composition a pending invocation runs like its definition would, under
            # its alias.
            return engine().invoke(self.definition, args, kwargs, self.given_alias)
        recording = _stack[-1]
        recording.pending.pop(self.given_alias or self.definition.name, None)
        name = self._unique_name(recording)
        invocation = Invocation(name, self.definition, self.tags, self.hook_defs, self.retry_policy)
        invocation.inputs = _bind_inputs(self.definition, name, recording.graph_name, args, kwargs)
        recording.invocations[name] = invocation
        return _output_handles(self.definition, name)

    def _unique_name(self, recording: Recording) -> str:
        if self.given_alias is not None:
            if self.given_alias in recording.invocations:
                raise DagsterInvalidDefinitionError(
                    f'Node alias "{self.given_alias}" is used more than once in "{recording.graph_name}".'
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


def _is_handle(value: Any) -> bool:
    return isinstance(value, (OutputHandle, GraphInputHandle))


def _bind_inputs(
    definition: NodeDefinition,
    name: str,
    graph_name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    names = [d.name for d in definition.input_defs]
    if len(args) > len(names):
        raise DagsterInvalidDefinitionError(
            f'In "{graph_name}", {definition.node_kind} "{name}" was called with {len(args)} '
            f"positional inputs but it has only {len(names)}: {names}."
        )
    bound: dict[str, Any] = {}
    for index, value in enumerate(args):
        key = _input_at_position(definition, index)
        if key is None:
            raise DagsterInvalidDefinitionError(
                f'In "{graph_name}", could not resolve input based on position at index {index} '
                f'for invocation "{name}". Use keyword args instead, available inputs are: {names}'
            )
        bound[key] = value
    for key, value in kwargs.items():
        if key in bound:
            raise DagsterInvalidDefinitionError(
                f'In "{graph_name}", input "{key}" of {definition.node_kind} "{name}" was given twice.'
            )
        if not definition.has_input(key):
            raise DagsterInvalidDefinitionError(
                f'In "{graph_name}", {definition.node_kind} "{name}" was called with input "{key}", '
                f"which it does not have. Its inputs are {list(definition.input_dict)}."
            )
        bound[key] = value
    where = f'In "{graph_name}", input "{{}}" of {definition.node_kind} "{name}"'
    for key, value in bound.items():
        if not _is_handle(value):
            bound[key] = _fan_in(value, where.format(key))
    return bound


def _input_at_position(definition: NodeDefinition, index: int) -> str | None:
    """The input a positional argument feeds: the function's parameters in order, then, when
    exactly one input is left (taken by ``**kwargs``), that one."""
    positional = definition.positional_inputs
    if index < len(positional):
        return positional[index]
    rest = [d.name for d in definition.input_defs if d.name not in positional]
    return rest[0] if len(rest) == 1 and index == len(definition.input_defs) - 1 else None


def _fan_in(value: Any, where: str) -> list[Any]:
    """The handles of a fan-in list; anything else given for an input is refused, with what
    Dagster says about it."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        raise DagsterInvalidDefinitionError(
            f"{where} received a tuple of multiple outputs. Must pass individual output, "
            f"available from tuple: {value._fields}"
        )
    if isinstance(value, PendingInvocation) or callable(getattr(value, "describe_node", None)):
        raise DagsterInvalidDefinitionError(
            f"{where} received an un-invoked {value.describe_node()}. Did you forget parentheses?"
        )
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if not _is_handle(item):
                raise DagsterInvalidDefinitionError(
                    f"{where} received a list containing an invalid type at index {index}. Lists "
                    "can only contain the output from previous solid invocations or input "
                    f"mappings, received {type(item).__name__} {item!r}."
                )
        return list(value)
    raise DagsterInvalidDefinitionError(
        f"{where} received {type(value).__name__} {value!r}. Must pass the output from previous "
        "node invocations or inputs to the composition function as inputs when invoking nodes "
        "during composition. Pass constant values through config instead."
    )


def _output_handles(definition: NodeDefinition, name: str) -> Any:
    outputs = definition.output_defs
    if not outputs:
        return None
    if len(outputs) == 1:
        return OutputHandle(name, outputs[0].name)
    handles = {o.name: OutputHandle(name, o.name) for o in outputs}
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
