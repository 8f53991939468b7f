"""RunPanel and SolidPanel, headless: the buttons, runs, re-execution, live graph and tables."""

from __future__ import annotations

import html
import os
import time
from typing import Any

import ipywidgets as widgets
import pytest

from opbook import (
    DagsterInstance,
    Field,
    In,
    InProcessExecutionResult,
    ModeDefinition,
    PresetDefinition,
    SolidExecutionResult,
    job,
    op,
    pipeline,
    resource,
    solid,
)
from opbook.errors import DagsterInvalidConfigError, DagsterInvariantViolationError
from opbook.notebook.forms import ConfigForm
from opbook.notebook.panels import RunPanel, SolidPanel, show_form, show_panel
from opbook.notebook.status import FILL

STATE: dict[str, Any] = {}


@op(config_schema={"path": str, "copies": Field(int, default_value=2)})
def load(context) -> list:
    return [context.op_config["path"]] * context.op_config["copies"]


@op
def check(context, rows: list) -> int:
    if STATE.get("fail"):
        raise ValueError("the check failed on purpose")
    return len(rows)


@op
def report(context, count: int) -> int:
    return count * 10


@job
def etl() -> None:
    report(check(load()))


@pytest.fixture
def instance() -> DagsterInstance:
    STATE.clear()
    return DagsterInstance.ephemeral()


def _ready(panel: RunPanel) -> RunPanel:
    panel.form.widget_for("ops.load.config.path").value = "in.csv"
    return panel


def test_run_is_disabled_while_the_config_has_problems_and_says_why(
    instance: DagsterInstance,
) -> None:
    panel = RunPanel(etl, instance=instance)
    assert isinstance(panel.form, ConfigForm)
    assert panel.run_button.disabled and panel.reexecute_button.disabled
    reason = html.unescape(panel.reason.value)
    assert "1 problem" in reason and "ops.load.config.path" in reason
    _ready(panel)
    assert not panel.run_button.disabled
    assert panel.reason.value == ""


def test_the_jobs_graph_is_shown_before_any_run(instance: DagsterInstance) -> None:
    panel = RunPanel(etl, instance=instance)
    assert "<svg" in panel.progress.value and FILL["definition"] in panel.progress.value
    assert FILL["succeeded"] not in panel.progress.value


def test_run_returns_the_result_and_shows_the_tables(instance: DagsterInstance) -> None:
    panel = _ready(RunPanel(etl, instance=instance))
    result = panel.run()
    assert isinstance(result, InProcessExecutionResult)  # a job's result, as Dagster's
    assert result.success and panel.last_result is result
    assert result.output_for_node("report") == 20
    assert instance.get_run_by_id(result.run_id) is not None
    shown = panel.results.value
    assert "opbook-steps" in shown and "opbook-events" in shown
    assert shown.count("<table") == 2 and "STEP_SUCCESS" in shown
    assert FILL["succeeded"] in panel.progress.value  # the graph, coloured
    assert "<progress" in panel.progress.value
    assert panel.reexecute_button.disabled  # nothing failed


def test_run_button_does_what_run_does(instance: DagsterInstance) -> None:
    panel = _ready(RunPanel(etl, instance=instance))
    panel.run_button.click()
    assert panel.last_result is not None and panel.last_result.success


def test_failed_steps_show_their_error_and_traceback(instance: DagsterInstance) -> None:
    STATE["fail"] = True
    panel = _ready(RunPanel(etl, instance=instance))
    result = panel.run()
    assert not result.success
    shown = html.unescape(panel.results.value)
    assert "<b>check</b> failed" in shown
    assert "the check failed on purpose" in shown
    assert "<details><summary>traceback</summary>" in shown and "raise ValueError" in shown
    assert FILL["failed"] in panel.progress.value
    assert not panel.reexecute_button.disabled


def test_reexecute_from_failure_runs_only_what_did_not_succeed(instance: DagsterInstance) -> None:
    STATE["fail"] = True
    panel = _ready(RunPanel(etl, instance=instance))
    first = panel.run()
    STATE["fail"] = False
    panel.reexecute_button.click()
    second = panel.last_result
    assert second is not None and second is not first and second.success
    started = [e.step_key for e in second.event_list if e.event_type_value == "STEP_START"]
    assert started == ["check", "report"]
    assert second.output_for_node("report") == 20
    run = instance.get_run_by_id(second.run_id)
    assert run.parent_run_id == first.run_id
    assert panel.reexecute_button.disabled


