"""The instance: which storage each kind uses, runs listed and looked up with their status,
event logs, and several processes writing to one SQLite instance at once."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

import pytest

from opbook import (
    DagsterEventType,
    DagsterInstance,
    DagsterRunNotFoundError,
    ModeDefinition,
    PipelineRunStatus,
    default_system_storage_defs,
    execute_pipeline,
    pipeline,
    solid,
)
from opbook.storage.filesystem import FilesystemValueStore
from opbook.storage.runs import PipelineRunsFilter


@solid
def emit(_):
    return 1


@solid
def fail(_, x):
    raise ValueError("no")


@pipeline
def ok_pipeline():
    emit()


@pipeline
def failing_pipeline():
    fail(emit())


def test_ephemeral_instance_keeps_runs_in_memory():
    instance = DagsterInstance.ephemeral()
    result = execute_pipeline(ok_pipeline, instance=instance)
    assert instance.is_ephemeral and not instance.is_persistent
    assert instance.get_run_by_id(result.run_id).status == PipelineRunStatus.SUCCESS
    assert instance.value_store("in_memory").get_value(result.run_id, "emit", "result") == 1


def test_runs_are_listed_and_looked_up_with_their_status(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    ok = execute_pipeline(ok_pipeline, instance=instance)
    bad = execute_pipeline(failing_pipeline, instance=instance, raise_on_error=False)
    assert [r.run_id for r in instance.get_runs()] == [bad.run_id, ok.run_id]
    assert instance.get_run(ok.run_id).status == PipelineRunStatus.SUCCESS
    assert instance.get_run(bad.run_id).status == PipelineRunStatus.FAILURE
    failed = instance.get_runs(PipelineRunsFilter(statuses=[PipelineRunStatus.FAILURE]))
    assert [r.run_id for r in failed] == [bad.run_id]
    assert instance.get_runs_count() == 2
    assert instance.get_run_ids(limit=1) == [bad.run_id]
    assert instance.get_runs(cursor=bad.run_id) == [instance.get_run(ok.run_id)]
    assert instance.has_run(ok.run_id) and not instance.has_run("nope")
    with pytest.raises(DagsterRunNotFoundError, match="nope"):
        instance.get_run("nope")


def test_a_local_instance_remembers_runs_after_reopening(tmp_path):
    first = DagsterInstance.local(str(tmp_path))
    result = execute_pipeline(ok_pipeline, instance=first)
    first.dispose()
    again = DagsterInstance.local(str(tmp_path))
    run = again.get_run(result.run_id)
    assert run.status == PipelineRunStatus.SUCCESS and run.pipeline_name == "ok_pipeline"
    logs = again.all_logs(result.run_id)
    assert [e.event_type_value for e in logs] == [e.event_type_value for e in result.event_list]
    assert logs[0].dagster_event.event_type == DagsterEventType.RUN_START
    assert logs[0].dagster_event_type == DagsterEventType.RUN_START
    assert logs[0].run_id == result.run_id and logs[0].step_key is None
    successes = again.all_logs(result.run_id, of_type=DagsterEventType.STEP_SUCCESS)
    assert [e.step_key for e in successes] == ["emit"]
    assert again.get_run_stats(result.run_id).steps_succeeded == 1


@solid
def chatty(context):
    context.log.info("read %d rows", 3)
    context.log.warning("one row was empty")
    return 1


@pipeline
def chatty_pipeline():
    chatty()


@pytest.mark.parametrize("kind", ["ephemeral", "local"])
def test_lines_a_step_logs_are_in_the_run_log_as_dagster_keeps_them(tmp_path, kind):
    if kind == "local":
        first = DagsterInstance.local(str(tmp_path))
        result = execute_pipeline(chatty_pipeline, instance=first)
        first.dispose()
        instance = DagsterInstance.local(str(tmp_path))
    else:
        instance = DagsterInstance.ephemeral()
        result = execute_pipeline(chatty_pipeline, instance=instance)
    logs = instance.all_logs(result.run_id)
    lines = [e for e in logs if e.dagster_event is None]
    assert [(e.level, e.user_message, e.step_key) for e in lines] == [
        (logging.INFO, "read 3 rows", "chatty"),
        (logging.WARNING, "one row was empty", "chatty"),
    ]
    assert not any(e.is_dagster_event for e in lines) and lines[0].run_id == result.run_id
    kinds = [e.event_type_value if e.is_dagster_event else "log" for e in logs]
    assert kinds.index("STEP_START") < kinds.index("log") < kinds.index("STEP_SUCCESS")
    assert len(instance.get_events(result.run_id)) == len(result.event_list)  # not events
    assert instance.all_logs(result.run_id, of_type=DagsterEventType.STEP_SUCCESS)[0].step_key


def test_event_log_storage_gives_the_run_log_as_dagster_reads_it():
    instance = DagsterInstance.ephemeral()
    result = execute_pipeline(chatty_pipeline, instance=instance)
    logs = instance.event_log_storage.get_logs_for_run(result.run_id)
    assert [e.user_message for e in logs if e.dagster_event is None] == [
        "read 3 rows",
        "one row was empty",
    ]
    assert len(logs) == len(instance.all_logs(result.run_id))


def test_event_log_storage_reads_after_a_cursor():
    instance = DagsterInstance.ephemeral()
    result = execute_pipeline(chatty_pipeline, instance=instance)
    every = instance.event_log_storage.get_logs_for_run(result.run_id)
    after = instance.event_log_storage.get_logs_for_run(result.run_id, cursor=1)
    assert [e.user_message for e in after] == [e.user_message for e in every[2:]]


def test_settings_are_empty_unless_given():
    instance = DagsterInstance.ephemeral()
    assert instance.get_settings("python_logs") == {}
    instance.settings = {"python_logs": {"python_log_level": "INFO"}}
    assert instance.get_settings("python_logs") == {"python_log_level": "INFO"}


def test_wiping_a_local_instance_lasts_after_reopening(tmp_path):
    first = DagsterInstance.local(str(tmp_path))
    result = execute_pipeline(ok_pipeline, instance=first)
    first.wipe()
    first.dispose()
    again = DagsterInstance.local(str(tmp_path))
    assert again.get_runs() == [] and not again.has_run(result.run_id)
    assert again.all_logs(result.run_id) == []


def test_local_temp_is_removed_when_disposed():
    instance = DagsterInstance.local_temp()
    root = instance.root_directory
    execute_pipeline(ok_pipeline, instance=instance)
    with instance:
        pass
    assert not os.path.exists(root)


def test_the_default_instance_follows_opbook_home(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("OPBOOK_HOME", raising=False)
    in_memory = DagsterInstance.get()
    assert in_memory.is_ephemeral and DagsterInstance.get() is in_memory
    monkeypatch.setenv("OPBOOK_HOME", str(tmp_path))
    persistent = DagsterInstance.get()
    assert not persistent.is_ephemeral and persistent.root_directory == str(tmp_path.resolve())
    result = execute_pipeline(ok_pipeline)
    assert DagsterInstance.local(str(tmp_path)).has_run(result.run_id)
    monkeypatch.delenv("OPBOOK_HOME")
    assert DagsterInstance.get().is_ephemeral


def test_the_in_memory_default_instance_remembers_the_most_recent_fifty_runs(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("OPBOOK_HOME", raising=False)
    session = DagsterInstance.get()
    runs = [execute_pipeline(ok_pipeline, instance=session) for _ in range(55)]
    kept = [r.run_id for r in runs[-50:]]
    assert session.get_run_ids(PipelineRunsFilter(run_ids=[r.run_id for r in runs])) == kept[::-1]
    oldest, newest = runs[4].run_id, runs[5].run_id
    assert not session.has_run(oldest) and session.get_events(oldest) == []
    assert session.get_event_count(newest) == len(runs[5].event_list)
    # a result object keeps its own events, whatever the instance forgets
    assert [e.event_type_value for e in runs[0].event_list] == [
        e.event_type_value for e in runs[5].event_list
    ]


def test_an_instance_made_by_the_user_keeps_every_run():
    instance = DagsterInstance.ephemeral()
    first = execute_pipeline(ok_pipeline, instance=instance)
    for _ in range(55):
        execute_pipeline(ok_pipeline, instance=instance)
    assert instance.get_runs_count() == 56 and instance.has_run(first.run_id)


def test_deleting_a_run_forgets_its_events_and_values():
    instance = DagsterInstance.ephemeral()
    result = execute_pipeline(ok_pipeline, instance=instance)
    instance.delete_run(result.run_id)
    assert not instance.has_run(result.run_id)
    assert instance.get_events(result.run_id) == []
    assert not instance.value_store("in_memory").has_value(result.run_id, "emit", "result")


def test_the_session_instance_removes_the_values_of_runs_it_forgets_from_disk(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("OPBOOK_HOME", raising=False)
    monkeypatch.setattr("opbook.storage.instance._default_instance", None)
    monkeypatch.setattr("opbook.storage.instance.RECENT_RUNS", 2)
    session = DagsterInstance.get()
    on_disk = {"storage": {"filesystem": {}}}
    first, *rest = [
        execute_pipeline(ok_pipeline, instance=session, run_config=on_disk) for _ in range(3)
    ]
    folders = session.storage_directory
    assert not session.has_run(first.run_id)
    assert sorted(os.listdir(folders)) == sorted(r.run_id for r in rest)


def test_a_persistent_instance_leaves_the_values_of_a_deleted_run_on_disk(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    result = execute_pipeline(
        ok_pipeline, instance=instance, run_config={"storage": {"filesystem": {}}}
    )
    instance.delete_run(result.run_id)
    assert (tmp_path / "storage" / result.run_id).is_dir()


def test_a_finished_run_removes_temporary_files_its_killed_writers_left(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    run = instance.create_run("p")
    step = tmp_path / "storage" / run.run_id / "step"
    step.mkdir(parents=True)
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    abandoned = step / f".tmp-{int(gone.stdout)}-abc.pickle"
    living = step / f".tmp-{os.getppid()}-abc.pickle"  # a process still writing
    abandoned.write_bytes(b"half")
    living.write_bytes(b"half")
    instance.update_run_status(run, PipelineRunStatus.STARTED)
    assert abandoned.exists()
    instance.update_run_status(run, PipelineRunStatus.FAILURE)
    assert not abandoned.exists() and living.exists()


def test_filesystem_storage_goes_under_the_instance(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    result = execute_pipeline(
        ok_pipeline, instance=instance, run_config={"storage": {"filesystem": {}}}
    )
    store = instance.value_store("filesystem")
    assert isinstance(store, FilesystemValueStore)
    assert store.get_value(result.run_id, "emit", "result") == 1
    assert (tmp_path / "storage" / result.run_id / "intermediates" / "emit" / "result").exists()


def test_instance_refs_reopen_the_same_instance(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    result = execute_pipeline(ok_pipeline, instance=instance)
    reopened = DagsterInstance.from_ref(instance.get_ref())
    assert reopened.has_run(result.run_id)
    assert DagsterInstance.from_ref(DagsterInstance.ephemeral().get_ref()).is_ephemeral


_WRITER = textwrap.dedent(
    """
    import sys
    from opbook import DagsterInstance
    from opbook.events import DagsterEvent

    root, name = sys.argv[1], sys.argv[2]
    instance = DagsterInstance.local(root)
    for batch in range(40):
        events = [
            DagsterEvent.engine_event("p", f"{name} {batch} {i}") for i in range(250)
        ]
        instance.store_events(name, events)
        instance.store_events("shared", events[:5])
    """
)


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_no_events(tmp_path):
    DagsterInstance.local(str(tmp_path))  # create the database before the race
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), name])
        for name in ("one", "two")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    instance = DagsterInstance.local(str(tmp_path))
    for name in ("one", "two"):
        messages = [e.message for e in instance.get_events(name)]
        assert messages == [f"{name} {b} {i}" for b in range(40) for i in range(250)]
    assert instance.get_event_count("shared") == 2 * 40 * 5


def test_system_storage_names_and_a_configured_base_dir(tmp_path):
    @pipeline(mode_defs=[ModeDefinition(system_storage_defs=default_system_storage_defs)])
    def stored():
        emit()

    config = {"storage": {"filesystem": {"config": {"base_dir": str(tmp_path / "values")}}}}
    result = execute_pipeline(stored, run_config=config, instance=DagsterInstance.ephemeral())
    assert (tmp_path / "values" / result.run_id / "intermediates" / "emit" / "result").exists()
    handled = [e for e in result.event_list if e.event_type_value == "HANDLED_OUTPUT"]
    assert handled[0].handled_output_data.manager_key == "filesystem"
    assert result.result_for_solid("emit").output_value() == 1


@solid
def interrupted(_):
    raise KeyboardInterrupt


@pipeline
def interrupted_pipeline():
    interrupted()


def test_an_interrupted_run_is_recorded_as_canceled_with_its_events(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        execute_pipeline(interrupted_pipeline, instance=instance)
    (run,) = instance.get_runs()
    assert run.status == PipelineRunStatus.CANCELED and run.is_finished
    kinds = [e.event_type_value for e in instance.get_events(run.run_id)]
    assert kinds[0] == "PIPELINE_START" and "STEP_FAILURE" in kinds
    assert kinds[-1] == "PIPELINE_CANCELED"
