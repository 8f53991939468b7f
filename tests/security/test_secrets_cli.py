"""The ``opbook`` command never prints, records or exports a secret: run progress and step
lines, ``--show-config``, config problems, ``runs``, ``reexecute``, notebook targets and
``export``; and its help says that a target's code is run."""

from __future__ import annotations

import json
import logging
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from opbook.cli import main
from opbook.storage.instance import DagsterInstance

JOBS = """
    import os
    from opbook import Field, IntSource, StringSource, job, op, resource
    from opbook.config import Secret

    @resource(config_schema={"password": StringSource, "port": Field(IntSource, is_required=False)})
    def db(init_context):
        return init_context.resource_config["password"]

    @op(
        config_schema={
            "token": Field(str, is_secret=True),
            "key": Secret,
            "pin": Field(int, is_secret=True, is_required=False),
            "rows": int,
        },
        required_resource_keys={"db"},
    )
    def query(context) -> int:
        assert context.resources.db == os.environ["OPBOOK_SECURITY_DB_PASSWORD"]
        context.log.info(f"querying {context.op_config['rows']} rows")
        return context.op_config["rows"]

    @op
    def check(rows: int) -> int:
        if rows > 5:
            raise ValueError("too many rows")
        return rows

    @job(resource_defs={"db": db})
    def guarded():
        check(query())
"""


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def _forget_console_handlers() -> None:
    # The console logger keeps the stderr of its first use; under capsys each test needs its own.
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("opbook.console."):
            logging.getLogger(name).handlers.clear()


@pytest.fixture(autouse=True)
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPBOOK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))
    _forget_console_handlers()
    (tmp_path / "secret_jobs.py").write_text(textwrap.dedent(JOBS))
    yield tmp_path
    _forget_console_handlers()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    def run(*argv: str) -> Ran:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run


@pytest.fixture
def config_file(secrets, workdir: Path) -> Callable[..., str]:
    def write(name: str, rows: int = 1, **op_more: object) -> str:
        value = {
            "resources": {"db": {"config": secrets.resource_config()}},
            "ops": {"query": {"config": secrets.op_config(rows=rows, **op_more)}},
        }
        (workdir / name).write_text(yaml.safe_dump(value))
        return name

    return write


def run_id_of(ran: Ran) -> str:
    return ran.out.splitlines()[-1].split()[1]


def test_run_output_holds_no_secret(cli, config_file, secret, workdir):
    ok = cli("run", "secret_jobs.py", "-c", config_file("ok.yaml"))
    failed = cli("run", "secret_jobs.py", "-c", config_file("many.yaml", rows=10))
    listed = cli("runs")

    assert ok.code == 0, ok.err
    assert failed.code == 1
    assert "too many rows" in failed.text
    assert run_id_of(ok)[:8] in listed.out
    secret.assert_hidden(ok.text, failed.text, listed.text)
    with DagsterInstance.local(str(workdir / "home")) as instance:
        for run in instance.get_runs():
            assert run.run_config["ops"]["query"]["config"]["rows"] in (1, 10)
            secret.assert_hidden(run.run_config)


def test_show_config_shows_references_and_masks(cli, config_file, secret):
    ran = cli("run", "secret_jobs.py", "-c", config_file("ok.yaml"), "--show-config")

    assert ran.code == 0, ran.err
    shown = yaml.safe_load(ran.out)
    where = {
        "env": shown["resources"]["db"]["config"]["password"],
        "field": shown["ops"]["query"]["config"]["token"],
        "scalar": shown["ops"]["query"]["config"]["key"],
    }
    assert where[secret.kind] == secret.recorded
    secret.assert_hidden(ran.text)


def test_a_wrong_type_in_a_secret_field_is_reported_without_its_value(cli, config_file, secrets):
    ran = cli("run", "secret_jobs.py", "-c", config_file("bad.yaml", pin=secrets.field.value))

    assert ran.code == 2
    assert "root:ops:query:config:pin" in ran.err
    secrets.assert_hidden(ran.text)


