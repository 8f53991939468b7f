"""The ``opbook`` script, ``python -m opbook.cli``, and what their help says."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _env(workdir: Path) -> dict[str, str]:
    return {**os.environ, "OPBOOK_HOME": str(workdir / "home")}


def test_run_help_says_plainly_that_the_target_code_is_executed(cli):
    ran = cli("run", "--help")

    assert ran.code == 0
    text = " ".join(ran.out.split())
    assert (
        "Running a notebook or a Python file executes its code, like `python file.py` would" in text
    )
    assert "cells tagged `skip`" in " ".join(cli("--help").out.split())


def test_help_states_where_runs_are_recorded(cli):
    text = " ".join(cli("--help").out.split())

    assert "--instance PATH, else $OPBOOK_HOME, else $DAGSTER_HOME, else ~/.opbook" in text
    assert "$OPBOOK_HOME" in " ".join(cli("runs", "--help").out.split())


def test_no_command_prints_the_usage_and_exits_2(cli):
    ran = cli()

    assert ran.code == 2
    assert ran.err.startswith("usage: opbook")


def test_reexecute_help_says_how_to_give_the_definitions(cli):
    text = " ".join(cli("reexecute", "--help").out.split())

    assert "opbook run` records it on the run" in text
    assert "give TARGET (and -j JOB" in text


@pytest.mark.slow
def test_python_m_opbook_cli_runs_a_job_and_the_next_process_lists_it(files, workdir):
    files.jobs()
    files.config("run.yaml", 1)
    command = [sys.executable, "-m", "opbook.cli"]

    ran = subprocess.run(
        [*command, "run", "jobs.py", "-c", "run.yaml"],
        cwd=workdir,
        env=_env(workdir),
        capture_output=True,
        text=True,
        timeout=120,
    )
    listed = subprocess.run(
        [*command, "runs"], cwd=workdir, env=_env(workdir), capture_output=True, text=True
    )

    assert ran.returncode == 0, ran.stderr
    assert "of job chain: SUCCESS" in ran.stdout
    assert listed.stdout.splitlines()[1].split()[1:3] == ["chain", "SUCCESS"]


@pytest.mark.slow
def test_the_installed_script_reports_bad_input_without_a_traceback(files, workdir):
    script = shutil.which("opbook", path=os.path.dirname(sys.executable))
    if script is None:
        pytest.skip("the opbook script is not installed in this environment")
    files.notebook("nb.ipynb", ["%%op\nnot a function"])

    ran = subprocess.run(
        [script, "run", "nb.ipynb"],
        cwd=workdir,
        env=_env(workdir),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert ran.returncode == 2
    assert ran.stderr.startswith("opbook: error: ")
    assert "cell 1 (%%op)" in ran.stderr
    assert "Traceback" not in ran.stderr
