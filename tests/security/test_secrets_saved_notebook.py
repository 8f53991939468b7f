"""A notebook that uses secrets, executed in a real kernel and saved, holds none of them:
not in its outputs (runs, results, DataFrames, errors, run lists), not in its saved widget
state (the config form, the run panel), and not in the module ``%opbook export`` writes."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.slow

KINDS = ["env", "field", "scalar"]


def cells(secrets) -> list[tuple[str, list[str]]]:
    """The notebook: (source, tags) per code cell."""
    env, field, scalar = secrets.env.env_name, secrets.field.env_name, secrets.scalar.env_name
    sources = [
        "%load_ext opbook",
        """
        import os
        from opbook import Field, StringSource, execute_pipeline_iterator, resource
        from opbook.config import Secret
        from opbook.notebook import ConfigForm, RunPanel, events_to_dataframe

        @resource(config_schema={"password": StringSource})
        def db(init_context):
            return init_context.resource_config["password"]
        """,
        f"""
        %%op --config {{"token": Field(str, is_secret=True), "key": Secret, "pin": Field(int, is_secret=True, is_required=False), "rows": int}} --resources db
        def query(context) -> int:
            assert context.resources.db == os.environ["{env}"]
            assert context.op_config["token"] == os.environ["{field}"]
            return context.op_config["rows"]
        """,
        """
        %%job guarded --resources db=db
        query()
        """,
        f"""
        token, key = os.environ["{field}"], os.environ["{scalar}"]
        config = {{
            "resources": {{"db": {{"config": {{"password": {{"env": "{env}"}}}}}}}},
            "ops": {{"query": {{"config": {{"token": token, "key": key, "rows": 1}}}}}},
        }}
        """,
        "%opbook run guarded --config config",
        "result = guarded.execute_in_process(run_config=config)\nresult",
        "result.run_config",
        "result.to_dataframe()",
        "events_to_dataframe(execute_pipeline_iterator(guarded, run_config=config))",
        "ConfigForm(guarded, value=config)",
        "panel = RunPanel(guarded, run_config=config)\npanel.run()\npanel",
        "%opbook runs",
        "%opbook export exported.py",
    ]
    failing = """
        bad = {**config, "ops": {"query": {"config": {**config["ops"]["query"]["config"], "pin": token}}}}
        guarded.execute_in_process(run_config=bad)
        """
    return [(textwrap.dedent(s).strip(), []) for s in sources] + [
        (textwrap.dedent(failing).strip(), ["raises-exception"])
    ]


@pytest.fixture(scope="module")
def executed(module_secrets, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    workdir = tmp_path_factory.mktemp("secret-notebook")
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    for source, tags in cells(module_secrets):
        cell = nbformat.v4.new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        notebook.cells.append(cell)
    client = nbclient.NotebookClient(
        notebook,
        timeout=180,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
        store_widget_state=True,
    )
    client.execute()
    saved = workdir / "saved.ipynb"
    nbformat.write(notebook, saved)
    return notebook, workdir


def test_the_notebook_ran_and_showed_its_runs(executed) -> None:
    notebook, _ = executed
    errors = [
        output
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.output_type == "error"
    ]
    (error,) = errors  # only the cell meant to fail
    assert error.ename == "DagsterInvalidConfigError"
    assert "root:ops:query:config:pin" in error.evalue
    text = (Path(executed[1]) / "saved.ipynb").read_text()
    assert "***" in text  # the recorded config is shown, masked
    assert "OPBOOK_SECURITY_DB_PASSWORD" in text
    assert "application/vnd.jupyter.widget-state+json" in notebook.metadata.get("widgets", {})


@pytest.mark.parametrize("kind", KINDS)
def test_the_saved_notebook_holds_no_secret(executed, module_secrets, kind) -> None:
    _, workdir = executed
    getattr(module_secrets, kind).assert_hidden((workdir / "saved.ipynb").read_bytes())


@pytest.mark.parametrize("kind", KINDS)
def test_the_exported_module_holds_no_secret(executed, module_secrets, kind) -> None:
    _, workdir = executed
    module = (workdir / "exported.py").read_text()
    assert "def query(context)" in module
    assert "is_secret=True" in module
    getattr(module_secrets, kind).assert_hidden(module)
