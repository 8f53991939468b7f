"""Results as DataFrames: one row per event or per step, with stable, typed columns."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from opbook import (
    Out,
    Output,
    RetryRequested,
    execute_pipeline,
    execute_pipeline_iterator,
    job,
    op,
)
from opbook.events import DagsterEvent
from opbook.execution.frames import EVENT_COLUMNS, STEP_COLUMNS, StepStates
from opbook.notebook import events_to_dataframe


@op
def load() -> list[int]:
    return [1, 2, 3]


@op(out={"low": Out(int), "high": Out(int)})
def split(numbers: list[int]):
    yield Output(min(numbers), "low")
    yield Output(max(numbers), "high")


@op
def fail(x: int) -> int:
    raise ValueError(f"cannot take {x}")


@job
def numbers():
    low, _high = split(load())
    fail(low)


def test_event_frame_columns_and_types() -> None:
    result = numbers.execute_in_process(raise_on_error=False)
    frame = result.to_dataframe()
    assert (
        list(frame.columns)
        == EVENT_COLUMNS
        == [
            "run_id",
            "timestamp",
            "event_type",
            "step_key",
            "node",
            "level",
            "message",
            "input_name",
            "output_name",
            "error",
            "duration",
            "metadata",
        ]
    )
    assert isinstance(frame["timestamp"].dtype, pd.DatetimeTZDtype)
    assert isinstance(frame["event_type"].dtype, pd.CategoricalDtype)
    assert "STEP_START" in frame["event_type"].cat.categories
    assert frame["duration"].dtype == "timedelta64[ns]"
    assert (frame["run_id"] == result.run_id).all()
    assert len(frame) == len(result.event_list)


def test_event_frame_values_where_they_apply() -> None:
    result = numbers.execute_in_process(raise_on_error=False)
    frame = result.to_dataframe()
    steps = frame[frame["event_type"].isin(["STEP_INPUT", "STEP_OUTPUT", "STEP_FAILURE"])]
    expected = pd.DataFrame(
        {
            "event_type": [
                "STEP_OUTPUT",
                "STEP_INPUT",
                "STEP_OUTPUT",
                "STEP_OUTPUT",
                "STEP_INPUT",
                "STEP_FAILURE",
            ],
            "step_key": ["load", "split", "split", "split", "fail", "fail"],
            "input_name": [None, "numbers", None, None, "x", None],
            "output_name": ["result", None, "low", "high", None, None],
            "error": [None, None, None, None, None, "ValueError: cannot take 1"],
        },
        dtype=object,  # None, not NaN, where a column does not apply
    )
    actual = steps[expected.columns].reset_index(drop=True)
    actual["event_type"] = actual["event_type"].astype(object)
    assert_frame_equal(actual, expected)


def test_durations_are_set_for_step_ends_and_the_run_end_only() -> None:
    frame = numbers.execute_in_process(raise_on_error=False).to_dataframe()
    timed = frame[frame["duration"].notna()]
    assert timed["event_type"].astype(str).tolist() == [
        "STEP_SUCCESS",
        "STEP_SUCCESS",
        "STEP_FAILURE",
        "RUN_FAILURE",
    ]
    assert (timed["duration"] >= pd.Timedelta(0)).all()
    run_end = timed["duration"].iloc[-1]
    assert run_end >= timed["duration"].iloc[:-1].max()


def test_step_frame_one_row_per_step() -> None:
    result = numbers.execute_in_process(raise_on_error=False)
    frame = result.to_dataframe(per="step")
    assert (
        list(frame.columns)
        == STEP_COLUMNS
        == [
            "step_key",
            "status",
            "start",
            "end",
            "duration",
            "attempts",
            "outputs",
        ]
    )
    assert_series_equal(
        frame["status"].astype(str), pd.Series(["succeeded", "succeeded", "failed"], name="status")
    )
    assert frame["step_key"].tolist() == ["load", "split", "fail"]
    assert frame["outputs"].tolist() == [["result"], ["low", "high"], []]
    assert frame["attempts"].tolist() == [1, 1, 1]
    assert (frame["end"] >= frame["start"]).all()
    assert isinstance(frame["status"].dtype, pd.CategoricalDtype)


def test_retried_step_counts_attempts() -> None:
    tries = []

    @op
    def flaky() -> int:
        tries.append(1)
        if len(tries) < 3:
            raise RetryRequested(max_retries=3)
        return 1

    @job
    def retrying():
        flaky()

    frame = retrying.execute_in_process().to_dataframe(per="step")
    assert frame.loc[0, "attempts"] == 3 and frame.loc[0, "status"] == "succeeded"


def test_pipeline_results_and_step_results_have_frames_too() -> None:
    result = execute_pipeline(numbers, raise_on_error=False)
    assert len(result.to_dataframe()) == len(result.event_list)
    step = result.result_for_solid("split").to_dataframe()
    assert set(step["step_key"]) == {"split"}
    assert (step["run_id"] == result.run_id).all()


def test_iterator_events_make_the_same_frame() -> None:
    events = list(execute_pipeline_iterator(numbers))
    frame = events_to_dataframe(iter(events))
    assert list(frame.columns) == EVENT_COLUMNS
    assert frame["run_id"].nunique() == 1 and frame["run_id"].iloc[0] is not None
    steps = events_to_dataframe(events, per="step", run_id="given")
    assert steps["step_key"].tolist() == ["load", "split", "fail"]
    assert (events_to_dataframe(events, run_id="given")["run_id"] == "given").all()


def test_unknown_per_is_an_error() -> None:
    result = numbers.execute_in_process(raise_on_error=False)
    with pytest.raises(ValueError, match='per must be "event" or "step"'):
        result.to_dataframe(per="node")


def test_empty_event_list_gives_empty_typed_frames() -> None:
    frame = events_to_dataframe([])
    assert list(frame.columns) == EVENT_COLUMNS and frame.empty
    assert isinstance(frame["timestamp"].dtype, pd.DatetimeTZDtype)
    assert list(events_to_dataframe([], per="step").columns) == STEP_COLUMNS


def test_step_states_fold_one_event_at_a_time() -> None:
    result = numbers.execute_in_process(raise_on_error=False)
    states = StepStates()
    seen = []
    for event in result.event_list:
        changed = states.update(event)
        if changed is not None and changed.step_key == "fail":
            seen.append(changed.status)
    assert seen[0] == "running" and seen[-1] == "failed"
    assert states["fail"].error == "ValueError: cannot take 1"


@op
def chatty(context) -> int:
    context.log.debug("starting")
    context.log.info("read %d rows", 3)
    return 3


@job
def talking():
    chatty()


def test_lines_steps_log_are_rows_with_their_level_and_message() -> None:
    result = talking.execute_in_process()
    frame = result.to_dataframe()
    logged = frame[frame["event_type"].isna()]
    assert logged[["step_key", "level", "message"]].values.tolist() == [
        ["chatty", "DEBUG", "starting"],
        ["chatty", "INFO", "read 3 rows"],
    ]
    kinds = frame["event_type"].astype(object).where(frame["event_type"].notna(), "log").tolist()
    assert kinds.index("STEP_START") < kinds.index("log") < kinds.index("STEP_OUTPUT")
    assert (frame[frame["level"] >= "INFO"]["message"] == "read 3 rows").all()


def test_lines_steps_log_are_not_events() -> None:
    result = talking.execute_in_process()
    assert all(isinstance(e, DagsterEvent) for e in result.event_list)
    assert len(result.to_dataframe()) == len(result.event_list) + 2


def test_events_are_debug_and_failures_error_in_the_level_column() -> None:
    frame = numbers.execute_in_process(raise_on_error=False).to_dataframe()
    levels = dict(zip(frame["event_type"].astype(str), frame["level"].astype(str), strict=False))
    assert levels["STEP_START"] == "DEBUG" and levels["STEP_FAILURE"] == "ERROR"
