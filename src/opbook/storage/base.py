"""The storage protocols the instance is built from.

``RunStorage`` keeps run records, ``EventLogStorage`` each run's events in order, and a
``ValueStore`` the output values of steps, addressed by (run id, step key, output name).
Implementations: memory (``memory.py``), SQLite (``sqlite.py``), filesystem values
(``filesystem.py``), and user-defined intermediate storages (``custom.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from opbook.events import DagsterEvent
from opbook.storage.assets import AssetRow
from opbook.storage.runs import PipelineRun, PipelineRunsFilter


class RunStorage(Protocol):
    def add_run(self, run: PipelineRun) -> None: ...

    def update_run(self, run: PipelineRun) -> None: ...

    def get_run(self, run_id: str) -> PipelineRun | None: ...

    def get_runs(
        self, filters: PipelineRunsFilter | None = None, limit: int | None = None
    ) -> list[PipelineRun]: ...

    def delete_run(self, run_id: str) -> None: ...

    def wipe(self) -> None: ...


class EventLogStorage(Protocol):
    def store_events(
        self,
        run_id: str,
        events: Sequence[DagsterEvent],
        writer: str | None = None,
        first_index: int = 0,
    ) -> None:
        """Append ``events`` to the run's log, atomically.  With ``writer``, the events are
        that writer's stream from position ``first_index`` on, and any of them the log already
        holds (a batch written again after an interrupt) are not stored twice."""
        ...

    def get_events(self, run_id: str) -> list[DagsterEvent]: ...

    def get_records(self, after_id: int | None) -> list[tuple[int, str, DagsterEvent]]:
        """Every run's events stored after the storage id ``after_id`` (all when None), as
        ``(storage_id, run_id, event)`` in the order they were stored; ids only grow."""
        ...

    def count_events(self, run_id: str) -> int: ...

    def delete_events(self, run_id: str) -> None: ...

    # The asset catalog, kept on write (keys are ``assets.key_string`` forms).
    def asset_keys(self) -> list[str]: ...

    def has_asset(self, key: str) -> bool: ...

    def asset_rows(self, key: str) -> list[AssetRow]:
        """The asset's materializations, in storage-id order."""
        ...

    def wipe_asset(self, key: str) -> None: ...

    def wipe(self) -> None: ...


class ValueStore(Protocol):
    """Where step outputs live between steps (Dagster's intermediate storage).

    ``set_value`` returns a short description of where the value went (a path, "memory").
    ``get_value`` raises ``KeyError`` for a value that is not stored.
    """

    name: str
    is_persistent: bool

    def set_value(self, run_id: str, step_key: str, output_name: str, value: Any) -> str: ...

    def get_value(self, run_id: str, step_key: str, output_name: str) -> Any: ...

    def has_value(self, run_id: str, step_key: str, output_name: str) -> bool: ...

    def describe(self) -> str: ...
