"""Putting a redefined op into the graphs and jobs that use it.

Definitions are immutable, so "updating" a job means building a new one: every graph on the
way down to a node whose definition has the op's name is rebuilt with the same nodes (aliases,
tags, hooks, retry policies), wiring and mappings, and the job around it is copied with the new
graph.  A graph used in several places is rebuilt once, so shared structure stays shared.
Building the new definitions checks them again: an op that lost an input another node feeds,
or that needs a resource the job lacks, fails here with the engine's own message.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from opbook import DagsterError, GraphDefinition, NodeInvocation, PipelineDefinition
from opbook.notebook.engine_seam import NodeDefinition, flatten_graph, replace, wraps


class Rebuilder:
    """Rebuilds graphs and jobs with ``op`` in place of every definition of the same name."""

    def __init__(self, op: NodeDefinition) -> None:
        self.op = op
        self._graphs: dict[int, GraphDefinition] = {}

    def uses_old(self, graph: GraphDefinition) -> bool:
        """Whether ``graph`` (at any depth) holds a definition named like the op but not it."""
        return any(
            op.definition.name == self.op.name and op.definition is not self.op
            for op in flatten_graph(graph).ops.values()
        )

    def graph(self, graph: GraphDefinition) -> GraphDefinition:
        known = self._graphs.get(id(graph))
        if known is None:
            known = self._graphs[id(graph)] = self._rebuild_graph(graph)
        return known

    def _node_definition(self, definition: NodeDefinition) -> NodeDefinition:
        if isinstance(definition, GraphDefinition):
            return self.graph(definition) if self.uses_old(definition) else definition
        return self.op if definition.name == self.op.name else definition

    def _rebuild_graph(self, graph: GraphDefinition) -> GraphDefinition:
        dependencies: dict[Any, dict[str, Any]] = {}
        definitions: dict[str, NodeDefinition] = {}
        wired = graph.dependencies
        for node in graph.nodes:
            definition = self._node_definition(node.definition)
            definitions[definition.name] = definition
            key = NodeInvocation(
                definition.name,
                node.name if node.name != definition.name else None,
                _hashable_tags(node.tags),
                frozenset(node.hook_defs) or None,
                node.retry_policy,
            )
            dependencies[key] = dict(wired.get(node.name, {}))
        rebuilt = type(graph)(
            graph.name,
            graph.description,
            node_defs=list(definitions.values()),
            dependencies=dependencies,
            input_mappings=graph.input_mappings,
            output_mappings=graph.output_mappings,
            config=graph.config_mapping,
            tags=graph.tags,
            _default_ops_config=graph.default_ops_config,
        )
        return _keep_names(graph, rebuilt)

    def pipeline(self, pipeline: PipelineDefinition) -> PipelineDefinition:
        parent = pipeline.parent_pipeline_def
        if parent is not None:
            return self.pipeline(parent).get_pipeline_subset_def(pipeline.solids_to_execute)
        graph = self.graph(pipeline.graph)
        # Checks what the job's constructor checks (resources of every mode, presets, hooks).
        PipelineDefinition(
            name=pipeline.name,
            mode_defs=pipeline.mode_definitions,
            preset_defs=pipeline.preset_defs,
            hook_defs=pipeline.hook_defs,
            graph_def=graph,
        )
        return replace(pipeline, graph=graph)  # a new value: no plans or schemas memoized


def _hashable_tags(tags: Any) -> Any:
    # Invocation keys are dict keys, so their tags must hash; a tuple of pairs rebuilds the dict.
    return tuple(dict(tags).items()) or None


def _keep_names(old: GraphDefinition, new: GraphDefinition) -> GraphDefinition:
    kept = {a: vars(old)[a] for a in ("__module__", "__name__") if a in vars(old)}
    return wraps(new, **kept)


def update_namespace(
    namespace: MutableMapping[str, Any], op: NodeDefinition
) -> tuple[list[str], list[str]]:
    """Rebind every graph and job in ``namespace`` that uses an op named like ``op``.

    Returns:
        (updated, failed): "job numbers"-style descriptions of what was rebuilt, and of what
        could not be rebuilt, with the reason.
    """
    rebuilder = Rebuilder(op)
    updated: list[str] = []
    failed: list[str] = []
    for name, value in list(namespace.items()):
        if name.startswith("_"):
            continue  # IPython's output history (_, _3, ...) keeps old values on purpose
        what = _kind(value)
        if what is None:
            continue
        graph = value.graph if isinstance(value, PipelineDefinition) else value
        if not rebuilder.uses_old(graph):
            continue
        try:
            namespace[name] = (
                rebuilder.pipeline(value)
                if isinstance(value, PipelineDefinition)
                else rebuilder.graph(value)
            )
        except DagsterError as exc:
            failed.append(f"{what} {name}: {str(exc).splitlines()[0]}")
            continue
        updated.append(f"{what} {name}")
    return updated, failed


def _kind(value: Any) -> str | None:
    if isinstance(value, PipelineDefinition):
        return value.target_type
    if isinstance(value, GraphDefinition):
        return value.node_kind
    return None


def newer_ops(graph: GraphDefinition, namespace: Mapping[str, Any]) -> list[NodeDefinition]:
    """The ops (and solids) bound in ``namespace`` that replace one of ``graph``'s by name:
    a cell redefined them after ``graph`` was built."""
    used: dict[str, NodeDefinition] = {}
    for op in flatten_graph(graph).ops.values():
        used.setdefault(op.definition.name, op.definition)
    newer: dict[str, NodeDefinition] = {}
    for name, value in list(namespace.items()):
        if name.startswith("_") or not isinstance(value, NodeDefinition):
            continue
        if isinstance(value, GraphDefinition):
            continue
        old = used.get(value.name)
        if old is not None and old is not value:
            newer[value.name] = value
    return list(newer.values())


def with_newer_ops(
    pipeline: PipelineDefinition, namespace: Mapping[str, Any]
) -> tuple[PipelineDefinition, list[str]]:
    """``pipeline`` rebuilt with the ops of ``namespace`` that replace its own, and their names.

    Raises:
        DagsterError: the new op no longer fits the job (the engine's message).
    """
    whole = pipeline.parent_pipeline_def or pipeline
    replaced = newer_ops(whole.graph, namespace)
    for op in replaced:
        pipeline = Rebuilder(op).pipeline(pipeline)
    return pipeline, sorted(op.name for op in replaced)
