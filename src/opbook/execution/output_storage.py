"""Where a run's step outputs go and come back from: the one seam between the step runner and
the two generations' storage models.

- ``IntermediateStorage`` (legacy pipelines): the run's ``ValueStore`` (``intermediate_storage:``
  config), outputs of a re-execution's parents found through ``RunContext.source_of``.
- ``IOManagerStorage`` (jobs, and pipelines whose mode has an ``io_manager`` resource): each
  output through the IO manager its definition names (``"io_manager"`` by default), each root
  input through its root input manager.  A job's default manager keeps values in the
  instance's memory when the run asked for it (``execute_in_process``: the run record's
  ``storage_name`` is ``in_memory``), else pickles them under the instance's storage
  directory.  A re-execution loads its parents' outputs through the manager that stored
  them, with the parent's run id in the output's identifier.

Both return, per output handled or input loaded, the message and data of Dagster's
HANDLED_OUTPUT / LOADED_INPUT event (made once per step and remembered in the step's memo), so
the step runner's hot path does the same work whichever model a run uses.  Failures are raised
as ``StorageFailed`` carrying the error the step reports.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Protocol

from opbook.definitions.io_manager import (
    DEFAULT_IO_MANAGER_KEY,
    IOManager,
    PickledObjectFilesystemIOManager,
    default_job_io_manager,
)
from opbook.definitions.io_manager import default_manager_in_memory as in_memory_default
from opbook.definitions.metadata import EventMetadataEntry
from opbook.definitions.user_events import AssetMaterialization
from opbook.errors import (
    DagsterError,
    DagsterExecutionHandleOutputError,
    DagsterExecutionLoadInputError,
    DagsterInvariantViolationError,
    DagsterObjectStoreError,
    user_code_boundary,
    user_exception_of,
)
from opbook.events import HandledOutputData, LoadedInputData, StepOutputHandle
from opbook.execution.io_contexts import InputContext, OutputContext
from opbook.execution.resources import ResourceScope
from opbook.plan.dynamic import split_key

if TYPE_CHECKING:
    from opbook.execution.run_context import RunContext
    from opbook.plan.plan import ExecutionStep, StepInput

Fixed = tuple[str, Any]
MISSING: Any = object()  # an optional fan-in source that was not produced


class StorageFailed(Exception):
    """Storing or loading failed: ``error`` is reported, ``raise_as`` re-raised."""

    def __init__(self, error: BaseException, raise_as: BaseException | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.raise_as = raise_as if raise_as is not None else error


class OutputStorage(Protocol):
    def handle_output(
        self, step: ExecutionStep, output_def: Any, value: Any, mapping_key: str | None = None
    ) -> tuple[Fixed, list[AssetMaterialization]]:
        """Store ``value`` (an item of a dynamic output when ``mapping_key`` is given); the
        HANDLED_OUTPUT text and data, and assets to report."""
        ...

    def load_input(
        self, step: ExecutionStep, step_input: StepInput, source: StepOutputHandle
    ) -> tuple[Any, Fixed]:
        """The value of ``source`` for ``step_input`` (``MISSING`` for an optional fan-in
        source that was not produced), and the LOADED_INPUT text and data."""
        ...

    def load_root_input(self, step: ExecutionStep, step_input: StepInput) -> tuple[Any, Fixed]:
        """The value of an input no output feeds, from its root input manager."""
        ...

    def output_value(self, step_key: str, output_name: str, mapping_key: str | None = None) -> Any:
        """A stored output of this run or its parents, for results and notebooks."""
        ...


def uses_io_managers(rc: RunContext) -> bool:
    """Jobs always do; a pipeline does when its mode provides an ``io_manager``."""
    return rc.pipeline.stores_through_io_managers(rc.mode)


def output_storage_for(rc: RunContext) -> OutputStorage:
    return IOManagerStorage(rc) if uses_io_managers(rc) else IntermediateStorage(rc)


def default_manager_in_memory(rc: RunContext) -> bool:
    """Whether the run keeps the outputs of a job's default ``io_manager`` in memory."""
    return in_memory_default(rc.mode.resource_defs, rc.run.storage_name)


