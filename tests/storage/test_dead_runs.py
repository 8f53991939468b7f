"""Runs whose process is gone: found and marked as failed when the instance is opened, by
hand with ``mark_run_failed``, and a warning when one is re-executed while still STARTED."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from opbook import DagsterInstance, PipelineRunStatus, job, op, reexecute_pipeline
from opbook.errors import DagsterInvariantViolationError
from opbook.storage.process import RunProcess, is_running, this_process

_KILLED_MID_RUN = """
import os, sys, time
from opbook import DagsterInstance, execute_pipeline, job, op

@op
def forever() -> None:
    open(sys.argv[2], "w").write("started")
    time.sleep(120)

@job
def endless():
    forever()

execute_pipeline(endless, instance=DagsterInstance.local(sys.argv[1]))
"""


def killed_mid_run(tmp_path: Path) -> str:
    """The instance directory of a run whose process was killed with SIGKILL mid-step."""
    home, marker = tmp_path / "home", tmp_path / "marker"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_MID_RUN, str(home), str(marker)])
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return str(home)


@pytest.mark.slow
def test_a_run_whose_process_was_killed_is_marked_failed_when_the_instance_opens(tmp_path):
    with DagsterInstance.local(killed_mid_run(tmp_path)) as instance:
        (run,) = instance.get_runs()
        events = instance.get_events(run.run_id)
    assert run.status == PipelineRunStatus.FAILURE
    assert run.process is not None and run.process.hostname == os.uname().nodename
    why = events[-2]
    assert why.event_type_value == "ENGINE_EVENT"
    assert f"(pid {run.process.pid} on {run.process.hostname}) is gone" in why.message
    assert events[-1].event_type_value == "PIPELINE_FAILURE"


def started_run(instance: DagsterInstance, process: RunProcess | None):
    run = instance.create_run("p")
    run = instance.update_run_status(run, PipelineRunStatus.STARTED)
    run = dataclasses.replace(run, process=process)
    instance.run_storage.update_run(run)
    return run


def test_runs_of_living_processes_other_hosts_or_no_process_are_left_alone(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    here = this_process()
    started_run(instance, here)
    started_run(instance, dataclasses.replace(here, hostname="another-machine"))
    started_run(instance, None)  # recorded before runs kept their process
    assert instance.reconcile_dead_runs() == []
    statuses = {run.status for run in DagsterInstance.local(str(tmp_path)).get_runs()}
    assert statuses == {PipelineRunStatus.STARTED}


def test_a_pid_reused_by_another_process_does_not_keep_a_run_alive(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    here = this_process()
    assert here.start_ticks is not None  # Linux tells when a process started
    reused = dataclasses.replace(here, start_ticks=here.start_ticks + 1)
    assert is_running(here) is True and is_running(reused) is False
    run = started_run(instance, reused)
    (marked,) = instance.reconcile_dead_runs()
    assert marked.run_id == run.run_id and marked.status == PipelineRunStatus.FAILURE


def test_a_run_can_be_marked_failed_by_hand_and_a_finished_one_cannot(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    run = started_run(instance, dataclasses.replace(this_process(), hostname="elsewhere"))
    marked = instance.mark_run_failed(run.run_id, "Its machine was switched off.")
    assert marked.status == PipelineRunStatus.FAILURE
    assert instance.get_events(run.run_id)[-2].message == "Its machine was switched off."
    with pytest.raises(DagsterInvariantViolationError, match="has finished already"):
        instance.mark_run_failed(run.run_id, "again")


@op
def one() -> int:
    return 1


@job
def single():
    one()


def test_re_executing_a_run_still_marked_started_warns(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    parent = single.execute_in_process(instance=instance)
    record = instance.get_run(parent.run_id)
    instance.run_storage.update_run(dataclasses.replace(record, status=PipelineRunStatus.STARTED))
    with pytest.warns(UserWarning, match="is still marked STARTED"):
        reexecute_pipeline(single, parent.run_id, instance=instance)


def test_a_run_killed_after_storing_its_end_takes_the_status_its_log_gives(tmp_path):
    instance = DagsterInstance.local(str(tmp_path))
    parent = single.execute_in_process(instance=instance)
    record = instance.get_run(parent.run_id)
    gone = dataclasses.replace(this_process(), start_ticks=(this_process().start_ticks or 0) + 1)
    stale = dataclasses.replace(record, status=PipelineRunStatus.STARTED, process=gone)
    instance.run_storage.update_run(stale)  # killed between its last event and its status
    before = len(instance.get_events(parent.run_id))
    (reconciled,) = instance.reconcile_dead_runs()
    assert reconciled.status == PipelineRunStatus.SUCCESS
    assert len(instance.get_events(parent.run_id)) == before  # no failure added after success
