"""A run interrupted while it writes its events to SQLite: nothing stored twice, nothing lost,
no transaction left open, and the run recorded as CANCELED."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from opbook import DagsterInstance, PipelineRunStatus, execute_pipeline, job, op
from opbook.storage.sqlite import SqliteStorage


@op
def one() -> int:
    return 1


@op
def plus_one(x: int) -> int:
    return x + 1


@job
def two_steps():
    plus_one(one())


def kinds(instance: DagsterInstance) -> tuple[PipelineRunStatus, list[str]]:
    (run,) = instance.get_runs()
    return run.status, [e.event_type_value for e in instance.get_events(run.run_id)]


def test_an_interrupt_just_after_a_batch_landed_does_not_store_it_twice(tmp_path, monkeypatch):
    instance = DagsterInstance.local(str(tmp_path))
    store = SqliteStorage.store_events
    calls = []

    def interrupted_after_the_first_write(self, *args: Any, **kwargs: Any) -> None:
        store(self, *args, **kwargs)
        calls.append(len(args[1]))
        if len(calls) == 1:
            raise KeyboardInterrupt  # the write landed; the run never heard back

    monkeypatch.setattr(SqliteStorage, "store_events", interrupted_after_the_first_write)
    monkeypatch.setattr("opbook.executors.run.FLUSH_EVERY", 1)
    monkeypatch.setattr("opbook.executors.run.CHECK_EVERY", 1)
    with pytest.raises(KeyboardInterrupt):
        execute_pipeline(two_steps, instance=instance)
    status, stored = kinds(instance)
    assert status == PipelineRunStatus.CANCELED
    assert stored == ["PIPELINE_START", "PIPELINE_CANCELED"]


class _InterruptAfterBegin:
    """A connection whose next BEGIN takes the lock, and then an interrupt arrives (as it does
    when Ctrl-C comes while SQLite waits for another writer's lock)."""

    def __init__(self, conn: sqlite3.Connection, on_begin: int = 1) -> None:
        self.conn = conn
        self.begins_left = on_begin

    @property
    def armed(self) -> bool:
        return self.begins_left > 0

    def execute(self, sql: str, *args: Any) -> Any:
        result = self.conn.execute(sql, *args)
        if self.armed and sql.startswith("BEGIN"):
            self.begins_left -= 1
            if not self.armed:
                raise KeyboardInterrupt
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


def test_an_interrupt_while_taking_the_write_lock_leaves_no_transaction_open(tmp_path):
    storage = SqliteStorage(str(tmp_path / "db"))
    conn = storage._connection()
    wrapper = _InterruptAfterBegin(conn)
    storage._connection = lambda: wrapper  # type: ignore[method-assign]
    with pytest.raises(KeyboardInterrupt):
        storage.delete_events("r")
    assert not conn.in_transaction
    storage.store_events("r", [], "run", 0)
    storage.wipe()  # a later write starts its own transaction
    assert storage.get_runs() == []


def test_a_run_interrupted_while_writing_is_recorded_as_canceled(tmp_path, monkeypatch):
    instance = DagsterInstance.local(str(tmp_path))
    storage = instance.event_storage
    real = storage._connection
    wrappers: list[_InterruptAfterBegin] = []

    def connection() -> Any:
        if not wrappers:
            # The run's record is written twice (created, started), then its first events.
            wrappers.append(_InterruptAfterBegin(real(), on_begin=3))
        return wrappers[0] if wrappers[0].armed else real()

    monkeypatch.setattr("opbook.executors.run.FLUSH_EVERY", 1)
    monkeypatch.setattr("opbook.executors.run.CHECK_EVERY", 1)
    monkeypatch.setattr(storage, "_connection", connection)
    with pytest.raises(KeyboardInterrupt):
        execute_pipeline(two_steps, instance=instance)
    status, stored = kinds(instance)
    assert status == PipelineRunStatus.CANCELED
    assert stored[0] == "PIPELINE_START" and stored[-1] == "PIPELINE_CANCELED"
    assert len(stored) == len({(i, kind) for i, kind in enumerate(stored)})
