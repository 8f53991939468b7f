"""Partitions and partitioned config: keys, run config by key, time windows, partition sets,
and jobs that run one partition (Dagster 0.13.19's behaviour and messages)."""

from __future__ import annotations

import warnings
from datetime import datetime, time, timezone

import pytest

from opbook import (
    DagsterInstance,
    DagsterUnknownPartitionError,
    DailyPartitionsDefinition,
    HourlyPartitionsDefinition,
    MonthlyPartitionsDefinition,
    Partition,
    PartitionSetDefinition,
    StaticPartitionsDefinition,
    build_schedule_context,
    build_schedule_from_partitioned_job,
    daily_partitioned_config,
    daily_schedule,
    date_partition_range,
    graph,
    identity_partition_selector,
    job,
    monthly_schedule,
    op,
    static_partitioned_config,
    weekly_schedule,
)
from opbook.definitions.partition import unknown_partition_message
from opbook.errors import CheckError, DagsterInvalidDefinitionError


@op(config_schema=str)
def echo(context):
    return context.op_config


@static_partitioned_config(["eu", "us"])
def by_region(region):
    return {"ops": {"echo": {"config": region}}}


@job(config=by_region)
def regional():
    echo()


def test_static_partition_keys_are_listed_in_order():
    assert StaticPartitionsDefinition(["b", "a"]).get_partition_keys() == ["b", "a"]


def test_unknown_partition_key_raises_dagsters_error():
    with pytest.raises(
        DagsterUnknownPartitionError, match="Could not find a partition with key `asia`"
    ):
        by_region.get_run_config("asia")


def test_job_runs_one_partition_with_its_config():
    result = regional.execute_in_process(partition_key="us")
    assert result.output_for_node("echo") == "us"


def test_partition_run_is_tagged_with_partition_and_set():
    instance = DagsterInstance.ephemeral()
    result = regional.execute_in_process(partition_key="eu", instance=instance)
    tags = instance.get_run_by_id(result.run_id).tags
    assert tags["dagster/partition"] == "eu"
    assert tags["dagster/partition_set"] == "regional_partition_set"


def test_partition_key_with_run_config_is_refused():
    with pytest.raises(CheckError, match="Cannot provide both run_config and partition_key"):
        regional.execute_in_process(partition_key="eu", run_config={"ops": {}})


def test_partition_key_for_an_unpartitioned_job_is_refused():
    @job
    def plain():
        echo()

    with pytest.raises(
        CheckError, match="Provided partition key `x` for job `plain` without a partitioned config"
    ):
        plain.execute_in_process(partition_key="x")


def test_to_job_takes_a_partitioned_config():
    @daily_partitioned_config(start_date="2021-05-05")
    def by_day(start, _end):
        return {"ops": {"echo": {"config": start.strftime("%d")}}}

    @graph
    def daily():
        echo()

    assert (
        daily.to_job(config=by_day)
        .execute_in_process(partition_key="2021-05-06")
        .output_for_node("echo")
        == "06"
    )


def test_partitions_def_and_config_together_are_refused():
    def both():
        echo()

    with pytest.raises(CheckError, match="Can't supply both the 'config' and 'partitions_def'"):
        job(config={}, partitions_def=StaticPartitionsDefinition(["a"]))(both)


def test_daily_partitions_end_with_the_last_finished_day():
    days = DailyPartitionsDefinition(start_date="2021-05-05")
    assert days.get_partition_keys(datetime(2021, 5, 7, 12)) == ["2021-05-05", "2021-05-06"]


def test_end_offset_adds_the_current_day():
    days = DailyPartitionsDefinition(start_date="2021-05-05", end_offset=1)
    assert days.get_partition_keys(datetime(2021, 5, 6, 12)) == ["2021-05-05", "2021-05-06"]


def test_hourly_partitions_follow_the_timezone_across_dst():
    hours = HourlyPartitionsDefinition(start_date=datetime(2021, 3, 14, 0), timezone="US/Central")
    keys = hours.get_partition_keys(datetime(2021, 3, 14, 4))
    assert keys == ["2021-03-14-00:00", "2021-03-14-01:00", "2021-03-14-03:00"]


def test_monthly_window_of_a_key():
    window = MonthlyPartitionsDefinition("2021-01-01").time_window_for_partition_key("2021-02-01")
    assert (window.start, window.end) == (
        datetime(2021, 2, 1, tzinfo=timezone.utc),
        datetime(2021, 3, 1, tzinfo=timezone.utc),
    )


def test_partitions_def_as_text():
    assert str(DailyPartitionsDefinition("2020-01-01", end_offset=1)) == (
        "Daily, starting 2020-01-01 UTC. End offsetted by 1 partition."
    )


def test_partition_set_needs_partitions():
    with pytest.raises(
        CheckError, match="One of `partition_fn` or `partitions_def` must be supplied"
    ):
        PartitionSetDefinition(name="s", pipeline_name="p")