def test_an_env_value_of_the_wrong_type_is_reported_without_it(
    cli, config_file, secrets, monkeypatch, workdir
):
    monkeypatch.setenv("OPBOOK_SECURITY_PORT", secrets.env.value)  # not an int
    name = config_file("port.yaml")
    value = yaml.safe_load((workdir / name).read_text())
    value["resources"]["db"]["config"]["port"] = {"env": "OPBOOK_SECURITY_PORT"}
    (workdir / name).write_text(yaml.safe_dump(value))

    ran = cli("run", "secret_jobs.py", "-c", name)

    assert ran.code == 2
    assert "root:resources:db:config:port" in ran.err
    assert "OPBOOK_SECURITY_PORT" in ran.err
    secrets.env.assert_hidden(ran.text)


def test_reexecution_output_holds_no_secret(cli, config_file, secret):
    failed = cli("run", "secret_jobs.py", "-c", config_file("many.yaml", rows=10))
    again = cli(
        "reexecute", run_id_of(failed), "--select", "query+", "-c", config_file("few.yaml", rows=2)
    )

    assert again.code == 0, again.err
    secret.assert_hidden(failed.text, again.text)


NOTEBOOK_CELLS = [
    "%load_ext opbook",
    textwrap.dedent(
        """
        import os
        from opbook import Field, StringSource, op, resource
        from opbook.config import Secret

        @resource(config_schema={"password": StringSource})
        def db(init_context):
            return init_context.resource_config["password"]
        """
    ).strip(),
    textwrap.dedent(
        """
        %%op --config {"token": Field(str, is_secret=True), "key": Secret, "rows": int} --resources db
        def query(context) -> int:
            assert context.resources.db == os.environ["OPBOOK_SECURITY_DB_PASSWORD"]
            assert context.op_config["token"] == os.environ["OPBOOK_SECURITY_API_TOKEN"]
            return context.op_config["rows"]
        """
    ).strip(),
    "%%job notebook_job --resources db=db\nquery()",
    # the notebook reads a secret into a variable, as a notebook would, and uses it
    'token = os.environ["OPBOOK_SECURITY_API_TOKEN"]\n'
    'seen = {"token": token, "key": os.environ["OPBOOK_SECURITY_API_KEY"], "rows": 1}',
]


def write_notebook(path: Path) -> None:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "execution_count": None,
                "metadata": {},
                "outputs": [],
                "source": s,
            }
            for s in NOTEBOOK_CELLS
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(notebook))


@pytest.fixture
def notebook_secrets(secrets, monkeypatch):
    monkeypatch.setenv("OPBOOK_SECURITY_API_TOKEN", secrets.field.value)
    monkeypatch.setenv("OPBOOK_SECURITY_API_KEY", secrets.scalar.value)
    return secrets


def test_a_notebook_target_run_holds_no_secret(cli, notebook_secrets, secret, workdir):
    write_notebook(workdir / "nb.ipynb")
    value = {
        "resources": {"db": {"config": notebook_secrets.resource_config()}},
        "ops": {"query": {"config": notebook_secrets.op_config(rows=1)}},
    }
    (workdir / "nb.yaml").write_text(yaml.safe_dump(value))

    ran = cli("run", "nb.ipynb", "-c", "nb.yaml")
    shown = cli("run", "nb.ipynb", "-c", "nb.yaml", "--show-config")

    assert ran.code == 0, ran.err
    assert shown.code == 0, shown.err
    secret.assert_hidden(ran.text, shown.text)


def test_an_exported_notebook_module_holds_no_secret(cli, notebook_secrets, secret, workdir):
    write_notebook(workdir / "nb.ipynb")

    ran = cli("export", "nb.ipynb", "-o", "exported.py")

    assert ran.code == 0, ran.err
    module = (workdir / "exported.py").read_text()
    assert "def query(context)" in module
    assert "is_secret=True" in module
    secret.assert_hidden(ran.text, module)


def test_run_help_says_that_a_notebook_is_executed(cli):
    text = " ".join(cli("run", "--help").out.split())
    assert "Running a notebook or a Python file executes its code" in text
    assert "`{env: NAME}` reads an environment variable when the run starts" in text