# -- legacy: intermediate storage ---------------------------------------------------------------


class IntermediateStorage:
    """Outputs in the run's value store (Dagster's intermediate storage)."""

    def __init__(self, rc: RunContext) -> None:
        self.rc = rc

    def handle_output(
        self, step: ExecutionStep, output_def: Any, value: Any, mapping_key: str | None = None
    ) -> tuple[Fixed, list[AssetMaterialization]]:
        store = self.rc.value_store
        name = output_def.name
        try:
            store.set_value(self.rc.run_id, step.key, stored_name(name, mapping_key), value)
        except DagsterError as exc:
            raise StorageFailed(exc) from exc
        except Exception as exc:
            error = DagsterObjectStoreError(
                f'Could not store output "{name}" of step "{step.key}" ({store.describe()}): '
                f"{exc!r}"
            )
            error.__cause__ = exc
            raise StorageFailed(error) from exc
        memo = step.memo
        fixed = memo.get(("handled", name, store.name))
        if fixed is None:
            fixed = memo[("handled", name, store.name)] = (
                f'Handled output "{name}" using intermediate storage "{store.name}"',
                HandledOutputData(name, store.name),
            )
        return fixed, _NO_ASSETS

    def load_input(
        self, step: ExecutionStep, step_input: StepInput, source: StepOutputHandle
    ) -> tuple[Any, Fixed]:
        store, run_id = self.rc.source_of(source.step_key)
        output = stored_name(source.output_name, source.mapping_key)
        if not store.has_value(run_id, source.step_key, output):
            if step_input.is_fan_in:
                return MISSING, ("", None)
            raise StorageFailed(
                DagsterInvariantViolationError(
                    f'Input "{step_input.name}" of step "{step.key}" needs output "{source.output_name}" of step '
                    f'"{source.step_key}" from run {run_id}, but that value is no longer stored '
                    f"({store.describe()}). Re-run that step, or use filesystem storage to keep values."
                )
            )
        try:
            value = store.get_value(run_id, source.step_key, output)
        except DagsterError as exc:
            raise StorageFailed(exc) from exc
        except Exception as exc:
            error = DagsterObjectStoreError(
                f'Could not load input "{step_input.name}" of step "{step.key}" from output '
                f'"{source.output_name}" of step "{source.step_key}" ({store.describe()}): {exc!r}'
            )
            error.__cause__ = exc
            raise StorageFailed(error) from exc
        memo = step.memo
        fixed = memo.get((step_input.name, source, store.name))
        if fixed is None:
            fixed = memo[(step_input.name, source, store.name)] = (
                f'Loaded input "{step_input.name}" using intermediate storage "{store.name}", from output '
                f'"{source.output_name}" of step "{source.step_key}"',
                LoadedInputData(step_input.name, store.name, source.output_name, source.step_key),
            )
        return value, fixed

    def load_root_input(self, step: ExecutionStep, step_input: StepInput) -> tuple[Any, Fixed]:
        # Root input managers are resources of the mode, whatever keeps the outputs.
        return IOManagerStorage(self.rc).load_root_input(step, step_input)

    def output_value(self, step_key: str, output_name: str, mapping_key: str | None = None) -> Any:
        store, run_id = self.rc.source_of(step_key)
        output_name = stored_name(output_name, mapping_key)
        if not store.has_value(run_id, step_key, output_name):
            raise DagsterInvariantViolationError(
                f'The value of output "{output_name}" of step "{step_key}" of run {run_id} is no '
                f"longer stored ({store.describe()}): in-memory storage keeps the values of recent "
                "runs only. Use filesystem storage to keep every value."
            )
        return store.get_value(run_id, step_key, output_name)


_NO_ASSETS: list[AssetMaterialization] = []


# -- 0.13: IO managers --------------------------------------------------------------------------


