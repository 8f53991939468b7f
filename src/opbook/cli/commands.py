"""The sub-commands: ``run``, ``reexecute``, ``runs``, ``config-scaffold``, ``export``, ``ticks``.

Each takes the parsed arguments and returns the exit status: 0, or 1 for a run that failed.
Bad input raises ``CommandLineError`` (or an engine error about what was asked for), which
``main`` reports in one line with status 2.  A run's steps and outcome go to stdout, its
progress line and failures' tracebacks to stderr.
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from opbook.api import (
    execute_pipeline,
    memoized_run,
    node_selection,
    reexecute_pipeline,
    validate_run_config,
)
from opbook.cli import output, runconfig, targets
from opbook.cli.errors import RUN_FAILED, CommandLineError, describe_exception
from opbook.config import scaffold
from opbook.definitions.io_manager import mem_io_manager
from opbook.definitions.job import PipelineDefinition
from opbook.definitions.mode import ModeDefinition, PresetDefinition, deep_merge
from opbook.definitions.partition import unknown_partition_message
from opbook.definitions.run_config import run_config_schema
from opbook.errors import (
    DagsterExecutionStepNotFoundError,
    DagsterInvalidSubsetError,
    DagsterInvariantViolationError,
    DagsterUnknownPartitionError,
)
from opbook.execution.sensors import REPOSITORY_TAG
from opbook.storage.instance import DagsterInstance
from opbook.storage.runs import PipelineRun, PipelineRunsFilter
from opbook.storage.sqlite import UnreadableRunWarning

DEFAULT_HOME = "~/.opbook"
TARGET_TAG = "opbook/target"
ENGINE_SECTIONS = ("execution", "loggers", "intermediate_storage", "storage")


def instance_dir(path: str | None) -> str:
    """``--instance``, else ``$OPBOOK_HOME``, else ``$DAGSTER_HOME``, else ``~/.opbook``."""
    chosen = path or os.environ.get("OPBOOK_HOME") or os.environ.get("DAGSTER_HOME")
    return os.path.abspath(os.path.expanduser(chosen or DEFAULT_HOME))


def open_instance(path: str | None) -> DagsterInstance:
    """The persistent instance the command records runs in (created if need be)."""
    where = instance_dir(path)
    try:
        return DagsterInstance.local(where)
    except (OSError, sqlite3.Error) as exc:
        raise CommandLineError(
            f"cannot open the instance at {where}: {describe_exception(exc)}"
        ) from None


@dataclass
class RunPlan:
    """What ``opbook run`` runs: the job, its mode, run config, selection and tags."""

    pipeline: PipelineDefinition
    mode: ModeDefinition
    run_config: dict[str, Any]
    selection: list[str] | None
    tags: dict[str, Any]


def _preset(pipeline: PipelineDefinition, args: argparse.Namespace) -> PresetDefinition | None:
    if args.preset is None:
        return None
    if args.mode is not None:
        raise CommandLineError("give --preset or --mode, not both (a preset names its mode)")
    return pipeline.get_preset(args.preset)


def _partition(
    pipeline: PipelineDefinition, args: argparse.Namespace
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """``--partition KEY``: the partition's run config and tags (none without the option)."""
    key = args.partition
    if key is None:
        return None, {}
    if args.config or args.preset:
        raise CommandLineError(
            "give --partition or -c/--preset, not both (a partition has its config)"
        )
    partitioned = pipeline.partitioned_config
    if partitioned is None:
        raise CommandLineError(f"--partition {key}: job {pipeline.name!r} has no partitions")
    try:
        return pipeline.partition_run(key)
    except DagsterUnknownPartitionError:
        keys = partitioned.get_partition_keys()
        raise CommandLineError(unknown_partition_message(pipeline.name, key, keys)) from None


