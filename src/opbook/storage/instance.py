"""``DagsterInstance``: runs, their events and their output values, in one place.

``DagsterInstance.ephemeral()`` keeps everything in memory; ``local(path)`` and
``local_temp()`` keep run records and events in SQLite under ``path`` and filesystem-stored
values under ``path/storage``.  ``DagsterInstance.get()`` is the process's default instance:
SQLite under ``$OPBOOK_HOME`` when that variable is set, else one in-memory instance shared by
every run in the process, which is what lets a notebook re-execute a run with no set-up.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from opbook.errors import DagsterRunNotFoundError
from opbook.events import DagsterEvent
from opbook.storage.base import EventLogStorage, RunStorage, ValueStore
from opbook.storage.filesystem import FilesystemValueStore, make_private_dir
from opbook.storage.memory import InMemoryEventLogStorage, InMemoryRunStorage, InMemoryValueStore
from opbook.storage.runs import PipelineRun, PipelineRunStatus
from opbook.storage.sqlite import SqliteStorage

_default_instance: DagsterInstance | None = None


class DagsterInstance:
    """Runs, events and output values.

    Args:
        run_storage / event_storage: where records and events go.
        root_dir: the directory of a persistent instance (None for an in-memory one).
    """

    def __init__(
        self,
        run_storage: RunStorage,
        event_storage: EventLogStorage,
        root_dir: str | None = None,
        is_ephemeral: bool = True,
    ) -> None:
        self.run_storage = run_storage
        self.event_storage = event_storage
        self.root_dir = root_dir
        self.is_ephemeral = is_ephemeral
        self.memory_values = InMemoryValueStore()
        self._temp_dir: tempfile.TemporaryDirectory[str] | None = None

    # -- construction ----------------------------------------------------------------------

    @staticmethod
    def ephemeral(tempdir: str | None = None) -> DagsterInstance:
        instance = DagsterInstance(InMemoryRunStorage(), InMemoryEventLogStorage())
        if tempdir is not None:
            instance.root_dir = tempdir
        return instance

    @staticmethod
    def local(path: str) -> DagsterInstance:
        root = os.path.realpath(os.path.expanduser(path))
        make_private_dir(root)
        storage = SqliteStorage(os.path.join(root, "opbook.db"))
        return DagsterInstance(storage, storage, root, is_ephemeral=False)

    @staticmethod
    def local_temp(tempdir: str | None = None) -> DagsterInstance:
        if tempdir is not None:
            return DagsterInstance.local(tempdir)
        holder = tempfile.TemporaryDirectory(prefix="opbook-")
        instance = DagsterInstance.local(holder.name)
        instance._temp_dir = holder
        return instance

    @staticmethod
    def get() -> DagsterInstance:
        """The default instance of this process (``$OPBOOK_HOME`` if set, else in memory)."""
        global _default_instance
        home = os.environ.get("OPBOOK_HOME") or os.environ.get("DAGSTER_HOME")
        if _default_instance is None or (
            home and _default_instance.root_dir != os.path.realpath(home)
        ):
            _default_instance = DagsterInstance.local(home) if home else DagsterInstance.ephemeral()
        return _default_instance

    # -- runs ------------------------------------------------------------------------------

    def create_run(self, pipeline_name: str, **fields: Any) -> PipelineRun:
        run = PipelineRun(
            run_id=fields.pop("run_id", None) or str(uuid.uuid4()),
            pipeline_name=pipeline_name,
            **fields,
        )
        self.run_storage.add_run(run)
        return run

    def update_run_status(self, run: PipelineRun, status: PipelineRunStatus) -> PipelineRun:
        updated = run.with_status(status)
        self.run_storage.update_run(updated)
        return updated

    def get_run_by_id(self, run_id: str) -> PipelineRun | None:
        return self.run_storage.get_run(run_id)

    def has_run(self, run_id: str) -> bool:
        return self.run_storage.get_run(run_id) is not None

    def get_run(self, run_id: str) -> PipelineRun:
        run = self.run_storage.get_run(run_id)
        if run is None:
            raise DagsterRunNotFoundError(
                f"Run id {run_id} was not found in instance {self!r}.", run_id
            )
        return run

    def get_runs(self, limit: int | None = None) -> list[PipelineRun]:
        """Runs, newest first."""
        return self.run_storage.get_runs(limit)

    def delete_run(self, run_id: str) -> None:
        self.run_storage.delete_run(run_id)
        self.event_storage.delete_events(run_id)

    # -- events ----------------------------------------------------------------------------

    def store_events(self, run_id: str, events: Sequence[DagsterEvent]) -> None:
        self.event_storage.store_events(run_id, events)

    def handle_new_event(self, run_id: str, event: DagsterEvent) -> None:
        self.event_storage.store_events(run_id, [event])

    def all_logs(self, run_id: str) -> list[DagsterEvent]:
        return self.event_storage.get_events(run_id)

    get_events = all_logs

    # -- values ----------------------------------------------------------------------------

    @property
    def storage_directory(self) -> str:
        """Where filesystem-stored values go when no ``base_dir`` is configured."""
        if self.root_dir is None:
            self._temp_dir = self._temp_dir or tempfile.TemporaryDirectory(prefix="opbook-")
            self.root_dir = self._temp_dir.name
        path = os.path.join(self.root_dir, "storage")
        make_private_dir(path)
        return path

    def value_store(self, name: str, base_dir: str | None = None) -> ValueStore:
        """The value store a run configured as ``intermediate_storage: {name: ...}`` uses."""
        if name == "in_memory":
            return self.memory_values
        return FilesystemValueStore(base_dir or self.storage_directory)

    def __repr__(self) -> str:
        where = self.root_dir if not self.is_ephemeral else "memory"
        return f"<DagsterInstance {where}>"


def runs_table(runs: Iterable[PipelineRun]) -> list[Mapping[str, Any]]:
    """Plain rows describing runs (used by the notebook and the command line)."""
    return [
        {
            "run_id": r.run_id,
            "pipeline_name": r.pipeline_name,
            "status": r.status.value,
            "mode": r.mode,
            "start_time": r.start_time,
            "end_time": r.end_time,
            "parent_run_id": r.parent_run_id,
        }
        for r in runs
    ]
