"""The exact event sequences of in-process runs, in Dagster 0.13's order (without LOGS_CAPTURED;
resource-init ENGINE_EVENTs only when the run has resources), for both generations, with
Dagster's messages ("run for" for jobs, "pipeline" for pipelines)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from opbook import (
    AssetMaterialization,
    DagsterEvent,
    ExpectationResult,
    In,
    Out,
    Output,
    RetryPolicy,
    RetryRequested,
    execute_pipeline,
    failure_hook,
    job,
    lambda_solid,
    op,
    pipeline,
    resource,
    success_hook,
)

Seq = list[tuple[str, str | None]]


def sequence(events: list[DagsterEvent]) -> Seq:
    return [(e.event_type_value, e.step_key) for e in events]


def messages(events: list[DagsterEvent]) -> list[str]:
    return [e.message or "" for e in events]


@op
def return_one() -> int:
    return 1


@op
def add_one(x: int) -> int:
    return x + 1


@op
def boom(x: int) -> int:
    raise ValueError("kaboom")


TWO_STEP_SUCCESS: Seq = [
    ("PIPELINE_START", None),
    ("ENGINE_EVENT", None),
    ("STEP_START", "return_one"),
    ("STEP_OUTPUT", "return_one"),
    ("HANDLED_OUTPUT", "return_one"),
    ("STEP_SUCCESS", "return_one"),
    ("STEP_START", "add_one"),
    ("LOADED_INPUT", "add_one"),
    ("STEP_INPUT", "add_one"),
    ("STEP_OUTPUT", "add_one"),
    ("HANDLED_OUTPUT", "add_one"),
    ("STEP_SUCCESS", "add_one"),
    ("ENGINE_EVENT", None),
    ("PIPELINE_SUCCESS", None),
]


def test_two_step_job_success() -> None:
    @job
    def two_steps():
        add_one(return_one())

    events = two_steps.execute_in_process().all_events
    assert sequence(events) == TWO_STEP_SUCCESS
    text = messages(events)
    assert text[0] == 'Started execution of run for "two_steps".'
    assert re.fullmatch(r"Executing steps in process \(pid: \d+\)", text[1])
    assert text[2] == 'Started execution of step "return_one".'
    assert text[3] == 'Yielded output "result" of type "Int". (Type check passed).'
    assert text[8] == 'Got input "x" of type "Int". (Type check passed).'
    assert re.fullmatch(r'Finished execution of step "return_one" in [\d.]+(µs|ms|s)\.', text[5])
    assert re.fullmatch(r"Finished steps in process \(pid: \d+\) in [\d.]+(µs|ms|s)", text[12])
    assert text[13] == 'Finished execution of run for "two_steps".'


def test_two_step_pipeline_success_uses_pipeline_wording() -> None:
    @lambda_solid
    def return_one_solid():
        return 1

    @lambda_solid
    def add_one_solid(x):
        return x + 1

    @pipeline
    def two_solids():
        add_one_solid(return_one_solid())

    events = execute_pipeline(two_solids).event_list
    expected = [
        (
            kind,
            key.replace("return_one", "return_one_solid").replace("add_one", "add_one_solid")
            if key
            else None,
        )
        for kind, key in TWO_STEP_SUCCESS
    ]
    assert sequence(events) == expected
    assert events[0].message == 'Started execution of pipeline "two_solids".'
    assert events[-1].message == 'Finished execution of pipeline "two_solids".'


def test_failing_second_step() -> None:
    @job
    def fails():
        boom(return_one())

    events = fails.execute_in_process(raise_on_error=False).all_events
    assert sequence(events) == [
        ("PIPELINE_START", None),
        ("ENGINE_EVENT", None),
        ("STEP_START", "return_one"),
        ("STEP_OUTPUT", "return_one"),
        ("HANDLED_OUTPUT", "return_one"),
        ("STEP_SUCCESS", "return_one"),
        ("STEP_START", "boom"),
        ("LOADED_INPUT", "boom"),
        ("STEP_INPUT", "boom"),
        ("STEP_FAILURE", "boom"),
        ("ENGINE_EVENT", None),
        ("PIPELINE_FAILURE", None),
    ]
    assert events[9].message == 'Execution of step "boom" failed.'
    assert events[-1].message == "Execution of run for \"fails\" failed. Steps failed: ['boom']."


def test_pipeline_failure_message() -> None:
    @lambda_solid
    def explode():
        raise ValueError("no")

    @pipeline
    def exploding():
        explode()

    events = execute_pipeline(exploding, raise_on_error=False).event_list
    assert (
        events[-1].message
        == "Execution of pipeline \"exploding\" failed. Steps failed: ['explode']."
    )


def test_steps_downstream_of_a_failure_emit_nothing() -> None:
    @job
    def downstream():
        add_one.alias("after")(add_one(boom(return_one())))
        return_one.alias("independent")()

    result = downstream.execute_in_process(raise_on_error=False)
    keys = {e.step_key for e in result.all_events}
    assert "add_one" not in keys and "after" not in keys
    assert ("STEP_SUCCESS", "independent") in sequence(result.all_events)
    assert result.events_for_node("after") == []


def test_optional_output_not_yielded_skips_consumers() -> None:
    @op(out={"maybe": Out(is_required=False), "always": Out()})
    def branch():
        yield Output(1, "always")

    @job
    def skipping():
        maybe, always = branch()
        add_one.alias("after_skip")(add_one(maybe))
        add_one.alias("runs")(always)

    events = skipping.execute_in_process().all_events
    assert sequence(events) == [
        ("PIPELINE_START", None),
        ("ENGINE_EVENT", None),
        ("STEP_START", "branch"),
        ("STEP_OUTPUT", "branch"),
        ("HANDLED_OUTPUT", "branch"),
        ("STEP_SUCCESS", "branch"),
        ("STEP_SKIPPED", "add_one"),
        ("STEP_SKIPPED", "after_skip"),
        ("STEP_START", "runs"),
        ("LOADED_INPUT", "runs"),
        ("STEP_INPUT", "runs"),
        ("STEP_OUTPUT", "runs"),
        ("HANDLED_OUTPUT", "runs"),
        ("STEP_SUCCESS", "runs"),
        ("ENGINE_EVENT", None),
        ("PIPELINE_SUCCESS", None),
    ]
    skipped = [e for e in events if e.is_step_skipped]
    assert skipped[0].message == 'Skipped execution of step "add_one".'


def test_several_inputs_load_all_then_check_all_in_definition_order() -> None:
    @op
    def pair(x: int, y: int) -> int:
        return x + y

    @job
    def two_inputs():
        pair(return_one(), return_one.alias("other")())

    events = [e for e in two_inputs.execute_in_process().all_events if e.step_key == "pair"]
    assert [(e.event_type_value, _input_of(e)) for e in events[:5]] == [
        ("STEP_START", None),
        ("LOADED_INPUT", "x"),
        ("LOADED_INPUT", "y"),
        ("STEP_INPUT", "x"),
        ("STEP_INPUT", "y"),
    ]


def test_one_output_feeding_two_inputs_is_loaded_once_per_input_on_every_run(tmp_path) -> None:
    @op
    def pair(x: int, y: int) -> int:
        return x + y

    @job
    def doubled():
        one = return_one()
        pair(one, one)

    def loads(run_config: dict | None = None) -> list[str]:
        result = doubled.execute_in_process(run_config=run_config)
        return [e.message or "" for e in result.all_events if e.is_loaded_input]

    through_manager = [
        f'Loaded input "{name}" using input manager "io_manager", from output "result" '
        'of step "return_one"'
        for name in ("x", "y")
    ]
    assert loads() == through_manager
    assert loads() == through_manager  # a second run of the same plan says the same


def test_a_pipeline_loads_inputs_from_its_intermediate_storage(tmp_path: Path) -> None:
    from opbook import ModeDefinition, execute_pipeline, pipeline

    @op
    def pair(x: int, y: int) -> int:
        return x + y

    @pipeline(mode_defs=[ModeDefinition()])
    def doubled():
        one = return_one()
        pair(one, one)

    on_disk = {"intermediate_storage": {"filesystem": {"config": {"base_dir": str(tmp_path)}}}}
    result = execute_pipeline(doubled, run_config=on_disk)
    assert [e.message for e in result.event_list if e.is_loaded_input] == [
        f'Loaded input "{name}" using intermediate storage "filesystem", from output "result" '
        'of step "return_one"'
        for name in ("x", "y")
    ]


def _input_of(event: DagsterEvent) -> str | None:
    if event.is_loaded_input:
        return event.loaded_input_data.input_name
    if event.event_type_value == "STEP_INPUT":
        return event.step_input_data.input_name
    return None


RESOURCE_LOG: list[str] = []


@resource
def tracked(init_context):
    RESOURCE_LOG.append("up")
    yield "value"
    RESOURCE_LOG.append("down")


@op(required_resource_keys={"tracked"})
def uses_tracked(context):
    return context.resources.tracked


def test_resource_init_events_come_after_the_executor_start() -> None:
    @job(resource_defs={"tracked": tracked})
    def with_resource():
        uses_tracked()

    events = with_resource.execute_in_process().all_events
    assert sequence(events)[:6] == [
        ("PIPELINE_START", None),
        ("ENGINE_EVENT", None),
        ("ENGINE_EVENT", None),
        ("ENGINE_EVENT", None),
        ("STEP_START", "uses_tracked"),
        ("STEP_OUTPUT", "uses_tracked"),
    ]
    assert events[2].message == "Starting initialization of resources [tracked]."
    assert events[3].message == "Finished initialization of resources [tracked]."
    assert events[2].engine_event_data.marker_start == "resources"
    assert events[3].engine_event_data.marker_end == "resources"


def test_resource_init_failure() -> None:
    @resource
    def broken(_init_context):
        raise ValueError("cannot connect")

    @job(resource_defs={"tracked": broken})
    def broken_resource():
        uses_tracked()

    result = broken_resource.execute_in_process(raise_on_error=False)
    assert sequence(result.all_events) == [
        ("PIPELINE_START", None),
        ("ENGINE_EVENT", None),
        ("ENGINE_EVENT", None),
        ("ENGINE_EVENT", None),
        ("PIPELINE_FAILURE", None),
    ]
    assert result.all_events[3].message == "Initialization of resources [tracked] failed."
    assert result.all_events[3].engine_event_data.error.cls_name == "DagsterResourceFunctionError"
    assert result.all_events[-1].message == (
        'Execution of run for "broken_resource" failed. An exception was thrown during execution.'
    )
    assert not result.success


def test_type_check_failure_on_output() -> None:
    @op(out=Out(int))
    def wrong_output():
        return "s"

    @job
    def bad_output():
        wrong_output()

    events = bad_output.execute_in_process(raise_on_error=False).all_events
    assert sequence(events)[2:5] == [
        ("STEP_START", "wrong_output"),
        ("STEP_OUTPUT", "wrong_output"),
        ("STEP_FAILURE", "wrong_output"),
    ]
    output = events[3]
    assert output.message == 'Yielded output "result" of type "Int". Warning! Type check failed.'
    assert not output.step_output_data.type_check_data.success
    assert events[4].step_failure_data.error.cls_name == "DagsterTypeCheckDidNotPass"


def test_type_check_failure_on_input() -> None:
    @op
    def text() -> str:
        return "s"

    @op(ins={"x": In(int)})
    def wants_int(x):
        return x

    @job
    def bad_input():
        wants_int(text())

    events = bad_input.execute_in_process(raise_on_error=False).all_events
    step = [(e.event_type_value, e.step_key) for e in events if e.step_key == "wants_int"]
    assert step == [
        ("STEP_START", "wants_int"),
        ("LOADED_INPUT", "wants_int"),
        ("STEP_INPUT", "wants_int"),
        ("STEP_FAILURE", "wants_int"),
    ]
    step_input = next(e for e in events if e.event_type_value == "STEP_INPUT")
    assert step_input.message == 'Got input "x" of type "Int". Warning! Type check failed.'
    failure = next(e for e in events if e.is_step_failure)
    assert failure.step_failure_data.error.message.strip().endswith(
        'Type check failed for step input "x" - expected type "Int". '
        'Description: Value "s" of python type "str" must be a int.'
    )


def test_retry_requested_twice_then_success() -> None:
    attempts: list[int] = []

    @op
    def flaky(context):
        attempts.append(context.retry_number)
        if len(attempts) < 3:
            raise RetryRequested(max_retries=3)
        return "done"

    @job
    def retrying():
        flaky()

    events = retrying.execute_in_process().all_events
    assert sequence(events)[2:-2] == [
        ("STEP_START", "flaky"),
        ("STEP_UP_FOR_RETRY", "flaky"),
        ("STEP_RESTARTED", "flaky"),
        ("STEP_UP_FOR_RETRY", "flaky"),
        ("STEP_RESTARTED", "flaky"),
        ("STEP_OUTPUT", "flaky"),
        ("HANDLED_OUTPUT", "flaky"),
        ("STEP_SUCCESS", "flaky"),
    ]
    assert attempts == [0, 1, 2]
    assert events[3].message == 'Execution of step "flaky" failed and has requested a retry.'
    assert events[4].message == 'Started re-execution (attempt # 2) of step "flaky".'
    assert events[6].message == 'Started re-execution (attempt # 3) of step "flaky".'


def test_retry_with_wait_says_so() -> None:
    calls: list[int] = []

    @op
    def waits():
        calls.append(1)
        if len(calls) == 1:
            raise RetryRequested(max_retries=1, seconds_to_wait=0.01)
        return 1

    @job
    def waiting():
        waits()

    events = waiting.execute_in_process().all_events
    retry = next(e for e in events if e.is_step_up_for_retry)
    assert (
        retry.message
        == 'Execution of step "waits" failed and has requested a retry in 0.01 seconds.'
    )
    assert retry.step_retry_data.seconds_to_wait == 0.01


def test_retries_exhausted() -> None:
    @op
    def always_retry():
        raise RetryRequested(max_retries=2)

    @job
    def exhausted():
        always_retry()

    events = exhausted.execute_in_process().all_events
    assert [k for k, _ in sequence(events)[2:-2]] == [
        "STEP_START",
        "STEP_UP_FOR_RETRY",
        "STEP_RESTARTED",
        "STEP_UP_FOR_RETRY",
        "STEP_RESTARTED",
        "STEP_FAILURE",
    ]
    failure = next(e for e in events if e.is_step_failure)
    assert failure.step_failure_data.error.message == "Exceeded max_retries of 2"


@pytest.mark.parametrize(
    "run_config",
    [
        {"execution": {"config": {"in_process": {"retries": {"disabled": {}}}}}},
        {"execution": {"in_process": {"config": {"retries": {"disabled": {}}}}}},
    ],
)
def test_retries_disabled(run_config: dict) -> None:
    @op
    def asks_retry():
        raise RetryRequested(max_retries=2)

    @job
    def disabled():
        asks_retry()

    events = disabled.execute_in_process(run_config=run_config).all_events
    assert [k for k, _ in sequence(events)[2:-2]] == ["STEP_START", "STEP_FAILURE"]
    failure = next(e for e in events if e.is_step_failure)
    assert failure.step_failure_data.error.message == "RetryRequested but retries are disabled"


def test_retry_policy_on_an_always_failing_op() -> None:
    @op(retry_policy=RetryPolicy(max_retries=1))
    def always_fails():
        raise ValueError("again")

    @job
    def with_policy():
        always_fails()

    events = with_policy.execute_in_process(raise_on_error=False).all_events
    assert [k for k, _ in sequence(events)[2:-2]] == [
        "STEP_START",
        "STEP_UP_FOR_RETRY",
        "STEP_RESTARTED",
        "STEP_FAILURE",
    ]


def test_hook_events_follow_the_step_outcome() -> None:
    @success_hook
    def on_success(context):
        pass

    @failure_hook
    def on_failure(context):
        pass

    @job(hooks={on_success, on_failure})
    def hooked():
        boom(return_one())

    events = hooked.execute_in_process(raise_on_error=False).all_events
    one_events = [(e.event_type_value, e.message) for e in events if e.step_key == "return_one"]
    assert one_events[-3][0] == "STEP_SUCCESS"
    assert sorted(one_events[-2:]) == [
        (
            "HOOK_COMPLETED",
            'Finished the execution of hook "on_success" triggered for "return_one".',
        ),
        (
            "HOOK_SKIPPED",
            'Skipped the execution of hook "on_failure". It did not meet its triggering condition '
            'during the execution of "return_one".',
        ),
    ]
    boom_events = [e.event_type_value for e in events if e.step_key == "boom"]
    assert boom_events[-3] == "STEP_FAILURE"
    assert sorted(boom_events[-2:]) == ["HOOK_COMPLETED", "HOOK_SKIPPED"]
    # Hooks of one step finish before the next step starts.
    kinds = [e.event_type_value for e in events]
    assert kinds.index("HOOK_COMPLETED") < kinds.index("STEP_START", kinds.index("STEP_SUCCESS"))


def test_iterator_yields_the_same_sequence() -> None:
    from opbook import execute_pipeline_iterator

    @job
    def two_steps():
        add_one(return_one())

    # Outside execute_in_process, a job's default IO manager (files) is a resource to set up.
    events = [
        e for e in execute_pipeline_iterator(two_steps) if e.event_type_value != "ENGINE_EVENT"
    ]
    assert sequence(events) == [s for s in TWO_STEP_SUCCESS if s[0] != "ENGINE_EVENT"]


def test_nothing_outputs_are_produced_implicitly_only_when_required() -> None:
    from opbook import Nothing

    @op(out={"done": Out(Nothing), "maybe_done": Out(Nothing, is_required=False)})
    def side_effects():
        pass

    @op(ins={"after": In(Nothing)})
    def then() -> int:
        return 1

    @job
    def ordered():
        done, maybe_done = side_effects()
        then(after=done)
        then.alias("then_maybe")(after=maybe_done)

    events = ordered.execute_in_process().all_events
    assert [
        e.step_output_data.output_name
        for e in events
        if e.is_successful_output and e.step_key == "side_effects"
    ] == ["done"]
    assert ("STEP_SUCCESS", "then") in sequence(events)
    assert ("STEP_SKIPPED", "then_maybe") in sequence(events)


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0.0004, "0µs"),
        (0.0125, "12µs"),
        (0.5, "500µs"),
        (0.99996, "1000µs"),
        (1.0, "1.0ms"),
        (999.94, "999.9ms"),
        (1000.0, "1.00s"),
        (1500.0, "1.50s"),
        (10_000.0, "10.00s"),
        (60_000.0, "1m0s"),
        (61_000.0, "1m1s"),
        (600_000.0, "10m0s"),
    ],
)
def test_durations_in_messages(ms: float, text: str) -> None:
    from opbook.execution.step import format_duration

    assert format_duration(ms) == text


def test_a_materialization_is_described_by_its_description_or_its_asset_key() -> None:
    @op
    def materializes():
        yield AssetMaterialization("tables")
        yield AssetMaterialization("views", description="Rebuilt the views.")
        yield Output(1)

    @job
    def materializing():
        materializes()

    events = materializing.execute_in_process().all_events
    assert [e.message for e in events if e.event_type_value == "ASSET_MATERIALIZATION"] == [
        "Materialized value tables.",
        "Rebuilt the views.",
    ]


def test_an_expectation_is_described_by_its_description_or_its_label_and_outcome() -> None:
    @op
    def expects():
        yield ExpectationResult(True)
        yield ExpectationResult(False, label="non_empty")
        yield ExpectationResult(True, label="x", description="Rows are unique.")
        yield Output(1)

    @job
    def expecting():
        expects()

    events = expecting.execute_in_process().all_events
    assert [e.message for e in events if e.event_type_value == "STEP_EXPECTATION_RESULT"] == [
        "Expectation result passed",
        "Expectation non_empty failed",
        "Rows are unique.",
    ]


def test_a_retry_policy_sets_the_retries_and_the_wait_of_each_retry() -> None:
    @op(retry_policy=RetryPolicy(max_retries=2, delay=0.001))
    def always_fails():
        raise ValueError("again")

    @job
    def with_policy():
        always_fails()

    events = with_policy.execute_in_process(raise_on_error=False).all_events
    retries = [e for e in events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert [e.message for e in retries] == [
        'Execution of step "always_fails" failed and has requested a retry in 0.001 seconds.'
    ] * 2
    data = retries[0].event_specific_data
    assert data.seconds_to_wait == 0.001
    assert data.error.cls_name == "DagsterExecutionStepExecutionError"
    assert data.error.cause.cls_name == "ValueError"


def test_a_fan_in_skips_every_optional_output_that_was_not_produced() -> None:
    @op(out={"maybe": Out(int, is_required=False)})
    def skipped_output():
        yield from ()

    @op(out={"maybe": Out(int, is_required=False)})
    def produced_output():
        yield Output(2, "maybe")

    @op(ins={"xs": In(list)})
    def collect(xs):
        return xs

    @job
    def fan_in():
        collect(
            [skipped_output.alias("first")(), produced_output(), skipped_output.alias("last")()]
        )

    assert fan_in.execute_in_process().output_for_node("collect") == [2]


def test_every_event_of_a_step_names_the_job_and_the_compute_kind() -> None:
    @op
    def adds(x: int) -> int:
        return x + 1

    @job
    def named():
        adds(return_one())

    events = [e for e in named.execute_in_process().all_events if e.step_key == "adds"]
    assert {(e.pipeline_name, e.step_kind_value) for e in events} == {("named", "COMPUTE")}


def test_a_nothing_input_before_a_value_input_leaves_the_value_loaded() -> None:
    from opbook import Nothing

    @op(ins={"after": In(Nothing), "x": In(int)})
    def ordered(x):
        return x

    @job
    def with_nothing():
        ordered(after=return_one.alias("first")(), x=return_one())

    assert with_nothing.execute_in_process().output_for_node("ordered") == 1


def test_an_input_with_a_default_and_no_source_gets_the_default() -> None:
    @op(ins={"x": In(int, default_value=5)})
    def defaulted(x):
        return x

    @job
    def with_default():
        defaulted()

    assert with_default.execute_in_process().output_for_node("defaulted") == 5
