"""What a failing step does: the STEP_FAILURE payload, and what ``raise_on_error`` re-raises
(the user's own exception, ``Failure``, or a Dagster error as itself; exhausted or disabled
retries never raise)."""

from __future__ import annotations

import threading

import pytest

from opbook import (
    DagsterEventType,
    DagsterExecutionStepExecutionError,
    DagsterInstance,
    DagsterInvariantViolationError,
    DagsterStepOutputNotFoundError,
    DagsterType,
    DagsterTypeCheckDidNotPass,
    EventMetadataEntry,
    ExpectationResult,
    Failure,
    In,
    Out,
    Output,
    PipelineRunStatus,
    RetryPolicy,
    RetryRequested,
    execute_pipeline,
    execute_pipeline_iterator,
    job,
    lambda_solid,
    op,
    pipeline,
    solid,
)
from opbook.events import ErrorSource

ORIGINAL = ValueError("kaboom")


@op
def return_one() -> int:
    return 1


@op
def boom(x: int) -> int:
    raise ORIGINAL


@op
def after(x: int) -> int:
    return x


@job
def failing_job():
    after(boom(return_one()))
    return_one.alias("independent")()


def failure_event(events: list) -> object:
    return next(e for e in events if e.is_step_failure)


# -- the failure payload -------------------------------------------------------------------------


def test_step_failure_carries_the_wrapper_with_the_user_error_as_cause() -> None:
    result = failing_job.execute_in_process(raise_on_error=False)
    assert not result.success
    data = failure_event(result.all_events).step_failure_data
    assert data.error.cls_name == "DagsterExecutionStepExecutionError"
    assert 'Error occurred while executing op "boom":' in data.error.message
    assert data.error.cause.cls_name == "ValueError"
    assert data.error.cause.message.strip() == "ValueError: kaboom"
    assert any("raise ORIGINAL" in line for line in data.error.cause.stack)
    assert data.user_failure_data is None
    assert data.error_source is ErrorSource.USER_CODE_ERROR


def test_solid_failure_wrapper_says_solid() -> None:
    @lambda_solid
    def explode():
        raise KeyError("k")

    @pipeline
    def exploding():
        explode()

    result = execute_pipeline(exploding, raise_on_error=False)
    error = result.result_for_solid("explode").failure_data.error
    assert 'Error occurred while executing solid "explode":' in error.message
    assert error.cause.cls_name == "KeyError"


def test_independent_steps_still_run_after_a_failure() -> None:
    result = failing_job.execute_in_process(raise_on_error=False)
    assert result.output_for_node("independent") == 1
    assert result.events_for_node("after") == []


# -- raise_on_error ------------------------------------------------------------------------------


def test_raise_on_error_reraises_the_original_exception_object() -> None:
    with pytest.raises(ValueError) as info:
        failing_job.execute_in_process()
    assert info.value is ORIGINAL


def test_execute_pipeline_reraises_the_original_exception_object() -> None:
    with pytest.raises(ValueError) as info:
        execute_pipeline(failing_job)
    assert info.value is ORIGINAL


def test_raise_on_error_stops_the_run_and_records_it_as_failed() -> None:
    instance = DagsterInstance.ephemeral()
    with pytest.raises(ValueError):
        failing_job.execute_in_process(instance=instance)
    (run,) = instance.get_runs()
    assert run.status == PipelineRunStatus.FAILURE
    events = instance.all_logs(run.run_id)
    assert events[-1].event_type is DagsterEventType.RUN_FAILURE
    assert events[-1].message.endswith("An exception was thrown during execution.")
    assert "after" not in {e.step_key for e in events}


def test_failure_is_reraised_with_its_metadata_on_the_event() -> None:
    @op
    def fails_on_purpose():
        raise Failure(
            description="bad data",
            metadata_entries=[EventMetadataEntry.text("v", "k")],
            metadata={"rows": 3},
        )

    @job
    def purposeful():
        fails_on_purpose()

    with pytest.raises(Failure) as info:
        purposeful.execute_in_process()
    assert str(info.value) == "bad data"
    assert info.value.description == "bad data"

    result = purposeful.execute_in_process(raise_on_error=False)
    data = failure_event(result.all_events).step_failure_data
    assert data.user_failure_data.label == "intentional-failure"
    assert data.user_failure_data.description == "bad data"
    labels = [(e.label, e.entry_data) for e in data.user_failure_data.metadata_entries]
    assert labels[0][0] == "k" and labels[0][1].text == "v"
    assert labels[1][0] == "rows" and labels[1][1].value == 3
    assert data.error.cls_name == "Failure"


