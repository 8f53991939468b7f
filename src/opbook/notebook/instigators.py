"""Schedules, sensors and partitions as DataFrames: what ``%opbook ticks``, ``%opbook sensor``
and ``%opbook partitions`` return.

The evaluation is the engine's (``ScheduleDefinition.preview_ticks``, ``evaluate_tick``,
``PipelineDefinition.partition_run``); this module only lays the results out, one row per run
request (or per partition).  pandas is imported when a frame is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opbook import PipelineDefinition, RunRequest
from opbook.notebook.engine_seam import SCHEDULE_NAME_TAG, ScheduleTick

TICK_COLUMNS = ["tick", "run_key", "tags", "run_config", "skipped"]
REQUEST_COLUMNS = ["run_key", "job", "tags", "run_config"]
PARTITION_COLUMNS = ["partition", "run_config", "tags"]


def ticks_frame(ticks: Iterable[ScheduleTick]) -> Any:
    """One row per run request of each tick, or one row saying why a tick skips; the tags
    leave out ``dagster/schedule_name``, which every request of the schedule carries."""
    import pandas as pd

    rows: list[list[Any]] = []
    for tick in ticks:
        if not tick.run_requests:
            rows.append([tick.time, None, {}, None, tick.skip_message or "no run requested"])
        for request in tick.run_requests:
            tags = {k: v for k, v in request.tags.items() if k != SCHEDULE_NAME_TAG}
            rows.append([tick.time, request.run_key, tags, request.run_config, None])
    return pd.DataFrame(rows, columns=TICK_COLUMNS)


def requests_frame(requests: Iterable[RunRequest]) -> Any:
    """One row per run request: its run key, job (when it names one), tags and run config."""
    import pandas as pd

    rows = [[r.run_key, r.job_name, dict(r.tags), r.run_config] for r in requests]
    return pd.DataFrame(rows, columns=REQUEST_COLUMNS)


def partitions_frame(job: PipelineDefinition) -> Any:
    """One row per partition of ``job``: its key, the run config and the tags of its run."""
    import pandas as pd

    partitioned = job.partitioned_config
    rows = []
    for key in partitioned.get_partition_keys() if partitioned is not None else []:
        config, tags = job.partition_run(key)
        rows.append([key, config, tags])
    return pd.DataFrame(rows, columns=PARTITION_COLUMNS)
