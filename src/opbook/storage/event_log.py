"""Event log records and run statistics, as the instance hands them out.

``DagsterInstance.all_logs`` returns ``EventLogEntry`` records as Dagster does (``.dagster_event``,
``.timestamp``, ``.step_key`` ...); an entry also answers for the event itself
(``entry.event_type_value``), so code written against either shape works.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

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


class LogMessageEntry(EventLogEntry):
    """One line a step logged (``context.log.info(...)``), kept in the run's log as Dagster
    keeps it: an entry with ``user_message`` and ``level`` and no ``dagster_event``.

    A run's events (``get_events``, a result's ``event_list``) do not include these;
    ``DagsterInstance.all_logs`` and ``result.to_dataframe()`` do, in time order.
    """

    __slots__ = ("_level", "_message", "_pipeline_name", "_step_key", "_timestamp")

    is_dagster_event = False

    def __init__(
        self,
        run_id: str,
        level: int,
        message: str,
        timestamp: float,
        step_key: str | None = None,
        pipeline_name: str | None = None,
    ) -> None:
        super().__init__(run_id, cast(Any, None))
        self._level = level
        self._message = message
        self._timestamp = timestamp
        self._step_key = step_key
        self._pipeline_name = pipeline_name

    @property
    def dagster_event_type(self) -> Any:
        return None

    @property
    def timestamp(self) -> float:
        return self._timestamp

    @property
    def user_message(self) -> str:
        return self._message

    @property
    def message(self) -> str:
        return self._message

    @property
    def level(self) -> int:
        return self._level

    @property
    def step_key(self) -> str | None:
        return self._step_key

    @property
    def pipeline_name(self) -> str | None:
        return self._pipeline_name

    def __getstate__(self) -> tuple[Any, ...]:
        return (
            self.run_id,
            self._level,
            self._message,
            self._timestamp,
            self._step_key,
            self._pipeline_name,
        )

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        (
            self.run_id,
            self._level,
            self._message,
            self._timestamp,
            self._step_key,
            self._pipeline_name,
        ) = state
        self.dagster_event = cast(Any, None)

    def __repr__(self) -> str:
        level = logging.getLevelName(self._level)
        return f"LogMessageEntry(run_id={self.run_id!r}, {level} {self._message!r})"


def merged_by_time(events: Sequence[Any], logs: Sequence[Any]) -> list[Any]:
    """``events`` with ``logs`` put among them by timestamp (the events keep their order)."""
    if not logs:
        return list(events)
    ordered = sorted(logs, key=lambda entry: entry.timestamp)
    merged: list[Any] = []
    index = 0
    for event in events:
        while index < len(ordered) and ordered[index].timestamp < event.timestamp:
            merged.append(ordered[index])
            index += 1
        merged.append(event)
    merged.extend(ordered[index:])
    return merged


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
