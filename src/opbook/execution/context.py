"""The contexts handed to user code.

``SolidExecutionContext`` (``OpExecutionContext`` in the job API) is what an op's compute
function receives as ``context``; one class serves both generations.  It is created per step
attempt and is cheap: everything is looked up lazily from the run context and the step.
``TypeCheckContext``, ``HookContext``, ``InitResourceContext`` and ``InitLoggerContext`` are the
contexts of type checks, hooks, resource functions and logger functions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from opbook.errors import (
    DagsterInvalidPropertyError,
    DagsterInvariantViolationError,
    DagsterUnknownResourceError,
)
from opbook.execution.log_manager import DagsterLogManager

if TYPE_CHECKING:
    from opbook.execution.run_context import RunContext
    from opbook.plan.plan import ExecutionStep


class Resources:
    """``context.resources``: one attribute per resource the code may use.

    Touching a resource that was not required raises ``DagsterUnknownResourceError``, which
    tells the user to add it to ``required_resource_keys``.
    """

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__["_values"] = dict(values)

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__["_values"]
        if name in values:
            return values[name]
        if name.startswith("__"):
            raise AttributeError(name)
        raise DagsterUnknownResourceError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise DagsterInvariantViolationError("Resources are read-only inside a run.")

    def __contains__(self, name: str) -> bool:
        return name in self.__dict__["_values"]

    def __iter__(self) -> Any:
        return iter(self.__dict__["_values"].items())

    def _asdict(self) -> dict[str, Any]:
        return dict(self.__dict__["_values"])

    def __repr__(self) -> str:
        return f"Resources({', '.join(self.__dict__['_values'])})"


class SystemComputeExecutionContext:
    """The engine's view of one step of one run: the run context plus the step."""

    def __init__(self, run_context: RunContext, step: ExecutionStep, retry_number: int = 0) -> None:
        self._rc = run_context
        self._step = step
        self._retry_number = retry_number
        self._log: DagsterLogManager | None = None
        self._resources: Resources | None = None

    # -- the run ---------------------------------------------------------------------------

    @property
    def run_id(self) -> str:
        """The id of the run."""
        return self._rc.run_id

    @property
    def pipeline_run(self) -> Any:
        """The run's record, a ``PipelineRun`` (id, status, config, tags). Also ``dagster_run``."""
        return self._rc.run

    dagster_run = pipeline_run

    @property
    def run_config(self) -> dict[str, Any]:
        """The run config the run was given (secrets masked)."""
        return self._rc.run.run_config

    @property
    def environment_config(self) -> Any:
        return self._rc.resolved

    resolved_run_config = environment_config

    @property
    def pipeline_def(self) -> Any:
        """The pipeline or job being run. Also ``job_def`` and ``pipeline``."""
        return self._rc.pipeline

    job_def = pipeline_def
    pipeline = pipeline_def

    @property
    def pipeline_name(self) -> str:
        """The name of the pipeline or job being run. Also ``job_name``."""
        return self._rc.pipeline.name

    job_name = pipeline_name

    @property
    def mode_def(self) -> Any:
        """The ``ModeDefinition`` the run uses."""
        return self._rc.mode

    @property
    def instance(self) -> Any:
        """The ``DagsterInstance`` that records the run."""
        return self._rc.instance

    @property
    def execution_plan(self) -> Any:
        return self._rc.plan

    @property
    def intermediate_storage(self) -> Any:
        return self._rc.value_store

    @property
    def raise_on_error(self) -> bool:
        return self._rc.raise_on_error

    @property
    def retries(self) -> Any:
        return self._rc.retries_enabled

    # -- the step --------------------------------------------------------------------------

    @property
    def step(self) -> ExecutionStep:
        """The step being executed; its ``key`` is the node's path (``"comp.inner"``)."""
        return self._step

    @property
    def solid_handle(self) -> Any:
        """The handle (path) of the node being run. Also ``op_handle`` and ``node_handle``."""
        return self._step.handle

    op_handle = solid_handle
    node_handle = solid_handle

    @property
    def solid(self) -> Any:
        """The node being run, under its name in the graph (an alias, if aliased). Also ``op``."""
        return self._step.node

    op = solid

    @property
    def solid_def(self) -> Any:
        """The definition of the node being run. Also ``op_def``."""
        return self._step.definition

    op_def = solid_def

    @property
    def solid_config(self) -> Any:
        """The node's config, validated, with defaults filled in. Also ``op_config``."""
        node_config = self._rc.resolved.nodes.get(_node_key(self._step))
        return None if node_config is None else node_config.config

    op_config = solid_config

    @property
    def step_launcher(self) -> None:
        return None

    @property
    def retry_number(self) -> int:
        """0 on the first attempt, 1 on the first retry, and so on."""
        return self._retry_number

    previous_attempt_count = retry_number

    @property
    def logging_tags(self) -> dict[str, str]:
        return self._rc.step_logging_tags(self._step)

    @property
    def log(self) -> DagsterLogManager:
        """The run's logger; ``context.log.info(...)`` goes to every logger of the run."""
        if self._log is None:
            rc = self._rc
            self._log = rc.log.with_tags(**self.logging_tags).recording(rc.record_log)
        return self._log

    @property
    def required_resource_keys(self) -> frozenset[str]:
        """The resource keys the node declared."""
        return self._step.definition.all_required_resource_keys()

    @property
    def resources(self) -> Resources:
        """The resources the node declared, as attributes (``context.resources.db``)."""
        if self._resources is None:
            self._resources = self._rc.resources_for(self.required_resource_keys)
        return self._resources

    def has_tag(self, key: str) -> bool:
        """Whether the run has the tag ``key``."""
        return key in self._rc.run.tags or key in self._step.tags

    def get_tag(self, key: str) -> Any:
        """The value of the run's tag ``key`` (None if it has none)."""
        if key in self._rc.run.tags:
            return self._rc.run.tags[key]
        return self._step.tags.get(key)

    @property
    def file_manager(self) -> Any:
        raise DagsterInvalidPropertyError(
            "You have attempted to access the file manager which has been moved to resources in 0.10.0. "
            "Please access it via `context.resources.file_manager` instead."
        )

    def for_type(self, dagster_type: Any) -> TypeCheckContext:
        return TypeCheckContext(self._rc, dagster_type)

    def for_step(self, step: ExecutionStep) -> SystemComputeExecutionContext:
        return SystemComputeExecutionContext(self._rc, step)

    def for_compute(self) -> SolidExecutionContext:
        return SolidExecutionContext(self._rc, self._step, self._retry_number)

    def for_hook(self, hook_def: Any) -> HookContext:
        return HookContext(self._rc, self._step, hook_def)

    @property
    def intermediate_storage_def(self) -> Any:
        """The storage definition this run's outputs go to (``intermediate_storage:``)."""
        name = self._rc.resolved.storage_name
        return next((d for d in self._rc.mode.intermediate_storage_defs if d.name == name), None)

    system_storage_def = intermediate_storage_def

    def using_asset_store(self, step_output_handle: Any = None) -> bool:
        """Whether outputs go to an asset store rather than the intermediate storage: never,
        in opbook (custom storage is an intermediate storage)."""
        return False


