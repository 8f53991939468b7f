"""The in-process executor and the scheduling loop it shares: engine events, step order
(dependencies, ``dagster/priority``, retries behind the steps already ready), retry waits,
abandoning and skipping, stopping after a failure under raise_on_error, and run records."""

from __future__ import annotations

import os
import time

import pytest

from opbook import (
    DagsterInstance,
    In,
    Out,
    Output,
    PipelineRunStatus,
    RetryRequested,
    execute_pipeline,
    execute_pipeline_iterator,
    in_process_executor,
    job,
    multiprocess_executor,
    op,
)
from opbook.events import SolidHandle


def started(result: object) -> list[str]:
    return [e.step_key for e in result.all_events if e.is_step_start or e.is_step_restarted]


@op
def one() -> int:
    return 1


@op
def add_one(x: int) -> int:
    return x + 1


def test_engine_events_carry_the_pid_and_the_marker() -> None:
    @job
    def tiny():
        one()

    result = tiny.execute_in_process(
        run_config={"execution": {"config": {"in_process": {"marker_to_close": "m"}}}}
    )
    engine = [e for e in result.all_events if e.is_engine_event]
    assert engine[0].message == f"Executing steps in process (pid: {os.getpid()})"
    assert engine[-1].message.startswith(f"Finished steps in process (pid: {os.getpid()}) in ")
    pids = [entry.entry_data.text for entry in engine[0].engine_event_data.metadata_entries]
    assert pids == [str(os.getpid())]
    assert engine[-1].engine_event_data.marker_end == "m"
    piped = execute_pipeline(
        tiny, {"execution": {"in_process": {"config": {"marker_to_close": "m"}}}}
    )
    assert [e for e in piped.event_list if e.is_engine_event][
        -1
    ].engine_event_data.marker_end == "m"


def test_engine_event_lists_step_keys_of_a_subset() -> None:
    @job
    def two():
        one()
        one.alias("other")()

    result = two.execute_in_process(op_selection=["other"])
    entries = {
        e.label: e.entry_data.text for e in result.all_events[1].engine_event_data.metadata_entries
    }
    assert entries["step_keys"] == "['other']"


def test_priority_tag_orders_ready_steps() -> None:
    @job
    def prioritised():
        one.alias("low")()
        one.alias("high").tag({"dagster/priority": "3"})()
        one.alias("middle").tag({"dagster/priority": "1"})()

    assert started(prioritised.execute_in_process()) == ["high", "middle", "low"]


def test_ties_run_in_plan_order_and_released_steps_queue_behind() -> None:
    @job
    def diamond():
        x = one()
        add_one.alias("a2")(add_one.alias("a1")(x))
        add_one.alias("b1")(x)

    assert started(diamond.execute_in_process()) == ["one", "a1", "b1", "a2"]


def test_a_retried_step_runs_after_the_steps_already_ready() -> None:
    @op
    def flaky(context) -> int:
        if context.retry_number == 0:
            raise RetryRequested(max_retries=1)
        return 1

    @job
    def retry_order():
        flaky()
        one()

    assert started(retry_order.execute_in_process()) == ["flaky", "one", "flaky"]


def test_retry_waits_before_restarting() -> None:
    @op
    def waits(context) -> float:
        if context.retry_number == 0:
            raise RetryRequested(max_retries=1, seconds_to_wait=0.2)
        return time.monotonic()

    @job
    def waiting():
        waits()

    before = time.monotonic()
    result = waiting.execute_in_process()
    assert result.output_for_node("waits") - before >= 0.2


def test_raise_on_error_stops_scheduling_after_the_first_failure() -> None:
    @op
    def fails() -> int:
        raise ValueError("stop")

    @job
    def stops():
        fails()
        one()

    instance = DagsterInstance.ephemeral()
    with pytest.raises(ValueError):
        stops.execute_in_process(instance=instance)
    (run,) = instance.get_runs()
    assert started_events(instance, run.run_id) == ["fails"]
    assert stops.execute_in_process(raise_on_error=False).output_for_node("one") == 1


def started_events(instance: DagsterInstance, run_id: str) -> list[str | None]:
    return [e.step_key for e in instance.all_logs(run_id) if e.is_step_start]


