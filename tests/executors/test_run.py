"""The frame every built-in executor shares (``execute_steps``), with a scripted executor."""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

from opbook import DagsterInstance, job, op
from opbook.api import _request, prepare_run
from opbook.events import DagsterEvent
from opbook.execution.resources import ResourceScope
from opbook.execution.step import Relayed
from opbook.executors.base import StepSubmitter
from opbook.executors.run import execute_steps
from opbook.plan.plan import ExecutionStep


@op
def only() -> None:
    pass


@job
def one_step():
    only()


class Interrupting:
    """A submitter whose step is interrupted while it runs elsewhere."""

    def free_slots(self) -> int:
        return 1

    def submit(self, step: ExecutionStep, attempt: int) -> None:
        pass

    def events(self) -> Relayed:
        return Relayed(self._events())

    def _events(self) -> Generator[DagsterEvent, None, None]:
        raise KeyboardInterrupt
        yield

    def busy(self) -> bool:
        return False


class Scripted:
    def __init__(self) -> None:
        self.closed_with: list[BaseException | None] = []

    def start_event(self, rc) -> DagsterEvent:
        return DagsterEvent.engine_event(rc.pipeline.name, "start")

    def open(self, rc, resources) -> Generator[DagsterEvent, None, StepSubmitter]:
        yield DagsterEvent.engine_event(rc.pipeline.name, "opened")
        return Interrupting()

    def running(self) -> list[str]:
        return ["only"]

    def close(self, error: BaseException | None) -> Iterator[DagsterEvent]:
        self.closed_with.append(error)
        return iter(())

    def end_event(self, rc, ms: float) -> DagsterEvent:
        return DagsterEvent.engine_event(rc.pipeline.name, "end")


def test_an_interrupt_fails_the_running_steps_and_closes_the_executor() -> None:
    request = _request(one_step, None, None, None, None, None)
    rc = prepare_run(request, DagsterInstance.ephemeral(), raise_on_error=True)
    executor = Scripted()
    seen: list[DagsterEvent] = []
    with pytest.raises(KeyboardInterrupt):
        for event in execute_steps(executor, rc, ResourceScope(rc)):
            seen.append(event)
    assert [e.message for e in seen[:2]] == ["start", "opened"]
    assert seen[-1].event_type_value == "STEP_FAILURE" and seen[-1].step_key == "only"
    assert "the run was interrupted" in seen[-1].message
    assert len(executor.closed_with) == 1
    assert isinstance(executor.closed_with[0], KeyboardInterrupt)
