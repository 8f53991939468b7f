"""The inputs a step received in a run, read back from the run's stored values.

A step that ran logged a ``LOADED_INPUT`` event for each stored value it loaded, naming the
upstream step and output: those values are loaded again from the run's value store (or the
ancestor run a re-execution took them from).  An input that several outputs feed (fan-in) is
a list, in the order they were loaded.  An input no stored value fed takes its default value,
or the value the run config gave it (``{"value": ...}`` or the value itself).

This is what ``result.inputs_for(step_key)`` gives: a dict that calls the op by hand
(``op_fn(**inputs)``) on exactly what it got in the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opbook.definitions.dependencies import Node
from opbook.definitions.graph import GraphDefinition
from opbook.errors import DagsterInvariantViolationError
from opbook.events import DagsterEvent, DagsterEventType
from opbook.plan.compile import flatten_graph
from opbook.plan.plan import normalize_step_key

ET = DagsterEventType


def _node_and_fan_ins(graph: GraphDefinition, step_key: str) -> tuple[Node, set[str]]:
    """The node at ``step_key`` (a path through graphs) and the names of its fan-in inputs."""
    flat = flatten_graph(graph)
    node = flat.node(step_key)
    if node is None:
        raise DagsterInvariantViolationError(f"There is no step {step_key!r} in {graph.name}.")
    op = flat.ops.get(step_key)
    fan_ins = {
        i.name
        for i in (op.inputs if op is not None else ())
        if (wired := i.wired_in_own_graph) is not None and wired.is_fan_in
    }
    return node, fan_ins


def node_at(graph: GraphDefinition, step_key: str) -> Any:
    """The node at ``step_key`` (a path through graphs, ``"outer.inner"``).

    Raises:
        DagsterInvariantViolationError: the graph has no such step.
    """
    return _node_and_fan_ins(graph, normalize_step_key(step_key))[0]


def node_section(run_config: Mapping[str, Any], step_key: str) -> Mapping[str, Any]:
    """The run config's section of the node at ``step_key`` (``{"config": ..., "inputs":
    ...}``), empty when the run config has none."""
    section: Any = run_config.get("ops") or run_config.get("solids") or {}
    parts = step_key.split(".")
    for index, part in enumerate(parts):
        section = (section or {}).get(part) or {}
        if index < len(parts) - 1:
            section = section.get("ops") or section.get("solids") or {}
    return section if isinstance(section, Mapping) else {}


def _from_config(run_config: Mapping[str, Any], step_key: str, name: str) -> Any:
    inputs = node_section(run_config, step_key).get("inputs") or {}
    if name not in inputs:
        raise KeyError(name)
    value = inputs[name]
    if isinstance(value, Mapping) and set(value) == {"value"}:
        return value["value"]
    return value


def inputs_for(
    step_key: str,
    graph: GraphDefinition,
    events: Sequence[DagsterEvent],
    load_value: Callable[[str, str], Any],
    run_config: Mapping[str, Any],
) -> dict[str, Any]:
    """The values of the inputs step ``step_key`` received, by input name.

    Raises:
        DagsterInvariantViolationError: the graph has no such step, the step did not start in
            this run, or an input's value cannot be found again.
    """
    key = normalize_step_key(step_key)
    node, fan_ins = _node_and_fan_ins(graph, key)
    started = any(e.step_key == key and e.event_type_value == ET.STEP_START for e in events)
    if not started:
        raise DagsterInvariantViolationError(
            f'Step "{key}" did not run in this run, so it received no inputs; its inputs are '
            "known for the steps that started."
        )
    loaded: dict[str, list[Any]] = {}
    for event in events:
        if event.step_key == key and event.event_type_value == ET.LOADED_INPUT:
            data = event.event_specific_data
            value = load_value(data.upstream_step_key, data.upstream_output_name)
            loaded.setdefault(data.input_name, []).append(value)
    values: dict[str, Any] = {}
    for input_def in node.definition.input_defs:
        name = input_def.name
        if input_def.dagster_type.is_nothing:
            continue
        if name in loaded:
            got = loaded[name]
            values[name] = got if name in fan_ins or len(got) > 1 else got[0]
        elif name in fan_ins:
            values[name] = []  # every upstream output was optional and none was produced
        else:
            try:
                values[name] = _from_config(run_config, key, name)
            except KeyError:
                if not input_def.has_default_value:
                    raise DagsterInvariantViolationError(
                        f'Input "{name}" of step "{key}" came from neither a stored value nor '
                        "the run config: it cannot be read back."
                    ) from None
                values[name] = input_def.default_value
    return values