class InstanceMemoryIOManager(IOManager):
    """A job's default manager under ``execute_in_process``: values in the instance's memory,
    so that a re-execution in the same session finds them."""

    def __init__(self, store: Any) -> None:
        self.store = store

    def handle_output(self, context: Any, obj: Any) -> None:
        name = stored_name(context.name, context.mapping_key)
        self.store.set_value(context.run_id, context.step_key, name, obj)

    def load_input(self, context: Any) -> Any:
        upstream = context.upstream_output
        name = stored_name(upstream.name, upstream.mapping_key)
        return self.store.get_value(upstream.run_id, upstream.step_key, name)


class IOManagerStorage:
    """Outputs through the IO managers their definitions name."""

    def __init__(self, rc: RunContext) -> None:
        self.rc = rc
        self._memory = (
            InstanceMemoryIOManager(rc.instance.memory_values)
            if default_manager_in_memory(rc)
            else None
        )

    @property
    def swaps_default_manager(self) -> bool:
        """Whether the default ``io_manager`` is the instance's memory in this run."""
        return self._memory is not None

    def manager(self, key: str) -> Any:
        if key == DEFAULT_IO_MANAGER_KEY and self._memory is not None:
            return self._memory
        values = self.rc.resource_values
        if key not in values:
            # A run whose resources were set up elsewhere (worker processes): build it here.
            for _event in ResourceScope(self.rc, {key}).initialize():
                pass
        return values[key]

    def _output_context(
        self,
        step_key: str,
        output_def: Any,
        run_id: str,
        solid_def: Any,
        step: Any = None,
        mapping_key: str | None = None,
    ) -> OutputContext:
        rc = self.rc
        key = output_def.io_manager_key
        node_config = rc.resolved.nodes.get(node_key(step_key))
        versions = rc.output_versions
        return OutputContext(
            step_key=step_key,
            name=output_def.name,
            pipeline_name=rc.pipeline.name,
            run_id=run_id,
            metadata=output_def.metadata,
            mapping_key=mapping_key,
            config=_output_config(node_config, output_def.name),
            solid_def=solid_def,
            dagster_type=output_def.dagster_type,
            log_manager=rc.log,
            version=versions.get(StepOutputHandle(step_key, output_def.name)) if versions else None,
            resource_config=rc.resolved.resources.get(key),
            resources=rc.resources_for(rc.mode.resource_defs[key].required_resource_keys)
            if key in rc.mode.resource_defs
            else None,
            step_context=step,
        )

    def has_output(self, step: ExecutionStep, output_def: Any) -> bool:
        """Whether the output's (memoizable) IO manager holds it under its version."""
        context = self._output_context(step.key, output_def, self.rc.run_id, step.definition)
        manager = self.manager(output_def.io_manager_key)
        try:
            return bool(manager.has_output(context))
        except DagsterError:
            raise
        except Exception as exc:
            raise DagsterInvariantViolationError(
                f'The IO manager "{output_def.io_manager_key}" raised in has_output for output '
                f'"{output_def.name}" of step "{step.key}": {exc!r}'
            ) from exc

    def handle_output(
        self, step: ExecutionStep, output_def: Any, value: Any, mapping_key: str | None = None
    ) -> tuple[Fixed, list[AssetMaterialization]]:
        key = output_def.io_manager_key
        name = output_def.name
        memo = step.memo
        fixed = memo.get(("handled", name, key))
        if fixed is None:
            fixed = memo[("handled", name, key)] = (
                f'Handled output "{name}" using IO manager "{key}"',
                HandledOutputData(name, key),
            )
        rc = self.rc
        if self._memory is not None and key == DEFAULT_IO_MANAGER_KEY:
            # The hot path of execute_in_process: no context to build.
            self._memory.store.set_value(
                rc.run_id,
                step.key,
                name if mapping_key is None else stored_name(name, mapping_key),
                value,
            )
            if output_def.asset_key is None:
                return fixed, _NO_ASSETS
            assets: list[AssetMaterialization] = []
        else:
            context = self._output_context(
                step.key, output_def, rc.run_id, step.definition, step, mapping_key
            )
            manager = self.manager(key)
            assets, entries = self._call_handle_output(manager, context, step.key, value)
            if entries:
                # Metadata the manager yielded goes on this HANDLED_OUTPUT event, as in Dagster.
                fixed = (fixed[0], HandledOutputData(name, key, entries))
            manager_asset = _manager_asset_key(manager, context, output_def, step)
            if manager_asset is not None:
                made = _materializations(manager_asset, manager, context, entries)
                return fixed, [*assets, *made]
            if output_def.asset_key is not None:
                asset_key = output_def.get_asset_key(context)
                made = [AssetMaterialization(asset_key=asset_key, metadata_entries=entries)]
                return fixed, [*assets, *made]
            return fixed, assets
        if output_def.asset_key is not None:
            context = self._output_context(step.key, output_def, rc.run_id, step.definition, step)
            asset_key = output_def.get_asset_key(context)
            assets = [*assets, AssetMaterialization(asset_key=asset_key)]
        return fixed, assets

    def _call_handle_output(
        self, manager: Any, context: OutputContext, step_key: str, value: Any
    ) -> tuple[list[AssetMaterialization], list[Any]]:
        """The materializations and the metadata entries ``handle_output`` returned or
        yielded."""
        try:
            with user_code_boundary(
                DagsterExecutionHandleOutputError,
                f'Error occurred while handling output "{context.name}" of step "{step_key}":',
                step_key=step_key,
                output_name=context.name,
            ):
                made = manager.handle_output(context, value)
                items = list(made) if inspect.isgenerator(made) else [made]
        except DagsterError as error:
            raise StorageFailed(error, user_exception_of(error)) from error
        assets: list[AssetMaterialization] = []
        entries: list[Any] = []
        for item in items:
            if isinstance(item, AssetMaterialization):
                assets.append(item)
            elif isinstance(item, EventMetadataEntry):
                entries.append(item)
            elif item is not None:
                raise StorageFailed(
                    DagsterInvariantViolationError(
                        f"IO manager on output {context.name} has returned value {item!r} of "
                        f"type {type(item).__name__}. The return type can only be one of "
                        "AssetMaterialization, EventMetadataEntry, PartitionMetadataEntry."
                    )
                )
        return assets or _NO_ASSETS, entries

    def load_input(
        self, step: ExecutionStep, step_input: StepInput, source: StepOutputHandle
    ) -> tuple[Any, Fixed]:
        memo = step.memo
        entry = memo.get(("io-input", step_input.name, source))
        if entry is None:
            entry = memo[("io-input", step_input.name, source)] = self._input_entry(
                step_input, source
            )
        key, upstream_def, fixed = entry
        rc = self.rc
        if (
            self._memory is not None
            and key == DEFAULT_IO_MANAGER_KEY
            and (source.step_key in rc.plan.step_dict or rc.runs_step(source.step_key))
        ):
            # The hot path of execute_in_process: an output of this run, in memory.
            run_id, manager = rc.run_id, self._memory
        else:
            run_id, manager = self._source(source.step_key, key)
            if not isinstance(manager, InstanceMemoryIOManager):
                return self._load_through(
                    manager, step, step_input, source, upstream_def, run_id, key
                ), fixed
        name = source.output_name
        if source.mapping_key is not None:
            name = stored_name(name, source.mapping_key)
        try:
            return manager.store.get_value(run_id, source.step_key, name), fixed
        except KeyError:
            if step_input.is_fan_in:
                return MISSING, fixed
            raise StorageFailed(_no_longer_stored(step, step_input, source, run_id)) from None

    def _load_through(
        self,
        manager: Any,
        step: ExecutionStep,
        step_input: StepInput,
        source: StepOutputHandle,
        upstream_def: Any,
        run_id: str,
        key: str,
    ) -> Any:
        """``source``'s value from its IO manager's ``load_input``."""
        rc = self.rc
        upstream = self._output_context(
            source.step_key,
            upstream_def,
            run_id,
            rc.pipeline.get_solid(node_key(source.step_key)).definition,
            mapping_key=source.mapping_key,
        )
        context = self._input_context(step, step_input, upstream, key)
        return self._call_load_input(manager, context, step.key)

    def _input_entry(
        self, step_input: StepInput, source: StepOutputHandle
    ) -> tuple[str, Any, Fixed]:
        """What loading ``source`` for ``step_input`` needs that is the same on every run."""
        upstream_def = _output_def_of(self.rc, source)
        key = upstream_def.io_manager_key
        fixed = (
            f'Loaded input "{step_input.name}" using input manager "{key}", from output '
            f'"{source.output_name}" of step "{source.step_key}"',
            LoadedInputData(step_input.name, key, source.output_name, source.step_key),
        )
        return key, upstream_def, fixed

    def _source(self, step_key: str, key: str) -> tuple[str, Any]:
        """The run that computed ``step_key``, and the manager to load its output with."""
        rc = self.rc
        if rc.runs_step(step_key) or step_key in rc.memoized_steps:
            return rc.run_id, self.manager(key)
        run_id = rc.run_id_of(step_key)
        parent = rc.instance.get_run_by_id(run_id)
        if (
            key == DEFAULT_IO_MANAGER_KEY
            and parent is not None
            and parent.storage_name == "in_memory"
            and rc.mode.resource_defs.get(key) is default_job_io_manager
        ):
            return run_id, InstanceMemoryIOManager(rc.instance.memory_values)
        if key == DEFAULT_IO_MANAGER_KEY and self._memory is not None:
            # This run keeps values in memory; its parent stored files.
            return run_id, PickledObjectFilesystemIOManager(rc.instance.storage_directory)
        return run_id, self.manager(key)

    def _input_context(
        self, step: ExecutionStep, step_input: StepInput, upstream: OutputContext | None, key: str
    ) -> InputContext:
        rc = self.rc
        definition = step_input.definition
        node_config = rc.resolved.nodes.get(node_key(step.key))
        config = None
        if node_config is not None and node_config.inputs:
            config = node_config.inputs.get(step_input.name)
        resource_def = rc.mode.resource_defs.get(key)
        return InputContext(
            name=step_input.name,
            pipeline_name=rc.pipeline.name,
            solid_def=step.definition,
            config=config,
            metadata=definition.metadata,
            upstream_output=upstream,
            dagster_type=definition.dagster_type,
            log_manager=rc.log,
            resource_config=rc.resolved.resources.get(key),
            resources=rc.resources_for(resource_def.required_resource_keys)
            if resource_def is not None
            else None,
            step_context=step,
        )

    def _call_load_input(self, manager: Any, context: InputContext, step_key: str) -> Any:
        try:
            with user_code_boundary(
                DagsterExecutionLoadInputError,
                f'Error occurred while loading input "{context.name}" of step "{step_key}":',
                step_key=step_key,
                input_name=context.name,
            ):
                return manager.load_input(context)
        except DagsterError as error:
            raise StorageFailed(error, user_exception_of(error)) from error

    def load_root_input(self, step: ExecutionStep, step_input: StepInput) -> tuple[Any, Fixed]:
        key = step_input.definition.root_manager_key
        assert key is not None  # the step runner asks only for inputs that name one
        context = self._input_context(step, step_input, None, key)
        value = self._call_load_input(self.manager(key), context, step.key)
        memo = step.memo
        fixed = memo.get(("root", step_input.name, key))
        if fixed is None:
            fixed = memo[("root", step_input.name, key)] = (
                f'Loaded input "{step_input.name}" using input manager "{key}"',
                LoadedInputData(step_input.name, key),
            )
        return value, fixed

    def output_value(self, step_key: str, output_name: str, mapping_key: str | None = None) -> Any:
        rc = self.rc
        source = StepOutputHandle(step_key, output_name)
        upstream_def = _output_def_of(rc, source)
        key = upstream_def.io_manager_key
        run_id, manager = self._source(step_key, key)
        if isinstance(manager, InstanceMemoryIOManager):
            name = stored_name(output_name, mapping_key)
            if not manager.store.has_value(run_id, step_key, name):
                raise DagsterInvariantViolationError(
                    f'The value of output "{output_name}" of step "{step_key}" of run {run_id} is '
                    "no longer stored: in-memory storage keeps the values of recent runs only."
                )
            return manager.store.get_value(run_id, step_key, name)
        definition = rc.pipeline.get_solid(node_key(step_key)).definition
        upstream = self._output_context(
            step_key, upstream_def, run_id, definition, mapping_key=mapping_key
        )
        context = InputContext(
            pipeline_name=rc.pipeline.name,
            upstream_output=upstream,
            dagster_type=upstream_def.dagster_type,
            log_manager=rc.log,
            resource_config=rc.resolved.resources.get(key),
        )
        return manager.load_input(context)


