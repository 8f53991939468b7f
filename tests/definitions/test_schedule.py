"""Schedules evaluated on demand: what a tick requests, when ticks fall, and the messages of
bad definitions and bad calls (Dagster 0.13.19's)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from opbook import (
    DagsterInstance,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    RunRequest,
    ScheduleDefinition,
    SkipReason,
    build_schedule_context,
    graph,
    op,
    schedule,
)
from opbook.errors import DagsterInvalidInvocationError, ScheduleExecutionError


@op
def noop(_):
    return None


@graph
def my_graph():
    noop()


def test_default_name_is_the_targets_name_plus_schedule():
    assert ScheduleDefinition(pipeline_name="p", cron_schedule="0 0 * * *").name == "p_schedule"
    job = my_graph.to_job(name="my_job")
    assert ScheduleDefinition(job=job, cron_schedule="0 0 * * *").name == "my_job_schedule"


def test_run_config_and_tags_reach_the_run_request_with_the_schedule_tag():
    sched = ScheduleDefinition(
        name="s", job=my_graph, cron_schedule="* * * * *", run_config={"a": 1}, tags={"t": "v"}
    )
    (request,) = sched.evaluate_tick(build_schedule_context()).run_requests
    assert request.run_config == {"a": 1}
    assert request.tags == {"t": "v", "dagster/schedule_name": "s"}


def test_run_config_fn_gets_the_tick_time():
    sched = ScheduleDefinition(
        job=my_graph,
        cron_schedule="* * * * *",
        run_config_fn=lambda context: {"at": context.scheduled_execution_time.isoformat()},
    )
    tick = build_schedule_context(scheduled_execution_time=datetime(2021, 1, 1, 5))
    assert sched.evaluate_tick(tick).run_requests[0].run_config == {"at": "2021-01-01T05:00:00"}


def test_should_execute_false_skips_with_dagsters_message():
    sched = ScheduleDefinition(
        name="s", job=my_graph, cron_schedule="* * * * *", should_execute=lambda _: False
    )
    data = sched.evaluate_tick(build_schedule_context())
    assert data.run_requests == []
    assert data.skip_message == "should_execute function for s returned false."


def test_invalid_cron_string_is_refused():
    with pytest.raises(DagsterInvalidDefinitionError, match="Found invalid cron schedule 'bad'"):
        ScheduleDefinition(name="s", job=my_graph, cron_schedule="bad")


def test_six_field_cron_string_is_refused():
    with pytest.raises(DagsterInvalidDefinitionError, match="5 space-separated fields"):
        ScheduleDefinition(name="s", job=my_graph, cron_schedule="0 0 * * * *")


def test_unknown_timezone_is_refused():
    with pytest.raises(
        DagsterInvalidDefinitionError, match="Invalid execution timezone Mars/Base for s"
    ):
        ScheduleDefinition(
            name="s", job=my_graph, cron_schedule="0 0 * * *", execution_timezone="Mars/Base"
        )


def test_run_config_and_run_config_fn_together_are_refused():
    with pytest.raises(DagsterInvalidDefinitionError, match="both run_config_fn and run_config"):
        ScheduleDefinition(
            job=my_graph, cron_schedule="* * * * *", run_config={"a": 1}, run_config_fn=dict
        )


def test_a_schedule_needs_a_target():
    with pytest.raises(Exception, match="needs the job it runs"):
        ScheduleDefinition(name="s", cron_schedule="* * * * *")


def test_next_ticks_lists_ticks_at_or_after_start_in_the_schedules_zone():
    sched = ScheduleDefinition(
        job=my_graph, cron_schedule="30 2 * * *", execution_timezone="US/Central"
    )
    ticks = sched.next_ticks(datetime(2019, 3, 9, 2, 30), 3)
    assert [t.isoformat() for t in ticks] == [
        "2019-03-09T02:30:00-06:00",
        "2019-03-10T03:00:00-05:00",  # 02:30 does not exist that day
        "2019-03-11T02:30:00-05:00",
    ]


def test_next_ticks_defaults_to_utc():
    sched = ScheduleDefinition(job=my_graph, cron_schedule="0 * * * *")
    (tick,) = sched.next_ticks(datetime(2021, 1, 1, 0, 1), 1)
    assert tick == datetime(2021, 1, 1, 1, tzinfo=timezone.utc)


def test_decorated_schedule_returning_run_config_makes_one_request():
    @schedule(cron_schedule="* * * * *", pipeline_name="p", tags={"k": "v"})
    def sched(_context):
        return {"ops": {}}

    (request,) = sched.evaluate_tick(build_schedule_context()).run_requests
    assert request.run_config == {"ops": {}}
    assert request.tags == {"k": "v", "dagster/schedule_name": "sched"}


def test_decorated_schedule_yielding_requests_without_run_keys_is_an_error():
    @schedule(cron_schedule="* * * * *", pipeline_name="p")
    def sched(_context):
        yield RunRequest(run_key=None)
        yield RunRequest(run_key=None)

    with pytest.raises(DagsterInvariantViolationError, match="must specify a run_key"):
        sched.evaluate_tick(build_schedule_context())


def test_decorated_schedule_returning_nothing_skips():
    @schedule(cron_schedule="* * * * *", pipeline_name="p")
    def sched():
        return None

    data = sched.evaluate_tick(build_schedule_context())
    assert data.skip_message == "Schedule function returned an empty result"


def test_decorated_schedule_skip_reason_gives_its_message():
    @schedule(cron_schedule="* * * * *", pipeline_name="p")
    def sched(_context):
        return SkipReason("later")

    assert sched.evaluate_tick(build_schedule_context()).skip_message == "later"


def test_user_error_in_a_schedule_is_wrapped_with_the_original_kept():
    @schedule(cron_schedule="* * * * *", pipeline_name="p")
    def broken(_context):
        raise ValueError("boom")

    with pytest.raises(ScheduleExecutionError, match="evaluation of schedule broken") as info:
        broken.evaluate_tick(build_schedule_context())
    assert isinstance(info.value.user_exception, ValueError)


def test_direct_invocation_calls_the_function():
    @schedule(cron_schedule="* * * * *", pipeline_name="p")
    def sched(context):
        return {"context": type(context).__name__}

    assert sched(None) == {"context": "ScheduleEvaluationContext"}
    assert sched(context=build_schedule_context()) == {"context": "ScheduleEvaluationContext"}


def test_direct_invocation_without_the_context_argument_is_refused():
    @schedule(cron_schedule="* * * * *", pipeline_name="p")
    def sched(context):
        return {}

    with pytest.raises(DagsterInvalidInvocationError, match="no context argument was provided"):
        sched()
    with pytest.raises(DagsterInvalidInvocationError, match="expected argument 'context'"):
        sched(foo=None)


def test_context_without_instance_says_so():
    with pytest.raises(DagsterInvariantViolationError, match="no instance reference was provided"):
        _ = build_schedule_context().instance


def test_context_gives_the_instance_it_was_built_with(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    assert build_schedule_context(instance).instance is instance


def test_preview_ticks_evaluates_each_tick_at_its_time():
    sched = ScheduleDefinition(
        name="s",
        job=my_graph,
        cron_schedule="0 * * * *",
        run_config_fn=lambda context: {"at": context.scheduled_execution_time.hour},
    )
    ticks = sched.preview_ticks(datetime(2021, 1, 1, 5, 30), 2)
    assert [t.time.hour for t in ticks] == [6, 7]
    assert [t.run_requests[0].run_config for t in ticks] == [{"at": 6}, {"at": 7}]


def test_preview_ticks_keeps_the_skip_message():
    sched = ScheduleDefinition(
        job=my_graph, cron_schedule="0 * * * *", should_execute=lambda _context: False
    )
    (tick,) = sched.preview_ticks(datetime(2021, 1, 1), 1)
    assert tick.run_requests == []
    assert tick.skip_message is not None