def test_type_check_failure_is_reraised_as_itself() -> None:
    @op(out=Out(int))
    def not_int():
        return "s"

    @job
    def bad():
        not_int()

    with pytest.raises(DagsterTypeCheckDidNotPass) as info:
        bad.execute_in_process()
    assert str(info.value) == (
        'Type check failed for step output "result" - expected type "Int". '
        'Description: Value "s" of python type "str" must be a int.'
    )
    assert info.value.dagster_type.name == "Int"
    assert info.value.description is not None


def test_a_raising_type_check_function_reraises_the_user_error() -> None:
    class CheckBroke(Exception):
        pass

    def check(_context, _value):
        raise CheckBroke("in the check")

    broken_type = DagsterType(check, name="Broken")

    @op(ins={"x": In(broken_type)})
    def takes_broken(x):
        return x

    @job
    def broken():
        takes_broken(return_one())

    with pytest.raises(CheckBroke):
        broken.execute_in_process()
    result = broken.execute_in_process(raise_on_error=False)
    error = failure_event(result.all_events).step_failure_data.error
    assert error.cls_name == "DagsterTypeCheckError"
    assert error.cause.cls_name == "CheckBroke"


@pytest.mark.parametrize("raise_on_error", [True, False])
def test_exhausted_and_disabled_retries_never_raise(raise_on_error: bool) -> None:
    @op
    def always_retries():
        raise RetryRequested(max_retries=1)

    @job
    def retries():
        always_retries()

    exhausted = retries.execute_in_process(raise_on_error=raise_on_error)
    assert not exhausted.success
    disabled = retries.execute_in_process(
        raise_on_error=raise_on_error,
        run_config={"execution": {"config": {"in_process": {"retries": {"disabled": {}}}}}},
    )
    assert not disabled.success
    pipeline_result = execute_pipeline(retries, raise_on_error=raise_on_error)
    assert not pipeline_result.success


def test_retry_requested_from_an_exception_keeps_it_as_the_cause() -> None:
    @op
    def wraps():
        try:
            raise ConnectionError("flaky network")
        except ConnectionError as exc:
            raise RetryRequested(max_retries=0) from exc

    @job
    def wrapped():
        wraps()

    result = wrapped.execute_in_process()
    error = failure_event(result.all_events).step_failure_data.error
    assert error.message == "Exceeded max_retries of 0"


# -- errors the engine raises inside a step --------------------------------------------------------


def test_missing_required_output() -> None:
    @op(out={"a": Out(), "b": Out()})
    def only_a():
        yield Output(1, "a")

    @job
    def missing():
        only_a()

    with pytest.raises(DagsterStepOutputNotFoundError) as info:
        missing.execute_in_process()
    assert (
        str(info.value)
        == 'Core compute for op "only_a" did not return an output for non-optional output "b"'
    )
    assert info.value.step_key == "only_a"
    assert info.value.output_name == "b"


def test_undeclared_output_and_duplicate_output() -> None:
    @op
    def unknown_output():
        yield Output(1, "nope")

    @op
    def twice():
        yield Output(1)
        yield Output(2)

    @job
    def undeclared():
        unknown_output()

    @job
    def duplicated():
        twice()

    with pytest.raises(
        DagsterInvariantViolationError, match='returned an output "nope" that does not exist'
    ):
        undeclared.execute_in_process()
    with pytest.raises(
        DagsterInvariantViolationError, match='returned an output "result" multiple times'
    ):
        duplicated.execute_in_process()


def test_yielding_a_plain_value_is_an_error() -> None:
    @op
    def yields_value():
        yield 5

    @job
    def plain():
        yields_value()

    with pytest.raises(
        DagsterInvariantViolationError, match="yielded a value of type <class 'int'>"
    ):
        plain.execute_in_process()


