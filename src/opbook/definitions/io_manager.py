"""IO managers: how the outputs of a job's ops are stored and loaded again (Dagster 0.13).

An ``IOManager`` is an object with ``handle_output(context, obj)`` and
``load_input(context)``; an ``IOManagerDefinition`` is the resource that builds one, and ops
name theirs by resource key (``Out(io_manager_key=...)``, ``"io_manager"`` by default).  A
``RootInputManager`` loads an input that no upstream output feeds
(``In(root_manager_key=...)``).

The built-in managers: ``mem_io_manager`` (a dict, for one process), ``fs_io_manager`` (one
pickle file per run, step and output under ``<base_dir>/<run_id>/<step_key>/<output_name>``,
``base_dir`` defaulting to the instance's storage directory; memoizable: a memoized run's
outputs go under ``<base_dir>/versioned_outputs/<version>/``) and
``custom_path_fs_io_manager`` (a path per output, from its metadata).  A job's default
``io_manager`` is ``default_job_io_manager`` (files), which ``execute_in_process`` swaps for
memory.  The contexts handed to managers live in ``execution/io_contexts.py``: definitions only
call their documented members.
"""

from __future__ import annotations

import os
import pickle
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import IO, Any

from opbook import config as cfg
from opbook.definitions.atomic_files import write_atomically
from opbook.definitions.frozen import wraps
from opbook.definitions.metadata import EventMetadataEntry
from opbook.definitions.resource import ResourceDefinition
from opbook.definitions.user_events import AssetKey, AssetMaterialization
from opbook.errors import DagsterInvalidDefinitionError, DagsterInvariantViolationError

DEFAULT_IO_MANAGER_KEY = "io_manager"


class IOManager(ABC):
    """Stores the outputs of ops and loads them as the inputs of downstream ops.

    Subclass it and implement both methods; return an instance from an ``@io_manager``
    function.
    """

    @abstractmethod
    def handle_output(self, context: Any, obj: Any) -> Any:
        """Store ``obj``, the output described by ``context`` (an ``OutputContext``).  May
        return or yield ``AssetMaterialization`` events and metadata entries."""

    @abstractmethod
    def load_input(self, context: Any) -> Any:
        """The value of the input described by ``context`` (an ``InputContext``), usually
        the upstream output ``context.upstream_output``."""

    def get_output_asset_key(self, _context: Any) -> AssetKey | None:
        """The asset an output is stored as, if the manager knows one (None by default)."""
        return None

    def get_output_asset_partitions(self, _context: Any) -> set[str]:
        return set()

    def get_input_asset_key(self, context: Any) -> AssetKey | None:
        return self.get_output_asset_key(context.upstream_output)

    def get_input_asset_partitions(self, context: Any) -> set[str]:
        return self.get_output_asset_partitions(context.upstream_output)


class MemoizableIOManager(IOManager):
    """An IO manager that memoized runs can use: it also says whether it holds an output.

    Implement ``has_output(context)`` beside ``handle_output`` and ``load_input``; in a memoized
    run ``context.version`` is the output's version, and a step whose outputs are all held is
    not run.
    """

    @abstractmethod
    def has_output(self, context: Any) -> bool:
        """Whether the output described by ``context`` (an ``OutputContext``) is stored."""


class RootInputManager(ABC):
    """Loads an input that no upstream output feeds: ``In(root_manager_key=...)``."""

    @abstractmethod
    def load_input(self, context: Any) -> Any:
        """The value of the input described by ``context`` (an ``InputContext``)."""


