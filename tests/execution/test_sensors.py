"""Sensors over the instance: asset sensors and run-status (failure) sensors, tick by tick."""

from __future__ import annotations

import re

import pytest

from opbook import (
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    DagsterInvalidInvocationError,
    Out,
    Output,
    PipelineRunStatus,
    RunRequest,
    asset_sensor,
    build_sensor_context,
    job,
    op,
    pipeline_failure_sensor,
    run_failure_sensor,
    run_status_sensor,
)


@op
def publish():
    yield AssetMaterialization(asset_key="report")
    yield Output(1)


@job
def publisher():
    publish()


@op
def broken():
    raise ValueError("disk full")


@job
def fragile():
    broken()


@op
def fine():
    return 1


@job
def steady():
    fine()


@pytest.fixture
def instance():
    return DagsterInstance.ephemeral()


@asset_sensor(asset_key=AssetKey("report"), job=publisher)
def report_sensor(context, asset_event):
    return RunRequest(run_key=asset_event.run_id)


def test_an_asset_sensor_requests_a_run_for_a_new_materialization(instance):
    result = publisher.execute_in_process(instance=instance)

    data = report_sensor.evaluate_tick(build_sensor_context(instance=instance))

    assert [r.run_key for r in data.run_requests] == [result.run_id]
    assert data.cursor is not None


def test_an_asset_sensor_skips_once_it_has_seen_the_materialization(instance):
    publisher.execute_in_process(instance=instance)
    context = build_sensor_context(instance=instance)
    report_sensor.evaluate_tick(context)

    assert report_sensor.evaluate_tick(context).skip_message == (
        "Sensor function returned an empty result"
    )


def test_an_asset_sensor_ignores_other_assets(instance):
    @asset_sensor(asset_key=AssetKey("other"), job=publisher)
    def other_sensor(context, asset_event):
        return RunRequest(run_key=None)

    publisher.execute_in_process(instance=instance)

    assert other_sensor.evaluate_tick(build_sensor_context(instance=instance)).run_requests == []


def test_an_asset_sensor_sees_the_newest_materialization_only(instance):
    publisher.execute_in_process(instance=instance)
    newest = publisher.execute_in_process(instance=instance)

    data = report_sensor.evaluate_tick(build_sensor_context(instance=instance))

    assert [r.run_key for r in data.run_requests] == [newest.run_id]


def test_a_run_status_sensor_first_sets_its_cursor_and_skips(instance):
    steady.execute_in_process(instance=instance)

    @run_status_sensor(pipeline_run_status=PipelineRunStatus.SUCCESS)
    def on_success(context):
        raise AssertionError("no run happened after the sensor started")

    data = on_success.evaluate_tick(build_sensor_context(instance=instance))

    assert data.skip_message.startswith(
        "Initiating on_success. Set cursor to RunStatusSensorCursor("
    )
    assert data.cursor is not None


def test_a_run_status_sensor_reacts_once_to_each_run_reaching_its_status(instance):
    seen = []

    @run_status_sensor(pipeline_run_status=PipelineRunStatus.SUCCESS)
    def on_success(context):
        seen.append((context.sensor_name, context.dagster_run.run_id))

    context = build_sensor_context(instance=instance)
    on_success.evaluate_tick(context)
    ok = steady.execute_in_process(instance=instance)
    fragile.execute_in_process(instance=instance, raise_on_error=False)

    reactions = on_success.evaluate_tick(context).pipeline_run_reactions
    again = on_success.evaluate_tick(context)

    assert seen == [("on_success", ok.run_id)]
    assert [r.pipeline_run.run_id for r in reactions] == [ok.run_id]
    assert again.pipeline_run_reactions == [] or again.pipeline_run_reactions is None


def test_a_run_failure_sensor_gets_the_failure_event(instance):
    failures = []

    @run_failure_sensor
    def on_failure(context):
        failures.append(context.failure_event.event_type_value)

    context = build_sensor_context(instance=instance)
    on_failure.evaluate_tick(context)
    fragile.execute_in_process(instance=instance, raise_on_error=False)
    on_failure.evaluate_tick(context)

    assert failures == ["PIPELINE_FAILURE"]


def test_a_failure_sensor_watches_only_the_jobs_selected(instance):
    failures = []

    @run_failure_sensor(job_selection=[steady])
    def on_failure(context):
        failures.append(context.dagster_run.pipeline_name)

    context = build_sensor_context(instance=instance)
    on_failure.evaluate_tick(context)
    fragile.execute_in_process(instance=instance, raise_on_error=False)
    on_failure.evaluate_tick(context)

    assert failures == []


def test_a_failing_reaction_is_reported_on_the_reaction_and_the_cursor_moves_on(instance):
    @pipeline_failure_sensor(name="alert")
    def on_failure(context):
        raise RuntimeError("mail server down")

    context = build_sensor_context(instance=instance)
    on_failure.evaluate_tick(context)
    fragile.execute_in_process(instance=instance, raise_on_error=False)

    (reaction,) = on_failure.evaluate_tick(context).pipeline_run_reactions

    assert "RuntimeError: mail server down" in reaction.error.message
    assert not on_failure.evaluate_tick(context).pipeline_run_reactions


def test_a_run_of_another_repository_is_left_out(instance):
    failures = []

    @run_failure_sensor
    def on_failure(context):
        failures.append(context.dagster_run.run_id)

    context = build_sensor_context(instance=instance, repository_name="mine")
    on_failure.evaluate_tick(context)
    fragile.execute_in_process(
        instance=instance, raise_on_error=False, tags={"opbook/repository": "theirs"}
    )
    on_failure.evaluate_tick(context)

    assert failures == []


def test_a_run_status_sensor_cannot_be_invoked_directly():
    @run_status_sensor(pipeline_run_status=PipelineRunStatus.SUCCESS)
    def on_success(_):
        pass

    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape("Direct invocation of RunStatusSensors is not yet supported."),
    ):
        on_success(None)


def test_the_context_of_a_run_status_sensor_warns_on_pipeline_run(instance):
    runs = []

    @pipeline_failure_sensor
    def on_failure(context):
        runs.append(context.pipeline_run.run_id)

    context = build_sensor_context(instance=instance)
    on_failure.evaluate_tick(context)
    failed = fragile.execute_in_process(instance=instance, raise_on_error=False)

    with pytest.warns(UserWarning, match="pipeline_run` is deprecated as of 0.13.0"):
        on_failure.evaluate_tick(context)

    assert runs == [failed.run_id]


def test_an_asset_sensor_sees_an_output_with_an_asset_key(instance):
    @op(out=Out(asset_key=AssetKey("table")))
    def write_table():
        return 1

    @job
    def table_job():
        write_table()

    @asset_sensor(asset_key=AssetKey("table"), job=publisher)
    def table_sensor(context, asset_event):
        return RunRequest(run_key=asset_event.run_id)

    result = table_job.execute_in_process(instance=instance)

    data = table_sensor.evaluate_tick(build_sensor_context(instance=instance))
    assert [r.run_key for r in data.run_requests] == [result.run_id]
