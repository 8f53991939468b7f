"""DataFrames of events that are not (yet) a result: ``execute_pipeline_iterator``'s stream."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opbook import DagsterEvent
from opbook.notebook.engine_seam import frame_of, run_id_of


def events_to_dataframe(
    events: Iterable[DagsterEvent], per: str = "event", run_id: str | None = None
) -> Any:
    """The events as a pandas DataFrame, with the columns ``result.to_dataframe()`` has.

    Args:
        events: events from ``execute_pipeline_iterator`` (or any list of a run's events);
            an iterator is consumed.
        per: ``"event"`` (one row per event) or ``"step"`` (one row per step).
        run_id: the run's id (default: the one the step events carry).

    Raises:
        ValueError: ``per`` is neither ``"event"`` nor ``"step"``.
    """
    events = list(events)
    return frame_of(events, run_id if run_id is not None else run_id_of(events), per)
