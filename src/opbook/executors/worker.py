"""Running steps of a run in another process: what a worker is sent, and what it does with it.

The driving process describes the run once (``RunPayload``): the job, by code pointer when it
is reconstructable and by value (cloudpickle) otherwise, so that jobs defined in a notebook or
a script's ``__main__`` run too; the resolved run config; the run record; a reference to the
instance; the value store; and where the outputs of steps outside a re-execution's selection
are.  A worker loads it once (``WorkerRun``) and then runs any number of its steps, each with
the resources that step needs, initialised before it and torn down after it.

Shared by the multiprocess and dask executors: both ship ``RunPayload.dumps()`` and call
``WorkerRun.execute_step`` in the worker, sending the events back in order.  The lines a step
logs (``context.log``, ``get_dagster_logger``) travel in the same stream, each before the
first event that follows it, as ``LogMessageEntry`` items: the driving process keeps them in
the run's record (``RunState.log_entries``), as it does for steps run in process.
"""

from __future__ import annotations

import os
import pickle
import sys
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from opbook.definitions.io_manager import manager_resource_keys
from opbook.definitions.job import PipelineDefinition
from opbook.definitions.metadata import EventMetadataEntry
from opbook.definitions.reconstructable import ReconstructablePipeline, pointer_for
from opbook.definitions.run_config import ResolvedRunConfig
from opbook.errors import DagsterSubprocessError, DagsterUnmetExecutorRequirementsError
from opbook.events import (
    DagsterEvent,
    DagsterEventType,
    EngineEventData,
    ErrorSource,
    SerializableErrorInfo,
    SolidHandle,
    StepFailureData,
)
from opbook.execution.log_manager import DagsterLogManager
from opbook.execution.output_storage import default_manager_in_memory, uses_io_managers
from opbook.execution.resources import ResourceInitFailed, ResourceScope
from opbook.execution.run_context import RunContext, RunState, build_loggers
from opbook.execution.step import run_step
from opbook.plan.dynamic import StepResolution, from_resolution, split_key
from opbook.plan.plan import ExecutionStep, build_plan
from opbook.storage.base import ValueStore
from opbook.storage.event_log import LogMessageEntry
from opbook.storage.filesystem import FilesystemValueStore
from opbook.storage.instance import DagsterInstance, InstanceRef
from opbook.storage.runs import PipelineRun

ET = DagsterEventType
# (store, run id) holding a step's outputs; store None means the run's own value store.
Source = tuple[ValueStore | None, str]
# What a worker reports while it runs a step: its events, and the lines it logged among them.
Report = DagsterEvent | LogMessageEntry


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker, chained as its ``__cause__``."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return f"\n\nTraceback in the worker process:\n{self.text}"


@dataclass
class RunPayload:
    """Everything a worker needs to run steps of one run (picklable with cloudpickle)."""

    pipeline: PipelineDefinition | ReconstructablePipeline
    mode_name: str
    resolved: ResolvedRunConfig
    run: PipelineRun
    instance_ref: InstanceRef
    step_keys_to_execute: tuple[str, ...] | None
    value_store: ValueStore | None  # None: built in the worker from the mode's storage
    sources: dict[str, Source] = field(default_factory=dict)
    raise_on_error: bool = False
    # a memoized run's output versions and the steps it does not run (``execution.memoization``)
    output_versions: dict[Any, str] = field(default_factory=dict)
    memoized_steps: tuple[str, ...] = ()

    @staticmethod
    def from_run_context(rc: RunContext, sources: dict[str, Source]) -> RunPayload:
        store = rc.value_store if isinstance(rc.value_store, FilesystemValueStore) else None
        return RunPayload(
            pointer_for(rc.pipeline) or rc.pipeline,
            rc.mode.name,
            rc.resolved,
            rc.run,
            rc.instance.get_ref(),
            rc.plan.step_keys_to_execute,
            store,
            sources,
            rc.raise_on_error,
            rc.output_versions,
            rc.memoized_steps,
        )

    def dumps(self) -> bytes:
        """The payload as bytes: a job that is not reconstructable travels by value, and so do
        the functions and classes of the module it was defined in."""
        import cloudpickle  # 50 ms to import: only when a run uses worker processes

        module = None
        if isinstance(self.pipeline, PipelineDefinition):
            module = sys.modules.get(getattr(self.pipeline, "__module__", "") or "")
            if module is not None and (
                module.__name__ in ("__main__", "__mp_main__")
                or module.__name__.startswith("opbook")
            ):
                module = None
        if module is not None:
            cloudpickle.register_pickle_by_value(module)
        try:
            return cloudpickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            if module is not None:
                cloudpickle.unregister_pickle_by_value(module)


