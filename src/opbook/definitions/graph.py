"""Graphs: nodes wired together, themselves usable as nodes.

A graph keeps its nodes (by unique name), the wiring of every connected input (an
``InputSources`` per ``(node, input)``), and the mappings between its own inputs/outputs and its
nodes'.  It is built either from a composition function (``@graph``, ``@composite_solid``), or
from explicit definitions plus a dependency dict (``GraphDefinition(...)``, and the pipeline
generation's ``PipelineDefinition``).  Wiring is checked when the graph is built: unknown nodes,
inputs and outputs, and cycles (reported as ``a -> b -> a``) raise
``DagsterInvalidDefinitionError``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opbook import config as cfg
from opbook import dag
from opbook.definitions import composition, dynamic
from opbook.definitions.config_mapping import ConfigMapping
from opbook.definitions.configured import ConfiguredSchema
from opbook.definitions.dependencies import (
    DependencyDefinition,
    DynamicCollectDependencyDefinition,
    InputMapping,
    InputSources,
    MultiDependencyDefinition,
    Node,
    OutputMapping,
    SolidInvocation,
    Upstream,
)
from opbook.definitions.dependency_structure import DependencyStructure
from opbook.definitions.engine import engine
from opbook.definitions.frozen import wraps
from opbook.definitions.input_output import (
    DynamicOutputDefinition,
    GraphIn,
    GraphOut,
    In,
    InputDefinition,
    Out,
    OutputDefinition,
)
from opbook.definitions.names import check_valid_name
from opbook.definitions.node import NodeDefinition
from opbook.errors import DagsterInvalidDefinitionError, DagsterInvariantViolationError

Wiring = dict[tuple[str, str], InputSources]


class GraphDefinition(NodeDefinition):
    """Nodes wired together.

    Args:
        name: the graph's name.
        node_defs: the definitions the graph uses.
        dependencies: ``{node: {input: DependencyDefinition(...)}}``; keys may be
            ``NodeInvocation`` to alias a definition.
        input_mappings: which input of which node each of the graph's inputs feeds.
        output_mappings: which output of which node each of the graph's outputs is.
        config: a ``ConfigMapping`` giving the graph a config of its own.

    ``_nodes``/``_wiring`` (nodes and wiring already built by a composition function),
    ``_default_ops_config`` (``@graph(config={...})``) and ``_configured`` (the schema of a
    configured copy) are opbook's own, for its decorators and ``configured``.
    """

    node_kind = "graph"

    def __init__(
        self,
        name: str,
        description: str | None = None,
        node_defs: Sequence[NodeDefinition] | None = None,
        dependencies: Mapping[Any, Mapping[str, Any]] | None = None,
        input_mappings: Sequence[InputMapping] | None = None,
        output_mappings: Sequence[OutputMapping] | None = None,
        config: ConfigMapping | None = None,
        tags: Mapping[str, Any] | None = None,
        input_defs: Sequence[InputDefinition] | None = None,
        output_defs: Sequence[OutputDefinition] | None = None,
        _nodes: Mapping[str, Node] | None = None,
        _wiring: Wiring | None = None,
        _default_ops_config: Mapping[str, Any] | None = None,
        _configured: ConfiguredSchema | None = None,
    ) -> None:
        if _nodes is None:
            _nodes, _wiring = wire_from_dependencies(
                name, node_defs or (), {} if dependencies is None else dependencies
            )
        self._nodes: dict[str, Node] = dict(_nodes)
        self._wiring: Wiring = dict(_wiring or {})
        self.input_mappings = list(input_mappings or [])
        self.output_mappings = list(output_mappings or [])
        self.config_mapping = config
        # `@graph(config={...})`: node config used by jobs made from this graph unless they
        # are given config of their own.
        self.default_ops_config: dict[str, Any] | None = (
            None if _default_ops_config is None else dict(_default_ops_config)
        )
        _check_wiring(name, self._nodes, self._wiring)
        _check_mappings(name, self._nodes, self.input_mappings, self.output_mappings)
        super().__init__(
            name,
            input_defs
            if input_defs is not None
            else _graph_input_defs(self._nodes, self.input_mappings),
            output_defs
            if output_defs is not None
            else _graph_output_defs(self._nodes, self.output_mappings),
            description,
            tags,
            _configured or _mapping_schema(config),
        )
        # node -> the dynamic output it is mapped over (checked against Dagster's rules)
        self.dynamic_fan_out_index = dynamic.check_graph(type(self).__name__, self)

    # -- structure -------------------------------------------------------------------------

    @property
    def nodes(self) -> list[Node]:
        return list(self._nodes.values())

    solids = nodes

    @property
    def node_dict(self) -> dict[str, Node]:
        return self._nodes

    def node_names(self) -> list[str]:
        """The names of the graph's own (top-level) nodes, in definition order."""
        return list(self._nodes)

    @property
    def wiring(self) -> Wiring:
        return self._wiring

    def has_node_named(self, name: str) -> bool:
        return name in self._nodes

    has_solid_named = has_node_named

    def node_named(self, name: str) -> Node:
        try:
            return self._nodes[name]
        except KeyError:
            raise DagsterInvariantViolationError(
                f'{self.node_kind.capitalize()} "{self.name}" has no node named "{name}". '
                f"Its nodes are {list(self._nodes)}."
            ) from None

    solid_named = node_named

    def get_node(self, handle: Any) -> Node:
        """The node at ``handle``, at any depth: a ``NodeHandle`` or its dotted path
        (``"comp.inner"``)."""
        graph: GraphDefinition = self
        node: Node | None = None
        for part in str(handle).split("."):
            if node is not None:
                if not isinstance(node.definition, GraphDefinition):
                    raise DagsterInvariantViolationError(
                        f'No node at "{handle}" in "{self.name}": "{node.name}" is a '
                        f"{node.definition.node_kind}, which has no nodes inside."
                    )
                graph = node.definition
            node = graph.node_named(part)
        assert node is not None
        return node

    get_solid = get_node

    @property
    def node_defs(self) -> list[NodeDefinition]:
        seen: dict[str, NodeDefinition] = {}
        for node in self._nodes.values():
            seen.setdefault(node.definition.name, node.definition)
        return list(seen.values())

    solid_defs = node_defs

    @property
    def dependency_structure(self) -> DependencyStructure:
        """The wiring indexed both ways: what feeds each input, what each output feeds."""
        return DependencyStructure(self._nodes, self._wiring)

    @property
    def dependencies(self) -> dict[str, dict[str, Any]]:
        """The wiring in the pipeline generation's dependency-dict form."""
        result: dict[str, dict[str, Any]] = {}
        for (node, input_name), wiring in self._wiring.items():
            deps = [
                DependencyDefinition(s.node_name, s.output_name)
                for s in wiring.sources
                if s.node_name
            ]
            if not deps:
                continue
            value: Any = MultiDependencyDefinition(deps) if wiring.is_fan_in else deps[0]
            result.setdefault(node, {})[input_name] = value
        return result

    def upstream_nodes(self) -> dict[str, list[str]]:
        """``{node: [nodes it depends on]}`` over the graph's own nodes."""
        upstream: dict[str, list[str]] = {name: [] for name in self._nodes}
        for (node, _input), wiring in self._wiring.items():
            for source in wiring.sources:
                if source.node_name is not None and source.node_name not in upstream[node]:
                    upstream[node].append(source.node_name)
        return upstream

    def iterate_node_defs(self) -> Iterable[NodeDefinition]:
        yield self
        for node in self._nodes.values():
            yield from node.definition.iterate_node_defs()

    def all_required_resource_keys(self) -> frozenset[str]:
        keys: set[str] = set()
        for node in self._nodes.values():
            keys |= node.definition.all_required_resource_keys()
        return frozenset(keys)

    @property
    def has_config_mapping(self) -> bool:
        return self.config_mapping is not None

    def check_configurable(self) -> None:
        """Only a graph with a config mapping has config of its own to configure.

        Raises:
            DagsterInvalidDefinitionError: the graph has no config mapping.
        """
        if self.config_mapping is None:
            raise DagsterInvalidDefinitionError(
                f"Only {self.node_kind}s utilizing config mapping can be pre-configured. The "
                f'{self.node_kind} "{self.name}" does not have a config mapping, and thus has '
                "nothing to be configured."
            )

    def copy_for_configured(
        self, name: str, description: str | None, config_schema: ConfiguredSchema
    ) -> GraphDefinition:
        mapping = self.config_mapping
        assert mapping is not None  # check_configurable
        return type(self)(
            name,
            description,
            input_mappings=self.input_mappings,
            output_mappings=self.output_mappings,
            config=ConfigMapping(
                mapping.config_fn,
                config_schema.field,
                mapping.receive_processed_config_values,
            ),
            tags=self.tags,
            input_defs=self.input_defs,
            output_defs=self.output_defs,
            _nodes=self._nodes,
            _wiring=self._wiring,
            _configured=config_schema,
        )

    # -- running ---------------------------------------------------------------------------

    def to_job(
        self,
        name: str | None = None,
        description: str | None = None,
        resource_defs: Mapping[str, Any] | None = None,
        config: Any = None,
        tags: Mapping[str, Any] | None = None,
        logger_defs: Mapping[str, Any] | None = None,
        executor_def: Any = None,
        hooks: Iterable[Any] | None = None,
        op_retry_policy: Any = None,
        version_strategy: Any = None,
        op_selection: Sequence[str] | None = None,
        partitions_def: Any = None,
    ) -> Any:
        """Make a job from this graph, with resources, default config, executor and hooks.

        Args:
            name: the job's name (default: the graph's).
            config: the job's default run config (a dict, checked now), a ``ConfigMapping``
                from a simpler config of the job's own to its run config, or a
                ``PartitionedConfig`` (run config by partition).
            partitions_def: the job's partitions, when its run config does not depend on them.
            version_strategy: how to version ops without a ``version``; the job's runs are
                memoized.

        Raises:
            DagsterInvalidDefinitionError: ``name`` is not a valid name.
            DagsterInvalidConfigError: the default run config does not fit the job.
        """
        if name is not None:
            check_valid_name(name)
        job = job_module.JobDefinition(
            graph_def=self,
            name=name,
            description=description,
            resource_defs=resource_defs,
            config=config,
            tags=tags,
            logger_defs=logger_defs,
            executor_def=executor_def,
            hook_defs=hooks,
            op_retry_policy=op_retry_policy,
            partitions_def=partitions_def,
            version_strategy=version_strategy,
        )
        # Where the graph was written is where the job was: a worker that cannot import that
        # module gets it by value.
        wraps(job, __module__=self.__module__)
        return job.get_job_def_for_op_selection(op_selection) if op_selection else job

    def execute_in_process(
        self,
        run_config: Mapping[str, Any] | None = None,
        instance: Any = None,
        resources: Mapping[str, Any] | None = None,
        raise_on_error: bool = True,
        op_selection: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run this graph in this process and return an ``InProcessExecutionResult``.

        Args:
            run_config: the run config (``ops:`` ...) for the ephemeral job made from the graph.
            instance: the instance to record the run in (the session's default if None).
            resources: resource definitions or plain values, by key.
            raise_on_error: re-raise the user's exception when an op fails.
            op_selection: run only these ops (selection grammar: ``*a``, ``a+``).
            **kwargs: ``tags`` (run tags), and ``progress`` (True to show the run live in a
                notebook, or a callable given each event).

        Returns:
            InProcessExecutionResult: the run's events, its output values, and the graph's
            outputs (``output_value()``).
        """
        return engine().execute_graph_in_process(
            self,
            run_config,
            instance,
            resources,
            raise_on_error,
            op_selection,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} with {len(self._nodes)} nodes>"


def _mapping_schema(mapping: ConfigMapping | None) -> Any:
    """The config schema of a graph with a config mapping: the mapping's, or any value."""
    if mapping is None:
        return None
    if mapping.config_schema is None:
        return cfg.Field(cfg.Any, is_required=False)
    return mapping.config_schema


class CompositeSolidDefinition(GraphDefinition):
    """The pipeline generation's graph: a solid made of solids."""

    node_kind = "composite solid"

    def execute_in_process(self, *args: Any, **kwargs: Any) -> Any:
        raise DagsterInvariantViolationError(
            "Attemped to call `execute_in_process` on a composite solid. Only graphs "
            "constructed using the `@graph` decorator support this method."
        )


# -- wiring from a dependency dict -------------------------------------------------------------


def wire_from_dependencies(
    graph_name: str,
    node_defs: Sequence[NodeDefinition],
    dependencies: Mapping[Any, Mapping[str, Any]],
) -> tuple[dict[str, Node], Wiring]:
    _check_dependencies_shape(dependencies)
    nodes = _nodes_from_definitions(
        graph_name, _definitions_by_name(graph_name, node_defs), dependencies
    )
    wiring: Wiring = {}
    for key, inputs in dependencies.items():
        node_name = key.alias or key.name if isinstance(key, SolidInvocation) else str(key)
        for input_name, dep in inputs.items():
            wiring[(node_name, input_name)] = _sources_of(graph_name, node_name, input_name, dep)
    return nodes, wiring


_DEPENDENCIES_SHAPE = (
    'The expected type for "dependencies" is Dict[Union[str, NodeInvocation], Dict[str, '
    "DependencyDefinition]]. "
)


def _check_dependencies_shape(dependencies: Any) -> None:
    """``{node name or NodeInvocation: {input name: DependencyDefinition}}``, or Dagster's
    message for what is wrong with it."""
    if not isinstance(dependencies, Mapping):
        raise DagsterInvalidDefinitionError(
            _DEPENDENCIES_SHAPE + f"Received value {dependencies!r} of type {type(dependencies)}."
        )
    for key, inputs in dependencies.items():
        if isinstance(inputs, (DependencyDefinition, MultiDependencyDefinition)):
            raise DagsterInvalidDefinitionError(
                _DEPENDENCIES_SHAPE + "Received a IDependencyDefinition one layer too high under "
                f"key {key}. The DependencyDefinition should be moved in to a dict keyed on input "
                "name."
            )
        if not isinstance(inputs, Mapping):
            raise DagsterInvalidDefinitionError(
                _DEPENDENCIES_SHAPE
                + f"Under key {key} received value {inputs!r} of type {type(inputs)}."
            )
        for input_name, dep in inputs.items():
            if not isinstance(dep, (DependencyDefinition, MultiDependencyDefinition)):
                raise DagsterInvalidDefinitionError(
                    _DEPENDENCIES_SHAPE + f'Expected IDependencyDefinition for solid "{key}" '
                    f'input "{input_name}". Received value {dep!r} of type {type(dep)}.'
                )


def _definitions_by_name(
    graph_name: str, node_defs: Sequence[NodeDefinition]
) -> dict[str, NodeDefinition]:
    defs: dict[str, NodeDefinition] = {}
    for definition in node_defs:
        if not isinstance(definition, NodeDefinition):
            raise DagsterInvalidDefinitionError(
                f'Invalid item in node list: {definition!r}. "{graph_name}" takes solid, op or '
                "graph definitions. Did you forget to call a decorator factory, e.g. @solid()?"
            )
        existing = defs.get(definition.name)
        if existing is not None and existing is not definition:
            raise DagsterInvalidDefinitionError(
                f'Detected conflicting node definitions with the same name "{definition.name}" in '
                f'"{graph_name}".'
            )
        defs[definition.name] = definition
    return defs


def _nodes_from_definitions(
    graph_name: str,
    defs: Mapping[str, NodeDefinition],
    dependencies: Mapping[Any, Mapping[str, Any]],
) -> dict[str, Node]:
    # Each definition becomes one node per invocation in the dependency dict (its aliases), or
    # one node under its own name if it is not named there; nodes follow the definitions' order.
    invocations: dict[str, list[SolidInvocation]] = {}
    for key in dependencies:
        invocation = key if isinstance(key, SolidInvocation) else SolidInvocation(str(key))
        if invocation.name not in defs:
            aliased = (
                f' (aliased by "{invocation.alias}" in dependency dictionary)'
                if invocation.alias
                else " in dependency dictionary"
            )
            raise DagsterInvalidDefinitionError(
                f'Invalid dependencies: node "{invocation.name}"{aliased} not found in node list'
            )
        invocations.setdefault(invocation.name, []).append(invocation)
    nodes: dict[str, Node] = {}
    for name, definition in defs.items():
        for invocation in invocations.get(name) or [SolidInvocation(name)]:
            alias = invocation.alias or invocation.name
            if alias in nodes:
                raise DagsterInvalidDefinitionError(
                    f'Invalid dependencies in "{graph_name}": the node name "{alias}" is used '
                    "more than once. Give each invocation its own alias."
                )
            nodes[alias] = Node(
                alias,
                definition,
                dict(invocation.tags or {}),
                frozenset(invocation.hook_defs or ()),
                invocation.retry_policy,
            )
    return nodes


def _sources_of(graph_name: str, node: str, input_name: str, dep: Any) -> InputSources:
    if isinstance(dep, DependencyDefinition):
        return InputSources((Upstream(dep.solid, dep.output),), is_fan_in=False)
    if isinstance(dep, DynamicCollectDependencyDefinition):
        return InputSources((Upstream(dep.solid_name, dep.output_name),), True, is_collect=True)
    if isinstance(dep, MultiDependencyDefinition):
        return InputSources(
            tuple(Upstream(d.solid, d.output) for d in dep.dependencies), is_fan_in=True
        )
    raise DagsterInvalidDefinitionError(
        f'Invalid dependencies in "{graph_name}": input "{input_name}" of node "{node}" must be a '
        f"DependencyDefinition or MultiDependencyDefinition, got {dep!r}."
    )


def _check_wiring(graph_name: str, nodes: Mapping[str, Node], wiring: Wiring) -> None:
    for (node_name, input_name), sources in wiring.items():
        node = nodes.get(node_name)
        if node is None:
            raise DagsterInvalidDefinitionError(
                f'Invalid dependencies in "{graph_name}": node "{node_name}" does not exist.'
            )
        if not node.definition.has_input(input_name):
            raise DagsterInvalidDefinitionError(
                f'Invalid dependencies: {node.definition.node_kind} "{node_name}" does not have input '
                f'"{input_name}". Available inputs: {list(node.definition.input_dict)}'
            )
        for source in sources.sources:
            if source.node_name is None:
                continue
            if source.node_name == node_name:
                raise DagsterInvalidDefinitionError(
                    f"Invalid dependencies: circular reference detected in {node.definition.node_kind} "
                    f'"{node_name}" input "{input_name}"'
                )
            upstream = nodes.get(source.node_name)
            if upstream is None:
                raise DagsterInvalidDefinitionError(
                    f'Invalid dependencies: node "{source.node_name}" not found in node list. '
                    f'Listed as dependency for node "{node_name}" input "{input_name}" in '
                    f'"{graph_name}", whose nodes are {list(nodes)}.'
                )
            if not upstream.definition.has_output(source.output_name):
                raise DagsterInvalidDefinitionError(
                    f'Invalid dependencies in "{graph_name}": node "{source.node_name}" does not have '
                    f'output "{source.output_name}" (needed by input "{input_name}" of "{node_name}"). '
                    f"Its outputs are {list(upstream.definition.output_dict)}."
                )
            _check_nothing_pair(node, input_name, upstream, source.output_name)
    upstream_map: dict[str, list[str]] = {name: [] for name in nodes}
    for (node_name, _), sources in wiring.items():
        upstream_map[node_name].extend(s.node_name for s in sources.sources if s.node_name)
    cycle = dag.find_cycle(upstream_map)
    if cycle is not None:
        raise DagsterInvalidDefinitionError(
            f'Circular dependencies exist in "{graph_name}": {dag.format_cycle(cycle)}'
        )


def _check_nothing_pair(node: Node, input_name: str, upstream: Node, output_name: str) -> None:
    """An output of type Nothing gives no value: an input that expects one cannot use it."""
    input_type = node.definition.input_dict[input_name].dagster_type
    output_type = upstream.definition.output_dict[output_name].dagster_type
    if output_type.is_nothing and not input_type.is_nothing:
        raise DagsterInvalidDefinitionError(
            f'Input "{input_name}" to node "{node.name}" can not depend on the output '
            f'"{output_name}" from node "{upstream.name}". Input "{input_name}" expects a value '
            f'of type {input_type.display_name} and output "{output_name}" returns type '
            f"{output_type.display_name} (which produces no value)."
        )


def _check_mappings(
    graph_name: str,
    nodes: Mapping[str, Node],
    ins: Sequence[InputMapping],
    outs: Sequence[OutputMapping],
) -> None:
    for mapping in ins:
        node = nodes.get(mapping.node_name)
        if node is None or not node.definition.has_input(mapping.input_name):
            raise DagsterInvalidDefinitionError(
                f'Input mapping "{mapping.graph_input_name}" of "{graph_name}" points to '
                f'"{mapping.node_name}.{mapping.input_name}", which does not exist.'
            )
    for out in outs:
        node = nodes.get(out.node_name)
        if node is None or not node.definition.has_output(out.output_name):
            raise DagsterInvalidDefinitionError(
                f'Output mapping "{out.graph_output_name}" of "{graph_name}" points to '
                f'"{out.node_name}.{out.output_name}", which does not exist.'
            )


def _graph_input_defs(
    nodes: Mapping[str, Node], mappings: Sequence[InputMapping]
) -> list[InputDefinition]:
    defs: dict[str, InputDefinition] = {}
    for m in mappings:
        if m.graph_input_name not in defs:
            inner = nodes[m.node_name].definition.input_def_named(m.input_name)
            defs[m.graph_input_name] = InputDefinition(
                m.graph_input_name, inner.dagster_type, inner.description
            )
    return list(defs.values())


def _graph_output_defs(
    nodes: Mapping[str, Node], mappings: Sequence[OutputMapping]
) -> list[OutputDefinition]:
    defs = []
    for m in mappings:
        inner = nodes[m.node_name].definition.output_def_named(m.output_name)
        kind = DynamicOutputDefinition if inner.is_dynamic else OutputDefinition
        defs.append(
            kind(inner.dagster_type, m.graph_output_name, inner.description, inner.is_required)
        )
    return defs


# -- wiring from a composition function --------------------------------------------------------


@dataclass
class Composed:
    nodes: dict[str, Node]
    wiring: Wiring
    input_mappings: list[InputMapping]
    output_mappings: list[OutputMapping]


def compose(
    graph_name: str,
    fn: Callable[..., Any],
    output_names: Sequence[str] | None = None,
    source: str = "@graph",
    input_names: Sequence[str] = (),
    ignore_output: bool = False,
) -> Composed:
    """Run a composition function once and turn what it did into nodes and mappings.

    Args:
        graph_name: the name of the graph being defined (for messages).
        fn: the composition function; each of its parameters is an input of the graph.
        output_names: the graph's declared outputs, in order; None when it declares none (then
            a returned output becomes ``result``).
        source: the decorator (``@graph``, ``@job``, ...), for messages.
        input_names: inputs declared explicitly (``ins=``, ``input_defs=``), each of which
            must be a parameter of ``fn``.
        ignore_output: whether what ``fn`` returns is ignored (``@pipeline`` without
            ``output_defs``), with a warning if it returns something.
    """
    graph_inputs = _composition_inputs(graph_name, fn, source, input_names)
    recording = composition.record(graph_name, source)
    try:
        returned = fn(**{name: composition.GraphInputHandle(name) for name in graph_inputs})
        if ignore_output and returned is not None:
            composition.warn_at(
                f"You have returned a value out of a {source}-decorated function. This "
                "currently has no effect on behavior: declare output_defs to give the "
                "pipeline outputs.",
                fn,
            )
            returned = None
        mapped = _returned_outputs(recording, returned, output_names)
    finally:
        composition.stop(recording)
    composition.warn_uninvoked(recording, fn)
    # Two different definitions under one name would make the run config ambiguous.
    _definitions_by_name(graph_name, [inv.definition for inv in recording.invocations.values()])
    nodes: dict[str, Node] = {}
    wiring: Wiring = {}
    input_mappings: list[InputMapping] = []
    for inv in recording.invocations.values():
        nodes[inv.name] = Node(inv.name, inv.definition, inv.tags, inv.hook_defs, inv.retry_policy)
        for input_name, bound in inv.inputs.items():
            if isinstance(bound, composition.CollectHandle):
                wiring[(inv.name, input_name)] = InputSources(
                    (Upstream(bound.node_name, bound.output_name),), True, is_collect=True
                )
                continue
            handles = bound if isinstance(bound, list) else [bound]
            sources = []
            for handle in handles:
                if isinstance(handle, composition.GraphInputHandle):
                    input_mappings.append(InputMapping(handle.input_name, inv.name, input_name))
                else:
                    sources.append(Upstream(handle.node_name, handle.output_name))
            # An empty list is a fan-in of nothing: the input receives [] (as in Dagster).
            if sources or bound == []:
                wiring[(inv.name, input_name)] = InputSources(
                    tuple(sources), isinstance(bound, list)
                )
    return Composed(
        nodes,
        wiring,
        _ordered_input_mappings(graph_name, source, graph_inputs, input_mappings),
        [OutputMapping(name, h.node_name, h.output_name) for name, h in mapped.items()],
    )


def _composition_inputs(
    graph_name: str, fn: Callable[..., Any], source: str, declared: Sequence[str]
) -> list[str]:
    """The graph's inputs: those declared, then the other parameters of ``fn``, in order."""
    params = list(inspect.signature(fn).parameters.values())
    for param in params:
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            raise DagsterInvalidDefinitionError(
                f"{source} '{graph_name}' decorated function has positional vararg parameter "
                f"'{param}'. {source} decorated functions should only have keyword arguments "
                "that match input names."
            )
    names = [p.name for p in params if p.kind is not inspect.Parameter.VAR_KEYWORD]
    takes_kwargs = len(names) < len(params)
    missing = [name for name in declared if name not in names]
    if missing and not takes_kwargs:
        raise DagsterInvalidDefinitionError(
            f"{source} '{graph_name}' decorated function does not have parameter(s) "
            f"{', '.join(repr(m) for m in missing)}, which are in provided input_defs. {source} "
            "decorated functions should only have keyword arguments that match input names."
        )
    return list(declared) + [name for name in names if name not in declared]


def _ordered_input_mappings(
    graph_name: str, source: str, graph_inputs: Sequence[str], mappings: Sequence[InputMapping]
) -> list[InputMapping]:
    """The mappings grouped by graph input, in the inputs' order; each input must be used."""
    ordered: list[InputMapping] = []
    for name in graph_inputs:
        used = [m for m in mappings if m.graph_input_name == name]
        if not used:
            raise DagsterInvalidDefinitionError(
                f"{source} '{graph_name}' has unmapped input '{name}'. Remove it or pass it to "
                "the appropriate solid invocation."
            )
        ordered.extend(used)
    return ordered


def _returned_outputs(
    recording: composition.Recording, returned: Any, declared: Sequence[str] | None
) -> dict[str, composition.OutputHandle]:
    """Which inner output each graph output is, from what the composition function returned.

    Without declared outputs a graph has at most one, ``result``; with them, a returned dict
    names them, a returned tuple fills them in order, and every declared output must be given.
    """
    where = f"{recording.source} '{recording.graph_name}'"
    returned = composition.unwrap_dynamic(returned)
    names = list(declared) if declared is not None else ["result"]
    mapped: dict[str, composition.OutputHandle] = {}
    if isinstance(returned, composition.OutputHandle):
        if len(names) != 1:
            raise DagsterInvalidDefinitionError(
                f"Returned a single output ({returned.node_name}.{returned.output_name}) in "
                f"{where} but {len(names)} outputs are defined. Return a dict to map defined "
                "outputs."
            )
        mapped[names[0]] = returned
    elif isinstance(returned, tuple) and all(
        isinstance(h, composition.OutputHandle) for h in returned
    ):
        mapped = _tuple_outputs(where, recording.source, returned, names)
    elif isinstance(returned, Mapping):
        for key, handle in returned.items():
            if key not in names:
                raise DagsterInvalidDefinitionError(
                    f"{where} referenced key {key} which does not match any OutputDefinitions. "
                    f"Valid options are: {names}"
                )
            if not isinstance(handle, composition.OutputHandle):
                raise DagsterInvalidDefinitionError(
                    f"{where} returned problematic dict entry under key {key} of type "
                    f"{type(handle)}. Dict values must be outputs of invoked solids"
                )
            mapped[key] = handle
    elif returned is not None:
        raise DagsterInvalidDefinitionError(
            f"{where} returned problematic value of type {type(returned)}. Expected return value "
            "from invoked solid or dict mapping output name to return values from invoked solids"
        )
    if declared is not None:
        for name in names:
            if name not in mapped:
                raise DagsterInvalidDefinitionError(
                    f"{where} has unmapped output '{name}'. Remove it or return a value from the "
                    "appropriate solid invocation."
                )
    return {name: mapped[name] for name in names if name in mapped}


def _tuple_outputs(
    where: str, source: str, returned: tuple[Any, ...], names: list[str]
) -> dict[str, composition.OutputHandle]:
    if source == "@composite_solid":
        # The pipeline generation matches a returned tuple to the outputs by name.
        for handle in returned:
            if handle.output_name not in names:
                raise DagsterInvalidDefinitionError(
                    f"Output name mismatch returning output tuple in {where}. No matching "
                    f"OutputDefinition named {handle.output_name} for "
                    f"{handle.node_name}.{handle.output_name}. Return a dict to map to the "
                    "desired OutputDefinition"
                )
        return {handle.output_name: handle for handle in returned}
    if len(returned) < len(names):
        raise DagsterInvalidDefinitionError(
            f"{where} returned a tuple of {len(returned)} outputs but {len(names)} outputs are "
            f"defined ({names}). Return one output per defined output, in order, or a dict."
        )
    return dict(zip(names, returned, strict=False))


def graph(
    name: Any = None,
    description: str | None = None,
    input_defs: Sequence[InputDefinition] | None = None,
    output_defs: Sequence[OutputDefinition] | None = None,
    config: ConfigMapping | Mapping[str, Any] | None = None,
    tags: Mapping[str, Any] | None = None,
    ins: Mapping[str, Any] | None = None,
    out: Any = None,
) -> Any:
    """Define a graph from a composition function.  Usable bare (``@graph``).

    The function's parameters are the graph's inputs; it calls ops (or graphs) to wire them,
    and what it returns (an output, or a dict of them) are the graph's outputs.

    Args:
        name: the graph's name (default: the function's).
        description: shown in docs and the notebook (default: the function's docstring).
        input_defs: the inputs as ``InputDefinition`` objects (default: the parameters).
        output_defs: the outputs as ``OutputDefinition`` objects.
        config: a ``ConfigMapping`` (or a dict of fixed config) for the graph's nodes.
        tags: the graph's tags.
        ins: ``{parameter name: In(...)}``, to type the inputs.
        out: an ``Out``, or ``{output name: Out(...)}`` for several outputs.

    Returns:
        GraphDefinition (or, given the function directly, the decorator applied to it).
    """
    if callable(name) and not isinstance(name, str):
        return graph()(name)

    def wrap(fn: Callable[..., Any]) -> GraphDefinition:
        graph_name = name or fn.__name__
        declared_ins = _declared_input_defs(ins, input_defs)
        declared_outs = _declared_output_defs(out, output_defs)
        composed = compose(
            graph_name,
            fn,
            None if declared_outs is None else [d.name for d in declared_outs],
            "@graph",
            [d.name for d in declared_ins],
        )
        mapping = config if isinstance(config, ConfigMapping) else None
        definition = GraphDefinition(
            graph_name,
            description or inspect.getdoc(fn),
            input_mappings=composed.input_mappings,
            output_mappings=composed.output_mappings,
            config=mapping,
            tags=tags,
            input_defs=_with_declared(composed, declared_ins),
            output_defs=declared_outs,
            _nodes=composed.nodes,
            _wiring=composed.wiring,
            _default_ops_config=config if isinstance(config, Mapping) else None,
        )
        return wraps(definition, fn, ("__module__", "__name__"))

    return wrap


def _declared_input_defs(
    ins: Mapping[str, Any] | None, input_defs: Sequence[InputDefinition] | None
) -> list[InputDefinition]:
    """The inputs a graph declares: ``ins`` (``GraphIn``, or ``In``) or ``input_defs``."""
    if ins is None:
        return list(input_defs or [])
    if not isinstance(ins, Mapping):
        raise DagsterInvalidDefinitionError(
            f"ins of a graph must be a dict of input name to GraphIn, got {ins!r}."
        )
    return [_spec_definition(spec, key, "ins") for key, spec in ins.items()]


def _declared_output_defs(
    out: Any, output_defs: Sequence[OutputDefinition] | None
) -> list[OutputDefinition] | None:
    """The outputs a graph declares (``out``: a ``GraphOut`` or a dict of them; or
    ``output_defs``), or None when it declares none."""
    if out is None:
        return None if output_defs is None else list(output_defs)
    if isinstance(out, Mapping):
        return [_spec_definition(spec, key, "out") for key, spec in out.items()]
    return [_spec_definition(out, "result", "out")]


def _spec_definition(spec: Any, name: str, argument: str) -> Any:
    if not isinstance(spec, (GraphIn, GraphOut, In, Out)):
        expected = "GraphIn" if argument == "ins" else "GraphOut"
        raise DagsterInvalidDefinitionError(
            f'{argument} entry "{name}" of a graph must be a {expected}, got {spec!r}.'
        )
    return spec.to_definition(name)


def _with_declared(
    composed: Composed, declared: Sequence[InputDefinition]
) -> list[InputDefinition] | None:
    """The graph's inputs: those declared, the others inferred from the nodes they feed."""
    if not declared:
        return None
    by_name = {d.name: d for d in declared}
    inferred = _graph_input_defs(composed.nodes, composed.input_mappings)
    return [by_name.get(d.name, d) for d in inferred]


def composite_solid(
    name: Any = None,
    input_defs: Sequence[InputDefinition] | None = None,
    output_defs: Sequence[OutputDefinition] | None = None,
    description: str | None = None,
    config_schema: Any = None,
    config_fn: Callable[[Any], Any] | None = None,
) -> Any:
    """Define a composite solid (a solid made of solids) from a composition function."""
    if callable(name) and not isinstance(name, str):
        return composite_solid()(name)
    if (config_schema is None) != (config_fn is None) and config_fn is None:
        raise DagsterInvalidDefinitionError(
            "A composite solid with a config_schema needs a config_fn mapping it onto its solids."
        )

    def wrap(fn: Callable[..., Any]) -> CompositeSolidDefinition:
        graph_name = name or fn.__name__
        composed = compose(
            graph_name,
            fn,
            None if output_defs is None else [d.name for d in output_defs],
            "@composite_solid",
            [d.name for d in input_defs or []],
        )
        definition = CompositeSolidDefinition(
            graph_name,
            description or inspect.getdoc(fn),
            input_mappings=composed.input_mappings,
            output_mappings=composed.output_mappings,
            config=ConfigMapping(config_fn, config_schema) if config_fn is not None else None,
            input_defs=input_defs,
            output_defs=output_defs,
            _nodes=composed.nodes,
            _wiring=composed.wiring,
        )
        return wraps(definition, fn, ("__module__", "__name__"))

    return wrap


from opbook.definitions import job as job_module  # noqa: E402  (job builds on graph)
