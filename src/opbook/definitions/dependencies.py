"""How nodes are wired: the pipeline generation's explicit dependency dicts, and the wiring
data every graph keeps whichever generation built it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from opbook.definitions.frozen import Frozen

if TYPE_CHECKING:
    from opbook.definitions.hook import HookDefinition
    from opbook.definitions.node import NodeDefinition
    from opbook.definitions.user_events import RetryPolicy


class DependencyDefinition(NamedTuple):
    """Feed an input from output ``output`` of node ``solid`` (``node`` in the job API)."""

    solid: str
    output: str = "result"
    description: str | None = None

    @property
    def node(self) -> str:
        return self.solid


class MultiDependencyDefinition(Frozen):
    """Fan-in: feed one input with a list built from several upstream outputs."""

    def __init__(self, dependencies: Sequence[DependencyDefinition]) -> None:
        self.dependencies = list(dependencies)

    def get_dependencies_and_mappings(self) -> list[DependencyDefinition]:
        return self.dependencies


class DynamicCollectDependencyDefinition(NamedTuple):
    """Feed one input with the list of every item of a dynamic output (``.collect()``)."""

    solid_name: str
    output_name: str


class FrozenTags(dict[str, Any]):
    """Tags that can be part of a dict key (an invocation in a dependency dict)."""

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted((key, repr(value)) for key, value in self.items())))


class _Invocation(NamedTuple):
    name: str
    alias: str | None = None
    tags: Mapping[str, Any] | None = None
    hook_defs: frozenset[Any] | None = None
    retry_policy: Any = None


class SolidInvocation(_Invocation):
    """A key of a pipeline's dependency dict: a definition invoked under an alias, with tags,
    hooks or a retry policy of its own."""

    def __new__(
        cls,
        name: str,
        alias: str | None = None,
        tags: Mapping[str, Any] | None = None,
        hook_defs: Any = None,
        retry_policy: Any = None,
    ) -> SolidInvocation:
        return super().__new__(
            cls,
            name,
            alias,
            FrozenTags(tags or {}),
            frozenset(hook_defs or ()),
            retry_policy,
        )


NodeInvocation = SolidInvocation


@dataclass(frozen=True)
class InputMapping:
    """Graph input ``graph_input_name`` feeds input ``input_name`` of inner node ``node_name``."""

    graph_input_name: str
    node_name: str
    input_name: str


@dataclass(frozen=True)
class OutputMapping:
    """Graph output ``graph_output_name`` is output ``output_name`` of inner node ``node_name``."""

    graph_output_name: str
    node_name: str
    output_name: str


class Upstream(NamedTuple):
    """One source of an input: a sibling node's output, or (``node_name`` None) a graph input."""

    node_name: str | None
    output_name: str


@dataclass(frozen=True)
class Node:
    """One invocation of a definition inside a graph."""

    name: str
    definition: NodeDefinition
    tags: Mapping[str, Any] = field(default_factory=dict)
    hook_defs: frozenset[HookDefinition] = frozenset()
    retry_policy: RetryPolicy | None = None

    def __post_init__(self) -> None:
        # As in Dagster, a node's tags are its definition's, under the invocation's own.
        object.__setattr__(self, "tags", {**(self.definition.tags or {}), **self.tags})

    @property
    def solid_def(self) -> NodeDefinition:
        return self.definition

    op_def = solid_def
    node_def = solid_def

    @property
    def is_graph(self) -> bool:
        return hasattr(self.definition, "nodes")

    def input_dict(self) -> dict[str, Any]:
        return self.definition.input_dict

    def output_dict(self) -> dict[str, Any]:
        return self.definition.output_dict

    @property
    def input_defs(self) -> list[Any]:
        return self.definition.input_defs

    @property
    def output_defs(self) -> list[Any]:
        return self.definition.output_defs

    def has_input(self, name: str) -> bool:
        return self.definition.has_input(name)

    def has_output(self, name: str) -> bool:
        return self.definition.has_output(name)

    def input_def_named(self, name: str) -> Any:
        return self.definition.input_def_named(name)

    def output_def_named(self, name: str) -> Any:
        return self.definition.output_def_named(name)

    def input_handle(self, name: str) -> NodeInputHandle:
        return NodeInputHandle(self, self.definition.input_def_named(name))

    def output_handle(self, name: str) -> NodeOutputHandle:
        return NodeOutputHandle(self, self.definition.output_def_named(name))

    def input_handles(self) -> list[NodeInputHandle]:
        return [NodeInputHandle(self, d) for d in self.definition.input_defs]

    def output_handles(self) -> list[NodeOutputHandle]:
        return [NodeOutputHandle(self, d) for d in self.definition.output_defs]

    def describe_node(self) -> str:
        return f'{self.definition.node_kind} "{self.name}"'

    def __repr__(self) -> str:
        return f"Node({self.name!r}, {self.definition.name!r})"


class _Handle:
    """One input or output of one node; equal to another naming the same node and port."""

    __slots__ = ("definition", "solid")

    def __init__(self, solid: Node, definition: Any) -> None:
        self.solid = solid
        self.definition = definition

    @property
    def node(self) -> Node:
        return self.solid

    @property
    def solid_name(self) -> str:
        return self.solid.name

    @property
    def node_name(self) -> str:
        return self.solid.name

    def _key(self) -> tuple[str, str, str]:
        return (type(self).__name__, self.solid.name, str(self.definition.name))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Handle) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.solid.name}.{self.definition.name})"


class NodeInputHandle(_Handle):
    """One input of one node (``SolidInputHandle`` in the pipeline generation)."""

    __slots__ = ()

    @property
    def input_def(self) -> Any:
        return self.definition

    @property
    def input_name(self) -> str:
        return str(self.definition.name)


class NodeOutputHandle(_Handle):
    """One output of one node (``SolidOutputHandle`` in the pipeline generation)."""

    __slots__ = ()

    @property
    def output_def(self) -> Any:
        return self.definition

    @property
    def output_name(self) -> str:
        return str(self.definition.name)

    @property
    def is_dynamic(self) -> bool:
        return False

    def describe(self) -> str:
        return f"{self.solid.name}:{self.output_name}"


SolidInputHandle = NodeInputHandle
SolidOutputHandle = NodeOutputHandle


@dataclass(frozen=True)
class InputSources:
    """Where one input of one node gets its value: a single upstream, or fan-in of several."""

    sources: tuple[Upstream, ...]
    is_fan_in: bool
    # ``dynamic.collect()``: one source, a dynamic output (or an output mapped over one),
    # whose items make the list.
    is_collect: bool = False
