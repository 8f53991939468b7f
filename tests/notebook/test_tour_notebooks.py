"""The tour notebooks, executed in a real kernel (nbclient), checked on their outputs."""

from __future__ import annotations

import ast
import re
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


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
SAVED = ["01_quickstart.ipynb", "05_scale.ipynb"]


@pytest.mark.parametrize("name", SAVED)
def test_saved_widget_outputs_carry_their_static_picture(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    views = [
        o
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if WIDGET_VIEW in o.get("data", {})
    ]
    assert views  # the tour shows the interactive views
    assert all("<svg" in "".join(o["data"]["text/html"]) for o in views)


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
    assert _data(_cell(quickstart, 'result.output_for_node("total")'), "text/plain") == ["140"]
    progress, value = _data(_cell(quickstart, "again = %opbook reexecute"), "text/plain")
    assert "(1 succeeded, 1 reused, 1 skipped / not run)" in progress  # scale's output reused
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
    timeline = _cell(quickstart, "from opbook.notebook.widgets.timeline import TimelineWidget")
    (html,) = _data(timeline, "text/html")  # the widget's static picture
    assert html.startswith('<div class="opbook-timeline"><svg') and "Timeline of run" in html
    assert len(_data(timeline, WIDGET_VIEW)) == 1


@pytest.mark.slow
def test_quickstart_shows_the_result_as_a_graph_widget(quickstart: Any) -> None:
    cell = _cell(quickstart, "from opbook.notebook.widgets.graph import GraphWidget")
    (html,) = _data(cell, "text/html")
    assert html.startswith('<p class="opbook-summary">succeeded: 3 of 3 steps done')
    assert '<div class="opbook-graph"><svg class="opbook-themed"' in html
    assert len(_data(cell, WIDGET_VIEW)) == 1


@pytest.mark.slow
def test_quickstart_redefinition_updates_the_job(quickstart: Any) -> None:
    (text,) = _data(
        _cell(quickstart, '%%op\ndef total(numbers: list[int]) -> int:\n    """The mean'),
        "text/plain",
    )
    assert "Updated to use the new total: job numbers." in text


# -- notebooks 3 to 5: debugging, the pipeline generation, executors --------------------------

TOUR = ["03_debugging.ipynb", "04_legacy_pipelines.ipynb", "05_scale.ipynb"]


def _stream(cell: Any, name: str = "stdout") -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == name)


def _errors(notebook: Any) -> list[str]:
    return [
        f"{o.ename}: {o.evalue}"
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]


@pytest.mark.parametrize("name", TOUR)
def test_tour_notebook_is_saved_executed_with_kernel_metadata(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    assert notebook.metadata.kernelspec.language == "python"
    assert notebook.metadata.language_info.name == "python"
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)  # the docs show the saved outputs
    assert _errors(notebook) == []