def _mode(pipeline: PipelineDefinition, name: str | None) -> ModeDefinition:
    """The mode ``--mode`` names (None: the only one), or a one-line error in the command
    line's terms."""
    names = pipeline.available_modes
    if name is None and len(names) > 1:
        raise CommandLineError(
            f"{pipeline.describe_target()} has several modes ({', '.join(names)}); "
            "choose one with --mode"
        )
    if name is not None and not pipeline.has_mode_definition(name):
        raise CommandLineError(
            f"--mode {name}: {pipeline.describe_target()} has no such mode "
            f"(modes: {', '.join(names)})"
        )
    return pipeline.get_mode_definition(name)


SELECTION_PREAMBLE = re.compile(r"^No qualified \w+ to execute found for \w+=\[.*?\]: ")


def _selection_problem(query: str, exc: Exception) -> CommandLineError:
    """The engine's error about a selection, said of ``--select`` (not ``step_selection=``)."""
    return CommandLineError(f"--select {query}: {SELECTION_PREAMBLE.sub('', str(exc))}")


def _check_selection(pipeline: PipelineDefinition, query: str) -> None:
    base = pipeline.parent_pipeline_def or pipeline
    argument = "op_selection" if pipeline.is_job else "solid_selection"
    try:
        node_selection(base, [query], argument)
    except DagsterInvalidSubsetError as exc:
        raise _selection_problem(query, exc) from None


def plan_run(args: argparse.Namespace, target: targets.Target) -> RunPlan:
    """The job, mode and run config that the options of ``opbook run`` amount to."""
    pipeline = targets.choose(target, args.job)
    preset = _preset(pipeline, args)
    mode = _mode(pipeline, preset.mode if preset else args.mode)
    if args.select:
        _check_selection(pipeline, args.select)
    files = runconfig.read_files(args.config)
    partition_config, partition_tags = _partition(pipeline, args)
    if partition_config is not None:
        base = partition_config
    elif preset is not None:
        base = dict(preset.run_config or {})
    else:  # as in Dagster: the job's default config applies when no config is given
        base = {} if files else dict(pipeline.default_run_config or {})
    config = deep_merge(base, files)
    if args.executor:
        pipeline, mode, config = runconfig.with_executor(pipeline, mode, config, args.executor)
    config = runconfig.with_default_storage(mode, config)
    selection = [args.select] if args.select else None
    if selection is None and preset is not None and preset.solid_selection:
        selection = list(preset.solid_selection)
    tags = {**(dict(preset.tags) if preset else {}), **partition_tags, TARGET_TAG: target.location}
    repository_name = targets.repository_of(target, pipeline)
    if repository_name is not None:  # run-status sensors of other repositories leave it out
        tags[REPOSITORY_TAG] = repository_name
    if getattr(args, "memoized", False):
        pipeline, tags = memoized_run(pipeline, tags)
    return RunPlan(pipeline, mode, config, selection, tags)


def _kept_in_memory(mode: ModeDefinition, config: dict[str, Any]) -> str | None:
    """What keeps a run's outputs in memory only, so that no later command can load them
    (``io_manager: mem_io_manager``, ``intermediate_storage: in_memory``), or None."""
    if mode.resource_defs.get("io_manager") is mem_io_manager:
        return "its io_manager is mem_io_manager"
    if "io_manager" not in mode.resource_defs:
        storage = config.get("intermediate_storage") or config.get("storage") or {}
        if isinstance(storage, dict) and "in_memory" in storage:
            return "its run config chose intermediate_storage: in_memory"
    return None


def _reexecution_hint(
    run_id: str, mode: ModeDefinition, config: dict[str, Any], args: argparse.Namespace
) -> str:
    """The command that re-executes a failed run from its failure, or why there is none."""
    in_memory = _kept_in_memory(mode, config)
    if in_memory is not None:
        return (
            f"This run cannot be re-executed from its failure: {in_memory}, so the outputs of "
            "its steps are gone; run it again once fixed"
        )
    instance = f" --instance {args.instance}" if args.instance else ""
    return f"Re-execute from the failure: opbook reexecute {run_id} --from-failure{instance}"