class _ManagerDefinition(ResourceDefinition):
    """A resource whose value is a manager, with config schemas for each input or output."""

    def __init__(
        self,
        resource_fn: Callable[..., Any],
        config_schema: Any = None,
        description: str | None = None,
        required_resource_keys: Iterable[str] | None = None,
        version: str | None = None,
        input_config_schema: Any = None,
        output_config_schema: Any = None,
    ) -> None:
        super().__init__(resource_fn, config_schema, description, required_resource_keys, version)
        self._input_config_schema = input_config_schema
        self._output_config_schema = output_config_schema

    @property
    def input_config_schema(self) -> cfg.Field | None:
        schema = self._input_config_schema
        return None if schema is None else cfg.convert_to_field(schema)

    @property
    def output_config_schema(self) -> cfg.Field | None:
        schema = self._output_config_schema
        return None if schema is None else cfg.convert_to_field(schema)

    def _copy_for_configured(
        self, config_schema: Any, description: str | None
    ) -> ResourceDefinition:
        return type(self)(
            self.resource_fn,
            config_schema,
            description,
            self.required_resource_keys,
            self.version,
            self._input_config_schema,
            self._output_config_schema,
        )

    def __repr__(self) -> str:
        name = getattr(self, "__name__", None) or getattr(self.resource_fn, "__name__", "manager")
        return f"<{type(self).__name__} {name}>"


class IOManagerDefinition(_ManagerDefinition):
    """A resource definition whose ``resource_fn`` returns an ``IOManager``.

    Args:
        resource_fn: ``fn(init_context) -> IOManager``.
        config_schema: the schema of ``resources.<key>.config``.
        description: shown in docs and the notebook.
        required_resource_keys: resources the manager uses (``context.resources``).
        version: the manager's version.
        input_config_schema: the schema of each input's config.
        output_config_schema: the schema of each output's config.
    """

    @staticmethod
    def hardcoded_io_manager(
        value: IOManager, description: str | None = None
    ) -> IOManagerDefinition:
        """A definition that always gives the manager ``value`` (handy in tests)."""
        if not isinstance(value, IOManager):
            raise DagsterInvalidDefinitionError(
                f"hardcoded_io_manager needs an IOManager, got {value!r}."
            )
        return IOManagerDefinition(lambda _init_context: value, description=description)


class RootInputManagerDefinition(_ManagerDefinition):
    """A resource definition whose ``resource_fn`` returns a ``RootInputManager``."""

    def __init__(
        self,
        resource_fn: Callable[..., Any],
        config_schema: Any = None,
        description: str | None = None,
        required_resource_keys: Iterable[str] | None = None,
        version: str | None = None,
        input_config_schema: Any = None,
        output_config_schema: Any = None,
    ) -> None:
        super().__init__(
            resource_fn,
            config_schema,
            description,
            required_resource_keys,
            version,
            input_config_schema,
        )


def _manager_decorator(
    kind: type[_ManagerDefinition],
    config_schema: Any,
    description: str | None,
    required_resource_keys: Iterable[str] | None,
    version: str | None,
    input_config_schema: Any,
    output_config_schema: Any = None,
) -> Any:
    # Used bare (``@io_manager``): the decorated function arrives as the first argument.
    if callable(config_schema) and not isinstance(
        config_schema, (type, dict, list, cfg.ConfigType, cfg.Field)
    ):
        return _manager_decorator(kind, None, None, None, None, None)(config_schema)

    def wrap(fn: Callable[..., Any]) -> Any:
        definition = kind(
            fn,
            config_schema,
            description or fn.__doc__,
            required_resource_keys,
            version,
            input_config_schema,
            output_config_schema,
        )
        return wraps(definition, fn, ("__name__",))

    return wrap


def io_manager(
    config_schema: Any = None,
    description: str | None = None,
    output_config_schema: Any = None,
    input_config_schema: Any = None,
    required_resource_keys: Iterable[str] | None = None,
    version: str | None = None,
) -> Any:
    """Define an IO manager from a function of the init context that returns an ``IOManager``.
    Usable bare (``@io_manager``).

    Args:
        config_schema: the schema of ``resources.<key>.config``.
        description: shown in docs and the notebook.
        output_config_schema: the schema of each output's config.
        input_config_schema: the schema of each input's config.
        required_resource_keys: resources the manager uses (``context.resources``).
        version: the manager's version.

    Returns:
        IOManagerDefinition (or, given the function directly, the decorator applied to it).
    """
    return _manager_decorator(
        IOManagerDefinition,
        config_schema,
        description,
        required_resource_keys,
        version,
        input_config_schema,
        output_config_schema,
    )