@dataclass(frozen=True, eq=False)
class WorkerRunContext(RunContext):
    """A run context in a worker: outputs of steps outside the plan come from ``sources``."""

    sources: dict[str, Source] = field(default_factory=dict)

    def source_of(self, step_key: str) -> tuple[ValueStore, str]:
        found = self.sources.get(step_key)
        if found is None or self.runs_step(step_key):
            return super().source_of(step_key)
        store, run_id = found
        return (store if store is not None else self.value_store), run_id

    def run_id_of(self, step_key: str) -> str:
        found = self.sources.get(step_key)
        if found is None or self.runs_step(step_key):
            return super().run_id_of(step_key)
        return found[1]


_instances: dict[InstanceRef, DagsterInstance] = {}


def _instance(ref: InstanceRef, run: PipelineRun) -> DagsterInstance:
    instance = _instances.get(ref)
    if instance is None:
        instance = _instances[ref] = DagsterInstance.from_ref(ref)
    if instance.is_ephemeral and not instance.has_run(run.run_id):
        instance.add_run(run)  # an in-memory instance of the worker's own knows only this run
    return instance


class WorkerRun:
    """One run, loaded in a worker process from its payload."""

    def __init__(self, payload: RunPayload) -> None:
        self.payload = payload
        pipeline = payload.pipeline
        self.pipeline = (
            pipeline.get_definition() if isinstance(pipeline, ReconstructablePipeline) else pipeline
        )
        self.mode = self.pipeline.get_mode_definition(payload.mode_name)
        self.instance = _instance(payload.instance_ref, payload.run)
        self.plan = build_plan(self.pipeline, payload.resolved, payload.step_keys_to_execute)
        loggers = build_loggers(self.pipeline, self.mode, payload.resolved, payload.run.run_id)
        self.log = DagsterLogManager(
            payload.run.run_id, {"pipeline_name": self.pipeline.name}, loggers
        )

    @staticmethod
    def loads(data: bytes) -> WorkerRun:
        payload = pickle.loads(data)
        if not isinstance(payload, RunPayload):
            raise DagsterSubprocessError(f"A worker was sent {type(payload)}, not a run payload.")
        return WorkerRun(payload)

    def context(self) -> WorkerRunContext:
        """A fresh run context for one step: its own resources and step errors."""
        payload = self.payload
        resources: dict[str, Any] = {}
        store = payload.value_store or self.instance.value_store_for_run(
            self.pipeline, self.mode, payload.resolved, payload.run, resources
        )
        return WorkerRunContext(
            pipeline=self.pipeline,
            mode=self.mode,
            resolved=payload.resolved,
            instance=self.instance,
            plan=self.plan,
            state=RunState(payload.run, store, resources),
            run_id=payload.run.run_id,
            raise_on_error=payload.raise_on_error,
            log=self.log,
            sources=payload.sources,
            output_versions=payload.output_versions,
            memoized_steps=payload.memoized_steps,
        )

    def execute_step(
        self, step_key: str, attempt: int, resolution: StepResolution | None = None
    ) -> tuple[Iterator[Report], StepOutcome]:
        """The events of one attempt of a step (a step of the plan, or one the driving process
        resolved at run time, rebuilt from its ``resolution``) with the lines it logged among
        them, and what to re-raise when it fails."""
        outcome = StepOutcome()
        return self._reports(step_key, attempt, resolution, outcome), outcome

    def _reports(
        self,
        step_key: str,
        attempt: int,
        resolution: StepResolution | None,
        outcome: StepOutcome,
    ) -> Iterator[Report]:
        rc = self.context()  # in here: a failure to build it fails the step, as a report
        yield from with_log_lines(rc, self._events(rc, step_key, attempt, resolution, outcome))

    def _events(
        self,
        rc: WorkerRunContext,
        step_key: str,
        attempt: int,
        resolution: StepResolution | None,
        outcome: StepOutcome,
    ) -> Iterator[DagsterEvent]:
        if resolution is None:
            step = rc.plan.step_dict[step_key]
        else:
            step = from_resolution(rc.plan, resolution)
        name = rc.pipeline.name
        yield DagsterEvent.engine_event(
            name,
            f'Executing step "{step_key}" in subprocess (pid: {os.getpid()}).',
            EngineEventData(),
            step_key,
            step.handle,
        )
        scope = ResourceScope(rc, step_resource_keys(rc, step))
        try:
            yield from scope.initialize(step_key)
        except ResourceInitFailed as failed:
            outcome.record(failed.error)
            yield failure_event(name, step_key, failed.error, "its resources failed to initialize")
            return
        attempt_events = run_step(rc, step, attempt)
        try:
            yield from attempt_events
        finally:
            teardown = list(scope.teardown())
        yield from teardown
        if step_key in attempt_events.failures:
            outcome.record(attempt_events.failures[step_key])