def _report(progress: output.Progress, run_id: str, success: bool, hint: str) -> int:
    print(output.step_table(progress))
    print(output.run_line(progress, run_id, success))
    if success:
        return 0
    for line in output.failure_details(progress.events):
        print(line, file=sys.stderr)
    print(hint, file=sys.stderr)
    return RUN_FAILED


def _validate(plan: RunPlan) -> None:
    """Check ``plan``'s run config as a run would (of the selected ops only, with a
    selection) and say so on stderr.

    Raises:
        DagsterInvalidConfigError: listing every problem with its path.
    """
    pipeline = plan.pipeline
    if plan.selection:
        base = pipeline.parent_pipeline_def or pipeline
        argument = "op_selection" if pipeline.is_job else "solid_selection"
        pipeline = base.get_pipeline_subset_def(node_selection(base, plan.selection, argument))
    validate_run_config(pipeline, plan.run_config, plan.mode.name)
    print(
        f"opbook: the run config above is valid for {pipeline.describe_target()}", file=sys.stderr
    )


def run(args: argparse.Namespace) -> int:
    """``opbook run TARGET``: run a job, show its progress and a summary of its steps."""
    target = targets.load(args.target)
    plan = plan_run(args, target)
    if args.show_config:
        safe = runconfig.masked(plan.pipeline, plan.mode, plan.run_config)
        print(runconfig.to_yaml(safe), end="")
        _validate(plan)
        return 0
    with open_instance(args.instance) as instance:
        progress = output.Progress(plan.pipeline, instance)
        try:
            with targets.working_in(target):
                result = execute_pipeline(
                    plan.pipeline,
                    plan.run_config,
                    mode=plan.mode.name,
                    tags=plan.tags,
                    solid_selection=plan.selection,
                    instance=instance,
                    raise_on_error=False,
                    progress=progress,
                )
        finally:
            progress.close()
    hint = _reexecution_hint(result.run_id, plan.mode, plan.run_config, args)
    return _report(progress, result.run_id, result.success, hint)


def find_run(instance: DagsterInstance, text: str) -> PipelineRun:
    """The run with id ``text``, or the one run whose id starts with it."""
    found = instance.get_run_by_id(text)
    if found is not None:
        return found
    matches = [r for r in instance.get_runs() if r.run_id.startswith(text)]
    if len(matches) == 1:
        return matches[0]
    where = instance.root_dir
    if not matches:
        raise CommandLineError(f"no run {text!r} in the instance at {where} (see `opbook runs`)")
    raise CommandLineError(
        f"{len(matches)} runs have an id starting with {text!r}; give more of it"
    )


def _reexecution_target(args: argparse.Namespace, parent: PipelineRun) -> targets.Target:
    location = args.target or parent.tags.get(TARGET_TAG)
    if not location:
        raise CommandLineError(
            f"run {parent.run_id} was not started by `opbook run`, so where its definitions are "
            f"is not recorded; give them: opbook reexecute {parent.run_id} TARGET [-j JOB]"
        )
    return targets.load(str(location))


def _reexecution_config(
    args: argparse.Namespace, parent: PipelineRun, pipeline: PipelineDefinition
) -> tuple[PipelineDefinition, dict[str, Any]]:
    """The job to re-execute and its run config: the parent's, or ``-c``'s; on the executor
    ``--executor`` names, else on the one the parent ran on (added again if the job does not
    offer it)."""
    if args.config:
        config = runconfig.read_files(args.config)
    elif runconfig.has_mask(parent.run_config):
        raise CommandLineError(
            f"run {parent.run_id} had secret config values, which are not recorded; give its "
            "run config again with -c FILE"
        )
    else:
        config = dict(parent.run_config)
    mode = pipeline.get_mode_definition(parent.mode)
    executor = args.executor or runconfig.added_executor(mode, config)
    if executor:
        pipeline, mode, config = runconfig.with_executor(pipeline, mode, config, executor)
    return pipeline, runconfig.with_default_storage(mode, config)