class UserEvents:
    """What user code records through its context rather than by yielding: materializations
    and expectation results (``log_event``), and metadata for its outputs."""

    def __init__(self) -> None:
        self._user_events: list[Any] = []
        self._output_metadata: dict[str, dict[str, Any]] = {}

    def log_event(self, event: Any) -> None:
        """Record an ``AssetMaterialization`` or ``ExpectationResult`` without yielding it."""
        self._user_events.append(event)

    def has_events(self) -> bool:
        return bool(self._user_events)

    def consume_events(self) -> list[Any]:
        events, self._user_events = self._user_events, []
        return events

    def _add_output_metadata(self, name: str, metadata: Mapping[str, Any]) -> None:
        self._output_metadata.setdefault(name, {}).update(metadata)

    def get_output_metadata(self, output_name: str = "result") -> dict[str, Any] | None:
        return self._output_metadata.get(output_name)


class SolidExecutionContext(SystemComputeExecutionContext, UserEvents):
    """The ``context`` an op's compute function receives."""

    def __init__(self, run_context: RunContext, step: ExecutionStep, retry_number: int = 0) -> None:
        super().__init__(run_context, step, retry_number)
        UserEvents.__init__(self)
        self._pdb: Any = None

    def get_system_context(self) -> SystemComputeExecutionContext:
        """The system context (in opbook, this same object)."""
        return self

    get_step_execution_context = get_system_context

    def describe_op(self) -> str:
        """``op "name"`` or ``solid "name"``, for messages."""
        kind = "op" if self._step.definition.node_kind == "op" else "solid"
        return f'{kind} "{self._step.handle}"'

    def get_mapping_key(self) -> str | None:
        """The mapping key of a step mapped over a dynamic output (``op[key]``), else None."""
        return self._step.mapping_key

    @property
    def pdb(self) -> Any:
        if self._pdb is None:
            import pdb  # only when a user asks for a debugger

            self._pdb = pdb.Pdb()
        return self._pdb

    @property
    def has_partition_key(self) -> bool:
        return False

    @property
    def partition_key(self) -> str:
        raise DagsterInvariantViolationError(
            "This run has no partition key: opbook has no partitioned config."
        )

    def add_output_metadata(
        self,
        metadata: Mapping[str, Any],
        output_name: str | None = None,
        mapping_key: str | None = None,
    ) -> None:
        name = output_name or "result"
        if not self._step.definition.has_output(name):
            raise DagsterInvariantViolationError(
                f'Attempted to log metadata for output "{name}" of {self.describe_op()}, which has no such output.'
            )
        self._add_output_metadata(name, metadata)


