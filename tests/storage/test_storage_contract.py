"""One contract for every storage: run records, event logs and value stores behave the same in
memory, in SQLite and on the filesystem."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from opbook.events import (
    DagsterEvent,
    DagsterEventType,
    SolidHandle,
    StepOutputData,
    StepOutputHandle,
    TypeCheckData,
)
from opbook.storage.filesystem import FilesystemValueStore
from opbook.storage.memory import InMemoryEventLogStorage, InMemoryRunStorage, InMemoryValueStore
from opbook.storage.runs import PipelineRun, PipelineRunsFilter, PipelineRunStatus
from opbook.storage.sqlite import SqliteStorage


@pytest.fixture(params=["memory", "sqlite"])
def run_storage(request, tmp_path):
    return (
        InMemoryRunStorage() if request.param == "memory" else SqliteStorage(str(tmp_path / "db"))
    )


@pytest.fixture(params=["memory", "sqlite"])
def event_storage(request, tmp_path):
    if request.param == "memory":
        return InMemoryEventLogStorage()
    return SqliteStorage(str(tmp_path / "db"))


@pytest.fixture(params=["memory", "filesystem"])
def value_store(request, tmp_path):
    return (
        InMemoryValueStore() if request.param == "memory" else FilesystemValueStore(str(tmp_path))
    )


def output_event(step_key: str, n: int) -> DagsterEvent:
    return DagsterEvent.step(
        DagsterEventType.STEP_OUTPUT,
        "p",
        step_key,
        SolidHandle.from_string(step_key),
        f"output {n}",
        StepOutputData(StepOutputHandle(step_key, "result"), TypeCheckData(True, "result")),
        {"step_key": step_key},
    )


# -- run storage ---------------------------------------------------------------------------------


def test_runs_are_found_by_id_with_their_status(run_storage):
    run = PipelineRun("r1", "p", tags={"team": "a"})
    run_storage.add_run(run)
    assert run_storage.get_run("r1") == run
    run_storage.update_run(run.with_status(PipelineRunStatus.SUCCESS))
    assert run_storage.get_run("r1").status == PipelineRunStatus.SUCCESS
    assert run_storage.get_run("nope") is None


def test_runs_are_listed_newest_first_and_filtered(run_storage):
    for i, status in enumerate([PipelineRunStatus.SUCCESS, PipelineRunStatus.FAILURE] * 2):
        run = PipelineRun(f"r{i}", "p" if i < 3 else "q", status=status, tags={"i": str(i)})
        run_storage.add_run(run)
        time.sleep(0.001)  # distinct creation times
    assert [r.run_id for r in run_storage.get_runs()] == ["r3", "r2", "r1", "r0"]
    assert [r.run_id for r in run_storage.get_runs(limit=2)] == ["r3", "r2"]
    failed = PipelineRunsFilter(statuses=[PipelineRunStatus.FAILURE])
    assert [r.run_id for r in run_storage.get_runs(failed)] == ["r3", "r1"]
    assert [r.run_id for r in run_storage.get_runs(PipelineRunsFilter(pipeline_name="q"))] == ["r3"]
    assert [r.run_id for r in run_storage.get_runs(PipelineRunsFilter(tags={"i": "2"}))] == ["r2"]
    by_id = PipelineRunsFilter(run_ids=["r0", "r2"])
    assert {r.run_id for r in run_storage.get_runs(by_id)} == {"r0", "r2"}


def test_deleting_and_wiping_runs(run_storage):
    run_storage.add_run(PipelineRun("a", "p"))
    run_storage.add_run(PipelineRun("b", "p"))
    run_storage.delete_run("a")
    assert [r.run_id for r in run_storage.get_runs()] == ["b"]
    run_storage.wipe()
    assert run_storage.get_runs() == []


# -- event log storage ---------------------------------------------------------------------------


def test_events_come_back_in_order_per_run(event_storage):
    event_storage.store_events("r1", [output_event("a", 0), output_event("a", 1)])
    event_storage.store_events("r2", [output_event("x", 9)])
    event_storage.store_events("r1", [output_event("b", 2)])
    events = event_storage.get_events("r1")
    assert [e.message for e in events] == ["output 0", "output 1", "output 2"]
    assert events[2].step_output_data.step_output_handle == StepOutputHandle("b", "result")
    assert events[0].solid_handle == SolidHandle("a")
    assert event_storage.count_events("r1") == 3
    assert event_storage.get_events("unknown") == []


def test_records_of_every_run_come_in_the_order_they_were_stored(event_storage):
    event_storage.store_events("r1", [output_event("a", 0), output_event("a", 1)])
    event_storage.store_events("r2", [output_event("x", 2)])
    event_storage.store_events("r1", [output_event("b", 3)])

    records = event_storage.get_records(None)

    assert [(run_id, e.message) for _, run_id, e in records] == [
        ("r1", "output 0"),
        ("r1", "output 1"),
        ("r2", "output 2"),
        ("r1", "output 3"),
    ]
    ids = [storage_id for storage_id, _, _ in records]
    assert ids == sorted(set(ids))


def test_records_after_a_storage_id_are_those_stored_since(event_storage):
    event_storage.store_events("r1", [output_event("a", 0), output_event("a", 1)])
    seen = event_storage.get_records(None)[0][0]
    event_storage.store_events("r2", [output_event("x", 2)])

    assert [e.message for _, _, e in event_storage.get_records(seen)] == ["output 1", "output 2"]


def test_events_are_deleted_per_run(event_storage):
    event_storage.store_events("r1", [output_event("a", 0)])
    event_storage.store_events("r2", [output_event("a", 1)])
    event_storage.delete_events("r1")
    assert event_storage.get_events("r1") == []
    assert len(event_storage.get_events("r2")) == 1


def test_sqlite_stores_payloads_of_notebook_classes_and_unpicklable_ones(tmp_path):
    class Local:  # defined in a function: pickle cannot find it by name, cloudpickle can
        def __init__(self, value):
            self.value = value

    storage = SqliteStorage(str(tmp_path / "db"))
    event = output_event("a", 0)
    event.event_specific_data = Local(5)
    storage.store_events("r", [event])
    assert storage.get_events("r")[0].event_specific_data.value == 5

    broken = output_event("b", 1)
    broken.event_specific_data = threading.Lock()  # no pickler can store a lock
    storage.store_events("r", [broken])
    stored = storage.get_events("r")[1]
    assert stored.message == "output 1"
    assert "could not be stored" in stored.event_specific_data


# -- value stores --------------------------------------------------------------------------------


def test_values_round_trip_per_run(value_store):
    value_store.set_value("r1", "a", "result", {"x": [1, 2]})
    value_store.set_value("r2", "a", "result", "other run")
    assert value_store.get_value("r1", "a", "result") == {"x": [1, 2]}
    assert value_store.get_value("r2", "a", "result") == "other run"
    assert value_store.has_value("r1", "a", "result")
    assert not value_store.has_value("r1", "a", "other")
    assert not value_store.has_value("r3", "a", "result")


def test_missing_values_raise_key_error(value_store):
    value_store.set_value("r1", "a", "result", 1)
    with pytest.raises(KeyError):
        value_store.get_value("r1", "b", "result")
    with pytest.raises(KeyError):
        value_store.get_value("r9", "a", "result")


def test_values_of_nested_steps_and_none(value_store):
    value_store.set_value("r1", "comp.inner", "out", None)
    assert value_store.has_value("r1", "comp.inner", "out")
    assert value_store.get_value("r1", "comp.inner", "out") is None


def test_memory_store_keeps_only_recent_runs():
    store = InMemoryValueStore(max_runs=2)
    for run in ("r1", "r2", "r3"):
        store.set_value(run, "a", "result", run)
    assert not store.has_value("r1", "a", "result")
    assert store.get_value("r3", "a", "result") == "r3"


def test_filesystem_store_pickles_notebook_defined_classes(tmp_path):
    class Point:  # a local class: stored by value with cloudpickle
        def __init__(self, x):
            self.x = x

    store = FilesystemValueStore(str(tmp_path))
    store.set_value("r", "a", "result", Point(3))
    assert store.get_value("r", "a", "result").x == 3


# -- idempotent appends ---------------------------------------------------------------------------


def test_a_batch_written_again_by_its_writer_is_stored_once(event_storage):
    first = [output_event("a", n) for n in range(3)]
    event_storage.store_events("r", first, "run", 0)
    # The run did not learn that its write landed: its next batch starts at the same place.
    again = [*first, output_event("b", 3)]
    event_storage.store_events("r", again, "run", 0)
    assert [e.message for e in event_storage.get_events("r")] == [
        "output 0",
        "output 1",
        "output 2",
        "output 3",
    ]
    assert event_storage.count_events("r") == 4


def test_events_without_a_writer_are_appended_beside_a_writers_stream(event_storage):
    event_storage.store_events("r", [output_event("a", 0)], "run", 0)
    event_storage.store_events("r", [output_event("x", 9)])  # an engine event from outside
    event_storage.store_events("r", [output_event("a", 1)], "run", 1)
    event_storage.store_events("r", [output_event("x", 9)])
    assert [e.message for e in event_storage.get_events("r")] == [
        "output 0",
        "output 9",
        "output 1",
        "output 9",
    ]


def test_runs_filtered_by_name_and_several_statuses_at_once(run_storage):
    statuses = [PipelineRunStatus.SUCCESS, PipelineRunStatus.FAILURE, PipelineRunStatus.CANCELED]
    for i, status in enumerate(statuses):
        run_storage.add_run(PipelineRun(f"p{i}", "p", status=status))
        run_storage.add_run(PipelineRun(f"q{i}", "q", status=status))
    ended = PipelineRunsFilter(
        pipeline_name="p", statuses=[PipelineRunStatus.FAILURE, PipelineRunStatus.CANCELED]
    )
    assert {r.run_id for r in run_storage.get_runs(ended)} == {"p1", "p2"}


def test_deleting_an_unknown_run_does_nothing(run_storage):
    run_storage.add_run(PipelineRun("a", "p"))
    run_storage.delete_run("unknown")
    assert [r.run_id for r in run_storage.get_runs()] == ["a"]


def test_an_unknown_run_has_no_events(event_storage):
    event_storage.store_events("r1", [output_event("a", 0)])
    event_storage.delete_events("unknown")
    assert event_storage.count_events("unknown") == 0
    assert event_storage.count_events("r1") == 1


def test_sqlite_keeps_the_storable_events_of_a_batch_with_an_unpicklable_payload(tmp_path):
    class Local:  # needs cloudpickle
        value = 5

    storage = SqliteStorage(str(tmp_path / "db"))
    kept = output_event("a", 0)
    kept.event_specific_data = Local()
    broken = output_event("b", 1)
    broken.event_specific_data = threading.Lock()
    storage.store_events("r", [kept, broken])
    first, second = storage.get_events("r")
    assert first.event_specific_data.value == 5
    assert second.event_specific_data.startswith("<payload that could not be stored: <unlocked")


def test_sqlite_keeps_everything_but_the_payload_of_an_event_it_cannot_store(tmp_path):
    storage = SqliteStorage(str(tmp_path / "db"))
    broken = output_event("b", 1)
    broken.event_specific_data = threading.Lock()
    broken.pid = 4321  # as an event from a worker process has
    storage.store_events("r", [broken])
    (stored,) = storage.get_events("r")
    fields = (
        "event_type_value",
        "pipeline_name",
        "step_key",
        "solid_handle",
        "step_kind_value",
        "logging_tags",
        "message",
        "pid",
        "timestamp",
    )
    assert {f: getattr(stored, f) for f in fields} == {f: getattr(broken, f) for f in fields}


def test_sqlite_a_failed_write_is_rolled_back_and_the_next_one_succeeds(tmp_path):
    storage = SqliteStorage(str(tmp_path / "db"))
    with pytest.raises(sqlite3.IntegrityError):
        storage.add_run(PipelineRun("bad", None))  # pipeline_name is NOT NULL
    storage.add_run(PipelineRun("good", "p"))
    assert [r.run_id for r in storage.get_runs()] == ["good"]


def test_memory_store_deleting_values_of_an_unknown_run_does_nothing():
    store = InMemoryValueStore()
    store.set_value("r1", "a", "result", 1)
    store.delete_run("unknown")
    assert store.get_value("r1", "a", "result") == 1


def test_memory_store_keeps_the_values_of_exactly_max_runs_runs():
    store = InMemoryValueStore(max_runs=2)
    for run in ("r1", "r2", "r3"):
        store.set_value(run, "a", "result", run)
    assert [store.has_run(run) for run in ("r1", "r2", "r3")] == [False, True, True]


def test_memory_store_says_where_values_are():
    store = InMemoryValueStore()
    assert store.set_value("r", "a", "result", 1) == "memory"
    assert store.describe() == "in memory"
