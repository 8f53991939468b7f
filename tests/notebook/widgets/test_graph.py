"""The graph widget's model: boxes and wires, op details, and statuses kept up from events."""

from __future__ import annotations

import pytest
from IPython.utils.capture import capture_output

from opbook import Field, graph, job, op
from opbook.notebook import widgets
from opbook.notebook.progress import LiveRun
from opbook.notebook.status import BORDER, FILL

pytest.importorskip("anywidget")
from opbook.notebook.widgets.graph import GraphWidget

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@op(
    config_schema={
        "rows": Field(int, description="How many numbers to make."),
        "start": Field(int, default_value=1),
    },
    description="Makes numbers.",
)
def make(context) -> list:
    start = context.op_config["start"]
    return list(range(start, start + context.op_config["rows"]))


@op
def total(numbers: list) -> int:
    return sum(numbers)


@op
def broken(numbers: list) -> int:
    raise ValueError("no numbers today")


@job
def numbers():
    total(make())


@job
def failing():
    broken(make())


CONFIG = {"ops": {"make": {"config": {"rows": 3}}}}


def _nodes(widget: GraphWidget) -> dict:
    return {n["key"]: n for n in widget.layout["nodes"]}


def test_the_layout_holds_every_op_and_wire() -> None:
    widget = GraphWidget(numbers)
    assert list(_nodes(widget)) == ["make", "total"]
    ((source, target),) = [(e["source"], e["target"]) for e in widget.layout["edges"]]
    assert (source, target) == ("make", "total")
    assert widget.title == "job numbers (2 ops)"


def test_each_op_carries_its_inputs_outputs_config_and_description() -> None:
    make_node, total_node = _nodes(GraphWidget(numbers)).values()
    assert make_node["inputs"] == [] and make_node["outputs"] == [["result", "List"]]
    assert total_node["inputs"] == [["numbers", "List"]]
    assert make_node["config"] == "rows: Int\n    How many numbers to make.\nstart: Int = 1"
    assert make_node["description"] == "Makes numbers."
    assert total_node["config"] is None


def test_the_colours_are_the_status_vocabulary() -> None:
    widget = GraphWidget(numbers)
    assert widget.colours["succeeded"] == {"fill": FILL["succeeded"], "border": BORDER["succeeded"]}
    assert widget.labels["skipped"] == "skipped / not run"


def test_a_definition_has_no_statuses() -> None:
    widget = GraphWidget(numbers)
    assert widget.statuses == {} and widget.summary == ""


def test_a_result_is_shown_with_its_steps_statuses() -> None:
    result = failing.execute_in_process(run_config=CONFIG, raise_on_error=False)
    widget = GraphWidget(result)
    assert widget.statuses == {"make": "succeeded", "broken": "failed"}
    assert "no numbers today" in widget.info["broken"]["error"]
    assert widget.info["make"]["attempts"] == 1 and widget.info["make"]["duration_ms"] > 0
    assert widget.summary.startswith("failed: 2 of 2 steps done (1 succeeded, 1 failed)")


def test_each_event_sends_only_the_step_it_changed() -> None:
    events = numbers.execute_in_process(run_config=CONFIG).all_events
    widget = GraphWidget(numbers)
    patches = []
    widget.observe(lambda change: patches.append(change["new"]), "patch")
    start = next(e for e in events if e.event_type_value == "STEP_START" and e.step_key == "make")
    for event in events[: events.index(start) + 1]:
        widget.update(event)
    assert patches[-1]["statuses"] == {"make": "running"}
    assert list(patches[-1]["info"]) == ["make"]
    assert widget.summary == "running: 0 of 2 steps done (1 running)"


def test_the_summary_follows_each_step_through_the_run() -> None:
    events = numbers.execute_in_process(run_config=CONFIG).all_events
    widget = GraphWidget(numbers)
    summaries = []
    for event in events[:-1]:  # all but the run's end
        if widget.update(event):
            summaries.append(widget.summary)
    assert summaries == [
        "running: 0 of 2 steps done (1 running)",
        "running: 1 of 2 steps done (1 succeeded)",
        "running: 1 of 2 steps done (1 running, 1 succeeded)",
        "running: 2 of 2 steps done (2 succeeded)",
    ]


