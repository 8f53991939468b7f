"""Executors: how the steps of a plan are run.  All share one scheduling loop
(``base.execute_plan``) and differ only in how they submit a ready step."""

from __future__ import annotations

from collections.abc import Generator

from opbook.errors import DagsterInvariantViolationError, DagsterUnmetExecutorRequirementsError
from opbook.events import DagsterEvent
from opbook.execution.context import InitExecutorContext
from opbook.execution.resources import ResourceScope
from opbook.execution.run_context import RunContext
from opbook.execution.step import Relayed, StepEvents
from opbook.executors.in_process import execute_in_process
from opbook.executors.multiprocess import execute_multiprocess
from opbook.executors.run import ExecutorFn


def executor_for(rc: RunContext) -> ExecutorFn:
    """The function that runs ``rc``'s plan, for the executor its run config chose."""
    name = rc.resolved.executor_name
    definition = next(e for e in rc.mode.executor_defs if e.name == name)
    if definition.executor_creation_fn is not None:
        return _custom(definition)
    # A configured copy of a built-in executor may carry a new name; it runs the original.
    name = definition.base_name
    if name == "in_process":
        return execute_in_process
    if name == "multiprocess":
        return execute_multiprocess
    if name == "dask":
        return _dask()
    raise DagsterInvariantViolationError(
        f'Executor "{name}" has no implementation and no executor_creation_fn.'
    )


def _dask() -> ExecutorFn:
    try:
        from opbook.executors.dask import execute_dask  # dask is imported only when used
    except ImportError as exc:
        raise DagsterUnmetExecutorRequirementsError(
            f'The dask executor needs the dask extra: pip install "opbook[dask]" ({exc})'
        ) from exc
    return execute_dask


def _custom(definition: object) -> ExecutorFn:
    def events(rc: RunContext, resources: ResourceScope) -> Generator[DagsterEvent, None, None]:
        context = InitExecutorContext(
            rc.pipeline, definition, rc.resolved.executor_config, rc.instance
        )
        executor = definition.executor_creation_fn(context)  # type: ignore[attr-defined]
        if executor is None or not hasattr(executor, "execute"):
            raise DagsterInvariantViolationError(
                f"The creation function of executor {definition!r} must return an object with an "
                "`execute(run_context, resources)` method yielding events."
            )
        yield from executor.execute(rc, resources)

    def run(rc: RunContext, resources: ResourceScope) -> StepEvents:
        # A user's executor returns no failures: its steps' exceptions are not re-raised.
        return Relayed(events(rc, resources))

    return run
