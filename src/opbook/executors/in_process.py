"""The in-process executor: steps run one after another in the calling process."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Generator, Iterator

from opbook.definitions.metadata import EventMetadataEntry
from opbook.events import DagsterEvent, EngineEventData
from opbook.execution.resources import ResourceScope
from opbook.execution.run_context import RunContext
from opbook.execution.step import StepEvents, format_duration, run_step
from opbook.executors.base import StepSubmitter
from opbook.executors.run import execute_steps
from opbook.plan.plan import ExecutionStep


class InProcessSubmitter:
    """Runs each submitted step when its events are asked for."""

    def __init__(self, rc: RunContext) -> None:
        self.rc = rc
        self.queue: deque[tuple[ExecutionStep, int]] = deque()

    def free_slots(self) -> int:
        # One step at a time: the loop hands over a step, we run it, then it hands the next.
        return 0 if self.queue else 1

    def submit(self, step: ExecutionStep, attempt: int) -> None:
        self.queue.append((step, attempt))

    def events(self) -> StepEvents:
        step, attempt = self.queue.popleft()
        return run_step(self.rc, step, attempt)

    def busy(self) -> bool:
        return bool(self.queue)


# This process's pid as a metadata entry (a frozen value), made again only after a fork.
_pid_entry: tuple[int, EventMetadataEntry] = (-1, EventMetadataEntry.text("", "pid"))


def _engine_data(rc: RunContext, pid: int, marker_end: str | None = None) -> EngineEventData:
    global _pid_entry
    if _pid_entry[0] != pid:
        _pid_entry = (pid, EventMetadataEntry.text(str(pid), "pid"))
    entries = [_pid_entry[1]]
    if rc.plan.step_keys_to_execute is not None or rc.pipeline.solids_to_execute is not None:
        entries.append(EventMetadataEntry.text(str(rc.plan.step_keys), "step_keys"))
    return EngineEventData(entries, marker_end=marker_end)


class InProcessExecutor:
    """Resources are built here, for the whole run; the interrupted step reports itself."""

    def __init__(self) -> None:
        self.resources: ResourceScope | None = None
        self.pid = os.getpid()

    def start_event(self, rc: RunContext) -> DagsterEvent:
        return DagsterEvent.engine_event(
            rc.pipeline.name,
            f"Executing steps in process (pid: {self.pid})",
            _engine_data(rc, self.pid),
        )

    def open(
        self, rc: RunContext, resources: ResourceScope
    ) -> Generator[DagsterEvent, None, StepSubmitter]:
        self.resources = resources
        yield from resources.initialize()
        return InProcessSubmitter(rc)

    def running(self) -> list[str]:
        return []

    def close(self, error: BaseException | None) -> Iterator[DagsterEvent]:
        return self.resources.teardown() if self.resources is not None else iter(())

    def end_event(self, rc: RunContext, ms: float) -> DagsterEvent:
        marker = rc.resolved.executor_config.get("marker_to_close")
        return DagsterEvent.engine_event(
            rc.pipeline.name,
            f"Finished steps in process (pid: {self.pid}) in {format_duration(ms)}",
            _engine_data(rc, self.pid, marker),
        )


def execute_in_process(rc: RunContext, resources: ResourceScope) -> StepEvents:
    """The executor's whole event stream: start, resources, steps, teardown, finish."""
    return execute_steps(InProcessExecutor(), rc, resources)