def test_events_that_change_nothing_send_nothing() -> None:
    events = numbers.execute_in_process(run_config=CONFIG).all_events
    widget = GraphWidget(numbers)
    for event in events[:-1]:
        widget.update(event)
    seq = widget.patch["seq"]
    assert widget.update(events[-2]) is False  # the same event again
    assert widget.patch["seq"] == seq


def test_the_end_of_the_run_sends_the_whole_state() -> None:
    events = numbers.execute_in_process(run_config=CONFIG).all_events
    widget = GraphWidget(numbers)
    for event in events:
        widget.update(event)
    assert widget.statuses == {"make": "succeeded", "total": "succeeded"}
    assert set(widget.info) == {"make", "total"}
    assert widget.summary.startswith("succeeded: 2 of 2 steps done (2 succeeded)")


def test_its_output_also_carries_the_static_picture() -> None:
    widget = GraphWidget(numbers.execute_in_process(run_config=CONFIG))
    data, _metadata = widget._repr_mimebundle_()
    assert data[WIDGET_VIEW]["model_id"] == widget.model_id
    summary = '<p class="opbook-summary">succeeded: 2 of 2 steps done (2 succeeded) in '
    assert data["text/html"].startswith(summary)
    assert '<div class="opbook-graph"><svg' in data["text/html"]
    assert FILL["succeeded"] in data["text/html"]  # the picture of the last state
    assert data["text/plain"].startswith(
        "GraphWidget(job numbers: 2 ops) succeeded: 2 of 2 steps done (2 succeeded) in "
    )


def test_a_definition_shows_as_its_graph_alone() -> None:
    data, _metadata = GraphWidget(numbers)._repr_mimebundle_()
    assert data["text/html"].startswith('<div class="opbook-graph"><svg')
    assert data["text/plain"] == "GraphWidget(job numbers: 2 ops)"


def test_a_graph_widget_needs_something_to_draw() -> None:
    with pytest.raises(TypeError, match="GraphWidget needs a target"):
        GraphWidget()


def test_a_live_run_in_a_kernel_shows_one_widget_and_ends_with_its_picture(ip) -> None:
    events = numbers.execute_in_process(run_config=CONFIG).all_events
    live = LiveRun(numbers, live=True, widget=True)
    with capture_output() as captured:
        for event in events:
            live(event)
    first, *updates = captured.outputs
    assert first.data[WIDGET_VIEW]["model_id"] == live.widget.model_id
    assert len(updates) == 1 and updates[0].update  # the end: the same display, updated
    assert FILL["succeeded"] in updates[0].data["text/html"]
    assert live.widget.statuses == {"make": "succeeded", "total": "succeeded"}


def test_a_live_run_draws_its_picture_once_at_the_end(ip) -> None:
    events = numbers.execute_in_process(run_config=CONFIG).all_events
    live = LiveRun(numbers, live=True, widget=True)
    with capture_output() as captured:
        for event in events:
            live(event)
    first, end = captured.outputs
    assert "<svg" not in first.data["text/html"]  # the text picture while the run goes on
    assert "its picture is drawn when it ends" in first.data["text/html"]
    assert "<svg" in end.data["text/html"]


def test_the_widgets_need_their_built_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(widgets, "STATIC", tmp_path)
    reason = widgets.unavailable_reason()
    assert reason is not None and "run: bash scripts/setup.sh" in reason
    assert not widgets.available()


def test_a_saved_notebook_without_widget_state_shows_the_static_picture() -> None:
    nbformat = pytest.importorskip("nbformat")
    nbconvert = pytest.importorskip("nbconvert")
    data, metadata = GraphWidget(numbers.execute_in_process(run_config=CONFIG))._repr_mimebundle_()
    output = nbformat.v4.new_output("display_data", data=data, metadata=metadata)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("w", outputs=[output])])
    page, _resources = nbconvert.HTMLExporter().from_notebook_node(notebook)  # as nbviewer does
    assert '<p class="opbook-summary">succeeded: 2 of 2 steps done' in page
    assert '<div class="opbook-graph"><svg' in page
    assert "model not found" not in page


def test_without_the_bundle_a_widget_says_how_to_build_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setattr(widgets, "STATIC", tmp_path)
    assert "run bash scripts/setup.sh" in widgets.bundle_file("graph.js")
    assert widgets.bundle_file("widgets.css") == ""


# -- the op panel's events, log lines and output preview ------------------------------------------


@op
def chatty(context) -> list:
    context.log.info("making numbers")
    context.log.warning("only three")
    return [1, 2, 3]


