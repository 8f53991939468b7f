"""Live progress: one display (display_id) updated in place as steps finish."""

from __future__ import annotations

import time

from IPython.utils.capture import capture_output

import opbook
from opbook import job, op
from opbook.notebook import LiveRun, progress


@op
def one() -> int:
    return 1


@op
def two(x: int) -> int:
    return x + 1


@op
def three(x: int) -> int:
    return x + 1


@job
def counting():
    three(two(one()))


def _feed(live: LiveRun, events) -> list:
    with capture_output() as captured:
        for event in events:
            live(event)
    return captured.outputs


def test_one_display_is_created_then_updated_in_place(ip) -> None:
    events = counting.execute_in_process().event_list
    live = LiveRun(counting, live=True, min_interval=0)
    outputs = _feed(live, events)
    first, *updates = outputs
    display_id = first.transient["display_id"]
    assert not first.update
    assert updates and all(o.update and o.transient["display_id"] == display_id for o in updates)
    assert live.updates == len(outputs)
    assert "running: 0 of 3 steps done (1 running)" in first.data["text/plain"]
    assert "succeeded: 3 of 3 steps done (3 succeeded)" in updates[-1].data["text/plain"]
    assert "<svg" in updates[-1].data["text/html"] and "<progress" in updates[-1].data["text/html"]


def test_redraws_are_throttled_but_the_end_is_always_drawn(ip) -> None:
    events = counting.execute_in_process().event_list
    live = LiveRun(counting, live=True, min_interval=3600)
    outputs = _feed(live, events)
    assert live.updates == len(outputs) == 2
    assert "succeeded: 3 of 3 steps done" in outputs[-1].data["text/plain"]


def test_outside_a_kernel_only_the_final_state_is_shown(ip) -> None:
    with capture_output() as captured:
        result = counting.execute_in_process(progress=True)
    assert result.success
    (output,) = captured.outputs
    assert output.data["text/plain"].startswith(
        "[##############################] succeeded: 3 of 3"
    )


def test_execute_pipeline_and_reexecute_take_progress_too(ip) -> None:
    with capture_output() as captured:
        first = opbook.execute_pipeline(counting, progress=True)
        opbook.reexecute_pipeline(counting, first.run_id, step_selection=["three"], progress=True)
    texts = [o.data["text/plain"] for o in captured.outputs]
    assert len(texts) == 2
    assert "succeeded: 3 of 3 steps done (3 succeeded)" in texts[0]
    # "two" is loaded from the parent run; "one" is neither run nor needed
    assert "(1 succeeded, 1 reused, 1 skipped / not run)" in texts[1]


def test_a_failed_run_ends_failed(ip) -> None:
    @op
    def bad(x: int) -> int:
        raise ValueError("no")

    @job
    def failing():
        bad(one())

    events = failing.execute_in_process(raise_on_error=False).event_list
    outputs = _feed(LiveRun(failing, live=True, min_interval=3600), events)
    assert "failed: 2 of 2 steps done (1 succeeded, 1 failed)" in outputs[-1].data["text/plain"]


def test_progress_true_outside_ipython_shows_nothing(monkeypatch) -> None:
    monkeypatch.setattr(progress, "get_ipython", lambda: None)
    with capture_output() as captured:
        result = counting.execute_in_process(progress=True)
    assert result.success and captured.outputs == []


def test_a_callable_receives_every_event() -> None:
    seen = []
    result = counting.execute_in_process(progress=seen.append)
    assert seen == result.event_list


def test_a_change_too_soon_after_a_redraw_is_drawn_once_the_throttle_allows(ip) -> None:
    events = counting.execute_in_process().event_list
    live = LiveRun(counting, live=True, min_interval=0.2)
    starts = [e for e in events if e.event_type_value == "STEP_START"]
    with capture_output() as captured:
        live(starts[0])  # drawn: the first change
        live(starts[1])  # too soon: waits for the throttle
        assert live.updates == 1
        time.sleep(0.5)
    assert live.updates == 2
    assert "(2 running)" in captured.outputs[-1].data["text/plain"]


def test_drawing_the_start_of_a_step_is_not_part_of_its_duration(ip) -> None:
    def slow_drawing(event) -> None:
        if event.event_type_value == "STEP_START":
            time.sleep(0.3)

    result = counting.execute_in_process(progress=slow_drawing)
    durations = [e.event_specific_data.duration_ms for e in result.event_list if e.is_step_success]
    assert len(durations) == 3 and max(durations) < 200
