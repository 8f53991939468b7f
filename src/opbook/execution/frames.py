"""Events as pandas DataFrames (pandas is imported when a frame is asked for, not before).

``events_frame``: one row per event, with the columns of ``EVENT_COLUMNS``: ``timestamp`` is a
UTC datetime, ``event_type`` a category of the canonical event names (``RUN_START``, ...,
``STEP_SUCCESS``), ``level`` the log level of the row (``DEBUG`` for an event, ``ERROR`` for a
failure, the level a step logged a line at), ``duration`` a timedelta set where it applies (a step's success or failure,
the run's end), ``metadata`` the ``{label: value}`` of the event's metadata entries (outputs,
materializations, expectations, type checks, failures) or None.  The lines steps logged
(``context.log``, given as ``logs``) are rows among the events, by time, with no
``event_type``, their ``level`` and their text as ``message``.  ``steps_frame``: one row per
step that has events, with its status, start, end, duration, attempts and output names.

The steps frame is the per-step fold of ``step_status`` (``StepStates``), which the command
line and the notebook's pictures use as well.  Frames are built column by column, not row by
row, so 100,000 events take well under a second.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from opbook.definitions.metadata import metadata_of
from opbook.events import DagsterEvent, DagsterEventType
from opbook.execution.step_status import StepStates, StepStatus, error_text
from opbook.storage.event_log import LogMessageEntry, merged_by_time

EVENT_COLUMNS = [
    "run_id",
    "timestamp",
    "event_type",
    "step_key",
    "node",
    "level",
    "message",
    "input_name",
    "output_name",
    "error",
    "duration",
    "metadata",
]
LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
STEP_COLUMNS = ["step_key", "status", "start", "end", "duration", "attempts", "outputs"]
STEP_STATUSES = [status.value for status in StepStatus]
EVENT_TYPE_NAMES = [member.name for member in DagsterEventType]
# Both generations' values map to the canonical (job generation) names: "PIPELINE_START" -> RUN_START.
_NAME_OF_VALUE = {member.value: member.name for member in DagsterEventType}

ET = DagsterEventType
_INPUT_EVENTS = frozenset({ET.STEP_INPUT, ET.LOADED_INPUT})
_OUTPUT_EVENTS = frozenset({ET.STEP_OUTPUT, ET.HANDLED_OUTPUT})
_RUN_END_EVENTS = frozenset({ET.RUN_SUCCESS, ET.RUN_FAILURE, ET.RUN_CANCELED})
_FAILURES = frozenset({ET.STEP_FAILURE, ET.RUN_FAILURE})
# Read once, for the loops below that look at every event (``ET.X`` is a slower lookup).
_STEP_ATTEMPTS = frozenset({ET.STEP_START, ET.STEP_RESTARTED})
_RUN_START, _STEP_SUCCESS, _STEP_FAILURE = ET.RUN_START, ET.STEP_SUCCESS, ET.STEP_FAILURE


def run_id_of(events: Iterable[DagsterEvent]) -> str | None:
    """The run id step events carry in their logging tags (run-level events carry none)."""
    for event in events:
        run_id = event.logging_tags.get("run_id")
        if run_id:
            return str(run_id)
    return None


# -- one row per event ---------------------------------------------------------------------------


class _EventColumns:
    """The columns of an events frame, filled one event at a time (the hot loop of a frame)."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in EVENT_COLUMNS}
        self._step_starts: dict[str, float] = {}
        self._run_start: float | None = None

    def fill(self, events: Iterable[Any], run_id: str | None) -> None:
        c = self.columns
        timestamps, kinds, keys = (
            c["timestamp"].append,
            c["event_type"].append,
            c["step_key"].append,
        )
        nodes, levels, messages = c["node"].append, c["level"].append, c["message"].append
        inputs, outputs, errors = c["input_name"].append, c["output_name"].append, c["error"].append
        durations, metadata = c["duration"].append, c["metadata"].append
        count = 0
        for event in events:
            count += 1
            if type(event) is LogMessageEntry:
                self._log_row(event)
                continue
            kind = event.event_type_value
            data = event.event_specific_data
            handle = event.solid_handle
            failed = kind in _FAILURES
            timestamps(event.timestamp)
            kinds(_NAME_OF_VALUE[kind])
            keys(event.step_key)
            nodes(handle.name if handle is not None else None)
            levels("ERROR" if failed else "DEBUG")
            messages(event.message)
            inputs(data.input_name if kind in _INPUT_EVENTS else None)
            outputs(data.output_name if kind in _OUTPUT_EVENTS else None)
            errors(error_text(event) if failed else None)
            durations(self._duration_ms(event, kind, data))
            metadata(metadata_of(data))
        c["run_id"] = [run_id] * count

    def _log_row(self, entry: LogMessageEntry) -> None:
        """A line a step logged: its time, step, level and text."""
        row = dict.fromkeys(EVENT_COLUMNS)
        step_key = entry.step_key
        row.update(
            timestamp=entry.timestamp,
            step_key=step_key,
            node=step_key.rsplit(".", 1)[-1] if step_key else None,
            level=logging.getLevelName(entry.level),
            message=entry.user_message,
        )
        for name in EVENT_COLUMNS:
            if name != "run_id":
                self.columns[name].append(row[name])

    def _duration_ms(self, event: DagsterEvent, kind: str, data: Any) -> float | None:
        if kind == _RUN_START:
            self._run_start = event.timestamp
        elif kind in _STEP_ATTEMPTS and event.step_key is not None:
            self._step_starts[event.step_key] = event.timestamp
        elif kind == _STEP_SUCCESS:
            return float(data.duration_ms)
        elif kind == _STEP_FAILURE and event.step_key in self._step_starts:
            return (event.timestamp - self._step_starts[event.step_key]) * 1000
        elif kind in _RUN_END_EVENTS and self._run_start is not None:
            return (event.timestamp - self._run_start) * 1000
        return None


