"""Type checks a step runs on its inputs and outputs, as the STEP_INPUT and STEP_OUTPUT events
report them, and the failures they cause."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterType,
    DagsterTypeCheckDidNotPass,
    EventMetadataEntry,
    Failure,
    In,
    Out,
    job,
    op,
)
from opbook.events import (
    LoadedInputData,
    StepInputData,
    StepOutputData,
    StepOutputHandle,
    TypeCheckData,
)


def even_check(_context, value):
    if value == "explode":
        raise RuntimeError("checker broke")
    if value % 2:
        raise Failure("odd", metadata_entries=[EventMetadataEntry.int(value, "value")])
    return True


Even = DagsterType(even_check, name="Even")


def run_producing(value: object) -> object:
    @op(out=Out(Even))
    def produce():
        return value

    @job
    def checked():
        produce()

    return checked.execute_in_process(raise_on_error=False)


def output_event(result: object) -> object:
    return next(e for e in result.all_events if e.event_type_value == "STEP_OUTPUT")


def test_a_passing_check_is_reported_on_the_output_event() -> None:
    event = output_event(run_producing(2))
    assert event.message == 'Yielded output "result" of type "Even". (Type check passed).'
    data = event.step_output_data
    assert data.step_output_handle == StepOutputHandle("produce", "result")
    assert data.type_check_data == TypeCheckData(True, "result", None, [])


def test_a_failure_raised_by_a_check_is_a_failed_check_with_its_metadata() -> None:
    result = run_producing(3)
    event = output_event(result)
    assert event.message == 'Yielded output "result" of type "Even". Warning! Type check failed.'
    assert event.step_output_data.type_check_data == TypeCheckData(
        False, "result", "odd", [EventMetadataEntry.int(3, "value")]
    )
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_failure_data.error.cls_name == "DagsterTypeCheckDidNotPass"


def test_an_exception_in_a_check_fails_the_step_naming_the_check() -> None:
    result = run_producing("explode")
    error = next(e for e in result.all_events if e.is_step_failure).step_failure_data.error
    assert error.message == (
        'opbook.errors.DagsterTypeCheckError: Error occurred while type-checking "result" of '
        'step "produce" with type "Even"\n'
    )
    assert error.cause.cls_name == "RuntimeError"


def test_a_trivially_passing_output_reports_a_passed_check() -> None:
    @op
    def number() -> int:
        return 1

    @job
    def trivial():
        number()

    event = output_event(trivial.execute_in_process())
    assert event.step_output_data == StepOutputData(
        StepOutputHandle("number", "result"), TypeCheckData(True, "result", None, []), None, []
    )


@op
def number() -> int:
    return 2


def run_consuming(value: object) -> object:
    @op
    def provide() -> object:
        return value

    @op(ins={"x": In(Even)})
    def consume(x):
        return x

    @job
    def consuming():
        consume(provide())

    return consuming


def input_event(result: object) -> object:
    return next(e for e in result.all_events if e.event_type_value == "STEP_INPUT")


def test_a_trivially_passing_input_reports_a_passed_check() -> None:
    @op
    def takes(x: int) -> int:
        return x

    @job
    def trivial():
        takes(number())

    event = next(
        e for e in trivial.execute_in_process().all_events if e.event_type_value == "STEP_INPUT"
    )
    assert event.event_specific_data == StepInputData("x", TypeCheckData(True, "x", None, []))


def test_a_checked_input_reports_its_check() -> None:
    event = input_event(run_consuming(2).execute_in_process())
    assert event.message == 'Got input "x" of type "Even". (Type check passed).'
    assert event.event_specific_data == StepInputData("x", TypeCheckData(True, "x", None, []))


def test_an_input_failing_its_check_raises_an_error_naming_the_type() -> None:
    with pytest.raises(DagsterTypeCheckDidNotPass) as info:
        run_consuming(3).execute_in_process()
    assert info.value.dagster_type is Even


def test_a_loaded_input_names_its_storage_and_source() -> None:
    @op
    def takes(x: int) -> int:
        return x

    @job
    def loading():
        takes(number())

    event = next(
        e for e in loading.execute_in_process().all_events if e.event_type_value == "LOADED_INPUT"
    )
    # A job loads its inputs through its IO manager, named by its resource key.
    assert event.event_specific_data == LoadedInputData("x", "io_manager", "result", "number")
