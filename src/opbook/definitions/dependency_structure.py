"""``graph.dependency_structure``: a graph's wiring seen from either end of each edge.

Keys are ``NodeInputHandle`` (an input of a node), values ``NodeOutputHandle`` (an output of a
sibling node), as in Dagster's ``DependencyStructure``: ask what feeds a node's inputs
(``input_to_upstream_outputs_for_solid``), what a node's outputs feed
(``output_to_downstream_inputs_for_solid``), or whether one input is fed by one output or by
several (fan-in).  Inputs fed by the enclosing graph's own inputs are not dependencies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from opbook.definitions.dependencies import InputSources, Node, NodeInputHandle, NodeOutputHandle
from opbook.errors import DagsterInvariantViolationError

Dep = NodeOutputHandle | list[NodeOutputHandle]


class DependencyStructure:
    """The wiring of one graph, indexed both ways."""

    def __init__(
        self, nodes: Mapping[str, Node], wiring: Mapping[tuple[str, str], InputSources]
    ) -> None:
        self._deps: dict[NodeInputHandle, Dep] = {}
        self._by_input_node: dict[str, dict[NodeInputHandle, list[NodeOutputHandle]]] = {}
        self._by_output_node: dict[str, dict[NodeOutputHandle, list[NodeInputHandle]]] = {}
        for (node_name, input_name), sources in wiring.items():
            handle = nodes[node_name].input_handle(input_name)
            outputs = [
                nodes[s.node_name].output_handle(s.output_name)
                for s in sources.sources
                if s.node_name is not None
            ]
            if not outputs:
                continue
            self._deps[handle] = outputs if sources.is_fan_in else outputs[0]
            self._by_input_node.setdefault(node_name, {})[handle] = outputs
            for output in outputs:
                downstream = self._by_output_node.setdefault(output.solid_name, {})
                downstream.setdefault(output, []).append(handle)

    # -- by node ---------------------------------------------------------------------------

    def all_upstream_outputs_from_solid(self, solid_name: str) -> list[NodeOutputHandle]:
        """Every output feeding an input of the node."""
        return [
            o
            for outputs in self.input_to_upstream_outputs_for_solid(solid_name).values()
            for o in outputs
        ]

    def input_to_upstream_outputs_for_solid(
        self, solid_name: str
    ) -> dict[NodeInputHandle, list[NodeOutputHandle]]:
        """For each fed input of the node, the outputs feeding it (several for fan-in)."""
        return dict(self._by_input_node.get(solid_name, {}))

    def output_to_downstream_inputs_for_solid(
        self, solid_name: str
    ) -> dict[NodeOutputHandle, list[NodeInputHandle]]:
        """For each output of the node that feeds something, the inputs it feeds."""
        return dict(self._by_output_node.get(solid_name, {}))

    def deps_of_solid(self, solid_name: str) -> list[NodeOutputHandle]:
        """The outputs the node depends on (``all_upstream_outputs_from_solid``)."""
        return self.all_upstream_outputs_from_solid(solid_name)

    def depended_by_of_solid(self, solid_name: str) -> dict[str, list[NodeInputHandle]]:
        """For each output name of the node, the inputs it feeds."""
        by_output = self.output_to_downstream_inputs_for_solid(solid_name)
        return {output.output_name: inputs for output, inputs in by_output.items()}

    input_to_upstream_outputs_for_node = input_to_upstream_outputs_for_solid
    output_to_downstream_inputs_for_node = output_to_downstream_inputs_for_solid
    all_upstream_outputs_from_node = all_upstream_outputs_from_solid

    # -- by input --------------------------------------------------------------------------

    def has_deps(self, input_handle: NodeInputHandle) -> bool:
        return input_handle in self._deps

    def has_singular_dep(self, input_handle: NodeInputHandle) -> bool:
        return isinstance(self._deps.get(input_handle), NodeOutputHandle)

    def has_multi_deps(self, input_handle: NodeInputHandle) -> bool:
        return isinstance(self._deps.get(input_handle), list)

    def get_singular_dep(self, input_handle: NodeInputHandle) -> NodeOutputHandle:
        dep = self._dep(input_handle)
        if not isinstance(dep, NodeOutputHandle):
            raise DagsterInvariantViolationError(
                f"{input_handle!r} is fed by several outputs (fan-in); use get_multi_deps."
            )
        return dep

    def get_multi_deps(self, input_handle: NodeInputHandle) -> list[NodeOutputHandle]:
        dep = self._dep(input_handle)
        if not isinstance(dep, list):
            raise DagsterInvariantViolationError(
                f"{input_handle!r} is fed by one output; use get_singular_dep."
            )
        return list(dep)

    def get_deps_list(self, input_handle: NodeInputHandle) -> list[NodeOutputHandle]:
        dep = self._dep(input_handle)
        return list(dep) if isinstance(dep, list) else [dep]

    def _dep(self, input_handle: NodeInputHandle) -> Dep:
        try:
            return self._deps[input_handle]
        except KeyError:
            raise DagsterInvariantViolationError(
                f"{input_handle!r} is not fed by another node."
            ) from None

    # -- all of it -------------------------------------------------------------------------

    def input_handles(self) -> list[NodeInputHandle]:
        return list(self._deps)

    def items(self) -> list[tuple[NodeInputHandle, Dep]]:
        return list(self._deps.items())

    def __iter__(self) -> Iterator[NodeInputHandle]:
        return iter(self._deps)

    def __len__(self) -> int:
        return len(self._deps)

    def debug_str(self) -> str:
        if not self._deps:
            return "DependencyStructure: EMPTY"
        lines = ["DependencyStructure:"]
        for handle, dep in self._deps.items():
            for output in dep if isinstance(dep, list) else [dep]:
                lines.append(
                    f"  {output.solid_name}.{output.output_name} ---> "
                    f"{handle.solid_name}.{handle.input_name}"
                )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<DependencyStructure of {len(self._deps)} inputs>"
