"""Run records and event logs in one SQLite file (the standard library's ``sqlite3``).

Layout: ``runs`` holds one row per run (status, pipeline name and the pickled record);
``event_batches`` holds a run's events as pickled batches, in the order they were written.
The engine hands events over in batches (``store_events``), and one batch is one row written
in one transaction, so a crash never leaves half a batch and pickling a batch at once is
several times cheaper than pickling its events one by one.  A run's own batches carry their
writer and position in its stream (``writer``, ``first_index``), so a batch written again after
an interrupt (the write landed, the interrupt came before the run knew) is not stored twice.
A transaction never stays open: an interrupt at any point of a write rolls it back.

Concurrency: WAL mode lets readers work while one process writes; every write is a short
``BEGIN IMMEDIATE`` transaction, and a writer that finds the database locked waits for it (the
busy timeout), so several processes may write to one file at once and no event is lost.
Connections are per thread and per process (a forked child opens its own).

The file holds pickles, so it is created owner-only (0600) and only ever read by the user who
wrote it.
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import sqlite3
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opbook import events as events_module
from opbook.events import DagsterEvent
from opbook.storage.assets import AssetRow, index_events
from opbook.storage.event_log import LogMessageEntry
from opbook.storage.runs import PipelineRun, PipelineRunsFilter

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    pipeline_name TEXT NOT NULL,
    status TEXT NOT NULL,
    create_time REAL NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_time ON runs (create_time);
CREATE TABLE IF NOT EXISTS event_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    event_count INTEGER NOT NULL,
    body BLOB NOT NULL,
    writer TEXT,
    first_index INTEGER
);
CREATE INDEX IF NOT EXISTS event_batches_by_run ON event_batches (run_id, id);
CREATE TABLE IF NOT EXISTS log_batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS log_batches_by_run ON log_batches (run_id, id);
"""
# The asset catalog, written in the same transaction as the events it indexes.
_ASSET_SCHEMA = """
CREATE TABLE IF NOT EXISTS asset_events (
    storage_id INTEGER PRIMARY KEY,
    asset_key TEXT NOT NULL,
    run_id TEXT NOT NULL,
    partition TEXT,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS asset_events_by_key ON asset_events (asset_key, storage_id);
CREATE INDEX IF NOT EXISTS asset_events_by_run ON asset_events (run_id);
"""
# Files written before batches had a writer and position gain the two columns when opened.
_POSITION_COLUMNS = {"writer": "TEXT", "first_index": "INTEGER"}
_POSITION_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS event_batches_by_position "
    "ON event_batches (run_id, writer, first_index)"
)
BUSY_TIMEOUT_SECONDS = 60.0
BATCH_ID_SHIFT = 32  # bits of an event's storage id that hold its place in its batch


def _namedtuple_dispatch() -> dict[type, Any]:
    """Reducers for the event payload classes: a named tuple pickled as (class, fields) is
    about twice as fast as through the generic protocol, and events are written by the 100,000."""

    def reducer(cls: type) -> Any:
        return lambda value: (cls, tuple(value))

    table: dict[type, Any] = {}
    for value in vars(events_module).values():
        if isinstance(value, type) and issubclass(value, tuple) and hasattr(value, "_fields"):
            table[value] = reducer(value)
    return table


class _EventPickler(pickle.Pickler):
    dispatch_table = {**copyreg.dispatch_table, **_namedtuple_dispatch()}


def dumps_events(events: Sequence[DagsterEvent | LogMessageEntry]) -> bytes:
    """One batch of events (and lines steps logged) as bytes; falls back to cloudpickle for
    notebook-defined payloads, and to a description of any payload that cannot be pickled."""
    buffer = io.BytesIO()
    try:
        _EventPickler(buffer, pickle.HIGHEST_PROTOCOL).dump(list(events))
        return buffer.getvalue()
    except Exception:
        pass
    import cloudpickle  # 50 ms to import: only for events whose payload needs it

    try:
        return cloudpickle.dumps(list(events), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        kept = [
            _picklable(e, cloudpickle.dumps) if isinstance(e, DagsterEvent) else e for e in events
        ]
        return cloudpickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)


def _picklable(event: DagsterEvent, dumps: Callable[[Any], bytes]) -> DagsterEvent:
    """The event, or a copy with a description in place of a payload no pickler can store."""
    try:
        dumps(event.event_specific_data)
        return event
    except Exception:
        return DagsterEvent(
            event.event_type_value,
            event.pipeline_name,
            event.step_key,
            event.solid_handle,
            event.step_kind_value,
            event.logging_tags,
            f"<payload that could not be stored: {event.event_specific_data!r}>",
            event.message,
            event.pid,
            event.timestamp,
        )


