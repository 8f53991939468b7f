"""The 0.13 partition-based schedule decorators: ``daily_schedule``, ``hourly_schedule``,
``weekly_schedule`` and ``monthly_schedule``.

Each makes a partition set whose partitions are the *periods* a schedule fills in
(``ScheduleTimeBasedPartitionsDefinition``) and a schedule over it: the tick due at time *t*
runs the partition ``offset`` periods before *t*'s period (yesterday's, for a daily schedule
with the default offset of 1).  The decorated function maps a partition's datetime to run
config.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, time
from typing import Any, NamedTuple

from opbook.definitions.cron import cron_ticks, elapsed_shift, now, to_zone, wall_clock_shift
from opbook.definitions.frozen import update_wrapper
from opbook.definitions.mode import DEFAULT_MODE_NAME
from opbook.definitions.partition import Partition, PartitionsDefinition
from opbook.definitions.partition_selectors import create_offset_partition_selector
from opbook.definitions.partition_set import PartitionScheduleDefinition, PartitionSetDefinition
from opbook.definitions.schedule_context import ScheduleEvaluationContext
from opbook.definitions.time_window import (
    DEFAULT_DATE_FORMAT,
    DEFAULT_HOURLY_FORMAT_WITH_TIMEZONE,
    DEFAULT_HOURLY_FORMAT_WITHOUT_TIMEZONE,
    DEFAULT_MONTHLY_FORMAT,
    ScheduleType,
    get_cron_schedule,
)
from opbook.errors import CheckError, DagsterInvalidDefinitionError, DagsterInvariantViolationError


class _TimeBasedFields(NamedTuple):
    schedule_type: ScheduleType
    start: datetime
    execution_time: time
    execution_day: int | None
    end: datetime | None
    fmt: str
    timezone: str | None
    offset: int


class ScheduleTimeBasedPartitionsDefinition(_TimeBasedFields, PartitionsDefinition[datetime]):
    """Partitions counted back from a schedule's execution times (one per period).

    Args:
        schedule_type: the period.
        start: the first partition's time.
        execution_time: the time of day (hourly: the minute) the schedule runs.
        execution_day: weekly: 0 (Sunday) to 6; monthly: 1 to 31.
        end: the last partition's time (default: the last one due by now).
        fmt: how a partition's time is written as its name.
        timezone: IANA time zone (default UTC).
        offset: how many periods before its execution a partition is (default 1).
    """

    def __new__(
        cls,
        schedule_type: ScheduleType,
        start: datetime,
        execution_time: time | None = None,
        execution_day: int | None = None,
        end: datetime | None = None,
        fmt: str | None = None,
        timezone: str | None = None,
        offset: int | None = None,
    ) -> ScheduleTimeBasedPartitionsDefinition:
        if end is not None and start > end:
            raise CheckError(
                f'Invariant failed. Description: Selected date range start "{start}" is after date range end "{end}"'
            )
        execution_day = _checked_execution_day(schedule_type, execution_day)
        return super().__new__(
            cls,
            schedule_type,
            start,
            execution_time or time(0, 0),
            execution_day,
            end,
            fmt or DEFAULT_DATE_FORMAT,
            timezone or "UTC",
            1 if offset is None else offset,
        )

    def get_partitions(self, current_time: datetime | None = None) -> list[Partition[datetime]]:
        return schedule_partition_range(
            self.start,
            self.end,
            self.get_cron_schedule(),
            self.fmt,
            self.timezone,
            self.get_execution_time_to_partition_fn(),
            current_time,
        )

    def get_cron_schedule(self) -> str:
        return get_cron_schedule(self.schedule_type, self.execution_time, self.execution_day)

    def get_execution_time_to_partition_fn(self) -> Callable[[datetime], datetime]:
        """Maps a tick's time to the time of the partition it runs."""
        kind, offset, zone = self.schedule_type, self.offset, self.timezone
        if kind is ScheduleType.HOURLY:
            return lambda d: elapsed_shift(to_zone(d, zone), hours=-offset, minutes=-d.minute)
        if kind is ScheduleType.DAILY:
            days, months = (offset, 0)
            back = 0
        elif kind is ScheduleType.WEEKLY:
            days, months = (7 * offset, 0)
            back = (int(self.execution_day or 0) - (self.start.weekday() + 1)) % 7
        else:
            days, months = (0, offset)
            back = int(self.execution_day or 1) - 1

        def to_partition(d: datetime) -> datetime:
            local = to_zone(d, zone)
            shifted = wall_clock_shift(local, months=-months, days=-(days + back))
            return elapsed_shift(shifted, hours=-local.hour, minutes=-local.minute)

        return to_partition


