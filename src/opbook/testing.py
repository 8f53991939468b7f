"""Running one op (or a few) on their own: the exploratory debugging tools.

``execute_solid`` wraps one solid, op or graph in an ephemeral pipeline named
``ephemeral_<name>_solid_pipeline``, in which each given input value comes from an injected
solid named exactly after the input; it returns that node's result.
``execute_solids_within_pipeline`` runs some top-level nodes of a pipeline or job: a copy named
``<pipeline>_stubbed`` keeps only those nodes, and each injected input comes from a stub solid
``__stub_<node>_<input>``, replacing whatever fed that input before; it returns the result of
every node of the copy, stubs included.

Both check the inputs before anything runs: an input the node does not have, or a required
input that nothing feeds, is reported with the node, the input and the inputs the node has.
Runs go to the process's default instance (``instance=None``), so the debugging session
remembers them like any other run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from opbook import config as cfg
from opbook.api import execute_pipeline
from opbook.definitions.dependencies import InputSources, Node, Upstream
from opbook.definitions.derived import memo_table
from opbook.definitions.graph import GraphDefinition
from opbook.definitions.input_output import InputDefinition
from opbook.definitions.job import JobDefinition, PipelineDefinition
from opbook.definitions.mode import ModeDefinition
from opbook.definitions.node import NodeDefinition
from opbook.definitions.op import SolidDefinition, lambda_solid
from opbook.errors import (
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterInvalidSubsetError,
    DagsterInvariantViolationError,
    ParameterCheckError,
)

_NODE_SECTIONS = ("solids", "ops", "graph")


def _value_solid(name: str, value: Any) -> SolidDefinition:
    """A solid with no inputs whose one output ``result`` is ``value``."""

    def give_value() -> Any:
        return value

    solid_def: SolidDefinition = lambda_solid(name=name)(give_value)
    return solid_def


class _InjectedValues:
    """The input values of the ``execute_solid`` call in progress, read by the injected solids
    of a reused ephemeral pipeline."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}


def _injected_solid(name: str, injected: _InjectedValues) -> SolidDefinition:
    def give_value() -> Any:
        return injected.values[name]

    solid_def: SolidDefinition = lambda_solid(name=name)(give_value)
    return solid_def


# Ephemeral pipelines, memoized beside the solid's definition and reused by later calls with the same
# input names and mode (so their run-config schema and plan are built once); per thread, so
# concurrent calls never share the values they inject.
_EphemeralKey = tuple[tuple[str, ...], "ModeDefinition | None", int]


def _ephemeral_pipeline(
    definition: NodeDefinition, input_names: tuple[str, ...], mode_def: ModeDefinition | None
) -> tuple[PipelineDefinition, _InjectedValues]:
    cache: dict[_EphemeralKey, tuple[PipelineDefinition, _InjectedValues]]
    cache = memo_table(definition, "ephemeral pipelines")
    key = (input_names, mode_def, threading.get_ident())
    found = cache.get(key)
    if found is not None:
        return found
    name = f"ephemeral_{definition.name}_solid_pipeline"
    injected = _InjectedValues()
    nodes = {key: Node(key, _injected_solid(key, injected)) for key in input_names}
    nodes[definition.name] = Node(definition.name, definition)
    wiring = {
        (definition.name, key): InputSources((Upstream(key, "result"),), False)
        for key in input_names
    }
    graph = GraphDefinition(name, _nodes=nodes, _wiring=wiring)
    pipeline = PipelineDefinition(
        name=name, graph_def=graph, mode_defs=[mode_def] if mode_def is not None else None
    )
    if len(cache) >= 16:
        cache.clear()
    cache[key] = (pipeline, injected)
    return pipeline, injected


def _node_inputs_config(run_config: Mapping[str, Any] | None, node_name: str) -> Mapping[str, Any]:
    for section in _NODE_SECTIONS:
        entry = ((run_config or {}).get(section) or {}).get(node_name) or {}
        if entry.get("inputs"):
            return entry["inputs"]
    return {}


def _needs_value(input_def: InputDefinition) -> bool:
    return not input_def.is_nothing and not input_def.has_default_value


def _check_fed(
    pipeline_name: str,
    definition: NodeDefinition,
    node_name: str,
    fed: set[str],
    run_config: Mapping[str, Any] | None,
    how: Callable[[str], str],
) -> None:
    """Raise for the first required input of ``node_name`` that nothing gives a value."""
    from_config = _node_inputs_config(run_config, node_name)
    for input_def in definition.input_defs:
        name = input_def.name
        if not _needs_value(input_def) or name in fed or name in from_config:
            continue
        kind = definition.node_kind
        inputs = [d.name for d in definition.input_defs]
        message = (
            f'{kind.capitalize()} "{node_name}" was given no value for its input "{name}". Pass it '
            f"as {how(name)}"
        )
        if input_def.dagster_type.loader is None:
            raise DagsterInvalidDefinitionError(
                f'{message}. The inputs of {kind} "{node_name}" are {inputs}; given: {sorted(fed)}.'
            )
        problem = cfg.EvaluationError(
            stack=(),
            reason=cfg.DagsterEvaluationErrorReason.MISSING_REQUIRED_FIELD,
            message=(
                f"{message}, or in run config (solids: {{{node_name}: {{inputs: {{{name}: ...}}}}}}). "
                f'The inputs of {kind} "{node_name}" are {inputs}; given: {sorted(fed)}.'
            ),
        )
        raise DagsterInvalidConfigError(f"Error in config for pipeline {pipeline_name}", [problem])