def test_partition_set_schedule_skips_partitions_not_in_the_set():
    days = PartitionSetDefinition(
        name="days",
        pipeline_name="p",
        partition_fn=date_partition_range(datetime(2021, 1, 1), datetime(2021, 1, 5)),
    )
    sched = days.create_schedule_definition(
        "s", "* * * * *", lambda _c, _s: Partition(1, "made_up")
    )
    data = sched.evaluate_tick(build_schedule_context())
    assert (
        data.skip_message
        == "Partition selector returned partition not in the partition set: made_up."
    )


def test_identity_selector_runs_the_ticks_partition():
    days = PartitionSetDefinition(
        name="days",
        pipeline_name="p",
        partition_fn=date_partition_range(datetime(2021, 1, 1), datetime(2021, 2, 1)),
        run_config_fn_for_partition=lambda p: {"day": p.name},
    )
    sched = days.create_schedule_definition("s", "0 0 * * *", identity_partition_selector)
    (request,) = sched.evaluate_tick(
        build_schedule_context(scheduled_execution_time=datetime(2021, 1, 10))
    ).run_requests
    assert (request.run_key, request.run_config) == ("2021-01-10", {"day": "2021-01-10"})


def test_daily_schedule_runs_yesterdays_partition():
    @daily_schedule(pipeline_name="p", start_date=datetime(2021, 1, 1), execution_time=time(3))
    def nightly(date):
        return {"date": date.strftime("%Y-%m-%d")}

    tick = build_schedule_context(scheduled_execution_time=datetime(2021, 1, 10, 3))
    assert nightly.evaluate_tick(tick).run_requests[0].run_config == {"date": "2021-01-09"}


def test_daily_schedule_before_its_start_skips():
    @daily_schedule(pipeline_name="p", start_date=datetime(2021, 1, 1))
    def nightly(_date):
        return {}

    tick = build_schedule_context(scheduled_execution_time=datetime(2020, 12, 1))
    assert (
        "is before the beginning of the partition set" in nightly.evaluate_tick(tick).skip_message
    )


def test_daily_schedule_warns_about_a_start_date_within_the_day():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        daily_schedule(pipeline_name="p", start_date=datetime(2021, 1, 1, 5))
    assert "must be at the beginning of a day" in str(caught[0].message)


def test_weekly_schedule_refuses_a_bad_day():
    with pytest.raises(
        DagsterInvalidDefinitionError, match="Execution day must be between 0 \\[Sunday\\] and 6"
    ):
        weekly_schedule(pipeline_name="p", start_date=datetime(2021, 1, 3), execution_day_of_week=7)


def test_monthly_schedule_partitions_are_months():
    @monthly_schedule(pipeline_name="p", start_date=datetime(2021, 1, 1))
    def monthly(_date):
        return {}

    names = monthly.get_partition_set().get_partition_names(datetime(2021, 4, 5))
    assert names == ["2021-01", "2021-02", "2021-03"]


def test_schedule_from_partitioned_job_runs_the_latest_window():
    @daily_partitioned_config(start_date="2021-05-05")
    def by_day(start, _end):
        return {"ops": {"echo": {"config": start.strftime("%Y-%m-%d")}}}

    @job(config=by_day)
    def daily_echo():
        echo()

    sched = build_schedule_from_partitioned_job(daily_echo, hour_of_day=9)
    assert sched.cron_schedule == "0 9 * * *"
    tick = build_schedule_context(scheduled_execution_time=datetime(2021, 5, 8, 9))
    assert sched.evaluate_tick(tick).run_requests[0].run_key == "2021-05-07"


def test_schedule_from_an_unpartitioned_job_is_refused():
    @job
    def plain():
        echo()

    with pytest.raises(CheckError, match="job must be a partitioned job"):
        build_schedule_from_partitioned_job(plain)


def test_partition_run_gives_the_partitions_config_and_tags():
    config, tags = regional.partition_run("eu")
    assert config == regional.partitioned_config.get_run_config("eu")
    assert tags == {"dagster/partition": "eu", "dagster/partition_set": "regional_partition_set"}


def test_legacy_partition_fn_lists_the_partitions():
    weekdays = PartitionSetDefinition(
        name="weekdays", pipeline_name="p", partition_fn=lambda: ["Mon", Partition("Tue")]
    )
    assert [p.name for p in weekdays.partition_fn()] == ["Mon", "Tue"]


def test_unknown_partition_message_elides_a_long_list_of_keys():
    keys = [f"2021-01-{day:02d}" for day in range(1, 32)]
    assert unknown_partition_message("daily", "nope", keys) == (
        "Unknown partition 'nope' for job 'daily'; partitions: 2021-01-01, 2021-01-02, "
        "2021-01-03, …, 2021-01-29, 2021-01-30, 2021-01-31 (31 in all)"
    )


def test_unknown_partition_message_suggests_close_keys():
    assert unknown_partition_message("regional", "eu-west", ["eu", "us", "eu_west"]) == (
        "Unknown partition 'eu-west' for job 'regional'; partitions: eu, us, eu_west; "
        "did you mean eu_west?"
    )


def test_unknown_partition_message_of_a_job_with_no_partitions_yet():
    assert unknown_partition_message("later", "2030-01-01", []) == (
        "Unknown partition '2030-01-01' for job 'later'; partitions: none"
    )
