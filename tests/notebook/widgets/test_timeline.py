"""The timeline widget's model: one bar per step that started, one lane per process."""

from __future__ import annotations

import copy
import os
import time

import pytest

from opbook import DagsterInstance, execute_pipeline, job, op
from opbook.notebook.status import FILL

pytest.importorskip("anywidget")
from opbook.notebook.widgets.timeline import TimelineWidget, lane_name

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@op
def first() -> int:
    return 1


@op
def second(x: int) -> int:
    return x + 1


@op
def third(x: int) -> int:
    raise ValueError("third fails")


@job
def chain():
    third(second(first()))


def _events() -> list:
    return chain.execute_in_process(raise_on_error=False).all_events


def test_one_bar_per_step_in_start_order_with_its_status() -> None:
    widget = TimelineWidget(chain.execute_in_process(raise_on_error=False))
    assert [(s["key"], s["shade"]) for s in widget.spans] == [
        ("first", "succeeded"),
        ("second", "succeeded"),
        ("third", "failed"),
    ]
    assert all(0 <= s["start"] <= s["end"] <= widget.total for s in widget.spans)
    assert widget.spans[0]["attempts"] == 1
    assert widget.title.startswith("Timeline of run ")


def test_steps_of_this_process_share_one_lane() -> None:
    widget = TimelineWidget(chain, _events())
    assert widget.lanes == ["this process"]
    assert {s["lane"] for s in widget.spans} == {"this process"}


def test_each_worker_process_gets_its_own_lane() -> None:
    events = [copy.copy(e) for e in _events()]
    for event in events:
        if event.step_key == "second":
            event.pid = 4242
    widget = TimelineWidget(chain, events)
    assert widget.lanes == ["this process", "process 4242"]
    assert {s["key"]: s["lane"] for s in widget.spans}["second"] == "process 4242"


def test_lane_names() -> None:
    assert lane_name(os.getpid()) == "this process"
    assert lane_name(7) == "process 7"
    assert lane_name(None) == "steps"


def test_a_running_step_has_no_end_until_it_finishes() -> None:
    events = _events()
    start = next(e for e in events if e.event_type_value == "STEP_START" and e.step_key == "second")
    widget = TimelineWidget()
    for event in events[: events.index(start) + 1]:
        widget.update(event)
    assert widget.patch["spans"][0]["key"] == "second"
    assert widget.patch["spans"][0]["end"] is None
    assert widget.patch["spans"][0]["shade"] == "running"


def test_the_end_of_the_run_sends_every_bar() -> None:
    widget = TimelineWidget()
    for event in _events():
        widget.update(event)
    assert [s["key"] for s in widget.spans] == ["first", "second", "third"]
    assert all(s["end"] is not None for s in widget.spans)


def test_its_output_also_carries_the_static_timeline() -> None:
    widget = TimelineWidget(chain.execute_in_process(raise_on_error=False))
    data, _metadata = widget._repr_mimebundle_()
    assert data[WIDGET_VIEW]["model_id"] == widget.model_id
    assert data["text/html"].startswith('<div class="opbook-timeline"><svg')
    assert FILL["failed"] in data["text/html"]


def test_a_definition_alone_has_no_timeline() -> None:
    with pytest.raises(TypeError, match="TimelineWidget needs a result, or a job and its run"):
        TimelineWidget(chain)


@op
def begin() -> int:
    return 1


@op
def nap(x: int) -> int:
    time.sleep(0.5)  # long enough that the two naps are in two workers at once
    return x


@op
def gather(values: list) -> int:
    return sum(values)


@job
def two_naps():
    first = begin()
    gather([nap.alias("nap_1")(first), nap.alias("nap_2")(first)])


@pytest.mark.slow
def test_a_multiprocess_run_has_one_lane_per_worker_process() -> None:
    result = execute_pipeline(  # execute_in_process always runs in this process
        two_naps,
        run_config={"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}},
        instance=DagsterInstance.ephemeral(),
    )
    widget = TimelineWidget(result)
    pids = {e.pid for e in result.all_events if e.event_type_value == "STEP_START"}
    assert os.getpid() not in pids
    assert sorted(widget.lanes) == sorted(lane_name(pid) for pid in pids)
    assert len(widget.lanes) >= 2  # the two naps ran side by side, in two workers
    lanes = {s["key"]: s["lane"] for s in widget.spans}
    assert lanes["nap_1"] != lanes["nap_2"]
