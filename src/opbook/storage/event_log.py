"""Event log records and run statistics, as the instance hands them out.

``DagsterInstance.all_logs`` returns ``EventLogEntry`` records as Dagster does (``.dagster_event``,
``.timestamp``, ``.step_key`` ...); an entry also answers for the event itself
(``entry.event_type_value``), so code written against either shape works.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple

from opbook.events import DagsterEvent, DagsterEventType

ET = DagsterEventType
_RUN_ENDS = frozenset({ET.RUN_SUCCESS, ET.RUN_FAILURE, ET.RUN_CANCELED})


class EventLogEntry:
    """One stored event of a run."""

    __slots__ = ("dagster_event", "run_id")

    def __init__(self, run_id: str, dagster_event: DagsterEvent) -> None:
        self.run_id = run_id
        self.dagster_event = dagster_event

    is_dagster_event = True
    error_info = None

    @property
    def dagster_event_type(self) -> DagsterEventType:
        return self.dagster_event.event_type

    @property
    def timestamp(self) -> float:
        return self.dagster_event.timestamp

    @property
    def user_message(self) -> str:
        return self.dagster_event.message or ""

    @property
    def level(self) -> int:
        return logging.ERROR if self.dagster_event.is_failure else logging.DEBUG

    def __getattr__(self, name: str) -> Any:
        # step_key, pipeline_name, message, event_type_value ...: the event's own fields.
        return getattr(self.dagster_event, name)

    def __repr__(self) -> str:
        return f"EventLogEntry(run_id={self.run_id!r}, {self.dagster_event!r})"


class RunStats(NamedTuple):
    """Counts over a run's events (``DagsterInstance.get_run_stats``)."""

    run_id: str
    steps_succeeded: int
    steps_failed: int
    materializations: int
    expectations: int
    enqueued_time: float | None
    launch_time: float | None
    start_time: float | None
    end_time: float | None


def run_stats(run_id: str, events: Sequence[DagsterEvent]) -> RunStats:
    counts: dict[str, int] = {ET.STEP_SUCCESS: 0, ET.STEP_FAILURE: 0, ET.ASSET_MATERIALIZATION: 0}
    expectations = 0
    start = end = None
    for event in events:
        kind = event.event_type_value
        if kind in counts:
            counts[kind] += 1
        elif kind == ET.STEP_EXPECTATION_RESULT:
            expectations += 1
        elif kind == ET.RUN_START:
            start = event.timestamp
        elif kind in _RUN_ENDS:
            end = event.timestamp
    return RunStats(
        run_id,
        counts[ET.STEP_SUCCESS],
        counts[ET.STEP_FAILURE],
        counts[ET.ASSET_MATERIALIZATION],
        expectations,
        None,
        None,
        start,
        end,
    )
