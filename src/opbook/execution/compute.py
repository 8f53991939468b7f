"""Calling the user's compute function and turning what it returns or yields into a stream of
``Output`` / ``AssetMaterialization`` / ``ExpectationResult`` objects.

The function runs inside the step's ``user_code_boundary``: any plain exception it raises (also
while a generator is iterated) becomes a ``DagsterExecutionStepExecutionError`` chained to it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from types import GeneratorType
from typing import Any

from opbook.definitions.user_events import (
    AssetMaterialization,
    DynamicOutput,
    ExpectationResult,
    Failure,
    Output,
    RetryRequested,
)
from opbook.errors import (
    DagsterExecutionStepExecutionError,
    DagsterInvariantViolationError,
    user_code_boundary,
)

_YIELDABLE = (Output, DynamicOutput, AssetMaterialization, ExpectationResult)
# What user code raises to steer its step: passed through the boundary as itself.
_CONTROL_FLOW = (Failure, RetryRequested)
_END = object()


def step_boundary(step: Any) -> user_code_boundary:
    """The boundary around a step's compute function: made once per step (it keeps no state)."""
    boundary: user_code_boundary | None = step.memo.get("boundary")
    if boundary is None:
        kind = "op" if step.definition.node_kind == "op" else "solid"
        boundary = step.memo["boundary"] = user_code_boundary(
            DagsterExecutionStepExecutionError,
            f'Error occurred while executing {kind} "{step.node.name}":',
            _CONTROL_FLOW,
            step_key=step.key,
            op_name=step.node.name,
            op_def_name=step.definition.name,
        )
    return boundary


def run_coroutine(coroutine: Any) -> Any:
    """Run a coroutine to completion, also when an event loop is already running (Jupyter)."""
    import asyncio  # imported by the first async op: asyncio costs ~50 ms at `import opbook`

    def run_on_private_loop() -> Any:
        # Not asyncio.run(): that clears the thread's current event loop when it ends, so user
        # code calling asyncio.get_event_loop() afterwards (as Dagster's own tests do) would fail.
        loop = asyncio.new_event_loop()
        try:
            return loop.run_until_complete(coroutine)
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run_on_private_loop()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = run_on_private_loop()
        except BaseException as exc:  # re-raised in the calling thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="opbook-async-op")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box.get("value")


def _collect_async_gen(agen: Any) -> list[Any]:
    async def collect() -> list[Any]:
        return [item async for item in agen]

    return run_coroutine(collect())


def call_compute(context: Any, step: Any, values: dict[str, Any]) -> Any:
    """Call the function; a plain exception is wrapped, control flow passes through."""
    compute = step.definition.compute
    # The step's boundary written out as try/except (this runs once per step): what its
    # ``with`` does, without calling __enter__ and __exit__.
    try:
        if compute.takes_inputs_dict:
            result = compute.fn(context, dict(values))
            if isinstance(result, Output):
                kind = step.definition.node_kind
                raise DagsterInvariantViolationError(
                    f'Compute function for {kind} "{step.node.name}" returned an Output rather '
                    f"than yielding it. The compute_fn of the {kind} must yield its results"
                )
            return () if result is None else result
        # ``values`` holds exactly the inputs that carry data, all of them parameters of the
        # function (or taken by its ``**kwargs``): the definition checks that.
        result = compute.fn(context, **values) if compute.takes_context else compute.fn(**values)
        if compute.is_async:
            result = run_coroutine(result)
        elif compute.is_async_generator:
            result = iter(_collect_async_gen(result))
        return result
    except Exception as exc:
        boundary = step.memo.get("boundary") or step_boundary(step)
        if isinstance(exc, boundary.passthrough):
            raise
        raise boundary.wrapped(exc) from exc


