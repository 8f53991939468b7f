"""``opbook reexecute``: a run recorded by one command, run again by the next."""

from __future__ import annotations

import pickle
from pathlib import Path

import opbook
from opbook.cli import targets
from opbook.storage.instance import DagsterInstance


def _failed_run(cli, files) -> str:
    files.jobs()
    files.config("big.yaml", 10)
    ran = cli("run", "jobs.py", "-c", "big.yaml")
    assert ran.code == 1
    return ran.out.splitlines()[-1].split()[1]


def _steps(out: str) -> list[list[str]]:
    return [line.split()[:2] for line in out.splitlines()[1:-1]]


def test_from_failure_runs_the_unfinished_steps_with_the_fixed_code(cli, files, workdir):
    run_id = _failed_run(cli, files)
    fixed = files.root.joinpath("jobs.py").read_text().replace("x > 5", "x > 50")
    # another file: this process imported jobs.py already (a new command would load it afresh)
    files.write("jobs_fixed.py", fixed)

    again = cli("reexecute", run_id, "--from-failure", "jobs_fixed.py")

    assert again.code == 0, again.err
    assert _steps(again.out) == [
        ["first", "reused"],
        ["second", "succeeded"],
        ["third", "succeeded"],
    ]
    with DagsterInstance.local(str(workdir / "home")) as instance:
        child = instance.get_runs()[0]
        # A job's outputs go through its default IO manager: files under the storage dir.
        path = Path(instance.storage_directory, child.run_id, "third", "result")
        value = pickle.loads(path.read_bytes())
    assert child.parent_run_id == run_id
    assert value == 22  # (10 + 1) * 2, from the parent's stored output of "first"


def test_the_recorded_target_and_config_are_used_by_default(cli, files):
    run_id = _failed_run(cli, files)

    again = cli("reexecute", run_id[:8], "--from-failure")

    assert again.code == 1  # the same code and config fail the same way
    assert _steps(again.out) == [["first", "reused"], ["second", "failed"], ["third", "not"]]
    assert 'Step "second" failed: ValueError: too big: 10' in again.err


def test_select_runs_the_chosen_steps_with_new_config(cli, files):
    run_id = _failed_run(cli, files)
    files.config("small.yaml", 1)

    again = cli("reexecute", run_id, "--select", "first+", "-c", "small.yaml")

    assert again.code == 0, again.err
    assert _steps(again.out) == [["first", "succeeded"], ["second", "succeeded"]]


def test_from_failure_and_select_together_are_bad_usage(cli, files):
    ran = cli("reexecute", "abc", "--from-failure", "--select", "b")

    assert ran.code == 2
    assert "not allowed with argument" in ran.err


def test_an_unknown_run_is_one_line(cli, workdir):
    ran = cli("reexecute", "nope", "--from-failure")

    assert ran.code == 2
    assert ran.err.strip() == (
        f"opbook: error: no run 'nope' in the instance at {workdir / 'home'} (see `opbook runs`)"
    )


def test_a_run_started_elsewhere_needs_its_target(cli, files, workdir):
    files.jobs()
    chain = targets.load("jobs.py").namespace["chain"]
    with DagsterInstance.local(str(workdir / "home")) as instance:
        result = opbook.execute_pipeline(
            chain,
            {"ops": {"first": {"config": {"n": 1}}}, "intermediate_storage": {"filesystem": {}}},
            instance=instance,
        )

    bare = cli("reexecute", result.run_id, "--select", "third")
    named = cli("reexecute", result.run_id, "--select", "third", "jobs.py", "-j", "chain")

    assert bare.code == 2
    assert "was not started by `opbook run`" in bare.err
    assert f"opbook reexecute {result.run_id} TARGET [-j JOB]" in bare.err
    assert named.code == 0, named.err
    assert _steps(named.out) == [["second", "reused"], ["third", "succeeded"]]


def test_a_target_of_another_job_is_refused(cli, files):
    run_id = _failed_run(cli, files)
    files.write(
        "other.py",
        "from opbook import job, op\n\n@op\ndef o():\n    pass\n\n@job\ndef other():\n    o()\n",
    )

    ran = cli("reexecute", run_id, "other.py", "-j", "other", "--from-failure")

    assert ran.code == 2
    assert f"run {run_id} is a run of 'chain', not of 'other'" in ran.err


def test_runs_mark_failed_marks_an_unfinished_run(cli, workdir):
    import dataclasses

    from opbook.storage.runs import PipelineRunStatus

    with DagsterInstance.local(str(workdir / "home")) as instance:
        run = instance.create_run("remote_job")
        run = instance.update_run_status(run, PipelineRunStatus.STARTED)
        away = dataclasses.replace(run.process, hostname="another-machine")
        instance.run_storage.update_run(dataclasses.replace(run, process=away))
    ran = cli("runs", "--mark-failed", run.run_id[:8])
    assert ran.code == 0 and ran.out.strip() == f"Run {run.run_id} marked as failed."
    assert "FAILURE" in cli("runs").out
    again = cli("runs", "--mark-failed", run.run_id)
    assert again.code != 0 and "has finished already (FAILURE)" in again.err


def test_runs_refuses_a_negative_limit(cli):
    ran = cli("runs", "--limit", "-5")
    assert ran.code == 2
    assert "expected a whole number of 0 or more, got '-5'" in ran.err


def test_runs_lists_the_readable_runs_and_warns_of_a_damaged_record(cli, files, workdir):
    import sqlite3

    files.jobs()
    files.config("small.yaml", 1)
    assert cli("run", "jobs.py", "-c", "small.yaml").code == 0
    assert cli("run", "jobs.py", "-c", "small.yaml").code == 0
    db = sqlite3.connect(workdir / "home" / "opbook.db")
    (damaged,) = db.execute("SELECT run_id FROM runs ORDER BY create_time LIMIT 1").fetchone()
    db.execute("UPDATE runs SET body = ? WHERE run_id = ?", (b"not a pickle", damaged))
    db.commit()
    db.close()
    ran = cli("runs")
    assert ran.code == 0
    assert len(ran.out.strip().splitlines()) == 2  # the header and the readable run
    assert ran.err.strip().splitlines() == [
        f"opbook: warning: The record of run {damaged} cannot be read "
        "(UnpicklingError: invalid load key, 'n'.); it is left out."
    ]