def _checked_execution_day(schedule_type: ScheduleType, execution_day: int | None) -> int | None:
    if schedule_type in (ScheduleType.HOURLY, ScheduleType.DAILY):
        if execution_day:
            raise CheckError(
                f'Invariant failed. Description: Execution day should not be provided for schedule type "{schedule_type}"'
            )
        return execution_day
    if schedule_type is ScheduleType.WEEKLY:
        day = 0 if execution_day is None else execution_day
        if not 0 <= day <= 6:
            raise CheckError(
                f'Invariant failed. Description: Execution day "{day}" must be between 0 and 6 for schedule type "{schedule_type}"'
            )
        return day
    day = 1 if execution_day is None else execution_day
    if not 1 <= day <= 31:
        raise CheckError(
            f'Invariant failed. Description: Execution day "{day}" must be between 1 and 31 for schedule type "{schedule_type}"'
        )
    return day


def schedule_partition_range(
    start: datetime,
    end: datetime | None,
    cron_schedule: str,
    fmt: str,
    timezone: str | None,
    execution_time_to_partition_fn: Callable[[datetime], datetime],
    current_time: datetime | None,
) -> list[Partition[datetime]]:
    """The partitions filled in by the ticks from ``start`` up to ``current_time`` (or ``end``)."""
    if end is not None and start > end:
        raise DagsterInvariantViolationError(
            f'Selected date range start "{start.strftime(fmt)}" is after date range end "{end.strftime(fmt)}'
        )
    first = to_zone(start, timezone)
    current = to_zone(current_time, timezone) if current_time else now(timezone)
    last = execution_time_to_partition_fn(current)
    if end is not None:
        last = min(to_zone(end, timezone), last)
    partitions: list[Partition[datetime]] = []
    for tick in cron_ticks(cron_schedule, first, timezone):
        partition_time = execution_time_to_partition_fn(tick)
        if partition_time > last:
            break
        if partition_time >= first:
            partitions.append(Partition(partition_time, partition_time.strftime(fmt)))
    return partitions


def _partition_schedule(
    schedule_type: ScheduleType,
    pipeline_name: str | None,
    start_date: datetime,
    name: str | None,
    execution_time: time,
    execution_day: int | None,
    tags_fn_for_date: Callable[[datetime], Mapping[str, Any] | None] | None,
    solid_selection: Sequence[str] | None,
    mode: str | None,
    should_execute: Callable[[ScheduleEvaluationContext], bool] | None,
    environment_vars: Mapping[str, str] | None,
    end_date: datetime | None,
    execution_timezone: str | None,
    offset: int | None,
    description: str | None,
    fmt: str,
) -> Callable[[Callable[[datetime], dict[str, Any]]], PartitionScheduleDefinition]:
    if not isinstance(start_date, datetime):
        raise CheckError(
            f'Param "start_date" is not a datetime. Got {start_date!r} which is type {type(start_date)}.'
        )
    if not isinstance(execution_time, time):
        raise CheckError(f'Param "execution_time" is not a time. Got {execution_time!r}.')

    def inner(fn: Callable[[datetime], dict[str, Any]]) -> PartitionScheduleDefinition:
        schedule_name = name or fn.__name__
        partitions_def = ScheduleTimeBasedPartitionsDefinition(
            schedule_type=schedule_type,
            start=start_date,
            execution_time=execution_time,
            execution_day=execution_day,
            end=end_date,
            fmt=fmt,
            timezone=execution_timezone,
            offset=offset,
        )
        partition_set = PartitionSetDefinition(
            name=f"{schedule_name}_partitions",
            pipeline_name=pipeline_name,
            run_config_fn_for_partition=lambda partition: fn(partition.value),
            solid_selection=solid_selection,
            tags_fn_for_partition=(
                (lambda partition: tags_fn_for_date(partition.value))
                if tags_fn_for_date
                else (lambda _partition: {})
            ),
            mode=mode or DEFAULT_MODE_NAME,
            partitions_def=partitions_def,
        )
        definition = partition_set.create_schedule_definition(
            schedule_name,
            partitions_def.get_cron_schedule(),
            should_execute=should_execute,
            environment_vars=environment_vars,
            partition_selector=create_offset_partition_selector(
                partitions_def.get_execution_time_to_partition_fn()
            ),
            execution_timezone=execution_timezone,
            description=description,
            decorated_fn=fn,
        )
        update_wrapper(definition, fn)
        return definition

    return inner


