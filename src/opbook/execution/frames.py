"""Events as pandas DataFrames (pandas is imported when a frame is asked for, not before).

``events_frame``: one row per event with stable, typed columns.  ``steps_frame``: one row per
step with its status, start, end, duration, attempts and outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opbook.definitions.metadata import entry_value
from opbook.events import DagsterEvent, DagsterEventType

EVENT_COLUMNS = [
    "run_id",
    "timestamp",
    "event_type",
    "step_key",
    "node",
    "message",
    "input_name",
    "output_name",
    "error",
    "duration_ms",
    "metadata",
]
STEP_COLUMNS = ["run_id", "step_key", "status", "start", "end", "duration_ms", "attempts", "outputs", "error"]


def _error_text(event: DagsterEvent) -> str | None:
    data = event.event_specific_data
    error = getattr(data, "error", None)
    if error is None:
        return None
    cause = error.cause
    while cause is not None and cause.cause is not None:
        cause = cause.cause
    shown = cause if cause is not None else error
    return shown.message.strip()


def _metadata(event: DagsterEvent) -> dict[str, Any] | None:
    data = event.event_specific_data
    entries = list(getattr(data, "metadata_entries", None) or [])
    for holder in ("materialization", "expectation_result"):
        item = getattr(data, holder, None)
        if item is not None:
            entries += list(getattr(item, "metadata_entries", []) or [])
    user_failure = getattr(data, "user_failure_data", None)
    if user_failure is not None:
        entries += list(user_failure.metadata_entries or [])
    if not entries:
        return None
    return {entry.label: entry_value(entry) for entry in entries if hasattr(entry, "label")}


def event_row(event: DagsterEvent, run_id: str) -> dict[str, Any]:
    data = event.event_specific_data
    kind = event.event_type_value
    return {
        "run_id": run_id,
        "timestamp": event.timestamp,
        "event_type": DagsterEventType(kind).name,
        "step_key": event.step_key,
        "node": event.solid_handle.name if event.solid_handle is not None else None,
        "message": event.message,
        "input_name": getattr(data, "input_name", None),
        "output_name": getattr(data, "output_name", None) if kind in ("STEP_OUTPUT", "HANDLED_OUTPUT", "LOADED_INPUT") else None,
        "error": _error_text(event),
        "duration_ms": getattr(data, "duration_ms", None),
        "metadata": _metadata(event),
    }


def events_frame(events: Sequence[DagsterEvent], run_id: str) -> Any:
    import pandas as pd

    frame = pd.DataFrame([event_row(e, run_id) for e in events], columns=EVENT_COLUMNS)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], unit="s", utc=True)
    frame["event_type"] = frame["event_type"].astype(pd.CategoricalDtype([t.name for t in _CANONICAL]))
    frame["duration_ms"] = frame["duration_ms"].astype("float64")
    return frame


_CANONICAL = list(DagsterEventType)


def step_rows(events: Sequence[DagsterEvent], run_id: str) -> list[dict[str, Any]]:
    steps: dict[str, dict[str, Any]] = {}
    for e in events:
        if e.step_key is None or not e.is_step_event:
            continue
        row = steps.setdefault(
            e.step_key,
            {"run_id": run_id, "step_key": e.step_key, "status": "pending", "start": None, "end": None,
             "duration_ms": None, "attempts": 0, "outputs": [], "error": None},
        )
        kind = e.event_type_value
        if kind in ("STEP_START", "STEP_RESTARTED"):
            row["attempts"] += 1
            row["status"] = "running"
            row["start"] = row["start"] or e.timestamp
        elif kind == "STEP_OUTPUT":
            row["outputs"].append(e.event_specific_data.output_name)
        elif kind == "STEP_SUCCESS":
            row.update(status="succeeded", end=e.timestamp, duration_ms=e.event_specific_data.duration_ms)
        elif kind == "STEP_FAILURE":
            row.update(status="failed", end=e.timestamp, error=_error_text(e))
        elif kind == "STEP_SKIPPED":
            row.update(status="skipped", end=e.timestamp)
        elif kind == "STEP_UP_FOR_RETRY":
            row["status"] = "retrying"
    for row in steps.values():
        if row["duration_ms"] is None and row["start"] is not None and row["end"] is not None:
            row["duration_ms"] = (row["end"] - row["start"]) * 1000
    return list(steps.values())


def steps_frame(events: Sequence[DagsterEvent], run_id: str) -> Any:
    import pandas as pd

    frame = pd.DataFrame(step_rows(events, run_id), columns=STEP_COLUMNS)
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column], unit="s", utc=True)
    frame["status"] = frame["status"].astype(
        pd.CategoricalDtype(["pending", "running", "retrying", "succeeded", "failed", "skipped"])
    )
    frame["duration_ms"] = frame["duration_ms"].astype("float64")
    return frame