def test_skips_propagate_and_failures_abandon() -> None:
    @op(out={"maybe": Out(is_required=False)})
    def nothing_out():
        yield from ()

    @op
    def fails(x: int) -> int:
        raise ValueError("x")

    @job
    def mixed():
        add_one.alias("skip2")(add_one.alias("skip1")(nothing_out()))
        add_one.alias("gone2")(add_one.alias("gone1")(fails(one())))

    result = mixed.execute_in_process(raise_on_error=False)
    skipped = [e.step_key for e in result.all_events if e.is_step_skipped]
    assert skipped == ["skip1", "skip2"]
    assert not ({"gone1", "gone2"} & {e.step_key for e in result.all_events})


def test_a_branch_unrelated_to_a_failure_still_runs_to_success() -> None:
    @op
    def boom() -> int:
        raise ValueError("boom")

    @job
    def split():
        boom()
        add_one.alias("b")(one.alias("a")())

    result = split.execute_in_process(raise_on_error=False)
    succeeded = [e.step_key for e in result.all_events if e.is_step_success]
    assert succeeded == ["a", "b"]
    assert [e.step_key for e in result.all_events if e.is_step_failure] == ["boom"]
    assert result.output_for_node("b") == 2


def test_execute_in_process_runs_in_process_whatever_the_job_executor() -> None:
    @job(executor_def=multiprocess_executor)
    def declared_multiprocess():
        add_one(one())

    result = declared_multiprocess.execute_in_process()
    assert result.output_for_node("add_one") == 2
    assert result.all_events[1].message.startswith("Executing steps in process")


def test_single_in_process_executor_job() -> None:
    @job(executor_def=in_process_executor)
    def single():
        one()

    assert execute_pipeline(single).success


def test_runs_are_recorded_in_the_instance() -> None:
    @job
    def recorded():
        add_one(one())

    instance = DagsterInstance.ephemeral()
    result = recorded.execute_in_process(instance=instance)
    run = instance.get_run_by_id(result.run_id)
    assert run is not None
    assert run.status == PipelineRunStatus.SUCCESS
    assert run.pipeline_name == "recorded"
    stored = instance.all_logs(result.run_id)
    assert [e.event_type_value for e in stored] == [e.event_type_value for e in result.all_events]


def test_iterator_runs_steps_lazily_and_records_the_run() -> None:
    calls: list[str] = []

    @op
    def track() -> int:
        calls.append("ran")
        return 1

    @job
    def lazy():
        track()

    instance = DagsterInstance.ephemeral()
    iterator = execute_pipeline_iterator(lazy, instance=instance)
    assert calls == []
    first = next(iterator)
    assert first.event_type_value == "PIPELINE_START"
    assert calls == []
    rest = list(iterator)
    assert calls == ["ran"]
    assert rest[-1].event_type_value == "PIPELINE_SUCCESS"
    (run,) = instance.get_runs()
    assert run.status == PipelineRunStatus.SUCCESS


def test_many_steps_run_in_order() -> None:
    @job
    def long_chain():
        value = one()
        for _ in range(200):
            value = add_one(value)

    result = long_chain.execute_in_process()
    assert result.output_for_node("add_one_200") == 201
    assert started(result)[:3] == ["one", "add_one", "add_one_2"]


def test_yielded_outputs_are_handled_as_they_come() -> None:
    @op(out={"a": Out(), "b": Out()})
    def two_outputs():
        yield Output(1, "a")
        yield Output(2, "b")

    @job
    def streaming():
        a, b = two_outputs()
        add_one.alias("from_a")(a)
        add_one.alias("from_b")(b)

    kinds = [(e.event_type_value, e.step_key) for e in streaming.execute_in_process().all_events]
    outputs = [k for k in kinds if k[1] == "two_outputs"]
    assert [k for k, _ in outputs] == [
        "STEP_START",
        "STEP_OUTPUT",
        "HANDLED_OUTPUT",
        "STEP_OUTPUT",
        "HANDLED_OUTPUT",
        "STEP_SUCCESS",
    ]