def iterate_compute(
    context: Any, step: Any, values: dict[str, Any], log_of: Callable[[], Any] | None = None
) -> Iterable[Any]:
    """The outputs and events of one call of the compute function, in order: a list of
    ``Output`` objects when the function returns, an iterator running the function when it
    yields.  ``log_of`` gives the step's log, made only when there is something to warn of
    (most steps never need one)."""
    compute = step.definition.compute
    result = call_compute(context, step, values)
    if compute.is_generator or compute.is_async_generator or isinstance(result, GeneratorType):
        # a plain function may also return a generator: its items are the outputs and events
        return _iterate_generator(context, step, iter(result))
    if isinstance(result, (AssetMaterialization, ExpectationResult)):
        kind = step.definition.node_kind
        raise DagsterInvariantViolationError(
            f'Error in {kind} "{step.handle}": If you are returning an AssetMaterialization or an '
            f"ExpectationResult from {kind} you must yield them to avoid ambiguity with an "
            "implied result from returning a value."
        )
    outputs = step.definition.output_defs
    if result is None and len(outputs) == 1 and not outputs[0].is_required and log_of is not None:
        _warn_none_for_optional_output(log_of(), step, outputs[0].name)
    return _outputs_of_return(step, result)


def _warn_none_for_optional_output(log: Any, step: Any, output_name: str) -> None:
    kind = step.definition.node_kind
    log.warning(
        f'Value "None" returned for non-required output "{output_name}" of {kind} '
        f'"{step.handle}". This value will be passed to downstream {kind}s. For '
        f'conditional execution use\n  yield Output(value, "{output_name}")\nwhen you want the '
        f"downstream {kind}s to execute, and do not yield it when you want downstream solids to "
        "skip."
    )


def _iterate_generator(context: Any, step: Any, generator: Iterator[Any]) -> Iterator[Any]:
    boundary = step.memo.get("boundary") or step_boundary(step)
    while True:
        with boundary:
            item = next(generator, _END)
        if item is _END:
            return
        if not isinstance(item, _YIELDABLE):
            definition = step.definition
            raise DagsterInvariantViolationError(
                f'Compute function for {definition.node_kind} "{step.node.name}" yielded a value of type '
                f"{type(item)} rather than an instance of Output, AssetMaterialization, or ExpectationResult. "
                f"Values yielded by {definition.node_kind}s must be wrapped in one of these types. If your "
                f"{definition.node_kind} has a single output and yields no other events, you may want to use "
                "`return` instead of `yield` in the body of its compute function."
            )
        yield item


def _outputs_of_return(step: Any, result: Any) -> list[Any]:
    definition = step.definition
    outputs = definition.output_defs
    if isinstance(result, Output):
        return [result]
    if definition.compute.returns_tuple:
        if result is None and all(o.dagster_type.is_nothing or not o.is_required for o in outputs):
            return []  # nothing to return: Nothing outputs are produced after the function
        if not isinstance(result, tuple) or len(result) != len(outputs):
            raise DagsterInvariantViolationError(
                f'{definition.node_kind.capitalize()} "{step.node.name}" has {len(outputs)} outputs '
                f"{[o.name for o in outputs]}, so its compute function must return a tuple of {len(outputs)} "
                f"values; it returned {type(result).__name__} {result!r:.80}."
            )
        return [
            value if isinstance(value, Output) else Output(value, output_def.name)
            for output_def, value in zip(outputs, result, strict=True)
        ]
    if not outputs:
        if result is not None:
            raise DagsterInvariantViolationError(
                f'{definition.node_kind.capitalize()} "{step.node.name}" unexpectedly returned output {result!r:.80} '
                f"of type {type(result)}. It is defined to return no results."
            )
        return []
    if len(outputs) > 1:
        raise DagsterInvariantViolationError(
            f'{definition.node_kind.capitalize()} "{step.node.name}" has several outputs; yield Output objects, '
            "one per output, instead of returning a value."
        )
    if result is None and outputs[0].dagster_type.is_nothing:
        return []
    return [Output(result, outputs[0].name)]
