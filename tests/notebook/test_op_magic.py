"""``%%op``: a cell's function becomes an op, with options; redefining it updates the jobs."""

from __future__ import annotations

import inspect

import pytest
from IPython.core.error import UsageError

import opbook

LOAD = """%%op
def load() -> list[int]:
    return [1, 2, 3]
"""
SCALE = """%%op --config {"factor": int}
def scale(context, numbers: list[int]) -> list[int]:
    return [n * context.op_config["factor"] for n in numbers]
"""
CONFIG = {"ops": {"scale": {"config": {"factor": 10}}}}


def test_op_cell_binds_an_op_under_the_function_name(nb) -> None:
    nb.cell(LOAD)
    load = nb["load"]
    assert isinstance(load, opbook.OpDefinition)
    assert load.name == "load"
    assert load.output_defs[0].dagster_type.name == "List[Int]"


def test_op_display_shows_inputs_types_config_and_location(nb) -> None:
    ran = nb.cell(SCALE)
    (text,) = ran.text()
    assert "inputs: numbers: List[Int]" in text
    assert "outputs: result: List[Int]" in text
    assert "config: { factor: Int }" in text
    assert "defined in: cell In[" in text
    (html,) = ran.html()
    assert "<code>scale</code>" in html and "{ factor: Int }" in html


def test_op_display_names_the_cell_that_defined_it(nb) -> None:
    ran = nb.cell(SCALE)
    (text,) = ran.text()
    assert f"defined in: cell In[{ran.result.execution_count}], line 1" in text


def test_options_name_resources_out_and_description(nb) -> None:
    nb.cell(
        '%%op --name renamed --resources db, cache --out int --description "Counts rows."\n'
        "def count(context, rows):\n"
        "    return len(rows)\n"
    )
    count = nb["count"]
    assert count.name == "renamed"
    assert count.required_resource_keys == {"db", "cache"}
    assert count.output_defs[0].dagster_type.display_name == "Int"
    assert count.description == "Counts rows."


def test_solid_option_defines_a_solid(nb) -> None:
    nb.cell("%%op --solid\ndef first(context):\n    return 1\n")
    assert type(nb["first"]) is opbook.SolidDefinition


def test_redefining_an_op_updates_the_jobs_that_use_it(nb) -> None:
    nb.cell(LOAD)
    nb.cell(SCALE)
    nb.cell("%%job numbers\nscale(load())\n")
    old_job = nb["numbers"]
    ran = nb.cell(
        '%%op --config {"factor": int}\n'
        "def scale(context, numbers: list[int]) -> list[int]:\n"
        "    return [n + context.op_config['factor'] for n in numbers]\n"
    )
    assert "Updated to use the new scale: job numbers." in ran.text()[0]
    new_job = nb["numbers"]
    assert new_job is not old_job
    assert new_job.execute_in_process(run_config=CONFIG).output_for_node("scale") == [11, 12, 13]
    # The old definition is unchanged: definitions are immutable.
    assert old_job.execute_in_process(run_config=CONFIG).output_for_node("scale") == [10, 20, 30]


def test_redefinition_reaches_nested_graphs_and_keeps_aliases(nb) -> None:
    nb.cell("%%op\ndef double(x: int) -> int:\n    return 2 * x\n")
    nb.cell("%%graph twice(x)\ndouble.alias('second')(double(x))\n")
    nb.cell("%%op\ndef one() -> int:\n    return 1\n")
    nb.cell("%%job uses_twice\ntwice(one())\n")
    ran = nb.cell("%%op\ndef double(x: int) -> int:\n    return 3 * x\n")
    assert "graph twice" in ran.text()[0] and "job uses_twice" in ran.text()[0]
    job = nb["uses_twice"]
    assert job.graph.node_named("twice").definition is nb["twice"]  # shared graph rebuilt once
    assert job.execute_in_process().output_for_node("twice") == 9
    assert nb["twice"].node_named("second").definition.name == "double"


def test_redefinition_that_breaks_a_job_says_so_and_keeps_the_job(nb) -> None:
    nb.cell(LOAD)
    nb.cell(SCALE)
    nb.cell("%%job numbers\nscale(load())\n")
    job = nb["numbers"]
    ran = nb.cell("%%op\ndef scale(context) -> int:\n    return 1\n")
    text = ran.text()[0]
    assert "Not updated, job numbers:" in text
    assert "does not have input" in text
    assert nb["numbers"] is job


def test_run_option_executes_the_op_with_inputs(nb) -> None:
    ran = nb.cell(
        '%%op --config {"factor": int} --run {"numbers": [1, 2]} '
        '--run-config {"solids": {"scale": {"config": {"factor": 5}}}}\n' + SCALE.split("\n", 1)[1]
    )
    card, result = ran.text()  # the op, then the result of running it
    assert card.startswith("op scale")
    assert result.startswith("op scale: succeeded")
    assert "result = [5, 10]" in result


def test_run_option_reports_bad_run_config_on_one_line(ip, nb) -> None:
    with pytest.raises(UsageError) as caught:
        ip.run_cell_magic(
            "op",
            '--run {"x": 1} --run-config {"solids": {"f": {"nope": 1}}}',
            "def f(x):\n    return x\n",
        )
    message = str(caught.value)
    assert message.startswith("%%op --run f: DagsterInvalidConfigError: Error in config")
    assert 'unexpected config entry "nope"' in message and "\n" not in message


def test_run_option_shows_a_failure_without_raising(nb) -> None:
    ran = nb.cell('%%op --run {"x": 0.0}\ndef invert(x: float) -> float:\n    return 1 / x\n')
    assert "invert: failed: ZeroDivisionError: float division by zero" in ran.text()[1]
    assert "ZeroDivisionError" in ran.html()[1]


@pytest.mark.parametrize(
    ("line", "cell", "message"),
    [
        ("--bogus", "def f():\n    pass\n", "%%op: unknown option --bogus"),
        ("--config", "def f():\n    pass\n", "%%op: --config needs a value"),
        ("--solid yes", "def f(context):\n    pass\n", "%%op: --solid takes no value"),
        ("", "x = 1\n", "%%op: the cell must hold exactly one function definition"),
        ("", "def f(:\n", "%%op: invalid syntax (cell line 1)"),
        (
            "--config nope",
            "def f():\n    pass\n",
            "%%op --config: could not evaluate 'nope': NameError",
        ),
        ("--run [1]", "def f(x):\n    return x\n", "%%op --run: inputs must be a dict"),
        ("--resources 'not valid'", "def f(context):\n    pass\n", "%%op f:"),
    ],
)
def test_bad_op_cells_raise_one_line_usage_errors(ip, nb, line, cell, message) -> None:
    with pytest.raises(UsageError) as caught:
        ip.run_cell_magic("op", line, cell)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_errors_show_no_traceback_in_the_notebook(nb) -> None:
    ran = nb.run("%%op --bogus\ndef f():\n    pass\n")
    assert isinstance(ran.error, UsageError)
    assert "Traceback" not in ran.stderr and "UsageError: %%op: unknown option" in ran.stderr


def test_op_source_is_findable_for_tracebacks(nb) -> None:
    nb.cell(LOAD)
    assert "return [1, 2, 3]" in inspect.getsource(nb["load"].compute_fn)


def test_ops_from_plain_cells_show_their_cell_too(nb) -> None:
    nb.cell("import opbook")
    nb.cell("@opbook.op\ndef plain() -> int:\n    return 1\n")
    data, _ = nb.shell.display_formatter.format(nb["plain"])
    assert "defined in: cell In[" in data["text/plain"]