_HOW_TO_RUN_LATER = (
    "Use `execution_time` (and the execution day) to run the schedule later in the period."
)


def daily_schedule(
    pipeline_name: str | None,
    start_date: datetime,
    name: str | None = None,
    execution_time: time = time(0, 0),
    tags_fn_for_date: Callable[[datetime], Mapping[str, Any] | None] | None = None,
    solid_selection: Sequence[str] | None = None,
    mode: str | None = DEFAULT_MODE_NAME,
    should_execute: Callable[[ScheduleEvaluationContext], bool] | None = None,
    environment_vars: Mapping[str, str] | None = None,
    end_date: datetime | None = None,
    execution_timezone: str | None = None,
    partition_days_offset: int | None = 1,
    description: str | None = None,
) -> Callable[[Callable[[datetime], dict[str, Any]]], PartitionScheduleDefinition]:
    """A schedule that runs each day and fills in a day's partition (yesterday's by default).

    The decorated function takes the partition's date and returns run config.

    Args:
        pipeline_name: the pipeline (or job) it runs, by name.
        start_date: the first partition's date (midnight).
        name: the schedule's name (default: the function's).
        execution_time: the time of day it runs.
        tags_fn_for_date: ``f(date) -> dict``, extra tags of a partition's run.
        solid_selection: (legacy) the solids to run.
        mode: (legacy) the pipeline's mode.
        should_execute: ``f(context) -> bool``; False skips the tick.
        environment_vars: kept on the schedule.
        end_date: the last partition's date (default: none).
        execution_timezone: IANA time zone (default UTC).
        partition_days_offset: how many days before the tick its partition is (default 1).
        description: a human-readable description.

    Returns:
        A decorator making a :class:`PartitionScheduleDefinition`.
    """
    if start_date.hour or start_date.minute or start_date.second:
        warnings.warn(
            "`start_date` must be at the beginning of a day for a daily schedule. "
            + _HOW_TO_RUN_LATER,
            stacklevel=2,
        )
    return _partition_schedule(
        ScheduleType.DAILY, pipeline_name, start_date, name, execution_time, None,
        tags_fn_for_date, solid_selection, mode, should_execute, environment_vars, end_date,
        execution_timezone, partition_days_offset, description, DEFAULT_DATE_FORMAT,
    )  # fmt: skip


def hourly_schedule(
    pipeline_name: str | None,
    start_date: datetime,
    name: str | None = None,
    execution_time: time = time(0, 0),
    tags_fn_for_date: Callable[[datetime], Mapping[str, Any] | None] | None = None,
    solid_selection: Sequence[str] | None = None,
    mode: str | None = DEFAULT_MODE_NAME,
    should_execute: Callable[[ScheduleEvaluationContext], bool] | None = None,
    environment_vars: Mapping[str, str] | None = None,
    end_date: datetime | None = None,
    execution_timezone: str | None = None,
    partition_hours_offset: int | None = 1,
    description: str | None = None,
) -> Callable[[Callable[[datetime], dict[str, Any]]], PartitionScheduleDefinition]:
    """A schedule that runs each hour and fills in an hour's partition (the previous one).

    Takes the arguments of :func:`daily_schedule`; ``execution_time`` gives only the minute
    past the hour, and ``partition_hours_offset`` counts hours.
    """
    if start_date.minute or start_date.second:
        warnings.warn(
            "`start_date` must be at the beginning of the hour for an hourly schedule. "
            + _HOW_TO_RUN_LATER,
            stacklevel=2,
        )
    if execution_time.hour != 0:
        warnings.warn(
            f"Hourly schedule {name} created with execution_time={execution_time}: the hour is "
            f"ignored and the schedule runs at minute {execution_time.minute} of every hour.",
            stacklevel=2,
        )
    fmt = (
        DEFAULT_HOURLY_FORMAT_WITH_TIMEZONE
        if execution_timezone
        else DEFAULT_HOURLY_FORMAT_WITHOUT_TIMEZONE
    )
    return _partition_schedule(
        ScheduleType.HOURLY, pipeline_name, start_date, name, execution_time, None,
        tags_fn_for_date, solid_selection, mode, should_execute, environment_vars, end_date,
        execution_timezone, partition_hours_offset, description, fmt,
    )  # fmt: skip


