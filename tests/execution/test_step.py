"""One attempt of a step: its events, then its failure as a value."""

from __future__ import annotations

from opbook import DagsterInstance, job, op
from opbook.api import _request, prepare_run
from opbook.execution.step import run_step


class Boom(Exception):
    pass


@op
def fails() -> None:
    raise Boom("the user's error")


@op
def works() -> int:
    return 1


@job
def two():
    fails()
    works()


def _attempt(step_key: str):
    request = _request(two, None, None, None, None, None)
    rc = prepare_run(request, DagsterInstance.ephemeral(), raise_on_error=True)
    attempt = run_step(rc, rc.plan.step_dict[step_key])
    kinds = [event.event_type_value for event in attempt]
    return kinds, attempt.failures


def test_a_failed_step_returns_the_users_exception() -> None:
    kinds, failures = _attempt("fails")
    assert kinds[-1] == "STEP_FAILURE"
    assert isinstance(failures["fails"], Boom)


def test_a_successful_step_returns_no_failure() -> None:
    kinds, failures = _attempt("works")
    assert kinds[-1] == "STEP_SUCCESS"
    assert not failures
