"""``%%graph`` and ``%%job``: the cell is the body of a composition function."""

from __future__ import annotations

import os

import pytest
from IPython.core.error import UsageError

import opbook

OPS = """%%op
def load() -> list[int]:
    return [1, 2, 3]
"""
TOTAL = """%%op
def total(numbers: list[int]) -> int:
    return sum(numbers)
"""


def test_job_cell_defines_and_shows_a_job(nb) -> None:
    nb.cell(OPS)
    nb.cell(TOTAL)
    ran = nb.cell("%%job summed\ntotal(load())\n")
    job = nb["summed"]
    assert isinstance(job, opbook.JobDefinition) and job.name == "summed"
    assert job.execute_in_process().output_for_node("total") == 6
    (html,) = ran.html()
    assert "<svg" in html and "job summed: 2 nodes" in html
    assert ran.text()[0].splitlines()[0] == "job summed (2 ops)"


def test_job_name_can_be_given_with_the_name_option(nb) -> None:
    nb.cell(OPS)
    nb.cell('%%job --name "listed" --description "Loads."\nload()\n')
    assert nb["listed"].name == "listed" and nb["listed"].description == "Loads."


def test_graph_cell_takes_inputs_and_returns_its_last_expression(nb) -> None:
    nb.cell(OPS)
    nb.cell(TOTAL)
    nb.cell("%%graph summarize(numbers)\nx = total(numbers)\nx\n")
    graph = nb["summarize"]
    assert isinstance(graph, opbook.GraphDefinition)
    assert [d.name for d in graph.input_defs] == ["numbers"]
    assert [d.name for d in graph.output_defs] == ["result"]
    nb.cell("%%job summary\nsummarize(load())\n")
    assert nb["summary"].execute_in_process().output_for_node("summarize") == 6


def test_job_resources_executor_and_config_options(nb) -> None:
    nb.cell("import opbook")
    nb.cell(
        "%%op --resources base\ndef shifted(context) -> int:\n    return context.resources.base + 1\n"
    )
    nb.cell(
        "%%job shifted_job --resources base=opbook.ResourceDefinition.hardcoded_resource(41) "
        "--executor in_process --config {'loggers': {}}\nshifted()\n"
    )
    job = nb["shifted_job"]
    assert sorted(job.resource_defs) == ["base", "io_manager"]
    assert job.executor_def is opbook.in_process_executor
    assert job.default_run_config == {"loggers": {}}
    assert job.execute_in_process().output_for_node("shifted") == 42


def test_resources_can_be_a_dict_expression(nb) -> None:
    nb.cell("import opbook")
    nb.cell("%%op --resources base\ndef read(context) -> int:\n    return context.resources.base\n")
    nb.cell(
        "%%job read_job --resources {'base': opbook.ResourceDefinition.hardcoded_resource(7)}\nread()\n"
    )
    assert nb["read_job"].execute_in_process().output_for_node("read") == 7


@pytest.mark.parametrize(
    ("magic", "line", "cell", "message"),
    [
        ("job", "", "load()\n", "%%job: name it"),
        ("job", "two words", "load()\n", "%%job: unexpected 'words'"),
        ("job", "numbers(x)", "load()\n", "%%job: a job takes no inputs"),
        ("job", "1abc", "load()\n", "%%job: '1abc' is not a name"),
        (
            "job",
            "j --executor nowhere",
            "load()\n",
            "%%job --executor: could not evaluate 'nowhere'",
        ),
        ("job", "j --executor 3", "load()\n", "%%job --executor: '3' is not an executor"),
        (
            "job",
            "j --resources r=missing_thing",
            "load()\n",
            "%%job --resources r: could not evaluate",
        ),
        ("job", "j", "lod()\n", "%%job j: NameError: name 'lod' is not defined (cell line 1)"),
        ("job", "j", "load(\n", "%%job: '(' was never closed (cell line 1)"),
        ("graph", "g --name h", "load()\n", "%%graph: give the name once"),
        ("graph", "g(1x)", "load()\n", "%%graph: input '1x' is not a valid name"),
    ],
)
def test_bad_composition_cells_raise_usage_errors(ip, nb, magic, line, cell, message) -> None:
    nb.cell(OPS)
    with pytest.raises(UsageError) as caught:
        ip.run_cell_magic(magic, line, cell)
    assert str(caught.value).startswith(message)


def test_engine_rejection_is_a_usage_error_naming_the_job(ip, nb) -> None:
    nb.cell(OPS)
    nb.cell(TOTAL)
    with pytest.raises(UsageError) as caught:
        ip.run_cell_magic("job", "needs_input", "total(nope=load())\n")
    assert str(caught.value).startswith("%%job needs_input: DagsterInvalidDefinitionError:")


@pytest.mark.slow
def test_a_notebook_job_runs_on_the_multiprocess_executor(nb) -> None:
    nb.cell(OPS)
    nb.cell("%%op\ndef where(numbers: list[int]) -> int:\n    import os\n    return os.getpid()\n")
    nb.cell("%%job elsewhere --executor multiprocess\nwhere(load())\n")
    assert nb["elsewhere"].executor_def is opbook.multiprocess_executor
    nb.cell("result = %opbook run elsewhere --no-progress")
    result = nb["result"]
    assert result.success
    assert result.output_for_node("where") != os.getpid()