ENGINE_TERMS = (
    (re.compile(r"step_selection=\[('[^']*')\]"), r"--select \1"),
    (re.compile(r"\bPass step_selection\b"), "Give --select"),
)


def _in_command_line_terms(message: str) -> str:
    """An engine message about re-execution, with its keyword arguments as the options."""
    for pattern, replacement in ENGINE_TERMS:
        message = pattern.sub(replacement, message)
    return message


@contextmanager
def _said_of_select(query: str | None) -> Iterator[None]:
    """An unknown step in ``--select QUERY`` reported as a problem of that option, and the
    engine's other refusals to re-execute in the command line's terms."""
    try:
        yield
    except (DagsterExecutionStepNotFoundError, DagsterInvalidSubsetError) as exc:
        if query is None:
            raise
        raise _selection_problem(query, exc) from None
    except DagsterInvariantViolationError as exc:
        raise CommandLineError(_in_command_line_terms(str(exc))) from None


def reexecute(args: argparse.Namespace) -> int:
    """``opbook reexecute RUN_ID``: run a recorded run again, as a child of it."""
    with open_instance(args.instance) as instance:
        return _reexecute(args, instance)


def _reexecute(args: argparse.Namespace, instance: DagsterInstance) -> int:
    parent = find_run(instance, args.run_id)
    target = _reexecution_target(args, parent)
    pipeline = targets.choose(target, args.job or parent.pipeline_name)
    if pipeline.name != parent.pipeline_name:
        raise CommandLineError(
            f"run {parent.run_id} is a run of {parent.pipeline_name!r}, not of {pipeline.name!r}"
        )
    pipeline, config = _reexecution_config(args, parent, pipeline)
    progress = output.Progress(pipeline, instance)
    try:
        with targets.working_in(target), _said_of_select(args.select):
            result = reexecute_pipeline(
                pipeline,
                parent.run_id,
                run_config=config,
                step_selection=[args.select] if args.select else None,
                mode=parent.mode,
                tags={TARGET_TAG: target.location},
                instance=instance,
                raise_on_error=False,
                from_failure=args.from_failure,
                progress=progress,
            )
    finally:
        progress.close()
    mode = pipeline.get_mode_definition(parent.mode)
    hint = _reexecution_hint(result.run_id, mode, config, args)
    return _report(progress, result.run_id, result.success, hint)


def runs(args: argparse.Namespace) -> int:
    """``opbook runs``: the recorded runs, newest first."""
    filters = PipelineRunsFilter(pipeline_name=args.job) if args.job else None
    with open_instance(args.instance) as instance:
        if args.mark_failed:
            return _mark_failed(instance, args.mark_failed)
        with warnings.catch_warnings(record=True) as unreadable:
            warnings.simplefilter("always", UnreadableRunWarning)
            found = instance.get_runs(filters, limit=args.limit)
        if not found and args.job:
            _refuse_unknown_job(instance, args.job, instance_dir(args.instance))
    for warning in unreadable:
        print(f"opbook: warning: {warning.message}", file=sys.stderr)
    if not found:
        print(f"No runs recorded in {instance_dir(args.instance)}.")
        return 0
    print(output.runs_table(found))
    return 0


def _refuse_unknown_job(instance: DagsterInstance, name: str, where: str) -> None:
    """``runs -j NAME`` for a job no run was recorded for: say so, with the jobs there are."""
    known = sorted({run.pipeline_name for run in instance.get_runs()})
    others = f"jobs with runs: {', '.join(known)}" if known else "no runs are recorded there"
    raise CommandLineError(f"-j {name}: no such job among the runs recorded in {where}; {others}")


def _mark_failed(instance: DagsterInstance, run_id: str) -> int:
    run = find_run(instance, run_id)
    if run.is_finished:
        raise CommandLineError(
            f"run {run.run_id} has finished already ({run.status.value}); only an unfinished "
            "run can be marked as failed"
        )
    instance.mark_run_failed(run.run_id, "Marked as failed with `opbook runs --mark-failed`.")
    print(f"Run {run.run_id} marked as failed.")
    return 0


