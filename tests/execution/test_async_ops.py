"""``async def`` compute functions in runs: coroutines and async generators, in both
generations, and from inside a running event loop (as in Jupyter)."""

from __future__ import annotations

import asyncio

import pytest

from opbook import (
    DagsterTypeCheckDidNotPass,
    Out,
    Output,
    execute_pipeline,
    job,
    op,
    pipeline,
    solid,
)


@op
async def fetch() -> int:
    await asyncio.sleep(0)
    return 20


@op(out={"a": Out(int), "b": Out(int)})
async def stream(n: int):
    yield Output(n, "a")
    await asyncio.sleep(0)
    yield Output(n + 1, "b")


@op
def add(a: int, b: int) -> int:
    return a + b


@job
def async_job():
    a, b = stream(fetch())
    add(a, b)


def test_async_ops_run_in_a_job() -> None:
    result = async_job.execute_in_process()
    assert result.output_for_node("fetch") == 20
    assert result.output_for_node("stream", "b") == 21
    assert result.output_for_node("add") == 41


def test_async_ops_run_inside_a_running_event_loop() -> None:
    async def from_a_notebook_cell():
        return async_job.execute_in_process().output_for_node("add")

    assert asyncio.run(from_a_notebook_cell()) == 41


def test_async_solid_in_a_pipeline() -> None:
    @solid
    async def wait(context):
        await asyncio.sleep(0)
        return context.run_id

    @pipeline
    def waiting():
        wait()

    result = execute_pipeline(waiting)
    assert result.result_for_solid("wait").output_value() == result.run_id


def test_an_async_op_error_and_type_check_fail_the_step() -> None:
    @op
    async def wrong() -> int:
        return "no"  # type: ignore[return-value]

    @op
    async def raises() -> int:
        raise ValueError("async boom")

    @job
    def bad_type():
        wrong()

    @job
    def bad_code():
        raises()

    with pytest.raises(DagsterTypeCheckDidNotPass):
        bad_type.execute_in_process()
    result = bad_code.execute_in_process(raise_on_error=False)
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    assert "async boom" in failure.event_specific_data.error.cause.message


def test_an_async_op_leaves_the_threads_event_loop_in_place() -> None:
    """A run does not clear the thread's event loop: asyncio.get_event_loop() still works."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        assert async_job.execute_in_process().success
        assert asyncio.get_event_loop() is loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()
