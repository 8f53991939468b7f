"""Notebooks as targets: cells run with no kernel through the real magics."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
import yaml

from opbook.cli.notebooks import read_cells, without_run_options
from opbook.storage.instance import DagsterInstance


@pytest.mark.slow
def test_a_notebook_defined_job_runs_on_the_multiprocess_executor(cli, files, numbers_cells):
    files.notebook("nb.ipynb", numbers_cells)
    files.write("factor.yaml", "ops: {scale: {config: {factor: 10}}}")

    ran = cli("run", "nb.ipynb", "-c", "factor.yaml", "--executor", "multiprocess")

    assert ran.code == 0, ran.err
    rows = [line.split()[:2] for line in ran.out.splitlines()[1:4]]
    assert rows == [["load", "succeeded"], ["scale", "succeeded"], ["total", "succeeded"]]
    assert "of job numbers: SUCCESS, 3 succeeded" in ran.out


def test_the_notebook_job_computes_with_the_cells_code(cli, files, numbers_cells, workdir):
    files.notebook("nb.ipynb", numbers_cells)
    files.write("factor.yaml", "ops: {scale: {config: {factor: 10}}}")

    ran = cli("run", "nb.ipynb", "-c", "factor.yaml")

    assert ran.code == 0, ran.err
    with DagsterInstance.local(str(workdir / "home")) as instance:
        (run,) = instance.get_runs()
        # A job's outputs go through its default IO manager: files under the storage dir.
        path = Path(instance.storage_directory, run.run_id, "total", "result")
        value = pickle.loads(path.read_bytes())
    assert value == 80


def test_cells_tagged_skip_are_left_out_and_op_run_does_not_run(cli, files, numbers_cells):
    marker = files.root / "ran.txt"
    cells = [
        *numbers_cells,
        files.cell("raise RuntimeError('exploring')", tags=("skip",)),
        f"""
        %%op --run {{"x": 1}}
        def touch(x):
            open({str(marker)!r}, "w").close()
        """,
    ]
    files.notebook("nb.ipynb", cells)
    files.write("factor.yaml", "ops: {scale: {config: {factor: 2}}}")

    ran = cli("run", "nb.ipynb", "-j", "numbers", "-c", "factor.yaml", "--show-config")

    assert ran.code == 0, ran.err
    assert not marker.exists()


def test_what_cells_print_goes_to_stderr_so_stdout_stays_yaml(cli, files, numbers_cells):
    files.notebook("nb.ipynb", [*numbers_cells, "print('chatty notebook')\nnumbers"])

    ran = cli("config-scaffold", "nb.ipynb")

    assert ran.code == 0, ran.err
    assert "chatty notebook" in ran.err
    assert yaml.safe_load(ran.out) == {"ops": {"scale": {"config": {"factor": 0}}}}


def test_a_cell_that_fails_to_define_its_op_is_one_line_naming_the_cell(cli, files, numbers_cells):
    cells = [*numbers_cells[:3], "%%op\nx = 1\ndef f():\n    pass", *numbers_cells[3:]]
    files.notebook("nb.ipynb", cells)

    ran = cli("run", "nb.ipynb")

    assert ran.code == 2
    assert ran.err.strip().splitlines() == [
        f"opbook: error: {files.root / 'nb.ipynb'}, cell 4 (%%op): %%op: the cell must hold "
        "exactly one function definition (found: Assign, FunctionDef)"
    ]


def test_a_failing_plain_cell_names_its_line_and_suggests_the_skip_tag(cli, files, numbers_cells):
    files.notebook("nb.ipynb", [*numbers_cells, "x = 1\ny = undefined_name + x"])

    ran = cli("run", "nb.ipynb")

    assert ran.code == 2
    assert ran.err.strip() == (
        f"opbook: error: {files.root / 'nb.ipynb'}, cell 7 (x = 1): NameError: name "
        "'undefined_name' is not defined (cell line 2) (tag the cell `skip` to leave it out)"
    )
    assert "Traceback" not in ran.err


def test_a_file_that_is_not_a_notebook_is_bad_input(cli, files):
    files.write("fake.ipynb", "not json")

    ran = cli("run", "fake.ipynb")

    assert ran.code == 2
    assert ran.err.startswith(f"opbook: error: {files.root / 'fake.ipynb'}: not a notebook:")
    assert cli("run", "absent.ipynb").err.strip() == (
        f"opbook: error: no such notebook: {files.root / 'absent.ipynb'}"
    )


def test_the_notebooks_magic_line_runs_still_work_while_loading(cli, files, numbers_cells):
    cells = [
        *numbers_cells,
        'result = %opbook run numbers --config {"ops": {"scale": {"config": {"factor": 2}}}}',
        'assert result.output_for_node("total") == 16',
    ]
    files.notebook("nb.ipynb", cells)
    files.write("factor.yaml", "ops: {scale: {config: {factor: 1}}}")

    ran = cli("run", "nb.ipynb", "-c", "factor.yaml")

    assert ran.code == 0, ran.err


def test_cells_are_read_with_their_source_joined_and_their_tags(files):
    path = files.notebook("nb.ipynb", ["a = 1", files.cell("b = 2", tags=("skip", "other"))])
    raw = path.read_text().replace('"source": "a = 1"', '"source": ["a = ", "1"]')
    path.write_text(raw)

    cells = read_cells(str(path))

    assert [(c.kind, c.source, c.tags) for c in cells] == [
        ("code", "a = 1", ()),
        ("code", "b = 2", ("skip", "other")),
    ]


def test_op_lines_lose_only_their_run_options():
    line = '--config {"factor": int} --run {"numbers": [1, 2]} --run-config {"ops": {}} --name x'

    assert without_run_options(line) == '--config {"factor": int} --name x'
    assert without_run_options("--run") == ""
    assert without_run_options("--bogus 1") == "--bogus 1"


def test_a_notebook_imports_modules_beside_it_as_in_jupyter(cli, files):
    files.write("helpers_beside_nb.py", "FACTOR = 7\n")
    cells = [
        "import opbook\nfrom helpers_beside_nb import FACTOR",
        "%%op\ndef seven() -> int:\n    return FACTOR\n",
        "%%job sevens\nseven()\n",
    ]
    files.notebook("nb.ipynb", cells)

    ran = cli("run", "nb.ipynb")

    assert ran.code == 0, ran.err
    assert "of job sevens: SUCCESS" in ran.out


def test_a_notebook_runs_in_its_folder_as_in_jupyter(cli, files, workdir):
    (workdir / "analysis").mkdir()
    files.write("analysis/factor.txt", "7\n")
    cells = [
        "import opbook\nFACTOR = int(open('factor.txt').read())",
        "%%op\ndef scaled() -> int:\n    return FACTOR * int(open('factor.txt').read())\n",
        "%%job scaling\nscaled()\n",
    ]
    files.notebook("analysis/nb.ipynb", cells)

    ran = cli("run", "analysis/nb.ipynb")

    assert ran.code == 0, ran.err
    assert "of job scaling: SUCCESS" in ran.out
    assert Path.cwd() == workdir  # and the command's own folder is given back


TOUR = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
RUNS_SOMETHING = re.compile(
    r"%opbook (run|reexecute|debug)\b|\.run\(\)"
    r"|\b(execute_pipeline|execute_in_process|execute_solid\w*|reexecute_pipeline)\("
)


@pytest.mark.parametrize("notebook", TOUR, ids=lambda path: path.stem)
def test_tour_cells_that_run_jobs_are_tagged_skip(notebook):
    untagged = [
        cell.source.splitlines()[0]
        for cell in read_cells(str(notebook))
        if cell.kind == "code" and RUNS_SOMETHING.search(cell.source) and "skip" not in cell.tags
    ]
    assert untagged == []


def test_loading_a_tour_notebook_runs_no_job(cli):
    before = len(DagsterInstance.get().get_runs())

    ran = cli("config-scaffold", str(TOUR[0]))

    assert ran.code == 0, ran.err
    assert len(DagsterInstance.get().get_runs()) == before