def _prune(value: Any) -> Any:
    """``value`` without empty mappings (an op with nothing to configure)."""
    if not isinstance(value, dict):
        return value
    pruned = {key: _prune(item) for key, item in value.items()}
    return {key: item for key, item in pruned.items() if item != {}}


def skeleton(pipeline: PipelineDefinition, mode: ModeDefinition, everything: bool) -> Any:
    """A run config to start from: the job's defaults, placeholders for what is required,
    secrets masked; the engine's sections and empty entries only with ``everything``."""
    mapping = getattr(pipeline, "config_mapping", None)
    if mapping is not None:  # the job takes the mapping's config, not its ops'
        value = scaffold(mapping.config_schema, everything) if mapping.config_schema else {}
    else:
        value = scaffold(run_config_schema(pipeline, mode), everything)
        value = deep_merge(value, pipeline.default_run_config or {})
    value = runconfig.masked(pipeline, mode, value)
    if everything:
        return _outliving_storage(mode, value)
    return _prune({key: item for key, item in value.items() if key not in ENGINE_SECTIONS})


def _outliving_storage(mode: ModeDefinition, value: dict[str, Any]) -> dict[str, Any]:
    """``value`` keeping output values on disk where the schema's default keeps them in memory,
    as ``opbook run`` does, so that a failed run of the skeleton can be re-executed."""
    if value.get("intermediate_storage") != {"in_memory": {}}:
        return value
    return {**value, **runconfig.with_default_storage(mode, {})}


def config_scaffold(args: argparse.Namespace) -> int:
    """``opbook config-scaffold TARGET``: print a YAML skeleton of a job's run config."""
    target = targets.load(args.target)
    pipeline = targets.choose(target, args.job)
    mode = _mode(pipeline, args.mode)
    value = skeleton(pipeline, mode, args.all)
    kind = pipeline.target_type
    print(f"# Run config for {kind} {pipeline.name}: fill it in, then")
    print(f"#   opbook run {args.target} -j {pipeline.name} -c THIS_FILE.yaml")
    print("# Required entries hold placeholders (0, '', false); secret values show as ***.")
    print(runconfig.to_yaml(value) if value else "{}", end="" if value else "\n")
    return 0


def export(args: argparse.Namespace) -> int:
    """``opbook export NOTEBOOK.ipynb -o MODULE.py``: write the notebook's definitions."""
    if not args.notebook.endswith(targets.NOTEBOOK_SUFFIX):
        raise CommandLineError(f"{args.notebook}: export reads a notebook (.ipynb)")
    target = targets.load_notebook(args.notebook)
    try:
        written = target.notebook.export(args.output)
    except OSError as exc:
        raise CommandLineError(
            f"could not write {args.output}: {describe_exception(exc)}"
        ) from None
    if written.error is not None:
        raise CommandLineError(f"wrote {args.output}, but it does not import: {written.error}")
    print(written.summary())
    return 0


def _start(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise CommandLineError(
            f"--from {text}: not a date or time (give one like 2021-05-01 or 2021-05-01T06:00)"
        ) from None


def ticks(args: argparse.Namespace) -> int:
    """``opbook ticks TARGET SCHEDULE``: the schedule's next ticks and the runs they request."""
    target = targets.load(args.target)
    schedule = targets.choose_schedule(target, args.schedule)
    found = schedule.preview_ticks(_start(args.start), args.n)
    zone = schedule.execution_timezone or "UTC"
    print(
        f"Schedule {schedule.name} ({schedule.cron_schedule}, {zone}) of {schedule.pipeline_name}:"
    )
    print(output.ticks_table(found))
    return 0


HANDLERS = {
    "run": run,
    "reexecute": reexecute,
    "runs": runs,
    "config-scaffold": config_scaffold,
    "export": export,
    "ticks": ticks,
}