def root_input_manager(
    config_schema: Any = None,
    description: str | None = None,
    input_config_schema: Any = None,
    required_resource_keys: Iterable[str] | None = None,
    version: str | None = None,
) -> Any:
    """Define a root input manager from a function of the init context that returns a
    ``RootInputManager``, or from a plain ``load_input(context)`` function.  Usable bare.

    Args:
        config_schema: the schema of ``resources.<key>.config``.
        description: shown in docs and the notebook.
        input_config_schema: the schema of each input's config.
        required_resource_keys: resources the manager uses (``context.resources``).
        version: the manager's version.

    Returns:
        RootInputManagerDefinition (or, given the function directly, the decorator applied).
    """
    if callable(config_schema) and not isinstance(
        config_schema, (type, dict, list, cfg.ConfigType, cfg.Field)
    ):
        return root_input_manager()(config_schema)

    def wrap(load_fn: Callable[..., Any]) -> RootInputManagerDefinition:
        # As in Dagster, the decorated function is ``load_input(context)`` itself.
        manager = _FunctionRootInputManager(load_fn)
        definition = RootInputManagerDefinition(
            lambda _init_context: manager,
            config_schema,
            description or load_fn.__doc__,
            required_resource_keys,
            version,
            input_config_schema,
        )
        return wraps(definition, load_fn, ("__name__",))

    return wrap


class _FunctionRootInputManager(RootInputManager):
    def __init__(self, load_fn: Callable[..., Any]) -> None:
        self._load_fn = load_fn

    def load_input(self, context: Any) -> Any:
        return self._load_fn(context)


# -- built-in managers --------------------------------------------------------------------


