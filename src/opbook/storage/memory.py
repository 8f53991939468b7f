"""In-memory storages: the default for a notebook session and for tests."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from opbook.events import DagsterEvent
from opbook.storage.assets import AssetIndex, AssetRow, index_events
from opbook.storage.runs import PipelineRun, PipelineRunsFilter


class InMemoryRunStorage:
    def __init__(self) -> None:
        self._runs: dict[str, PipelineRun] = {}

    def add_run(self, run: PipelineRun) -> None:
        self._runs[run.run_id] = run

    def update_run(self, run: PipelineRun) -> None:
        self._runs[run.run_id] = run

    def get_run(self, run_id: str) -> PipelineRun | None:
        return self._runs.get(run_id)

    def get_runs(
        self, filters: PipelineRunsFilter | None = None, limit: int | None = None
    ) -> list[PipelineRun]:
        runs = [r for r in reversed(self._runs.values()) if filters is None or filters.matches(r)]
        return runs if limit is None else runs[:limit]

    def delete_run(self, run_id: str) -> None:
        self._runs.pop(run_id, None)

    def wipe(self) -> None:
        self._runs.clear()


class InMemoryEventLogStorage:
    def __init__(self) -> None:
        self._events: dict[str, list[DagsterEvent]] = {}
        self._logs: dict[str, list[Any]] = {}  # lines the steps logged (LogMessageEntry)
        # run -> writer -> how many of the writer's events the log holds
        self._written: dict[str, dict[str, int]] = {}
        # storage ids of each run's events, parallel to its events; the next id to give
        self._ids: dict[str, list[int]] = {}
        self._next_id = 1
        self.assets = AssetIndex()

    def store_events(
        self,
        run_id: str,
        events: Sequence[DagsterEvent],
        writer: str | None = None,
        first_index: int = 0,
    ) -> None:
        if writer is not None:
            written = self._written.setdefault(run_id, {})
            held = written.get(writer, 0)
            events = events[max(0, held - first_index) :]
            written[writer] = max(held, first_index + len(events))
        self._events.setdefault(run_id, []).extend(events)
        first = self._next_id
        self._next_id += len(events)
        self._ids.setdefault(run_id, []).extend(range(first, self._next_id))
        self.assets.add(index_events(run_id, events, range(first, self._next_id)))

    # -- the asset catalog ----------------------------------------------------------------

    def asset_keys(self) -> list[str]:
        return self.assets.keys()

    def has_asset(self, key: str) -> bool:
        return self.assets.has(key)

    def asset_rows(self, key: str) -> list[AssetRow]:
        return self.assets.rows(key)

    def wipe_asset(self, key: str) -> None:
        self.assets.wipe(key)

    def get_records(self, after_id: int | None) -> list[tuple[int, str, DagsterEvent]]:
        after = -1 if after_id is None else after_id
        records = [
            (storage_id, run_id, event)
            for run_id, events in list(self._events.items())
            for storage_id, event in zip(self._ids.get(run_id, ()), events, strict=True)
            if storage_id > after
        ]
        return sorted(records, key=lambda record: record[0])

    def get_events(self, run_id: str) -> list[DagsterEvent]:
        return list(self._events.get(run_id, ()))

    def count_events(self, run_id: str) -> int:
        return len(self._events.get(run_id, ()))

    def store_log_entries(self, run_id: str, entries: Sequence[Any]) -> None:
        self._logs.setdefault(run_id, []).extend(entries)

    def get_log_entries(self, run_id: str) -> list[Any]:
        return list(self._logs.get(run_id, ()))

    def delete_events(self, run_id: str) -> None:
        self._logs.pop(run_id, None)
        self._events.pop(run_id, None)
        self._ids.pop(run_id, None)
        self._written.pop(run_id, None)
        self.assets.drop_run(run_id)

    def wipe(self) -> None:
        self.assets.clear()
        self._logs.clear()
        self._events.clear()
        self._written.clear()
        self._ids.clear()


# How many of the most recent runs an in-memory store keeps.
RECENT_RUNS = 50


class InMemoryValueStore:
    """Output values kept in this process, for the most recent ``max_runs`` runs.

    Older runs' values are dropped so that a long notebook session does not keep every
    intermediate value it ever made; their events and records stay.
    """

    name = "in_memory"
    is_persistent = False

    def __init__(self, max_runs: int = RECENT_RUNS) -> None:
        self.max_runs = max_runs
        self._runs: OrderedDict[str, dict[tuple[str, str], Any]] = OrderedDict()
        self._lock = threading.Lock()  # steps of one run may store from several threads

    def _run(self, run_id: str) -> dict[tuple[str, str], Any]:
        values = self._runs.get(run_id)
        if values is None:
            with self._lock:
                values = self._runs.setdefault(run_id, {})
                while len(self._runs) > self.max_runs:
                    self._runs.popitem(last=False)
        return values

    def set_value(self, run_id: str, step_key: str, output_name: str, value: Any) -> str:
        values = self._runs.get(run_id)
        if values is None:
            values = self._run(run_id)
        values[(step_key, output_name)] = value
        return "memory"

    def get_value(self, run_id: str, step_key: str, output_name: str) -> Any:
        return self._runs[run_id][(step_key, output_name)]

    def has_value(self, run_id: str, step_key: str, output_name: str) -> bool:
        values = self._runs.get(run_id)
        return values is not None and (step_key, output_name) in values

    def has_run(self, run_id: str) -> bool:
        return run_id in self._runs

    def delete_run(self, run_id: str) -> None:
        with self._lock:
            self._runs.pop(run_id, None)

    def describe(self) -> str:
        return "in memory"