def test_returning_a_value_from_an_op_without_outputs() -> None:
    @solid(output_defs=[])
    def no_outputs(context):
        return 5

    @pipeline
    def returns():
        no_outputs()

    with pytest.raises(DagsterInvariantViolationError, match="It is defined to return no results"):
        execute_pipeline(returns)


def test_user_exception_raised_while_a_generator_yields() -> None:
    @op
    def gen():
        yield ExpectationResult(True, "first")
        raise ORIGINAL

    @job
    def generator_fails():
        gen()

    result = generator_fails.execute_in_process(raise_on_error=False)
    kinds = [e.event_type_value for e in result.all_events if e.step_key == "gen"]
    assert kinds == ["STEP_START", "STEP_EXPECTATION_RESULT", "STEP_FAILURE"]
    with pytest.raises(ValueError) as info:
        generator_fails.execute_in_process()
    assert info.value is ORIGINAL


def test_wrapper_error_attributes() -> None:
    result = failing_job.execute_in_process(raise_on_error=False)
    assert failure_event(result.all_events).step_failure_data.error.cls_name == (
        DagsterExecutionStepExecutionError.__name__
    )
    error = DagsterExecutionStepExecutionError(
        "msg", user_exception=ORIGINAL, step_key="s", op_name="o", op_def_name="d"
    )
    assert (error.step_key, error.op_name, error.op_def_name) == ("s", "o", "d")
    assert (error.solid_name, error.solid_def_name) == ("o", "d")
    assert error.user_exception is ORIGINAL
    assert error.original_exc_info[1] is ORIGINAL
    assert error.is_user_code_error


# -- the iterator ----------------------------------------------------------------------------------


def test_iterator_never_raises_step_errors() -> None:
    events = list(execute_pipeline_iterator(failing_job))
    assert events[-1].event_type is DagsterEventType.RUN_FAILURE
    assert sum(e.is_step_failure for e in events) == 1


def test_keyboard_interrupt_cancels_the_run_and_propagates() -> None:
    @op
    def interrupted():
        raise KeyboardInterrupt

    @job
    def stopping():
        interrupted()

    instance = DagsterInstance.ephemeral()
    with pytest.raises(KeyboardInterrupt):
        stopping.execute_in_process(instance=instance, raise_on_error=False)
    (run,) = instance.get_runs()
    assert run.status == PipelineRunStatus.CANCELED
    kinds = [e.event_type_value for e in instance.all_logs(run.run_id)]
    assert kinds[-2:] == ["STEP_FAILURE", "PIPELINE_CANCELED"]


def test_an_output_the_storage_cannot_keep_fails_its_step(tmp_path) -> None:
    from opbook import DagsterError

    @lambda_solid
    def makes_generator():
        # unpicklable, and not a generator (a returned generator is iterated for its outputs)
        return threading.Lock()

    @pipeline
    def unpicklable():
        makes_generator()

    storage = {"storage": {"filesystem": {"config": {"base_dir": str(tmp_path)}}}}
    result = execute_pipeline(unpicklable, storage, raise_on_error=False)
    error = result.result_for_solid("makes_generator").failure_data.error
    assert error.cls_name == "DagsterObjectStoreError"
    assert 'Could not store output "result" of step "makes_generator"' in error.message
    with pytest.raises(DagsterError, match="Could not store output"):
        execute_pipeline(unpicklable, storage)


def test_an_engine_bug_fails_the_step_and_is_always_raised(monkeypatch) -> None:
    from opbook.execution import step as step_module

    def broken_duration(ms: float) -> str:
        raise RuntimeError("engine bug")

    monkeypatch.setattr(step_module, "format_duration", broken_duration)
    instance = DagsterInstance.ephemeral()
    with pytest.raises(RuntimeError, match="engine bug"):
        failing_job.execute_in_process(instance=instance, raise_on_error=False)
    (run,) = instance.get_runs()
    events = instance.all_logs(run.run_id)
    failure = failure_event(events)
    assert failure.step_failure_data.error_source is ErrorSource.UNEXPECTED_ERROR
    assert events[-1].event_type is DagsterEventType.RUN_FAILURE
    assert run.status == PipelineRunStatus.FAILURE


