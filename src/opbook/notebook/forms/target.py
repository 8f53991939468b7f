"""What a form edits: the config schema of a job, pipeline, graph, op, resource or schema.

:func:`schema_for` gives the schema the engine validates a run config with (the run-config
schema of the pipeline in the mode, for the selected ops).  :func:`form_target` adds what a
form needs around it: the schema to *show* (pruned to the selected ops and the resources they
need; for a job with a config mapping, the mapping's own fields), the engine's validation as a
function returning every problem, and the value to start from (a job's default config).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from opbook import (
    DagsterConfigMappingFunctionError,
    DagsterInvalidConfigError,
    GraphDefinition,
    JobDefinition,
    ModeDefinition,
    PipelineDefinition,
    ResourceDefinition,
)
from opbook import config as cfg
from opbook.errors import ParameterCheckError
from opbook.notebook.engine_seam import (
    MANAGED_BY_ENGINE,
    NodeDefinition,
    compile_job,
    node_selection,
    resolve_run_config,
    run_config_schema,
)

Checker = Callable[[Any], Sequence[cfg.EvaluationError]]


@dataclass(frozen=True)
class FormTarget:
    """A schema to edit and how to check a value of it.

    Attributes:
        title: what the form edits, for its heading ("run config of job etl").
        schema: the schema shown (a ``Shape`` for run config, a ``Field`` for an op's config).
        check: the engine's validation of a value: every problem, empty when valid.
        initial: the value to start from (a job's default run config), or None.
        pipeline / mode / selected: for run config, what runs; else None.
        value_schema: the schema of the whole value, for filling defaults and masking secrets
            (the engine's, which also has the entries of unselected ops); ``schema`` if None.
    """

    title: str
    schema: cfg.Field | cfg.ConfigType
    check: Checker
    initial: Any = None
    pipeline: PipelineDefinition | None = None
    mode: ModeDefinition | None = None
    selected: frozenset[str] | None = None
    value_schema: cfg.Field | cfg.ConfigType | None = None

    @property
    def full_schema(self) -> cfg.Field | cfg.ConfigType:
        return self.value_schema if self.value_schema is not None else self.schema

    @property
    def is_run_config(self) -> bool:
        return self.pipeline is not None

    @property
    def section(self) -> str:
        """The name of the per-node section: ``ops`` for jobs, ``solids`` for pipelines."""
        return self.pipeline.node_section if self.pipeline is not None else "solids"


def as_pipeline(target: Any) -> PipelineDefinition | None:
    """``target`` as a pipeline or job (graphs become an ephemeral job), or None."""
    if isinstance(target, PipelineDefinition):
        return target
    get_definition = getattr(target, "get_definition", None)
    if callable(get_definition):
        definition = get_definition()
        if isinstance(definition, PipelineDefinition):
            return definition
    if isinstance(target, GraphDefinition):
        # What graph.execute_in_process runs; resources it needs are given as None here.
        needed = target.all_required_resource_keys()
        resources = {key: ResourceDefinition.none_resource() for key in needed}
        return JobDefinition(target, resource_defs=resources)
    return None


def select_pipeline(
    pipeline: PipelineDefinition, op_selection: str | Sequence[str] | None
) -> PipelineDefinition:
    """The pipeline subset that runs the ops picked by ``op_selection`` (``*a``, ``a+``)."""
    if not op_selection:
        return pipeline
    argument = pipeline.selection_argument
    base = pipeline.parent_pipeline_def or pipeline
    return base.get_pipeline_subset_def(node_selection(base, op_selection, argument))


def schema_for(
    target: Any, mode: str | None = None, op_selection: str | Sequence[str] | None = None
) -> cfg.Shape | cfg.Field:
    """The config schema of ``target``, as the engine validates it.

    Args:
        target: a job, pipeline, graph (run as a job), op or solid, resource, or a config
            schema (a ``Field``, config type or shorthand such as ``{"n": int}``).
        mode: the pipeline mode (default: the first).
        op_selection: run only these ops (``*a``, ``a+``, ``a,b``); other ops' config
            becomes optional.

    Returns:
        The run-config ``Shape`` of a job, pipeline or graph; the config ``Field`` of an op or
        resource (an empty ``Shape`` when it takes no config); the schema itself otherwise.

    Raises:
        ParameterCheckError: ``target`` has no config schema.
    """
    pipeline = as_pipeline(target)
    if pipeline is not None:
        subset = select_pipeline(pipeline, op_selection)
        return run_config_schema(subset, _mode(pipeline, mode))
    return _own_schema(target)


def _mode(pipeline: PipelineDefinition, mode: str | None) -> ModeDefinition:
    return pipeline.get_mode_definition(mode or pipeline.mode_definitions[0].name)


def _own_schema(target: Any) -> cfg.Shape | cfg.Field:
    if isinstance(target, (NodeDefinition, ResourceDefinition)):
        return target.config_field or cfg.Shape({})
    if isinstance(target, cfg.Field):
        return target
    try:
        config_type = cfg.resolve_config_type(target)
    except Exception as exc:
        raise ParameterCheckError(
            f"A config form needs a job, pipeline, graph, op, resource or config schema; got "
            f"{target!r} of type {type(target).__name__}."
        ) from exc
    return config_type if isinstance(config_type, cfg.Shape) else cfg.Field(config_type)


def form_target(
    target: Any, mode: str | None = None, op_selection: str | Sequence[str] | None = None
) -> FormTarget:
    """What a :class:`ConfigForm` of ``target`` shows and how it checks it."""
    pipeline = as_pipeline(target)
    if pipeline is None:
        return _own_target(target)
    mode_def = _mode(pipeline, mode)
    subset = select_pipeline(pipeline, op_selection)
    schema = run_config_schema(subset, mode_def)
    kind = pipeline.target_type
    title = f"Run config of {kind} {pipeline.name}"
    if not pipeline.is_single_mode:
        title += f" (mode {mode_def.name})"
    shown = _shown_run_config(subset, mode_def, schema)
    return FormTarget(
        title,
        shown,
        _run_config_checker(subset, mode_def),
        pipeline.default_run_config,
        subset,
        mode_def,
        subset.solids_to_execute,
        schema if pipeline.config_mapping is None else None,
    )


def _own_target(target: Any) -> FormTarget:
    schema = _own_schema(target)
    name = getattr(target, "name", None)
    if isinstance(target, NodeDefinition):
        title = f"Config of {target.node_kind} {name}"
    elif isinstance(target, ResourceDefinition):
        title = "Config of resource"
    else:
        title = "Config"

    def check(value: Any) -> Sequence[cfg.EvaluationError]:
        if value is None and isinstance(schema, cfg.Shape):
            value = {}
        return cfg.validate(schema, value).errors

    return FormTarget(title, schema, check)


def _run_config_checker(pipeline: PipelineDefinition, mode: ModeDefinition) -> Checker:
    """The engine's own check of a run config (config mappings included)."""

    def check(value: Any) -> Sequence[cfg.EvaluationError]:
        try:
            resolve_run_config(pipeline, mode, value)
        except DagsterInvalidConfigError as exc:
            return list(exc.errors)
        except DagsterConfigMappingFunctionError as exc:
            reason = cfg.DagsterEvaluationErrorReason.FAILED_POST_PROCESSING
            return [cfg.EvaluationError((), reason, str(exc))]
        return []

    return check


def _shown_run_config(
    pipeline: PipelineDefinition, mode: ModeDefinition, schema: cfg.Shape
) -> cfg.FieldsType:
    """The run-config schema without the entries of unselected ops and unneeded resources."""
    fields = dict(schema.fields)
    selected = pipeline.solids_to_execute
    if selected is not None:
        for section in ("ops", "solids"):
            if section in fields:
                _keep(fields, section, selected)
        if "resources" in fields:
            _keep(fields, "resources", compile_job(pipeline, mode).resource_keys)
    if pipeline.config_mapping is not None:
        return _mapped_schema(pipeline, fields)
    return cfg.Shape(fields)


def _keep(fields: dict[str, cfg.Field], name: str, keys: frozenset[str] | set[str]) -> None:
    field = fields[name]
    inner = field.config_type
    assert isinstance(inner, cfg.Shape)
    kept = {key: f for key, f in inner.fields.items() if key in keys}
    if kept:
        fields[name] = cfg.Field(cfg.Shape(kept), description=field.description)
    else:
        del fields[name]


def _mapped_schema(pipeline: PipelineDefinition, fields: dict[str, cfg.Field]) -> cfg.FieldsType:
    """A job with a config mapping takes the mapping's own fields plus the engine's sections."""
    mapping = pipeline.config_mapping
    assert mapping is not None
    managed = {name: f for name, f in fields.items() if name in MANAGED_BY_ENGINE}
    own = cfg.resolve_config_type(
        mapping.config_schema if mapping.config_schema is not None else cfg.Any
    )
    if isinstance(own, cfg.Shape):
        return cfg.Shape({**own.fields, **managed})
    own_fields = dict(own.fields) if isinstance(own, cfg.FieldsType) else {}
    return cfg.Permissive({**own_fields, **managed})
