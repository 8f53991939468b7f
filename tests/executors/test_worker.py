"""What the driving process keeps of the events workers report."""

from __future__ import annotations

import pickle

from opbook import DagsterInstance, execute_pipeline, job, op, reconstructable
from opbook.events import DagsterEvent, DagsterEventType, SolidHandle
from opbook.executors.worker import SharedParts


def _reported(message: str) -> DagsterEvent:
    """An event as the driving process gets it from a worker: a copy of its own."""
    event = DagsterEvent.step(
        DagsterEventType.STEP_START,
        "the_job",
        "the_op",
        SolidHandle("the_op"),
        message,
        None,
    )
    event.logging_tags = {"run_id": "r1", "step_key": "the_op"}
    return pickle.loads(pickle.dumps(event))


def test_events_of_a_step_share_their_tags_and_handle() -> None:
    shared = SharedParts()
    first = shared.slim(_reported("one"))
    second = shared.slim(_reported("two"))
    assert second.logging_tags is first.logging_tags
    assert second.solid_handle is first.solid_handle
    assert second.step_key is first.step_key


def test_a_slimmed_event_says_what_it_said() -> None:
    reported = _reported("Started execution of step.")
    kept = SharedParts().slim(pickle.loads(pickle.dumps(reported)))
    assert (kept.event_type_value, kept.step_key, kept.message) == (
        "STEP_START",
        "the_op",
        "Started execution of step.",
    )
    assert kept.logging_tags == {"run_id": "r1", "step_key": "the_op"}
    assert kept.solid_handle == SolidHandle("the_op")


@op
def greet() -> str:
    return "hello"


@job
def greeting() -> None:
    greet()


def greeting_job():
    return greeting


def test_a_multiprocess_run_keeps_one_copy_of_each_steps_tags(tmp_path) -> None:
    result = execute_pipeline(
        reconstructable(greeting_job),
        run_config={"execution": {"config": {"multiprocess": {}}}},
        instance=DagsterInstance.local(str(tmp_path)),
    )
    assert result.success
    events = [e for e in result.event_list if e.step_key == "greet"]
    assert len(events) > 3
    assert len({id(e.logging_tags) for e in events if e.logging_tags}) == 1
