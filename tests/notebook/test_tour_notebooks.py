"""The tour notebooks, executed in a real kernel (nbclient), checked on their outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def _execute(name: str, workdir: Path) -> Any:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",  # the kernel of the Python running the tests
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return notebook


def _cell(notebook: Any, starts: str) -> Any:
    """The one code cell whose source starts with ``starts`` (or is exactly it)."""
    code = [c for c in notebook.cells if c.cell_type == "code"]
    exact = [c for c in code if c.source == starts]
    (cell,) = exact or [c for c in code if c.source.startswith(starts)]
    return cell


def _data(cell: Any, mime: str) -> list[str]:
    found = []
    for output in cell.outputs:
        value = output.get("data", {}).get(mime)
        if value is not None:
            found.append(value if isinstance(value, str) else "".join(value))
    return found


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _execute("01_quickstart.ipynb", tmp_path_factory.mktemp("quickstart"))


def test_quickstart_has_kernel_and_language_metadata() -> None:
    notebook = nbformat.read(NOTEBOOKS / "01_quickstart.ipynb", as_version=4)
    assert notebook.metadata.kernelspec.name == "python3"
    assert notebook.metadata.kernelspec.language == "python"
    assert notebook.metadata.language_info.name == "python"
    nbformat.validate(notebook)


@pytest.mark.slow
def test_quickstart_runs_without_errors(quickstart: Any) -> None:
    errors = [
        o
        for c in quickstart.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]
    assert errors == []


@pytest.mark.slow
def test_quickstart_op_cells_show_their_cards(quickstart: Any) -> None:
    (html,) = _data(_cell(quickstart, '%%op --config {"factor": int}'), "text/html")
    assert "<code>scale</code>" in html and "{ factor: Int }" in html


@pytest.mark.slow
def test_quickstart_job_shows_its_graph_as_svg(quickstart: Any) -> None:
    (html,) = _data(_cell(quickstart, "%%job numbers"), "text/html")
    assert "<svg" in html and "job numbers (3 ops)" in html


@pytest.mark.slow
def test_quickstart_run_keeps_its_final_progress_picture(quickstart: Any) -> None:
    cell = _cell(quickstart, "result = %opbook run numbers")
    (html,) = _data(cell, "text/html")  # one display, updated in place
    assert "succeeded: 3 of 3 steps done (3 succeeded)" in html and "<svg" in html


@pytest.mark.slow
def test_quickstart_values(quickstart: Any) -> None:
    assert _data(_cell(quickstart, 'result.result_for_solid("total")'), "text/plain") == ["140"]
    progress, value = _data(_cell(quickstart, "again = %opbook reexecute"), "text/plain")
    assert "(1 succeeded, 2 skipped / not run)" in progress  # upstream outputs were reused
    assert value == "28"


@pytest.mark.slow
def test_quickstart_dataframes_show_as_html_tables(quickstart: Any) -> None:
    (events,) = _data(_cell(quickstart, "events = result.to_dataframe()"), "text/html")
    assert 'class="dataframe"' in events and "STEP_SUCCESS" in events and "LOADED_INPUT" in events
    (steps,) = _data(_cell(quickstart, 'result.to_dataframe(per="step")'), "text/html")
    assert steps.count("succeeded") == 3
    (runs,) = _data(_cell(quickstart, "%opbook runs"), "text/html")
    assert runs.count("SUCCESS") == 2


@pytest.mark.slow
def test_quickstart_result_and_timeline_pictures(quickstart: Any) -> None:
    (card,) = _data(_cell(quickstart, "result"), "text/html")
    assert "<svg" in card and "of job numbers: succeeded" in card
    (svg,) = _data(_cell(quickstart, "from opbook.notebook import timeline"), "image/svg+xml")
    assert svg.startswith("<svg") and "Timeline of run" in svg


@pytest.mark.slow
def test_quickstart_redefinition_updates_the_job(quickstart: Any) -> None:
    (text,) = _data(
        _cell(quickstart, '%%op\ndef total(numbers: list[int]) -> int:\n    """The mean'),
        "text/plain",
    )
    assert "Updated to use the new total: job numbers." in text