def _manager_asset_key(
    manager: Any, context: OutputContext, output_def: Any, step: ExecutionStep
) -> Any:
    """The asset key the IO manager gives the output (``get_output_asset_key``), if any; an
    output that names an asset itself too is an error, as in Dagster."""
    get_key = getattr(manager, "get_output_asset_key", None)
    asset_key = get_key(context) if callable(get_key) else None
    if asset_key is not None and output_def.asset_key is not None:
        raise StorageFailed(
            DagsterInvariantViolationError(
                f'Both the OutputDefinition and the IOManager of output "{output_def.name}" on '
                f'solid "{step.definition.name}" associate it with an asset. Either remove '
                "the asset_key parameter on the OutputDefinition or use an IOManager that does "
                "not specify an AssetKey in its get_output_asset_key() function."
            )
        )
    return asset_key


def _materializations(
    asset_key: Any, manager: Any, context: OutputContext, entries: list[Any]
) -> list[AssetMaterialization]:
    """One materialization of ``asset_key`` per partition the manager names (one if none),
    with the metadata entries the manager yielded."""
    get_partitions = getattr(manager, "get_output_asset_partitions", None)
    partitions = get_partitions(context) if callable(get_partitions) else None
    if not partitions:
        return [AssetMaterialization(asset_key=asset_key, metadata_entries=entries)]
    return [
        AssetMaterialization(asset_key=asset_key, partition=p, metadata_entries=entries)
        for p in sorted(partitions)
    ]


