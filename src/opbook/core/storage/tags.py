"""``dagster.core.storage.tags``: the system tags opbook sets on runs or reads from them, under
the names Dagster code imports them by."""

from __future__ import annotations

from opbook.definitions.run_request import PARTITION_NAME_TAG, PARTITION_SET_TAG, SCHEDULE_NAME_TAG
from opbook.definitions.version_strategy import MEMOIZED_RUN_TAG

PARENT_RUN_ID_TAG = "dagster/parent_run_id"
ROOT_RUN_ID_TAG = "dagster/root_run_id"
PRIORITY_TAG = "dagster/priority"

__all__ = [
    "MEMOIZED_RUN_TAG",
    "PARENT_RUN_ID_TAG",
    "PARTITION_NAME_TAG",
    "PARTITION_SET_TAG",
    "PRIORITY_TAG",
    "ROOT_RUN_ID_TAG",
    "SCHEDULE_NAME_TAG",
]
