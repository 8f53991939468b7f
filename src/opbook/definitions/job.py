"""Pipelines and jobs: a graph plus what it runs with.

``PipelineDefinition`` (pipeline generation) holds a graph, its modes and presets, tags and
hooks.  ``JobDefinition`` (job generation) is a pipeline with exactly one mode, built from
``resource_defs``, ``logger_defs`` and ``executor_def``, whose run config takes Dagster 0.13's
``execution: {config: ...}`` form; its ``config`` argument gives default run config (a dict),
maps a config schema of the job's own onto run config (a ``ConfigMapping``), or gives run config
by partition (a ``PartitionedConfig``: the job then runs one partition at a time).

Every node's required resources must be provided by every mode: checked here, at definition.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from opbook.definitions.dagster_type import DagsterTypeKind
from opbook.definitions.derived import memo_table, share_memo_tables
from opbook.definitions.engine import engine
from opbook.definitions.executor import ExecutorDefinition, default_executors
from opbook.definitions.frozen import Frozen, replace, wraps
from opbook.definitions.graph import ConfigMapping, GraphDefinition, compose
from opbook.definitions.hook import HookDefinition
from opbook.definitions.input_output import NO_VALUE
from opbook.definitions.io_manager import (
    DEFAULT_IO_MANAGER_KEY,
    RootInputManagerDefinition,
    check_graph_manager_keys,
    missing_manager_message,
    with_default_io_manager,
)
from opbook.definitions.mode import DEFAULT_MODE_NAME, ModeDefinition, PresetDefinition
from opbook.definitions.partition import PartitionedConfig, PartitionsDefinition
from opbook.definitions.partition_set import PartitionSetDefinition
from opbook.definitions.run_request import PARTITION_NAME_TAG, PARTITION_SET_TAG
from opbook.definitions.tags import validate_tags
from opbook.definitions.user_events import RetryPolicy
from opbook.definitions.version_strategy import MEMOIZED_RUN_TAG, VersionStrategy
from opbook.errors import (
    CheckError,
    DagsterInvalidDefinitionError,
    DagsterInvalidSubsetError,
    DagsterInvariantViolationError,
)


def missing_resource_message(key: str, descriptor: str, mode: ModeDefinition) -> str:
    """Dagster 0.13's message for a resource key that ``descriptor`` (``op 'load'``,
    ``hook 'notify'``, ``resource at key 'db'``) requires and ``mode`` does not provide."""
    keys = sorted(mode.resource_defs)
    if mode.name == DEFAULT_MODE_NAME:
        return (
            f"resource key '{key}' is required by {descriptor}, but is not provided. Provide a "
            f"resource for key '{key}', or change '{key}' to one of the provided resource keys: "
            f"{keys}."
        )
    return (
        f"resource key '{key}' is required by {descriptor}, but is not provided by mode "
        f"'{mode.name}'. In mode '{mode.name}', provide a resource for key '{key}', or change "
        f"'{key}' to one of the provided resource keys: {keys}."
    )


class PipelineDefinition(Frozen):
    """A graph with modes, presets, tags and hooks: what ``execute_pipeline`` runs (frozen).

    What differs between the generations is a value of the class, for callers to read rather
    than branch on: ``target_type`` (``pipeline`` / ``job`` in messages), ``node_section`` (the
    run config's ``solids:`` / ``ops:``), ``selection_argument`` (``solid_selection`` /
    ``op_selection``) and ``takes_intermediate_storage`` (a pipeline's run config has
    ``intermediate_storage:``; a job stores outputs through IO managers only).

    Args:
        solid_defs: the solids used; with ``dependencies`` they make the graph.
        name: the pipeline's name.
        dependencies: ``{solid: {input: DependencyDefinition(...)}}``.
        mode_defs: modes (default: one mode named ``default``).
        preset_defs: named run configs.
        tags: tags of every run of the pipeline.
        hook_defs: hooks attached to every solid.
        version_strategy: how to version solids without a ``version`` (makes runs memoized).
    """

    is_job = False
    target_type = "pipeline"
    node_section = "solids"
    selection_argument = "solid_selection"
    takes_intermediate_storage = True

    def __init__(
        self,
        solid_defs: Sequence[Any] | None = None,
        name: str | None = None,
        description: str | None = None,
        dependencies: Mapping[Any, Mapping[str, Any]] | None = None,
        mode_defs: Sequence[ModeDefinition] | None = None,
        preset_defs: Sequence[PresetDefinition] | None = None,
        tags: Mapping[str, Any] | None = None,
        hook_defs: Iterable[HookDefinition] | None = None,
        graph_def: GraphDefinition | None = None,
        solid_retry_policy: RetryPolicy | None = None,
        version_strategy: VersionStrategy | None = None,
    ) -> None:
        if graph_def is None:
            if not name:
                raise DagsterInvalidDefinitionError("A pipeline needs a name.")
            graph_def = GraphDefinition(
                name, description, solid_defs or [], {} if dependencies is None else dependencies
            )
        self.graph = graph_def
        self.name = name or graph_def.name
        self.description = description or graph_def.description
        self.mode_definitions = list(mode_defs or [ModeDefinition()])
        self.preset_defs = list(preset_defs or [])
        # the graph's tags, under the pipeline's own; values JSON-encoded as Dagster does
        self.tags = {**graph_def.tags, **validate_tags(tags)}
        self.hook_defs = frozenset(hook_defs or ())
        self.retry_policy = solid_retry_policy
        if version_strategy is not None and not isinstance(version_strategy, VersionStrategy):
            raise CheckError(
                f'Param "version_strategy" is not a VersionStrategy. Got {version_strategy!r} '
                f"which is type {type(version_strategy)}."
            )
        self.version_strategy = version_strategy
        self.default_run_config: dict[str, Any] | None = None
        self.config_mapping: ConfigMapping | None = None
        self.partitioned_config: PartitionedConfig[Any] | None = None
        # Set on subsets: the top-level nodes selected, and the full pipeline.
        self.solids_to_execute: frozenset[str] | None = None
        self.parent_pipeline_def: PipelineDefinition | None = None
        self._check_modes()
        self._check_presets()
        self._check_unique_node_definitions()

    # -- checks ----------------------------------------------------------------------------

    def _check_unique_node_definitions(self) -> None:
        """Two different definitions with one name anywhere in the pipeline are an error."""
        seen: dict[str, Any] = {}
        for node in self.graph.nodes:
            for definition in node.definition.iterate_node_defs():
                existing = seen.setdefault(definition.name, definition)
                if existing is not definition:
                    raise DagsterInvalidDefinitionError(
                        "Detected conflicting node definitions with the same name "
                        f'"{definition.name}" in pipeline "{self.name}".'
                    )

    def _check_modes(self) -> None:
        names = [m.name for m in self.mode_definitions]
        if len(set(names)) != len(names):
            raise DagsterInvalidDefinitionError(
                f'Pipeline "{self.name}" has two modes with the same name: {names}.'
            )
        for mode in self.mode_definitions:
            self._check_resources(mode)

    def _check_resources(self, mode: ModeDefinition) -> None:
        provided = set(mode.resource_defs)
        check_graph_manager_keys(self.graph, mode.resource_defs, mode.name)
        _check_inputs_can_be_loaded(self.graph, frozenset(), mode)
        for definition in self.graph.iterate_node_defs():
            own_keys: frozenset[str] = getattr(definition, "required_resource_keys", frozenset())
            for key in sorted(set(own_keys) - provided):
                raise DagsterInvalidDefinitionError(
                    missing_resource_message(
                        key, f"{definition.node_kind} '{definition.name}'", mode
                    )
                )
        types = _dagster_types(self.graph)
        _check_unique_type_names(types)
        for dagster_type in types:
            name = dagster_type.display_name
            needs = [
                (dagster_type.required_resource_keys, f"type '{name}'"),
                (_keys_of(dagster_type.loader), f"the loader on type '{name}'"),
                (_keys_of(dagster_type.materializer), f"the materializer on type '{name}'"),
            ]
            for keys, descriptor in needs:
                for key in sorted(set(keys) - provided):
                    raise DagsterInvalidDefinitionError(
                        missing_resource_message(key, descriptor, mode)
                    )
        for hook in self.hook_defs | _node_hooks(self.graph):
            for key in sorted(hook.required_resource_keys - provided):
                raise DagsterInvalidDefinitionError(
                    missing_resource_message(key, f"hook '{hook.name}'", mode)
                )
        for res_key, res_def in mode.resource_defs.items():
            for key in sorted(res_def.required_resource_keys - provided):
                raise DagsterInvalidDefinitionError(
                    missing_resource_message(key, f"resource at key '{res_key}'", mode)
                )

    def _check_presets(self) -> None:
        modes = {m.name for m in self.mode_definitions}
        seen: set[str] = set()
        for preset in self.preset_defs:
            if preset.name in seen:
                raise DagsterInvalidDefinitionError(
                    f'Two PresetDefinitions seen with the name "{preset.name}" in "{self.name}". '
                    "PresetDefinitions must have unique names."
                )
            seen.add(preset.name)
            if preset.mode not in modes:
                raise DagsterInvalidDefinitionError(
                    f'PresetDefinition "{preset.name}" in "{self.name}" references mode '
                    f'"{preset.mode}" which is not defined. Available modes: {sorted(modes)}.'
                )

    def is_using_memoization(self, run_tags: Mapping[str, str]) -> bool:
        """Whether a run with ``run_tags`` is memoized: tagged ``dagster/is_memoized_run``
        ``"true"``, or the pipeline has a version strategy and the tag is not ``"false"``."""
        # Every run of a plain job asks: answer without merging tags.
        plain = self.version_strategy is None and MEMOIZED_RUN_TAG not in self.tags
        if plain and MEMOIZED_RUN_TAG not in run_tags:
            return False
        tags = {**self.tags, **run_tags}
        if tags.get(MEMOIZED_RUN_TAG) == "false":
            return False
        return tags.get(MEMOIZED_RUN_TAG) == "true" or self.version_strategy is not None

    def with_version_strategy(self, version_strategy: VersionStrategy) -> PipelineDefinition:
        """This pipeline (or job) with ``version_strategy`` (opbook's own: a notebook's
        memoized runs version its ops by their source)."""
        parent = self.parent_pipeline_def
        return replace(
            self,
            version_strategy=version_strategy,
            parent_pipeline_def=None
            if parent is None
            else parent.with_version_strategy(version_strategy),
        )

    # -- modes and presets -----------------------------------------------------------------

    def describe_target(self) -> str:
        """``pipeline 'name'`` or ``job 'name'``, as messages name it."""
        return f"{self.target_type} '{self.name}'"

    def stores_through_io_managers(self, mode: ModeDefinition) -> bool:
        """Whether runs in ``mode`` store outputs through IO managers: a job's always do; a
        pipeline's do when the mode provides an ``io_manager`` (else intermediate storage)."""
        return not self.takes_intermediate_storage or DEFAULT_IO_MANAGER_KEY in mode.resource_defs

    @property
    def is_single_mode(self) -> bool:
        return len(self.mode_definitions) == 1

    @property
    def available_modes(self) -> list[str]:
        return [m.name for m in self.mode_definitions]

    def has_mode_definition(self, mode: str) -> bool:
        return any(m.name == mode for m in self.mode_definitions)

    def get_mode_definition(self, mode: str | None = None) -> ModeDefinition:
        if mode is None:
            if not self.is_single_mode:
                raise DagsterInvariantViolationError(
                    f"Pipeline {self.name} has multiple modes (Available modes: {self.available_modes}) and you "
                    "have attempted to execute it without specifying a mode. Set mode property on the "
                    "PipelineRun object."
                )
            return self.mode_definitions[0]
        for m in self.mode_definitions:
            if m.name == mode:
                return m
        raise DagsterInvariantViolationError(
            f"You have attempted to execute pipeline {self.name} with mode {mode}. "
            f"Available modes: {self.available_modes}"
        )

    @property
    def presets(self) -> list[PresetDefinition]:
        return self.preset_defs

    def has_preset(self, name: str) -> bool:
        return any(p.name == name for p in self.preset_defs)

    def get_preset(self, name: str) -> PresetDefinition:
        for p in self.preset_defs:
            if p.name == name:
                return p
        raise DagsterInvariantViolationError(
            f'Could not find preset for "{name}". Available presets for pipeline "{self.name}" are '
            f"{[p.name for p in self.preset_defs]}."
        )

    # -- the graph -------------------------------------------------------------------------

    @property
    def solids(self) -> list[Any]:
        return self.graph.nodes

    nodes = solids

    def solid_named(self, name: str) -> Any:
        return self.graph.node_named(name)

    def get_solid(self, handle: Any) -> Any:
        """The node at ``handle``, at any depth: a ``NodeHandle`` or a dotted path."""
        return self.graph.get_node(handle)

    get_node = get_solid

    def has_solid_named(self, name: str) -> bool:
        return self.graph.has_node_named(name)

    has_node_named = has_solid_named

    @property
    def solid_defs(self) -> list[Any]:
        return self.graph.node_defs

    @property
    def all_solid_defs(self) -> list[Any]:
        return list(
            {d.name: d for d in self.graph.iterate_node_defs() if d is not self.graph}.values()
        )

    @property
    def dependency_structure(self) -> Any:
        return self.graph.dependency_structure

    @property
    def dependencies(self) -> dict[str, dict[str, Any]]:
        return self.graph.dependencies

    def get_pipeline_subset_def(
        self, solids_to_execute: Iterable[str] | None
    ) -> PipelineDefinition:
        """This pipeline, marked to run only the given top-level solids."""
        if self.solids_to_execute is not None:
            raise DagsterInvariantViolationError("Pipeline subsets may not be subset again.")
        if solids_to_execute is None:
            return self
        selected = frozenset(solids_to_execute)
        for name in selected:
            if not self.graph.has_node_named(name):
                raise DagsterInvalidDefinitionError(
                    f'Pipeline "{self.name}" has no solid named "{name}". Its solids are {list(self.graph.node_dict)}.'
                )
        left_out = frozenset(self.graph.node_dict) - selected
        for mode in self.mode_definitions:
            try:
                _check_inputs_can_be_loaded(self.graph, frozenset(), mode, left_out=left_out)
            except DagsterInvalidDefinitionError as exc:
                names = ", ".join(f"'{name}'" for name in sorted(selected))
                raise DagsterInvalidSubsetError(
                    f"The attempted subset [{names}] for {self.target_type} {self.name} results "
                    f"in an invalid {self.target_type}: {exc}"
                ) from exc
        subset = replace(
            self,
            solids_to_execute=selected,
            parent_pipeline_def=self.parent_pipeline_def or self,
        )
        share_memo_tables(subset, self)
        return subset

    def with_hooks(self, hook_defs: Iterable[HookDefinition]) -> PipelineDefinition:
        """A copy with ``hook_defs`` attached to every node too (their resources checked)."""
        hooked = replace(self, hook_defs=self.hook_defs | frozenset(hook_defs))
        hooked._check_modes()
        return hooked

    def execute_in_process(
        self,
        run_config: Mapping[str, Any] | None = None,
        instance: Any = None,
        partition_key: str | None = None,
        raise_on_error: bool = True,
        op_selection: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run in this process and return an ``InProcessExecutionResult``.

        Args:
            run_config: run config (``ops:``, ``resources:`` ...); the job's default config when None.
            instance: the instance that records the run (the session's default if None).
            partition_key: run this partition of a job configured with a ``PartitionedConfig``:
                the run config is the partition's, and the run is tagged
                ``dagster/partition`` and ``dagster/partition_set``.
            raise_on_error: re-raise the user's exception when an op fails.
            op_selection: run only these ops (``*a``, ``a+``, ``a,b``).
            **kwargs: ``tags`` (run tags), and ``progress`` (True to show the run live in a
                notebook, or a callable given each event).

        Returns:
            InProcessExecutionResult: the run's events and a way to its output values.

        Raises:
            DagsterInvalidConfigError: the run config is invalid (raised before anything runs).
            DagsterUnknownPartitionError: the job has no partition ``partition_key``.
        """
        if not self.is_single_mode:
            raise CheckError("execute_in_process only supported on job / single mode pipeline")
        if partition_key is not None:
            run_config, kwargs = self._partition_run(partition_key, run_config, kwargs)
        return engine().execute_job_in_process(
            self,
            run_config,
            instance,
            raise_on_error,
            op_selection,
            **kwargs,
        )

    def _partition_run(
        self, partition_key: str, run_config: Mapping[str, Any] | None, kwargs: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The run config and run tags of a run of one partition."""
        if run_config:
            raise CheckError(
                "Invariant failed. Description: Cannot provide both run_config and partition_key "
                "arguments to `execute_in_process`"
            )
        config, partition_tags = self.partition_run(partition_key)
        tags = {**partition_tags, **(kwargs.pop("tags", None) or {})}
        return config, {**kwargs, "tags": tags}

    def partition_run(self, partition_key: str) -> tuple[dict[str, Any], dict[str, str]]:
        """The run config and the tags of a run of one partition (opbook's own).

        Raises:
            CheckError: the job has no partitioned config.
            DagsterUnknownPartitionError: the job has no partition ``partition_key``.
        """
        if self.partitioned_config is None:
            raise CheckError(
                f"Provided partition key `{partition_key}` for job `{self.name}` without a partitioned config"
            )
        tags = {
            PARTITION_NAME_TAG: partition_key,
            PARTITION_SET_TAG: f"{self.name}_partition_set",
        }
        return self.partitioned_config.get_run_config(partition_key), tags

    def get_partition_set_def(self) -> PartitionSetDefinition[Any] | None:
        """The partition set of a job with a partitioned config (``<job>_partition_set``)."""
        if self.partitioned_config is None:
            return None
        memo = memo_table(self, "partition_set")
        cached: PartitionSetDefinition[Any] | None = memo.get(self.name)
        if cached is None:
            cached = memo[self.name] = PartitionSetDefinition(
                name=f"{self.name}_partition_set",
                job_name=self.name,
                partitions_def=self.partitioned_config.partitions_def,
                run_config_fn_for_partition=self.partitioned_config.run_config_for_partition_fn,
                mode=self.mode_definitions[0].name,
            )
        return cached

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def _check_inputs_can_be_loaded(
    graph: GraphDefinition,
    fed: frozenset[str],
    mode: ModeDefinition,
    prefix: str = "",
    left_out: frozenset[str] = frozenset(),
) -> None:
    """Raise Dagster's definition error for an op input that nothing can give a value: not
    connected (here, or through the graph inputs ``fed`` from outside), and without a default
    value or a loader for its type, or whose root input manager ``mode`` lacks.  ``left_out``:
    top-level nodes that a subset does not run (their outputs feed nothing)."""
    mapped = {(m.node_name, m.input_name): m.graph_input_name for m in graph.input_mappings}
    for node in graph.nodes:
        if node.name in left_out:
            continue
        connected: set[str] = set()
        for input_def in node.definition.input_defs:
            sources = graph.wiring.get((node.name, input_def.name))
            outer = mapped.get((node.name, input_def.name))
            listed = [] if sources is None else list(sources.sources)
            if (
                (sources is not None and sources.is_fan_in and not listed)
                or any(u.node_name and u.node_name not in left_out for u in listed)
                or any(not u.node_name and u.output_name in fed for u in listed)
                or (outer is not None and outer in fed)
            ):
                connected.add(input_def.name)
            elif input_def.root_manager_key:
                _check_root_manager(input_def, f"{prefix}{node.name}", node, mode)
            elif not (
                isinstance(node.definition, GraphDefinition)
                or input_def.is_nothing
                or input_def.default_value is not NO_VALUE
                or input_def.dagster_type.loader is not None
            ):
                raise DagsterInvalidDefinitionError(
                    f"Input '{input_def.name}' in {node.definition.node_kind} "
                    f"'{prefix}{node.name}' is not "
                    "connected to the output of a previous node and can not be loaded from "
                    "configuration, making it impossible to execute. Possible solutions are:\n"
                    "  * add a dagster_type_loader for the type "
                    f"'{input_def.dagster_type.display_name}'\n"
                    f"  * connect '{input_def.name}' to the output of another node\n"
                )
        if isinstance(node.definition, GraphDefinition):
            _check_inputs_can_be_loaded(
                node.definition, frozenset(connected), mode, f"{prefix}{node.name}."
            )


def _check_root_manager(input_def: Any, path: str, node: Any, mode: ModeDefinition) -> None:
    """An unconnected input with a root manager key needs that manager in the mode."""
    key = input_def.root_manager_key
    if key in mode.resource_defs:
        return
    root_managers = [
        k for k, v in mode.resource_defs.items() if isinstance(v, RootInputManagerDefinition)
    ]
    raise DagsterInvalidDefinitionError(
        missing_manager_message(
            "root input manager",
            key,
            f"unsatisfied input '{input_def.name}' of {node.definition.node_kind} '{path}'",
            mode.name,
            root_managers,
        )
    )


def _dagster_types(graph: GraphDefinition) -> list[Any]:
    """The Dagster types of the inputs and outputs of the graph's ops, each once, in order."""
    found: dict[int, Any] = {}
    for definition in graph.iterate_node_defs():
        if isinstance(definition, GraphDefinition):
            continue
        io_defs: list[Any] = [*definition.input_defs, *definition.output_defs]
        for io_def in io_defs:
            found.setdefault(id(io_def.dagster_type), io_def.dagster_type)
    return list(found.values())


def _check_unique_type_names(types: list[Any]) -> None:
    """Two different Dagster types of one name in a pipeline are an error, as in Dagster (types
    inferred from a type hint, and containers such as ``List[Int]``, are not named by users)."""
    seen: dict[str, Any] = {}
    for dagster_type in types:
        if dagster_type.key.startswith("_TypeHintInferred") or dagster_type.kind not in (
            DagsterTypeKind.REGULAR,
            DagsterTypeKind.SCALAR,
        ):
            continue
        other = seen.setdefault(dagster_type.name, dagster_type)
        if other is not dagster_type:
            raise DagsterInvalidDefinitionError(
                f'You have created two dagster types with the same name "{dagster_type.name}". '
                "Dagster types have must have unique names."
            )


def _keys_of(loader_or_materializer: Any) -> frozenset[str]:
    return frozenset(getattr(loader_or_materializer, "required_resource_keys", ()))


def _node_hooks(graph: GraphDefinition) -> frozenset[HookDefinition]:
    """The hooks attached to nodes (``op.with_hooks``), at any depth of nesting."""
    hooks: set[HookDefinition] = set()
    for node in graph.nodes:
        hooks |= node.hook_defs
        if isinstance(node.definition, GraphDefinition):
            hooks |= _node_hooks(node.definition)
    return frozenset(hooks)


class JobDefinition(PipelineDefinition):
    """A graph with its resources, loggers, executor, default config, tags and hooks."""

    is_job = True
    target_type = "job"
    node_section = "ops"
    selection_argument = "op_selection"
    takes_intermediate_storage = False

    def __init__(
        self,
        graph_def: GraphDefinition,
        resource_defs: Mapping[str, Any] | None = None,
        executor_def: ExecutorDefinition | None = None,
        logger_defs: Mapping[str, Any] | None = None,
        config: Any = None,
        name: str | None = None,
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
        hook_defs: Iterable[HookDefinition] | None = None,
        op_retry_policy: RetryPolicy | None = None,
        preset_defs: Sequence[PresetDefinition] | None = None,
        partitions_def: PartitionsDefinition[Any] | None = None,
        version_strategy: VersionStrategy | None = None,
    ) -> None:
        mode = ModeDefinition(
            DEFAULT_MODE_NAME,
            resource_defs=with_default_io_manager(resource_defs),
            logger_defs=logger_defs,
            executor_defs=[executor_def] if executor_def is not None else default_executors,
            _job_style_execution=True,
        )
        super().__init__(
            name=name or graph_def.name,
            description=description,
            mode_defs=[mode],
            preset_defs=preset_defs,
            tags=tags,
            hook_defs=hook_defs,
            graph_def=graph_def,
            solid_retry_policy=op_retry_policy,
            version_strategy=version_strategy,
        )
        if partitions_def is not None:
            if not isinstance(partitions_def, PartitionsDefinition):
                raise DagsterInvalidDefinitionError(
                    f'partitions_def of job "{self.name}" must be a PartitionsDefinition, got {partitions_def!r}.'
                )
            if config is not None:
                raise CheckError(
                    "Invariant failed. Description: Can't supply both the 'config' and 'partitions_def' arguments"
                )
            config = PartitionedConfig(partitions_def, lambda _partition: {})
        if isinstance(config, ConfigMapping):
            self.config_mapping = config
        elif isinstance(config, PartitionedConfig):
            self.partitioned_config = config
        elif isinstance(config, Mapping):
            self.default_run_config = dict(config)
            engine().check_default_run_config(self, self.default_run_config)
        elif config is not None:
            raise DagsterInvalidDefinitionError(
                f'config of job "{self.name}" must be a dict of run config, a ConfigMapping or a PartitionedConfig, got {config!r}.'
            )
        elif graph_def.default_ops_config is not None:
            self.default_run_config = {"ops": dict(graph_def.default_ops_config)}

    @property
    def executor_def(self) -> ExecutorDefinition:
        return self.mode_definitions[0].executor_defs[0]

    @property
    def resource_defs(self) -> dict[str, Any]:
        return self.mode_definitions[0].resource_defs

    @property
    def op_retry_policy(self) -> RetryPolicy | None:
        return self.retry_policy

    def get_job_def_for_op_selection(self, op_selection: Sequence[str] | None) -> JobDefinition:
        """This job, marked to run only the ops the selection names (``*a``, ``a+``)."""
        if not op_selection:
            return self
        selected = engine().select_nodes(self, op_selection)
        return self.get_pipeline_subset_def(selected)  # type: ignore[return-value]


def pipeline(
    name: Any = None,
    description: str | None = None,
    mode_defs: Sequence[ModeDefinition] | None = None,
    preset_defs: Sequence[PresetDefinition] | None = None,
    tags: Mapping[str, Any] | None = None,
    hook_defs: Iterable[HookDefinition] | None = None,
    solid_retry_policy: RetryPolicy | None = None,
    version_strategy: VersionStrategy | None = None,
) -> Any:
    """Define a pipeline from a composition function.  Usable bare (``@pipeline``).

    The function calls solids to wire them: each call's result is the output it passes on.

    Args:
        name: the pipeline's name (default: the function's).
        description: shown in docs and the notebook (default: the function's docstring).
        mode_defs: the modes it can run in (default: one mode, ``default``).
        preset_defs: named run configs, each with its mode.
        tags: tags of every run of the pipeline.
        hook_defs: hooks attached to every solid.
        solid_retry_policy: the retry policy of every solid that has none of its own.
        version_strategy: how to version solids without a ``version`` (makes runs memoized).

    Returns:
        PipelineDefinition (or, given the function directly, the decorator applied to it).
    """
    if callable(name) and not isinstance(name, str):
        return pipeline()(name)

    def wrap(fn: Callable[..., Any]) -> PipelineDefinition:
        return _from_function(
            fn,
            name,
            "@pipeline",
            lambda graph_def: PipelineDefinition(
                name=graph_def.name,
                description=description or inspect.getdoc(fn),
                mode_defs=mode_defs,
                preset_defs=preset_defs,
                tags=tags,
                hook_defs=hook_defs,
                graph_def=graph_def,
                solid_retry_policy=solid_retry_policy,
                version_strategy=version_strategy,
            ),
        )

    return wrap


def job(
    name: Any = None,
    description: str | None = None,
    resource_defs: Mapping[str, Any] | None = None,
    config: Any = None,
    tags: Mapping[str, Any] | None = None,
    logger_defs: Mapping[str, Any] | None = None,
    executor_def: ExecutorDefinition | None = None,
    hooks: Iterable[HookDefinition] | None = None,
    op_retry_policy: RetryPolicy | None = None,
    version_strategy: VersionStrategy | None = None,
    partitions_def: PartitionsDefinition[Any] | None = None,
) -> Any:
    """Define a job from a composition function.  Usable bare (``@job``).

    The function calls ops to wire them: each call's result is the output it passes on.

    Args:
        name: the job's name (default: the function's).
        description: shown in docs and the notebook (default: the function's docstring).
        resource_defs: resources by key (``ResourceDefinition`` objects or plain values).
        config: the run config its runs use when given none (a dict), a ``ConfigMapping``, or
            a ``PartitionedConfig`` (run config by partition).
        tags: tags of every run of the job.
        logger_defs: loggers by name (default: ``console``).
        executor_def: the executor (default: in process, or multiprocess by run config).
        hooks: hooks attached to every op.
        op_retry_policy: the retry policy of every op that has none of its own.
        version_strategy: how to version ops without a ``version``; runs of a job with one
            are memoized (a step whose outputs are stored under their versions is not run).
        partitions_def: the job's partitions, when its run config does not depend on them.

    Returns:
        JobDefinition (or, given the function directly, the decorator applied to it).
    """
    if callable(name) and not isinstance(name, str):
        return job()(name)

    def wrap(fn: Callable[..., Any]) -> JobDefinition:
        return _from_function(  # type: ignore[return-value]
            fn,
            name,
            "@job",
            lambda graph_def: JobDefinition(
                graph_def,
                resource_defs,
                executor_def,
                logger_defs,
                config,
                graph_def.name,
                description or inspect.getdoc(fn),
                tags,
                hooks,
                op_retry_policy,
                partitions_def=partitions_def,
                version_strategy=version_strategy,
            ),
        )

    return wrap


def _from_function(
    fn: Callable[..., Any],
    name: str | None,
    source: str,
    make: Callable[[GraphDefinition], PipelineDefinition],
) -> PipelineDefinition:
    graph_name = name or fn.__name__
    if inspect.signature(fn).parameters:
        raise DagsterInvalidDefinitionError(
            f'"{graph_name}" takes parameters; a job or pipeline composition function takes none '
            "(use @graph for a graph with inputs)."
        )
    # A job has no outputs, so it may return nothing; a pipeline's return value is ignored.
    if source == "@job":
        composed = compose(graph_name, fn, [], source)
    else:
        composed = compose(graph_name, fn, None, source, ignore_output=True)
    graph_def = GraphDefinition(
        graph_name,
        inspect.getdoc(fn),
        output_mappings=composed.output_mappings,
        _nodes=composed.nodes,
        _wiring=composed.wiring,
    )
    return wraps(make(graph_def), fn, ("__module__", "__name__", "__qualname__"))