OpExecutionContext = SolidExecutionContext
StepExecutionContext = SystemComputeExecutionContext


class AbstractComputeExecutionContext(ABC):
    """The interface every compute context offers, for code that type-checks against it.

    The context an op or solid receives (``OpExecutionContext``, and the one
    ``build_op_context`` makes) implements all of these; a helper annotated with this class
    works with either. ``op_config`` is the one concrete member: ``solid_config`` under its
    0.13 name.
    """

    @abstractmethod
    def has_tag(self, key: str) -> bool:
        """Whether the run (or the step's logging tags) has the tag ``key``."""

    @abstractmethod
    def get_tag(self, key: str) -> Any:
        """The value of the tag ``key``, or None when the run does not have it."""

    @property
    @abstractmethod
    def run_id(self) -> str:
        """The id of the run the step belongs to."""

    @property
    @abstractmethod
    def solid_def(self) -> Any:
        """The definition of the op or solid the step runs (its ``OpDefinition``)."""

    @property
    @abstractmethod
    def solid(self) -> Any:
        """The node the step runs, that is the definition under its name in the graph (its
        alias when the op was aliased)."""

    @property
    @abstractmethod
    def pipeline_def(self) -> Any:
        """The job or pipeline being run."""

    @property
    @abstractmethod
    def pipeline_run(self) -> Any:
        """The run's record, a ``PipelineRun`` with its id, config, tags, mode and status."""

    @property
    @abstractmethod
    def resources(self) -> Any:
        """The resources the op requires, one attribute per resource key."""

    @property
    @abstractmethod
    def log(self) -> DagsterLogManager:
        """The run's logger, with ``debug``, ``info``, ``warning``, ``error`` and ``critical``."""

    @property
    @abstractmethod
    def solid_config(self) -> Any:
        """The op's config in this run, with defaults filled in (None when it has none)."""

    @property
    def op_config(self) -> Any:
        """The op's config in this run, the same as ``solid_config`` (its 0.13 name)."""
        return self.solid_config


AbstractComputeExecutionContext.register(SolidExecutionContext)


class TypeCheckContext:
    """The context of a type-check function: ``resources``, ``run_id``, ``log``."""

    def __init__(
        self,
        run_context: RunContext | None,
        dagster_type: Any,
        log: DagsterLogManager | None = None,
    ) -> None:
        self._rc = run_context
        self.dagster_type = dagster_type
        self._log = log

    @property
    def run_id(self) -> str | None:
        """The id of the run (None outside a run)."""
        return self._rc.run_id if self._rc is not None else None

    @property
    def resources(self) -> Resources:
        """The resources the type declared (``required_resource_keys``)."""
        if self._rc is None:
            return Resources({})
        return self._rc.resources_for(
            getattr(self.dagster_type, "required_resource_keys", frozenset())
        )

    @property
    def log(self) -> DagsterLogManager:
        """The run's logger."""
        if self._rc is not None:
            return self._rc.log
        return self._log or DagsterLogManager("", {}, [])


