"""``%opbook``: show, run, reexecute, runs, ticks, sensor, partitions, export and help; bad
usage is a one-line UsageError."""

from __future__ import annotations

import importlib.util
import io
import re
import sys

import IPython.core.debugger
import pandas as pd
import pytest
from IPython.core.error import UsageError

import opbook

DEFINE = [
    "%%op\ndef load() -> list[int]:\n    return [1, 2, 3]\n",
    '%%op --config {"factor": int}\n'
    "def scale(context, numbers: list[int]) -> list[int]:\n"
    '    return [n * context.op_config["factor"] for n in numbers]\n',
    "%%op\ndef check(numbers: list[int]) -> int:\n    if max(numbers) > 25:\n"
    "        raise ValueError(f'too big: {max(numbers)}')\n    return len(numbers)\n",
    "%%job numbers\ncheck(scale(load()))\n",
]
CONFIG = '{"ops": {"scale": {"config": {"factor": 10}}}}'


@pytest.fixture
def defined(nb):
    for cell in DEFINE:
        nb.cell(cell)
    return nb


def test_run_returns_the_result_and_shows_progress(defined) -> None:
    ran = defined.cell(f"result = %opbook run numbers --config {CONFIG}")
    result = defined["result"]
    assert not result.success  # check fails on 30
    assert result.output_for_node("scale") == [10, 20, 30]
    (progress,) = ran.text()
    assert "failed: 3 of 3 steps done (2 succeeded, 1 failed)" in progress
    assert "<svg" in ran.html()[0] and "<progress" in ran.html()[0]


def test_run_of_a_job_gives_the_job_result_type(defined) -> None:
    defined.cell(f"result = %opbook run numbers --config {CONFIG} --no-progress")
    assert isinstance(defined["result"], opbook.InProcessExecutionResult)
    defined.cell("second = %opbook reexecute --from-failure --no-progress")
    assert isinstance(defined["second"], opbook.InProcessExecutionResult)


def test_run_of_a_pipeline_gives_the_pipeline_result_type(nb) -> None:
    nb.cell("%%op --solid\ndef one(context) -> int:\n    return 1\n")
    nb.cell("from opbook import pipeline\n\n@pipeline\ndef legacy():\n    one()\n")
    nb.cell("result = %opbook run legacy --no-progress")
    assert isinstance(nb["result"], opbook.PipelineExecutionResult)
    assert nb["result"].result_for_solid("one").output_value() == 1


