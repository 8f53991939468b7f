"""What a schedule (or a sensor) asks for when it is evaluated: runs, or a reason for none.

A ``RunRequest`` holds the run config and tags of one run to launch; a ``SkipReason`` says why
an evaluation launches nothing.  Both are plain values: opbook evaluates schedules on demand
(``schedule.evaluate_tick(context)``) and leaves launching the runs to the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from opbook.errors import CheckError


class SkipReason(NamedTuple):
    """An evaluation that requests no run, with an optional message saying why.

    Args:
        skip_message: why no run was requested.
    """

    skip_message: str | None = None


class _RunRequestFields(NamedTuple):
    run_key: str | None
    run_config: dict[str, Any]
    tags: dict[str, Any]
    job_name: str | None


class RunRequest(_RunRequestFields):
    """One run to launch: its run config and tags.

    Args:
        run_key: identifies the run across evaluations (one run per key); None for always a new run.
        run_config: the run's config, as a dict.
        tags: tags of the run (string keys and values).
        job_name: the job to run, when the requester targets several.
    """

    def __new__(
        cls,
        run_key: str | None,
        run_config: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        job_name: str | None = None,
    ) -> RunRequest:
        if run_key is not None and not isinstance(run_key, str):
            raise CheckError(
                f'Param "run_key" is not a str. Got {run_key!r} which is type {type(run_key)}.'
            )
        for param, value in (("run_config", run_config), ("tags", tags)):
            if value is not None and not isinstance(value, Mapping):
                raise CheckError(
                    f'Param "{param}" is not a dict. Got {value!r} which is type {type(value)}.'
                )
        return super().__new__(cls, run_key, dict(run_config or {}), dict(tags or {}), job_name)


SCHEDULE_NAME_TAG = "dagster/schedule_name"
"""The tag naming the schedule that requested a run."""
PARTITION_NAME_TAG = "dagster/partition"
"""The tag naming a run's partition."""
PARTITION_SET_TAG = "dagster/partition_set"
"""The tag naming the partition set of a run's partition."""