class HookContext:
    """The context a hook receives after its step."""

    def __init__(
        self,
        run_context: RunContext | None,
        step: ExecutionStep | None,
        hook_def: Any,
        step_exception: BaseException | None = None,
        output_values: Mapping[str, Any] | None = None,
        resources: Resources | None = None,
        op_config: Any = None,
        log: DagsterLogManager | None = None,
        run_id: str | None = None,
        job_name: str | None = None,
    ) -> None:
        self._rc = run_context
        self._step = step
        self.hook_def = hook_def
        self.solid_exception = self.op_exception = step_exception
        self.solid_output_values = self.op_output_values = dict(output_values or {})
        self._resources = resources
        self._op_config = op_config
        self._log = log
        self._run_id = run_id
        self._job_name = job_name

    @property
    def run_id(self) -> str | None:
        """The id of the run."""
        return self._rc.run_id if self._rc is not None else self._run_id

    @property
    def pipeline_name(self) -> str | None:
        """The name of the pipeline or job. Also ``job_name``."""
        return self._rc.pipeline.name if self._rc is not None else self._job_name

    job_name = pipeline_name

    @property
    def step(self) -> Any:
        return self._step

    @property
    def pipeline_def(self) -> Any:
        return self._rc.pipeline if self._rc is not None else None

    job_def = pipeline_def

    @property
    def instance(self) -> Any:
        return self._rc.instance if self._rc is not None else None

    @property
    def run_config(self) -> Any:
        return self._rc.run.run_config if self._rc is not None else None

    @property
    def step_key(self) -> str | None:
        """The key of the step the hook follows."""
        return self._step.key if self._step is not None else None

    @property
    def solid(self) -> Any:
        """The node whose step the hook follows. Also ``op``."""
        return self._step.node if self._step is not None else None

    op = solid

    @property
    def mode_def(self) -> Any:
        return self._rc.mode if self._rc is not None else None

    @property
    def required_resource_keys(self) -> frozenset[str]:
        return (
            frozenset(self.hook_def.required_resource_keys)
            if self.hook_def is not None
            else frozenset()
        )

    @property
    def resources(self) -> Resources:
        """The resources the hook declared."""
        if self._resources is not None:
            return self._resources
        if self._rc is None:
            return Resources({})
        return self._rc.resources_for(self.required_resource_keys)

    @property
    def solid_config(self) -> Any:
        """That node's config. Also ``op_config``."""
        if self._rc is not None and self._step is not None:
            node_config = self._rc.resolved.nodes.get(_node_key(self._step))
            return None if node_config is None else node_config.config
        return self._op_config

    op_config = solid_config

    @property
    def log(self) -> DagsterLogManager:
        """The run's logger."""
        if self._rc is not None:
            return self._rc.log
        return self._log or DagsterLogManager(self._run_id or "", {}, [])


class InitResourceContext:
    """The context a resource function receives."""

    def __init__(
        self,
        resource_config: Any,
        resource_def: Any = None,
        resources: Resources | None = None,
        run_id: str | None = None,
        log: DagsterLogManager | None = None,
        instance: Any = None,
        pipeline_run: Any = None,
    ) -> None:
        self.resource_config = resource_config
        self.resource_def = resource_def
        self.resources = resources if resources is not None else Resources({})
        self.run_id = run_id
        self.log = log or DagsterLogManager(run_id or "", {}, [])
        self.log_manager = self.log
        self.instance = instance
        self.pipeline_run = self.dagster_run = pipeline_run


class InitLoggerContext:
    """The context a logger function receives."""

    def __init__(
        self,
        logger_config: Any,
        logger_def: Any = None,
        pipeline_def: Any = None,
        run_id: str | None = None,
    ) -> None:
        self.logger_config = logger_config
        self.logger_def = logger_def
        self.pipeline_def = self.job_def = pipeline_def
        self.run_id = run_id


class InitExecutorContext:
    """The context a custom executor's creation function receives."""

    def __init__(
        self, pipeline: Any, executor_def: Any, executor_config: Any, instance: Any
    ) -> None:
        self.pipeline = self.job = pipeline
        self.executor_def = executor_def
        self.executor_config = executor_config
        self.instance = instance


def _node_key(step: ExecutionStep) -> str:
    """The handle a step's node config is under (a mapped step ``op[k]`` has ``op``'s)."""
    return step.key if step.mapping_key is None else str(step.handle)
