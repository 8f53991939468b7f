"""Sensors: targets, direct invocation, ``evaluate_tick`` and its cursor, Dagster's messages."""

from __future__ import annotations

import re

import pytest

from opbook import (
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    RunRequest,
    SensorEvaluationContext,
    SensorExecutionContext,
    SkipReason,
    build_sensor_context,
    graph,
    job,
    op,
    sensor,
)
from opbook.errors import CheckError


@op
def one():
    return 1


@job
def first():
    one()


@job
def second():
    one()


def test_a_sensor_knows_its_job_interval_and_description():
    @sensor(job=first, minimum_interval_seconds=5, description="new files")
    def watch():
        pass

    assert (watch.name, watch.job_name, watch.pipeline_name) == ("watch", "first", "first")
    assert (watch.minimum_interval_seconds, watch.description) == (5, "new files")
    assert watch.load_targets() == [first]


def test_the_interval_defaults_to_thirty_seconds():
    @sensor(pipeline_name="p")
    def watch():
        pass

    assert watch.minimum_interval_seconds == 30
    assert (watch.pipeline_name, watch.mode) == ("p", "default")


def test_a_graph_target_becomes_a_job():
    @graph
    def g():
        one()

    @sensor(job=g)
    def watch():
        pass

    assert watch.load_targets()[0].name == "g"


def test_job_and_jobs_together_are_refused():
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="Attempted to provide both job and jobs to SensorDefinition",
    ):

        @sensor(job=first, jobs=[second])
        def _watch():
            pass


def test_pipeline_name_and_job_together_are_refused():
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="Attempted to provide both pipeline_name and job to SensorDefinition",
    ):

        @sensor(job=first, pipeline_name="first")
        def _watch():
            pass


def test_the_legacy_context_name_is_the_same_class():
    assert SensorExecutionContext is SensorEvaluationContext


def test_a_sensor_is_invoked_with_a_context_positionally_or_by_name():
    @sensor(pipeline_name="p")
    def watch(my_context):
        return RunRequest(run_key=my_context.cursor)

    context = build_sensor_context(cursor="c")
    assert watch(context).run_key == "c"
    assert watch(my_context=context).run_key == "c"
    assert watch(None).run_key is None


def test_invoking_with_the_wrong_argument_name_says_which_is_expected():
    @sensor(pipeline_name="p")
    def watch(_arbitrary_context):
        pass

    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape("Sensor invocation expected argument '_arbitrary_context'."),
    ):
        watch(bad_context=build_sensor_context())


def test_invoking_without_the_context_it_needs_is_refused():
    @sensor(pipeline_name="p")
    def watch(context):
        pass

    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape(
            "Sensor evaluation function expected context argument, but no context argument "
            "was provided when invoking."
        ),
    ):
        watch()


def test_invoking_a_sensor_without_parameters_with_arguments_is_refused():
    @sensor(pipeline_name="p")
    def watch():
        pass

    with pytest.raises(
        DagsterInvalidInvocationError,
        match="Sensor decorated function has no arguments, but arguments were provided",
    ):
        watch(build_sensor_context())


def test_a_context_without_an_instance_says_so():
    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape(
            "Attempted to initialize dagster instance, but no instance reference was provided."
        ),
    ):
        build_sensor_context().instance  # noqa: B018


def test_a_tick_gives_the_run_requests_and_the_updated_cursor():
    @sensor(job=first)
    def watch(context):
        context.update_cursor("2")
        yield RunRequest(run_key="a", run_config={"ops": {}}, tags={"t": "1"})
        yield RunRequest(run_key="b")

    data = watch.evaluate_tick(build_sensor_context(cursor="1"))

    assert [r.run_key for r in data.run_requests] == ["a", "b"]
    assert data.run_requests[0].tags == {"t": "1"}
    assert (data.skip_message, data.cursor) == (None, "2")


def test_a_tick_returning_a_skip_reason_gives_its_message():
    @sensor(job=first)
    def watch():
        return SkipReason("nothing new")

    data = watch.evaluate_tick(build_sensor_context())

    assert (data.run_requests, data.skip_message) == ([], "nothing new")


def test_a_tick_returning_nothing_skips_with_dagsters_message():
    @sensor(job=first)
    def watch():
        pass

    assert (
        watch.evaluate_tick(build_sensor_context()).skip_message
        == "Sensor function returned an empty result"
    )


def test_run_requests_and_a_skip_reason_together_are_refused():
    @sensor(job=first)
    def watch():
        yield RunRequest(run_key="a")
        yield SkipReason("no")

    with pytest.raises(CheckError, match="received both RunRequest and SkipReason"):
        watch.evaluate_tick(build_sensor_context())


def test_returning_something_else_names_the_sensor_and_the_value():
    @sensor(job=first)
    def watch():
        return 42

    with pytest.raises(
        DagsterInvariantViolationError,
        match="Error in sensor watch: Sensor unexpectedly returned output 42 of type <class 'int'>",
    ):
        watch.evaluate_tick(build_sensor_context())


def test_a_run_request_for_a_sensor_without_target_is_refused():
    @sensor()
    def watch():
        return RunRequest(run_key=None)

    with pytest.raises(
        DagsterInvariantViolationError,
        match="Sensor evaluation function returned a RunRequest for a sensor without a specified "
        "target",
    ):
        watch.evaluate_tick(build_sensor_context())


def test_a_sensor_of_several_jobs_needs_job_name_on_each_request():
    @sensor(jobs=[first, second])
    def watch():
        return RunRequest(run_key=None)

    with pytest.raises(
        DagsterInvariantViolationError,
        match=r"did not specify job_name for the requested run. Expected one of: \['first', "
        r"'second'\]",
    ):
        watch.evaluate_tick(build_sensor_context())


def test_a_request_naming_a_job_the_sensor_lacks_is_refused():
    @sensor(jobs=[first, second])
    def watch():
        return RunRequest(run_key=None, job_name="third")

    with pytest.raises(DagsterInvariantViolationError, match="RunRequest with job_name third"):
        watch.evaluate_tick(build_sensor_context())


def test_a_run_request_checks_its_fields():
    with pytest.raises(CheckError, match='Param "run_config" is not a dict'):
        RunRequest(run_key="a", run_config="ops: {}")