def test_reexecute_without_a_failed_run_says_why(instance: DagsterInstance) -> None:
    panel = _ready(RunPanel(etl, instance=instance))
    with pytest.raises(DagsterInvariantViolationError, match="has not happened yet"):
        panel.reexecute_from_failure()
    panel.run()
    with pytest.raises(DagsterInvariantViolationError, match="succeeded"):
        panel.reexecute_from_failure()


def test_run_with_an_invalid_config_raises_every_problem(instance: DagsterInstance) -> None:
    panel = RunPanel(etl, instance=instance)
    with pytest.raises(DagsterInvalidConfigError, match="root:ops:load:config"):
        panel.run()


def test_graph_is_coloured_while_the_run_goes_on(instance: DagsterInstance) -> None:
    seen: dict[str, str] = {}

    @op
    def slow(context) -> int:
        time.sleep(0.25)
        return 1

    @op
    def peek(context, n: int) -> int:
        seen["progress"] = STATE["panel"].progress.value
        return n

    @job
    def watched() -> None:
        peek(slow())

    panel = RunPanel(watched, instance=instance)
    STATE["panel"] = panel
    panel.run()
    during = seen["progress"]
    assert FILL["succeeded"] in during and FILL["running"] in during
    assert "1 of 2 steps done" in html.unescape(during)


def test_op_selection_prunes_the_form_and_runs_only_those_ops(instance: DagsterInstance) -> None:
    panel = RunPanel(etl, instance=instance)
    first = panel.form
    panel.selection.value = "load"
    assert panel.form.target.selected == frozenset({"load"})
    assert first.comm is None  # the replaced form is closed
    _ready(panel)
    result = panel.run()
    assert [e.step_key for e in result.event_list if e.event_type_value == "STEP_START"] == ["load"]


def test_bad_op_selection_is_explained_and_blocks_the_run(instance: DagsterInstance) -> None:
    panel = _ready(RunPanel(etl, instance=instance))
    panel.selection.value = "nothing_here"
    assert "nothing_here" in html.unescape(panel.selection_message.value)
    assert panel.run_button.disabled and "op selection" in panel.reason.value
    panel.selection.value = "load+"
    assert not panel.run_button.disabled and panel.reason.value == ""


def test_a_run_refused_for_its_config_leaves_the_buttons_as_the_config_says(
    instance: DagsterInstance,
) -> None:
    panel = RunPanel(etl, instance=instance)
    panel.run_button.click()  # disabled in a browser; from code it reports the problems
    assert "root:ops:load:config" in html.unescape(panel.results.value)
    assert panel.run_button.disabled


def test_panel_starts_from_the_given_selection_and_config(instance: DagsterInstance) -> None:
    config = {"ops": {"load": {"config": {"path": "x"}}}}
    panel = RunPanel(etl, instance=instance, op_selection=["load", "check"], run_config=config)
    assert panel.selection.value == "load,check"
    assert panel.form.target.selected == frozenset({"load", "check"})
    assert panel.run().output_for_node("check") == 2


def test_executor_choice_and_the_forms_execution_entry_follow_each_other(
    instance: DagsterInstance,
) -> None:
    panel = _ready(RunPanel(etl, instance=instance))
    assert list(panel.executor_picker.options) == ["in_process", "multiprocess"]
    assert panel.executor_picker.value == "in_process"
    panel.executor_picker.value = "multiprocess"
    assert panel.form.value["execution"] == {"multiprocess": {}}
    panel.form.value = {**panel.form.value, "execution": {"in_process": {}}}
    assert panel.executor_picker.value == "in_process"


@op
def where(context) -> int:
    return os.getpid()


@job
def located() -> None:
    where()


@pytest.mark.slow
def test_the_chosen_executor_runs_the_job(instance: DagsterInstance) -> None:
    panel = RunPanel(located, instance=instance)
    assert panel.run().output_for_node("where") == os.getpid()
    panel.executor_picker.value = "multiprocess"
    result = panel.run()
    assert result.success
    assert result.output_for_node("where") != os.getpid()  # a worker process ran it