class InMemoryIOManager(IOManager):
    """Keeps outputs in a dict, keyed by ``context.get_output_identifier()``."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, ...], Any] = {}

    def handle_output(self, context: Any, obj: Any) -> None:
        self.values[tuple(context.get_output_identifier())] = obj

    def load_input(self, context: Any) -> Any:
        return self.values[tuple(context.upstream_output.get_output_identifier())]


class PickledObjectFilesystemIOManager(MemoizableIOManager):
    """Pickles each output to ``<base_dir>/<run_id>/<step_key>/<output_name>``; in a memoized
    run, to ``<base_dir>/versioned_outputs/<version>/<step_key>/<output_name>``, where a later
    run finds it."""

    def __init__(self, base_dir: str | None = None) -> None:
        self.base_dir = base_dir or "."

    def _get_path(self, context: Any) -> str:
        return os.path.join(self.base_dir, *context.get_output_identifier())

    def has_output(self, context: Any) -> bool:
        return os.path.exists(self._get_path(context))

    def handle_output(self, context: Any, obj: Any) -> None:
        path = self._get_path(context)
        context.log.debug(f"Writing file at: {path}")
        _write_pickle(path, obj)

    def load_input(self, context: Any) -> Any:
        path = self._get_path(context.upstream_output)
        context.log.debug(f"Loading file from: {path}")
        with open(path, "rb") as file:
            return pickle.load(file)


class CustomPathPickledObjectFilesystemIOManager(IOManager):
    """Pickles each output to ``<base_dir>/<path>``, ``path`` taken from the output's
    metadata, and reports it as an asset."""

    def __init__(self, base_dir: str | None = None) -> None:
        self.base_dir = base_dir or "."

    def _get_path(self, context: Any) -> str:
        path = (context.metadata or {}).get("path")
        if not isinstance(path, str):
            raise DagsterInvariantViolationError(
                f'custom_path_fs_io_manager needs metadata={{"path": ...}} on output '
                f'"{context.name}" of step "{context.step_key}", got {path!r}.'
            )
        return os.path.join(self.base_dir, path)

    def handle_output(self, context: Any, obj: Any) -> AssetMaterialization:
        path = self._get_path(context)
        context.log.debug(f"Writing file at: {path}")
        _write_pickle(path, obj)
        return AssetMaterialization(
            asset_key=AssetKey([context.pipeline_name, context.step_key, context.name]),
            metadata_entries=[EventMetadataEntry.fspath(os.path.abspath(path))],
        )

    def load_input(self, context: Any) -> Any:
        path = self._get_path(context.upstream_output)
        context.log.debug(f"Loading file from: {path}")
        with open(path, "rb") as file:
            return pickle.load(file)


def _write_pickle(path: str, obj: Any) -> None:
    """Pickle ``obj`` to ``path`` atomically, directories 0700 and the file 0600; a value of a
    class defined in a notebook or ``__main__`` is pickled by value (cloudpickle)."""
    directory = os.path.dirname(path)
    _make_private_dirs(directory)
    write_atomically(path, lambda handle: _dump(obj, handle))


def _dump(obj: Any, handle: IO[bytes]) -> None:
    try:
        pickle.dump(obj, handle, pickle.HIGHEST_PROTOCOL)
    except Exception:
        import cloudpickle  # 50 ms to import: only when a value needs it

        handle.seek(0)
        handle.truncate()
        cloudpickle.dump(obj, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _make_private_dirs(path: str) -> None:
    missing = []
    current = os.path.abspath(path)
    while not os.path.isdir(current):
        missing.append(current)
        current = os.path.dirname(current)
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:  # made meanwhile by another process
            pass


_BASE_DIR = cfg.Field(cfg.StringSource, is_required=False)


def _fs_io_manager(init_context: Any) -> IOManager:
    base_dir = (init_context.resource_config or {}).get("base_dir")
    return PickledObjectFilesystemIOManager(base_dir or init_context.instance.storage_directory)


def _custom_path_fs_io_manager(init_context: Any) -> IOManager:
    return CustomPathPickledObjectFilesystemIOManager(init_context.resource_config["base_dir"])


def _mem_io_manager(_init_context: Any) -> IOManager:
    return InMemoryIOManager()


def _default_job_io_manager(init_context: Any) -> IOManager:
    return PickledObjectFilesystemIOManager(init_context.instance.storage_directory)


fs_io_manager = wraps(
    IOManagerDefinition(
        _fs_io_manager,
        config_schema={"base_dir": _BASE_DIR},
        description="Pickles each output to <base_dir>/<run_id>/<step_key>/<output_name>; "
        "base_dir defaults to the instance's storage directory.",
    ),
    __name__="fs_io_manager",
)

custom_path_fs_io_manager = wraps(
    IOManagerDefinition(
        _custom_path_fs_io_manager,
        config_schema={"base_dir": cfg.Field(cfg.StringSource, is_required=True)},
        description='Pickles each output to <base_dir>/<path>, path from the output\'s metadata {"path": ...}.',
    ),
    __name__="custom_path_fs_io_manager",
)

mem_io_manager = wraps(
    IOManagerDefinition(
        _mem_io_manager, description="Keeps outputs in memory, for the run's process."
    ),
    __name__="mem_io_manager",
)

default_job_io_manager = wraps(
    IOManagerDefinition(
        _default_job_io_manager,
        description="The default io manager for Jobs. Uses filesystem but switches to in-memory "
        "when invoked through execute_in_process.",
    ),
    __name__="default_job_io_manager",
)


def default_manager_in_memory(resource_defs: Any, storage_name: str | None) -> bool:
    """Whether a run keeps the outputs of a job's default ``io_manager`` in memory: its
    record says ``in_memory`` (``execute_in_process``) and the manager was not replaced."""
    return (
        storage_name == "in_memory"
        and resource_defs.get(DEFAULT_IO_MANAGER_KEY) is default_job_io_manager
    )


# -- definition checks --------------------------------------------------------------------


def with_default_io_manager(resource_defs: Any) -> dict[str, Any]:
    """A job's resources: ``io_manager`` is ``default_job_io_manager`` unless given."""
    resources = dict(resource_defs or {})
    resources.setdefault(DEFAULT_IO_MANAGER_KEY, default_job_io_manager)
    return resources


