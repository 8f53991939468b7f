"""Memoized runs: run only the steps whose outputs are not stored under their versions.

A run is memoized when its job has a version strategy or its tags say
``dagster/is_memoized_run: "true"`` (``PipelineDefinition.is_using_memoization``).  Before it
starts, every output of the plan gets its version (``plan.versions``), and each output's IO
manager, which must be a ``MemoizableIOManager``, is asked ``has_output`` with the version in
its ``OutputContext``.  The plan keeps the steps with an output not stored, as Dagster 0.13's
memoized plan does; the other steps are not run, and their consumers load their stored outputs
(``RunContext.memoized_steps``; their versions are ``RunContext.output_versions``, which every
``OutputContext`` of the run carries as ``version``).  The IO managers are built for the check
and torn down after it, apart from the run's own resources.
"""

from __future__ import annotations

import dataclasses

from opbook.definitions.io_manager import MemoizableIOManager
from opbook.errors import DagsterInvariantViolationError
from opbook.events import StepOutputHandle
from opbook.execution.output_storage import IOManagerStorage, uses_io_managers
from opbook.execution.resources import ResourceInitFailed, ResourceScope
from opbook.execution.run_context import RunContext, RunState
from opbook.plan.plan import build_plan

REEXECUTION_ERROR = "Cannot use both memoization and re-execution at this time."


def _not_memoizable(rc: RunContext, key: str) -> DagsterInvariantViolationError:
    return DagsterInvariantViolationError(
        f"{rc.pipeline.describe_target().capitalize()} uses memoization, but IO manager "
        f"'{key}' is not a MemoizableIOManager. In order to use memoization, all io managers "
        "need to subclass MemoizableIOManager. Learn more about MemoizableIOManagers here: "
        "https://docs.dagster.io/_apidocs/internals#memoizable-io-manager-experimental."
    )


def _manager_closure(rc: RunContext, keys: set[str]) -> set[str]:
    """``keys`` and every resource they require, at any depth."""
    closure, todo = set(), list(keys)
    while todo:
        key = todo.pop()
        if key not in closure:
            closure.add(key)
            todo.extend(rc.mode.resource_defs[key].required_resource_keys)
    return closure


def stored_outputs(rc: RunContext, versions: dict[StepOutputHandle, str]) -> set[StepOutputHandle]:
    """The outputs of ``rc``'s plan that their IO managers hold under ``versions``.

    Raises:
        DagsterInvariantViolationError: an output's IO manager is not memoizable (or the run
            keeps its outputs in intermediate storage, which has no versions).
    """
    if not uses_io_managers(rc):
        raise _not_memoizable(rc, "io_manager")
    # Its own resources and output storage, so that the run's are not built for the check.
    scratch = dataclasses.replace(
        rc, state=RunState(rc.run, rc.value_store), output_versions=versions
    )
    storage = IOManagerStorage(scratch)
    outputs = [(step, output_def) for step in rc.plan.steps for output_def in step.output_defs]
    keys = {output_def.io_manager_key for _step, output_def in outputs}
    if storage.swaps_default_manager and "io_manager" in keys:
        raise _not_memoizable(rc, "io_manager")
    scope = ResourceScope(scratch, _manager_closure(rc, keys))
    try:
        for _event in scope.initialize():
            pass
        for key in sorted(keys):
            if not isinstance(scratch.resource_values[key], MemoizableIOManager):
                raise _not_memoizable(rc, key)
        return {
            StepOutputHandle(step.key, output_def.name)
            for step, output_def in outputs
            if storage.has_output(step, output_def)
        }
    except ResourceInitFailed as failed:
        raise failed.error from failed.error.__cause__
    finally:
        for _event in scope.teardown():
            pass


def memoize(rc: RunContext, versions: dict[StepOutputHandle, str]) -> RunContext:
    """``rc`` with its plan restricted to the steps with an output not stored under its
    version."""
    plan = rc.plan
    stored = stored_outputs(rc, versions)
    keep = [
        step.key
        for step in plan.steps
        if any(StepOutputHandle(step.key, o.name) not in stored for o in step.output_defs)
    ]
    memoized = tuple(step.key for step in plan.steps if step.key not in set(keep))
    if memoized:
        plan = build_plan(rc.pipeline, rc.resolved, keep)
    return dataclasses.replace(rc, output_versions=versions, memoized_steps=memoized, plan=plan)
