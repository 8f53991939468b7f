"""What a job graph picture shows, as plain data: boxes, clusters and wires.

A box is one op invocation, keyed by its handle path (``"comp.inner"``), which is also its
step key, so run events colour it directly.  A cluster is a nested graph (a composite).  A wire
goes from an op's output to an op's input; wires are always drawn between ops, whatever graph
boundaries lie between, so a graph input feeding two inner ops gives two wires.  The inputs and
outputs of a drawn graph itself are the pseudo boxes ``input/NAME`` and ``output/NAME``.

Models are built from a job or pipeline, a graph, an op, or an execution plan (anything with
``steps`` whose items have ``key``, ``node``, ``definition`` and ``inputs``); ``diagrams`` draws
them with Graphviz and ``textgraph`` as text.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from opbook import GraphDefinition, PipelineDefinition
from opbook.notebook.engine_seam import (
    FlatGraph,
    GraphEdges,
    NodeDefinition,
    flatten_graph,
    graph_edges,
)


@dataclass
class Box:
    """One op invocation."""

    key: str
    name: str
    definition: str
    inputs: list[tuple[str, str]]  # (name, type)
    outputs: list[tuple[str, str]]
    cluster: str | None = None  # key of the enclosing cluster

    @property
    def is_alias(self) -> bool:
        return self.name != self.definition


@dataclass
class Cluster:
    """A nested graph: its node's key and name, and its definition's name."""

    key: str
    name: str
    definition: str
    parent: str | None = None


@dataclass(frozen=True)
class Wire:
    """Output ``output`` of box ``source`` feeds input ``input`` of box ``target``."""

    source: str
    output: str
    target: str
    input: str


@dataclass
class GraphModel:
    """Everything a graph picture shows, before any status colouring."""

    kind: str  # "job", "pipeline", "graph", "op", "plan"
    name: str
    boxes: dict[str, Box] = field(default_factory=dict)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    wires: list[Wire] = field(default_factory=list)
    graph_inputs: list[str] = field(default_factory=list)
    graph_outputs: list[str] = field(default_factory=list)

    def order(self) -> list[str]:
        """Box keys, upstream before downstream (definition order among independent boxes)."""
        position = {key: index for index, key in enumerate(self.boxes)}
        downstream: dict[str, list[str]] = {key: [] for key in self.boxes}
        waiting = dict.fromkeys(self.boxes, 0)
        for source, target in {(w.source, w.target) for w in self.wires}:
            if source in position and target in position:
                downstream[source].append(target)
                waiting[target] += 1
        ready = [(position[key], key) for key, count in waiting.items() if count == 0]
        heapq.heapify(ready)
        done: list[str] = []
        while ready:
            _, key = heapq.heappop(ready)
            done.append(key)
            for after in downstream[key]:
                waiting[after] -= 1
                if waiting[after] == 0:
                    heapq.heappush(ready, (position[after], after))
        placed = set(done)
        # Checked graphs have no cycles; keep every box in the listing all the same.
        return done + [key for key in self.boxes if key not in placed]

    def cluster_depth(self, cluster: str | None) -> int:
        depth = 0
        while cluster is not None:
            depth += 1
            cluster = self.clusters[cluster].parent
        return depth


def _type_name(definition: Any) -> str:
    return str(definition.dagster_type.display_name)


def _box(key: str, name: str, definition: NodeDefinition, cluster: str | None) -> Box:
    return Box(
        key,
        name,
        definition.name,
        [(d.name, _type_name(d)) for d in definition.input_defs],
        [(d.name, _type_name(d)) for d in definition.output_defs],
        cluster,
    )


# -- from definitions ----------------------------------------------------------------------------


def _add_flat(model: GraphModel, flat: FlatGraph, edges: GraphEdges, prefix: str) -> None:
    """The ops, nested graphs and op-to-op wires of a flattened graph, keyed under ``prefix``."""
    for handle, graph in flat.graphs.items():
        parent = prefix + graph.parent if graph.parent is not None else None
        node = graph.node
        model.clusters[prefix + handle] = Cluster(
            prefix + handle, node.name, node.definition.name, parent
        )
    for handle, op in flat.ops.items():
        cluster = prefix + op.parent if op.parent is not None else None
        model.boxes[prefix + handle] = _box(prefix + handle, op.node.name, op.definition, cluster)
    model.wires += [
        Wire(prefix + e.source, e.output, prefix + e.target, e.input) for e in edges.edges
    ]


def from_graph(
    graph: GraphDefinition, kind: str = "graph", name: str | None = None, prefix: str = ""
) -> GraphModel:
    """The model of a graph (or composite): its ops, nested graphs, inputs and outputs.

    ``prefix`` is the graph's handle inside a job plus a dot, so that keys are step keys.
    """
    model = GraphModel(kind, name or graph.name)
    flat = flatten_graph(graph)
    edges = graph_edges(graph)
    _add_flat(model, flat, edges, prefix)
    for edge in edges.input_edges:
        if edge.output not in model.graph_inputs:
            model.graph_inputs.append(edge.output)
        model.wires.append(Wire(edge.source, edge.output, prefix + edge.target, edge.input))
    for name_, origin in flat.outputs.items():
        model.graph_outputs.append(name_)
        model.wires.append(
            Wire(prefix + origin.step_key, origin.output_name, f"output/{name_}", name_)
        )
    return model


def from_pipeline(pipeline: PipelineDefinition, whole: bool = False) -> GraphModel:
    """The model of a job or pipeline; a subset shows its selected nodes only, unless ``whole``."""
    kind = pipeline.target_type
    if whole and pipeline.parent_pipeline_def is not None:
        pipeline = pipeline.parent_pipeline_def
    model = GraphModel(kind, pipeline.name)
    selected = pipeline.solids_to_execute
    graph = pipeline.graph
    _add_flat(model, flatten_graph(graph, selected), graph_edges(graph, selected), "")
    return model


def from_op(definition: NodeDefinition, key: str | None = None) -> GraphModel:
    """The model of one op on its own (``key``: its step key in a run, if not its name)."""
    model = GraphModel("op", definition.name)
    key = key or definition.name
    model.boxes[key] = _box(key, key.rsplit(".", 1)[-1], definition, None)
    return model


def from_plan(plan: Any) -> GraphModel:
    """The model of an execution plan: its steps, clustered by their handle paths."""
    model = GraphModel("plan", str(getattr(plan, "pipeline_name", "plan")))
    for step in plan.steps:
        parts = step.key.split(".")
        for depth in range(1, len(parts)):
            key = ".".join(parts[:depth])
            parent = ".".join(parts[: depth - 1]) or None
            model.clusters.setdefault(key, Cluster(key, parts[depth - 1], parts[depth - 1], parent))
        cluster = ".".join(parts[:-1]) or None
        model.boxes[step.key] = _box(step.key, step.node.name, step.definition, cluster)
    for step in plan.steps:
        for step_input in step.inputs:
            for source in step_input.sources:
                if source.step_key in model.boxes:
                    model.wires.append(
                        Wire(source.step_key, source.output_name, step.key, step_input.name)
                    )
    return model


def is_plan(target: Any) -> bool:
    return hasattr(target, "steps") and hasattr(target, "step_dict")


def model_of(target: Any) -> GraphModel:
    """The model of a job, pipeline, graph, op or execution plan.

    Raises:
        TypeError: ``target`` is none of these.
    """
    if isinstance(target, PipelineDefinition):
        return from_pipeline(target)
    if isinstance(target, GraphDefinition):
        return from_graph(target, "graph" if target.node_kind == "graph" else "composite")
    if isinstance(target, NodeDefinition):
        return from_op(target)
    if is_plan(target):
        return from_plan(target)
    raise TypeError(
        f"Cannot draw {target!r}: expected a job, pipeline, graph, op, execution plan or result."
    )