class SqliteStorage:
    """Both ``RunStorage`` and ``EventLogStorage`` over one SQLite database file."""

    def __init__(self, path: str) -> None:
        self.path = path
        if not os.path.exists(path):
            # Create the file owner-only before SQLite opens it.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._local = threading.local()
        conn = self._connection()
        conn.executescript(_SCHEMA)
        self._add_position_columns(conn)
        self._add_asset_index(conn)

    def _add_position_columns(self, conn: sqlite3.Connection) -> None:
        present = {row[1] for row in conn.execute("PRAGMA table_info(event_batches)")}
        for name, kind in _POSITION_COLUMNS.items():
            if name not in present:
                conn.execute(f"ALTER TABLE event_batches ADD COLUMN {name} {kind}")
        conn.execute(_POSITION_INDEX)

    def _add_asset_index(self, conn: sqlite3.Connection) -> None:
        """Create the asset catalog; a file written before it existed is indexed once."""
        found = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'asset_events'"
        ).fetchone()
        if found is not None:
            return
        with self._transaction() as conn:
            for statement in _ASSET_SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            batches = conn.execute("SELECT id, run_id, body FROM event_batches ORDER BY id")
            for batch_id, run_id, body in batches.fetchall():
                self._index(conn, run_id, batch_id, pickle.loads(body))

    @staticmethod
    def _index(
        conn: sqlite3.Connection, run_id: str, batch_id: int, events: Sequence[DagsterEvent]
    ) -> None:
        first = batch_id << BATCH_ID_SHIFT
        rows = index_events(run_id, events, range(first, first + len(events)))
        if rows:
            conn.executemany(
                "INSERT OR REPLACE INTO asset_events "
                "(storage_id, asset_key, run_id, partition, body) VALUES (?, ?, ?, ?, ?)",
                [
                    (row.storage_id, row.key, row.run_id, row.partition, dumps_events([row.event]))
                    for row in rows
                ],
            )

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(
                self.path,
                timeout=BUSY_TIMEOUT_SECONDS,
                isolation_level=None,  # transactions are explicit (BEGIN IMMEDIATE)
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            self._local.pid = os.getpid()
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, committed at the end or rolled back, whatever interrupts it
        (a KeyboardInterrupt may arrive just after BEGIN returns, before any ``try``)."""
        conn = self._connection()
        try:
            if conn.in_transaction:  # left open by an interrupt that nothing could catch
                conn.execute("ROLLBACK")
            # IMMEDIATE takes the write lock up front: a writer waits for another to finish
            # instead of failing when it would upgrade a read lock.
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _write(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        with self._transaction() as conn:
            conn.executemany(sql, rows)

    def close(self) -> None:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            conn.close()
        self._local.conn = None

    # -- runs ------------------------------------------------------------------------------

    def add_run(self, run: PipelineRun) -> None:
        self._write_run(run)

    def update_run(self, run: PipelineRun) -> None:
        self._write_run(run)

    def _write_run(self, run: PipelineRun) -> None:
        self._write(
            "INSERT OR REPLACE INTO runs (run_id, pipeline_name, status, create_time, body) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (
                    run.run_id,
                    run.pipeline_name,
                    run.status.value,
                    run.create_time,
                    pickle.dumps(run, pickle.HIGHEST_PROTOCOL),
                )
            ],
        )

    def get_run(self, run_id: str) -> PipelineRun | None:
        row = (
            self._connection()
            .execute("SELECT body FROM runs WHERE run_id = ?", (run_id,))
            .fetchone()
        )
        return None if row is None else pickle.loads(row[0])

    def get_runs(
        self, filters: PipelineRunsFilter | None = None, limit: int | None = None
    ) -> list[PipelineRun]:
        clauses, params = _run_clauses(filters)
        query = "SELECT run_id, body FROM runs"
        query += f" WHERE {' AND '.join(clauses)}" if clauses else ""
        query += " ORDER BY create_time DESC, rowid DESC"
        rows = self._connection().execute(query, params)
        runs = [run for run in (_readable(run_id, body) for run_id, body in rows) if run]
        if filters is not None and filters.tags:
            runs = [run for run in runs if filters.matches(run)]
        return runs if limit is None else runs[:limit]

    def delete_run(self, run_id: str) -> None:
        self._write("DELETE FROM runs WHERE run_id = ?", [(run_id,)])

    # -- events ----------------------------------------------------------------------------

    def store_events(
        self,
        run_id: str,
        events: Sequence[DagsterEvent],
        writer: str | None = None,
        first_index: int = 0,
    ) -> None:
        if not events:
            return
        body = dumps_events(events)
        with self._transaction() as conn:
            if writer is not None:
                held = self._held(conn, run_id, writer)
                if held > first_index:  # some or all of these events are stored already
                    events = events[held - first_index :]
                    if not events:
                        return
                    body = dumps_events(events)
                    first_index = held
            cursor = conn.execute(
                "INSERT INTO event_batches (run_id, event_count, body, writer, first_index) "
                "VALUES (?, ?, ?, ?, ?)",
                (run_id, len(events), body, writer, first_index if writer is not None else None),
            )
            assert cursor.lastrowid is not None
            self._index(conn, run_id, cursor.lastrowid, events)

    @staticmethod
    def _held(conn: sqlite3.Connection, run_id: str, writer: str) -> int:
        """How many events of ``writer``'s stream the run's log holds."""
        row = conn.execute(
            "SELECT first_index + event_count FROM event_batches "
            "WHERE run_id = ? AND writer = ? ORDER BY first_index DESC LIMIT 1",
            (run_id, writer),
        ).fetchone()
        return 0 if row is None else int(row[0])

    def get_events(self, run_id: str) -> list[DagsterEvent]:
        rows = self._connection().execute(
            "SELECT body FROM event_batches WHERE run_id = ? ORDER BY id", (run_id,)
        )
        events: list[DagsterEvent] = []
        for (body,) in rows:
            events.extend(pickle.loads(body))
        return events

    def get_records(self, after_id: int | None) -> list[tuple[int, str, DagsterEvent]]:
        # An event's storage id is its batch's id, shifted, plus its place in the batch.
        after = -1 if after_id is None else after_id
        rows = self._connection().execute(
            "SELECT id, run_id, body FROM event_batches WHERE id >= ? ORDER BY id",
            (max(after, 0) >> BATCH_ID_SHIFT,),
        )
        records = []
        for batch_id, run_id, body in rows:
            for offset, event in enumerate(pickle.loads(body)):
                storage_id = (batch_id << BATCH_ID_SHIFT) + offset
                if storage_id > after:
                    records.append((storage_id, run_id, event))
        return records

    def count_events(self, run_id: str) -> int:
        row = (
            self._connection()
            .execute("SELECT SUM(event_count) FROM event_batches WHERE run_id = ?", (run_id,))
            .fetchone()
        )
        return int(row[0] or 0)

    def store_log_entries(self, run_id: str, entries: Sequence[Any]) -> None:
        """Append lines the run's steps logged (``LogMessageEntry``), one batch per call."""
        if entries:
            body = pickle.dumps(list(entries), protocol=pickle.HIGHEST_PROTOCOL)
            self._write("INSERT INTO log_batches (run_id, body) VALUES (?, ?)", [(run_id, body)])

    def get_log_entries(self, run_id: str) -> list[Any]:
        rows = self._connection().execute(
            "SELECT body FROM log_batches WHERE run_id = ? ORDER BY id", (run_id,)
        )
        entries: list[Any] = []
        for (body,) in rows:
            entries.extend(pickle.loads(body))
        return entries

    def delete_events(self, run_id: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM event_batches WHERE run_id = ?", (run_id,))
            conn.execute("DELETE FROM log_batches WHERE run_id = ?", (run_id,))
            conn.execute("DELETE FROM asset_events WHERE run_id = ?", (run_id,))

    # -- the asset catalog ----------------------------------------------------------------

    def asset_keys(self) -> list[str]:
        rows = self._connection().execute(
            "SELECT asset_key FROM asset_events GROUP BY asset_key ORDER BY MIN(storage_id)"
        )
        return [key for (key,) in rows]

    def has_asset(self, key: str) -> bool:
        row = (
            self._connection()
            .execute("SELECT 1 FROM asset_events WHERE asset_key = ? LIMIT 1", (key,))
            .fetchone()
        )
        return row is not None

    def asset_rows(self, key: str) -> list[AssetRow]:
        rows = self._connection().execute(
            "SELECT storage_id, run_id, partition, body FROM asset_events "
            "WHERE asset_key = ? ORDER BY storage_id",
            (key,),
        )
        return [
            AssetRow(storage_id, run_id, key, partition, pickle.loads(body)[0])
            for storage_id, run_id, partition, body in rows
        ]

    def wipe_asset(self, key: str) -> None:
        self._write("DELETE FROM asset_events WHERE asset_key = ?", [(key,)])

    def wipe(self) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM runs")
            conn.execute("DELETE FROM event_batches")
            conn.execute("DELETE FROM log_batches")
            conn.execute("DELETE FROM asset_events")


def _readable(run_id: str, body: bytes) -> PipelineRun | None:
    """The run a row holds, or None (with a warning) for a row that cannot be read: one
    damaged record must not hide every other run."""
    try:
        run = pickle.loads(body)
    except Exception as exc:
        warnings.warn(
            f"The record of run {run_id} cannot be read ({type(exc).__name__}: {exc}); it is "
            "left out.",
            UnreadableRunWarning,
            stacklevel=3,
        )
        return None
    return run if isinstance(run, PipelineRun) else None


class UnreadableRunWarning(UserWarning):
    """A run record in the instance's database cannot be read (damaged, or written by an
    opbook whose classes are gone); the run is left out of listings."""


def _run_clauses(filters: PipelineRunsFilter | None) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if filters is None:
        return clauses, params
    if filters.run_ids:
        clauses.append(f"run_id IN ({', '.join('?' * len(filters.run_ids))})")
        params += list(filters.run_ids)
    if filters.pipeline_name:
        clauses.append("pipeline_name = ?")
        params.append(filters.pipeline_name)
    if filters.statuses:
        clauses.append(f"status IN ({', '.join('?' * len(filters.statuses))})")
        params += [s.value for s in filters.statuses]
    return clauses, params
