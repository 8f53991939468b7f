"""RetryPolicy's delay, backoff and jitter: the wait before each retry, as Dagster 0.13.19."""

from __future__ import annotations

import time

import pytest

from opbook import (
    Backoff,
    DagsterInvalidDefinitionError,
    Failure,
    Jitter,
    RetryPolicy,
    job,
    op,
)
from opbook.errors import CheckError


def test_without_delay_the_wait_is_zero() -> None:
    assert [RetryPolicy().calculate_delay(n) for n in (1, 2, 3)] == [0, 0, 0]


def test_a_plain_delay_is_the_same_for_every_retry() -> None:
    assert [RetryPolicy(delay=1).calculate_delay(n) for n in (1, 2, 3)] == [1, 1, 1]


def test_linear_backoff_multiplies_the_delay_by_the_retry_number() -> None:
    policy = RetryPolicy(delay=1, backoff=Backoff.LINEAR)
    assert [policy.calculate_delay(n) for n in (1, 2, 3)] == [1, 2, 3]


def test_exponential_backoff_waits_two_to_the_n_minus_one_delays() -> None:
    policy = RetryPolicy(delay=1, backoff=Backoff.EXPONENTIAL)
    assert [policy.calculate_delay(n) for n in (1, 2, 3)] == [1, 3, 7]


def test_full_jitter_waits_a_random_part_of_the_backoff() -> None:
    policy = RetryPolicy(delay=1, backoff=Backoff.EXPONENTIAL, jitter=Jitter.FULL)
    assert all(0 <= policy.calculate_delay(3) < 7 for _ in range(100))


def test_plus_minus_jitter_moves_the_wait_by_up_to_one_delay() -> None:
    policy = RetryPolicy(delay=1, backoff=Backoff.LINEAR, jitter=Jitter.PLUS_MINUS)
    assert all(2 <= policy.calculate_delay(3) < 4 for _ in range(100))


@pytest.mark.parametrize(
    "kwargs, named",
    [({"backoff": Backoff.LINEAR}, "backoff"), ({"jitter": Jitter.FULL}, "jitter")],
)
def test_backoff_or_jitter_without_delay_is_a_definition_error(kwargs, named) -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=f"Can not set {named} on RetryPolicy without also setting delay",
    ):
        RetryPolicy(**kwargs)


def test_a_backoff_that_is_not_a_member_names_the_param() -> None:
    with pytest.raises(CheckError, match='Param "backoff" is not a Backoff'):
        RetryPolicy(delay=1, backoff="LINEAR")  # type: ignore[arg-type]


def test_the_step_waits_the_backoff_before_each_retry() -> None:
    attempts: list[float] = []

    @op(retry_policy=RetryPolicy(max_retries=2, delay=0.05, backoff=Backoff.EXPONENTIAL))
    def flaky() -> None:
        attempts.append(time.monotonic())
        raise ValueError("try again")

    @job
    def flaky_job():
        flaky()

    result = flaky_job.execute_in_process(raise_on_error=False)
    assert not result.success
    assert attempts[1] - attempts[0] >= 0.05
    assert attempts[2] - attempts[1] >= 0.15


def test_the_retry_event_says_how_long_the_step_waits() -> None:
    @op(retry_policy=RetryPolicy(max_retries=1, delay=0.01, backoff=Backoff.LINEAR))
    def flaky() -> None:
        raise ValueError("try again")

    @job
    def flaky_job():
        flaky()

    result = flaky_job.execute_in_process(raise_on_error=False)
    retry = next(e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY")
    assert retry.event_specific_data.seconds_to_wait == 0.01
    assert (
        retry.message
        == 'Execution of step "flaky" failed and has requested a retry in 0.01 seconds.'
    )


def test_a_failure_raised_under_a_retry_policy_is_retried() -> None:
    calls: list[int] = []

    @op(retry_policy=RetryPolicy(max_retries=1))
    def fails_on_purpose() -> None:
        calls.append(1)
        raise Failure("not yet")

    @job
    def failure_job():
        fails_on_purpose()

    result = failure_job.execute_in_process(raise_on_error=False)
    assert not result.success
    assert len(calls) == 2