@op
def frame(numbers: list):
    import pandas as pd

    return pd.DataFrame({"n": numbers, "square": [n * n for n in numbers]})


@job
def talking():
    frame(chatty())


def test_the_panel_lists_an_ops_events_and_log_lines_when_it_opens() -> None:
    widget = GraphWidget(talking.execute_in_process())
    assert widget.detail == {}  # nothing is made before a panel opens
    widget.selected = "chatty"
    lines = [(e["kind"], e["level"], e["message"]) for e in widget.detail["events"]]
    assert ("log", "INFO", "making numbers") in lines
    assert ("log", "WARNING", "only three") in lines
    assert next(kind for kind, _, _ in lines if kind != "log") == "STEP_START"
    assert lines[-1][0] == "STEP_SUCCESS"


def test_a_failed_op_lists_its_failure_as_an_error_line() -> None:
    widget = GraphWidget(failing.execute_in_process(run_config=CONFIG, raise_on_error=False))
    widget.selected = "broken"
    (failure,) = [e for e in widget.detail["events"] if e["kind"] == "STEP_FAILURE"]
    assert failure["level"] == "ERROR"


def test_the_panel_previews_a_dataframe_output_as_its_head() -> None:
    pytest.importorskip("pandas")
    widget = GraphWidget(talking.execute_in_process())
    widget.selected = "frame"
    table = widget.detail["outputs"]["result"]
    assert table["kind"] == "table"
    assert table["columns"] == ["n", "square"]
    assert table["rows"] == [["1", "1"], ["2", "4"], ["3", "9"]]
    assert table["shape"] == [3, 2]


def test_the_panel_previews_other_outputs_as_their_repr() -> None:
    widget = GraphWidget(talking.execute_in_process())
    widget.selected = "chatty"
    assert widget.detail["outputs"] == {
        "result": {"kind": "repr", "type": "list", "text": "[1, 2, 3]"}
    }


def test_a_long_repr_is_shortened() -> None:
    from opbook.notebook.widgets.graph import MAX_REPR, preview

    shown = preview("x" * 10_000)
    assert len(shown["text"]) == MAX_REPR and shown["text"].endswith("…")


def test_an_output_that_was_not_produced_has_no_preview() -> None:
    widget = GraphWidget(failing.execute_in_process(run_config=CONFIG, raise_on_error=False))
    widget.selected = "broken"
    assert widget.detail["outputs"] == {}


def test_a_definition_has_no_output_previews() -> None:
    widget = GraphWidget(numbers)
    widget.selected = "make"
    assert widget.detail == {"key": "make", "events": []}


def test_a_live_run_refreshes_the_open_panel_of_the_step_it_changes() -> None:
    events = numbers.execute_in_process(run_config=CONFIG).all_events
    widget = GraphWidget(numbers)
    widget.selected = "make"
    start = next(e for e in events if e.event_type_value == "STEP_START" and e.step_key == "make")
    for event in events[: events.index(start) + 1]:
        widget.update(event)
    assert widget.detail["events"][-1]["kind"] == "STEP_START"


def test_log_lines_fed_during_a_run_reach_the_open_panel() -> None:
    result = talking.execute_in_process()
    widget = GraphWidget(talking)
    widget.selected = "chatty"
    for entry in sorted([*result.all_events, *result.logs], key=lambda e: e.timestamp):
        widget.update(entry)
    assert "only three" in [e["message"] for e in widget.detail["events"]]
    assert widget.statuses == {"chatty": "succeeded", "frame": "succeeded"}


# -- collapsing nested graphs ---------------------------------------------------------------------


@graph
def doubled(x: list) -> int:
    return total(x)


@job
def nested():
    doubled(make())


def test_collapsing_a_graph_lays_it_out_as_one_box_of_its_steps() -> None:
    widget = GraphWidget(nested)
    assert "doubled.total" in _nodes(widget)
    widget.collapsed = ["doubled"]
    nodes = _nodes(widget)
    assert "doubled.total" not in nodes
    assert nodes["doubled"]["members"] == ["doubled.total"]


def test_expanding_a_graph_brings_its_steps_back() -> None:
    widget = GraphWidget(nested)
    widget.collapsed = ["doubled"]
    widget.collapsed = []
    assert "doubled.total" in _nodes(widget) and "doubled" not in _nodes(widget)
    assert [c["key"] for c in widget.layout["clusters"]] == ["doubled"]
