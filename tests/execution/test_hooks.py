"""Hooks in runs: when they run, what their context holds, and that a failing hook is reported
but never fails its step or run."""

from __future__ import annotations

from typing import Any

import pytest

from opbook import (
    HookContext,
    ModeDefinition,
    RetryPolicy,
    event_list_hook,
    execute_pipeline,
    failure_hook,
    graph,
    hardcoded_resource,
    job,
    lambda_solid,
    op,
    pipeline,
    success_hook,
)
from opbook.core.definitions.events import HookExecutionResult

SEEN: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _clear_seen() -> None:
    SEEN.clear()


@op(config_schema={"n": int})
def configured(context) -> int:
    return context.op_config["n"]


@op
def explode(x: int) -> int:
    raise ValueError("exploded")


@success_hook(required_resource_keys={"channel"})
def record_success(context: HookContext) -> None:
    SEEN.setdefault("success", []).append(
        {
            "step_key": context.step_key,
            "op": context.op.name,
            "solid": context.solid.name,
            "outputs": dict(context.op_output_values),
            "solid_outputs": dict(context.solid_output_values),
            "config": context.op_config,
            "solid_config": context.solid_config,
            "channel": context.resources.channel,
            "job_name": context.job_name,
            "pipeline_name": context.pipeline_name,
            "run_id": context.run_id,
            "hook": context.hook_def.name,
            "required": context.required_resource_keys,
            "mode": context.mode_def.name,
            "exception": context.op_exception,
            "step": context.step.key,
            "job_def": context.job_def.name,
            "has_instance": context.instance is not None,
        }
    )


@failure_hook
def record_failure(context: HookContext) -> None:
    SEEN.setdefault("failure", []).append(
        (context.op.name, context.op_exception, context.solid_exception)
    )


def hook_events(result: Any) -> list[tuple[str, str | None, str]]:
    return [
        (e.event_type_value, e.step_key, e.logging_tags.get("hook", ""))
        for e in result.all_events
        if e.is_hook_event
    ]


def test_success_hook_context() -> None:
    @job(resource_defs={"channel": hardcoded_resource("#alerts")}, hooks={record_success})
    def hooked():
        configured()

    result = hooked.execute_in_process(run_config={"ops": {"configured": {"config": {"n": 4}}}})
    (seen,) = SEEN["success"]
    assert seen == {
        "step_key": "configured",
        "op": "configured",
        "solid": "configured",
        "outputs": {"result": 4},
        "solid_outputs": {"result": 4},
        "config": {"n": 4},
        "solid_config": {"n": 4},
        "channel": "#alerts",
        "job_name": "hooked",
        "pipeline_name": "hooked",
        "run_id": result.run_id,
        "hook": "record_success",
        "required": frozenset({"channel"}),
        "mode": "default",
        "exception": None,
        "step": "configured",
        "job_def": "hooked",
        "has_instance": True,
    }
    assert hook_events(result) == [("HOOK_COMPLETED", "configured", "record_success")]


def test_failure_hook_sees_the_user_exception() -> None:
    @op
    def one() -> int:
        return 1

    @job(hooks={record_failure})
    def failing():
        explode(one())

    result = failing.execute_in_process(raise_on_error=False)
    ((name, exception, solid_exception),) = SEEN["failure"]
    assert name == "explode"
    assert isinstance(exception, ValueError) and str(exception) == "exploded"
    assert solid_exception is exception
    assert sorted(hook_events(result)) == [
        ("HOOK_COMPLETED", "explode", "record_failure"),
        ("HOOK_SKIPPED", "one", "record_failure"),
    ]


def test_hooks_run_before_raise_on_error_raises() -> None:
    @op
    def one() -> int:
        return 1

    @job(hooks={record_failure})
    def failing():
        explode(one())

    with pytest.raises(ValueError, match="exploded"):
        failing.execute_in_process()
    assert [name for name, _, _ in SEEN["failure"]] == ["explode"]


def test_hook_errors_never_fail_the_step_or_the_run() -> None:
    @success_hook
    def broken_hook(context):
        raise RuntimeError("hook broke")

    @op
    def fine() -> int:
        return 1

    @job(hooks={broken_hook})
    def still_fine():
        fine()

    result = still_fine.execute_in_process()
    assert result.success
    (errored,) = [e for e in result.all_events if e.is_hook_event]
    assert errored.event_type_value == "HOOK_ERRORED"
    assert errored.hook_errored_data.error.cls_name == "HookExecutionError"
    assert errored.hook_errored_data.error.cause.cls_name == "RuntimeError"
    assert not errored.is_step_event


def test_hooks_attached_to_one_op_with_with_hooks() -> None:
    @op
    def one() -> int:
        return 1

    @job(resource_defs={"channel": hardcoded_resource("c")})
    def partly_hooked():
        one.with_hooks({record_success})()
        one.alias("unhooked")()

    partly_hooked.execute_in_process()
    assert [s["op"] for s in SEEN["success"]] == ["one"]


def test_hooks_on_a_graph_node_apply_to_the_ops_inside() -> None:
    @op
    def one() -> int:
        return 1

    @graph
    def inner():
        one()
        one.alias("two")()

    @job(resource_defs={"channel": hardcoded_resource("c")})
    def nested():
        inner.with_hooks({record_success})()

    nested.execute_in_process()
    assert sorted(s["step_key"] for s in SEEN["success"]) == ["inner.one", "inner.two"]


def test_pipeline_hook_defs_and_mode_resources() -> None:
    @lambda_solid
    def emit():
        return 2

    @pipeline(
        mode_defs=[ModeDefinition(resource_defs={"channel": hardcoded_resource("pipe")})],
        hook_defs={record_success},
    )
    def hooked_pipeline():
        emit()

    execute_pipeline(hooked_pipeline)
    assert SEEN["success"][0]["channel"] == "pipe"
    assert SEEN["success"][0]["outputs"] == {"result": 2}


