"""What every step of one run shares, split in two: the run's facts, fixed when the run is
prepared, and its state, which changes as the run goes.

``RunContext`` (frozen) holds the facts: the definitions, the resolved config, the plan, the
instance, the run's id, its log, whether ``raise_on_error`` was asked for and, for a memoized
run, the versions of its outputs and the steps it does not run (a memoized run's context is
a changed copy, ``dataclasses.replace``).  Everything that
changes during a run lives in the ``RunState`` it points to (``rc.state``): the run record
(its status, and its storage when an executor switches it to files), the value store, the
resource values once built, the lines steps logged, and caches of what the facts determine.
A step's failure is not kept here: ``run_step`` returns it, and the scheduling loop returns
it to the run's driver (``executors.base``).

A run context is built in the process that drives the run and, for the multiprocess and dask
executors, again in each worker from picklable parts (``executors.worker``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from opbook import config as cfg
from opbook.definitions.job import PipelineDefinition
from opbook.definitions.mode import ModeDefinition
from opbook.definitions.run_config import ResolvedRunConfig
from opbook.errors import DagsterInvariantViolationError
from opbook.events import DagsterEventType, StepOutputHandle
from opbook.execution.context import InitLoggerContext, Resources
from opbook.execution.log_manager import DagsterLogManager
from opbook.execution.output_storage import OutputStorage, output_storage_for
from opbook.plan.dynamic import planned_key
from opbook.plan.plan import ExecutionPlan, ExecutionStep
from opbook.storage.base import ValueStore
from opbook.storage.event_log import LogMessageEntry
from opbook.storage.instance import DagsterInstance
from opbook.storage.runs import PipelineRun


@dataclass(eq=False)
class RunState:
    """What changes while a run goes: set by the run's driver and its executor, read by steps."""

    # The run's record: its status changes as the run goes, and its storage when the
    # multiprocess or dask executor moves outputs to files that workers share.
    run: PipelineRun
    value_store: ValueStore
    # The run's resources once built (custom storage reads them, so the dict is shared).
    resource_values: dict[str, Any] = field(default_factory=dict)
    # The lines steps logged (``context.log``), in order, for the run's record.
    log_entries: list[LogMessageEntry] = field(default_factory=list)
    # Caches of what the facts and the state above determine.
    resources_cache: dict[frozenset[str], Resources] = field(default_factory=dict)
    tags_cache: dict[str, dict[str, str]] = field(default_factory=dict)
    storage: OutputStorage | None = None


