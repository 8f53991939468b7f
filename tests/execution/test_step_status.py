"""The status of each step, folded from a run's events: one fold and one vocabulary."""

from __future__ import annotations

from opbook import (
    DagsterInstance,
    Out,
    RetryRequested,
    execute_pipeline,
    job,
    op,
    reexecute_pipeline,
)
from opbook.events import MEMOIZED_STEP_MARKER, DagsterEvent, EngineEventData
from opbook.execution.step_status import FINISHED, StepStates, StepStatus, step_statuses


@op
def load() -> int:
    return 1


@op
def fail(x: int) -> int:
    raise ValueError(f"cannot take {x}")


@op(out=Out(int, is_required=False))
def maybe():
    yield from ()  # the optional output is not produced


@op
def after(x: int) -> int:
    return x


@job
def mixed():
    fail(load())
    after(maybe())


def test_statuses_are_their_words() -> None:
    assert [s.value for s in StepStatus] == [
        "pending",
        "running",
        "retrying",
        "succeeded",
        "failed",
        "skipped",
        "reused",
    ]
    assert StepStatus.FAILED == "failed" and hash(StepStatus.FAILED) == hash("failed")
    assert str(StepStatus.FAILED) == f"{StepStatus.FAILED}" == "failed"
    assert {
        StepStatus.SUCCEEDED,
        StepStatus.FAILED,
        StepStatus.SKIPPED,
        StepStatus.REUSED,
    } == FINISHED


def test_a_run_folds_to_each_steps_final_status() -> None:
    result = mixed.execute_in_process(raise_on_error=False)
    assert step_statuses(result.all_events) == {
        "load": StepStatus.SUCCEEDED,
        "fail": StepStatus.FAILED,
        "maybe": StepStatus.SUCCEEDED,
        "after": StepStatus.SKIPPED,
    }


def test_the_fold_goes_one_event_at_a_time() -> None:
    result = mixed.execute_in_process(raise_on_error=False)
    states = StepStates()
    assert states.status("fail") is StepStatus.PENDING  # no events yet
    seen = []
    for event in result.all_events:
        changed = states.update(event)
        if changed is not None and changed.step_key == "fail":
            seen.append(changed.status)
    assert seen[0] is StepStatus.RUNNING and seen[-1] is StepStatus.FAILED
    assert states["fail"].error == "ValueError: cannot take 1"


def test_a_step_up_for_retry_is_retrying_until_its_next_attempt() -> None:
    tries = []

    @op
    def flaky() -> int:
        tries.append(1)
        if len(tries) < 2:
            raise RetryRequested(max_retries=1)
        return 1

    @job
    def retried():
        flaky()

    states = StepStates()
    seen = []
    for event in retried.execute_in_process().all_events:
        if states.update(event) is not None and states["flaky"].status not in seen:
            seen.append(states["flaky"].status)
    assert seen == [StepStatus.RUNNING, StepStatus.RETRYING, StepStatus.SUCCEEDED]
    assert states["flaky"].attempts == 2
    assert states["flaky"].row()["status"] == "succeeded"
    assert type(states["flaky"].row()["status"]) is str


def test_a_step_a_reexecution_loads_from_its_parent_run_is_reused() -> None:
    @op
    def first() -> int:
        return 1

    @op
    def second(x: int) -> int:
        return x + 1

    @op
    def unused() -> int:
        return 0

    @job
    def chain():
        second(first())
        unused()

    instance = DagsterInstance.ephemeral()
    parent = execute_pipeline(chain, instance=instance)
    child = reexecute_pipeline(chain, parent.run_id, step_selection=["second"], instance=instance)
    assert step_statuses(child.event_list) == {
        "second": StepStatus.SUCCEEDED,
        "first": StepStatus.REUSED,
    }
    assert step_statuses(parent.event_list)["first"] is StepStatus.SUCCEEDED


def test_a_memoized_step_is_reused() -> None:
    event = DagsterEvent.engine_event(
        "job", "not run", EngineEventData(marker_start=MEMOIZED_STEP_MARKER), step_key="a"
    )
    assert step_statuses([event]) == {"a": StepStatus.REUSED}
