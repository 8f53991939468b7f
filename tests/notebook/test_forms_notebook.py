"""Tour notebook 2 (config schemas, forms, the run panel), executed in a real kernel."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "02_config.ipynb"


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    workdir = tmp_path_factory.mktemp("config-tour")
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()
    return notebook


def _cell(notebook: Any, starts: str) -> Any:
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith(starts)]
    return cell


def _text(cell: Any) -> str:
    """Everything a cell printed or showed as plain text."""
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def _widget_ids(cell: Any) -> list[str]:
    views = [
        o.get("data", {}).get("application/vnd.jupyter.widget-view+json") for o in cell.outputs
    ]
    return [view["model_id"] for view in views if view]


def test_notebook_has_kernel_and_language_metadata() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    assert notebook.metadata.kernelspec.language == "python"
    assert notebook.metadata.language_info.name == "python"
    nbformat.validate(notebook)


@pytest.mark.slow
def test_notebook_runs_without_errors(executed: Any) -> None:
    errors = [
        o
        for c in executed.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors == []


@pytest.mark.slow
def test_schemas_print_on_one_line(executed: Any) -> None:
    text = _text(_cell(executed, "print(type_to_string("))
    assert "{ timeout?: Int url: StringSource }" in text
    assert "['path', 'format', 'limit']" in text


@pytest.mark.slow
def test_forms_and_panels_are_widgets_whose_state_is_saved(executed: Any) -> None:
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    for starts in ("form = ConfigForm(etl)", "panel = RunPanel(etl)", "sample_rows = "):
        (model_id,) = _widget_ids(_cell(executed, starts))
        assert model_id in state


@pytest.mark.slow
def test_problems_are_listed_with_their_paths(executed: Any) -> None:
    text = _text(_cell(executed, "for problem in form.problems"))
    assert 'ops.extract.config.path: Missing required config entry "path"' in text
    wrong = _text(_cell(executed, 'form.widget_for("ops.extract.config.path")'))
    assert wrong.startswith("False")
    assert (
        "ops.transform.config.factor: Invalid scalar at path root:ops:transform:config:factor. "
        'Value "ten"' in wrong
    )


@pytest.mark.slow
def test_value_yaml_and_actions(executed: Any) -> None:
    value = _text(_cell(executed, 'os.environ["WAREHOUSE_URL"]'))
    assert value.startswith("True") and "'url': {'env': 'WAREHOUSE_URL'}" in value
    assert "      factor: 10\n" in _text(_cell(executed, "print(form.yaml_text.value)"))
    draft = _text(_cell(executed, "draft = ConfigForm("))
    assert 'Received unexpected config entry "colour"' in draft
    assert (
        "{'ops': {'extract': {'config': {'path': 'a.csv'}}},\n 'resources': {'warehouse': {'config': {'url': ''}}}}"
        in draft
    )
    assert _text(_cell(executed, "result = etl.execute_in_process(")) == "5"


@pytest.mark.slow
def test_panels_run(executed: Any) -> None:
    ran = _text(_cell(executed, "result = panel.run()"))
    assert ran.startswith("True True") and ran.count("succeeded") == 3
    selected = _text(_cell(executed, 'panel.selection.value = "extract+"'))
    assert "['extract', 'transform']" in selected
    preset = _text(_cell(executed, "nightly = RunPanel(reporting)"))
    assert "prod {'resources': {'output': {'config': {'path': '/reports/nightly.html'}}}}" in preset
    assert "'published to /reports/nightly.html'" in preset
    assert _text(_cell(executed, "bench.run()")) == "[{'id': 1, 'score': 3}, {'id': 2, 'score': 6}]"


@pytest.mark.slow
def test_the_secret_is_never_in_the_saved_notebook(executed: Any) -> None:
    text = _text(_cell(executed, "secret_form = ConfigForm("))
    assert "url: '***'" in text and "env: WAREHOUSE_URL" in text
    saved = json.dumps(nbformat.from_dict(executed))
    assert "hunter2" in "".join(c.source for c in executed.cells)  # typed in the code ...
    assert saved.count("hunter2") == 1  # ... and nowhere else: not in outputs or widget state