def with_log_lines(rc: RunContext, events: Iterator[DagsterEvent]) -> Iterator[Report]:
    """``events``, each preceded by the lines logged since the one before it; the lines logged
    after the last event (by a hook, a resource's teardown) come last."""
    sent = 0
    for event in events:
        logged = rc.state.log_entries
        if len(logged) > sent:
            yield from logged[sent:]
            sent = len(logged)
        yield event
    yield from rc.state.log_entries[sent:]


def keep_log_lines(
    rc: RunContext, reports: Iterable[Report], shared: SharedParts | None = None
) -> Iterator[DagsterEvent]:
    """In the driving process: the events a worker reported (their repeated parts shared
    through ``shared``); the lines it logged go to the run's record."""
    for report in reports:
        if type(report) is LogMessageEntry:
            rc.state.log_entries.append(report)
        elif shared is not None:
            yield shared.slim(report)  # type: ignore[arg-type]
        else:
            yield report  # type: ignore[misc]


class SharedParts:
    """One copy, in the driving process, of what a run's events repeat.

    An event unpickled from a worker carries its own copy of its names, its step's handle and
    its logging tags (a dict of five strings); in process, events of a step share them.  A run
    keeps every event, so this is most of what an event costs there: ``slim`` makes an event
    from a worker point at the copies already held, as in process.
    """

    def __init__(self) -> None:
        self.parts: dict[Any, Any] = {}
        self.tags: dict[tuple[tuple[str, Any], ...], dict[str, Any]] = {}

    def slim(self, event: DagsterEvent) -> DagsterEvent:
        parts = self.parts
        event.event_type_value = parts.setdefault(event.event_type_value, event.event_type_value)
        event.pipeline_name = parts.setdefault(event.pipeline_name, event.pipeline_name)
        if event.step_key is not None:
            event.step_key = parts.setdefault(event.step_key, event.step_key)
        if event.solid_handle is not None:
            event.solid_handle = parts.setdefault(event.solid_handle, event.solid_handle)
        if event.step_kind_value is not None:
            event.step_kind_value = parts.setdefault(event.step_kind_value, event.step_kind_value)
        event.pid = parts.setdefault(event.pid, event.pid)
        tags = event.logging_tags
        if tags is not None:
            try:
                key = tuple(tags.items())
                event.logging_tags = self.tags.setdefault(key, tags)
            except TypeError:  # a tag value that cannot be hashed: keep the event's own
                pass
        return event


def step_resource_keys(rc: RunContext, step: ExecutionStep) -> set[str]:
    """The resources one step uses (its op's, its types', its hooks', the storage's), and the
    resources those need in turn."""
    mode = rc.mode
    keys = set(step.definition.all_required_resource_keys())
    for hook in step.hook_defs:
        keys |= hook.required_resource_keys
    for storage in mode.intermediate_storage_defs:
        if storage.name == rc.resolved.storage_name:
            keys |= storage.required_resource_keys
    keys |= manager_resource_keys(mode.resource_defs)
    keys &= mode.resource_defs.keys()
    pending = list(keys)
    while pending:
        for dep in mode.resource_defs[pending.pop()].required_resource_keys:
            if dep not in keys and dep in mode.resource_defs:
                keys.add(dep)
                pending.append(dep)
    return keys


def failure_event(
    pipeline_name: str, step_key: str, error: BaseException | SerializableErrorInfo, why: str
) -> DagsterEvent:
    """A STEP_FAILURE made outside the step's own error boundary (the worker around it)."""
    info = (
        error
        if isinstance(error, SerializableErrorInfo)
        else SerializableErrorInfo.from_exception(error)
    )
    return DagsterEvent.step(
        ET.STEP_FAILURE,
        pipeline_name,
        step_key,
        SolidHandle.from_string(split_key(step_key)[0]),
        f'Execution of step "{step_key}" failed: {why}.',
        StepFailureData(info, None, ErrorSource.FRAMEWORK_ERROR),
    )


class StepOutcome:
    """What a step raised, for ``raise_on_error`` in the driving process."""

    def __init__(self) -> None:
        self.error: BaseException | None = None

    def record(self, error: BaseException) -> None:
        self.error = error

    def dumps(self) -> tuple[bytes | None, SerializableErrorInfo | None]:
        """The exception pickled (None if it cannot be), and its description with the
        worker's traceback."""
        error = self.error
        if error is None:
            return None, None
        info = SerializableErrorInfo.from_exception(error)
        try:
            # Kept through pickling (unlike __traceback__): SerializableErrorInfo uses it.
            error.remote_traceback = "".join(traceback.format_tb(error.__traceback__))  # type: ignore[attr-defined]
        except AttributeError:
            pass
        return dumps_exception(error), info