def _input_values_hint(input_name: str) -> str:
    return f'input_values={{"{input_name}": ...}}'


def _inputs_hint(node_name: str) -> Callable[[str], str]:
    return lambda input_name: f'inputs={{"{node_name}": {{"{input_name}": ...}}}}'


def _check_node_def(solid_def: Any) -> NodeDefinition:
    if isinstance(solid_def, NodeDefinition):
        return solid_def
    raise ParameterCheckError(
        f'Param "solid_def" is not a solid, op or graph definition. Got {solid_def!r} which is '
        f"type {type(solid_def)}."
    )


# -- execute_solid -------------------------------------------------------------------------------


def execute_solid(
    solid_def: NodeDefinition,
    mode_def: ModeDefinition | None = None,
    input_values: Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    run_config: Mapping[str, Any] | None = None,
    raise_on_error: bool = True,
) -> Any:
    """Run one solid, op or graph on its own, with the given input values.

    Args:
        solid_def: the solid, op or graph (composite) to run.
        mode_def: the mode giving its resources (the default mode if None).
        input_values: ``{input name: value}``; other inputs must come from ``run_config``.
        tags: run tags.
        run_config: the run config of the ephemeral pipeline (config goes under
            ``solids: {<name>: {config: ...}}``, or ``ops:``).
        raise_on_error: re-raise the exception of a failing step.

    Returns:
        SolidExecutionResult, or CompositeSolidExecutionResult for a graph.

    Raises:
        DagsterInvalidDefinitionError: an input value for an input the node does not have.
        DagsterInvalidConfigError: a required input with no value.
    """
    definition = _check_node_def(solid_def)
    values = dict(input_values or {})
    name = f"ephemeral_{definition.name}_solid_pipeline"
    for input_name in values:
        if not definition.has_input(input_name):
            raise DagsterInvalidDefinitionError(
                f'Invalid dependencies: {definition.node_kind} "{definition.name}" does not have '
                f'input "{input_name}". Available inputs: {[d.name for d in definition.input_defs]}'
            )
    _check_fed(name, definition, definition.name, set(values), run_config, _input_values_hint)
    if definition.name in values:
        raise DagsterInvalidDefinitionError(
            f"Invalid dependencies: circular reference detected in {definition.node_kind} "
            f'"{definition.name}" input "{definition.name}": an input named like the '
            f"{definition.node_kind} itself cannot be given in input_values."
        )
    pipeline, injected = _ephemeral_pipeline(definition, tuple(values), mode_def)
    injected.values = values
    try:
        result = execute_pipeline(
            pipeline,
            run_config=run_config,
            mode=mode_def.name if mode_def is not None else None,
            tags=tags,
            raise_on_error=raise_on_error,
        )
    finally:
        injected.values = {}  # the run stored them; do not keep the caller's values alive
    return result.result_for_handle(definition.name)


# -- execute_solids_within_pipeline --------------------------------------------------------------


def _names(solid_names: Iterable[str] | str) -> list[str]:
    if isinstance(solid_names, str):
        return [solid_names]
    names = list(solid_names)
    if not all(isinstance(n, str) for n in names):
        raise ParameterCheckError(f'Param "solid_names" must hold names (str). Got {names!r}.')
    return names


def _stubbed_graph(
    pipeline_def: PipelineDefinition, names: list[str], inputs: Mapping[str, Mapping[str, Any]]
) -> GraphDefinition:
    graph = pipeline_def.graph
    unknown = [n for n in names if not graph.has_node_named(n)]
    if unknown:
        raise DagsterInvalidSubsetError(
            f"Pipeline {pipeline_def.name} has no solid named {unknown[0]}. Its solids are "
            f"{list(graph.node_dict)}."
        )
    chosen = set(names)
    for node_name in inputs:
        if node_name not in chosen:
            raise DagsterInvariantViolationError(
                f"You are injecting an input value for solid {node_name} into pipeline "
                f"{pipeline_def.name} but that solid was not found among the solids being "
                f"executed {sorted(chosen)}."
            )
    nodes = {n: node for n, node in graph.node_dict.items() if n in chosen}
    wiring = {}
    for (node_name, input_name), sources in graph.wiring.items():
        kept = tuple(s for s in sources.sources if s.node_name in chosen)
        if node_name in chosen and kept:
            wiring[(node_name, input_name)] = InputSources(kept, sources.is_fan_in)
    for node_name, values in inputs.items():
        for input_name, value in values.items():
            stub = _value_solid(f"__stub_{node_name}_{input_name}", value)
            nodes[stub.name] = Node(stub.name, stub)
            wiring[(node_name, input_name)] = InputSources((Upstream(stub.name, "result"),), False)
    return GraphDefinition(
        f"{pipeline_def.name}_stubbed", graph.description, _nodes=nodes, _wiring=wiring
    )