def stored_name(output_name: str, mapping_key: str | None) -> str:
    """The name a value store keeps an output under: an item of a dynamic output is
    ``name[mapping_key]``."""
    return output_name if mapping_key is None else f"{output_name}[{mapping_key}]"


def node_key(step_key: str) -> str:
    """The node handle of a step: ``op`` for the mapped steps ``op[k]`` and ``op[?]``."""
    return split_key(step_key)[0] if step_key.endswith("]") else step_key


def _output_def_of(rc: RunContext, source: StepOutputHandle) -> Any:
    step = rc.plan.step_dict.get(source.step_key)
    definition = (
        step.definition
        if step is not None
        else rc.pipeline.get_solid(node_key(source.step_key)).definition
    )
    return definition.output_def_named(source.output_name)


def _output_config(node_config: Any, name: str) -> Any:
    outputs = getattr(node_config, "outputs", None)
    if isinstance(outputs, dict):
        return outputs.get(name)
    return None


def _no_longer_stored(
    step: ExecutionStep, step_input: StepInput, source: StepOutputHandle, run_id: str
) -> DagsterInvariantViolationError:
    return DagsterInvariantViolationError(
        f'Input "{step_input.name}" of step "{step.key}" needs output "{source.output_name}" of step '
        f'"{source.step_key}" from run {run_id}, but that value is no longer stored (in memory). '
        "Re-run that step, or use fs_io_manager to keep values."
    )
