"""A schedule from a job partitioned by time: each tick runs the latest window that has
ended (``build_schedule_from_partitioned_job``, also named ``schedule_from_partitions``)."""

from __future__ import annotations

from datetime import time
from typing import Any

from opbook.definitions.job import JobDefinition
from opbook.definitions.partition import Partition
from opbook.definitions.partition_set import PartitionScheduleDefinition, PartitionSetDefinition
from opbook.definitions.run_request import SkipReason
from opbook.definitions.schedule_context import ScheduleEvaluationContext
from opbook.definitions.time_window import (
    ScheduleType,
    TimeWindowPartitionsDefinition,
    get_cron_schedule,
)
from opbook.errors import CheckError


def build_schedule_from_partitioned_job(
    job: JobDefinition,
    description: str | None = None,
    name: str | None = None,
    minute_of_hour: int | None = None,
    hour_of_day: int | None = None,
    day_of_week: int | None = None,
    day_of_month: int | None = None,
) -> PartitionScheduleDefinition:
    """A schedule that runs a time-partitioned job once per period, on the latest window.

    Args:
        job: a job whose config is an hourly/daily/weekly/monthly partitioned config.
        description: a human-readable description.
        name: the schedule's name (default: the job's name + ``_schedule``).
        minute_of_hour: the minute it runs (default 0).
        hour_of_day: the hour it runs (daily and longer periods; default 0).
        day_of_week: weekly partitions: the day it runs (0 is Sunday; default 0).
        day_of_month: monthly partitions: the day it runs (default 1).

    Returns:
        PartitionScheduleDefinition

    Raises:
        CheckError: the job is not partitioned by time, or the times do not fit its period.
    """
    partitioned_config = getattr(job, "partitioned_config", None)
    if partitioned_config is None:
        raise CheckError("Invariant failed. Description: job must be a partitioned job")
    if day_of_week and day_of_month:
        raise CheckError(
            "Invariant failed. Description: Cannot provide both day_of_month and day_of_week "
            "parameter to build_schedule_from_partitioned_job."
        )
    partitions_def = partitioned_config.partitions_def
    if not isinstance(partitions_def, TimeWindowPartitionsDefinition):
        raise CheckError(
            f'Job "{job.name}" is partitioned by {type(partitions_def).__name__}; a schedule '
            "needs time-window partitions (daily_partitioned_config and the like)."
        )
    kind = partitions_def.schedule_type
    if kind is ScheduleType.HOURLY and hour_of_day is not None:
        raise CheckError(
            "Invariant failed. Description: Cannot set hour parameter with hourly partitions."
        )
    if kind is ScheduleType.DAILY and day_of_week is not None:
        raise CheckError(
            "Invariant failed. Description: Cannot set day of week parameter with daily partitions."
        )
    if kind is ScheduleType.DAILY and day_of_month is not None:
        raise CheckError(
            "Invariant failed. Description: Cannot set day of month parameter with daily partitions."
        )
    if kind is ScheduleType.MONTHLY:
        execution_day: int | None = 1 if day_of_month is None else day_of_month
    elif kind is ScheduleType.WEEKLY:
        execution_day = 0 if day_of_week is None else day_of_week
    else:
        execution_day = None
    execution_time = time(hour=hour_of_day or 0, minute=minute_of_hour or 0)
    partition_set = job.get_partition_set_def()
    assert partition_set is not None  # the job has a partitioned config
    return partition_set.create_schedule_definition(
        schedule_name=name or f"{job.name}_schedule",
        cron_schedule=get_cron_schedule(kind, execution_time, execution_day),
        partition_selector=latest_window_partition_selector,
        execution_timezone=partitions_def.timezone,
        description=description,
        job=job,
    )


schedule_from_partitions = build_schedule_from_partitioned_job


def latest_window_partition_selector(
    context: ScheduleEvaluationContext, partition_set_def: PartitionSetDefinition[Any]
) -> Partition[Any] | SkipReason:
    """The latest time window that has ended by the tick (a skip when there is none yet)."""
    partitions = partition_set_def.get_partitions(context.scheduled_execution_time)
    return partitions[-1] if partitions else SkipReason()