def weekly_schedule(
    pipeline_name: str | None,
    start_date: datetime,
    name: str | None = None,
    execution_day_of_week: int = 0,
    execution_time: time = time(0, 0),
    tags_fn_for_date: Callable[[datetime], Mapping[str, Any] | None] | None = None,
    solid_selection: Sequence[str] | None = None,
    mode: str | None = DEFAULT_MODE_NAME,
    should_execute: Callable[[ScheduleEvaluationContext], bool] | None = None,
    environment_vars: Mapping[str, str] | None = None,
    end_date: datetime | None = None,
    execution_timezone: str | None = None,
    partition_weeks_offset: int | None = 1,
    description: str | None = None,
) -> Callable[[Callable[[datetime], dict[str, Any]]], PartitionScheduleDefinition]:
    """A schedule that runs each week and fills in a week's partition (the previous one).

    Takes the arguments of :func:`daily_schedule`, plus ``execution_day_of_week`` (0 is
    Sunday, 6 Saturday); ``partition_weeks_offset`` counts weeks.
    """
    if start_date.hour or start_date.minute or start_date.second:
        warnings.warn(
            "`start_date` must be at the beginning of a day for a weekly schedule. "
            + _HOW_TO_RUN_LATER,
            stacklevel=2,
        )
    if not 0 <= execution_day_of_week < 7:
        raise DagsterInvalidDefinitionError(
            f"`execution_day_of_week={execution_day_of_week}` is not valid for weekly schedule. "
            "Execution day must be between 0 [Sunday] and 6 [Saturday]"
        )
    return _partition_schedule(
        ScheduleType.WEEKLY, pipeline_name, start_date, name, execution_time, execution_day_of_week,
        tags_fn_for_date, solid_selection, mode, should_execute, environment_vars, end_date,
        execution_timezone, partition_weeks_offset, description, DEFAULT_DATE_FORMAT,
    )  # fmt: skip


def monthly_schedule(
    pipeline_name: str | None,
    start_date: datetime,
    name: str | None = None,
    execution_day_of_month: int = 1,
    execution_time: time = time(0, 0),
    tags_fn_for_date: Callable[[datetime], Mapping[str, Any] | None] | None = None,
    solid_selection: Sequence[str] | None = None,
    mode: str | None = DEFAULT_MODE_NAME,
    should_execute: Callable[[ScheduleEvaluationContext], bool] | None = None,
    environment_vars: Mapping[str, str] | None = None,
    end_date: datetime | None = None,
    execution_timezone: str | None = None,
    partition_months_offset: int | None = 1,
    description: str | None = None,
) -> Callable[[Callable[[datetime], dict[str, Any]]], PartitionScheduleDefinition]:
    """A schedule that runs each month and fills in a month's partition (the previous one).

    Takes the arguments of :func:`daily_schedule`, plus ``execution_day_of_month`` (1 to 31);
    ``partition_months_offset`` counts months.  Partitions are named ``%Y-%m``.
    """
    if start_date.day != 1 or start_date.hour or start_date.minute or start_date.second:
        warnings.warn(
            "`start_date` must be at the beginning of the first day of the month for a monthly "
            "schedule. " + _HOW_TO_RUN_LATER,
            stacklevel=2,
        )
    if not 0 < execution_day_of_month <= 31:
        raise DagsterInvalidDefinitionError(
            f"`execution_day_of_month={execution_day_of_month}` is not valid for monthly schedule. "
            "Execution day must be between 1 and 31"
        )
    return _partition_schedule(
        ScheduleType.MONTHLY, pipeline_name, start_date, name, execution_time, execution_day_of_month,
        tags_fn_for_date, solid_selection, mode, should_execute, environment_vars, end_date,
        execution_timezone, partition_months_offset, description, DEFAULT_MONTHLY_FORMAT,
    )  # fmt: skip