def check_graph_manager_keys(graph: Any, resource_defs: Any, mode_name: str = "default") -> None:
    """``check_manager_keys`` for every op of ``graph``, at any depth of nesting."""
    for node in graph.nodes:
        definition = node.definition
        if hasattr(definition, "nodes"):
            check_graph_manager_keys(definition, resource_defs, mode_name)
        else:
            check_manager_keys(
                node.name, definition.node_kind, definition, resource_defs, mode_name
            )


def missing_manager_message(
    manager: str, key: str, descriptor: str, mode_name: str, provided: Iterable[str]
) -> str:
    """Dagster 0.13's message for a manager key (``manager``: ``IO manager`` or ``root input
    manager``) that ``descriptor`` requires and the mode does not provide."""
    keys = sorted(provided)
    if mode_name == "default":
        return (
            f"{manager} key '{key}' is required by {descriptor}, but is not provided. Provide a "
            f"{manager} for key '{key}', or change '{key}' to one of the provided {manager} "
            f"keys: {keys}."
        )
    return (
        f"{manager} key '{key}' is required by {descriptor}, but is not provided by mode "
        f"'{mode_name}'. In mode '{mode_name}', provide a {manager} for key '{key}', or change "
        f"'{key}' to one of the provided {manager} keys: {keys}."
    )


def check_manager_keys(
    node_name: str,
    node_kind: str,
    definition: Any,
    resource_defs: Any,
    mode_name: str = "default",
) -> None:
    """Raise Dagster's definition error for an output whose IO manager key names no resource
    of the mode, or an output or input whose key names a resource that is not a manager of the
    right kind (a missing root input manager matters only for an unconnected input)."""
    where = f"{node_kind} '{node_name}'"
    for output_def in definition.output_defs:
        key = output_def.io_manager_key
        if key == DEFAULT_IO_MANAGER_KEY and key not in resource_defs:
            continue  # a pipeline keeping its values in intermediate storage
        if key not in resource_defs:
            io_managers = [
                k for k, v in resource_defs.items() if isinstance(v, IOManagerDefinition)
            ]
            raise DagsterInvalidDefinitionError(
                missing_manager_message(
                    "IO manager",
                    key,
                    f"output '{output_def.name}' of {where}",
                    mode_name,
                    io_managers,
                )
            )
        if not isinstance(resource_defs[key], IOManagerDefinition):
            raise DagsterInvalidDefinitionError(
                f'Output "{output_def.name}" for {where} requires io_manager_key "{key}", but the '
                "resource definition provided is not an IOutputManagerDefinition"
            )
    for input_def in definition.input_defs:
        key = input_def.root_manager_key
        if key is None:
            continue
        if key not in resource_defs:
            continue  # needed only by an unconnected input: checked with the graph (job.py)
        if not isinstance(resource_defs[key], _ManagerDefinition):
            raise DagsterInvalidDefinitionError(
                f"Input '{input_def.name}' for {where} requires root_manager_key '{key}', but the "
                "resource definition provided is not an IInputManagerDefinition"
            )


def manager_resource_keys(resource_defs: Any) -> frozenset[str]:
    """The keys of a mode's resources that are IO or root input managers."""
    return frozenset(k for k, v in resource_defs.items() if isinstance(v, _ManagerDefinition))
