"""``opbook run`` on a module with a ``@repository``: its jobs are the target's jobs."""

from __future__ import annotations

from opbook.storage.instance import DagsterInstance

REPO_PY = """
from opbook import graph, job, op, repository, sensor

@op
def one():
    return 1

@graph
def counted():
    one()

@job
def ingest():
    one()

@sensor(job=ingest)
def ingest_sensor():
    pass

def make_report():
    @job
    def report():
        one()
    return report

@repository
def analytics():
    return [counted, ingest_sensor]

@repository
def reporting():
    return {"jobs": {"report": make_report}}
"""


def test_j_chooses_a_job_of_a_repository(cli, files):
    files.write("repo.py", REPO_PY)

    ran = cli("run", "repo.py", "-j", "report")

    assert ran.code == 0, ran.err
    assert "of job report: SUCCESS" in ran.out


def test_a_graph_in_a_repository_runs_as_its_job(cli, files):
    files.write("repo.py", REPO_PY)

    assert "of job counted: SUCCESS" in cli("run", "repo.py", "-j", "counted").out


def test_the_jobs_of_every_repository_are_listed_when_none_is_named(cli, files):
    files.write("repo.py", REPO_PY)

    ran = cli("run", "repo.py")

    assert ran.code == 2
    assert ran.err.strip() == (
        "opbook: error: repo.py defines several jobs (counted, ingest, report); choose one with -j"
    )


def test_a_run_of_a_repository_job_is_tagged_with_the_repository(cli, files, workdir):
    files.write("repo.py", REPO_PY)

    cli("run", "repo.py", "-j", "ingest")

    with DagsterInstance.local(str(workdir / "home")) as instance:
        (run,) = instance.get_runs()
    assert run.tags["opbook/repository"] == "analytics"
