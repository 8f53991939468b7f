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
