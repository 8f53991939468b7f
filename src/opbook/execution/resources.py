"""Building a run's resources before its first step and tearing them down after its last.

Resources are initialised in dependency order (a resource may require others); a generator
resource's code after ``yield`` is its teardown, run in reverse order when the run ends,
whatever the outcome.  A resource function that raises becomes ``DagsterResourceFunctionError``.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

from opbook import dag
from opbook.definitions.io_manager import DEFAULT_IO_MANAGER_KEY, default_manager_in_memory
from opbook.definitions.resource import ResourceDefinition, teardown_generator
from opbook.errors import DagsterError, DagsterResourceFunctionError, user_code_boundary
from opbook.events import DagsterEvent, EngineEventData, SerializableErrorInfo
from opbook.execution.context import InitResourceContext, Resources
from opbook.plan.compile import compile_job

if TYPE_CHECKING:
    from opbook.execution.run_context import RunContext


class ResourceInitFailed(Exception):
    """Internal: carries the resource error and the events reported so far."""

    def __init__(self, error: DagsterError) -> None:
        super().__init__(str(error))
        self.error = error


def call_resource_fn(
    key: str, definition: ResourceDefinition, context: InitResourceContext
) -> tuple[Any, Iterator[Any] | None]:
    """Build one resource: its value, and the generator to resume for its teardown (if it
    yields).

    Raises:
        DagsterResourceFunctionError: the resource function raised (chained to its error).
    """
    with user_code_boundary(
        DagsterResourceFunctionError,
        f"Error executing resource_fn on ResourceDefinition {key}",
        resource_name=key,
    ):
        value = (
            definition.resource_fn(context)
            if definition.takes_context
            else definition.resource_fn()
        )
        generator = teardown_generator(definition, value)
        if generator is not None:
            return next(generator), generator
        return value, None


def teardown_boundary(key: str) -> user_code_boundary:
    """The boundary around a resource's teardown (the code after its ``yield``)."""
    return user_code_boundary(DagsterResourceFunctionError, f"Teardown of resource {key} failed")


class ResourceScope:
    """The resources of one run (or one worker), and their teardowns."""

    def __init__(self, rc: RunContext, keys: AbstractSet[str] | None = None) -> None:
        self.rc = rc
        if keys is None:
            keys = compile_job(rc.pipeline, rc.mode).resource_keys
            if default_manager_in_memory(rc.mode.resource_defs, rc.run.storage_name):
                # Swapped for the instance's memory by the output storage: nothing to build.
                keys = keys - {DEFAULT_IO_MANAGER_KEY}
        self.keys = keys
        self._generators: list[tuple[str, Iterator[Any]]] = []

    def _order(self) -> list[str]:
        mode = self.rc.mode
        upstream = {
            k: sorted(mode.resource_defs[k].required_resource_keys & self.keys)
            for k in sorted(self.keys)
        }
        return dag.toposort(upstream) or sorted(self.keys)

    def initialize(self, step_key: str | None = None) -> Iterator[DagsterEvent]:
        """Build every resource; yield the ENGINE_EVENTs that say so."""
        if not self.keys:
            return
        names = self._order()
        listed = f"[{', '.join(names)}]"
        name = self.rc.pipeline.name
        yield DagsterEvent.engine_event(
            name,
            f"Starting initialization of resources {listed}.",
            EngineEventData(marker_start="resources"),
            step_key,
        )
        for key in names:
            try:
                self.rc.resource_values[key] = self._build(key)
            except DagsterError as error:  # the function's own, or opbook's passed through
                yield DagsterEvent.engine_event(
                    name,
                    f"Initialization of resources {listed} failed.",
                    EngineEventData(
                        error=SerializableErrorInfo.from_exception(error), marker_end="resources"
                    ),
                    step_key,
                )
                raise ResourceInitFailed(error) from error
        yield DagsterEvent.engine_event(
            name,
            f"Finished initialization of resources {listed}.",
            EngineEventData(marker_end="resources"),
            step_key,
        )

    def _build(self, key: str) -> Any:
        rc = self.rc
        definition = rc.mode.resource_defs[key]
        config = rc.resolved.resources.get(key)
        deps = Resources(
            {
                k: rc.resource_values[k]
                for k in definition.required_resource_keys
                if k in rc.resource_values
            }
        )
        context = InitResourceContext(
            config, definition, deps, rc.run_id, rc.log, rc.instance, rc.run
        )
        value, generator = call_resource_fn(key, definition, context)
        if generator is not None:
            self._generators.append((key, generator))
        return value

    def teardown(self) -> Iterator[DagsterEvent]:
        """Run generator teardowns in reverse order; a failing teardown is reported, not raised."""
        while self._generators:
            key, generator = self._generators.pop()
            try:
                with teardown_boundary(key):
                    next(generator, None)
            except DagsterError as error:
                yield DagsterEvent.engine_event(
                    self.rc.pipeline.name,
                    f"Teardown of resources [{key}] failed.",
                    EngineEventData(error=SerializableErrorInfo.from_exception(error)),
                )