def test_a_keyboard_interrupt_is_reported_as_the_steps_failure() -> None:
    @op
    def interrupted():
        raise KeyboardInterrupt

    @job
    def stopping():
        interrupted()

    instance = DagsterInstance.ephemeral()
    with pytest.raises(KeyboardInterrupt):
        stopping.execute_in_process(instance=instance, raise_on_error=False)
    (run,) = instance.get_runs()
    failure = failure_event(instance.all_logs(run.run_id))
    assert failure.message == 'Execution of step "interrupted" failed.'
    assert failure.step_failure_data.error.cls_name == "KeyboardInterrupt"
    assert failure.step_failure_data.error_source is ErrorSource.INTERRUPT


def test_exhausted_retries_of_a_retry_policy_report_the_last_error_as_the_cause() -> None:
    @op(retry_policy=RetryPolicy(max_retries=1))
    def always_fails():
        raise ValueError("again")

    @job
    def with_policy():
        always_fails()

    failure = failure_event(with_policy.execute_in_process(raise_on_error=False).all_events)
    assert failure.message == 'Execution of step "always_fails" failed.'
    data = failure.step_failure_data
    assert data.error_source is ErrorSource.USER_CODE_ERROR and data.user_failure_data is None
    assert data.error.message == "Exceeded max_retries of 1"
    assert data.error.stack == []
    assert data.error.cls_name == "DagsterExecutionStepExecutionError"
    assert data.error.cause.cls_name == "DagsterExecutionStepExecutionError"
    assert data.error.cause.cause.cls_name == "ValueError"


def _refuse_to_load() -> object:
    raise RuntimeError("cannot rebuild")


class LoadsBadly:
    """Stored fine; raises when read back."""

    def __reduce__(self) -> tuple:
        return (_refuse_to_load, ())


def test_a_value_the_storage_cannot_give_back_fails_the_step_reading_it(tmp_path) -> None:
    @op
    def makes() -> object:
        return LoadsBadly()

    @op
    def reads(value: object) -> object:
        return value

    @pipeline  # intermediate storage is the pipeline generation's
    def round_trip():
        reads(makes())

    storage = {"intermediate_storage": {"filesystem": {"config": {"base_dir": str(tmp_path)}}}}
    result = round_trip.execute_in_process(run_config=storage, raise_on_error=False)
    error = failure_event(result.all_events).step_failure_data.error
    assert error.cls_name == "DagsterObjectStoreError"
    assert error.message.startswith(
        'opbook.errors.DagsterObjectStoreError: Could not load input "value" of step "reads" '
        'from output "result" of step "makes" (in the filesystem at '
    )
    assert error.cause.cls_name == "RuntimeError"


def test_a_failure_event_carries_the_run_and_step_like_the_steps_other_events() -> None:
    result = failing_job.execute_in_process(raise_on_error=False)
    start = next(e for e in result.all_events if e.is_step_start and e.step_key == "boom")
    failure = failure_event(result.all_events)
    assert failure.pipeline_name == "failing_job"
    assert failure.step_kind_value == "COMPUTE"
    assert failure.logging_tags == start.logging_tags


def test_an_error_of_the_framework_in_a_step_is_reported_as_such() -> None:
    @op
    def wrong_output():
        yield Output(1, "nope")

    @job
    def wrong():
        wrong_output()

    failure = failure_event(wrong.execute_in_process(raise_on_error=False).all_events)
    assert failure.step_failure_data.error.cls_name == "DagsterInvariantViolationError"
    assert failure.step_failure_data.error_source is ErrorSource.FRAMEWORK_ERROR


def test_the_error_of_a_storage_that_cannot_keep_an_output_is_the_cause(tmp_path) -> None:
    @op
    def makes_a_lock():
        return threading.Lock()  # no pickler can store a lock

    @pipeline  # intermediate storage is the pipeline generation's
    def unpicklable():
        makes_a_lock()

    storage = {"intermediate_storage": {"filesystem": {"config": {"base_dir": str(tmp_path)}}}}
    result = unpicklable.execute_in_process(run_config=storage, raise_on_error=False)
    error = failure_event(result.all_events).step_failure_data.error
    assert error.cause is not None and error.cause.cls_name == "TypeError"
