"""The scheduling loop against a scripted submitter: orders of messages that real executors
produce only now and then, under load, made to happen every time."""

from __future__ import annotations

from collections.abc import Generator

from opbook import DagsterInstance, job, op
from opbook.api import _request, prepare_run
from opbook.events import DagsterEvent, DagsterEventType, StepFailureData
from opbook.execution.step import Relayed
from opbook.executors.base import execute_plan
from opbook.plan.plan import ExecutionStep


@op
def fails() -> None:
    raise ValueError("never run: the submitter is scripted")


@op
def succeeds() -> None:
    pass


@job
def two_branches():
    fails()
    succeeds()


class EndsArriveLate:
    """``fails`` reports its STEP_FAILURE in one round and the message that ends it (with the
    exception) only in the next; ``succeeds`` ends in the first round."""

    def __init__(self, rc) -> None:
        self.rc = rc
        self.submitted: dict[str, ExecutionStep] = {}
        self.rounds = 0

    def free_slots(self) -> int:
        return 2 - len(self.submitted)

    def submit(self, step: ExecutionStep, attempt: int) -> None:
        self.submitted[step.key] = step

    def events(self) -> Relayed:
        return Relayed(self._events())

    def _events(self) -> Generator[DagsterEvent, None, dict[str, BaseException]]:
        self.rounds += 1
        name = self.rc.pipeline.name
        if self.rounds == 1:
            step = self.submitted["fails"]
            yield DagsterEvent.step(
                DagsterEventType.STEP_FAILURE,
                name,
                step.key,
                step.handle,
                "failed",
                StepFailureData(None),
            )
            step = self.submitted.pop("succeeds")
            yield DagsterEvent.step(
                DagsterEventType.STEP_SUCCESS, name, step.key, step.handle, "ok"
            )
            return {}
        self.submitted.pop("fails")
        return {"fails": ValueError("the user's error")}

    def busy(self) -> bool:
        return bool(self.submitted)


def test_the_loop_waits_for_the_end_of_a_step_whose_last_event_came_first():
    request = _request(two_branches, None, None, None, None, None)
    rc = prepare_run(request, DagsterInstance.ephemeral(), raise_on_error=True)
    submitter = EndsArriveLate(rc)
    stream = execute_plan(rc, submitter)
    kinds = []
    while True:
        try:
            kinds.append(next(stream).event_type_value)
        except StopIteration as ended:
            failures = ended.value
            break
    assert kinds == ["STEP_FAILURE", "STEP_SUCCESS"]
    assert str(failures["fails"]) == "the user's error"  # what raise_on_error raises
    assert not submitter.busy()
