"""What the compile stage works out from a graph or a job, as plain values.

A ``FlatGraph`` is a graph flattened once: its ops by handle (``"op"``, ``"comp.inner"``),
its nested graphs by handle, each op input's possible sources (already followed through every
graph boundary), and the graph's own outputs resolved to the op outputs they are.  It depends
on the graph and the selection of top-level nodes only.  ``GraphEdges`` are what a picture
draws between ops (worked out only when a picture is drawn).

A ``CompiledJob`` adds what the job contributes (its hooks, retry policy, mode and the
resources, run-config schema and plans derived from them).  It does not keep the job alive:
compiled jobs are memoized beside the job (``plan.compile``), and a value that held its own
key would never be collected.

An input's sources are a chain of ``InputOption`` tried in order when a plan is built, because
which one applies can depend on the run config: ``Wired`` (the input is fed by op outputs: the
chain ends), or ``FromConfig`` (the node at that handle, or the job for handle ``""``, gets
the input from run config when the run config names it; if not, the next option applies).
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from opbook.definitions.dependencies import Node
from opbook.definitions.hook import HookDefinition
from opbook.definitions.input_output import InputDefinition
from opbook.definitions.op import SolidDefinition
from opbook.definitions.run_config import (
    ResolvedRunConfig,
    needed_resource_keys,
    run_config_schema,
)
from opbook.definitions.user_events import RetryPolicy
from opbook.errors import DagsterInvariantViolationError
from opbook.events import SolidHandle, StepOutputHandle

if TYPE_CHECKING:
    from opbook import config as cfg
    from opbook.definitions.job import PipelineDefinition
    from opbook.definitions.mode import ModeDefinition


class Wired(NamedTuple):
    """The input is fed by these op outputs (several for a fan-in; none when every source
    lies outside the selection and nothing else can feed it)."""

    sources: tuple[StepOutputHandle, ...]
    is_fan_in: bool


class FromConfig(NamedTuple):
    """Run config may give the input: ``inputs`` of the node at ``handle``, or the job's
    own ``inputs`` when ``handle`` is ``""`` (a graph input of the job's graph)."""

    handle: str
    input_name: str

    def given(self, resolved: ResolvedRunConfig) -> bool:
        """Whether ``resolved`` gives this input a value."""
        if not self.handle:
            return self.input_name in resolved.graph_inputs
        node_config = resolved.nodes.get(self.handle)
        return node_config is not None and self.input_name in node_config.inputs


InputOption = Wired | FromConfig


class CompiledInput(NamedTuple):
    """One input of an op, with where its value may come from, in order of precedence."""

    name: str
    definition: InputDefinition
    options: tuple[InputOption, ...]

    @property
    def wired(self) -> Wired | None:
        """The op outputs feeding the input whatever the run config says, if any."""
        last = self.options[-1] if self.options else None
        return last if isinstance(last, Wired) else None

    @property
    def wired_in_own_graph(self) -> Wired | None:
        """The wiring of the input in the graph its op is in, if it has any there."""
        first = self.options[0] if self.options else None
        return first if isinstance(first, Wired) else None

    def resolve(
        self, resolved: ResolvedRunConfig
    ) -> tuple[tuple[StepOutputHandle, ...], bool, tuple[str, str] | None]:
        """(sources, is fan-in, config source) of the input under ``resolved``."""
        for option in self.options:
            if isinstance(option, Wired):
                return option.sources, option.is_fan_in, None
            if option.given(resolved):
                return (), False, (option.handle, option.input_name)
        return (), False, None


class OpNode(NamedTuple):
    """One op invocation of a flattened graph."""

    handle: str
    solid_handle: SolidHandle
    node: Node
    definition: SolidDefinition
    # the graph node it is in (None at the top level)
    parent: str | None
    # tags and hooks of the op and of the graph nodes around it; its own retry policy
    tags: Mapping[str, Any]
    hook_defs: frozenset[HookDefinition]
    retry_policy: RetryPolicy | None
    inputs: tuple[CompiledInput, ...]


class GraphNode(NamedTuple):
    """A graph used as a node (a composite), with its outputs resolved to op outputs."""

    handle: str
    node: Node
    parent: str | None
    outputs: Mapping[str, StepOutputHandle]


class Edge(NamedTuple):
    """Output ``output`` of op ``source`` feeds input ``input`` of op ``target``; the
    source may be ``input/NAME`` (an input of the flattened graph itself) and the target
    ``output/NAME`` (one of its outputs)."""

    source: str
    output: str
    target: str
    input: str


class GraphEdges(NamedTuple):
    """What a picture of a graph draws between ops: op to op, in the order the graphs'
    wiring lists them (a nested graph's before its parent's), and from the graph's own inputs
    to the op inputs they feed, in the order of its input mappings."""

    edges: tuple[Edge, ...]
    input_edges: tuple[Edge, ...]


@dataclass(frozen=True, eq=False)
class FlatGraph:
    """A graph with its nested graphs flattened (see the module docstring)."""

    name: str
    selection: frozenset[str] | None
    # ops and graph nodes in definition order, depth first
    ops: Mapping[str, OpNode]
    graphs: Mapping[str, GraphNode]
    # the graph's own outputs, each the op output it is, in the order of its mappings
    outputs: Mapping[str, StepOutputHandle]

    def node(self, handle: str) -> Node | None:
        """The node (op or graph) at ``handle`` (``"comp.inner"``), or None."""
        found = self.ops.get(handle) or self.graphs.get(handle)
        return None if found is None else found.node

    def is_graph(self, handle: str) -> bool:
        return handle in self.graphs

    def resolve_output(self, handle: str, output_name: str) -> StepOutputHandle | None:
        """The op output that output ``output_name`` of the node at ``handle`` is: its own
        for an op, through the output mappings for a graph (None if the graph has no such
        output, or there is no such node)."""
        if handle in self.ops:
            return StepOutputHandle(handle, output_name)
        graph = self.graphs.get(handle)
        return None if graph is None else graph.outputs.get(output_name)


@dataclass(eq=False)
class CompiledJob:
    """A job compiled for one mode and selection (see the module docstring)."""

    name: str
    is_job: bool
    selection: frozenset[str] | None
    graph: FlatGraph
    hook_defs: frozenset[HookDefinition]
    retry_policy: RetryPolicy | None
    # the job is referred to weakly: the memo that holds this is keyed by the job
    job_ref: weakref.ref[PipelineDefinition] = field(repr=False)
    mode_given: ModeDefinition | None = field(default=None, repr=False)
    # plans built from this compiled job, by (step keys, inputs given by config)
    plans: dict[Any, Any] = field(default_factory=dict, repr=False)

    @property
    def ops(self) -> Mapping[str, OpNode]:
        return self.graph.ops

    @property
    def job(self) -> PipelineDefinition:
        """The job compiled (alive as long as anyone can ask for its compiled form)."""
        job = self.job_ref()
        if job is None:
            raise DagsterInvariantViolationError(f'The job "{self.name}" no longer exists.')
        return job

    @cached_property
    def mode(self) -> ModeDefinition:
        """The mode compiled for (the job's only mode when none was named)."""
        return self.mode_given if self.mode_given is not None else self.job.get_mode_definition()

    @cached_property
    def resource_keys(self) -> frozenset[str]:
        """The resources a run initialises: what its ops, their types and IO managers, the
        hooks and storages need, and what those resources need in turn."""
        return needed_resource_keys(self.job, self.mode, self.selection)

    def run_config_schema(self, section: str | None = None) -> cfg.Shape:
        """The run-config schema, its node section named ``section`` (``ops``/``solids``)."""
        return run_config_schema(self.job, self.mode, section, self.selection)
