"""What a sensor (or a schedule) asks for: a run, a reason to skip, or a reaction to a run.

``RunRequest`` and ``SkipReason`` are plain values, as in Dagster: an evaluation function
returns or yields them, and whoever evaluates it (``SensorDefinition.evaluate_tick``, a cron
job, Dagster's daemon) decides what to launch.  ``PipelineRunReaction`` is what a run-status
sensor yields for each run it reacted to.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, NamedTuple

from opbook.errors import CheckError


class InstigatorType(Enum):
    """What starts runs on its own: a schedule or a sensor."""

    SCHEDULE = "SCHEDULE"
    SENSOR = "SENSOR"


def _opt_str(value: Any, what: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise CheckError(f'Param "{what}" is not a str. Got {value!r} which is type {type(value)}.')
    return value


def _opt_dict(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise CheckError(
            f'Param "{what}" is not a dict. Got {value!r} which is type {type(value)}.'
        )
    return dict(value)


class SkipReason(NamedTuple("_SkipReason", [("skip_message", "str | None")])):
    """No run this time, and why (``skip_message``, shown beside the tick).

    Args:
        skip_message: why no run was requested.
    """

    def __new__(cls, skip_message: str | None = None) -> SkipReason:
        return super().__new__(cls, _opt_str(skip_message, "skip_message"))


class RunRequest(
    NamedTuple(
        "_RunRequest",
        [
            ("run_key", "str | None"),
            ("run_config", "dict[str, Any]"),
            ("tags", "dict[str, Any]"),
            ("job_name", "str | None"),
        ],
    )
):
    """A run to launch: its run config and tags, and the job (for a sensor of several jobs).

    Args:
        run_key: identifies the run among the sensor's runs: whoever launches runs launches
            one run per key (None: a run every time).
        run_config: the run's config.
        tags: tags of the run.
        job_name: which of the sensor's jobs to run (needed when it targets several).
    """

    def __new__(
        cls,
        run_key: str | None,
        run_config: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        job_name: str | None = None,
    ) -> RunRequest:
        return super().__new__(
            cls,
            _opt_str(run_key, "run_key"),
            _opt_dict(run_config, "run_config"),
            _opt_dict(tags, "tags"),
            _opt_str(job_name, "job_name"),
        )


class PipelineRunReaction(NamedTuple):
    """A run-status sensor's reaction to one run: the run, and the error its function raised
    (a ``SerializableErrorInfo``), if it did."""

    pipeline_run: Any
    error: Any = None


SCHEDULE_NAME_TAG = "dagster/schedule_name"
"""The tag naming the schedule that requested a run."""
PARTITION_NAME_TAG = "dagster/partition"
"""The tag naming a run's partition."""
PARTITION_SET_TAG = "dagster/partition_set"
"""The tag naming the partition set of a run's partition."""
