"""The execution engine, as definitions see it.

Dagster's API puts a few execution entry points on definitions: ``job.execute_in_process()``,
``graph.execute_in_process()``, an op or a resource called like a function, a job narrowed by
``op_selection``.  Definitions are a lower layer than planning and execution, so they cannot
import them; instead they ask the ``Engine`` below, a typed protocol that names each request.

The one implementation is ``opbook.api.OpbookEngine`` (its methods hand each request to the
function that does the work: ``api.execute_job_in_process``, ``execution.invocation.invoke``,
...).  ``engine()`` returns it, importing ``opbook.api`` the first time it is needed, which is
also what ``import opbook`` does when any public name is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from opbook.definitions.graph import GraphDefinition
    from opbook.definitions.hook import HookDefinition
    from opbook.definitions.job import PipelineDefinition
    from opbook.definitions.logger import LoggerDefinition
    from opbook.definitions.node import NodeDefinition
    from opbook.definitions.resource import ResourceDefinition
    from opbook.execution.results import InProcessExecutionResult
    from opbook.storage.instance import DagsterInstance, InstanceRef


class Engine(Protocol):
    """What definitions ask of the execution engine."""

    def execute_job_in_process(
        self,
        job: PipelineDefinition,
        run_config: Mapping[str, Any] | None = None,
        instance: DagsterInstance | None = None,
        raise_on_error: bool = True,
        op_selection: Sequence[str] | None = None,
        *,
        tags: Mapping[str, Any] | None = None,
        progress: Any = None,
    ) -> InProcessExecutionResult:
        """``JobDefinition.execute_in_process``."""
        ...

    def execute_graph_in_process(
        self,
        graph: GraphDefinition,
        run_config: Mapping[str, Any] | None = None,
        instance: DagsterInstance | None = None,
        resources: Mapping[str, Any] | None = None,
        raise_on_error: bool = True,
        op_selection: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> InProcessExecutionResult:
        """``GraphDefinition.execute_in_process``."""
        ...

    def check_default_run_config(
        self, job: PipelineDefinition, run_config: Mapping[str, Any]
    ) -> None:
        """Raise ``DagsterInvalidConfigError`` if a job's default run config does not fit it."""
        ...

    def select_nodes(self, job: PipelineDefinition, selection: Sequence[str]) -> set[str]:
        """The top-level node names an op selection (``*a``, ``a+``) picks in ``job``."""
        ...

    def invoke(
        self,
        definition: NodeDefinition,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        alias: str | None = None,
    ) -> Any:
        """An op or solid called like a function, outside a composition."""
        ...

    def invoke_resource(
        self, definition: ResourceDefinition, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """A resource built directly: ``my_resource(build_init_resource_context())``."""
        ...

    def invoke_logger(
        self, definition: LoggerDefinition, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """A logger built directly: ``my_logger(build_init_logger_context())``."""
        ...

    def invoke_hook(
        self, definition: HookDefinition, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        """A hook's function called directly: ``my_hook(build_hook_context())``."""
        ...

    def instance_from_ref(self, ref: InstanceRef) -> DagsterInstance:
        """The instance an ``InstanceRef`` names (a schedule context built from a ref)."""
        ...


_engine: Engine | None = None


def engine() -> Engine:
    """The execution engine (``opbook.api.OpbookEngine``), loaded on first use."""
    global _engine
    if _engine is None:
        # By name, since the engine is a higher layer; the attribute is typed on the other side.
        _engine = importlib.import_module("opbook.api").ENGINE
    return _engine