def _stubbed_pipeline(
    pipeline_def: PipelineDefinition, graph: GraphDefinition
) -> PipelineDefinition:
    if isinstance(pipeline_def, JobDefinition):
        mode = pipeline_def.mode_definitions[0]
        return JobDefinition(
            graph,
            resource_defs=mode.resource_defs,
            executor_def=mode.executor_defs[0] if len(mode.executor_defs) == 1 else None,
            logger_defs=mode.loggers,
            name=graph.name,
            tags=pipeline_def.tags,
            hook_defs=pipeline_def.hook_defs,
            op_retry_policy=pipeline_def.retry_policy,
        )
    return PipelineDefinition(
        name=graph.name,
        graph_def=graph,
        mode_defs=pipeline_def.mode_definitions,
        preset_defs=pipeline_def.preset_defs,
        tags=pipeline_def.tags,
        hook_defs=pipeline_def.hook_defs,
        solid_retry_policy=pipeline_def.retry_policy,
    )


def execute_solids_within_pipeline(
    pipeline_def: PipelineDefinition,
    solid_names: Iterable[str],
    inputs: Mapping[str, Mapping[str, Any]] | None = None,
    run_config: Mapping[str, Any] | None = None,
    mode: str | None = None,
    preset: str | None = None,
    tags: Mapping[str, Any] | None = None,
    instance: Any = None,
) -> dict[str, Any]:
    """Run some top-level solids (or ops) of a pipeline (or job), with injected inputs.

    Args:
        pipeline_def: the pipeline or job.
        solid_names: the top-level nodes to run (any iterable of names).
        inputs: ``{node name: {input name: value}}``; an injected value replaces what fed
            that input in the pipeline.
        run_config: the run config (config of the nodes run, resources ...).
        mode: the mode to run in (needed when the pipeline has several).
        preset: a preset whose run config and mode to use.
        tags: run tags.
        instance: where the run is recorded (the process's default instance if None).

    Returns:
        ``{node name: result}`` for every node run, the ``__stub_<node>_<input>`` stubs
        included.  A failing step raises its error (always ``raise_on_error=True``).
    """
    if not isinstance(pipeline_def, PipelineDefinition):
        raise ParameterCheckError(
            f'Param "pipeline_def" is not a PipelineDefinition or JobDefinition. Got '
            f"{pipeline_def!r} which is type {type(pipeline_def)}."
        )
    injected = {k: dict(v) for k, v in (inputs or {}).items()}
    graph = _stubbed_graph(pipeline_def, _names(solid_names), injected)
    fed: dict[str, set[str]] = {}
    for node_name, input_name in graph.wiring:
        fed.setdefault(node_name, set()).add(input_name)
    for node in graph.nodes:
        how = _inputs_hint(node.name)
        _check_fed(
            graph.name, node.definition, node.name, fed.get(node.name, set()), run_config, how
        )
    stubbed = _stubbed_pipeline(pipeline_def, graph)
    result = execute_pipeline(
        stubbed,
        run_config=run_config,
        mode=mode,
        preset=preset,
        tags=tags,
        instance=instance,
        raise_on_error=True,
    )
    return {node.name: result.result_for_solid(node.name) for node in graph.nodes}


def execute_solid_within_pipeline(
    pipeline_def: PipelineDefinition,
    solid_name: str,
    inputs: Mapping[str, Any] | None = None,
    run_config: Mapping[str, Any] | None = None,
    mode: str | None = None,
    preset: str | None = None,
    tags: Mapping[str, Any] | None = None,
    instance: Any = None,
) -> Any:
    """Run one top-level solid (or op) of a pipeline (or job), with injected inputs.

    Args:
        pipeline_def: the pipeline or job.
        solid_name: the top-level node to run.
        inputs: ``{input name: value}``; an injected value replaces what fed that input.
        run_config: the run config (the node's config, resources ...).
        mode: the mode to run in (needed when the pipeline has several).
        preset: a preset whose run config and mode to use.
        tags: run tags.
        instance: where the run is recorded (the process's default instance if None).

    Returns:
        SolidExecutionResult (CompositeSolidExecutionResult for a graph node).  A failing
        step raises its error.
    """
    return execute_solids_within_pipeline(
        pipeline_def,
        [solid_name],
        {solid_name: dict(inputs)} if inputs else None,
        run_config,
        mode,
        preset,
        tags,
        instance,
    )[solid_name]