def test_garbage_collection_is_eased_while_steps_run_and_restored_after() -> None:
    import gc

    seen: dict[str, object] = {}

    @op
    def look() -> None:
        seen["threshold"] = gc.get_threshold()[0]
        seen["frozen"] = gc.get_freeze_count()

    @job
    def looking():
        look()

    before = gc.get_threshold()
    looking.execute_in_process()
    assert seen["threshold"] == max(before[0], 10_000)
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 0  # what lived before is set aside
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_a_threshold_set_by_user_code_during_a_run_is_left_as_set() -> None:
    import gc

    @op
    def tune() -> None:
        gc.set_threshold(1234)

    @job
    def tuning():
        tune()

    before = gc.get_threshold()
    try:
        tuning.execute_in_process()
        assert gc.get_threshold()[0] == 1234
    finally:
        gc.set_threshold(*before)


def test_objects_the_host_froze_stay_frozen_after_a_run() -> None:
    import gc

    @op
    def nested() -> int:
        return inner.execute_in_process().output_for_node("one")

    @job
    def inner():
        one()

    @job
    def outer():
        nested()

    gc.freeze()  # a pre-fork server sets its objects aside before it forks
    try:
        frozen = gc.get_freeze_count()
        assert outer.execute_in_process().output_for_node("nested") == 1
        # Still frozen (less any frozen object freed meanwhile), not released to the collector.
        assert gc.get_freeze_count() > frozen // 2 > 0
    finally:
        gc.unfreeze()


def test_a_run_inside_a_run_leaves_the_outer_runs_objects_set_aside() -> None:
    import gc

    seen: list[int] = []

    @op
    def nested() -> None:
        inner.execute_in_process()
        seen.append(gc.get_freeze_count())

    @job
    def inner():
        one()

    @job
    def outer():
        nested()

    outer.execute_in_process()
    assert seen[0] > 0 and gc.get_freeze_count() == 0


def test_raise_on_error_ends_the_run_with_steps_left_waiting_on_unstarted_ones() -> None:
    @op
    def fails() -> int:
        raise ValueError("stop")

    @job
    def stops():
        fails()
        add_one(one())

    instance = DagsterInstance.ephemeral()
    with pytest.raises(ValueError, match="stop"):
        stops.execute_in_process(instance=instance)
    (run,) = instance.get_runs()
    assert started_events(instance, run.run_id) == ["fails"]


def test_the_loop_sleeps_until_a_waiting_retry_is_due(monkeypatch) -> None:
    from opbook.executors import base

    real_sleep = time.sleep
    slept: list[float] = []

    def recording_sleep(seconds: float) -> None:
        slept.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(base.time, "sleep", recording_sleep)

    @op
    def waits(context) -> int:
        if context.retry_number == 0:
            raise RetryRequested(max_retries=1, seconds_to_wait=0.2)
        return 1

    @job
    def waiting():
        waits()

    assert waiting.execute_in_process().success
    assert slept and all(0 < seconds <= 0.2 for seconds in slept)


@op(out={"maybe": Out(int, is_required=False)})
def not_produced():
    yield from ()


@op(out={"maybe": Out(int, is_required=False)})
def produced():
    yield Output(2, "maybe")


@op
def total(xs: list) -> int:
    return sum(xs)


def test_a_fan_in_of_optional_outputs_none_produced_is_skipped() -> None:
    @job
    def none_produced():
        total([not_produced.alias("a")(), not_produced.alias("b")()])

    result = none_produced.execute_in_process()
    assert [e.step_key for e in result.all_events if e.is_step_skipped] == ["total"]


def test_a_fan_in_of_optional_outputs_runs_when_one_is_produced() -> None:
    @job
    def one_produced():
        total([not_produced(), produced()])

    assert one_produced.execute_in_process().output_for_node("total") == 2


def test_a_step_is_skipped_when_an_input_after_a_defaulted_one_misses_its_output() -> None:
    @op(ins={"x": In(int, default_value=1), "y": In(int)})
    def adds(x, y):
        return x + y

    @job
    def second_missing():
        adds(y=not_produced())

    result = second_missing.execute_in_process()
    assert [e.step_key for e in result.all_events if e.is_step_skipped] == ["adds"]


def test_a_skip_event_names_the_job_the_step_and_its_handle() -> None:
    @job
    def none_produced():
        total([not_produced()])

    (skip,) = [e for e in none_produced.execute_in_process().all_events if e.is_step_skipped]
    assert skip.pipeline_name == "none_produced"
    assert skip.solid_handle == SolidHandle("total")
    assert skip.message == 'Skipped execution of step "total".'
