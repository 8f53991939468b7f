"""The in-process executor: steps run one after another in the calling process."""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Iterator

from opbook.definitions.metadata import EventMetadataEntry
from opbook.events import DagsterEvent, EngineEventData
from opbook.execution.resources import ResourceScope
from opbook.execution.run_context import RunContext
from opbook.execution.step import format_duration, run_step
from opbook.executors.base import execute_plan
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

    def events(self) -> Iterator[DagsterEvent]:
        step, attempt = self.queue.popleft()
        return run_step(self.rc, step, attempt)

    def busy(self) -> bool:
        return bool(self.queue)


def _engine_data(rc: RunContext, marker_end: str | None = None) -> EngineEventData:
    entries = [EventMetadataEntry.text(str(os.getpid()), "pid")]
    if rc.plan.step_keys_to_execute is not None or rc.pipeline.solids_to_execute is not None:
        entries.append(EventMetadataEntry.text(str(rc.plan.step_keys), "step_keys"))
    return EngineEventData(entries, marker_end=marker_end)


def execute_in_process(rc: RunContext, resources: ResourceScope) -> Iterator[DagsterEvent]:
    """The executor's whole event stream: start, resources, steps, teardown, finish."""
    pid = os.getpid()
    name = rc.pipeline.name
    start = time.perf_counter()
    yield DagsterEvent.engine_event(
        name, f"Executing steps in process (pid: {pid})", _engine_data(rc)
    )
    try:
        yield from resources.initialize()
        yield from execute_plan(rc, InProcessSubmitter(rc))
    finally:
        teardown = list(resources.teardown())
    yield from teardown
    ms = (time.perf_counter() - start) * 1000
    marker = rc.resolved.executor_config.get("marker_to_close")
    yield DagsterEvent.engine_event(
        name,
        f"Finished steps in process (pid: {pid}) in {format_duration(ms)}",
        _engine_data(rc, marker),
    )
