"""The compile stage: a graph flattened, and a job compiled, once.

``flatten_graph(graph, selection)`` walks the nested graph one time, depth first in
definition order, and records every op by handle with its input sources followed through the
graphs' input mappings (up) and output mappings (down), every nested graph with its outputs
resolved, and the op-to-op edges a picture draws.  ``compile_job(job, mode, selection)`` adds
the job's hooks, retry policy and mode.  Both are pure and memoized beside their definition
(``definitions.derived``): a definition never carries them, a changed copy starts afresh, and
the memo goes when the definition does.

This module is the one place that asks whether a node is a graph in order to walk into it;
plans, results, pictures, the command line and notebook helpers read the flattened form.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from typing import Any

from opbook.definitions.dependencies import Node
from opbook.definitions.derived import memo_table
from opbook.definitions.graph import GraphDefinition
from opbook.definitions.hook import HookDefinition
from opbook.definitions.job import PipelineDefinition
from opbook.definitions.mode import ModeDefinition
from opbook.definitions.node import NodeDefinition
from opbook.definitions.op import SolidDefinition
from opbook.events import SolidHandle, StepOutputHandle
from opbook.plan.compiled import (
    CompiledInput,
    CompiledJob,
    Edge,
    FlatGraph,
    FromConfig,
    GraphEdges,
    GraphNode,
    InputOption,
    OpNode,
    Wired,
)

_OWN_SELECTION: Any = object()


def flatten_graph(graph: GraphDefinition, selection: frozenset[str] | None = None) -> FlatGraph:
    """``graph`` flattened (memoized per graph and selection).

    Args:
        graph: the graph (or a job's graph, or a composite).
        selection: the top-level nodes kept (all of them if None).
    """
    table: dict[frozenset[str] | None, FlatGraph] = memo_table(graph, "flat graphs")
    flat = table.get(selection)
    if flat is None:
        flat = table[selection] = _Flattener(graph, selection).run()
    return flat


def compile_job(
    job: PipelineDefinition,
    mode: ModeDefinition | str | None = None,
    selection: frozenset[str] | None = _OWN_SELECTION,
) -> CompiledJob:
    """``job`` compiled for ``mode`` and ``selection`` (memoized beside the job).

    Args:
        job: a job or pipeline (a subset of one too).
        mode: the mode (or its name); the job's only mode when None, looked up when a part
            that depends on the mode (resources, run-config schema) is first asked for.
        selection: the top-level nodes to run; by default the job's own (all of a job that
            is not a subset).

    Raises:
        DagsterInvariantViolationError: ``mode`` names no mode of the job.
    """
    if isinstance(mode, str):
        mode = job.get_mode_definition(mode)
    if selection is _OWN_SELECTION:
        selection = job.solids_to_execute
    elif selection is not None:
        selection = frozenset(selection)
    key = (None if mode is None else mode.name, selection)
    table: dict[Any, CompiledJob] = memo_table(job, "compiled")
    compiled = table.get(key)
    if compiled is not None and compiled.job_ref() is None:
        # Compiled for a subset of the job that is gone (subsets share their job's memo, and
        # one with the same selection is the same job): the plans made so far still hold.
        compiled = table[key] = replace(compiled, job_ref=weakref.ref(job))
    if compiled is None:
        compiled = table[key] = CompiledJob(
            job.name,
            job.is_job,
            selection,
            flatten_graph(job.graph, selection),
            frozenset(job.hook_defs),
            job.retry_policy,
            weakref.ref(job),
            mode,
        )
    return compiled


def graph_edges(graph: GraphDefinition, selection: frozenset[str] | None = None) -> GraphEdges:
    """What a picture of ``graph`` draws between ops (memoized per graph and selection).

    Args:
        graph: the graph (or a job's graph, or a composite).
        selection: the top-level nodes kept (all of them if None).
    """
    table: dict[frozenset[str] | None, GraphEdges] = memo_table(graph, "graph edges")
    found = table.get(selection)
    if found is None:
        input_edges = tuple(
            Edge(f"input/{mapping.graph_input_name}", mapping.graph_input_name, target, name)
            for mapping in graph.input_mappings
            for target, name in _leaf_inputs(graph, mapping.node_name, mapping.input_name, "")
        )
        edges: list[Edge] = []
        _add_edges(edges, graph, "", selection)
        found = table[selection] = GraphEdges(tuple(edges), input_edges)
    return found


def _add_edges(
    edges: list[Edge], graph: GraphDefinition, prefix: str, selection: frozenset[str] | None
) -> None:
    """The edges of the graphs inside ``graph`` (at ``prefix``), then its own; ``selection``
    keeps some of its nodes."""
    for name, node in graph.node_dict.items():
        inner = _as_graph(node.definition)
        if inner is not None and (selection is None or name in selection):
            _add_edges(edges, inner, f"{prefix}{name}.", None)
    for (node_name, input_name), sources in graph.wiring.items():
        if selection is not None and node_name not in selection:
            continue
        targets = _leaf_inputs(graph, node_name, input_name, prefix)
        for source in sources.sources:
            if source.node_name is None or (
                selection is not None and source.node_name not in selection
            ):
                continue
            origin = _leaf_output(graph, source.node_name, source.output_name, prefix)
            edges += [Edge(origin.step_key, origin.output_name, t, name) for t, name in targets]


def _as_graph(definition: NodeDefinition) -> GraphDefinition | None:
    return definition if isinstance(definition, GraphDefinition) else None


@dataclass
class _Frame:
    """A graph being flattened, at a handle, inside its parent frame."""

    graph: GraphDefinition
    prefix: str
    parent: _Frame | None
    node_name: str | None  # this graph's node name in the parent frame
    tags: dict[str, Any]
    hooks: frozenset[HookDefinition]
    handle: str | None = None  # this graph's handle (None at the top)
    solid_handle: SolidHandle | None = None


class _Flattener:
    def __init__(self, graph: GraphDefinition, selection: frozenset[str] | None) -> None:
        self.graph = graph
        self.selection = selection
        self.ops: dict[str, OpNode] = {}
        self.graphs: dict[str, GraphNode] = {}

    def run(self) -> FlatGraph:
        root = _Frame(self.graph, "", None, None, {}, frozenset())
        self._flatten(root)
        outputs = {
            m.graph_output_name: _leaf_output(self.graph, m.node_name, m.output_name, "")
            for m in self.graph.output_mappings
        }
        return FlatGraph(self.graph.name, self.selection, self.ops, self.graphs, outputs)

    def _in_selection(self, frame: _Frame, node_name: str) -> bool:
        return frame.parent is not None or self.selection is None or node_name in self.selection

    def _flatten(self, frame: _Frame) -> None:
        for name, node in frame.graph.node_dict.items():
            if not self._in_selection(frame, name):
                continue
            tags = {**frame.tags, **node.definition.tags, **node.tags}
            hooks = frame.hooks | node.hook_defs
            handle = frame.prefix + name
            inner = _as_graph(node.definition)
            if inner is None:
                self.ops[handle] = self._op(frame, node, tags, hooks)
                continue
            outputs = {
                m.graph_output_name: _leaf_output(
                    frame.graph, name, m.graph_output_name, frame.prefix
                )
                for m in inner.output_mappings
            }
            self.graphs[handle] = GraphNode(handle, node, frame.handle, outputs)
            self._flatten(
                _Frame(
                    inner,
                    handle + ".",
                    frame,
                    name,
                    tags,
                    hooks,
                    handle,
                    SolidHandle(name, frame.solid_handle),
                )
            )

    def _op(
        self, frame: _Frame, node: Node, tags: dict[str, Any], hooks: frozenset[HookDefinition]
    ) -> OpNode:
        definition = node.definition
        assert isinstance(definition, SolidDefinition)
        handle = frame.prefix + node.name
        inputs = tuple(
            [
                CompiledInput(d.name, d, self._options(frame, node.name, d.name))
                for d in definition.input_defs
            ]
        )
        return OpNode(
            handle,
            SolidHandle(node.name, frame.solid_handle),
            node,
            definition,
            frame.handle,
            tags,
            hooks,
            node.retry_policy or definition.retry_policy,
            inputs,
        )

    def _options(self, frame: _Frame, node_name: str, input_name: str) -> tuple[InputOption, ...]:
        """Where input ``input_name`` of ``node_name`` may come from, tried in order: the
        wiring of its graph, run config for that node, then the same for the graph input it
        is mapped from, one graph up, up to the job's own inputs."""
        options: list[InputOption] = []
        while True:
            wiring = frame.graph.wiring.get((node_name, input_name))
            if wiring is not None:
                handles = tuple(
                    [
                        _leaf_output(frame.graph, s.node_name, s.output_name, frame.prefix)
                        for s in wiring.sources
                        if s.node_name is not None and self._in_selection(frame, s.node_name)
                    ]
                )
                if handles or not wiring.sources:
                    options.append(Wired(handles, wiring.is_fan_in))
                    break
            options.append(FromConfig(frame.prefix + node_name, input_name))
            mapping = next(
                (
                    m
                    for m in frame.graph.input_mappings
                    if m.node_name == node_name and m.input_name == input_name
                ),
                None,
            )
            if mapping is None:
                break
            if frame.parent is None:
                options.append(FromConfig("", mapping.graph_input_name))
                break
            assert frame.node_name is not None
            node_name, input_name = frame.node_name, mapping.graph_input_name
            frame = frame.parent
        return tuple(options)


def _leaf_output(
    graph: GraphDefinition, node_name: str, output_name: str, prefix: str
) -> StepOutputHandle:
    """The op output that output ``output_name`` of node ``node_name`` of ``graph`` (at
    ``prefix``) is, through the output mappings of the graphs it is inside."""
    handle = prefix + node_name
    inner = _as_graph(graph.node_dict[node_name].definition)
    while inner is not None:
        mapping = next(m for m in inner.output_mappings if m.graph_output_name == output_name)
        handle, output_name = f"{handle}.{mapping.node_name}", mapping.output_name
        inner = _as_graph(inner.node_dict[mapping.node_name].definition)
    return StepOutputHandle(handle, output_name)


def _leaf_inputs(
    graph: GraphDefinition, node_name: str, input_name: str, prefix: str
) -> list[tuple[str, str]]:
    """The op inputs that input ``input_name`` of node ``node_name`` of ``graph`` (at
    ``prefix``) feeds, through the input mappings of the graphs it is inside."""
    key = prefix + node_name
    inner = _as_graph(graph.node_dict[node_name].definition)
    if inner is None:
        return [(key, input_name)]
    found: list[tuple[str, str]] = []
    for mapping in inner.input_mappings:
        if mapping.graph_input_name == input_name:
            found += _leaf_inputs(inner, mapping.node_name, mapping.input_name, key + ".")
    return found
