"""User-defined intermediate storage, made into a ``ValueStore``.

An ``@intermediate_storage`` (or ``@system_storage``) creation function receives an
``InitIntermediateStorageContext`` and may return any of:

- an object with the value-store methods ``set_value(run_id, step_key, output_name, value)``,
  ``get_value(...)`` and ``has_value(...)``, used as it is;
- an *asset store* in the style of Dagster 0.9: ``set_asset(context, obj)``,
  ``get_asset(context)`` and optionally ``has_asset(context)``, called with an
  ``AssetStoreContext`` that says which output of which step of which run is meant;
- the result of ``build_intermediate_storage_from_object_store(object_store, init_context)``,
  which keeps values in an object store (``set_object`` / ``get_object`` / ``has_object``).

The storage is created lazily, on the first value stored or loaded in a process, so the
resources it requires are initialised by then; worker processes create their own.  The run's
storage is remembered by the instance under its name, so that a re-execution in the same
process can read what its parent stored there.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from opbook.definitions.graph import GraphDefinition
from opbook.definitions.storage import IntermediateStorageDefinition
from opbook.errors import DagsterInvariantViolationError, DagsterObjectStoreError

if TYPE_CHECKING:
    from opbook.definitions.job import PipelineDefinition
    from opbook.definitions.mode import ModeDefinition
    from opbook.storage.runs import PipelineRun


class AssetStoreContext(NamedTuple):
    """Which value an asset store is asked to store or load.

    ``source_run_id`` is the run that produced the output: during a re-execution, for a step
    that is not run again, it is the parent run's id.
    """

    step_key: str
    output_name: str
    asset_metadata: dict[str, Any]
    pipeline_name: str
    solid_def: Any
    source_run_id: str

    def get_run_scoped_output_identifier(self) -> list[str]:
        """``[run id, step key, output name]``: a path that is unique to this value."""
        return [self.source_run_id, self.step_key, self.output_name]


class InitIntermediateStorageContext:
    """What an intermediate storage's creation function receives."""

    def __init__(
        self,
        pipeline_def: Any,
        mode_def: Any,
        intermediate_storage_def: IntermediateStorageDefinition,
        pipeline_run: Any,
        instance: Any,
        environment_config: Any,
        resources: Mapping[str, Any],
        intermediate_storage_config: Any,
    ) -> None:
        self.pipeline_def = pipeline_def
        self.mode_def = mode_def
        self.intermediate_storage_def = self.system_storage_def = intermediate_storage_def
        self.pipeline_run = pipeline_run
        self.instance = instance
        self.environment_config = environment_config
        self.type_storage_plugin_registry = None
        self.resources = SimpleNamespace(**dict(resources))
        self.intermediate_storage_config = self.system_storage_config = intermediate_storage_config

    @property
    def run_id(self) -> str:
        return str(self.pipeline_run.run_id)


InitSystemStorageContext = InitIntermediateStorageContext


# -- object stores -------------------------------------------------------------------------------


class PickleSerializationStrategy:
    """How an object store writes a value to a file object (``serialize``) and reads it back."""

    name = "pickle"
    write_mode = "wb"
    read_mode = "rb"

    def serialize(self, value: Any, write_file_obj: IO[bytes]) -> None:
        pickle.dump(value, write_file_obj, protocol=pickle.HIGHEST_PROTOCOL)

    def deserialize(self, read_file_obj: IO[bytes]) -> Any:
        return pickle.load(read_file_obj)


class ObjectStoreValueStore:
    """Values kept in an object store under ``<root>/intermediates/<step key>/<output name>``."""

    def __init__(
        self,
        object_store: Any,
        name: str,
        is_persistent: bool,
        root_for_run_id: Callable[[str], str],
    ) -> None:
        for method in ("set_object", "get_object", "has_object"):
            if not callable(getattr(object_store, method, None)):
                raise DagsterInvariantViolationError(
                    f"The object store {object_store!r} has no {method}() method; an object store "
                    "needs set_object(key, obj, serialization_strategy), get_object(key, "
                    "serialization_strategy) and has_object(key)."
                )
        self.object_store = object_store
        self.name = name
        self.is_persistent = is_persistent
        self.root_for_run_id = root_for_run_id
        self.strategy = PickleSerializationStrategy()

    def key(self, run_id: str, step_key: str, output_name: str) -> str:
        parts = [self.root_for_run_id(run_id), "intermediates", step_key, output_name]
        join = getattr(self.object_store, "key_for_paths", None)
        if callable(join):
            return str(join([p for p in parts if p]))
        return "/".join(p for p in parts if p)

    def set_value(self, run_id: str, step_key: str, output_name: str, value: Any) -> str:
        key = self.key(run_id, step_key, output_name)
        self.object_store.set_object(key, value, self.strategy)
        return key

    def get_value(self, run_id: str, step_key: str, output_name: str) -> Any:
        key = self.key(run_id, step_key, output_name)
        if not self.object_store.has_object(key):
            raise KeyError((run_id, step_key, output_name))
        found = self.object_store.get_object(key, self.strategy)
        # Dagster's object stores answer with an operation record carrying the object.
        return getattr(found, "obj", found)

    def has_value(self, run_id: str, step_key: str, output_name: str) -> bool:
        return bool(self.object_store.has_object(self.key(run_id, step_key, output_name)))

    def describe(self) -> str:
        return f'in the object store of intermediate storage "{self.name}"'


