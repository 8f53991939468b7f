"""The run-config schema of a pipeline or job, and resolving a run config against it.

The schema is built from the definitions: per node an entry with its ``config``, the ``inputs``
that nothing upstream feeds (when their type has a loader), ``outputs`` to write out, and for a
graph node its own nodes; per resource a ``resources`` entry (an op, solid or resource with no
config schema takes any config, optionally, and gets it as given, as in Dagster 0.13); ``loggers``;
``execution`` (a selector over the mode's executors; a job also takes 0.13's
``{config: ...}`` form); and ``intermediate_storage`` / ``storage``.  Nodes outside a selection
keep their entries, made optional, so their config is still checked when given.

``ops``, ``solids`` and the seed pages' ``graph`` name the same section; the schema uses the
name the user wrote (or the generation's own when none), so that problems are reported with the
user's own words.  Schemas are cached on the pipeline per (mode, selection, section name).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, cast

from opbook import config as cfg
from opbook.definitions.configured import apply_config_mapping
from opbook.definitions.dependencies import Node
from opbook.definitions.derived import memo_table
from opbook.definitions.graph import GraphDefinition
from opbook.definitions.io_manager import manager_resource_keys
from opbook.definitions.job import PipelineDefinition
from opbook.definitions.mode import ModeDefinition
from opbook.errors import (
    DagsterConfigMappingFunctionError,
    DagsterInvalidConfigError,
    user_code_boundary,
)

NODE_SECTION_NAMES = ("ops", "solids", "graph")
MANAGED_BY_ENGINE = ("execution", "loggers", "resources", "intermediate_storage", "storage")


@dataclass
class NodeConfig:
    """Resolved config of one node, keyed in ``ResolvedRunConfig.nodes`` by its handle."""

    config: Any = None
    inputs: dict[str, Any] = field(default_factory=dict)
    # A list of type-materializer entries, or (when IO managers configure outputs) a map from
    # output name to that output's config.
    outputs: list[dict[str, Any]] | dict[str, Any] = field(default_factory=list)


@dataclass
class ResolvedRunConfig:
    """A validated run config with every default filled, in the shape the engine uses."""

    nodes: dict[str, NodeConfig]
    resources: dict[str, Any]
    loggers: dict[str, Any]
    executor_name: str
    executor_config: dict[str, Any]
    storage_name: str
    storage_config: dict[str, Any]
    graph_inputs: dict[str, Any] = field(default_factory=dict)

    def node_config(self, handle: str) -> NodeConfig | None:
        return self.nodes.get(handle)


# -- building the schema -----------------------------------------------------------------------

_NO_RESOURCES: Mapping[str, Any] = {}


def copy_outputs(outputs: list[dict[str, Any]] | dict[str, Any]) -> Any:
    return dict(outputs) if isinstance(outputs, dict) else list(outputs)


def config_entry(field: cfg.Field | None) -> cfg.Field:
    """The ``config`` entry of an op, solid, resource or logger.  With no ``config_schema``,
    any config is accepted, optionally, and handed over as given (Dagster 0.13's ``Any``)."""
    return field if field is not None else cfg.Field(cfg.Any, is_required=False)


def _optional(f: cfg.Field) -> cfg.Field:
    if not f.is_required:
        return f
    return cfg.Field(f.config_type, is_required=False, description=f.description)


def _shape_field(fields: dict[str, cfg.Field], description: str | None = None) -> cfg.Field | None:
    if not fields:
        return None
    return cfg.Field(cfg.Shape(fields), description=description)


def _inputs_fields(
    definition: Any, connected: set[str], resource_defs: Mapping[str, Any] = _NO_RESOURCES
) -> dict[str, cfg.Field]:
    fields: dict[str, cfg.Field] = {}
    for input_def in definition.input_defs:
        loader = input_def.dagster_type.loader
        if input_def.root_manager_key is not None and input_def.name not in connected:
            # Loaded by its root input manager, which is handed this config: checked against
            # the manager's input_config_schema when it has one, else anything (optional).
            manager = resource_defs.get(input_def.root_manager_key)
            schema = getattr(manager, "input_config_schema", None)
            fields[input_def.name] = (
                schema if schema is not None else cfg.Field(cfg.Any, is_required=False)
            )
            continue
        if input_def.name in connected or loader is None or input_def.is_nothing:
            continue
        required = not input_def.has_default_value
        fields[input_def.name] = cfg.Field(loader.schema_type, is_required=required)
    return fields


def _outputs_field(
    definition: Any, resource_defs: Mapping[str, Any] = _NO_RESOURCES
) -> cfg.Field | None:
    """``outputs:`` of an op: as Dagster 0.13 does, a map from output name to the config of its
    IO manager's ``output_config_schema`` when any output's manager has one; else a list of
    type-materializer entries."""
    managed = {}
    for o in definition.output_defs:
        schema = getattr(resource_defs.get(o.io_manager_key), "output_config_schema", None)
        if schema is not None:
            managed[o.name] = schema
    if managed:
        return cfg.Field(cfg.Shape(managed))
    outs = {
        o.name: cfg.Field(o.dagster_type.materializer.schema_type, is_required=False)
        for o in definition.output_defs
        if o.dagster_type.materializer is not None
    }
    if not outs:
        return None
    return cfg.Field(cfg.Array(cfg.Shape(outs)), is_required=False)


def _node_field(
    node: Node, connected: set[str], section: str, resource_defs: Mapping[str, Any] = _NO_RESOURCES
) -> cfg.Field | None:
    definition = node.definition
    fields: dict[str, cfg.Field] = {}
    if isinstance(definition, GraphDefinition):
        if definition.config_field is not None:
            fields["config"] = definition.config_field
        if definition.config_mapping is None:
            inner = _nodes_fields(definition, section, resource_defs=resource_defs)
            if inner:
                fields[section] = (
                    cfg.Field(cfg.Shape(inner), is_required=None)
                    if any(f.is_required for f in inner.values())
                    else cfg.Field(cfg.Shape(inner), is_required=False)
                )
    else:
        fields["config"] = config_entry(definition.config_field)
        outputs = _outputs_field(definition, resource_defs)
        if outputs is not None:
            fields["outputs"] = outputs
    inputs = _inputs_fields(definition, connected, resource_defs)
    if inputs:
        fields["inputs"] = cfg.Field(cfg.Shape(inputs))
    return _shape_field(fields)


def _connected_inputs(graph: GraphDefinition) -> dict[str, set[str]]:
    connected: dict[str, set[str]] = {name: set() for name in graph.node_dict}
    for node_name, input_name in graph.wiring:
        connected[node_name].add(input_name)
    for mapping in graph.input_mappings:
        connected[mapping.node_name].add(mapping.input_name)
    return connected


def _nodes_fields(
    graph: GraphDefinition,
    section: str,
    selected: frozenset[str] | None = None,
    resource_defs: Mapping[str, Any] = _NO_RESOURCES,
) -> dict[str, cfg.Field]:
    connected = _connected_inputs(graph)
    fields: dict[str, cfg.Field] = {}
    for name, node in graph.node_dict.items():
        node_connected = connected[name]
        if selected is not None and name not in selected:
            # Inputs fed by unselected nodes are not fed any more; their entry stays optional.
            node_field = _node_field(node, set(), section, resource_defs)
            if node_field is not None:
                fields[name] = _optional(node_field)
            continue
        if selected is not None:
            node_connected = {
                input_name
                for (node_name, input_name), sources in graph.wiring.items()
                if node_name == name
                and all(s.node_name in selected for s in sources.sources if s.node_name)
            } | {m.input_name for m in graph.input_mappings if m.node_name == name}
        node_field = _node_field(node, node_connected, section, resource_defs)
        if node_field is not None:
            fields[name] = node_field
    return fields


def _executor_field(mode: ModeDefinition) -> cfg.Field:
    def config_of(executor: Any) -> dict[str, cfg.Field]:
        return {"config": executor.config_field} if executor.config_field is not None else {}

    choices: dict[str, cfg.Field] = {
        e.name: cfg.Field(config_of(e), is_required=False) for e in mode.executor_defs
    }
    if mode.job_style_execution:
        if len(mode.executor_defs) == 1:
            only = mode.executor_defs[0].config_field
            choices["config"] = only if only is not None else cfg.Field({}, is_required=False)
        else:
            inner = {e.name: e.config_field or cfg.Field({}) for e in mode.executor_defs}
            choices["config"] = cfg.Field(cfg.Selector(inner), is_required=False)
    first = mode.executor_defs[0]
    if first.config_field is not None and first.config_field.is_required:
        # No default without the first executor's required config: the run config must say.
        return cfg.Field(cfg.Selector(choices), description="How steps are run.")
    return cfg.Field(
        cfg.Selector(choices), default_value={first.name: {}}, description="How steps are run."
    )


def _storage_field(mode: ModeDefinition) -> cfg.Field:
    choices = {
        s.name: cfg.Field(
            {"config": s.config_field} if s.config_field is not None else {}, is_required=False
        )
        for s in mode.intermediate_storage_defs
    }
    first = mode.intermediate_storage_defs[0]
    if first.config_field is not None and first.config_field.is_required:
        # No default without the first storage's required config: the run config must choose.
        return cfg.Field(cfg.Selector(choices), description="Where step outputs are kept.")
    return cfg.Field(
        cfg.Selector(choices),
        default_value={first.name: {}},
        description="Where step outputs are kept.",
    )


def needed_resource_keys(
    pipeline: PipelineDefinition, mode: ModeDefinition, selected: frozenset[str] | None
) -> frozenset[str]:
    """The resources a run of these nodes initialises: what its nodes, hooks and storages need,
    and what those resources need in turn.  Worked out once per mode and selection."""
    memo: dict[Any, frozenset[str]] = memo_table(pipeline, "resource keys")
    keys = memo.get((mode.name, selected))
    if keys is None:
        keys = memo[(mode.name, selected)] = frozenset(
            _needed_resource_keys(pipeline, mode, selected)
        )
    return keys


def _needed_resource_keys(
    pipeline: PipelineDefinition, mode: ModeDefinition, selected: frozenset[str] | None
) -> set[str]:
    keys: set[str] = set()
    for node in pipeline.graph.nodes:
        if selected is None or node.name in selected:
            keys |= node.definition.all_required_resource_keys()
            keys |= _hook_resource_keys(node)
    for hook in pipeline.hook_defs:
        keys |= hook.required_resource_keys
    for storage in mode.intermediate_storage_defs:
        keys |= storage.required_resource_keys & mode.resource_defs.keys()
    keys |= manager_resource_keys(mode.resource_defs)
    pending = list(keys)
    while pending:
        resource = mode.resource_defs.get(pending.pop())
        for dep in resource.required_resource_keys if resource else ():
            if dep not in keys:
                keys.add(dep)
                pending.append(dep)
    return keys


def _hook_resource_keys(node: Node) -> set[str]:
    """Resources the hooks on ``node`` and on the nodes inside it need."""
    keys: set[str] = set()
    for hook in node.hook_defs:
        keys |= hook.required_resource_keys
    if isinstance(node.definition, GraphDefinition):
        for inner in node.definition.nodes:
            keys |= _hook_resource_keys(inner)
    return keys


def _resources_field(mode: ModeDefinition, needed: AbstractSet[str]) -> cfg.Field | None:
    fields = {}
    for key, resource in mode.resource_defs.items():
        entry = cfg.Field({"config": config_entry(resource.config_field)})
        fields[key] = entry if key in needed else _optional(entry)
    return _shape_field(fields)


def _loggers_field(mode: ModeDefinition) -> cfg.Field:
    # A logger whose config has required parts must be configured; the others may be left out.
    fields = {
        name: cfg.Field({"config": logger.config_field})
        if logger.config_field is not None and logger.config_field.is_required
        else cfg.Field(
            {"config": logger.config_field} if logger.config_field is not None else {},
            is_required=False,
        )
        for name, logger in mode.loggers.items()
    }
    return cfg.Field(cfg.Shape(fields), is_required=None)


def _chosen_loggers(raw: Mapping[str, Any], value: Mapping[str, Any]) -> dict[str, Any]:
    """The loggers a run builds: those the run config names, or all of the mode's."""
    named = raw.get("loggers") or {}
    return {
        key: (entry or {}).get("config")
        for key, entry in value.get("loggers", {}).items()
        if not named or key in named
    }


def build_run_config_schema(
    pipeline: PipelineDefinition,
    mode: ModeDefinition,
    selected: frozenset[str] | None,
    section: str,
) -> cfg.Shape:
    """The schema of a run config for ``pipeline`` in ``mode`` running ``selected`` nodes."""
    fields: dict[str, cfg.Field] = {
        "execution": _executor_field(mode),
        "loggers": _loggers_field(mode),
        "intermediate_storage": _storage_field(mode),
    }
    if pipeline.graph.config_mapping is not None:
        # The top-level graph maps a config of its own onto its nodes: `ops: {config: ...}`.
        fields[section] = cfg.Field(cfg.Shape({"config": pipeline.graph.config_field}))
    else:
        nodes = _nodes_fields(pipeline.graph, pipeline.node_section, selected, mode.resource_defs)
        if nodes:
            fields[section] = cfg.Field(cfg.Shape(nodes))
    resources = _resources_field(mode, needed_resource_keys(pipeline, mode, selected))
    if resources is not None:
        fields["resources"] = resources
    graph_inputs = _inputs_fields(pipeline.graph, set())
    if graph_inputs:
        fields["inputs"] = cfg.Field(cfg.Shape(graph_inputs))
    return cfg.Shape(fields)


_OWN_SELECTION: Any = object()


def run_config_schema(
    pipeline: PipelineDefinition,
    mode: ModeDefinition | None = None,
    section: str | None = None,
    selected: frozenset[str] | None = _OWN_SELECTION,
) -> cfg.Shape:
    """The (cached) run-config schema of a pipeline or job, as the user would write it, for a
    run of the ``selected`` top-level nodes (by default the pipeline's own selection)."""
    mode = mode or pipeline.get_mode_definition()
    section = section or pipeline.node_section
    if selected is _OWN_SELECTION:
        selected = pipeline.solids_to_execute
    key = (mode.name, selected, section)
    cache: dict[Any, cfg.Shape] = memo_table(pipeline, "run_config_schemas")
    if key not in cache:
        cache[key] = build_run_config_schema(pipeline, mode, selected, section)
    return cache[key]


# -- resolving a run config --------------------------------------------------------------------


def section_name(pipeline: PipelineDefinition, run_config: Mapping[str, Any]) -> str:
    given = [name for name in NODE_SECTION_NAMES if name in run_config]
    if len(given) > 1:
        raise DagsterInvalidConfigError(
            _preamble(pipeline),
            [
                _simple_error(
                    f"Received both field '{given[0]}' and field '{given[1]}' in config. Please use one or the other."
                )
            ],
            None,
        )
    return given[0] if given else pipeline.node_section


def _normalise_inner_sections(
    pipeline: PipelineDefinition, graph: GraphDefinition, nodes_value: Any, inner: str
) -> Any:
    """Rename the node section inside graph nodes to ``inner`` when the user wrote one of its
    aliases (``solids:`` inside a job's graph, ``ops:`` inside a composite)."""
    if not isinstance(nodes_value, Mapping):
        return nodes_value
    renamed: dict[str, Any] | None = None
    for name, node in graph.node_dict.items():
        entry = nodes_value.get(name)
        definition = node.definition
        if (
            not isinstance(entry, Mapping)
            or not isinstance(definition, GraphDefinition)
            or definition.config_mapping is not None
        ):
            continue
        given = [key for key in NODE_SECTION_NAMES if key in entry]
        if len(given) > 1:
            raise DagsterInvalidConfigError(
                _preamble(pipeline),
                [
                    _simple_error(
                        f"Received both field '{given[0]}' and field '{given[1]}' in the config of "
                        f'node "{name}". Please use one or the other.'
                    )
                ],
                None,
            )
        if not given:
            continue
        inner_value = _normalise_inner_sections(pipeline, definition, entry[given[0]], inner)
        new_entry = {k: v for k, v in entry.items() if k != given[0]}
        new_entry[inner] = inner_value
        renamed = renamed if renamed is not None else dict(nodes_value)
        renamed[name] = new_entry
    return renamed if renamed is not None else nodes_value


def _simple_error(message: str) -> cfg.EvaluationError:
    return cfg.EvaluationError(
        stack=(), reason=cfg.DagsterEvaluationErrorReason.FIELDS_NOT_DEFINED, message=message
    )


def _preamble(pipeline: PipelineDefinition) -> str:
    return f"Error in config for {pipeline.target_type} {pipeline.name}"


def _normalise_storage(pipeline: PipelineDefinition, run_config: dict[str, Any]) -> dict[str, Any]:
    if "storage" not in run_config:
        return run_config
    if "intermediate_storage" in run_config:
        raise DagsterInvalidConfigError(
            _preamble(pipeline),
            [
                _simple_error(
                    "Received both field 'storage' and field 'intermediate_storage' in config. Please use one or the other."
                )
            ],
            None,
        )
    run_config = dict(run_config)
    run_config["intermediate_storage"] = run_config.pop("storage")
    return run_config


def _apply_job_config_mapping(
    pipeline: PipelineDefinition, run_config: dict[str, Any]
) -> dict[str, Any]:
    mapping = pipeline.config_mapping
    if mapping is None:
        return run_config
    outer = {k: v for k, v in run_config.items() if k not in MANAGED_BY_ENGINE}
    result = mapping.validate_outer(outer)
    if not result.success:
        raise DagsterInvalidConfigError(
            f'Error in config mapping of job "{pipeline.name}"', result.errors, run_config
        )
    with user_code_boundary(
        DagsterConfigMappingFunctionError,
        lambda exc: f'The config mapping function of job "{pipeline.name}" raised: {exc!r}',
    ):
        mapped = mapping.config_fn(result.value)
    managed = {k: v for k, v in run_config.items() if k in MANAGED_BY_ENGINE}
    return {**dict(mapped or {}), **managed}


_EMPTY_RESOLVED: dict[Any, ResolvedRunConfig] = {}


def _validated(
    pipeline: PipelineDefinition, mode: ModeDefinition, raw: dict[str, Any], preamble: str
) -> dict[str, Any]:
    """``raw`` (already mapped by a job's config mapping) checked against the run config
    schema, defaults filled; the section aliases and ``storage:`` normalised first."""
    raw = _normalise_storage(pipeline, raw)
    section = section_name(pipeline, raw)
    inner_section = pipeline.node_section
    if section in raw:
        nodes_value = _normalise_inner_sections(
            pipeline, pipeline.graph, raw[section], inner_section
        )
        raw = {**raw, section: nodes_value}
    schema = run_config_schema(pipeline, mode, section)
    result = cfg.validate(schema, raw)
    if not result.success:
        raise DagsterInvalidConfigError(preamble, result.errors, cfg.mask_secrets(schema, raw))
    return cast(dict[str, Any], result.value)


def check_default_run_config(pipeline: PipelineDefinition, run_config: Mapping[str, Any]) -> None:
    """Check a job's default run config (``to_job(config={...})``) when the job is defined.

    Raises:
        DagsterInvalidConfigError: the config does not fit the job's run config schema, with
            every problem found.
    """
    preamble = (
        f"Error in config when building job '{pipeline.name}' from graph '{pipeline.graph.name}' "
    )
    try:
        _validated(pipeline, pipeline.get_mode_definition(), dict(run_config), preamble)
    except DagsterInvalidConfigError as exc:
        if exc.preamble == preamble:
            raise
        raise DagsterInvalidConfigError(preamble, exc.errors, exc.config_value) from None


def resolve_run_config(
    pipeline: PipelineDefinition, mode: ModeDefinition, run_config: Mapping[str, Any] | None
) -> ResolvedRunConfig:
    """Validate ``run_config`` (every problem at once) and resolve it for the engine.

    Raises:
        DagsterInvalidConfigError: listing every problem with its path.
    """
    raw = dict(run_config or {})
    if not raw and pipeline.config_mapping is None:
        cache = memo_table(pipeline, "empty_resolved")
        key = (mode.name, pipeline.solids_to_execute)
        if key not in cache:
            cache[key] = _resolve(pipeline, mode, raw)
        return cache[key]
    return _resolve(pipeline, mode, raw)


def _resolve(
    pipeline: PipelineDefinition, mode: ModeDefinition, raw: dict[str, Any]
) -> ResolvedRunConfig:
    raw = _apply_job_config_mapping(pipeline, raw)
    section = section_name(pipeline, raw)
    value = _validated(pipeline, mode, raw, _preamble(pipeline))
    nodes: dict[str, NodeConfig] = {}
    _collect_top_level(pipeline, value.get(section, {}), nodes)
    ((executor_name, executor_entry),) = value["execution"].items()
    executor_name, executor_config = _executor_choice(mode, executor_name, executor_entry)
    ((storage_name, storage_entry),) = value["intermediate_storage"].items()
    resources = {k: (v or {}).get("config") for k, v in value.get("resources", {}).items()}
    return ResolvedRunConfig(
        nodes=nodes,
        resources=_mapped_resources(mode, resources),
        loggers=_mapped_loggers(mode, _chosen_loggers(raw, value)),
        executor_name=executor_name,
        executor_config=_mapped_executor_config(mode, executor_name, executor_config),
        storage_name=storage_name,
        storage_config=(storage_entry or {}).get("config") or {},
        graph_inputs=value.get("inputs", {}),
    )


# -- `configured` definitions: their config mapped onto their parents' ---------------------------


def _mapped(definition: Any, config: Any, preamble: str) -> Any:
    result = apply_config_mapping(definition, config)
    if not result.success:
        raise DagsterInvalidConfigError(preamble, result.errors, config)
    return result.value


def _mapped_resources(mode: ModeDefinition, configs: dict[str, Any]) -> dict[str, Any]:
    mapped = dict(configs)
    for key, definition in mode.resource_defs.items():
        if definition.configured_from is not None:
            mapped[key] = _mapped(
                definition, configs.get(key), f"Error in config for resource {key}"
            )
    return mapped


def _mapped_loggers(mode: ModeDefinition, configs: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _mapped(mode.loggers[key], config, f"Error in config for logger {key}")
        if key in mode.loggers
        else config
        for key, config in configs.items()
    }


def _mapped_executor_config(
    mode: ModeDefinition, name: str, config: dict[str, Any]
) -> dict[str, Any]:
    definition = next((e for e in mode.executor_defs if e.name == name), None)
    if definition is None or definition.configured_from is None:
        return config
    preamble = f'Invalid configuration provided for executor "{name}"'
    return dict(_mapped(definition, config, preamble) or {})


def _executor_choice(mode: ModeDefinition, name: str, entry: Any) -> tuple[str, dict[str, Any]]:
    if name != "config":
        return name, dict((entry or {}).get("config") or {})
    if len(mode.executor_defs) == 1:
        return mode.executor_defs[0].name, dict(entry or {})
    ((inner_name, inner_config),) = entry.items()
    return inner_name, dict(inner_config or {})


def _collect_top_level(
    pipeline: PipelineDefinition, section_value: Mapping[str, Any], out: dict[str, NodeConfig]
) -> None:
    graph = pipeline.graph
    if graph.config_mapping is not None:
        config = _node_config(
            pipeline,
            graph,
            graph.name,
            section_value.get("config"),
            f"Error in config for graph {graph.name}",
        )
        section_value = _map_graph_config(graph, graph.name, config, pipeline)
    _collect_nodes(graph, section_value, "", out, pipeline)


def _node_config(
    pipeline: PipelineDefinition,
    definition: Any,
    handle: str,
    config: Any,
    preamble: str | None = None,
) -> Any:
    if definition.configured_from is None:
        return config
    preamble = preamble or (
        f'{_preamble(pipeline)}: the config of {definition.node_kind} "{handle}", mapped by '
        "`configured`, is invalid"
    )
    return _mapped(definition, config, preamble)


def _collect_nodes(
    graph: GraphDefinition,
    section_value: Mapping[str, Any],
    prefix: str,
    out: dict[str, NodeConfig],
    pipeline: PipelineDefinition,
) -> None:
    for name, node in graph.node_dict.items():
        entry = section_value.get(name) or {}
        handle = f"{prefix}{name}"
        definition = node.definition
        config = _node_config(pipeline, definition, handle, entry.get("config"))
        outputs = entry.get("outputs") or []
        out[handle] = NodeConfig(
            config,
            dict(entry.get("inputs") or {}),
            dict(outputs) if isinstance(outputs, Mapping) else list(outputs),
        )
        if not isinstance(definition, GraphDefinition):
            continue
        if definition.config_mapping is not None:
            inner = _map_graph_config(definition, handle, config, pipeline)
        else:
            inner = entry.get(pipeline.node_section) or {}
        _collect_nodes(definition, inner, handle + ".", out, pipeline)


def _map_graph_config(
    graph: GraphDefinition, handle: str, config_value: Any, pipeline: PipelineDefinition
) -> dict[str, Any]:
    mapping = graph.config_mapping
    assert mapping is not None
    with user_code_boundary(
        DagsterConfigMappingFunctionError,
        lambda exc: f'The config mapping function on {graph.node_kind} "{handle}" raised: {exc!r}',
    ):
        mapped = mapping.config_fn(config_value)
    section = pipeline.node_section
    mapped = _normalise_inner_sections(pipeline, graph, {} if mapped is None else mapped, section)
    inner_schema = cfg.Shape(_nodes_fields(graph, section))
    result = cfg.validate(inner_schema, mapped)
    if not result.success:
        if handle == pipeline.graph.name and graph is pipeline.graph:
            preamble = (
                f"In pipeline '{pipeline.name}', top level graph '{graph.name}' has a "
                "configuration error."
            )
        else:
            preamble = (
                f'Error in the config mapped by {graph.node_kind} "{handle}" of {pipeline.name}'
            )
        raise DagsterInvalidConfigError(preamble, result.errors, mapped)
    return cast(dict[str, Any], result.value)


def resolved_as_dict(
    pipeline: PipelineDefinition, mode: ModeDefinition, resolved: ResolvedRunConfig
) -> dict[str, Any]:
    """A resolved run config as plain data in the shape of run config (what
    ``validate_run_config`` returns): per node by handle (``comp.inner``) its ``config``,
    ``inputs`` and ``outputs``; ``execution`` as ``{executor: config}``; every resource and
    chosen logger as ``{key: {"config": ...}}``; and, for pipelines, the intermediate storage."""
    nodes = {
        handle: {
            "config": node.config,
            "inputs": dict(node.inputs),
            "outputs": copy_outputs(node.outputs),
        }
        for handle, node in resolved.nodes.items()
    }
    as_dict: dict[str, Any] = {
        pipeline.node_section: nodes,
        "execution": {resolved.executor_name: dict(resolved.executor_config)},
        "resources": {key: {"config": resolved.resources.get(key)} for key in mode.resource_defs},
        "loggers": {key: {"config": config} for key, config in resolved.loggers.items()},
    }
    if pipeline.takes_intermediate_storage:
        as_dict["intermediate_storage"] = {
            resolved.storage_name: {"config": dict(resolved.storage_config)}
        }
    if resolved.graph_inputs:
        as_dict["inputs"] = dict(resolved.graph_inputs)
    return as_dict