def events_frame(
    events: Iterable[DagsterEvent], run_id: str | None, logs: Sequence[Any] = ()
) -> Any:
    """One row per event (columns ``EVENT_COLUMNS``), typed; ``logs`` (the lines steps
    logged) are rows among them, by time."""
    import pandas as pd

    filler = _EventColumns()
    filler.fill(merged_by_time(list(events), logs) if logs else events, run_id)
    columns = filler.columns
    frame = pd.DataFrame(
        {
            # object columns keep None for "does not apply" (inferred string columns hold NaN)
            **{name: pd.Series(values, dtype="object") for name, values in columns.items()},
            "timestamp": pd.to_datetime(
                pd.Series(columns["timestamp"], dtype="float64"), unit="s", utc=True
            ),
            "event_type": pd.Categorical(columns["event_type"], categories=EVENT_TYPE_NAMES),
            "level": pd.Categorical(columns["level"], categories=LEVELS, ordered=True),
            "duration": pd.to_timedelta(pd.Series(columns["duration"], dtype="float64"), unit="ms"),
        },
        columns=EVENT_COLUMNS,
    )
    return frame


# -- one row per step ----------------------------------------------------------------------------


def step_rows(events: Iterable[DagsterEvent]) -> list[dict[str, Any]]:
    """One plain row per step (the columns of ``STEP_COLUMNS``; times in epoch seconds, ms)."""
    return [state.row() for state in StepStates(events).steps.values()]


def steps_frame(events: Sequence[DagsterEvent] | Iterable[DagsterEvent]) -> Any:
    """One row per step (columns ``STEP_COLUMNS``), typed."""
    import pandas as pd

    rows = step_rows(events)
    columns = {name: [row[name] for row in rows] for name in STEP_COLUMNS}
    frame = pd.DataFrame(
        {
            "step_key": pd.Series(columns["step_key"], dtype="object"),
            "status": pd.Categorical(columns["status"], categories=STEP_STATUSES),
            "start": pd.to_datetime(
                pd.Series(columns["start"], dtype="float64"), unit="s", utc=True
            ),
            "end": pd.to_datetime(pd.Series(columns["end"], dtype="float64"), unit="s", utc=True),
            "duration": pd.to_timedelta(pd.Series(columns["duration"], dtype="float64"), unit="ms"),
            "attempts": pd.Series(columns["attempts"], dtype="int64"),
            "outputs": pd.Series(columns["outputs"], dtype="object"),
        },
        columns=STEP_COLUMNS,
    )
    return frame


def frame_of(
    events: Iterable[DagsterEvent], run_id: str | None, per: str, logs: Sequence[Any] = ()
) -> Any:
    """``events_frame`` (``per="event"``, with ``logs``) or ``steps_frame`` (``per="step"``)."""
    if per == "event":
        return events_frame(events, run_id, logs)
    if per == "step":
        return steps_frame(events)
    raise ValueError(f'to_dataframe(per={per!r}): per must be "event" or "step".')
