"""The notebook debugging loop in a real kernel (nbclient): define, run, fail, fix, re-execute.

One kernel runs the cells of ``LOOP`` in order, as a user would in JupyterLab; each test reads
the outputs of the cells it is about.  Run-panel buttons are driven from cells (``click()``),
as the browser would.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.slow

LOOP = [
    "%load_ext opbook",
    "%%op\ndef load() -> list:\n    return [1, 2]",
    '%%op --config {"factor": int}\n'
    "def convert(context, numbers: list) -> int:\n"
    '    rates = {"EUR": 1}\n'
    '    return rates["CHF"] * sum(numbers)',
    "%%job etl\nconvert(load())",
    # 5: failures name the user's exception, tracebacks start in the user's cell
    'failed = %opbook run etl --config {"ops": {"convert": {"config": {"factor": 3}}}} '
    "--no-progress\nfailed",
    'print(failed.to_dataframe().dropna(subset=["error"])["error"].tolist())',
    # 1: a panel made before the fix runs the fixed op, with the config typed in it
    "from opbook.notebook.panels import RunPanel, SolidPanel\n"
    "panel = RunPanel(etl)\n"
    'panel.form.value = {"ops": {"convert": {"config": {"factor": 3}}}}\n'
    "first = panel.run()\n"
    "print(first.success)",
    "import html\nprint(html.unescape(panel.results.value))",
    "bench = SolidPanel(convert)\n"
    'bench.inputs["numbers"].value = "[5]"\n'
    'bench.form.value = {"factor": 2}\n'
    "print(bench.run().success)",
    '%%op --config {"factor": int}\n'
    "def convert(context, numbers: list) -> int:\n"
    '    return sum(numbers) * context.op_config["factor"]',
    "panel.reexecute_button.click()\n"
    'print(panel.last_result.success, panel.last_result.output_for_node("convert"))',
    'print(panel.run().output_for_node("convert"))\nprint(panel.notice.value)',
    "print(bench.run().output_value())\nprint(bench.notice.value)",
    # 4: what steps log is in the run's record, not in stderr boxes
    "%%op\ndef talk(context) -> int:\n"
    "    context.log.info('loaded 3 rows')\n"
    "    context.log.warning('one row was empty')\n"
    "    return 3",
    "%%job chat\ntalk()",
    "talked = %opbook run chat --no-progress",
    "frame = talked.to_dataframe()\n"
    "print(frame[frame['event_type'].isna()][['step_key', 'level', 'message']].values.tolist())",
    "chat_panel = RunPanel(chat)\nchat_panel.run()\nchat_panel.level_picker.value = 'INFO'\n"
    "print(chat_panel.results.value.split('opbook-events')[1])",
    # 3: every step is drawn running, even one that starts just after a redraw
    "import time\n"
    "from opbook import op, job\n"
    "from opbook.notebook import progress\n"
    "@op\ndef first() -> int:\n    time.sleep(0.6)\n    return 1\n"
    "@op\ndef second(x: int) -> int:\n    time.sleep(0.6)\n    return x\n"
    "@op\ndef third(x: int) -> int:\n    time.sleep(0.6)\n    return x\n"
    "@job\ndef slow():\n    third(second(first()))\n"
    "drawn = []\n"
    "_show = progress.LiveRun.show\n"
    "def recording_show(self):\n"
    "    drawn.append([k for k in self.expected if self.run.status(k) == 'running'])\n"
    "    _show(self)\n"
    "progress.LiveRun.show = recording_show\n"
    "# the static picture's throttled redraws (the interactive graph sends every change)\n"
    "_available = progress.widgets.available\n"
    "progress.widgets.available = lambda: False",
    "slow_run = %opbook run slow\nprogress.LiveRun.show = _show\n"
    "progress.widgets.available = _available\nprint(drawn)",
]


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Any:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in LOOP]
    workdir: Path = tmp_path_factory.mktemp("loop")
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return notebook


def _cell(notebook: Any, starts: str) -> Any:
    (cell,) = [c for c in notebook.cells if c.source.startswith(starts)]
    return cell


def _stdout(cell: Any) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def _errors(cell: Any) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]


# -- 1: panels run the op as it is now --------------------------------------------------------


def test_run_panel_reexecutes_with_the_op_redefined_after_it_was_made(loop: Any) -> None:
    assert _stdout(_cell(loop, "from opbook.notebook.panels import")) == "False\n"
    cell = _cell(loop, "panel.reexecute_button.click()")
    assert _errors(cell) == []
    assert _stdout(cell) == "True 9\n"  # the new convert, with the factor typed in the panel


def test_run_panel_runs_the_redefined_op_and_says_so(loop: Any) -> None:
    printed = _stdout(_cell(loop, "print(panel.run()"))
    assert printed.startswith("9\n")
    assert "new definition of convert" in printed and "config is kept" in printed


def test_solid_panel_runs_the_redefined_op_with_its_inputs_and_config(loop: Any) -> None:
    assert _stdout(_cell(loop, "bench = SolidPanel(convert)")) == "False\n"
    printed = _stdout(_cell(loop, "print(bench.run()"))
    assert printed.startswith("10\n") and "new definition of convert" in printed


# -- 5: failures -------------------------------------------------------------------------------

CONVERT_CELL = LOOP.index(next(c for c in LOOP if "def convert" in c)) + 1  # its In[N]
# Lines of a cell magic's body count from its first line (after ``%%op``), as IPython's own
# cell magics number them.
USER_FRAME = f"Cell In[{CONVERT_CELL}], line 3, in convert"


def test_run_card_names_the_users_exception_and_cell(loop: Any) -> None:
    cell = _cell(loop, "failed = %opbook run etl")
    (text,) = [o.data["text/plain"] for o in cell.outputs if "data" in o]
    assert "convert failed: KeyError: 'CHF'" in text
    (card,) = [o.data["text/html"] for o in cell.outputs if "data" in o]
    assert "Traceback of convert" in card and USER_FRAME in card
    assert "DagsterExecutionStepExecutionError" not in card


def test_dataframe_error_column_names_the_users_exception(loop: Any) -> None:
    assert _stdout(_cell(loop, "print(failed.to_dataframe()")) == "[\"KeyError: 'CHF'\"]\n"


def test_panel_failure_names_the_users_exception_and_starts_at_the_users_frame(
    loop: Any,
) -> None:
    shown = _stdout(_cell(loop, "import html\nprint(html.unescape(panel.results.value))"))
    assert "<b>convert</b> failed: KeyError: 'CHF'" in shown
    assert "DagsterExecutionStepExecutionError" not in shown
    trace = shown.split("<summary>traceback</summary><pre>")[1]
    assert trace.startswith(f"Traceback (most recent call last):\n  {USER_FRAME}\n")
    assert "opbook/execution" not in trace and "ipykernel" not in trace


# -- 4: logged lines ---------------------------------------------------------------------------


def _stderr(cell: Any) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr")


def test_info_lines_are_not_printed_under_the_cell_but_warnings_are(loop: Any) -> None:
    cell = _cell(loop, "talked = %opbook run chat")
    assert _errors(cell) == []
    assert "loaded 3 rows" not in _stderr(cell)
    assert "one row was empty" in _stderr(cell)


def test_logged_lines_are_in_the_dataframe_with_their_level(loop: Any) -> None:
    assert _stdout(_cell(loop, "frame = talked.to_dataframe()")) == (
        "[['talk', 'INFO', 'loaded 3 rows'], ['talk', 'WARNING', 'one row was empty']]\n"
    )


def test_panel_events_table_shows_logged_lines_from_the_level_chosen(loop: Any) -> None:
    shown = _stdout(_cell(loop, "chat_panel = RunPanel(chat)"))
    assert "loaded 3 rows" in shown and "one row was empty" in shown
    assert "STEP_START" not in shown  # events are DEBUG


# -- 3: the live graph ------------------------------------------------------------------------


def test_live_graph_shows_each_step_running(loop: Any) -> None:
    cell = _cell(loop, "slow_run = %opbook run slow")
    assert _errors(cell) == []
    drawn = _stdout(cell)
    assert "['first']" in drawn and "['second']" in drawn and "['third']" in drawn


# -- the loop with the magics: fail, inspect the inputs, debug, fix, re-execute ---------------

MAGICS_LOOP = [
    "%load_ext opbook",
    "%%op\ndef load() -> list:\n    return [1, 2]",
    "%%op\ndef convert(numbers: list) -> int:\n"
    '    rates = {"EUR": 1}\n'
    '    return rates["CHF"] * sum(numbers)',
    "%%job etl\nconvert(load())",
    "failed = %opbook run etl --no-progress\nfailed",
    "%opbook inputs convert",
    "convert(**inputs)",
    # The debugger reads what the user types from the kernel's stdin, which nbclient does not
    # serve: here it reads the commands a user would type.
    "import io, sys\n"
    "from IPython.core.debugger import Pdb\n"
    "from opbook.notebook import debugging\n"
    "def typed_into():\n"
    '    session = Pdb(stdin=io.StringIO("p numbers\\np rates\\nq\\n"), stdout=sys.stdout)\n'
    "    session.use_rawinput = False\n"
    "    return session\n"
    "debugging.debugger = typed_into",
    "%opbook debug",
    "%%op\ndef convert(numbers: list) -> int:\n    return 10 * sum(numbers)",
    "fixed = %opbook reexecute --from-failure --no-progress\nfixed",
    'print(fixed.success, fixed.output_for_node("convert"))',
]
MAGICS_CONVERT_CELL = MAGICS_LOOP.index(MAGICS_LOOP[2]) + 1  # its In[N]


@pytest.fixture(scope="module")
def magics_loop(tmp_path_factory: pytest.TempPathFactory) -> Any:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in MAGICS_LOOP]
    workdir: Path = tmp_path_factory.mktemp("magics_loop")
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return notebook


def _plain(cell: Any) -> str:
    (text,) = [o.data["text/plain"] for o in cell.outputs if "data" in o]
    return str(text)


def test_magic_run_headline_names_the_users_exception(magics_loop: Any) -> None:
    cell = _cell(magics_loop, "failed = %opbook run etl")
    assert _errors(cell) == []
    assert "convert failed: KeyError: 'CHF'" in _plain(cell)
    assert "DagsterExecutionStepExecutionError" not in _plain(cell)


def test_magic_run_card_points_at_the_cell_that_defined_the_op(magics_loop: Any) -> None:
    cell = _cell(magics_loop, "failed = %opbook run etl")
    (card,) = [o.data["text/html"] for o in cell.outputs if "data" in o]
    assert f"Cell In[{MAGICS_CONVERT_CELL}], line 3, in convert" in card


def test_opbook_inputs_shows_and_binds_what_the_failed_step_received(magics_loop: Any) -> None:
    assert _plain(_cell(magics_loop, "%opbook inputs convert")) == "{'numbers': [1, 2]}"
    assert _errors(_cell(magics_loop, "convert(**inputs)")) == ["KeyError: 'CHF'"]


def test_opbook_debug_stops_in_the_users_frame_with_the_runs_inputs(magics_loop: Any) -> None:
    cell = _cell(magics_loop, "%opbook debug")
    assert _errors(cell) == []
    shown = re.sub(r"\x1b\[[0-9;]*m", "", _stdout(cell))
    assert shown.startswith("KeyError: 'CHF' (step convert of run ")
    assert '----> 3     return rates["CHF"] * sum(numbers)' in shown
    assert "[1, 2]\n" in shown and "{'EUR': 1}\n" in shown  # p numbers, p rates


def test_reexecute_from_failure_runs_the_fixed_op_and_reuses_upstream(magics_loop: Any) -> None:
    cell = _cell(magics_loop, "fixed = %opbook reexecute")
    assert _errors(cell) == []
    headline, *rows = _plain(cell).splitlines()
    assert "succeeded" in headline and "(1 succeeded, 1 reused)" in headline
    assert [row.split()[:2] for row in rows[1:]] == [["load", "reused"], ["convert", "numbers"]]
    assert _stdout(_cell(magics_loop, "print(fixed.success")) == "True 30\n"