def dumps_exception(error: BaseException) -> bytes | None:
    for dumps in (pickle.dumps, _cloudpickle_dumps):
        try:
            data = dumps(error)
            pickle.loads(data)  # an exception may pickle and still fail to unpickle
            return data
        except Exception:
            continue
    return None


def _cloudpickle_dumps(value: Any) -> bytes:
    import cloudpickle

    return cloudpickle.dumps(value)


def loads_exception(
    data: bytes | None, info: SerializableErrorInfo | None, step_key: str
) -> BaseException:
    """The step's exception in the driving process, or ``DagsterSubprocessError`` describing it
    when it cannot be rebuilt here."""
    if data is not None:
        try:
            error = pickle.loads(data)
        except Exception:
            error = None
        if isinstance(error, BaseException):
            if error.__cause__ is None and info is not None:
                error.__cause__ = RemoteTraceback(info.to_string())
            return error
    text = info.to_string() if info is not None else "(no details)"
    return DagsterSubprocessError(
        f'Step "{step_key}" failed in a worker process, and its exception could not be '
        f"rebuilt here:\n{text}",
        [info] if info is not None else [],
    )


def sources_outside_plan(rc: RunContext) -> dict[str, Source]:
    """Where workers find the outputs of steps outside the plan (a re-execution).  Values the
    parent runs kept in this process's memory are copied to the run's storage first."""
    sources: dict[str, Source] = {}
    for step in rc.plan.steps:
        for step_input in step.inputs:
            for handle in step_input.sources:
                key = handle.step_key
                if key in rc.plan.step_dict:
                    continue
                store, run_id = rc.source_of(key)
                if store is rc.value_store:
                    sources[key] = (None, run_id)
                elif isinstance(store, FilesystemValueStore):
                    sources[key] = (store, run_id)
                else:
                    if store.has_value(run_id, key, handle.output_name):
                        value = store.get_value(run_id, key, handle.output_name)
                        rc.value_store.set_value(run_id, key, handle.output_name, value)
                    sources[key] = (None, run_id)
    return sources


def share_storage(
    rc: RunContext, executor: str, workers: str, remote_note: str = ""
) -> Iterator[DagsterEvent]:
    """Make sure workers can read each other's outputs: switch in-memory storage to files
    under the instance's storage directory, and say so in an ENGINE_EVENT.  (Dagster refuses
    such a run instead; switching is what a notebook user wants.)"""
    if uses_io_managers(rc):
        yield from _share_io_manager_storage(rc, executor, workers, remote_note)
        return
    store = rc.value_store
    if store.name == "in_memory" and not store.is_persistent:
        directory = rc.instance.storage_directory
        rc.move_storage(
            replace(rc.run, storage_name="filesystem", storage_base_dir=None),
            FilesystemValueStore(directory),
        )
        yield DagsterEvent.engine_event(
            rc.pipeline.name,
            f"The {executor} executor needs storage that {workers} share: this run keeps its "
            f"outputs in the filesystem at {directory} instead of in memory.{remote_note}",
            EngineEventData([EventMetadataEntry.path(directory, "storage directory")]),
        )
    elif not store.is_persistent:
        raise DagsterUnmetExecutorRequirementsError(
            f"The {executor} executor needs storage that {workers} can all read, and intermediate "
            f'storage "{store.name}" is not persistent. Use filesystem storage '
            "(intermediate_storage: {filesystem: {}}) or the in_process executor."
        )


def _share_io_manager_storage(
    rc: RunContext, executor: str, workers: str, remote_note: str
) -> Iterator[DagsterEvent]:
    """A job's default IO manager pickles to the instance's storage directory, which the
    workers then open too; a run that asked for memory (the run record says ``in_memory``)
    is switched to those files, and an ENGINE_EVENT says so."""
    directory = rc.instance.storage_directory  # made now, so that workers share it
    if not default_manager_in_memory(rc):
        return
    rc.move_storage(replace(rc.run, storage_name="filesystem", storage_base_dir=None))
    yield DagsterEvent.engine_event(
        rc.pipeline.name,
        f"The {executor} executor needs storage that {workers} share: this run keeps its "
        f"outputs in the filesystem at {directory} (fs_io_manager) instead of in memory."
        f"{remote_note}",
        EngineEventData([EventMetadataEntry.path(directory, "storage directory")]),
    )