def build_intermediate_storage_from_object_store(
    object_store: Any,
    init_context: InitIntermediateStorageContext | None = None,
    root_for_run_id: Callable[[str], str] | None = None,
) -> ObjectStoreValueStore:
    """An intermediate storage keeping values in ``object_store``.

    Args:
        object_store: has ``set_object(key, obj, serialization_strategy)``,
            ``get_object(key, serialization_strategy)`` and ``has_object(key)``; and
            ``key_for_paths(parts)`` if its keys are not ``/``-separated.
        init_context: the creation function's context (names the storage).
        root_for_run_id: the key prefix of a run's values; the run id by default, so runs
            never overwrite each other's values.
    """
    definition = init_context.intermediate_storage_def if init_context is not None else None
    return ObjectStoreValueStore(
        object_store,
        definition.name if definition is not None else "object_store",
        definition.is_persistent if definition is not None else True,
        root_for_run_id if root_for_run_id is not None else (lambda run_id: run_id),
    )


# -- adapting what a creation function returns ---------------------------------------------------


def _node_def_at(graph: GraphDefinition, step_key: str) -> Any:
    try:
        return graph.get_node(step_key).definition
    except DagsterInvariantViolationError:
        return None


class AssetStoreValueStore:
    """An asset store (``set_asset`` / ``get_asset``) used as a value store."""

    def __init__(
        self, asset_store: Any, name: str, is_persistent: bool, pipeline: PipelineDefinition
    ) -> None:
        self.asset_store = asset_store
        self.name = name
        self.is_persistent = is_persistent
        self.pipeline = pipeline

    def context(self, run_id: str, step_key: str, output_name: str) -> AssetStoreContext:
        solid_def = _node_def_at(self.pipeline.graph, step_key)
        metadata: dict[str, Any] = {}
        if solid_def is not None and solid_def.has_output(output_name):
            metadata = dict(solid_def.output_def_named(output_name).asset_metadata)
        return AssetStoreContext(
            step_key, output_name, metadata, self.pipeline.name, solid_def, run_id
        )

    def set_value(self, run_id: str, step_key: str, output_name: str, value: Any) -> str:
        self.asset_store.set_asset(self.context(run_id, step_key, output_name), value)
        return f"asset store {self.name}"

    def get_value(self, run_id: str, step_key: str, output_name: str) -> Any:
        return self.asset_store.get_asset(self.context(run_id, step_key, output_name))

    def has_value(self, run_id: str, step_key: str, output_name: str) -> bool:
        has_asset = getattr(self.asset_store, "has_asset", None)
        context = self.context(run_id, step_key, output_name)
        if callable(has_asset):
            return bool(has_asset(context))
        try:
            self.asset_store.get_asset(context)
        except Exception:
            return False
        return True

    def describe(self) -> str:
        return f'in the asset store of intermediate storage "{self.name}"'


def as_value_store(made: Any, definition: IntermediateStorageDefinition, pipeline: Any) -> Any:
    """What a creation function returned, as a ``ValueStore``."""
    if all(callable(getattr(made, m, None)) for m in ("set_value", "get_value", "has_value")):
        for attribute, value in (("name", definition.name), ("is_persistent", None)):
            if not hasattr(made, attribute):
                setattr(made, attribute, value if value is not None else definition.is_persistent)
        if not callable(getattr(made, "describe", None)):
            made.describe = lambda: f'in intermediate storage "{definition.name}"'
        return made
    if callable(getattr(made, "set_asset", None)) and callable(getattr(made, "get_asset", None)):
        return AssetStoreValueStore(made, definition.name, definition.is_persistent, pipeline)
    raise DagsterInvariantViolationError(
        f'The creation function of intermediate storage "{definition.name}" returned {made!r}, '
        "which is not a storage: return an object with set_value/get_value/has_value, an asset "
        "store with set_asset/get_asset, or build_intermediate_storage_from_object_store(...)."
    )


class CustomValueStore:
    """The value store of a run whose storage is user-defined, created on first use."""

    def __init__(
        self,
        definition: IntermediateStorageDefinition,
        config: Any,
        pipeline: PipelineDefinition,
        mode: ModeDefinition,
        resolved: Any,
        run: PipelineRun,
        instance: Any,
        resource_values: Mapping[str, Any],
    ) -> None:
        if definition.creation_fn is None:
            raise DagsterInvariantViolationError(
                f'Intermediate storage "{definition.name}" has no creation function, and opbook '
                "only knows the built-in in_memory and filesystem storages by name."
            )
        self.definition = definition
        self.name = definition.name
        self.is_persistent = definition.is_persistent
        self._init = (config, pipeline, mode, resolved, run, instance, resource_values)
        self._store: Any = None

    @property
    def store(self) -> Any:
        if self._store is None:
            config, pipeline, mode, resolved, run, instance, resources = self._init
            context = InitIntermediateStorageContext(
                pipeline, mode, self.definition, run, instance, resolved, resources, config
            )
            try:
                made = self.definition.creation_fn(context)  # type: ignore[misc]
            except Exception as exc:
                raise DagsterObjectStoreError(
                    f'The creation function of intermediate storage "{self.name}" raised: {exc!r}'
                ) from exc
            self._store = as_value_store(made, self.definition, pipeline)
        return self._store

    def set_value(self, run_id: str, step_key: str, output_name: str, value: Any) -> str:
        return str(self.store.set_value(run_id, step_key, output_name, value))

    def get_value(self, run_id: str, step_key: str, output_name: str) -> Any:
        return self.store.get_value(run_id, step_key, output_name)

    def has_value(self, run_id: str, step_key: str, output_name: str) -> bool:
        return bool(self.store.has_value(run_id, step_key, output_name))

    def describe(self) -> str:
        return str(self.store.describe())