@resource(config_schema={"url": str})
def store(init_context) -> str:
    return init_context.resource_config["url"]


@solid(required_resource_keys={"store"})
def write(context) -> str:
    return context.resources.store


@pipeline(
    mode_defs=[
        ModeDefinition("local", resource_defs={"store": store}),
        ModeDefinition("test", resource_defs={"store": store}),
    ],
    preset_defs=[
        PresetDefinition(
            "prod",
            {"resources": {"store": {"config": {"url": "pg://prod"}}}},
            mode="test",
            tags={"env": "prod"},
        )
    ],
)
def publish() -> None:
    write()


def test_preset_fills_the_mode_and_the_form(instance: DagsterInstance) -> None:
    panel = RunPanel(publish, instance=instance)
    assert panel.mode == "local" and not panel.mode_picker.disabled
    assert panel.run_button.disabled
    panel.preset_picker.value = "prod"
    assert panel.mode == "test"
    assert panel.form.value == {"resources": {"store": {"config": {"url": "pg://prod"}}}}
    result = panel.run()
    assert result.success and result.output_for_solid("write") == "pg://prod"
    assert instance.get_run_by_id(result.run_id).tags["env"] == "prod"
    assert instance.get_run_by_id(result.run_id).mode == "test"


def test_changing_the_mode_keeps_what_was_typed(instance: DagsterInstance) -> None:
    panel = RunPanel(publish, instance=instance)
    panel.form.widget_for("resources.store.config.url").value = "mem://"
    before = panel.form
    panel.mode_picker.value = "test"
    assert panel.form is not before and "mode test" in panel.form.target.title
    assert panel.form.value == {"resources": {"store": {"config": {"url": "mem://"}}}}


def test_run_panel_refuses_an_op() -> None:
    with pytest.raises(Exception, match="SolidPanel"):
        RunPanel(load)


# -- SolidPanel ------------------------------------------------------------------------------


@op(ins={"n": In(int), "rate": In(float), "name": In(str), "loud": In(bool), "items": In(list)})
def describe(context, n, rate, name, loud, items) -> str:
    text = f"{name}: {n} x {rate} ({len(items)} items)"
    return text.upper() if loud else text


def test_solid_panel_has_an_input_widget_per_input_by_type() -> None:
    panel = SolidPanel(describe)
    assert list(panel.inputs) == ["n", "rate", "name", "loud", "items"]
    assert isinstance(panel.inputs["loud"], widgets.Checkbox)
    assert all(isinstance(panel.inputs[k], widgets.Text) for k in ("n", "rate", "name", "items"))
    assert panel.form is None


def test_solid_panel_runs_the_op_on_the_values_given() -> None:
    panel = SolidPanel(describe, namespace={"rows": [1, 2, 3]})
    panel.inputs["n"].value = "2"
    panel.inputs["rate"].value = "1.5"
    panel.inputs["name"].value = "ada"
    panel.inputs["loud"].value = True
    panel.inputs["items"].value = "rows + [4]"
    result = panel.run()
    assert isinstance(result, SolidExecutionResult)
    assert result.output_value() == "ADA: 2 X 1.5 (4 ITEMS)"
    assert panel.last_result is result
    assert "ADA: 2 X 1.5" in panel.results.value and "<table" in panel.results.value


def test_expressions_are_evaluated_in_the_notebook_namespace(nb: Any) -> None:
    nb.cell("rows = ['a', 'b']")
    panel = SolidPanel(check)
    panel.inputs["rows"].value = "rows * 2"
    assert panel.run().output_value() == 4


def test_an_expression_that_fails_names_the_input() -> None:
    panel = SolidPanel(check, namespace={})
    panel.inputs["rows"].value = "missing_name"
    with pytest.raises(DagsterInvariantViolationError, match=r'Input "rows".*missing_name'):
        panel.run()
    panel.run_button.click()
    assert "missing_name" in html.unescape(panel.results.value)


def test_solid_panel_config_form_and_its_button() -> None:
    panel = SolidPanel(load)
    assert panel.inputs == {}
    assert panel.run_button.disabled
    panel.form.widget_for("path").value = "p"
    assert not panel.run_button.disabled
    assert panel.run().output_value() == ["p", "p"]