def test_pipeline_with_hooks_returns_a_new_pipeline() -> None:
    @lambda_solid
    def emit():
        return 2

    @pipeline
    def plain():
        emit()

    hooked = plain.with_hooks({record_failure})
    assert plain.hook_defs == frozenset()
    assert hooked.hook_defs == frozenset({record_failure})


def test_event_list_hook_receives_the_step_outcome() -> None:
    @event_list_hook
    def every_step(context, event_list):
        SEEN.setdefault("events", []).append([e.event_type_value for e in event_list])

    @op
    def one() -> int:
        return 1

    @job(hooks={every_step})
    def listed():
        one()

    result = listed.execute_in_process()
    assert SEEN["events"] == [["STEP_START", "STEP_OUTPUT", "HANDLED_OUTPUT", "STEP_SUCCESS"]]
    assert hook_events(result) == [("HOOK_COMPLETED", "one", "every_step")]


def test_an_event_list_hook_returning_is_skipped_is_recorded_as_skipped() -> None:
    @event_list_hook
    def only_on_materializations(context, event_list):
        return HookExecutionResult("only_on_materializations", is_skipped=True)

    @op
    def one() -> int:
        return 1

    @job(hooks={only_on_materializations})
    def listed():
        one()

    result = listed.execute_in_process()
    assert hook_events(result) == [("HOOK_SKIPPED", "one", "only_on_materializations")]
    skipped = next(e for e in result.all_events if e.event_type_value == "HOOK_SKIPPED")
    assert skipped.message == (
        'Skipped the execution of hook "only_on_materializations". It did not meet its '
        'triggering condition during the execution of "one".'
    )


def test_an_event_list_hook_returning_a_result_that_ran_is_completed() -> None:
    @event_list_hook
    def ran(context, event_list):
        return HookExecutionResult("ran")

    @op
    def one() -> int:
        return 1

    @job(hooks={ran})
    def listed():
        one()

    assert hook_events(listed.execute_in_process()) == [("HOOK_COMPLETED", "one", "ran")]


def test_hook_execution_result_is_not_skipped_by_default() -> None:
    assert HookExecutionResult("a_hook") == ("a_hook", False)
    assert HookExecutionResult("a_hook").is_skipped is False


def test_hook_is_skipped_when_its_step_does_not_run_to_an_outcome() -> None:
    @op
    def one() -> int:
        return 1

    @op
    def after(x: int) -> int:
        return x

    @job(hooks={record_failure})
    def downstream():
        after(explode(one()))

    result = downstream.execute_in_process(raise_on_error=False)
    assert "after" not in {key for _, key, _ in hook_events(result)}


def test_a_retried_step_runs_its_hooks_once_after_the_final_outcome() -> None:
    attempts: list[int] = []

    @op(retry_policy=RetryPolicy(max_retries=2))
    def flaky() -> int:
        attempts.append(len(attempts))
        if len(attempts) < 3:
            raise ValueError("not yet")
        return 7

    @job(hooks={record_failure, record_success_no_resources})
    def retried():
        flaky()

    result = retried.execute_in_process()
    assert attempts == [0, 1, 2]
    assert hook_events(result) == [
        ("HOOK_SKIPPED", "flaky", "record_failure"),
        ("HOOK_COMPLETED", "flaky", "record_success_no_resources"),
    ]
    assert SEEN["plain_success"] == ["flaky"]


def test_with_hooks_takes_effect_after_the_original_has_run() -> None:
    @lambda_solid
    def emit():
        return 2

    @pipeline
    def ran_before():
        emit()

    execute_pipeline(ran_before)
    hooked = ran_before.with_hooks({record_failure, record_success_no_resources})
    result = execute_pipeline(hooked)
    assert [e.event_type_value for e in result.event_list if e.is_hook_event] == [
        "HOOK_SKIPPED",
        "HOOK_COMPLETED",
    ]
    assert SEEN["plain_success"] == ["emit"]


@success_hook
def record_success_no_resources(context: HookContext) -> None:
    SEEN.setdefault("plain_success", []).append(context.solid.name)


# -- a hook decorating a job, pipeline or graph ------------------------------------------------


@success_hook
def record_op(context: HookContext) -> None:
    SEEN.setdefault("ops", set()).add(context.op.name)


@op
def one() -> int:
    return 1


@op
def inc(x: int) -> int:
    return x + 1


def test_hook_over_a_job_hooks_every_op() -> None:
    @record_op
    @job
    def hooked():
        inc(one())

    assert hooked.execute_in_process().success
    assert SEEN["ops"] == {"one", "inc"}


def test_hook_over_a_pipeline_hooks_every_solid() -> None:
    @record_op
    @pipeline
    def hooked():
        inc(one())

    assert execute_pipeline(hooked).success
    assert SEEN["ops"] == {"one", "inc"}


def test_hook_over_a_graph_hooks_its_ops_wherever_it_is_used() -> None:
    @record_op
    @graph
    def inner():
        one()

    @graph
    def outer():
        inner()
        inc(one())

    assert outer.execute_in_process().success
    assert SEEN["ops"] == {"one"}  # the hook is on inner's op only


def test_hooked_graph_runs_and_becomes_a_job_with_its_hook() -> None:
    @record_op
    @graph
    def hooked():
        inc(one())

    assert hooked.execute_in_process().success
    assert SEEN.pop("ops") == {"one", "inc"}
    assert hooked.to_job(name="hooked_job").execute_in_process().success
    assert SEEN["ops"] == {"one", "inc"}