@dataclass(frozen=True, eq=False)
class RunContext:
    """The facts of one run, and its state (``state``)."""

    pipeline: PipelineDefinition
    mode: ModeDefinition
    resolved: ResolvedRunConfig
    instance: DagsterInstance
    plan: ExecutionPlan
    state: RunState
    run_id: str
    raise_on_error: bool = False
    log: DagsterLogManager = field(default_factory=lambda: DagsterLogManager("", {}, []))
    # A memoized run (``execution.memoization``): the version of every output of the whole
    # plan, and the steps not run because their outputs are stored under those versions.
    output_versions: dict[StepOutputHandle, str] = field(default_factory=dict)
    memoized_steps: tuple[str, ...] = ()

    @property
    def run(self) -> PipelineRun:
        """The run's record as it is now (``state.run``)."""
        return self.state.run

    @property
    def value_store(self) -> ValueStore:
        """Where this run's values go (``state.value_store``)."""
        return self.state.value_store

    @property
    def resource_values(self) -> dict[str, Any]:
        return self.state.resource_values

    def record_log(self, level: int, message: str, step_key: str | None) -> None:
        """Keep a line a step logged (stored with the run's events when they are flushed)."""
        self.state.log_entries.append(
            LogMessageEntry(self.run_id, level, message, time.time(), step_key, self.pipeline.name)
        )

    @property
    def pipeline_name(self) -> str:
        return self.pipeline.name

    @property
    def retries_enabled(self) -> bool:
        retries = self.resolved.executor_config.get("retries") or {"enabled": {}}
        return "enabled" in retries

    def resources_for(self, keys: Iterable[str]) -> Resources:
        keys = frozenset(keys)
        cache = self.state.resources_cache
        cached = cache.get(keys)
        if cached is None:
            values = self.state.resource_values
            cached = cache[keys] = Resources({k: values[k] for k in keys if k in values})
        return cached

    def step_logging_tags(self, step: ExecutionStep) -> dict[str, str]:
        cache = self.state.tags_cache
        tags = cache.get(step.key)
        if tags is None:
            tags = cache[step.key] = {
                "run_id": self.run_id,
                "pipeline_name": self.pipeline.name,
                "step_key": step.key,
                "solid_name": step.node.name,
                "solid_definition": step.definition.name,
            }
        return tags

    @property
    def storage(self) -> OutputStorage:
        """Where this run's outputs go and come back from (``output_storage.py``)."""
        storage = self.state.storage
        if storage is None:
            storage = self.state.storage = output_storage_for(self)
        return storage

    def move_storage(self, run: PipelineRun, value_store: ValueStore | None = None) -> None:
        """The run's outputs go elsewhere from now on: its record says where (recorded in
        the instance), with ``value_store`` for intermediate storage; the output storage is
        chosen again."""
        state = self.state
        state.run = run
        if value_store is not None:
            state.value_store = value_store
        state.storage = None
        self.instance.run_storage.update_run(run)

    def source_of(self, step_key: str) -> tuple[ValueStore, str]:
        """The value store and run id holding the outputs of ``step_key``.

        Steps of this run write to its own store; steps outside a re-execution's selection
        were run by an ancestor run, found by walking up the parent runs.
        """
        if self.runs_step(step_key) or step_key in self.memoized_steps:
            return self.state.value_store, self.run_id
        parent = self._ancestor_that_ran(step_key)
        return self.instance.value_store(
            parent.storage_name, parent.storage_base_dir
        ), parent.run_id

    def run_id_of(self, step_key: str) -> str:
        """The id of the run that computed the outputs of ``step_key``: this run, or the
        ancestor of a re-execution that ran it."""
        if self.runs_step(step_key) or step_key in self.memoized_steps:
            return self.run_id
        return self._ancestor_that_ran(step_key).run_id

    def runs_step(self, step_key: str) -> bool:
        """Whether this run runs ``step_key``: a step of its plan, or a step ``op[k]``
        resolved from its plan's placeholder ``op[?]``."""
        step_dict = self.plan.step_dict
        return step_key in step_dict or (
            step_key.endswith("]") and planned_key(step_key) in step_dict
        )

    def _ancestor_that_ran(self, step_key: str) -> PipelineRun:
        run: PipelineRun | None = self.state.run
        while run is not None and run.parent_run_id is not None:
            parent = self.instance.get_run_by_id(run.parent_run_id)
            if parent is None:
                break
            keys = parent.step_keys_to_execute
            if keys is None or step_key in keys or planned_key(step_key) in keys:
                return parent
            run = parent
        raise DagsterInvariantViolationError(
            f'No run of this run\'s ancestry executed step "{step_key}", so its outputs cannot be loaded. '
            "Re-execute with that step selected."
        )


def mapping_keys_of_ancestor(rc: RunContext, step_key: str, output_name: str) -> list[str]:
    """The mapping keys a dynamic output yielded in the ancestor run that ran its step (for a
    re-execution that does not run it), in order."""
    run_id = rc.run_id_of(step_key)
    keys = []
    for event in rc.instance.get_events(run_id):
        if event.event_type_value == DagsterEventType.STEP_OUTPUT and event.step_key == step_key:
            handle = event.event_specific_data.step_output_handle
            if handle.output_name == output_name and handle.mapping_key is not None:
                keys.append(handle.mapping_key)
    return keys


def build_loggers(
    pipeline: PipelineDefinition, mode: ModeDefinition, resolved: ResolvedRunConfig, run_id: str
) -> list[logging.Logger]:
    """Instantiate the run's loggers: those named in run config, else all of the mode's."""
    chosen = resolved.loggers or {name: None for name in mode.loggers}
    loggers = []
    for name, config in chosen.items():
        definition = mode.loggers[name]
        if config is None and definition.config_field is not None:
            config = cfg.validate(definition.config_field, {}).value
        loggers.append(
            definition.logger_fn(InitLoggerContext(config, definition, pipeline, run_id))
        )
    return loggers
