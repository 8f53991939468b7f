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


def test_a_failed_run_prints_the_command_that_reexecutes_it(cli, files):
    files.jobs()
    files.config("big.yaml", 10)

    ran = cli("run", "jobs.py", "-c", "big.yaml")

    run_id = ran.out.splitlines()[-1].split()[1]
    hint = ran.err.strip().splitlines()[-1]
    assert hint == f"Re-execute from the failure: opbook reexecute {run_id} --from-failure"
    command = hint.split(": ", 1)[1].split()
    assert command[:2] == ["opbook", "reexecute"]
    again = cli(*command[1:])
    assert _steps(again.out)[0] == ["first", "reused"]


def test_the_hint_names_the_instance_given_on_the_command_line(cli, files, workdir):
    files.jobs()
    files.config("big.yaml", 10)

    ran = cli("run", "jobs.py", "-c", "big.yaml", "--instance", "elsewhere")

    assert ran.err.strip().splitlines()[-1].endswith("--from-failure --instance elsewhere")


def test_no_reexecute_hint_when_the_outputs_were_kept_in_memory(cli, files):
    files.write(
        "in_memory.py",
        """
        from opbook import job, mem_io_manager, op

        @op
        def one() -> int:
            return 1

        @op
        def boom(x: int) -> int:
            raise ValueError("boom")

        @job(resource_defs={"io_manager": mem_io_manager})
        def in_memory():
            boom(one())
        """,
    )

    ran = cli("run", "in_memory.py")

    assert ran.code == 1
    assert "opbook reexecute" not in ran.err
    assert ran.err.strip().splitlines()[-1] == (
        "This run cannot be re-executed from its failure: its io_manager is mem_io_manager, "
        "so the outputs of its steps are gone; run it again once fixed"
    )


def test_a_run_on_an_added_executor_is_reexecuted_on_it(cli, files):
    files.write(
        "flaky.py",
        """
        import os

        from opbook import job, multiprocess_executor, op

        @op
        def first() -> int:
            return os.getpid()

        @op
        def second(pid: int) -> int:
            if os.path.exists("broken"):
                raise ValueError("broken")
            return pid

        @job(executor_def=multiprocess_executor)
        def flaky():
            second(first())
        """,
    )
    files.write("broken", "")
    failed = cli("run", "flaky.py", "--executor", "in_process")
    assert failed.code == 1
    (files.root / "broken").unlink()

    again = cli("reexecute", failed.out.splitlines()[-1].split()[1], "--from-failure")

    assert again.code == 0, again.err
    with DagsterInstance.local(str(files.root / "home")) as instance:
        child = instance.get_runs()[0]
    assert child.run_config["execution"] == {"config": {"in_process": {}}}


def test_an_unknown_step_to_reexecute_is_said_of_select(cli, files):
    run_id = _failed_run(cli, files)

    again = cli("reexecute", run_id, "--select", "fourth")

    assert again.code == 2
    assert again.err.strip() == (
        "opbook: error: --select fourth: Can not build subset plan from unknown step: fourth. "
        "The steps of chain are ['first', 'second', 'third']."
    )


def test_a_step_whose_input_was_never_produced_is_refused_in_option_terms(cli, files):
    files.write(
        "first_fails.py",
        """
        from opbook import pipeline, solid

        @solid
        def first(_):
            raise ValueError("nope")

        @solid
        def second(_, x):
            return x

        @pipeline
        def first_fails():
            second(first())
        """,
    )
    failed = cli("run", "first_fails.py")
    run_id = failed.out.splitlines()[-1].split()[1]

    again = cli("reexecute", run_id, "--select", "second")

    assert again.code == 2
    assert f'which run {run_id} did not produce: step "first" did not succeed' in again.err
    assert again.err.strip().endswith("(for example --select '*second').")
    assert "step_selection" not in again.err


def test_from_failure_of_a_run_that_succeeded_points_to_select(cli, files):
    files.jobs()
    files.config("small.yaml", 1)
    done = cli("run", "jobs.py", "-c", "small.yaml")

    again = cli("reexecute", done.out.splitlines()[-1].split()[1], "--from-failure")

    assert again.code == 2
    assert again.err.strip().endswith(
        "there is no failure to re-execute from. Give --select to run steps again."
    )
