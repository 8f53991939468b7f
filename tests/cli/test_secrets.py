"""Secrets never reach the command line's output or the runs it records."""

from __future__ import annotations

import pytest
import yaml

from opbook.storage.instance import DagsterInstance

SECRET_JOB = """
    from opbook import Field, StringSource, job, op, resource

    @resource(config_schema={"url": Field(StringSource, is_secret=True)})
    def db(init_context):
        return init_context.resource_config["url"]

    @op(config_schema={"password": Field(str, is_secret=True), "rows": int},
        required_resource_keys={"db"})
    def query(context):
        assert context.resources.db == "postgres://from-the-environment"
        return context.op_config["rows"]

    @op
    def check(rows):
        if rows > 5:
            raise ValueError("too many rows")
        return rows

    @job(resource_defs={"db": db})
    def guarded():
        check(query())
"""
ENV_VALUE = "postgres://from-the-environment"
PASSWORD = "hunter2-secret"


@pytest.fixture
def secret_job(files, monkeypatch):
    monkeypatch.setenv("DB_URL", ENV_VALUE)
    files.write("secret_jobs.py", SECRET_JOB)

    def config(name: str, rows: object) -> str:
        value = {
            "ops": {"query": {"config": {"password": PASSWORD, "rows": rows}}},
            "resources": {"db": {"config": {"url": {"env": "DB_URL"}}}},
        }
        files.write(name, yaml.safe_dump(value))
        return name

    return config


def _assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text
        assert ENV_VALUE not in text


def test_shown_config_masks_secret_fields_and_keeps_env_references(cli, secret_job):
    ran = cli("run", "secret_jobs.py", "-c", secret_job("ok.yaml", 1), "--show-config")

    assert ran.code == 0, ran.err
    shown = yaml.safe_load(ran.out)
    assert shown["ops"]["query"]["config"] == {"password": "***", "rows": 1}
    assert shown["resources"]["db"]["config"]["url"] == {"env": "DB_URL"}
    _assert_no_secret(ran.out, ran.err)


def test_runs_and_their_records_never_hold_a_secret(cli, secret_job, workdir):
    ok = cli("run", "secret_jobs.py", "-c", secret_job("ok.yaml", 1))
    failed = cli("run", "secret_jobs.py", "-c", secret_job("many.yaml", 10))
    listed = cli("runs")

    assert ok.code == 0, ok.err
    assert failed.code == 1
    _assert_no_secret(ok.out, ok.err, failed.out, failed.err, listed.out)
    with DagsterInstance.local(str(workdir / "home")) as instance:
        for run in instance.get_runs():
            assert run.run_config["ops"]["query"]["config"]["password"] == "***"
            assert run.run_config["resources"]["db"]["config"]["url"] == {"env": "DB_URL"}
            _assert_no_secret(repr(run.run_config))


def test_config_problems_do_not_show_secret_values(cli, files, secret_job):
    name = secret_job("bad.yaml", "not-a-number")
    text = files.root.joinpath(name).read_text().replace(PASSWORD, "[" + PASSWORD + "]")
    files.write(name, text)  # the password is now a list: a problem at a secret field

    ran = cli("run", "secret_jobs.py", "-c", name)

    assert ran.code == 2
    assert "root:ops:query:config:rows" in ran.err
    assert "root:ops:query:config:password" in ran.err
    _assert_no_secret(ran.out, ran.err)


def test_a_run_whose_secrets_were_masked_needs_its_config_again(cli, secret_job):
    failed = cli("run", "secret_jobs.py", "-c", secret_job("many.yaml", 10))
    run_id = failed.out.splitlines()[-1].split()[1]

    bare = cli("reexecute", run_id, "--from-failure")
    given = cli("reexecute", run_id, "--from-failure", "-c", secret_job("few.yaml", 1))

    assert bare.code == 2
    assert "had secret config values, which are not recorded" in bare.err
    assert given.code == 1  # "check" still gets the parent's 10 rows
    _assert_no_secret(bare.err, given.out, given.err)


def test_env_references_are_read_again_when_a_run_is_reexecuted(cli, files, monkeypatch):
    monkeypatch.setenv("DB_URL", ENV_VALUE)
    files.write("secret_jobs.py", SECRET_JOB.replace('is_secret=True), "rows"', '), "rows"'))
    files.write(
        "env_only.yaml",
        yaml.safe_dump(
            {
                "ops": {"query": {"config": {"password": "not secret here", "rows": 1}}},
                "resources": {"db": {"config": {"url": {"env": "DB_URL"}}}},
            }
        ),
    )
    first = cli("run", "secret_jobs.py", "-c", "env_only.yaml")
    run_id = first.out.splitlines()[-1].split()[1]

    again = cli("reexecute", run_id, "--select", "query+")

    assert first.code == 0, first.err
    assert again.code == 0, again.err
