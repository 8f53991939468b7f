"""What every step of one run shares: definitions, resolved config, the run record, the
instance, the value store, resources and the log.

A run context is built in the process that drives the run and, for the multiprocess and dask
executors, again in each worker from picklable parts (``RunContext.for_worker``).
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
class RunContext:
    pipeline: PipelineDefinition
    mode: ModeDefinition
    resolved: ResolvedRunConfig
    run: PipelineRun
    instance: DagsterInstance
    plan: ExecutionPlan
    value_store: ValueStore
    raise_on_error: bool = False
    log: DagsterLogManager = field(default_factory=lambda: DagsterLogManager("", {}, []))
    resource_values: dict[str, Any] = field(default_factory=dict)
    # In-process only: the exception each failed step raised, for raise_on_error.
    step_errors: dict[str, BaseException] = field(default_factory=dict)
    # The lines steps logged (``context.log``), in order, for the run's record.
    log_entries: list[LogMessageEntry] = field(default_factory=list)
    _resources_cache: dict[frozenset[str], Resources] = field(default_factory=dict)
    _tags_cache: dict[str, dict[str, str]] = field(default_factory=dict)
    _storage: OutputStorage | None = None
    # A memoized run (``execution.memoization``): the version of every output of the whole
    # plan, and the steps not run because their outputs are stored under those versions.
    output_versions: dict[StepOutputHandle, str] = field(default_factory=dict)
    memoized_steps: tuple[str, ...] = ()

    @property
    def run_id(self) -> str:
        return self.run.run_id

    def record_log(self, level: int, message: str, step_key: str | None) -> None:
        """Keep a line a step logged (stored with the run's events when they are flushed)."""
        self.log_entries.append(
            LogMessageEntry(
                self.run.run_id, level, message, time.time(), step_key, self.pipeline.name
            )
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
        cached = self._resources_cache.get(keys)
        if cached is None:
            cached = Resources(
                {k: self.resource_values[k] for k in keys if k in self.resource_values}
            )
            self._resources_cache[keys] = cached
        return cached

    def step_logging_tags(self, step: ExecutionStep) -> dict[str, str]:
        tags = self._tags_cache.get(step.key)
        if tags is None:
            tags = {
                "run_id": self.run.run_id,
                "pipeline_name": self.pipeline.name,
                "step_key": step.key,
                "solid_name": step.node.name,
                "solid_definition": step.definition.name,
            }
            self._tags_cache[step.key] = tags
        return tags

    @property
    def storage(self) -> OutputStorage:
        """Where this run's outputs go and come back from (``output_storage.py``)."""
        storage = self._storage
        if storage is None:
            storage = self._storage = output_storage_for(self)
        return storage

    def reset_storage(self) -> None:
        """Choose the output storage again (after the run record's storage changed)."""
        self._storage = None

    def source_of(self, step_key: str) -> tuple[ValueStore, str]:
        """The value store and run id holding the outputs of ``step_key``.

        Steps of this run write to its own store; steps outside a re-execution's selection
        were run by an ancestor run, found by walking up the parent runs.
        """
        if self.runs_step(step_key) or step_key in self.memoized_steps:
            return self.value_store, self.run.run_id
        parent = self._ancestor_that_ran(step_key)
        return self.instance.value_store(
            parent.storage_name, parent.storage_base_dir
        ), parent.run_id

    def run_id_of(self, step_key: str) -> str:
        """The id of the run that computed the outputs of ``step_key``: this run, or the
        ancestor of a re-execution that ran it."""
        if self.runs_step(step_key) or step_key in self.memoized_steps:
            return self.run.run_id
        return self._ancestor_that_ran(step_key).run_id

    def runs_step(self, step_key: str) -> bool:
        """Whether this run runs ``step_key``: a step of its plan, or a step ``op[k]``
        resolved from its plan's placeholder ``op[?]``."""
        step_dict = self.plan.step_dict
        return step_key in step_dict or (
            step_key.endswith("]") and planned_key(step_key) in step_dict
        )

    def _ancestor_that_ran(self, step_key: str) -> PipelineRun:
        run: PipelineRun | None = self.run
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