@pytest.fixture(scope="module")
def debugging(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _execute("03_debugging.ipynb", tmp_path_factory.mktemp("debugging"))


@pytest.mark.slow
def test_debugging_runs_without_errors(debugging: Any) -> None:
    assert _errors(debugging) == []


@pytest.mark.slow
def test_debugging_execute_solid_on_chosen_inputs(debugging: Any) -> None:
    (value,) = _data(_cell(debugging, "from opbook import execute_solid"), "text/plain")
    assert value == "[{'name': 'ann', 'amount': 3.0}, {'name': 'bob', 'amount': 4.5}]"
    (value,) = _data(_cell(debugging, "large = execute_solid("), "text/plain")
    assert value == "[{'name': 'bob', 'amount': 4.5}]"
    card, result = _data(_cell(debugging, "%%op --run"), "text/plain")
    assert card.startswith("op totals") and "result = {'ann': 8.0, 'bob': 4.5}" in result


@pytest.mark.slow
def test_debugging_failed_run_shows_the_failure(debugging: Any) -> None:
    (progress,) = _data(_cell(debugging, "config = {"), "text/plain")
    assert "failed: 4 of 4 steps done (1 succeeded, 1 failed, 2 skipped / not run)" in progress
    cell = _cell(debugging, "print(run.success")
    assert _stream(cell) == "False ['ann,3', 'bob,4.5', 'cy', 'ann,5']\n"
    (card,) = _data(cell, "text/html")
    assert "<svg" in card and "not enough values to unpack" in card


@pytest.mark.slow
def test_debugging_traceback_is_in_the_result_and_the_dataframe(debugging: Any) -> None:
    printed = _stream(_cell(debugging, "failure = next("))
    assert 'Error occurred while executing op "parse"' in printed
    assert "ValueError: not enough values to unpack (expected 2, got 1)" in printed
    assert ", in parse\n" in printed  # the op's own frame
    (table,) = _data(_cell(debugging, "events = run.to_dataframe()"), "text/html")
    assert 'class="dataframe"' in table and "STEP_FAILURE" in table
    assert "ValueError: not enough values to unpack" in table
    cell = _cell(debugging, "try:\n    execute_solid(parse")
    assert _stream(cell) == "raised ValueError: not enough values to unpack (expected 2, got 1)\n"


@pytest.mark.slow
def test_debugging_reads_back_the_failed_steps_inputs(debugging: Any) -> None:
    (value,) = _data(_cell(debugging, "%opbook inputs parse"), "text/plain")
    assert value == "{'lines': ['ann,3', 'bob,4.5', 'cy', 'ann,5']}"
    called = _cell(debugging, "try:\n    parse(**inputs)")
    assert _stream(called) == "ValueError: not enough values to unpack (expected 2, got 1)\n"


@pytest.mark.slow
def test_debugging_reads_the_inputs_from_the_result_too(debugging: Any) -> None:
    (value,) = _data(_cell(debugging, 'run.inputs_for("parse") == inputs'), "text/plain")
    assert value == "True"


@pytest.mark.slow
def test_debugging_stops_in_the_debugger_where_the_op_raised(debugging: Any) -> None:
    shown = re.sub(r"\x1b\[[0-9;]*m", "", _stream(_cell(debugging, "%opbook debug")))
    assert shown.startswith(
        "ValueError: not enough values to unpack (expected 2, got 1) (step parse"
    )
    assert "(3)<listcomp>()" in shown and "ipdb> up\n" in shown and "(3)parse()" in shown
    assert "ipdb> p lines\n['ann,3', 'bob,4.5', 'cy', 'ann,5']\n" in shown
    assert "ipdb> p lines[2].split(',')\n['cy']\nipdb> q\n" in shown


@pytest.mark.slow
def test_debugging_solid_panel_runs_the_fixed_op_on_the_failed_runs_inputs(
    debugging: Any,
) -> None:
    cell = _cell(debugging, "from opbook.notebook.panels import SolidPanel")
    panel, value = _data(cell, "text/plain")
    assert panel.startswith("SolidPanel(")
    assert value == (
        "[{'name': 'ann', 'amount': 3.0},\n"
        " {'name': 'bob', 'amount': 4.5},\n"
        " {'name': 'ann', 'amount': 5.0}]"
    )


@pytest.mark.slow
def test_debugging_fix_and_reexecute_from_the_failure(debugging: Any) -> None:
    (card,) = _data(_cell(debugging, "%%op\ndef parse(context"), "text/plain")
    assert "Updated to use the new parse: job sales." in card
    cell = _cell(debugging, "fixed = %opbook reexecute --from-failure")
    progress, value = _data(cell, "text/plain")
    assert "succeeded: 3 of 3 steps done (3 succeeded)" in progress
    assert value == "{'bob': 4.5, 'ann': 5.0}"
    assert "skipped 'cy': no amount" in _stream(cell, "stderr")  # the op's log, shown
    (steps,) = _data(_cell(debugging, 'fixed.to_dataframe(per="step")'), "text/html")
    assert "keep_large" in steps
    assert "<td>read_lines</td>\n      <td>reused</td>" in steps  # loaded from the failed run
    (keys,) = _data(_cell(debugging, "from opbook import reexecute_pipeline"), "text/plain")
    assert keys == "['parse', 'keep_large']"


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return _execute("04_legacy_pipelines.ipynb", tmp_path_factory.mktemp("legacy"))


@pytest.mark.slow
def test_legacy_runs_without_errors(legacy: Any) -> None:
    assert _errors(legacy) == []


@pytest.mark.slow
def test_legacy_pipeline_shows_as_svg(legacy: Any) -> None:
    (html,) = _data(_cell(legacy, "@resource("), "text/html")
    assert "<svg" in html and "pipeline orders" in html


@pytest.mark.slow
def test_legacy_execute_pipeline_results(legacy: Any) -> None:
    cell = _cell(legacy, "instance = DagsterInstance.local_temp()")
    assert _stream(cell) == "True\n"
    assert _data(cell, "text/plain") == ["'85.00 EUR in all, at most 37.00 EUR per order'"]
    cell = _cell(legacy, 'print(result.result_for_solid("convert")')
    assert _stream(cell).splitlines() == [
        "{'result': [0.0, 18.5, 37.0, 5.5, 24.0]}",
        "{'total': 85.0, 'largest': 37.0}",
        "37.0",
    ]
    (live,) = _data(_cell(legacy, "live = execute_pipeline("), "text/plain")
    assert live == "'102.12 EUR in all, at most 68.08 EUR per order'"
    printed = _stream(_cell(legacy, "from opbook import DagsterInvalidConfigError"))
    assert 'Missing required config entry "resources"' in printed


@pytest.mark.slow
def test_legacy_filesystem_storage_and_iterator(legacy: Any) -> None:
    (files,) = _data(_cell(legacy, "from pathlib import Path"), "text/plain")
    assert "'intermediates/summarize.total/result'" in files
    (table,) = _data(_cell(legacy, "from opbook.notebook import events_to_dataframe"), "text/html")
    assert 'class="dataframe"' in table and table.count("</tr>") == 7  # header + six steps


@pytest.mark.slow
def test_legacy_solids_within_pipeline(legacy: Any) -> None:
    (values,) = _data(_cell(legacy, "results = execute_solids_within_pipeline("), "text/plain")
    assert "'convert': {'result': [5.0, 10.0, 15.0]}" in values
    assert "'summarize': {'total': 30.0, 'largest': 15.0}" in values
    (one,) = _data(_cell(legacy, "execute_solid_within_pipeline("), "text/plain")
    assert one == "[7, 9]"


@pytest.mark.slow
def test_legacy_reexecution_reuses_stored_outputs(legacy: Any) -> None:
    cell = _cell(legacy, "again = reexecute_pipeline(")
    assert _stream(cell) == "85.00 EUR in all, at most 37.00 EUR per order\n"
    (steps,) = _data(cell, "text/html")
    assert "report" in steps and "convert" not in steps
    (keys,) = _data(_cell(legacy, "downstream = reexecute_pipeline("), "text/plain")
    assert keys == "['summarize.total', 'report']"
    runs = _stream(_cell(legacy, "for run in instance.get_runs():")).splitlines()
    assert len(runs) == 7 and all(" SUCCESS" in line for line in runs)


@pytest.fixture(scope="module")
def scale(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("distributed")
    return _execute("05_scale.ipynb", tmp_path_factory.mktemp("scale"))


def _processes(notebook: Any, starts: str) -> dict[int, int]:
    counts: dict[int, int] = ast.literal_eval(_stream(_cell(notebook, starts)).split(" kernel:")[0])
    return counts


@pytest.mark.slow
def test_scale_runs_without_errors(scale: Any) -> None:
    assert _errors(scale) == []


@pytest.mark.slow
def test_scale_executors_spread_the_steps(scale: Any) -> None:
    kernel = int(_stream(_cell(scale, "in_process = %opbook run spread")).split("kernel: ")[1])
    assert _processes(scale, "in_process = %opbook run spread") == {kernel: 4}
    for starts in ("multiprocess = %opbook run", 'cluster = {"cluster"'):
        counts = _processes(scale, starts)
        # Which worker takes which part is the pool's (or Dask's) choice; none ran in the kernel.
        assert sum(counts.values()) == 4 and kernel not in counts
        assert 1 <= len(counts) <= 2, starts  # two workers at most


@pytest.mark.slow
def test_scale_timelines_are_widgets_with_their_pictures(scale: Any) -> None:
    for starts in ("in_process = %opbook", "multiprocess = %opbook", 'cluster = {"cluster"'):
        cell = _cell(scale, starts)
        progress, timeline = _data(cell, "text/html")
        assert "succeeded: 5 of 5 steps done" in progress
        assert timeline.startswith('<div class="opbook-timeline"><svg')
        assert "Timeline of run" in timeline and "part_3" in timeline
        assert len(_data(cell, WIDGET_VIEW)) == 2  # the live graph and the timeline


@pytest.mark.slow
def test_scale_comparison_table(scale: Any) -> None:
    (table,) = _data(_cell(scale, "import pandas as pd"), "text/html")
    assert 'class="dataframe"' in table
    assert all(name in table for name in ("in process", "multiprocess", "dask"))
