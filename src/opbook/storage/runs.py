"""Run records: what was run, with which (masked) config, and how it ended."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from opbook.storage.process import RunProcess, this_process


class PipelineRunStatus(Enum):
    QUEUED = "QUEUED"
    NOT_STARTED = "NOT_STARTED"
    MANAGED = "MANAGED"
    STARTING = "STARTING"
    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"


DagsterRunStatus = PipelineRunStatus
FINISHED_STATUSES = frozenset(
    {PipelineRunStatus.SUCCESS, PipelineRunStatus.FAILURE, PipelineRunStatus.CANCELED}
)


@dataclass(frozen=True)
class PipelineRun:
    """One run as the instance records it.

    ``run_config`` is stored with secrets masked and ``{env: NAME}`` kept as written.
    ``storage_name`` / ``storage_base_dir`` say where its output values live, so that a
    re-execution can find them.
    """

    run_id: str
    pipeline_name: str
    run_config: dict[str, Any] = field(default_factory=dict)
    mode: str = "default"
    tags: dict[str, Any] = field(default_factory=dict)
    status: PipelineRunStatus = PipelineRunStatus.NOT_STARTED
    solid_selection: list[str] | None = None
    solids_to_execute: frozenset[str] | None = None
    step_keys_to_execute: list[str] | None = None
    parent_run_id: str | None = None
    root_run_id: str | None = None
    storage_name: str = "in_memory"
    storage_base_dir: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    create_time: float = field(default_factory=time.time)
    # The process that drives the run, recorded when it starts (runs recorded before opbook
    # kept it have None here, as a class default, when unpickled).
    process: RunProcess | None = None

    @property
    def job_name(self) -> str:
        return self.pipeline_name

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def is_success(self) -> bool:
        return self.status == PipelineRunStatus.SUCCESS

    @property
    def is_failure(self) -> bool:
        return self.status == PipelineRunStatus.FAILURE

    def with_status(self, status: PipelineRunStatus) -> PipelineRun:
        now = time.time()
        changes: dict[str, Any] = {"status": status}
        if status == PipelineRunStatus.STARTED and self.start_time is None:
            changes["start_time"] = now
            changes["process"] = this_process()
        if status in FINISHED_STATUSES:
            changes["end_time"] = now
        # What ``replace(self, **changes)`` gives (the class has no __post_init__), without
        # its walk over the fields (done twice per run, it showed in the cost of a one-op run).
        changed = object.__new__(PipelineRun)
        changed.__dict__.update(self.__dict__)
        changed.__dict__.update(changes)
        return changed


DagsterRun = PipelineRun


@dataclass(frozen=True)
class PipelineRunsFilter:
    """Which runs ``DagsterInstance.get_runs`` returns: every given criterion must hold.

    ``pipeline_name`` (or ``job_name``) is matched exactly; ``statuses`` is any of them;
    ``tags`` must all be present with these values.
    """

    run_ids: tuple[str, ...] | list[str] | None = None
    pipeline_name: str | None = None
    statuses: tuple[PipelineRunStatus, ...] | list[PipelineRunStatus] | None = None
    tags: dict[str, Any] | None = None
    job_name: str | None = None

    def __post_init__(self) -> None:
        if self.job_name and not self.pipeline_name:
            object.__setattr__(self, "pipeline_name", self.job_name)
        statuses = [PipelineRunStatus(s) for s in self.statuses or ()]
        object.__setattr__(self, "statuses", tuple(statuses) or None)

    def matches(self, run: PipelineRun) -> bool:
        if self.run_ids and run.run_id not in self.run_ids:
            return False
        if self.pipeline_name and run.pipeline_name != self.pipeline_name:
            return False
        if self.statuses and run.status not in self.statuses:
            return False
        return all(run.tags.get(key) == value for key, value in (self.tags or {}).items())


RunsFilter = PipelineRunsFilter