def test_solid_panel_shows_a_failure() -> None:
    STATE["fail"] = True
    panel = SolidPanel(check, namespace={})
    panel.inputs["rows"].value = "[1]"
    result = panel.run()
    assert not result.success
    assert "the check failed on purpose" in html.unescape(panel.results.value)
    STATE.clear()


def test_solid_panel_with_resources() -> None:
    @solid(required_resource_keys={"store"})
    def read(context) -> str:
        return context.resources.store

    panel = SolidPanel(read, resources={"store": "value"})
    assert panel.run().output_value() == "value"


def test_input_with_a_default_starts_from_it() -> None:
    @op(ins={"k": In(int, default_value=7)})
    def seven(context, k) -> int:
        return k

    panel = SolidPanel(seven)
    assert panel.inputs["k"].value == "7"
    panel.inputs["k"].value = ""
    assert panel.run().output_value() == 7


def test_show_form_and_show_panel_pick_the_widget_for_the_target() -> None:
    assert isinstance(show_form(etl), ConfigForm)
    assert isinstance(show_panel(etl), RunPanel)
    assert isinstance(show_panel(load), SolidPanel)


@op
def noisy(context) -> int:
    context.log.debug("details")
    context.log.warning("few rows")
    return 1


@job
def talkative() -> None:
    noisy()


def test_events_table_holds_logged_lines_and_filters_by_level(instance: DagsterInstance) -> None:
    panel = RunPanel(talkative, instance=instance)
    panel.run()
    shown = panel.results.value.split('class="opbook-events"')[1]
    assert "details" in shown and "few rows" in shown and "STEP_START" in shown
    panel.level_picker.value = "WARNING"
    shown = panel.results.value.split('class="opbook-events"')[1]
    assert "few rows" in shown and "details" not in shown and "STEP_START" not in shown


# -- SolidPanel(from_run=...) -------------------------------------------------------------------

FROM_RUN_CELLS = [
    "%%op\ndef source() -> list:\n    return [3, 1, 2]\n",
    '%%op --config {"limit": int}\n'
    "def cap(context, rows: list) -> list:\n"
    '    if len(rows) > context.op_config["limit"]:\n'
    "        raise ValueError('too many rows')\n"
    "    return rows\n",
    "%%job capped\ncap(source())\n",
]


@pytest.fixture
def failed_run(nb: Any) -> str:
    for cell in FROM_RUN_CELLS:
        nb.cell(cell)
    nb.cell(
        'r = %opbook run capped --config {"ops": {"cap": {"config": {"limit": 2}}}} --no-progress'
    )
    run_id: str = nb["r"].run_id
    return run_id


def test_solid_panel_from_run_fills_the_inputs_and_config_the_step_got(
    nb: Any, failed_run: str
) -> None:
    panel = SolidPanel(nb["cap"], from_run=failed_run[:8])
    assert panel.inputs["rows"].value == "[3, 1, 2]"
    assert panel.form.value == {"limit": 2}
    assert f"step cap of run {failed_run[:8]}" in panel.notice.value
    result = panel.run()  # the same inputs and config: the same failure
    assert not result.success
    assert "too many rows" in html.unescape(panel.results.value)


def test_solid_panel_from_run_runs_the_same_inputs_with_a_config_fixed(
    nb: Any, failed_run: str
) -> None:
    panel = SolidPanel(nb["cap"], from_run=failed_run, namespace={})
    panel.form.widget_for("limit").value = "5"
    assert panel.run().output_value() == [3, 1, 2]


def test_solid_panel_from_an_unknown_run_is_an_error(nb: Any, failed_run: str) -> None:
    with pytest.raises(
        DagsterInvariantViolationError, match="no run of this session with id 'zzzz'"
    ):
        SolidPanel(nb["cap"], from_run="zzzz")


def test_solid_panel_from_a_run_the_op_did_not_run_in_is_an_error(nb: Any, failed_run: str) -> None:
    with pytest.raises(DagsterInvariantViolationError, match="'describe' did not run in run"):
        SolidPanel(describe, from_run=failed_run)
