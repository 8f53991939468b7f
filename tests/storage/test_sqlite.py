"""The SQLite storage's connections: one per thread, reused across calls, a forked child's own,
and closing that is safe to repeat."""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

import pytest

from opbook.storage.runs import PipelineRun
from opbook.storage.sqlite import SqliteStorage


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[sqlite3.Connection]:
    """Every connection the storage opens, in order."""
    connections: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def recording(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connections.append(connect(*args, **kwargs))
        return connections[-1]

    monkeypatch.setattr(sqlite3, "connect", recording)
    return connections


def test_one_thread_reuses_one_connection_and_another_thread_opens_its_own(
    tmp_path, opened
) -> None:
    storage = SqliteStorage(str(tmp_path / "db"))
    storage.add_run(PipelineRun(pipeline_name="p", run_id="r1"))
    for _ in range(5):
        assert storage.get_run("r1").pipeline_name == "p"
        assert [run.run_id for run in storage.get_runs()] == ["r1"]
        assert storage.get_events("r1") == [] and storage.count_events("r1") == 0
    assert len(opened) == 1
    seen: list[str] = []
    reader = threading.Thread(target=lambda: seen.append(storage.get_run("r1").run_id))
    reader.start()
    reader.join()
    assert seen == ["r1"] and len(opened) == 2


def test_closing_twice_is_safe_and_the_storage_reopens_when_used(tmp_path) -> None:
    storage = SqliteStorage(str(tmp_path / "db"))
    storage.add_run(PipelineRun(pipeline_name="p", run_id="r1"))
    storage.close()
    storage.close()
    assert storage.get_run("r1").run_id == "r1"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_closing_in_a_forked_child_leaves_the_parents_connection_alone(tmp_path, opened) -> None:
    storage = SqliteStorage(str(tmp_path / "db"))
    storage.add_run(PipelineRun(pipeline_name="p", run_id="parent"))
    (parents,) = opened
    pid = os.fork()
    if pid == 0:  # the child: close, then work through a connection of its own
        code = 1
        try:
            storage.close()
            assert parents.total_changes >= 0  # raises if the child closed the parent's connection
            storage.add_run(PipelineRun(pipeline_name="p", run_id="child"))
            code = 0 if opened[-1] is not parents else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    storage.add_run(PipelineRun(pipeline_name="p", run_id="after"))
    assert sorted(run.run_id for run in storage.get_runs()) == ["after", "child", "parent"]
    assert opened == [parents]


def test_a_file_from_before_batch_positions_opens_and_takes_new_batches(tmp_path) -> None:
    from opbook.events import DagsterEvent
    from opbook.storage.sqlite import dumps_events

    path = str(tmp_path / "old.db")
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE event_batches (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL,"
        " event_count INTEGER NOT NULL, body BLOB NOT NULL);"
    )
    earlier = DagsterEvent.engine_event("p", "written by an earlier opbook")
    old.execute(
        "INSERT INTO event_batches (run_id, event_count, body) VALUES (?, ?, ?)",
        ("r", 1, dumps_events([earlier])),
    )
    old.commit()
    old.close()
    storage = SqliteStorage(path)
    later = DagsterEvent.engine_event("p", "written now")
    storage.store_events("r", [later], "run", 0)
    storage.store_events("r", [later], "run", 0)
    assert [e.message for e in storage.get_events("r")] == [
        "written by an earlier opbook",
        "written now",
    ]
