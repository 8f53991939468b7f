"""The public execution functions of both generations, and the glue they share.

Every entry point goes the same way: check the arguments (mode, preset, selection), resolve and
validate the run config (every problem at once, before any event), build or reuse the plan,
create the run record in the instance, and drive the chosen executor.  Results are views over
the run's events; values come from the run's value store.

``instance=None`` means the process's default instance (``DagsterInstance.get()``), not a
throw-away one as in Dagster: that is what lets a notebook re-execute a run with no set-up.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from opbook import config as cfg
from opbook.definitions.engine import Engine
from opbook.definitions.graph import GraphDefinition
from opbook.definitions.io_manager import default_job_io_manager
from opbook.definitions.job import JobDefinition, PipelineDefinition
from opbook.definitions.mode import ModeDefinition, PresetDefinition, deep_merge
from opbook.definitions.resource import as_resource_definition
from opbook.definitions.run_config import (
    check_default_run_config,
    resolve_run_config,
    resolved_as_dict,
    run_config_schema,
    section_name,
)
from opbook.definitions.version_strategy import MEMOIZED_RUN_TAG, SourceHashVersionStrategy
from opbook.errors import (
    CheckError,
    DagsterExecutionStepNotFoundError,
    DagsterInvalidSubsetError,
    DagsterInvariantViolationError,
    DagsterRunNotFoundError,
    ParameterCheckError,
)
from opbook.events import DagsterEvent, DagsterEventType
from opbook.execution import hook_invocation, invocation, memoization
from opbook.execution.log_manager import DagsterLogManager
from opbook.execution.output_storage import node_key, stored_name, uses_io_managers
from opbook.execution.results import InProcessExecutionResult, PipelineExecutionResult
from opbook.execution.run_context import RunContext, RunState, build_loggers
from opbook.executors import executor_for
from opbook.executors.in_process import execute_in_process as in_process_executor_fn
from opbook.executors.run import ExecutorFn, RunDriver
from opbook.plan import dynamic
from opbook.plan.plan import build_plan, normalize_step_key
from opbook.plan.selection import select, split_clauses
from opbook.plan.versions import check_memoizable, resolve_step_output_versions
from opbook.storage.instance import DagsterInstance
from opbook.storage.runs import PipelineRun, PipelineRunStatus


def _as_pipeline(pipeline: Any) -> PipelineDefinition:
    if isinstance(pipeline, PipelineDefinition):
        return pipeline
    get_definition = getattr(pipeline, "get_definition", None)
    if callable(get_definition):
        definition = get_definition()
        if isinstance(definition, PipelineDefinition):
            return definition
    if isinstance(pipeline, GraphDefinition):
        raise ParameterCheckError(
            f'Param "pipeline" is not a PipelineDefinition: got the graph "{pipeline.name}". '
            "Use graph.execute_in_process(), or make a job with graph.to_job()."
        )
    raise ParameterCheckError(
        f'Param "pipeline" is not a PipelineDefinition or a reconstructable pipeline. Got {pipeline!r} '
        f"which is type {type(pipeline)}."
    )


@dataclass
class RunRequest:
    """What to run, after mode, preset and selection have been worked out."""

    pipeline: PipelineDefinition  # possibly a subset
    mode: ModeDefinition
    run_config: dict[str, Any]
    tags: dict[str, Any]
    solid_selection: list[str] | None


def node_selection(
    pipeline: PipelineDefinition, selection: str | Sequence[str], argument: str
) -> set[str]:
    """Top-level node names picked by a selection query."""
    what = "ops" if argument == "op_selection" else "solids"
    upstream = pipeline.graph.upstream_nodes()
    if split_clauses(selection) == ["*"]:  # a lone "*" selects every node
        return set(upstream)
    return select(upstream, selection, what, argument)


def _request(
    pipeline: Any,
    run_config: Mapping[str, Any] | None,
    mode: str | None,
    preset: str | None,
    tags: Mapping[str, Any] | None,
    selection: str | Sequence[str] | None,
    selection_argument: str = "solid_selection",
) -> RunRequest:
    definition = _as_pipeline(pipeline)
    if run_config is not None and not isinstance(run_config, Mapping):
        raise ParameterCheckError(
            f'Param "run_config" is not a dict. Got {run_config!r} which is type {type(run_config)}.'
        )
    if tags is not None and (
        not isinstance(tags, Mapping) or not all(isinstance(k, str) for k in tags)
    ):
        raise ParameterCheckError(
            f'Param "tags" is not a dict with string keys. Got {tags!r} which is type {type(tags)}.'
        )
    if mode is not None and preset is not None:
        raise CheckError(f"You may set only one of `mode` (got {mode}) or `preset` (got {preset}).")
    config = dict(run_config or {})
    merged_tags = dict(definition.tags)
    if preset is not None:
        chosen: PresetDefinition = definition.get_preset(preset)
        if chosen.run_config and config and dict(config) != dict(chosen.run_config):
            raise CheckError(
                f"The environment set in preset '{preset}' does not agree with the environment passed in the "
                "`run_config` argument."
            )
        config = dict(chosen.run_config or config)
        mode = chosen.mode
        selection = chosen.solid_selection or selection
        merged_tags.update(chosen.tags)
    merged_tags.update(tags or {})
    if not config and definition.default_run_config:
        config = dict(definition.default_run_config)
    mode_def = definition.get_mode_definition(mode)
    chosen_selection: list[str] | None = None
    if selection:
        base = definition.parent_pipeline_def or definition
        names = node_selection(base, selection, selection_argument)
        definition = base.get_pipeline_subset_def(names)
        chosen_selection = [selection] if isinstance(selection, str) else list(selection)
    return RunRequest(definition, mode_def, config, merged_tags, chosen_selection)


def _masked_config(request: RunRequest) -> dict[str, Any]:
    if not request.run_config:
        return {}
    try:
        # Masked against the schema the user wrote to: `solids:` and `ops:` name one section.
        section = section_name(request.pipeline, request.run_config)
        schema = run_config_schema(request.pipeline, request.mode, section)
        return cfg.mask_secrets(schema, request.run_config)
    except Exception:  # masking never blocks a run, and an unmasked config is never recorded
        return {}


def prepare_run(
    request: RunRequest,
    instance: DagsterInstance | None,
    raise_on_error: bool,
    step_keys_to_execute: Sequence[str] | None = None,
    parent_run: PipelineRun | None = None,
    in_memory: bool = False,
) -> RunContext:
    """Validate config, plan, and record a new run; nothing runs yet.  ``in_memory``: a job's
    default IO manager keeps values in memory (``execute_in_process``)."""
    instance = instance if instance is not None else DagsterInstance.get()
    resolved = resolve_run_config(request.pipeline, request.mode, request.run_config)
    plan = build_plan(request.pipeline, resolved, step_keys_to_execute)
    versions = _memoized_versions(request, resolved, plan, step_keys_to_execute)
    base_dir = resolved.storage_config.get("base_dir")
    run = instance.create_run(
        request.pipeline.name,
        run_config=_masked_config(request),
        mode=request.mode.name,
        tags=request.tags,
        solid_selection=request.solid_selection,
        solids_to_execute=request.pipeline.solids_to_execute,
        step_keys_to_execute=list(step_keys_to_execute)
        if step_keys_to_execute is not None
        else None,
        parent_run_id=parent_run.run_id if parent_run else None,
        root_run_id=(parent_run.root_run_id or parent_run.run_id) if parent_run else None,
        storage_name=_storage_name(request, resolved.storage_name, in_memory),
        storage_base_dir=base_dir,
    )
    loggers = build_loggers(request.pipeline, request.mode, resolved, run.run_id)
    resource_values: dict[str, Any] = {}  # filled when the run starts; custom storage uses it
    store = instance.value_store_for_run(
        request.pipeline, request.mode, resolved, run, resource_values
    )
    rc = RunContext(
        pipeline=request.pipeline,
        mode=request.mode,
        resolved=resolved,
        instance=instance,
        plan=plan,
        state=RunState(run, store, resource_values),
        run_id=run.run_id,
        raise_on_error=raise_on_error,
        log=DagsterLogManager(run.run_id, {"pipeline_name": request.pipeline.name}, loggers),
    )
    if versions is not None:
        try:
            rc = memoization.memoize(rc, versions)
        except BaseException:
            instance.delete_run(rc.run_id)  # nothing ran; leave no trace of the attempt
            raise
    return rc


def _memoized_versions(
    request: RunRequest,
    resolved: Any,
    plan: Any,
    step_keys_to_execute: Sequence[str] | None,
) -> dict[Any, str] | None:
    """The versions of every output of a memoized run (None for a run that is not)."""
    if not request.pipeline.is_using_memoization(request.tags):
        return None
    if step_keys_to_execute is not None:
        raise DagsterInvariantViolationError(memoization.REEXECUTION_ERROR)
    check_memoizable(plan)
    return resolve_step_output_versions(request.pipeline, request.mode, resolved, plan)


def memoized_run(
    pipeline: PipelineDefinition, tags: Mapping[str, Any] | None = None
) -> tuple[PipelineDefinition, dict[str, Any]]:
    """``pipeline`` ready for a memoized run, and ``tags`` with ``dagster/is_memoized_run``
    set (opbook's own, for the notebook and the command line): a pipeline with no version
    strategy of its own versions its ops and resources by their source
    (``SourceHashVersionStrategy``)."""
    if pipeline.version_strategy is None:
        pipeline = pipeline.with_version_strategy(SourceHashVersionStrategy())
    return pipeline, {**(tags or {}), MEMOIZED_RUN_TAG: "true"}


def _storage_name(request: RunRequest, configured: str, in_memory: bool) -> str:
    """What the run record says about where outputs are: a pipeline's intermediate storage;
    for a run through IO managers, whether a job's default manager keeps them in memory."""
    pipeline, mode = request.pipeline, request.mode
    if not pipeline.stores_through_io_managers(mode):
        return configured
    return "in_memory" if in_memory else "filesystem"


def _value_loader(rc: RunContext) -> Any:
    def load(step_key: str, output_name: str, mapping_key: str | None = None) -> Any:
        return rc.storage.output_value(step_key, output_name, mapping_key)

    return load


ProgressCallback = Callable[[DagsterEvent], Any]
ProgressFactory = Callable[[PipelineDefinition], "ProgressCallback | None"]
# How `progress=True` is shown is registered by the notebook layer (a live graph), which the
# engine cannot import; with none registered (no notebook), `progress=True` shows nothing.
_progress_factories: list[ProgressFactory] = []


def register_progress_factory(factory: ProgressFactory) -> None:
    """Say how ``progress=True`` is shown: ``factory(pipeline)`` gives a per-event callback."""
    _progress_factories[:] = [factory]


def _progress_callback(progress: Any, pipeline: PipelineDefinition) -> ProgressCallback | None:
    if progress is True:
        return _progress_factories[0](pipeline) if _progress_factories else None
    return progress if callable(progress) else None


def _drive(
    rc: RunContext, executor: ExecutorFn, progress: ProgressCallback | None = None
) -> RunDriver:
    driver = RunDriver(rc, executor)
    for event in driver.run():
        if progress is not None:
            progress(event)
    return driver


def _finish(driver: RunDriver, raise_on_error: bool) -> None:
    if raise_on_error and driver.error is not None:
        raise driver.error


# -- the pipeline generation ---------------------------------------------------------------------


def execute_pipeline(
    pipeline: Any,
    run_config: Mapping[str, Any] | None = None,
    mode: str | None = None,
    preset: str | None = None,
    tags: Mapping[str, Any] | None = None,
    solid_selection: Sequence[str] | None = None,
    instance: DagsterInstance | None = None,
    raise_on_error: bool = True,
    *,
    progress: Any = None,
) -> PipelineExecutionResult:
    """Run a pipeline (or job) to completion and return its result.

    Args:
        pipeline: a ``PipelineDefinition`` / ``JobDefinition``, or a reconstructable one.
        run_config: the run config (validated; every problem reported at once).
        mode: the mode to run in (needed when the pipeline has several).
        preset: a preset whose run config, mode and selection to use (not with ``mode``).
        tags: run tags, merged over the pipeline's.
        solid_selection: run only these solids (``*a``, ``a+``, ``a,b``).
        instance: where the run is recorded (the process's default instance if None).
        raise_on_error: re-raise the user's exception when a step fails.
        progress: True to show the run live in a notebook, or a callable given each event.

    Returns:
        PipelineExecutionResult: the run's events and a way to its output values.

    Raises:
        DagsterInvalidConfigError: the run config is invalid (raised before anything runs).
    """
    request = _request(pipeline, run_config, mode, preset, tags, solid_selection)
    rc = prepare_run(request, instance, raise_on_error)
    driver = _drive(rc, executor_for(rc), _progress_callback(progress, request.pipeline))
    _finish(driver, raise_on_error)
    result = PipelineExecutionResult(
        request.pipeline, rc.run_id, driver.events, _value_loader(rc), rc.run.run_config
    )
    result.logs = rc.state.log_entries
    return result


def execute_pipeline_iterator(
    pipeline: Any,
    run_config: Mapping[str, Any] | None = None,
    mode: str | None = None,
    preset: str | None = None,
    tags: Mapping[str, Any] | None = None,
    solid_selection: Sequence[str] | None = None,
    instance: DagsterInstance | None = None,
) -> Iterator[DagsterEvent]:
    """Run a pipeline (or job) step by step, yielding each event as it happens.

    Arguments are checked and config validated when this is called; steps run as the
    iterator is consumed.  Step failures become STEP_FAILURE events, never exceptions.

    Args:
        pipeline: a ``PipelineDefinition`` / ``JobDefinition``, or a reconstructable one.
        run_config: the run config (validated; every problem reported at once).
        mode: the mode to run in (needed when the pipeline has several).
        preset: a preset whose run config, mode and selection to use (not with ``mode``).
        tags: run tags, merged over the pipeline's.
        solid_selection: run only these solids (``*a``, ``a+``, ``a,b``).
        instance: where the run is recorded (the process's default instance if None).

    Returns:
        Iterator[DagsterEvent]: the run's events, from ``PIPELINE_START`` to its end.

    Raises:
        DagsterInvalidConfigError: the run config is invalid (raised by the call itself).
    """
    request = _request(pipeline, run_config, mode, preset, tags, solid_selection)
    rc = prepare_run(request, instance, raise_on_error=False)
    return RunDriver(rc, executor_for(rc)).run()


def _parent_and_keys(
    request: RunRequest,
    parent_run_id: str,
    step_selection: Sequence[str] | None,
    instance: DagsterInstance,
    from_failure: bool = False,
) -> tuple[PipelineRun, list[str] | None]:
    """The parent run and the step keys to execute (None: every step)."""
    parent = _parent_run(parent_run_id, instance)
    if from_failure and step_selection:
        raise CheckError("Pass step_selection or from_failure=True, not both.")
    if not step_selection and not from_failure:
        return parent, None
    resolved = resolve_run_config(request.pipeline, request.mode, request.run_config)
    plan = build_plan(request.pipeline, resolved)
    keys_of = partial(_mapping_keys_in_lineage, instance, parent)
    full = (
        dynamic.resolved_step_map(plan, keys_of) if plan.links.placeholders else plan.upstream_map()
    )
    if from_failure:
        unfinished = set(_unfinished_steps(parent, list(full), instance))
        settled = dynamic.settle_selection(plan, unfinished, (), keys_of)
        return parent, [key for key in full if key in settled]
    assert step_selection is not None
    clauses = split_clauses(step_selection)
    for clause in clauses:
        name = normalize_step_key(clause.strip("*+"))
        if name not in full and dynamic.split_key(name)[1] not in (None, "?"):
            raise DagsterExecutionStepNotFoundError(
                f"Step selection refers to unknown step: {name}", [name]
            )
        if name not in full:
            raise DagsterExecutionStepNotFoundError(
                f"Can not build subset plan from unknown step: {clause.strip('*+')}. "
                f"The steps of {request.pipeline.name} are {sorted(full)}.",
                [name],
            )
    aliases = {f"{key}.compute": key for key in full}
    try:
        chosen = select(full, clauses, "steps", "step_selection", aliases)
    except DagsterInvalidSubsetError as exc:
        raise DagsterExecutionStepNotFoundError(str(exc), clauses) from exc
    named = [normalize_step_key(clause.strip("*+")) for clause in clauses]
    chosen = dynamic.settle_selection(plan, chosen, named, keys_of)
    return parent, [key for key in full if key in chosen]


def _mapping_keys_in_lineage(
    instance: DagsterInstance, run: PipelineRun | None, step_key: str, output_name: str
) -> list[str]:
    """The mapping keys a dynamic output yielded in the closest run of ``run``'s lineage
    that ran its step, in order."""
    while run is not None:
        if run.step_keys_to_execute is None or step_key in run.step_keys_to_execute:
            return [
                e.event_specific_data.step_output_handle.mapping_key
                for e in instance.get_events(run.run_id)
                if e.event_type_value == DagsterEventType.STEP_OUTPUT
                and e.step_key == step_key
                and e.event_specific_data.step_output_handle.output_name == output_name
                and e.event_specific_data.step_output_handle.mapping_key is not None
            ]
        run = instance.get_run_by_id(run.parent_run_id) if run.parent_run_id else None
    return []


def _parent_run(parent_run_id: str, instance: DagsterInstance) -> PipelineRun:
    parent = instance.get_run_by_id(parent_run_id) if isinstance(parent_run_id, str) else None
    if parent is None:
        raise DagsterRunNotFoundError(
            f"No parent run with id {parent_run_id} found in instance {instance!r}. Pass the "
            "instance the parent ran in (instance=...); to re-execute runs of an earlier "
            "session, run them in a persistent instance (DagsterInstance.local(path), or set "
            "OPBOOK_HOME) with filesystem storage.",
            str(parent_run_id),
        )
    if parent.status == PipelineRunStatus.STARTED:
        warnings.warn(
            f"Run {parent.run_id} is still marked STARTED: it may be running elsewhere, and its "
            "steps' values may not all be stored yet. If its process is gone on another "
            f"machine, mark it with `opbook runs --mark-failed {parent.run_id}`.",
            UserWarning,
            stacklevel=3,
        )
    return parent


def _unfinished_steps(parent: PipelineRun, keys: list[str], instance: DagsterInstance) -> list[str]:
    """Steps the parent run did not finish: failed, or never run because of a failure."""
    done = {e.step_key for e in instance.get_events(parent.run_id) if e.is_step_success}
    if parent.step_keys_to_execute is not None:  # the others were loaded from its ancestors
        done |= set(keys) - set(parent.step_keys_to_execute)
    unfinished = [key for key in keys if key not in done]
    if not unfinished:
        raise DagsterInvariantViolationError(
            f"Run {parent.run_id} finished every step; there is no failure to re-execute from. "
            "Pass step_selection to run steps again."
        )
    return unfinished


def _check_parent_values(rc: RunContext, parent: PipelineRun) -> None:
    """Fail before anything runs when an output the selected steps need is gone.  Outputs
    stored through IO managers are checked when they were kept in memory (the managers
    themselves report a missing file or table when loading)."""
    if uses_io_managers(rc):
        _check_parent_memory_values(rc, parent)
        return
    for step in rc.plan.steps:
        for step_input in step.inputs:
            for source in step_input.sources:
                if source.step_key in rc.plan.step_dict or step_input.is_collect:
                    continue  # (a collect's items are known once the run resolves it)
                try:
                    store, run_id = rc.source_of(source.step_key)
                except DagsterInvariantViolationError:
                    if parent.storage_name == rc.resolved.storage_name:
                        continue  # the run's own user-defined storage reads it
                    raise
                name = stored_name(source.output_name, source.mapping_key)
                if not store.has_value(run_id, source.step_key, name):
                    raise DagsterInvariantViolationError(
                        _gone_message(rc, parent, step.key, step_input.name, source, run_id, store)
                    )


def _kept_by_default_manager(rc: RunContext, step_key: str, output_name: str) -> bool:
    """Whether a job's default IO manager stores that output (in memory, in a run that asked
    for it); another manager keeps it where it chooses."""
    node = rc.pipeline.get_solid(node_key(step_key))
    key = node.definition.output_def_named(output_name).io_manager_key
    return rc.mode.resource_defs.get(key) is default_job_io_manager


def _check_parent_memory_values(rc: RunContext, parent: PipelineRun) -> None:
    store = rc.instance.memory_values
    for step in rc.plan.steps:
        for step_input in step.inputs:
            for source in step_input.sources:
                if source.step_key in rc.plan.step_dict or step_input.is_collect:
                    continue  # (a collect's items are known once the run resolves it)
                if not _kept_by_default_manager(rc, source.step_key, source.output_name):
                    continue
                run_id = rc.run_id_of(source.step_key)
                ran = rc.instance.get_run_by_id(run_id)
                if ran is None or ran.storage_name != "in_memory":
                    continue
                name = stored_name(source.output_name, source.mapping_key)
                if not store.has_value(run_id, source.step_key, name):
                    raise DagsterInvariantViolationError(
                        _gone_message(rc, parent, step.key, step_input.name, source, run_id, store)
                    )


def _gone_message(
    rc: RunContext,
    parent: PipelineRun,
    step_key: str,
    input_name: str,
    source: Any,
    run_id: str,
    store: Any,
) -> str:
    needs = (
        f'Cannot re-execute from run {parent.run_id}: input "{input_name}" of step "{step_key}" '
        f'needs output "{source.output_name}" of step "{source.step_key}"'
    )
    example = f"(for example step_selection=['*{step_key}'])"
    produced = any(
        event.is_successful_output
        and event.step_key == source.step_key
        and event.step_output_data.output_name == source.output_name
        for event in rc.instance.get_events(run_id)
    )
    if not produced:  # the step failed, or never ran: there was never a value to store
        return (
            f'{needs}, which run {run_id} did not produce: step "{source.step_key}" did not '
            f"succeed there. Re-execute the steps that produce it too {example}."
        )
    advice = (
        "Values kept in memory last only as long as the process that made them (and only the "
        "most recent runs' are kept); run with filesystem storage "
        "(intermediate_storage: {filesystem: {}}) to re-execute later, or re-execute the steps "
        "that produce it too"
        if not store.is_persistent
        else "Re-execute the steps that produce it too"
    )
    return (
        f"{needs}, which run {run_id} stored {store.describe()}, and it is no longer there. "
        f"{advice} {example}."
    )


def _reexecution_context(
    pipeline: Any,
    parent_run_id: str,
    run_config: Mapping[str, Any] | None,
    step_selection: Sequence[str] | None,
    mode: str | None,
    preset: str | None,
    tags: Mapping[str, Any] | None,
    instance: DagsterInstance | None,
    raise_on_error: bool,
    from_failure: bool = False,
) -> RunContext:
    instance = instance if instance is not None else DagsterInstance.get()
    parent = _parent_run(parent_run_id, instance)
    selection = list(parent.solid_selection) if parent.solid_selection else None
    request = _request(pipeline, run_config, mode, preset, tags, selection)
    parent, keys = _parent_and_keys(request, parent_run_id, step_selection, instance, from_failure)
    request.tags.update(
        {
            "dagster/parent_run_id": parent.run_id,
            "dagster/root_run_id": parent.root_run_id or parent.run_id,
        }
    )
    rc = prepare_run(request, instance, raise_on_error, keys, parent)
    try:
        _check_parent_values(rc, parent)
    except BaseException:
        instance.delete_run(rc.run_id)  # nothing ran; leave no trace of the attempt
        raise
    return rc


def reexecute_pipeline(
    pipeline: Any,
    parent_run_id: str,
    run_config: Mapping[str, Any] | None = None,
    step_selection: Sequence[str] | None = None,
    mode: str | None = None,
    preset: str | None = None,
    tags: Mapping[str, Any] | None = None,
    instance: DagsterInstance | None = None,
    raise_on_error: bool = True,
    *,
    from_failure: bool = False,
    progress: Any = None,
) -> PipelineExecutionResult:
    """Run a pipeline (or job) again as a child of ``parent_run_id``.

    Steps outside ``step_selection`` (``["b"]``, ``["b+"]``, ``["*c"]``; ``"b.compute"`` works
    too) are not run: their outputs are loaded from the parent run (or whichever ancestor ran
    them).  Run config and mode are not inherited from the parent.

    Args:
        pipeline: the pipeline or job the parent run ran.
        parent_run_id: the run to re-execute; the instance must know it.
        run_config: the run config of the new run (the parent's is not reused).
        step_selection: the steps to run (every step when None).
        mode: the mode to run in (needed when the pipeline has several).
        preset: a preset whose run config and mode to use (not with ``mode``).
        tags: run tags; ``dagster/parent_run_id`` and ``dagster/root_run_id`` are added.
        instance: the instance of the parent run (the process's default instance if None).
        raise_on_error: re-raise the user's exception when a step fails.
        from_failure: run only the steps the parent did not finish (the failed ones and
            those that never ran because of them), instead of a ``step_selection``.
        progress: True to show the run live in a notebook, or a callable given each event.

    Returns:
        PipelineExecutionResult: the new run's events and a way to its output values.

    Raises:
        DagsterRunNotFoundError: the instance does not know the parent run.
        DagsterExecutionStepNotFoundError: a selected step does not exist.
        DagsterInvariantViolationError: an output the selected steps need is no longer stored.
    """
    rc = _reexecution_context(
        pipeline,
        parent_run_id,
        run_config,
        step_selection,
        mode,
        preset,
        tags,
        instance,
        raise_on_error,
        from_failure,
    )
    driver = _drive(rc, executor_for(rc), _progress_callback(progress, rc.pipeline))
    _finish(driver, raise_on_error)
    result = PipelineExecutionResult(
        rc.pipeline, rc.run_id, driver.events, _value_loader(rc), rc.run.run_config
    )
    result.logs = rc.state.log_entries
    return result


def reexecute_pipeline_iterator(
    pipeline: Any,
    parent_run_id: str,
    run_config: Mapping[str, Any] | None = None,
    step_selection: Sequence[str] | None = None,
    mode: str | None = None,
    preset: str | None = None,
    tags: Mapping[str, Any] | None = None,
    instance: DagsterInstance | None = None,
    *,
    from_failure: bool = False,
) -> Iterator[DagsterEvent]:
    """``reexecute_pipeline``, yielding the new run's events as they happen.

    Arguments are those of ``reexecute_pipeline`` (without ``raise_on_error``: step failures
    become STEP_FAILURE events) and are checked when this is called.

    Returns:
        Iterator[DagsterEvent]: the new run's events.

    Raises:
        DagsterRunNotFoundError: the instance does not know the parent run.
        DagsterExecutionStepNotFoundError: a selected step does not exist.
    """
    rc = _reexecution_context(
        pipeline,
        parent_run_id,
        run_config,
        step_selection,
        mode,
        preset,
        tags,
        instance,
        False,
        from_failure,
    )
    return RunDriver(rc, executor_for(rc)).run()


# -- the job generation --------------------------------------------------------------------------


def execute_job_in_process(
    job: PipelineDefinition,
    run_config: Mapping[str, Any] | None = None,
    instance: DagsterInstance | None = None,
    raise_on_error: bool = True,
    op_selection: Sequence[str] | None = None,
    *,
    tags: Mapping[str, Any] | None = None,
    progress: Any = None,
) -> InProcessExecutionResult:
    """``JobDefinition.execute_in_process``: always in this process, whatever the executor."""
    request = _request(job, run_config, None, None, tags, op_selection, "op_selection")
    # As in Dagster, a job with a version strategy keeps its default (memoizable) fs manager.
    in_memory = job.version_strategy is None
    rc = prepare_run(request, instance, raise_on_error, in_memory=in_memory)
    driver = _drive(rc, in_process_executor_fn, _progress_callback(progress, request.pipeline))
    _finish(driver, raise_on_error)
    result = InProcessExecutionResult(
        job.graph, driver.events, rc.run_id, _value_loader(rc), job, rc.run.run_config
    )
    result.logs = rc.state.log_entries
    return result


def execute_graph_in_process(
    graph: GraphDefinition,
    run_config: Mapping[str, Any] | None = None,
    instance: DagsterInstance | None = None,
    resources: Mapping[str, Any] | None = None,
    raise_on_error: bool = True,
    op_selection: Sequence[str] | None = None,
    **kwargs: Any,
) -> InProcessExecutionResult:
    """``GraphDefinition.execute_in_process``: run the graph as an ephemeral job."""
    resource_defs = {key: as_resource_definition(value) for key, value in (resources or {}).items()}
    job = JobDefinition(graph, resource_defs=resource_defs)
    return execute_job_in_process(job, run_config, instance, raise_on_error, op_selection, **kwargs)


# -- config tooling --------------------------------------------------------------------------------


def validate_run_config(
    job_def: Any = None,
    run_config: Mapping[str, Any] | None = None,
    mode: str | None = None,
    pipeline_def: Any = None,
) -> dict[str, Any]:
    """Validate a run config against a job or pipeline and return it resolved, as it is used.

    Args:
        job_def: the job or pipeline (``pipeline_def`` is the pipeline generation's keyword).
        run_config: the run config; the job's default config when None.
        mode: the pipeline's mode (None: its only mode).

    Returns:
        Plain data in the shape of run config: ``ops`` (jobs) or ``solids`` (pipelines) by node
        handle, each with its ``config`` (defaults filled, ``configured`` mappings applied),
        ``inputs`` and ``outputs``; ``execution`` as ``{executor: config}``; ``resources`` and
        ``loggers`` as ``{key: {"config": ...}}``; and a pipeline's ``intermediate_storage``.

    Raises:
        DagsterInvalidConfigError: listing every problem with its path.
    """
    definition = job_def if job_def is not None else pipeline_def
    if definition is None:
        raise ParameterCheckError("validate_run_config needs a job (job_def) or a pipeline_def.")
    request = _request(definition, run_config, mode, None, None, None)
    resolved = resolve_run_config(request.pipeline, request.mode, request.run_config)
    return resolved_as_dict(request.pipeline, request.mode, resolved)


def _select_nodes(job: PipelineDefinition, op_selection: Sequence[str]) -> set[str]:
    return node_selection(job.parent_pipeline_def or job, op_selection, "op_selection")


def merge_run_configs(*configs: Mapping[str, Any] | None) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for config in configs:
        merged = deep_merge(merged, config or {})
    return merged


def _unused(_: Iterable[Any]) -> None:
    return None


class OpbookEngine:
    """The engine that definitions reach through ``definitions.engine.Engine``: each request
    goes to the function that does the work."""

    execute_job_in_process = staticmethod(execute_job_in_process)
    execute_graph_in_process = staticmethod(execute_graph_in_process)
    select_nodes = staticmethod(_select_nodes)
    check_default_run_config = staticmethod(check_default_run_config)
    invoke = staticmethod(invocation.invoke)
    invoke_resource = staticmethod(invocation.invoke_resource)
    invoke_logger = staticmethod(invocation.invoke_logger)
    invoke_hook = staticmethod(hook_invocation.invoke_hook)
    instance_from_ref = staticmethod(DagsterInstance.from_ref)


ENGINE: Engine = OpbookEngine()
