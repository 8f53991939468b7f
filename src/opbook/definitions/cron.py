"""Cron strings and time zones, for schedules and time-based partitions.

Cron parsing and iteration are the ``croniter`` package's, imported on first use so that
``import opbook`` stays fast; time zones are the standard library's ``zoneinfo``.  Every time
handed out here is timezone-aware.  A naive datetime given by a user is read as a wall-clock
time in the definition's time zone, as Dagster reads it.

Iteration policy (``cron_ticks``): every tick at or after a start, in order, in the schedule's
zone.  A daily time that does not exist on a spring-forward day runs at the next hour that
does (croniter's rule, the same as Dagster's), and the next day returns to the usual time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from opbook.errors import DagsterInvalidDefinitionError


def _croniter() -> Any:
    from croniter import croniter  # a dependency, imported lazily: import opbook stays fast

    return croniter


def is_valid_cron_string(cron_string: str) -> bool:
    """Whether ``cron_string`` is a standard cron expression of 5 space-separated fields."""
    if not isinstance(cron_string, str) or len(cron_string.split(" ")) != 5:
        return False
    return bool(_croniter().is_valid(cron_string))


@lru_cache(maxsize=64)
def get_timezone(name: str | None) -> tzinfo:
    """The ``tzinfo`` for an IANA name (``"America/Los_Angeles"``); UTC for None.

    Raises:
        DagsterInvalidDefinitionError: no time zone has that name.
    """
    if name is None or name == "UTC":
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        raise DagsterInvalidDefinitionError(f"Unknown time zone {name!r}.") from err


def to_zone(moment: datetime, zone: str | None) -> datetime:
    """``moment`` in ``zone``: a naive datetime is read as a wall-clock time there."""
    tz = get_timezone(zone)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=tz)
    return moment.astimezone(tz)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def now(zone: str | None) -> datetime:
    """The current time in ``zone`` (tests may replace ``_utcnow`` to freeze the clock)."""
    return _utcnow().astimezone(get_timezone(zone))


def cron_ticks(cron_schedule: str, start: datetime, zone: str | None) -> Iterator[datetime]:
    """Every time matching ``cron_schedule`` at or after ``start``, in ``zone``, forever."""
    tz = get_timezone(zone)
    begin = to_zone(start, zone)
    ticks = _croniter()(cron_schedule, begin)
    ticks.get_prev(datetime)  # so that the first tick may be ``start`` itself
    while True:
        tick = ticks.get_next(datetime).astimezone(tz)
        if tick >= begin:
            yield tick


def wall_clock_shift(moment: datetime, *, months: int = 0, days: int = 0) -> datetime:
    """``moment`` moved by calendar months and days, keeping its wall-clock time and zone.

    A day of month past the end of the target month is clamped (Jan 31 + 1 month = Feb 28/29).
    """
    if months:
        index = moment.year * 12 + moment.month - 1 + months
        year, month = divmod(index, 12)
        day = min(moment.day, _days_in_month(year, month + 1))
        moment = moment.replace(year=year, month=month + 1, day=day)
    return moment + timedelta(days=days) if days else moment


def _days_in_month(year: int, month: int) -> int:
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def elapsed_shift(moment: datetime, *, hours: int = 0, minutes: int = 0) -> datetime:
    """``moment`` moved by elapsed hours and minutes (across a DST change, real time)."""
    tz = moment.tzinfo
    shifted = moment.astimezone(timezone.utc) + timedelta(hours=hours, minutes=minutes)
    return shifted.astimezone(tz)
