"""Time-window partitions: one partition per hour, day, week or month from a start date.

Partition *k* is the window ``[tick_k, tick_k+1)`` between consecutive ticks of the period's
cron string (``"0 * * * *"``, ``"0 0 * * *"``, ``"0 0 * * 0"``, ``"0 0 1 * *"``) in the
definition's time zone, named by its start formatted with ``fmt``.  The last partition is the
last window that has ended by the current time; ``end_offset`` adds (or, negative, removes)
windows past it.  A naive start or current time is a wall-clock time in the time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from enum import Enum
from typing import Any, NamedTuple

from opbook.definitions.cron import cron_ticks, get_timezone, now, to_zone
from opbook.definitions.partition import Partition, PartitionedConfig, PartitionsDefinition
from opbook.errors import CheckError

DEFAULT_DATE_FORMAT = "%Y-%m-%d"
DEFAULT_MONTHLY_FORMAT = "%Y-%m"
DEFAULT_HOURLY_FORMAT_WITHOUT_TIMEZONE = "%Y-%m-%d-%H:%M"
DEFAULT_HOURLY_FORMAT_WITH_TIMEZONE = DEFAULT_HOURLY_FORMAT_WITHOUT_TIMEZONE + "%z"


class ScheduleType(Enum):
    """The period of time-based partitions and of the legacy partition schedules."""

    HOURLY = "HOURLY"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"


def get_cron_schedule(
    schedule_type: ScheduleType, time_of_day: time = time(0, 0), execution_day: int | None = None
) -> str:
    """The cron string of a period, at a time of day and (weekly, monthly) a day."""
    minute, hour = time_of_day.minute, time_of_day.hour
    if schedule_type is ScheduleType.HOURLY:
        return f"{minute} * * * *"
    if schedule_type is ScheduleType.DAILY:
        return f"{minute} {hour} * * *"
    if schedule_type is ScheduleType.WEEKLY:
        return f"{minute} {hour} * * {execution_day if execution_day is not None else 0}"
    return f"{minute} {hour} {execution_day if execution_day is not None else 1} * *"


class TimeWindow(NamedTuple):
    """An interval of time, closed at its start and open at its end."""

    start: datetime
    end: datetime


class TimeWindowPartitionsDefinition(PartitionsDefinition[TimeWindow]):
    """Partitions that are consecutive windows of one period (see the module's docstring).

    Args:
        schedule_type: the period.
        start: the first window's start (a datetime, or a string in ``fmt``).
        timezone: IANA time zone of the windows (default UTC).
        fmt: how a window's start is written as its partition key.
        end_offset: windows added past the last one that has ended (negative: removed).
    """

    def __init__(
        self,
        schedule_type: ScheduleType,
        start: datetime | str,
        timezone: str | None,
        fmt: str,
        end_offset: int = 0,
    ) -> None:
        if isinstance(start, str):
            try:
                start = datetime.strptime(start, fmt)
            except ValueError as err:
                raise CheckError(
                    f"start date {start!r} does not match the partition format {fmt!r}: {err}."
                ) from None
        if not isinstance(start, datetime):
            raise CheckError(f"start_date must be a datetime or a string, got {start!r}.")
        get_timezone(timezone)
        self.schedule_type = schedule_type
        self.start = start
        self.timezone = timezone or "UTC"
        self.fmt = fmt
        self.end_offset = end_offset

    def _fields(self) -> tuple[Any, ...]:
        return (self.schedule_type, self.start, self.timezone, self.fmt, self.end_offset)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TimeWindowPartitionsDefinition) and self._fields() == other._fields()
        )

    def __hash__(self) -> int:
        return hash(self._fields())

    def _ticks(self, begin: datetime) -> Any:
        return cron_ticks(get_cron_schedule(self.schedule_type), begin, self.timezone)

    def get_partitions(self, current_time: datetime | None = None) -> list[Partition[TimeWindow]]:
        """The windows as of ``current_time`` (default: now), oldest first."""
        current = (
            now(self.timezone) if current_time is None else to_zone(current_time, self.timezone)
        )
        ticks = self._ticks(to_zone(self.start, self.timezone))
        partitions: list[Partition[TimeWindow]] = []
        window_start = next(ticks)
        past_current = 0
        for window_end in ticks:
            if window_end > current:
                if past_current >= self.end_offset:
                    break
                past_current += 1
            partitions.append(
                Partition(TimeWindow(window_start, window_end), window_start.strftime(self.fmt))
            )
            window_start = window_end
        if self.end_offset < 0:
            partitions = partitions[: self.end_offset]
        return partitions

    def start_time_for_partition_key(self, partition_key: str) -> datetime:
        """The start of the window named ``partition_key``."""
        return to_zone(datetime.strptime(partition_key, self.fmt), self.timezone)

    def time_window_for_partition_key(self, partition_key: str) -> TimeWindow:
        """The window named ``partition_key``."""
        start = self.start_time_for_partition_key(partition_key)
        ticks = self._ticks(start)
        next(ticks)
        return TimeWindow(start, next(ticks))

    def __str__(self) -> str:
        text = (
            f"{self.schedule_type.value.capitalize()}, starting "
            f"{self.start.strftime(self.fmt)} {self.timezone}."
        )
        if self.end_offset != 0:
            plural = "" if self.end_offset == 1 else "s"
            text += f" End offsetted by {self.end_offset} partition{plural}."
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(start={self.start!r}, timezone={self.timezone!r}, "
            f"fmt={self.fmt!r}, end_offset={self.end_offset!r})"
        )


class HourlyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per hour from ``start_date`` (keys ``%Y-%m-%d-%H:%M`` by default).

    Args:
        start_date: the first hour (a datetime, or a string in ``fmt``).
        timezone: IANA time zone (default UTC).
        fmt: the key format.
        end_offset: hours added past the last one that has ended.
    """

    def __init__(
        self,
        start_date: datetime | str,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
    ) -> None:
        fmt = fmt or DEFAULT_HOURLY_FORMAT_WITHOUT_TIMEZONE
        super().__init__(ScheduleType.HOURLY, start_date, timezone, fmt, end_offset)


class DailyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per day from ``start_date`` (keys ``%Y-%m-%d`` by default).

    Args:
        start_date: the first day (a datetime, or a string in ``fmt``).
        timezone: IANA time zone (default UTC).
        fmt: the key format.
        end_offset: days added past the last one that has ended (1: include today).
    """

    def __init__(
        self,
        start_date: datetime | str,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
    ) -> None:
        super().__init__(
            ScheduleType.DAILY, start_date, timezone, fmt or DEFAULT_DATE_FORMAT, end_offset
        )


class WeeklyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per week (Sunday to Sunday) from ``start_date``.

    Args:
        start_date: the first week's start (a datetime, or a string in ``fmt``).
        timezone: IANA time zone (default UTC).
        fmt: the key format (default ``%Y-%m-%d``).
        end_offset: weeks added past the last one that has ended.
    """

    def __init__(
        self,
        start_date: datetime | str,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
    ) -> None:
        super().__init__(
            ScheduleType.WEEKLY, start_date, timezone, fmt or DEFAULT_DATE_FORMAT, end_offset
        )


class MonthlyPartitionsDefinition(TimeWindowPartitionsDefinition):
    """One partition per calendar month from ``start_date``.

    Args:
        start_date: the first month's start (a datetime, or a string in ``fmt``).
        timezone: IANA time zone (default UTC).
        fmt: the key format (default ``%Y-%m-%d``).
        end_offset: months added past the last one that has ended.
    """

    def __init__(
        self,
        start_date: datetime | str,
        timezone: str | None = None,
        fmt: str | None = None,
        end_offset: int = 0,
    ) -> None:
        super().__init__(
            ScheduleType.MONTHLY, start_date, timezone, fmt or DEFAULT_DATE_FORMAT, end_offset
        )


WindowConfigFn = Callable[[datetime, datetime], dict[str, Any]]


def _window_config(
    partitions_def: TimeWindowPartitionsDefinition,
) -> Callable[[WindowConfigFn], PartitionedConfig[TimeWindow]]:
    def inner(fn: WindowConfigFn) -> PartitionedConfig[TimeWindow]:
        if not callable(fn):
            raise CheckError(f"A partitioned config decorator needs a function, got {fn!r}.")
        return PartitionedConfig(
            partitions_def, lambda partition: fn(partition.value[0], partition.value[1]), fn
        )

    return inner


def hourly_partitioned_config(
    start_date: datetime | str,
    timezone: str | None = None,
    fmt: str | None = None,
    end_offset: int = 0,
) -> Callable[[WindowConfigFn], PartitionedConfig[TimeWindow]]:
    """Run config by hour: the function maps an hour's ``(start, end)`` to run config.

    Takes the arguments of :class:`HourlyPartitionsDefinition`.
    """
    return _window_config(HourlyPartitionsDefinition(start_date, timezone, fmt, end_offset))


def daily_partitioned_config(
    start_date: datetime | str,
    timezone: str | None = None,
    fmt: str | None = None,
    end_offset: int = 0,
) -> Callable[[WindowConfigFn], PartitionedConfig[TimeWindow]]:
    """Run config by day: the function maps a day's ``(start, end)`` to run config.

    Takes the arguments of :class:`DailyPartitionsDefinition`.
    """
    return _window_config(DailyPartitionsDefinition(start_date, timezone, fmt, end_offset))


def weekly_partitioned_config(
    start_date: datetime | str,
    timezone: str | None = None,
    fmt: str | None = None,
    end_offset: int = 0,
) -> Callable[[WindowConfigFn], PartitionedConfig[TimeWindow]]:
    """Run config by week: the function maps a week's ``(start, end)`` to run config.

    Takes the arguments of :class:`WeeklyPartitionsDefinition`.
    """
    return _window_config(WeeklyPartitionsDefinition(start_date, timezone, fmt, end_offset))


def monthly_partitioned_config(
    start_date: datetime | str,
    timezone: str | None = None,
    fmt: str | None = None,
    end_offset: int = 0,
) -> Callable[[WindowConfigFn], PartitionedConfig[TimeWindow]]:
    """Run config by month: the function maps a month's ``(start, end)`` to run config.

    Takes the arguments of :class:`MonthlyPartitionsDefinition`.
    """
    return _window_config(MonthlyPartitionsDefinition(start_date, timezone, fmt, end_offset))
