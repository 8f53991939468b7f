"""``DagsterInstance``: runs, their events and their output values, in one place.

``DagsterInstance.ephemeral()`` keeps everything in memory; ``local(path)`` and
``local_temp()`` keep run records and events in SQLite under ``path`` and filesystem-stored
values under ``path/storage``.  ``DagsterInstance.get()`` is the process's default instance:
SQLite under ``$OPBOOK_HOME`` (or ``$DAGSTER_HOME``) when that variable is set, else one
in-memory instance shared by every run in the process, which is what lets a notebook
re-execute a run with no set-up.

Output values: a run configured with ``in_memory`` storage keeps them in the instance's memory
(the most recent runs' values only), ``filesystem`` storage pickles them under the storage
directory (or a configured ``base_dir``), and a user-defined intermediate storage keeps them
wherever it likes (``custom.py``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from opbook.definitions.atomic_files import remove_abandoned_temp_files
from opbook.definitions.user_events import AssetKey
from opbook.errors import DagsterInvariantViolationError, DagsterRunNotFoundError
from opbook.events import DagsterEvent, DagsterEventType, EngineEventData, PipelineFailureData
from opbook.storage import event_records
from opbook.storage.assets import as_asset_key, key_from_string, key_string
from opbook.storage.base import EventLogStorage, RunStorage, ValueStore
from opbook.storage.custom import CustomValueStore
from opbook.storage.event_log import (
    EventLogEntry,
    LogMessageEntry,
    RunStats,
    merged_by_time,
    run_stats,
)
from opbook.storage.event_records import EventLogRecord, EventRecordsFilter
from opbook.storage.filesystem import FilesystemValueStore, make_private_dir
from opbook.storage.memory import (
    RECENT_RUNS,
    InMemoryEventLogStorage,
    InMemoryRunStorage,
    InMemoryValueStore,
)
from opbook.storage.process import is_running
from opbook.storage.runs import PipelineRun, PipelineRunsFilter, PipelineRunStatus
from opbook.storage.sqlite import SqliteStorage

if TYPE_CHECKING:
    from opbook.definitions.job import PipelineDefinition
    from opbook.definitions.mode import ModeDefinition

_default_instance: DagsterInstance | None = None
_ENDINGS = {
    DagsterEventType.PIPELINE_SUCCESS.value: PipelineRunStatus.SUCCESS,
    DagsterEventType.PIPELINE_FAILURE.value: PipelineRunStatus.FAILURE,
    DagsterEventType.PIPELINE_CANCELED.value: PipelineRunStatus.CANCELED,
}
UNFINISHED = [PipelineRunStatus.STARTING, PipelineRunStatus.STARTED, PipelineRunStatus.CANCELING]
BUILT_IN_STORAGE = ("in_memory", "filesystem")


class InstanceRef(NamedTuple):
    """What another process needs to open the same instance (``DagsterInstance.from_ref``).

    An in-memory instance cannot be shared: the other process gets an in-memory instance of
    its own that uses the same directory for filesystem-stored values.
    """

    root_dir: str | None
    is_ephemeral: bool


class DagsterInstance:
    """Runs, events and output values.

    Args:
        run_storage: where run records go.
        event_storage: where the runs' events go.
        root_dir: the directory of a persistent instance (None for an in-memory one).
        is_ephemeral: True when runs are kept only in this process's memory.
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
        # When set, the instance forgets its oldest runs (record, events, values) beyond this
        # many, so that a long notebook session does not keep every event it ever made.
        self.max_runs: int | None = None
        self._custom_stores: dict[str, ValueStore] = {}
        self._temp_dir: tempfile.TemporaryDirectory[str] | None = None
        # Instance settings, as the keys of Dagster's dagster.yaml (``python_logs``, ...).
        self.settings: dict[str, Any] = {}

    # -- construction ----------------------------------------------------------------------

    @staticmethod
    def ephemeral(tempdir: str | None = None) -> DagsterInstance:
        """An instance in memory (``tempdir``: where filesystem storage goes, if used)."""
        instance = DagsterInstance(InMemoryRunStorage(), InMemoryEventLogStorage())
        if tempdir is not None:
            instance.root_dir = os.path.realpath(os.path.expanduser(tempdir))
        return instance

    @staticmethod
    def local(path: str) -> DagsterInstance:
        """An instance in the directory ``path`` (created owner-only): SQLite plus files.
        Runs left unfinished by a process that is gone are marked as failed on opening."""
        root = os.path.realpath(os.path.expanduser(path))
        make_private_dir(root)
        storage = SqliteStorage(os.path.join(root, "opbook.db"))
        instance = DagsterInstance(storage, storage, root, is_ephemeral=False)
        instance.reconcile_dead_runs()
        return instance

    @staticmethod
    def local_temp(tempdir: str | None = None) -> DagsterInstance:
        """A persistent instance in ``tempdir``, or in a new temporary directory that is
        removed when the instance is disposed of (or garbage-collected)."""
        if tempdir is not None:
            return DagsterInstance.local(tempdir)
        holder = tempfile.TemporaryDirectory(prefix="opbook-")
        instance = DagsterInstance.local(holder.name)
        instance._temp_dir = holder
        return instance

    @staticmethod
    def get() -> DagsterInstance:
        """The default instance of this process: ``$OPBOOK_HOME`` if set, else in memory,
        remembering the most recent runs (see ``RECENT_RUNS``)."""
        global _default_instance
        home = os.environ.get("OPBOOK_HOME") or os.environ.get("DAGSTER_HOME")
        wanted = os.path.realpath(os.path.expanduser(home)) if home else None
        current = _default_instance
        if current is None or (wanted is not None and current.root_dir != wanted):
            current = DagsterInstance.local(wanted) if wanted else _session_instance()
            _default_instance = current
        elif wanted is None and not current.is_ephemeral:
            current = _default_instance = _session_instance()
        return current

    def get_settings(self, settings_key: str) -> Any:
        """The instance setting ``settings_key`` (a ``dagster.yaml`` key), or ``{}``."""
        return self.settings.get(settings_key, {})

    def get_ref(self) -> InstanceRef:
        return InstanceRef(self.root_dir, self.is_ephemeral)

    @staticmethod
    def from_ref(ref: InstanceRef) -> DagsterInstance:
        if ref.is_ephemeral or ref.root_dir is None:
            return DagsterInstance.ephemeral(ref.root_dir)
        return DagsterInstance.local(ref.root_dir)

    @property
    def is_persistent(self) -> bool:
        return not self.is_ephemeral

    @property
    def root_directory(self) -> str | None:
        return self.root_dir

    def dispose(self) -> None:
        """Close the database connection and remove a temporary directory."""
        close = getattr(self.run_storage, "close", None)
        if callable(close):
            close()
        if self._temp_dir is not None:
            self._temp_dir.cleanup()
            self._temp_dir = None

    def __enter__(self) -> DagsterInstance:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.dispose()

    # -- runs ------------------------------------------------------------------------------

    def create_run(self, pipeline_name: str, **fields: Any) -> PipelineRun:
        """Record a new run (status NOT_STARTED unless given) and return it."""
        run = PipelineRun(
            run_id=fields.pop("run_id", None) or str(uuid.uuid4()),
            pipeline_name=pipeline_name,
            **fields,
        )
        self.add_run(run)
        return run

    def create_run_for_pipeline(
        self,
        pipeline_def: Any,
        run_config: Mapping[str, Any] | None = None,
        mode: str | None = None,
        tags: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> PipelineRun:
        """Record a new run of ``pipeline_def`` (Dagster's spelling of ``create_run``)."""
        return self.create_run(
            pipeline_def.name,
            run_config=dict(run_config or {}),
            mode=mode or pipeline_def.get_mode_definition(mode).name,
            tags={**pipeline_def.tags, **(tags or {})},
            **fields,
        )

    def add_run(self, run: PipelineRun) -> PipelineRun:
        self.run_storage.add_run(run)
        if self.max_runs is not None:
            for old in self.run_storage.get_runs()[self.max_runs :]:  # newest first
                self.delete_run(old.run_id)
        return run

    def update_run_status(self, run: PipelineRun, status: PipelineRunStatus) -> PipelineRun:
        """Record the run's new status; once it has ended, remove the temporary files its
        writers left in its folder of the storage directory (a worker killed mid-write)."""
        updated = run.with_status(status)
        self.run_storage.update_run(updated)
        if updated.is_finished:
            self._remove_abandoned_files(run.run_id)
        return updated

    def _run_folder(self, run_id: str) -> str | None:
        """The run's folder in the storage directory, where it exists."""
        if self.root_dir is None:
            return None
        folder = os.path.join(self.root_dir, "storage", run_id)
        return folder if os.path.isdir(folder) else None

    def _remove_abandoned_files(self, run_id: str) -> None:
        folder = self._run_folder(run_id)
        if folder is not None:
            remove_abandoned_temp_files(folder)

    def get_run_by_id(self, run_id: str) -> PipelineRun | None:
        return self.run_storage.get_run(run_id)

    def has_run(self, run_id: str) -> bool:
        return self.run_storage.get_run(run_id) is not None

    def get_run(self, run_id: str) -> PipelineRun:
        """The run with this id; raises ``DagsterRunNotFoundError`` if there is none."""
        run = self.run_storage.get_run(run_id)
        if run is None:
            raise DagsterRunNotFoundError(
                f"Run id {run_id} was not found in instance {self!r}.", run_id
            )
        return run

    def get_runs(
        self,
        filters: PipelineRunsFilter | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> list[PipelineRun]:
        """Runs, newest first; ``cursor`` (a run id) starts after that run."""
        runs = self.run_storage.get_runs(filters, None if cursor else limit)
        if cursor is not None:
            ids = [r.run_id for r in runs]
            runs = runs[ids.index(cursor) + 1 :] if cursor in ids else []
            runs = runs if limit is None else runs[:limit]
        return runs

    def get_runs_count(self, filters: PipelineRunsFilter | None = None) -> int:
        return len(self.run_storage.get_runs(filters))

    def get_run_ids(
        self, filters: PipelineRunsFilter | None = None, limit: int | None = None
    ) -> list[str]:
        return [run.run_id for run in self.run_storage.get_runs(filters, limit)]

    def delete_run(self, run_id: str) -> None:
        """Forget a run: its record, its events and its values kept in memory; and, in an
        instance whose directory is temporary (the session's), its values on disk too."""
        self.run_storage.delete_run(run_id)
        self.event_storage.delete_events(run_id)
        self.memory_values.delete_run(run_id)
        folder = self._run_folder(run_id) if self._temp_dir is not None else None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    # -- runs whose process has gone ----------------------------------------------------------

    def reconcile_dead_runs(self) -> list[PipelineRun]:
        """Mark as failed every unfinished run whose process is gone from this machine (killed
        with SIGKILL, out of memory): such a run would otherwise show STARTED for good.  A run
        whose log already ends with its end (its process was killed after storing its last
        event, before its status) takes the status its log gives.  Runs of other machines,
        and runs recorded without their process, are left as they are.

        Returns:
            The runs whose status was set.
        """
        marked = []
        for run in self.run_storage.get_runs(PipelineRunsFilter(statuses=UNFINISHED), None):
            if run.process is None or is_running(run.process) is not False:
                continue
            ended = self._stored_ending(run.run_id)
            if ended is not None:  # killed after its last event was stored, before its status
                marked.append(self.update_run_status(run, ended))
            else:
                why = (
                    f"The process that ran this run ({run.process.describe()}) is gone, "
                    "without the run ending: it was killed, or ran out of memory or disk. "
                    "The run is marked as failed."
                )
                marked.append(self._mark_failed(run, why))
        return marked

    def _stored_ending(self, run_id: str) -> PipelineRunStatus | None:
        """The status the run's log says it ended with, if its last event is its end."""
        events = self.event_storage.get_events(run_id)
        last = events[-1].event_type_value if events else None
        return _ENDINGS.get(last) if last is not None else None

    def mark_run_failed(self, run_id: str, reason: str) -> PipelineRun:
        """Mark an unfinished run as failed, saying why in an engine event (for a run whose
        process cannot be checked from here, such as one on another machine).

        Raises:
            DagsterRunNotFoundError: no run has this id.
            DagsterInvariantViolationError: the run has finished already.
        """
        run = self.get_run(run_id)
        if run.is_finished:
            raise DagsterInvariantViolationError(
                f"Run {run_id} has finished already ({run.status.value}); only an unfinished "
                "run can be marked as failed."
            )
        return self._mark_failed(run, reason)

    def _mark_failed(self, run: PipelineRun, why: str) -> PipelineRun:
        self.store_events(
            run.run_id,
            [
                DagsterEvent.engine_event(run.pipeline_name, why),
                DagsterEvent.run_event(
                    DagsterEventType.PIPELINE_FAILURE,
                    run.pipeline_name,
                    f'Execution of "{run.pipeline_name}" failed: {why}',
                    PipelineFailureData(None),
                ),
            ],
        )
        return self.update_run_status(run, PipelineRunStatus.FAILURE)

    def wipe(self) -> None:
        """Forget every run."""
        self.run_storage.wipe()
        self.event_storage.wipe()
        self.memory_values = InMemoryValueStore()

    # -- events ----------------------------------------------------------------------------

    def store_events(
        self,
        run_id: str,
        events: Sequence[DagsterEvent],
        writer: str | None = None,
        first_index: int = 0,
    ) -> None:
        """Append events to a run's log (see ``EventLogStorage.store_events``)."""
        self.event_storage.store_events(run_id, events, writer, first_index)

    def handle_new_event(self, run_id: str, event: DagsterEvent) -> None:
        self.event_storage.store_events(run_id, [event])

    def get_events(self, run_id: str) -> list[DagsterEvent]:
        """The events of a run, in order."""
        return self.event_storage.get_events(run_id)

    def store_log_entries(self, run_id: str, entries: Sequence[LogMessageEntry]) -> None:
        """Append lines the run's steps logged (a storage that cannot keep them drops them)."""
        store = getattr(self.event_storage, "store_log_entries", None)
        if store is not None and entries:
            store(run_id, entries)

    def get_log_entries(self, run_id: str) -> list[LogMessageEntry]:
        """The lines the run's steps logged (``context.log``), in the order they were kept."""
        get = getattr(self.event_storage, "get_log_entries", None)
        return list(get(run_id)) if get is not None else []

    def all_logs(
        self, run_id: str, of_type: DagsterEventType | Iterable[DagsterEventType] | None = None
    ) -> list[EventLogEntry]:
        """The run's event log entries, in order: its events, and the lines its steps logged
        (entries with ``user_message`` and ``level`` and no ``dagster_event``), by time.
        ``of_type`` keeps only events of those types."""
        events = self.event_storage.get_events(run_id)
        if of_type is not None:
            # Members are their string values: a set of them matches the stored strings.
            wanted = {of_type} if isinstance(of_type, DagsterEventType) else set(of_type)
            events = [e for e in events if e.event_type_value in wanted]
            return [EventLogEntry(run_id, e) for e in events]
        entries = [EventLogEntry(run_id, e) for e in events]
        return merged_by_time(entries, self.get_log_entries(run_id))

    @property
    def event_log_storage(self) -> EventLogView:
        """The run logs as Dagster's ``instance.event_log_storage`` reads them:
        ``get_logs_for_run(run_id)``."""
        return EventLogView(self)

    def get_event_records(
        self,
        event_records_filter: EventRecordsFilter | None = None,
        limit: int | None = None,
        ascending: bool = False,
    ) -> list[EventLogRecord]:
        """Stored events of every run, with their storage ids (newest first unless
        ``ascending``), that the filter keeps; ``limit``: at most that many."""
        if event_records_filter is not None and event_records_filter.asset_key is not None:
            # An asset's materializations come from the catalog, not a scan of every event.
            rows = self.event_storage.asset_rows(key_string(event_records_filter.asset_key))
            after = event_records_filter.after_cursor
            records = [
                (row.storage_id, row.run_id, row.event)
                for row in rows
                if after is None or row.storage_id > after
            ]
            return event_records.select(records, event_records_filter, limit, ascending)
        after = event_records_filter.after_cursor if event_records_filter else None
        records = self.event_storage.get_records(after)
        return event_records.select(records, event_records_filter, limit, ascending)

    # -- the asset catalog -----------------------------------------------------------------

    def all_asset_keys(self) -> list[AssetKey]:
        """Every asset key with a materialization stored (and not wiped), in the order first
        materialized."""
        return [key_from_string(key) for key in self.event_storage.asset_keys()]

    def get_asset_keys(
        self,
        prefix: Sequence[str] | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> list[AssetKey]:
        """The catalog's keys sorted by their string, those starting with ``prefix`` (a path),
        after the key whose string is ``cursor``, at most ``limit``."""
        keys = sorted(self.all_asset_keys(), key=str)
        if prefix:
            keys = [key for key in keys if list(key.path[: len(prefix)]) == list(prefix)]
        if cursor:
            names = [str(key) for key in keys]
            if cursor in names:
                keys = keys[names.index(cursor) + 1 :]
        return keys[:limit] if limit else keys

    def has_asset_key(self, asset_key: AssetKey) -> bool:
        """Whether the catalog holds a materialization of ``asset_key``."""
        return self.event_storage.has_asset(key_string(as_asset_key(asset_key)))

    def events_for_asset_key(
        self,
        asset_key: AssetKey,
        partitions: Sequence[str] | None = None,
        before_cursor: int | None = None,
        after_cursor: int | None = None,
        cursor: int | None = None,
        before_timestamp: float | None = None,
        limit: int | None = None,
        ascending: bool = False,
    ) -> list[tuple[int, EventLogEntry]]:
        """The materializations of ``asset_key`` as ``(storage_id, EventLogEntry)`` pairs, newest
        first unless ``ascending``; ``cursor`` (deprecated in Dagster) is ``before_cursor``, or
        ``after_cursor`` when ``ascending``."""
        key = as_asset_key(asset_key)
        if cursor is not None:
            if ascending and after_cursor is None:
                after_cursor = int(cursor)
            if not ascending and before_cursor is None:
                before_cursor = int(cursor)
        records = self.get_event_records(
            EventRecordsFilter(
                asset_key=key,
                asset_partitions=list(partitions) if partitions is not None else None,
                before_cursor=before_cursor,
                after_cursor=after_cursor,
                before_timestamp=before_timestamp,
            ),
            limit=limit,
            ascending=ascending,
        )
        return [(record.storage_id, record.event_log_entry) for record in records]

    def get_latest_materialization_events(
        self, asset_keys: Sequence[AssetKey]
    ) -> dict[AssetKey, EventLogEntry | None]:
        """The newest materialization of each key (None for a key never materialized)."""
        latest: dict[AssetKey, EventLogEntry | None] = {}
        for asset_key in asset_keys:
            rows = self.event_storage.asset_rows(key_string(as_asset_key(asset_key)))
            latest[asset_key] = EventLogEntry(rows[-1].run_id, rows[-1].event) if rows else None
        return latest

    def run_ids_for_asset_key(self, asset_key: AssetKey) -> list[str]:
        """The runs that materialized ``asset_key``, in the order they first did."""
        rows = self.event_storage.asset_rows(key_string(as_asset_key(asset_key)))
        return list(dict.fromkeys(row.run_id for row in rows))

    def wipe_assets(self, asset_keys: Sequence[AssetKey]) -> None:
        """Forget these assets in the catalog; the runs' event logs keep their events."""
        if not isinstance(asset_keys, (list, tuple)):
            raise TypeError(
                f'Param "asset_keys" is not a list of AssetKeys: got {asset_keys!r}. '
                "Pass a list, e.g. wipe_assets([AssetKey('table')])."
            )
        keys = [as_asset_key(key, "asset_keys") for key in asset_keys]
        for key in keys:
            self.event_storage.wipe_asset(key_string(key))

    def get_event_count(self, run_id: str) -> int:
        return self.event_storage.count_events(run_id)

    def get_run_stats(self, run_id: str) -> RunStats:
        return run_stats(run_id, self.event_storage.get_events(run_id))

    def report_engine_event(
        self,
        message: str,
        pipeline_run: PipelineRun,
        engine_event_data: EngineEventData | None = None,
        step_key: str | None = None,
    ) -> DagsterEvent:
        """Record an ENGINE_EVENT in a run's log."""
        event = DagsterEvent.engine_event(
            pipeline_run.pipeline_name, message, engine_event_data, step_key
        )
        self.handle_new_event(pipeline_run.run_id, event)
        return event

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
        """The value store of a run configured as ``intermediate_storage: {name: ...}``."""
        if name == "in_memory":
            return self.memory_values
        if name == "filesystem":
            return FilesystemValueStore(base_dir or self.storage_directory)
        store = self._custom_stores.get(name)
        if store is None:
            raise DagsterInvariantViolationError(
                f'Values stored in intermediate storage "{name}" cannot be read here: this '
                f"process has not run anything with that storage. Re-execute with run config "
                f"that selects it (intermediate_storage: {{{name}: ...}}) so it is created."
            )
        return store

    def value_store_for_run(
        self,
        pipeline: PipelineDefinition,
        mode: ModeDefinition,
        resolved: Any,
        run: PipelineRun,
        resource_values: Mapping[str, Any],
    ) -> ValueStore:
        """The value store a new run uses, built from its mode's storage definition.

        ``resource_values`` is the run's (still empty) dict of resources: a user-defined
        storage is created on first use, when the resources it requires are there.
        """
        name = resolved.storage_name
        base_dir = resolved.storage_config.get("base_dir")
        definition = next((s for s in mode.intermediate_storage_defs if s.name == name), None)
        if definition is None or (name in BUILT_IN_STORAGE and definition.creation_fn is None):
            return self.value_store(name, base_dir)
        store = CustomValueStore(
            definition,
            resolved.storage_config,
            pipeline,
            mode,
            resolved,
            run,
            self,
            resource_values,
        )
        self._custom_stores[name] = store
        return store

    def __repr__(self) -> str:
        where = self.root_dir if not self.is_ephemeral else "memory"
        return f"<DagsterInstance {where}>"


class EventLogView:
    """What Dagster code reads from ``instance.event_log_storage``."""

    def __init__(self, instance: DagsterInstance) -> None:
        self._instance = instance

    def get_logs_for_run(
        self,
        run_id: str,
        cursor: int = -1,
        of_type: DagsterEventType | Iterable[DagsterEventType] | None = None,
    ) -> list[EventLogEntry]:
        """The run's events and logged lines, in order (see ``DagsterInstance.all_logs``);
        ``cursor``: only the entries after that index."""
        return self._instance.all_logs(run_id, of_type)[cursor + 1 :]


def _session_instance() -> DagsterInstance:
    """The in-memory default instance: it remembers as many recent runs as it keeps the output
    values of."""
    instance = DagsterInstance.ephemeral()
    instance.max_runs = RECENT_RUNS
    return instance


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
