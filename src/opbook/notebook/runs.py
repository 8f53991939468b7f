"""Running jobs from a notebook: live progress on, run config remembered, re-execution made easy.

``run(job)`` runs a job or pipeline with ``execute_pipeline`` (so the job's executor is used:
a ``%%job --executor multiprocess`` job runs on worker processes) and shows its progress live.
``reexecute(job, run_id, from_failure=True)`` runs again the steps that failed or did not run
in that run, loading the other steps' outputs from it, with the run config the parent was given
in this session unless another one is passed.

``run(job, memoized=True)`` is the notebook's fastest loop: the run is tagged
``dagster/is_memoized_run`` and, unless the job has a version strategy of its own, versions its
ops by the hash of their source (``SourceHashVersionStrategy``), so after ``%%op`` redefines an
op only that op and what depends on it run; the other steps' outputs are loaded from where an
earlier memoized run stored them (a job's default IO manager keeps them under the instance's
storage directory, so nothing needs setting up).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

from opbook import (
    MEMOIZED_RUN_TAG,
    DagsterInstance,
    DagsterInvariantViolationError,
    InProcessExecutionResult,
    PipelineDefinition,
    PipelineExecutionResult,
    SourceHashVersionStrategy,
    execute_pipeline,
    reexecute_pipeline,
)
from opbook.notebook import graphmodel, session
from opbook.notebook.engine_seam import StepStatus, step_statuses
from opbook.notebook.progress import LiveRun

# What a run started from the notebook gives: a job's result type for a job, the pipeline
# generation's for a pipeline (so ``output_for_node`` works on a job's run, as in Dagster).
RunResult: TypeAlias = InProcessExecutionResult | PipelineExecutionResult


def as_job_result(result: PipelineExecutionResult) -> RunResult:
    """``result`` as the job generation's result when it is the run of a job."""
    pipeline = result.pipeline_def
    if not pipeline.is_job:
        return result
    whole = pipeline.parent_pipeline_def or pipeline  # an op selection runs a subset of it
    job_result = InProcessExecutionResult(
        whole.graph, result.event_list, result.run_id, result.load_value, whole, result.run_config
    )
    job_result.logs = result.logs
    return job_result


def _progress(job: PipelineDefinition, progress: bool, steps: Sequence[str] | None = None) -> Any:
    return LiveRun.for_notebook(job, steps) if progress else None


def run(
    job: PipelineDefinition,
    run_config: Mapping[str, Any] | None = None,
    *,
    op_selection: str | Sequence[str] | None = None,
    mode: str | None = None,
    preset: str | None = None,
    tags: Mapping[str, Any] | None = None,
    instance: DagsterInstance | None = None,
    progress: bool = True,
    raise_on_error: bool = False,
    memoized: bool = False,
) -> RunResult:
    """Run ``job`` on its executor, showing its graph and a progress bar live in the notebook.

    Args:
        job: a job or pipeline.
        run_config: the run config (the job's default config when None).
        op_selection: run only these ops (``*a``, ``a+``, ``a,b``).
        mode: the mode to run in (needed when the pipeline has several).
        preset: a preset whose run config and mode to use.
        tags: run tags.
        instance: where the run is recorded (the session's default instance if None).
        progress: show the live graph and progress bar (in a notebook).
        raise_on_error: re-raise the user's exception when a step fails (default: the
            failure is in the result).
        memoized: run only the steps whose outputs are not stored under their versions
            (source-hash versions unless the job has a version strategy).
    """
    selection = [op_selection] if isinstance(op_selection, str) else op_selection
    if memoized:
        job, tags = memoized_run(job, tags)
    result = execute_pipeline(
        job,
        dict(run_config) if run_config is not None else None,
        mode=mode,
        preset=preset,
        tags=tags,
        solid_selection=selection,
        instance=instance,
        raise_on_error=raise_on_error,
        progress=_progress(job, progress),
    )
    used = run_config if preset is None else job.get_preset(preset).run_config
    session.current().remember_run(result.run_id, dict(used or {}))
    return _remembered(as_job_result(result))


def memoized_run(
    job: PipelineDefinition, tags: Mapping[str, Any] | None = None
) -> tuple[PipelineDefinition, dict[str, Any]]:
    """``job`` ready for a memoized run (versioned by the source of its ops unless it has a
    version strategy), and ``tags`` with ``dagster/is_memoized_run`` set."""
    if job.version_strategy is None:
        job = job.with_version_strategy(SourceHashVersionStrategy())
    return job, {**(tags or {}), MEMOIZED_RUN_TAG: "true"}


def step_keys(job: PipelineDefinition) -> list[str]:
    """Every step of ``job`` (all of it, even for a subset), upstream first."""
    return graphmodel.from_pipeline(job, whole=True).order()


def steps_to_retry(job: PipelineDefinition, run_id: str, instance: DagsterInstance) -> list[str]:
    """The steps of ``job`` that did not succeed in run ``run_id`` (failed, or never ran).

    Steps a re-execution took from its own parent count as succeeded.
    """
    parent = instance.get_run(run_id)
    statuses = step_statuses(instance.get_events(run_id))
    succeeded = {key for key, status in statuses.items() if status is StepStatus.SUCCEEDED}
    every = step_keys(job)
    if parent.step_keys_to_execute is not None:
        executed = set(parent.step_keys_to_execute)
        succeeded |= {key for key in every if key not in executed}
    if parent.solids_to_execute is not None:
        top = parent.solids_to_execute
        every = [key for key in every if key.split(".")[0] in top]
    return [key for key in every if key not in succeeded]


def reexecute(
    job: PipelineDefinition,
    run_id: str,
    *,
    from_failure: bool = False,
    step_selection: Sequence[str] | None = None,
    run_config: Mapping[str, Any] | None = None,
    instance: DagsterInstance | None = None,
    progress: bool = True,
    raise_on_error: bool = False,
) -> RunResult:
    """Run ``job`` again as a child of run ``run_id``, from its failure or on a step selection.

    Raises:
        DagsterInvariantViolationError: ``from_failure`` on a run where every step succeeded,
            or neither ``from_failure`` nor ``step_selection`` given.
    """
    instance = instance if instance is not None else DagsterInstance.get()
    if from_failure:
        step_selection = steps_to_retry(job, run_id, instance)
        if not step_selection:
            raise DagsterInvariantViolationError(
                f"Run {run_id[:8]} of {job.name} has no failed steps: nothing to re-execute from failure."
            )
    elif not step_selection:
        raise DagsterInvariantViolationError(
            "Choose what to re-execute: from_failure=True or a step_selection."
        )
    config = dict(run_config) if run_config is not None else _parent_config(run_id, instance)
    result = reexecute_pipeline(
        job,
        run_id,
        run_config=config,
        step_selection=list(step_selection),
        instance=instance,
        raise_on_error=raise_on_error,
        progress=_progress(job, progress, step_selection if from_failure else None),
    )
    session.current().remember_run(result.run_id, config)
    return _remembered(as_job_result(result))


def _remembered(result: RunResult) -> RunResult:
    session.current().remember_result(result)
    return result


def _parent_config(run_id: str, instance: DagsterInstance) -> dict[str, Any]:
    remembered = session.current().run_configs.get(run_id)
    if remembered is not None:
        return remembered
    return dict(instance.get_run(run_id).run_config)
