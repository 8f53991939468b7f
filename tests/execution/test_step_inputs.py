"""``result.inputs_for(step)``: the inputs a step received in a run, read back."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterInstance,
    In,
    Nothing,
    execute_pipeline,
    graph,
    job,
    op,
    reexecute_pipeline,
)
from opbook.errors import DagsterInvariantViolationError


@op
def load() -> list:
    return [1, 2]


@op
def other() -> int:
    return 7


@op
def convert(numbers: list, factor: int = 3) -> int:
    return {}["CHF"]


@op(ins={"parts": In(list)})
def gather(parts: list) -> int:
    return len(parts)


@job
def etl():
    convert(load())
    gather([other(), other.alias("another")()])


def test_a_failed_steps_inputs_are_what_it_received() -> None:
    result = etl.execute_in_process(raise_on_error=False)
    assert result.inputs_for("convert") == {"numbers": [1, 2], "factor": 3}


def test_inputs_call_the_op_by_hand() -> None:
    inputs = etl.execute_in_process(raise_on_error=False).inputs_for("convert")
    with pytest.raises(KeyError, match="CHF"):
        convert(**inputs)


def test_a_fan_in_input_is_a_list() -> None:
    result = etl.execute_in_process(raise_on_error=False)
    assert result.inputs_for("gather") == {"parts": [7, 7]}


def test_the_pipeline_generation_result_and_step_key_spelling() -> None:
    result = execute_pipeline(etl, raise_on_error=False)
    assert result.inputs_for("convert.compute") == {"numbers": [1, 2], "factor": 3}


def test_inputs_of_a_step_in_a_graph() -> None:
    @op
    def double(x: int) -> int:
        return 2 * x

    @graph
    def inner(x):
        return double(x)

    @job
    def nested():
        inner(other())

    result = nested.execute_in_process()
    assert result.inputs_for("inner.double") == {"x": 7}


def test_a_reexecution_reads_inputs_from_the_parent_run() -> None:
    instance = DagsterInstance.ephemeral()
    parent = execute_pipeline(etl, instance=instance, raise_on_error=False)
    child = reexecute_pipeline(
        etl, parent.run_id, step_selection=["convert"], instance=instance, raise_on_error=False
    )
    assert child.inputs_for("convert")["numbers"] == [1, 2]


def test_an_input_from_run_config() -> None:
    @op
    def shout(text: str) -> str:
        return text.upper()

    @job
    def loud():
        shout()

    result = loud.execute_in_process({"ops": {"shout": {"inputs": {"text": "hi"}}}})
    assert result.inputs_for("shout") == {"text": "hi"}


def test_a_step_that_did_not_run_has_no_inputs() -> None:
    @op
    def after(x: int) -> int:
        return x

    @job
    def broken():
        after(convert(load()))

    result = broken.execute_in_process(raise_on_error=False)
    with pytest.raises(DagsterInvariantViolationError, match='Step "after" did not run'):
        result.inputs_for("after")


def test_an_unknown_step_is_named() -> None:
    result = etl.execute_in_process(raise_on_error=False)
    with pytest.raises(DagsterInvariantViolationError, match="There is no step 'nope' in etl"):
        result.inputs_for("nope")


def test_nothing_inputs_are_left_out() -> None:
    @op(ins={"start": In(Nothing)})
    def tail() -> int:
        return 1

    @job
    def ordered():
        tail(start=other())

    assert ordered.execute_in_process().inputs_for("tail") == {}
