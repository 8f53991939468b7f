"""What a compute function's result becomes: a returned generator, and a None returned for an
optional output."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opbook import (
    AssetMaterialization,
    DagsterInvariantViolationError,
    ExpectationResult,
    Out,
    Output,
    OutputDefinition,
    SolidDefinition,
    execute_solid,
    job,
    op,
)


def _outputs() -> Iterator[object]:
    yield AssetMaterialization("table")
    yield Output("done")


@op
def returns_a_generator():
    return _outputs()


@job
def generator_job():
    returns_a_generator()


def test_a_returned_generator_is_iterated_for_outputs_and_events() -> None:
    result = generator_job.execute_in_process()
    assert result.output_for_node("returns_a_generator") == "done"
    materialized = [e for e in result.all_events if e.event_type_value == "ASSET_MATERIALIZATION"]
    assert len(materialized) == 1


@op(out=Out(is_required=False))
def maybe():
    return None


@job
def maybe_job():
    maybe()


def test_returning_none_for_an_optional_output_warns(caplog: pytest.LogCaptureFixture) -> None:
    result = maybe_job.execute_in_process()
    assert result.success
    warnings = [r.getMessage() for r in caplog.records if "non-required output" in r.getMessage()]
    assert len(warnings) == 1
    assert 'Value "None" returned for non-required output "result" of op "maybe"' in warnings[0]
    assert 'yield Output(value, "result")' in warnings[0]


def test_a_raw_compute_fn_returning_an_output_is_an_invariant_violation() -> None:
    returns_output = SolidDefinition(
        name="returns_output",
        input_defs=[],
        output_defs=[OutputDefinition()],
        compute_fn=lambda _context, _inputs: Output("foo"),
    )
    with pytest.raises(
        DagsterInvariantViolationError,
        match='Compute function for solid "returns_output" returned an Output rather than '
        "yielding it",
    ):
        execute_solid(returns_output)


def test_returning_an_expectation_result_is_an_invariant_violation() -> None:
    @op(out={})
    def returns_expectation():
        return ExpectationResult(success=True)

    @job
    def expectation_job():
        returns_expectation()

    with pytest.raises(DagsterInvariantViolationError) as info:
        expectation_job.execute_in_process()
    assert str(info.value) == (
        'Error in op "returns_expectation": If you are returning an AssetMaterialization or an '
        "ExpectationResult from op you must yield them to avoid ambiguity with an implied result "
        "from returning a value."
    )
