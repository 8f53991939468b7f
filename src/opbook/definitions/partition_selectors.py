"""Helpers for partition sets of dates: a partition function over a date range, and the
partition selectors that pick which date partition a schedule's tick runs.

A selector is ``f(context, partition_set) -> Partition | list[Partition] | SkipReason``.
Partition values here are timezone-aware datetimes; a naive tick time is read in the zone of
the partitions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from opbook.definitions.cron import elapsed_shift, now, to_zone, wall_clock_shift
from opbook.definitions.partition import Partition
from opbook.definitions.partition_set import PartitionSetDefinition
from opbook.definitions.run_request import SkipReason
from opbook.definitions.schedule_context import ScheduleEvaluationContext
from opbook.definitions.time_window import DEFAULT_DATE_FORMAT
from opbook.errors import CheckError, DagsterInvariantViolationError

_STEPS: dict[str, Callable[[datetime, int], datetime]] = {
    "minutes": lambda d, n: elapsed_shift(d, minutes=n),
    "hours": lambda d, n: elapsed_shift(d, hours=n),
    "days": lambda d, n: wall_clock_shift(d, days=n),
    "weeks": lambda d, n: wall_clock_shift(d, days=7 * n),
    "months": lambda d, n: wall_clock_shift(d, months=n),
    "years": lambda d, n: wall_clock_shift(d, months=12 * n),
}


def date_partition_range(
    start: datetime,
    end: datetime | None = None,
    delta_range: str = "days",
    fmt: str | None = None,
    inclusive: bool = False,
    timezone: str | None = None,
) -> Callable[..., list[Partition[datetime]]]:
    """A ``partition_fn`` for a ``PartitionSetDefinition``: one partition per interval.

    Args:
        start: the first partition's time.
        end: where the range ends (default: the current time when asked).
        delta_range: the interval: ``"minutes"``, ``"hours"``, ``"days"``, ``"weeks"``,
            ``"months"`` or ``"years"``.
        fmt: how a partition's time is written as its name (default ``%Y-%m-%d``).
        inclusive: also include the interval that ``end`` falls in.
        timezone: IANA time zone of the partitions (default UTC).

    Returns:
        ``f(current_time=None) -> list[Partition]``
    """
    if not isinstance(start, datetime) or (end is not None and not isinstance(end, datetime)):
        raise CheckError("date_partition_range takes datetimes for start and end.")
    if delta_range not in _STEPS:
        raise CheckError(f"delta_range must be one of {sorted(_STEPS)}, got {delta_range!r}.")
    fmt = fmt or DEFAULT_DATE_FORMAT
    if end is not None and start > end:
        raise DagsterInvariantViolationError(
            f'Selected date range start "{start.strftime(fmt)}" is after date range end "{end.strftime(fmt)}'
        )
    step = _STEPS[delta_range]

    def get_date_range_partitions(
        current_time: datetime | None = None,
    ) -> list[Partition[datetime]]:
        first = to_zone(start, timezone)
        last = to_zone(end or current_time or now(timezone), timezone)
        partitions = []
        index = 0
        while (moment := step(first, index)) <= last:
            partitions.append(Partition(moment, moment.strftime(fmt)))
            index += 1
        return partitions if inclusive else partitions[:-1]

    return get_date_range_partitions


def identity_partition_selector(
    context: ScheduleEvaluationContext, partition_set_def: PartitionSetDefinition[Any]
) -> Partition[Any] | SkipReason:
    """Select the partition whose time is the tick's time (the cron string must match the
    partitions' times)."""
    return create_offset_partition_selector(lambda d: d)(context, partition_set_def)


def create_offset_partition_selector(
    execution_time_to_partition_fn: Callable[[datetime], datetime],
) -> Callable[
    [ScheduleEvaluationContext, PartitionSetDefinition[Any]], Partition[Any] | SkipReason
]:
    """A selector for date partitions a fixed offset before the tick.

    Args:
        execution_time_to_partition_fn: maps a tick's time to its partition's time, e.g.
            ``lambda d: d - timedelta(days=1)`` to run yesterday's partition.
    """
    if not callable(execution_time_to_partition_fn):
        raise CheckError(
            "create_offset_partition_selector needs a function from tick time to partition time."
        )

    def offset_partition_selector(
        context: ScheduleEvaluationContext, partition_set_def: PartitionSetDefinition[Any]
    ) -> Partition[Any] | SkipReason:
        no_partition = SkipReason(
            "Partition selector did not return a partition. Make sure that the timezone "
            "on your partition set matches your execution timezone."
        )
        earliest = next(iter(partition_set_def.get_partitions(None)), None)
        if earliest is None:
            return no_partition
        tick = context.scheduled_execution_time
        valid = partition_set_def.get_partitions(tick)
        if tick is None:
            return valid[-1] if valid else no_partition
        partition_time = execution_time_to_partition_fn(_like(tick, earliest.value))
        partition_time = _like(partition_time, earliest.value)
        if partition_time < earliest.value:
            return SkipReason(
                f"Your partition ({partition_time.isoformat()}) is before the beginning of "
                f"the partition set ({earliest.value.isoformat()}). "
                "Verify your schedule's start_date is correct."
            )
        if not valid:
            return no_partition
        if partition_time > valid[-1].value:
            return SkipReason(
                f"Your partition ({partition_time.isoformat()}) is after the end of "
                f"the partition set ({valid[-1].value.isoformat()}). "
                "Verify your schedule's end_date is correct."
            )
        for partition in valid:
            if partition.value == partition_time:
                return partition
        return no_partition

    return offset_partition_selector


def _like(moment: datetime, reference: Any) -> datetime:
    """A naive ``moment`` read in the zone of ``reference`` (an aware datetime), so they compare."""
    if moment.tzinfo is None and isinstance(reference, datetime) and reference.tzinfo is not None:
        return moment.replace(tzinfo=reference.tzinfo)
    return moment
