"""The command's options: its version, and Dagster's ways of naming a target."""

from __future__ import annotations

import pytest

import opbook


def test_version_prints_opbooks_version(cli):
    ran = cli("--version")

    assert ran.code == 0
    assert ran.out.strip() == f"opbook {opbook.__version__}"


def test_run_takes_dagsters_python_file_option(cli, files):
    files.jobs()
    files.config("run.yaml", 1)

    ran = cli("run", "-f", "jobs.py", "-c", "run.yaml")

    assert ran.code == 0, ran.err
    assert "of job chain: SUCCESS" in ran.out


def test_run_takes_dagsters_module_name_option(cli, files):
    files.jobs("my_jobs.py")
    files.config("run.yaml", 1)

    ran = cli("run", "-m", "my_jobs", "-j", "chain", "-c", "run.yaml")

    assert ran.code == 0, ran.err
    assert "of job chain: SUCCESS" in ran.out


def test_run_without_a_target_says_how_to_give_one(cli):
    ran = cli("run")

    assert ran.code == 2
    assert "give a TARGET (a Python file, a module or a notebook), or -f/-m" in ran.err


def test_run_refuses_a_target_and_a_python_file_together(cli, files):
    files.jobs()

    ran = cli("run", "jobs.py", "-f", "jobs.py")

    assert ran.code == 2
    assert "give TARGET or -f/-m, not both" in ran.err


COMMANDS = ("run", "reexecute", "runs", "config-scaffold", "export", "ticks")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_description_and_examples(cli, command):
    ran = cli(command, "--help")

    assert ran.code == 0
    usage, description = ran.out.split("\n\n")[:2]
    assert usage.startswith(f"usage: opbook {command}")
    assert len(description.split()) > 10
    examples = ran.out.split("\nexamples:\n")[1].splitlines()
    assert examples and all(line.split()[:2] == ["opbook", command] for line in examples)
