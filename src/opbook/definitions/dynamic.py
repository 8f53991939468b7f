"""Definition-time rules for dynamic outputs, checked when a graph is built.

A node is *mapped over* a dynamic output when one of its inputs is fed by that output
directly (``dynamic.map(fn)`` records exactly that), or by a node mapped over it; at run
time it becomes one step per item.  Dagster's rules, with its messages:

- a node may be mapped over one dynamic output only (so a mapped node's own dynamic output can
  be neither mapped nor collected);
- a node cannot both be mapped over a dynamic output and collect one;
- a fan-in list cannot hold a dynamic output, nor an output of a mapped node;
- a graph input that feeds a node already mapped (or that starts a dynamic output) inside
  the graph cannot itself be mapped over;
- a graph output mapped from a dynamic output, or from a mapped node, must be a
  ``DynamicOutputDefinition``.

``fan_out_index`` (node name -> the dynamic output it is mapped over, as ``(node, output)``)
is kept on the graph, for the rule on graph inputs one level up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opbook.definitions.dependencies import InputMapping, InputSources, Node, OutputMapping
from opbook.errors import DagsterInvalidDefinitionError

Out = tuple[str, str]  # (node name, output name)


def _describe(out: Out) -> str:
    return f"{out[0]}:{out[1]}"


def _describe_node(node: Node) -> str:
    return f"{node.definition.node_kind} '{node.name}'"


def input_supports_dynamic_dep(definition: Any, input_name: str) -> bool:
    """Whether an input of ``definition`` may be fed by a dynamic output: always for an op; for
    a graph, when the node it maps to is neither mapped nor the start of a dynamic output."""
    fan_out: Mapping[str, Out] | None = getattr(definition, "dynamic_fan_out_index", None)
    if fan_out is None:
        return True
    mappings: Sequence[InputMapping] = definition.input_mappings
    for mapping in mappings:
        if mapping.graph_input_name != input_name:
            continue
        target = mapping.node_name
        if target in fan_out or any(out[0] == target for out in fan_out.values()):
            return False
        inner = definition.node_dict[target].definition
        if not input_supports_dynamic_dep(inner, mapping.input_name):
            return False
    return True


class _Index:
    def __init__(self, nodes: Mapping[str, Node]) -> None:
        self.nodes = nodes
        self.fan_out: dict[str, Out] = {}
        self.collects: dict[str, list[Out]] = {}

    def is_dynamic(self, out: Out) -> bool:
        return bool(self.nodes[out[0]].definition.output_def_named(out[1]).is_dynamic)

    def add(self, node_name: str, input_name: str, sources: InputSources) -> None:
        ups = [(s.node_name, s.output_name) for s in sources.sources if s.node_name is not None]
        if sources.is_collect:
            up = ups[0]
            if self.is_dynamic(up):
                self._collect(node_name, up)
            elif up[0] in self.fan_out:
                self._collect(node_name, self.fan_out[up[0]])
            else:
                raise DagsterInvalidDefinitionError(
                    f'{_describe_node(self.nodes[node_name])} collects over output "{_describe(up)}", '
                    "which is not a dynamic output nor downstream of one."
                )
        elif sources.is_fan_in:
            for up in ups:
                self._check_fan_in_item(up)
        elif ups:
            up = ups[0]
            if self.is_dynamic(up):
                self._fan_out(node_name, input_name, up)
            if up[0] in self.fan_out:
                self._fan_out(node_name, input_name, self.fan_out[up[0]])

    def _check_fan_in_item(self, up: Out) -> None:
        if self.is_dynamic(up):
            raise DagsterInvalidDefinitionError(
                "Currently, items in a fan-in dependency cannot be downstream of dynamic outputs. "
                f'Problematic dependency on dynamic output "{_describe(up)}".'
            )
        if up[0] in self.fan_out:
            raise DagsterInvalidDefinitionError(
                "Currently, items in a fan-in dependency cannot be downstream of dynamic outputs. "
                f'Problematic dependency on output "{_describe(up)}", downstream of '
                f'"{_describe(self.fan_out[up[0]])}".'
            )

    def _fan_out(self, node_name: str, input_name: str, up: Out) -> None:
        node = self.nodes[node_name]
        described = _describe_node(node)
        if not input_supports_dynamic_dep(node.definition, input_name):
            raise DagsterInvalidDefinitionError(
                f'{described} cannot be downstream of dynamic output "{_describe(up)}" since input '
                f'"{input_name}" maps to a node that is already downstream of another dynamic '
                "output. Nodes cannot be downstream of more than one dynamic output"
            )
        collected = self.collects.get(node_name)
        if collected:
            raise DagsterInvalidDefinitionError(
                f"{described} cannot be both downstream of dynamic output {_describe(up)} and "
                f"collect over dynamic output {_describe(collected[0])}."
            )
        known = self.fan_out.setdefault(node_name, up)
        if known != up:
            raise DagsterInvalidDefinitionError(
                f"{described} cannot be downstream of more than one dynamic output. It is "
                f'downstream of both "{_describe(up)}" and "{_describe(known)}"'
            )

    def _collect(self, node_name: str, up: Out) -> None:
        described = _describe_node(self.nodes[node_name])
        known = self.fan_out.get(node_name)
        if known is not None:
            raise DagsterInvalidDefinitionError(
                f"{described} cannot both collect over dynamic output {_describe(up)} and be "
                f"downstream of the dynamic output {_describe(known)}."
            )
        self.collects.setdefault(node_name, []).append(up)
        upstream = self.fan_out.get(up[0])
        if upstream is not None:
            raise DagsterInvalidDefinitionError(
                f"{described} cannot be downstream of more than one dynamic output. It is "
                f'downstream of both "{_describe(up)}" and "{_describe(upstream)}"'
            )


def dynamic_fan_out_index(
    nodes: Mapping[str, Node], wiring: Mapping[tuple[str, str], InputSources]
) -> dict[str, Out]:
    """Check the wiring against the rules above; the node -> dynamic output it is mapped over."""
    index = _Index(nodes)
    for (node_name, input_name), sources in wiring.items():
        index.add(node_name, input_name, sources)
    return index.fan_out


def check_dynamic_output_mappings(
    class_name: str,
    graph_name: str,
    nodes: Mapping[str, Node],
    fan_out: Mapping[str, Out],
    output_mappings: Sequence[OutputMapping],
    output_defs: Mapping[str, Any],
) -> None:
    """A graph output taken from a dynamic output, or from a mapped node, must be dynamic."""
    for mapping in output_mappings:
        graph_def = output_defs.get(mapping.graph_output_name)
        if graph_def is None or graph_def.is_dynamic:
            continue
        node = nodes[mapping.node_name]
        target = node.definition.output_def_named(mapping.output_name)
        if target.is_dynamic:
            raise DagsterInvalidDefinitionError(
                f'In {class_name} "{graph_name}" can not map from {type(target).__name__} '
                f'"{target.name}" to {type(graph_def).__name__} "{graph_def.name}". Definition '
                "types must align."
            )
        upstream = fan_out.get(mapping.node_name)
        if upstream is not None:
            raise DagsterInvalidDefinitionError(
                f'In {class_name} "{graph_name}" output "{graph_def.name}" mapping from '
                f"{_describe_node(node)} must be a DynamicOutputDefinition since it is downstream "
                f'of dynamic output "{_describe(upstream)}".'
            )


def check_graph(class_name: str, graph: Any) -> dict[str, Out]:
    """Check a graph being built (its wiring, then its output mappings); its fan-out index."""
    fan_out = dynamic_fan_out_index(graph.node_dict, graph.wiring)
    check_dynamic_output_mappings(
        class_name, graph.name, graph.node_dict, fan_out, graph.output_mappings, graph.output_dict
    )
    return fan_out
