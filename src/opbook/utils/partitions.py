"""``from dagster.utils.partitions import date_partition_range``, spelled
``opbook.utils.partitions``: the partition helpers and date formats of Dagster's module."""

from __future__ import annotations

from opbook.definitions.partition_selectors import (
    create_offset_partition_selector,
    date_partition_range,
    identity_partition_selector,
)
from opbook.definitions.time_window import (
    DEFAULT_DATE_FORMAT,
    DEFAULT_HOURLY_FORMAT_WITH_TIMEZONE,
    DEFAULT_HOURLY_FORMAT_WITHOUT_TIMEZONE,
    DEFAULT_MONTHLY_FORMAT,
)

__all__ = [
    "DEFAULT_DATE_FORMAT",
    "DEFAULT_HOURLY_FORMAT_WITHOUT_TIMEZONE",
    "DEFAULT_HOURLY_FORMAT_WITH_TIMEZONE",
    "DEFAULT_MONTHLY_FORMAT",
    "create_offset_partition_selector",
    "date_partition_range",
    "identity_partition_selector",
]