def test_run_with_selection_and_config_file(defined, tmp_path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text("ops:\n  scale:\n    config:\n      factor: 2\n")
    defined.cell(
        f"result = %opbook run numbers --config {config} --select 'load,scale' --no-progress"
    )
    result = defined["result"]
    assert result.success
    assert result.output_for_node("scale") == [2, 4, 6]
    assert result.events_for_node("check") == []  # not selected: no events


def test_reexecute_from_failure_after_fixing_the_op(defined) -> None:
    defined.cell(f"first = %opbook run numbers --config {CONFIG} --no-progress")
    defined.cell("%%op\ndef check(numbers: list[int]) -> int:\n    return len(numbers)\n")
    defined.cell("second = %opbook reexecute --from-failure --no-progress")
    first, second = defined["first"], defined["second"]
    assert second.success
    assert second.output_for_node("check") == 3
    ran_steps = {e.step_key for e in second.event_list if e.is_step_start}
    assert ran_steps == {"check"}  # load and scale came from the first run
    run = opbook.DagsterInstance.get().get_run_by_id(second.run_id)
    assert run.parent_run_id == first.run_id


def test_reexecute_a_run_by_id_prefix_with_a_selection(defined) -> None:
    defined.cell(f"first = %opbook run numbers --config {CONFIG} --no-progress")
    prefix = defined["first"].run_id[:8]
    defined.cell(f"again = %opbook reexecute {prefix} --select scale --no-progress")
    again = defined["again"]
    assert {e.step_key for e in again.event_list if e.is_step_start} == {"scale"}


def test_runs_lists_the_session_runs(defined) -> None:
    defined.cell(f"first = %opbook run numbers --config {CONFIG} --no-progress")
    defined.cell("table = %opbook runs")
    table = defined["table"]
    assert list(table.columns) == [
        "run_id",
        "job",
        "status",
        "start",
        "end",
        "duration",
        "parent_run_id",
    ]
    assert table["run_id"].tolist() == [defined["first"].run_id]
    assert table["status"].tolist() == ["FAILURE"]
    assert isinstance(table["start"].dtype, pd.DatetimeTZDtype)


def test_runs_names_op_runs_by_their_op_and_shows_readable_durations(defined) -> None:
    defined.cell("%%op --run {}\ndef one() -> int:\n    return 1\n")
    defined.cell("table = %opbook runs")
    html, text = defined["table"]._repr_html_(), repr(defined["table"])
    assert "op one" in html and "op one" in text
    assert "ephemeral" not in html + text
    assert "days" not in html + text and " ms" in html


def test_inputs_binds_what_a_failed_step_received(defined) -> None:
    defined.cell(f"first = %opbook run numbers --config {CONFIG} --no-progress")
    ran = defined.cell("%opbook inputs check")
    assert defined["inputs"] == {"numbers": [10, 20, 30]}
    assert ran.result.result == {"numbers": [10, 20, 30]}
    called = defined.run("check(**inputs)")  # the op, called by hand, fails as in the run
    assert isinstance(called.error, ValueError) and str(called.error) == "too big: 30"


def test_inputs_of_a_run_by_id_prefix(defined) -> None:
    defined.cell(f"first = %opbook run numbers --config {CONFIG} --no-progress")
    defined.cell('%opbook run numbers --config {"ops": {"scale": {"config": {"factor": 1}}}}')
    prefix = defined["first"].run_id[:8]
    defined.cell(f"%opbook inputs {prefix} scale")
    assert defined["inputs"] == {"numbers": [1, 2, 3]}
    defined.cell(f"%opbook inputs {prefix} check")
    assert defined["inputs"] == {"numbers": [10, 20, 30]}


def test_inputs_of_a_step_that_did_not_run_is_a_usage_error(ip, defined) -> None:
    defined.cell(f"%opbook run numbers --config {CONFIG} --no-progress")
    defined.cell("%%op\ndef after(n: int) -> int:\n    return n\n")
    with pytest.raises(UsageError, match="no step 'after' in numbers"):
        ip.run_line_magic("opbook", "inputs after")


@pytest.fixture
def scripted_debugger(ip, monkeypatch):
    """The debugger reads its commands from a script (as a user would type them)."""
    monkeypatch.setattr(type(ip), "debugger_cls", IPython.core.debugger.Pdb)

    def script(*commands: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO("".join(f"{c}\n" for c in commands)))

    return script


def test_debug_stops_in_the_failed_op_with_its_locals(defined, scripted_debugger) -> None:
    defined.cell(f"%opbook run numbers --config {CONFIG} --no-progress")
    scripted_debugger("p numbers", "p max(numbers)", "q")
    printed = defined.cell("%opbook debug").stdout
    assert "ValueError: too big: 30 (step check of run " in printed
    assert "raise ValueError(f'too big: {max(numbers)}')" in printed
    assert "(3)check()" in printed  # line 3 of the op's cell, in the op's frame
    assert "ipdb> [10, 20, 30]\nipdb> 30\n" in printed


def test_debug_starts_the_stack_at_the_user_frame(defined, scripted_debugger) -> None:
    defined.cell(f"%opbook run numbers --config {CONFIG} --no-progress")
    scripted_debugger("up", "q")
    printed = defined.cell("%opbook debug").stdout
    assert "Oldest frame" in printed  # no engine frame above the op's


def test_debug_a_step_of_a_run_by_id(defined, scripted_debugger) -> None:
    defined.cell(f"first = %opbook run numbers --config {CONFIG} --no-progress")
    defined.cell("%%op\ndef scale(numbers: list[int]) -> list[int]:\n    return {}[numbers[0]]\n")
    scripted_debugger("p numbers", "q")
    printed = defined.cell(f"%opbook debug {defined['first'].run_id[:8]} check").stdout
    assert "ValueError: too big: 30" in printed and "[10, 20, 30]" in printed


def test_debug_of_a_step_that_passes_says_so(defined, scripted_debugger) -> None:
    defined.cell(f"first = %opbook run numbers --config {CONFIG} --no-progress")
    printed = defined.cell(f"%opbook debug {defined['first'].run_id[:8]} scale").stdout
    assert "step scale ran again without an error; nothing to debug" in printed


def test_show_displays_the_graph(defined) -> None:
    ran = defined.cell("%opbook show numbers")
    assert "<svg" in ran.html()[0]
    assert "check  numbers <- scale" in ran.text()[0]


def test_export_writes_an_importable_module(defined, tmp_path) -> None:
    defined.cell("import math")
    defined.cell(
        "%%op\ndef check(numbers: list[int]) -> int:\n    return math.floor(len(numbers))\n"
    )
    path = tmp_path / "exported.py"
    ran = defined.cell(f"%opbook export {path}")
    assert ran.stdout.strip() == f"Wrote 4 definitions (load, scale, check, numbers) to {path}"
    text = path.read_text()
    assert "import math" in text
    assert '@opbook.op(config_schema={"factor": int})\ndef scale(context' in text
    spec = importlib.util.spec_from_file_location("exported_nb", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["exported_nb"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["exported_nb"]
    result = module.numbers.execute_in_process(
        run_config={"ops": {"scale": {"config": {"factor": 10}}}}
    )
    assert result.output_for_node("check") == 3  # the redefined check


def test_export_includes_ops_defined_in_plain_cells(nb, tmp_path) -> None:
    nb.cell("import opbook")
    nb.cell("@opbook.op\ndef plain() -> int:\n    return 5\n")
    nb.cell("%%job plain_job\nplain()\n")
    path = tmp_path / "plain.py"
    nb.cell(f"%opbook export {path}")
    text = path.read_text()
    assert text.index("def plain()") < text.index("def plain_job()")


def _import_exported(path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


PLAIN_CELLS = [
    "import opbook",
    "RATES = {'EUR': 1.0, 'CHF': 0.9}\nSCHEMA = {'currency': str}",
    "def rate_of(currency):\n    return RATES[currency]",
    "@opbook.resource\ndef fx(_):\n    return rate_of",
    "%%op --config SCHEMA --resources fx\ndef convert(context) -> float:\n"
    '    return 100 * context.resources.fx(context.op_config["currency"])\n',
    "%%graph pricing\nconvert()\n",
    "prod = pricing.to_job(name='prod', resource_defs={'fx': fx})",
    "prod.execute_in_process(run_config={'ops': {'convert': {'config': {'currency': 'CHF'}}}})",
    "unused = 42",
]


def test_export_keeps_plain_cell_code_the_definitions_use_and_assigned_jobs(nb, tmp_path) -> None:
    for cell in PLAIN_CELLS:
        nb.cell(cell)
    path = tmp_path / "priced.py"
    ran = nb.cell(f"%opbook export {path}")
    assert ran.stdout.strip() == (
        "Wrote 3 definitions (convert, pricing, prod) and what they use "
        f"(RATES, SCHEMA, rate_of, fx) to {path}"
    )
    text = path.read_text()
    assert "unused" not in text and "execute_in_process" not in text
    module = _import_exported(path, "exported_priced")
    result = module.prod.execute_in_process(
        run_config={"ops": {"convert": {"config": {"currency": "CHF"}}}}
    )
    assert result.output_for_node("convert") == 90.0


def test_export_that_does_not_import_is_an_error_not_a_success(ip, nb, tmp_path) -> None:
    nb.cell("globals()['COUNT_SCHEMA'] = {'n': int}")  # bound by an expression: not exported
    nb.cell("%%op --config COUNT_SCHEMA\ndef count(context) -> int:\n    return 1\n")
    path = tmp_path / "broken.py"
    with pytest.raises(UsageError) as caught:
        ip.run_line_magic("opbook", f"export {path}")
    assert str(caught.value).startswith(
        f"%opbook export: wrote {path}, but it does not import: "
        "NameError: name 'COUNT_SCHEMA' is not defined (line "
    )


def test_help_lists_every_magic(nb) -> None:
    text = nb.cell("%opbook help").stdout
    for usage in (
        "%%op [--name NAME]",
        "%%graph NAME",
        "%%job NAME",
        "%opbook run JOB",
        "%opbook export PATH",
        "%opbook inputs [RUN_ID] STEP",
        "%opbook debug [RUN_ID] [STEP]",
    ):
        assert usage in text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "%opbook: which command?"),
        ("launch numbers", "%opbook: unknown command 'launch'"),
        ("run", "%opbook run: which job?"),
        ("run nowhere", "%opbook run: no job named 'nowhere' in the notebook; defined: numbers"),
        ("run load", "%opbook run: load is a OpDefinition, not a job"),
        ("run numbers --speed 3", "%opbook run: unknown option --speed"),
        ("run numbers --config [1]", "%opbook run --config: a run config is a dict, got list"),
        ("run numbers --config {'ops': {}}", "%opbook run: DagsterInvalidConfigError:"),
        ("run numbers --select nothing_here", "%opbook run: DagsterInvalidSubsetError:"),
        ("reexecute", "%opbook reexecute: give either --from-failure or --select QUERY"),
        ("reexecute --from-failure --select a", "%opbook reexecute: give either"),
        ("reexecute zzzz --from-failure", "%opbook reexecute: no run with id 'zzzz'"),
        ("runs now", "%opbook runs: unexpected 'now'"),
        ("export", "%opbook export: where to?"),
        ("export /no/such/dir/x.py", "%opbook export: could not write /no/such/dir/x.py"),
        ("show", "%opbook show: show what?"),
        ("show 42", "%opbook show: cannot show a int"),
        ("inputs", "%opbook inputs: which step?"),
        ("inputs check", "%opbook inputs: no run started from this notebook yet"),
        ("inputs zzzz check", "%opbook inputs: no run of this session with id 'zzzz'"),
        ("debug", "%opbook debug: no run of this notebook session has a failed step"),
        ("debug zzzz", "%opbook debug: no run of this session with id 'zzzz'"),
        ("debug a b c", "%opbook debug: unexpected 'c'"),
    ],
)
def test_bad_usage_is_a_one_line_usage_error(ip, defined, line, message) -> None:
    with pytest.raises(UsageError) as caught:
        ip.run_line_magic("opbook", line)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_reexecute_from_failure_of_a_successful_run_is_a_usage_error(ip, defined) -> None:
    defined.cell(
        '%opbook run numbers --config {"ops": {"scale": {"config": {"factor": 1}}}} --no-progress'
    )
    with pytest.raises(UsageError, match="has no failed steps"):
        ip.run_line_magic("opbook", "reexecute --from-failure")


def test_reexecute_with_no_run_yet_is_a_usage_error(ip, defined) -> None:
    with pytest.raises(UsageError, match="no run of a notebook job in this session yet"):
        ip.run_line_magic("opbook", "reexecute --from-failure")


def test_form_shows_the_run_config_form_of_a_job(defined) -> None:
    defined.cell("form = %opbook form numbers")
    form = defined["form"]
    assert isinstance(form, opbook.notebook.ConfigForm)
    assert "ops.scale.config.factor" in {p.path for p in form.problems}
    form.value = {"ops": {"scale": {"config": {"factor": 2}}}}
    assert form.is_valid


def test_panel_is_a_run_panel_for_a_job_and_a_solid_panel_for_an_op(defined) -> None:
    defined.cell("job_panel = %opbook panel numbers")
    defined.cell("op_panel = %opbook panel load")
    assert isinstance(defined["job_panel"], opbook.notebook.RunPanel)
    assert isinstance(defined["op_panel"], opbook.notebook.SolidPanel)
    assert defined["op_panel"].run().output_value() == [1, 2, 3]


@pytest.mark.parametrize("line", ["form", "panel", "form nothing_here", "panel a b"])
def test_form_and_panel_misuse_is_a_one_line_usage_error(defined, line: str) -> None:
    with pytest.raises(UsageError) as raised:
        defined.shell.run_line_magic("opbook", line)
    assert "\n" not in str(raised.value)


INSTIGATORS = """
from opbook import (
    RunRequest, SkipReason, job, op, repository, schedule, sensor, static_partitioned_config
)


@op(config_schema=str)
def echo(context):
    return context.op_config


@static_partitioned_config(["eu", "us"])
def by_region(region):
    return {"ops": {"echo": {"config": region}}}


@job(config=by_region)
def regional():
    echo()


@schedule(cron_schedule="0 6 * * *", job=regional, execution_timezone="UTC")
def every_morning(context):
    day = context.scheduled_execution_time.strftime("%Y-%m-%d")
    return RunRequest(run_key=day, run_config=by_region.get_run_config("eu"), tags={"day": day})


@sensor(job=regional)
def new_files(context):
    if context.cursor == "done":
        return SkipReason("nothing new")
    context.update_cursor("done")
    return RunRequest(run_key="f1", run_config=by_region.get_run_config("us"))


@repository
def repo():
    return [regional, every_morning, new_files]
"""


@pytest.fixture
def instigated(nb):
    nb.cell(INSTIGATORS)
    return nb


def test_ticks_gives_each_ticks_run_request(instigated) -> None:
    instigated.cell("table = %opbook ticks every_morning --from 2021-05-01 -n 2")
    table = instigated["table"]
    assert list(table.columns) == ["tick", "run_key", "tags", "run_config", "skipped"]
    assert [str(t) for t in table["tick"]] == [
        "2021-05-01 06:00:00+00:00",
        "2021-05-02 06:00:00+00:00",
    ]
    assert table["run_key"].tolist() == ["2021-05-01", "2021-05-02"]
    assert table["tags"][0] == {"day": "2021-05-01"}
    assert table["run_config"][0] == {"ops": {"echo": {"config": "eu"}}}


def test_ticks_of_an_unknown_schedule_is_a_usage_error(ip, instigated) -> None:
    with pytest.raises(UsageError, match="no schedule named 'weekly' in the notebook; defined: "):
        ip.run_line_magic("opbook", "ticks weekly")


def test_sensor_gives_its_run_requests_and_the_new_cursor(instigated) -> None:
    ran = instigated.cell("table = %opbook sensor new_files")
    table = instigated["table"]
    assert table["run_key"].tolist() == ["f1"]
    assert table["run_config"][0] == {"ops": {"echo": {"config": "us"}}}
    assert "cursor for the next evaluation: done" in ran.stdout


def test_sensor_with_a_cursor_says_why_it_skipped(instigated) -> None:
    ran = instigated.cell("table = %opbook sensor new_files --cursor done")
    assert instigated["table"] is None
    assert "new_files skipped: nothing new" in ran.stdout


def test_partitions_gives_each_partitions_config(instigated) -> None:
    instigated.cell("table = %opbook partitions regional")
    table = instigated["table"]
    assert table["partition"].tolist() == ["eu", "us"]
    assert table["run_config"][1] == {"ops": {"echo": {"config": "us"}}}
    assert table["tags"][1]["dagster/partition"] == "us"


def test_partitions_of_a_job_without_partitions_is_a_usage_error(ip, defined) -> None:
    with pytest.raises(UsageError, match="%opbook partitions: job 'numbers' has no partitions"):
        ip.run_line_magic("opbook", "partitions numbers")


def test_run_of_a_partition_uses_its_config_and_tags(instigated) -> None:
    instigated.cell("result = %opbook run regional --partition us --no-progress")
    result = instigated["result"]
    assert result.success
    assert result.output_for_node("echo") == "us"
    run = opbook.DagsterInstance.get().get_run_by_id(result.run_id)
    assert run.tags["dagster/partition"] == "us"


def test_run_of_an_unknown_partition_is_a_usage_error(ip, instigated) -> None:
    with pytest.raises(UsageError) as raised:
        ip.run_line_magic("opbook", "run regional --partition fr")
    assert str(raised.value) == (
        "%opbook run: Unknown partition 'fr' for job 'regional'; partitions: eu, us"
    )


def test_debug_runs_the_commands_given_and_shows_them_typed(defined) -> None:
    defined.cell(f"%opbook run numbers --config {CONFIG} --no-progress")
    printed = defined.cell('%opbook debug --commands "p numbers;; p max(numbers);; q"').stdout
    assert "ValueError: too big: 30 (step check of run " in printed
    assert printed.index("(3)check()") < printed.index("ipdb> p numbers\n[10, 20, 30]\n")
    assert "ipdb> p max(numbers)\n30\nipdb> q\n" in printed


def test_debug_without_input_box_asks_for_commands(ip, defined, monkeypatch) -> None:
    defined.cell(f"%opbook run numbers --config {CONFIG} --no-progress")

    def no_input_box(prompt: str = "") -> str:
        raise IPython.core.error.StdinNotImplementedError("no input requests here")

    monkeypatch.setattr("builtins.input", no_input_box)
    monkeypatch.setattr(type(ip), "debugger_cls", IPython.core.debugger.Pdb)
    asked = 'give its commands instead, e.g. %opbook debug --commands "p numbers;; q"'
    with pytest.raises(UsageError, match=re.escape(asked)):
        ip.run_line_magic("opbook", "debug")
