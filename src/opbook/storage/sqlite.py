"""Run records and event logs in one SQLite file (the standard library's ``sqlite3``).

WAL mode lets readers and one writer work at once; several processes may write to the same
file (each write is a short transaction, retried while the database is locked).  Events are
written in batches by the engine (``store_events``), one transaction per batch.  Records and
events are pickled: the file is created owner-only (0600) because of that.
"""

from __future__ import annotations

import os
import pickle
import sqlite3
import threading
from collections.abc import Sequence

from opbook.events import DagsterEvent
from opbook.storage.runs import PipelineRun

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    pipeline_name TEXT NOT NULL,
    status TEXT NOT NULL,
    create_time REAL NOT NULL,
    body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    step_key TEXT,
    timestamp REAL NOT NULL,
    body BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_run ON events (run_id, id);
"""


class SqliteStorage:
    """Both ``RunStorage`` and ``EventLogStorage`` over one SQLite database file."""

    def __init__(self, path: str) -> None:
        self.path = path
        if not os.path.exists(path):
            # Create the file owner-only before SQLite opens it.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        self._local = threading.local()
        with self._connection() as conn:
            conn.executescript(_SCHEMA)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
            self._local.pid = os.getpid()
        return conn

    # -- runs ------------------------------------------------------------------------------

    def add_run(self, run: PipelineRun) -> None:
        self._write_run(run)

    def update_run(self, run: PipelineRun) -> None:
        self._write_run(run)

    def _write_run(self, run: PipelineRun) -> None:
        conn = self._connection()
        with conn:
            conn.execute(
                "INSERT OR REPLACE INTO runs (run_id, pipeline_name, status, create_time, body) VALUES (?, ?, ?, ?, ?)",
                (
                    run.run_id,
                    run.pipeline_name,
                    run.status.value,
                    run.create_time,
                    pickle.dumps(run),
                ),
            )

    def get_run(self, run_id: str) -> PipelineRun | None:
        row = (
            self._connection()
            .execute("SELECT body FROM runs WHERE run_id = ?", (run_id,))
            .fetchone()
        )
        return None if row is None else pickle.loads(row[0])

    def get_runs(self, limit: int | None = None) -> list[PipelineRun]:
        query = "SELECT body FROM runs ORDER BY create_time DESC"
        rows = (
            self._connection().execute(query + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
        )
        return [pickle.loads(row[0]) for row in rows]

    def delete_run(self, run_id: str) -> None:
        conn = self._connection()
        with conn:
            conn.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))

    # -- events ----------------------------------------------------------------------------

    def store_events(self, run_id: str, events: Sequence[DagsterEvent]) -> None:
        if not events:
            return
        rows = [
            (
                run_id,
                e.event_type_value,
                e.step_key,
                e.timestamp,
                pickle.dumps(e, pickle.HIGHEST_PROTOCOL),
            )
            for e in events
        ]
        conn = self._connection()
        with conn:
            conn.executemany(
                "INSERT INTO events (run_id, event_type, step_key, timestamp, body) VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def get_events(self, run_id: str) -> list[DagsterEvent]:
        rows = (
            self._connection()
            .execute("SELECT body FROM events WHERE run_id = ? ORDER BY id", (run_id,))
            .fetchall()
        )
        return [pickle.loads(row[0]) for row in rows]

    def delete_events(self, run_id: str) -> None:
        conn = self._connection()
        with conn:
            conn.execute("DELETE FROM events WHERE run_id = ?", (run_id,))
