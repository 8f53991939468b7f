"""The exception tree: Dagster's names and bases, and the context errors carry."""

from __future__ import annotations

import pytest

import opbook
from opbook import errors


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("DagsterInvalidDefinitionError", "DagsterError"),
        ("DagsterInvalidConfigDefinitionError", "DagsterInvalidDefinitionError"),
        ("DagsterInvalidConfigError", "DagsterError"),
        ("DagsterInvariantViolationError", "DagsterError"),
        ("DagsterInvalidSubsetError", "DagsterError"),
        ("DagsterExecutionStepNotFoundError", "DagsterError"),
        ("DagsterRunNotFoundError", "DagsterError"),
        ("DagsterStepOutputNotFoundError", "DagsterError"),
        ("DagsterTypeCheckDidNotPass", "DagsterError"),
        ("DagsterUnmetExecutorRequirementsError", "DagsterError"),
        ("DagsterUnknownResourceError", "DagsterError"),
        ("DagsterInvalidPropertyError", "DagsterError"),
        ("DagsterSubprocessError", "DagsterError"),
        ("DagsterUserCodeExecutionError", "DagsterError"),
        ("DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError"),
        ("DagsterResourceFunctionError", "DagsterUserCodeExecutionError"),
        ("DagsterTypeCheckError", "DagsterUserCodeExecutionError"),
        ("DagsterConfigMappingFunctionError", "DagsterUserCodeExecutionError"),
        ("HookExecutionError", "DagsterUserCodeExecutionError"),
    ],
)
def test_public_errors_have_dagsters_bases(name: str, base: str) -> None:
    assert issubclass(getattr(opbook, name), getattr(opbook, base))


def test_special_bases() -> None:
    assert issubclass(opbook.DagsterUnknownResourceError, AttributeError)
    assert not issubclass(errors.CheckError, opbook.DagsterError)
    assert issubclass(errors.ParameterCheckError, errors.CheckError)
    assert not issubclass(opbook.DagsterExecutionInterruptedError, Exception)
    assert issubclass(opbook.DagsterExecutionInterruptedError, BaseException)
    assert not issubclass(opbook.Failure, opbook.DagsterError)
    assert not issubclass(opbook.RetryRequested, opbook.DagsterError)


def test_user_code_errors_keep_the_user_exception() -> None:
    original = KeyError("k")
    error = opbook.DagsterResourceFunctionError(
        "wrapped", user_exception=original, resource_name="db"
    )
    assert error.is_user_code_error
    assert error.user_exception is original
    assert error.original_exc_info is not None and error.original_exc_info[1] is original
    assert error.resource_name == "db"  # type: ignore[attr-defined]
    assert not opbook.DagsterInvariantViolationError("x").is_user_code_error


def test_invalid_config_error_lists_every_problem() -> None:
    class Problem:
        def __init__(self, message: str) -> None:
            self.message = message

    error = opbook.DagsterInvalidConfigError(
        "Error in config for job j", [Problem("one"), Problem("two")], {"a": 1}
    )
    assert str(error) == "Error in config for job j\n    Error 1: one\n    Error 2: two"
    assert error.error_messages == ["one", "two"]
    assert error.config_value == {"a": 1}
    assert len(error.errors) == 2


def test_errors_with_context_attributes() -> None:
    assert opbook.DagsterExecutionStepNotFoundError("m", ["a"]).step_keys == ["a"]
    assert opbook.DagsterRunNotFoundError("m", "r1").run_id == "r1"
    missing = opbook.DagsterStepOutputNotFoundError("m", "s", "o")
    assert (missing.step_key, missing.output_name) == ("s", "o")
    check = opbook.DagsterTypeCheckDidNotPass("d", [], opbook.Int)
    assert (check.description, check.dagster_type) == ("d", opbook.Int)
    unknown = opbook.DagsterUnknownResourceError("db")
    assert unknown.resource_name == "db"
    assert "Unknown resource `db`" in str(unknown)


def _raise(exc: BaseException) -> None:
    raise exc


def test_boundary_wraps_a_user_exception_in_its_error_class() -> None:
    original = ValueError("bad")
    with (
        pytest.raises(opbook.DagsterResourceFunctionError) as caught,
        errors.user_code_boundary(
            opbook.DagsterResourceFunctionError, "resource failed", resource_name="db"
        ),
    ):
        _raise(original)
    error = caught.value
    assert str(error) == "resource failed"
    assert error.user_exception is original
    assert error.__cause__ is original
    assert error.resource_name == "db"  # type: ignore[attr-defined]


def test_boundary_keeps_the_user_traceback() -> None:
    with (
        pytest.raises(opbook.HookExecutionError) as caught,
        errors.user_code_boundary(opbook.HookExecutionError, "hook failed"),
    ):
        _raise(KeyError("k"))
    exc_info = caught.value.original_exc_info
    assert exc_info is not None and exc_info[0] is KeyError
    assert exc_info[2] is not None and exc_info[2].tb_next is not None
    assert exc_info[2].tb_next.tb_frame.f_code.co_name == "_raise"


def test_boundary_message_may_name_the_user_exception() -> None:
    with (
        pytest.raises(opbook.DagsterConfigMappingFunctionError, match="raised: KeyError"),
        errors.user_code_boundary(
            opbook.DagsterConfigMappingFunctionError, lambda exc: f"raised: {exc!r}"
        ),
    ):
        _raise(KeyError("k"))


def test_boundary_never_wraps_a_dagster_error_again() -> None:
    inner = opbook.DagsterTypeCheckError("inner", user_exception=KeyError("k"))
    with (
        pytest.raises(opbook.DagsterTypeCheckError) as caught,
        errors.user_code_boundary(opbook.HookExecutionError, "outer"),
    ):
        _raise(inner)
    assert caught.value is inner


def test_boundary_passes_control_flow_and_interrupts_through() -> None:
    failure = opbook.Failure("on purpose")
    with (
        pytest.raises(opbook.Failure) as caught,
        errors.user_code_boundary(opbook.HookExecutionError, "x", (opbook.Failure,)),
    ):
        _raise(failure)
    assert caught.value is failure
    with (
        pytest.raises(KeyboardInterrupt),
        errors.user_code_boundary(opbook.HookExecutionError, "x"),
    ):
        _raise(KeyboardInterrupt())


def test_user_exception_of_unwraps_a_boundary_error() -> None:
    original = KeyError("k")
    wrapped = opbook.HookExecutionError("x", user_exception=original)
    plain = opbook.DagsterInvariantViolationError("y")
    assert errors.user_exception_of(wrapped) is original
    assert errors.user_exception_of(plain) is plain
