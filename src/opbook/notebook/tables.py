"""Tables a notebook shows: a run's steps and events, and the session's runs.

The frames are the same ones ``result.to_dataframe()`` gives; only their HTML is tuned for
reading (local clock times to the millisecond, durations as ``12 ms``, long tables cut in the
middle).  pandas is imported when a table is built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from opbook import DagsterEvent, DagsterInstance, PipelineRun
from opbook.notebook.engine_seam import events_frame, steps_frame
from opbook.notebook.fmt import format_duration

MAX_ROWS = 60
RUN_COLUMNS = ["run_id", "job", "status", "start", "end", "duration", "parent_run_id"]


def _clock(value: Any) -> str:
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    return str(value.to_pydatetime(warn=False).astimezone().strftime("%H:%M:%S.%f")[:-3])


def _elapsed(value: Any) -> str:
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    return format_duration(value.total_seconds() * 1000)


def _blank(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def frame_html(frame: Any, max_rows: int = MAX_ROWS) -> str:
    """A DataFrame as a compact HTML table (times and durations made readable)."""
    formatters: dict[str, Any] = {}
    for column in frame.columns:
        kind = frame[column].dtype.kind
        if kind == "M":
            formatters[column] = _clock
        elif kind == "m":
            formatters[column] = _elapsed
        elif kind == "O":
            formatters[column] = _blank
    return str(
        frame.to_html(
            index=False,
            max_rows=max_rows,
            formatters=formatters,
            na_rep="",
            border=0,
            classes="opbook-table",
        )
    )


def steps_html(events: Iterable[DagsterEvent]) -> str:
    return frame_html(steps_frame(events))


def events_html(events: Iterable[DagsterEvent]) -> str:
    """The events table of a card (the run id is in the card's title, so not in every row)."""
    return frame_html(events_frame(events, None).drop(columns=["run_id"]))


_EPHEMERAL_OP_RUN = re.compile(r"ephemeral_(?P<name>.+)_solid_pipeline")


def job_label(name: str) -> str:
    """What a run is of, as the notebook names it: ``op parse`` for the run ``execute_solid``
    (``%%op --run``, a SolidPanel) makes of one op, else the job's name."""
    found = _EPHEMERAL_OP_RUN.fullmatch(name)
    return f"op {found['name']}" if found else name


def _run_row(run: PipelineRun) -> dict[str, Any]:
    duration = (
        (run.end_time - run.start_time) * 1000
        if run.start_time is not None and run.end_time is not None
        else None
    )
    return {
        "run_id": run.run_id,
        "job": job_label(run.pipeline_name),
        "status": run.status.value,
        "start": run.start_time,
        "end": run.end_time,
        "duration": duration,
        "parent_run_id": run.parent_run_id,
    }


_RUNS_TABLE: Any = None


def _runs_table() -> Any:
    """A DataFrame that shows itself with readable times and durations (``12 ms``, not
    ``0 days 00:00:00.012000``); anything made from it is a plain DataFrame again."""
    global _RUNS_TABLE
    if _RUNS_TABLE is None:
        import pandas as pd

        class RunsTable(pd.DataFrame):
            @property
            def _constructor(self) -> Any:
                return pd.DataFrame

            def _repr_html_(self) -> str:
                return frame_html(pd.DataFrame(self))

            def __repr__(self) -> str:
                shown = pd.DataFrame(self).copy()
                shown["start"] = shown["start"].map(_clock)
                shown["end"] = shown["end"].map(_clock)
                shown["duration"] = shown["duration"].map(_elapsed)
                return str(shown.to_string(index=False))

        _RUNS_TABLE = RunsTable
    return _RUNS_TABLE


def runs_frame(runs: Iterable[PipelineRun]) -> Any:
    """One row per run, newest first, typed like the events frames (shown readably)."""
    import pandas as pd

    rows = [_run_row(run) for run in runs]
    frame = _runs_table()(rows, columns=RUN_COLUMNS)
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column].astype("float64"), unit="s", utc=True)
    frame["duration"] = pd.to_timedelta(frame["duration"].astype("float64"), unit="ms")
    frame["status"] = frame["status"].astype("category")
    return frame


def session_runs(instance: DagsterInstance | None, since: float) -> list[PipelineRun]:
    """The runs created since ``since`` (the session's start), newest first."""
    instance = instance if instance is not None else DagsterInstance.get()
    return [run for run in instance.get_runs() if run.create_time >= since]
