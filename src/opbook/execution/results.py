"""Results: views over a run's events plus a way to load its output values.

``PipelineExecutionResult`` / ``SolidExecutionResult`` / ``CompositeSolidExecutionResult``
(pipeline generation) and ``InProcessExecutionResult`` (job generation, also importable as
``ExecuteInProcessResult``) are all folds over one event list; output values are read from the
run's value store through ``load_value(step_key, output_name)``.  Every result keeps the full
event list and can be shown as a DataFrame (``to_dataframe()``; pandas imported only then).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from opbook.config.values import copy_plain
from opbook.definitions.graph import GraphDefinition
from opbook.errors import CheckError, DagsterInvariantViolationError
from opbook.events import (
    MEMOIZED_STEP_MARKER,
    DagsterEvent,
    DagsterEventType,
    SolidHandle,
    StepFailureData,
    StepKind,
)
from opbook.execution.step_status import StepStatus, step_statuses
from opbook.plan.compile import flatten_graph
from opbook.plan.plan import normalize_step_key

ET = DagsterEventType
# (step key, output name[, mapping key]) -> the stored value
ValueLoader = Callable[..., Any]


def is_step_of(step_key: str, handle: str) -> bool:
    """Whether ``step_key`` is the step of the node at ``handle``, a step inside it, or one
    of its mapped steps (``handle[k]``)."""
    return (
        step_key == handle or step_key.startswith(handle + ".") or step_key.startswith(handle + "[")
    )


def outputs_of(
    events: Sequence[DagsterEvent], step_key: str, output_name: str, load: ValueLoader
) -> tuple[bool, Any]:
    """Whether the step ``step_key`` produced output ``output_name``, and its value: for a
    dynamic output, or a node mapped over one, ``{mapping key: value}`` in the order the
    values were produced."""
    items: dict[str, Any] = {}
    mapped_prefix = step_key + "["
    for e in events:
        key = e.step_key
        if e.event_type_value != ET.STEP_OUTPUT or key is None:
            continue
        data = e.step_output_data
        if data.output_name != output_name:
            continue
        if key == step_key:
            if data.mapping_key is None:
                return True, load(key, output_name)
            items[data.mapping_key] = load(key, output_name, data.mapping_key)
        elif key.startswith(mapped_prefix):
            items[key[len(mapped_prefix) : -1]] = load(key, output_name)
    if not items and _memoized(events, step_key):
        return True, load(step_key, output_name)  # stored under its version by an earlier run
    return bool(items), items


def _memoized(events: Sequence[DagsterEvent], step_key: str) -> bool:
    """Whether a memoized run did not run ``step_key``, its outputs being stored."""
    return any(
        e.step_key == step_key
        and e.event_type_value == ET.ENGINE_EVENT
        and e.event_specific_data.marker_start == MEMOIZED_STEP_MARKER
        for e in events
    )


_MISSING = object()


def _handle_str(handle: SolidHandle | str) -> str:
    return normalize_step_key(str(handle))


class StepKeyDict(dict[Any, Any]):
    """A dict keyed by step key that also answers to the pipeline generation's spelling
    (``"add_one.compute"`` for ``"add_one"``)."""

    def __missing__(self, key: Any) -> Any:
        if isinstance(key, str) and key.endswith(".compute"):
            return self[normalize_step_key(key)]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        return isinstance(key, str) and dict.__contains__(self, normalize_step_key(key))

    def get(self, key: Any, default: Any = None) -> Any:
        if key in self:
            return self[key]
        return default


class _EventView:
    """What every result offers over its events."""

    event_list: list[DagsterEvent]
    run_id: str
    # The lines the run's steps logged (``LogMessageEntry``): not events, so not in
    # ``event_list``, as in Dagster; ``to_dataframe()`` shows them among the events.
    logs: Sequence[Any] = ()

    @property
    def all_events(self) -> list[DagsterEvent]:
        """Every event of the run, in order (the same list as ``event_list``)."""
        return self.event_list

    @property
    def step_event_list(self) -> list[DagsterEvent]:
        """The events that belong to a step (not run-level or engine events)."""
        return [e for e in self.event_list if e.is_step_event]

    @property
    def events_by_step_key(self) -> dict[str | None, list[DagsterEvent]]:
        """The events grouped by step key (``"a"`` or ``"a.compute"``); run events under None."""
        grouped: dict[str | None, list[DagsterEvent]] = StepKeyDict()
        for event in self.event_list:
            grouped.setdefault(event.step_key, []).append(event)
        return grouped

    def to_dataframe(self, per: str = "event") -> Any:
        """The events as a pandas DataFrame: one row per event, or per step (``per="step"``).

        Per event, the lines the steps logged are rows too, in time order, with their
        ``level`` and ``message`` (and no ``event_type``).
        """
        from opbook.execution import frames

        return frames.frame_of(self.event_list, self.run_id, per, self.logs)


class GraphExecutionResult(_EventView):
    """Results of a graph of nodes (a pipeline, or a composite inside one)."""

    def __init__(
        self,
        container: GraphDefinition,
        event_list: list[DagsterEvent],
        load_value: ValueLoader,
        handle: SolidHandle | None = None,
        run_id: str = "",
        pipeline_name: str = "",
    ) -> None:
        self.container = container
        self.event_list = event_list
        self.load_value = load_value
        self.handle = handle
        self.run_id = run_id
        self._pipeline_name = pipeline_name or container.name

    @property
    def success(self) -> bool:
        """Whether no step (and not the run) failed."""
        return not any(e.is_failure for e in self.event_list)

    def reconstruct_context(self) -> None:
        """Output values are read from the run's storage; no context needs rebuilding."""
        return None

    def _prefix(self) -> str:
        return "" if self.handle is None else f"{self.handle}."

    def result_for_solid(self, name: str) -> SolidExecutionResult | CompositeSolidExecutionResult:
        """The result of the top-level solid (or op) ``name``.

        A composite's result is a ``CompositeSolidExecutionResult``.
        """
        if not self.container.has_node_named(name):
            raise DagsterInvariantViolationError(
                f"Tried to get result for solid '{name}' in '{self._pipeline_name}'. No such top level solid."
            )
        return self._result_for(
            self.container.node_named(name), SolidHandle.from_string(self._prefix() + name)
        )

    result_for_node = result_for_solid

    def result_for_handle(
        self, handle: SolidHandle | str
    ) -> SolidExecutionResult | CompositeSolidExecutionResult:
        """The result of the node at ``handle``, a path (``"comp.inner"``) or a ``SolidHandle``."""
        text = _handle_str(handle)
        node = flatten_graph(self.container).node(text)
        if node is None:
            raise DagsterInvariantViolationError(f"Can not find solid handle {text}.")
        return self._result_for(node, SolidHandle.from_string(self._prefix() + text))

    def _result_for(
        self, node: Any, handle: SolidHandle
    ) -> SolidExecutionResult | CompositeSolidExecutionResult:
        key = str(handle)
        events = [
            e
            for e in self.event_list
            if e.solid_handle is not None and e.is_step_event and is_step_of(e.step_key, key)  # type: ignore[arg-type]
        ]
        result: SolidExecutionResult | CompositeSolidExecutionResult
        if node.is_graph:
            result = CompositeSolidExecutionResult(
                node, events, self.load_value, handle, self.run_id, self._pipeline_name
            )
        else:
            result = SolidExecutionResult(node, events, self.load_value, handle)
        if self.logs:
            result.logs = [
                e
                for e in self.logs
                if e.step_key == key or (e.step_key or "").startswith(key + ".")
            ]
        return result

    def output_for_solid(self, handle_str: str, output_name: str = "result") -> Any:
        """The value of output ``output_name`` of the node at ``handle_str`` (``"comp.inner"``)."""
        return self.result_for_handle(handle_str).output_value(output_name)

    @property
    def solid_result_list(self) -> list[SolidExecutionResult | CompositeSolidExecutionResult]:
        """The results of every top-level node, in the graph's order."""
        return [self.result_for_solid(node.name) for node in self.container.nodes]


class PipelineExecutionResult(GraphExecutionResult):
    """What ``execute_pipeline`` and ``reexecute_pipeline`` return."""

    def __init__(
        self,
        pipeline_def: Any,
        run_id: str,
        event_list: list[DagsterEvent],
        load_value: ValueLoader,
        run_config: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(
            pipeline_def.graph, event_list, load_value, None, run_id, pipeline_def.name
        )
        self.pipeline_def = pipeline_def
        self._run_config = dict(run_config or {})

    @property
    def solid_result_list(self) -> list[SolidExecutionResult | CompositeSolidExecutionResult]:
        """The results of every top-level node the run selected (all without a selection)."""
        selected = self.pipeline_def.solids_to_execute
        return [
            self.result_for_solid(node.name)
            for node in self.container.nodes
            if selected is None or node.name in selected
        ]

    @property
    def run_config(self) -> dict[str, Any]:
        """The run's config as recorded: secret fields as ``***``, ``{env: NAME}`` as written."""
        return copy_plain(self._run_config)

    @property
    def job_def(self) -> Any:
        """The pipeline or job that ran (``pipeline_def``)."""
        return self.pipeline_def

    def inputs_for(self, step_key: str) -> dict[str, Any]:
        """The values step ``step_key`` received as inputs in this run, by input name, read
        back from the run's stored values (opbook's own): call the op's function by hand on
        exactly what it got, e.g. to debug a failed step.

        Raises:
            DagsterInvariantViolationError: no such step, the step did not start in this run,
                or a value is no longer stored.
        """
        from opbook.execution.step_inputs import inputs_for

        return inputs_for(
            step_key, self.container, self.event_list, self.load_value, self._run_config
        )

    def __repr__(self) -> str:
        return f"<PipelineExecutionResult {self.pipeline_def.name!r} {'success' if self.success else 'failure'} run_id={self.run_id}>"


class CompositeSolidExecutionResult(GraphExecutionResult):
    """Results of a composite solid (a graph node) and of the nodes inside it."""

    def __init__(
        self,
        solid: Any,
        event_list: list[DagsterEvent],
        load_value: ValueLoader,
        handle: SolidHandle,
        run_id: str = "",
        pipeline_name: str = "",
    ) -> None:
        super().__init__(solid.definition, event_list, load_value, handle, run_id, pipeline_name)
        self.solid = solid

    @property
    def step_events_by_kind(self) -> dict[StepKind, list[DagsterEvent]]:
        return {StepKind.COMPUTE: list(self.event_list)}

    def output_values_for_solid(self, name: str) -> dict[str, Any] | None:
        """The output values of the inner solid ``name`` by name (None unless it succeeded)."""
        return self.result_for_solid(name).output_values

    def output_value_for_solid(self, name: str, output_name: str = "result") -> Any:
        """The value of output ``output_name`` of the inner solid ``name``."""
        return self.result_for_solid(name).output_value(output_name)

    def output_values_for_handle(self, handle_str: str) -> dict[str, Any] | None:
        """The output values of the inner node at ``handle_str`` (a path inside this), by name."""
        return self.result_for_handle(handle_str).output_values

    def output_value_for_handle(self, handle_str: str, output_name: str = "result") -> Any:
        """The value of output ``output_name`` of the inner node at ``handle_str``."""
        return self.result_for_handle(handle_str).output_value(output_name)

    def _inner_result(self, output_name: str) -> tuple[Any, str]:
        mapping = next(
            (m for m in self.container.output_mappings if m.graph_output_name == output_name), None
        )
        if mapping is None:
            found = [m.graph_output_name for m in self.container.output_mappings]
            detail = f"found outputs {found}" if found else "no output mappings were defined"
            raise DagsterInvariantViolationError(
                f"Output '{output_name}' not defined in composite solid '{self.solid.name}': {detail}. "
                "Output mappings must be specified in order to use output_value."
            )
        return self.result_for_solid(mapping.node_name), mapping.output_name

    @property
    def output_values(self) -> dict[str, Any]:
        """The values of the composite's outputs by name (through its output mappings)."""
        values = {}
        for mapping in self.container.output_mappings:
            inner, name = self._inner_result(mapping.graph_output_name)
            inner_values = inner.output_values or {}
            if name in inner_values:
                values[mapping.graph_output_name] = inner_values[name]
        return values

    def output_value(self, output_name: str = "result") -> Any:
        """The value of the composite's output ``output_name``."""
        inner, name = self._inner_result(output_name)
        return inner.output_value(name)

    @property
    def skipped(self) -> bool:
        """Whether every step inside the composite was skipped."""
        return all(s is StepStatus.SKIPPED for s in step_statuses(self.event_list).values())


class SolidExecutionResult:
    """Results of one leaf solid / op: its events and its output values."""

    def __init__(
        self,
        solid: Any,
        events: Sequence[DagsterEvent],
        load_value: ValueLoader,
        handle: SolidHandle | None = None,
    ) -> None:
        self.solid = solid
        self.handle = handle or SolidHandle(solid.name)
        self.step_events = list(events)
        self.load_value = load_value
        self.logs: Sequence[Any] = ()  # the lines this step logged

    def reconstruct_context(self) -> None:
        """Output values are read from the run's storage; no context needs rebuilding."""
        return None

    @property
    def compute_step_events(self) -> list[DagsterEvent]:
        """The events of this solid's step, in order."""
        return self.step_events

    @property
    def step_events_by_kind(self) -> dict[StepKind, list[DagsterEvent]]:
        return {StepKind.COMPUTE: self.step_events}

    def _of_type(self, event_type: DagsterEventType) -> list[DagsterEvent]:
        return [e for e in self.step_events if e.event_type_value == event_type]

    @property
    def input_events_during_compute(self) -> list[DagsterEvent]:
        """The ``STEP_INPUT`` events, one per input, after its type check."""
        return self._of_type(ET.STEP_INPUT)

    @property
    def compute_input_event_dict(self) -> dict[str, DagsterEvent]:
        return {e.step_input_data.input_name: e for e in self.input_events_during_compute}

    @property
    def output_events_during_compute(self) -> list[DagsterEvent]:
        """The ``STEP_OUTPUT`` events, one per output yielded."""
        return self._of_type(ET.STEP_OUTPUT)

    @property
    def compute_output_events_dict(self) -> dict[str, list[DagsterEvent]]:
        """The ``STEP_OUTPUT`` events by output name."""
        grouped: dict[str, list[DagsterEvent]] = {}
        for e in self.output_events_during_compute:
            grouped.setdefault(e.step_output_data.output_name, []).append(e)
        return grouped

    @property
    def compute_output_event_dict(self) -> dict[str, DagsterEvent]:
        return {name: events[-1] for name, events in self.compute_output_events_dict.items()}

    def get_output_events_for_compute(self, output_name: str = "result") -> list[DagsterEvent]:
        return self.compute_output_events_dict.get(output_name, [])

    def get_output_event_for_compute(self, output_name: str = "result") -> DagsterEvent:
        """The one ``STEP_OUTPUT`` event of output ``output_name``."""
        events = self.get_output_events_for_compute(output_name)
        if len(events) != 1:
            if not events:
                raise KeyError(output_name)
            raise CheckError("Multiple output events returned, use get_output_events_for_compute")
        return events[0]

    @property
    def materialization_events_during_compute(self) -> list[DagsterEvent]:
        return self._of_type(ET.ASSET_MATERIALIZATION)

    @property
    def materializations_during_compute(self) -> list[Any]:
        """The ``AssetMaterialization`` objects the solid yielded."""
        return [
            e.step_materialization_data.materialization
            for e in self.materialization_events_during_compute
        ]

    @property
    def expectation_events_during_compute(self) -> list[DagsterEvent]:
        return self._of_type(ET.STEP_EXPECTATION_RESULT)

    @property
    def expectation_results_during_compute(self) -> list[Any]:
        """The ``ExpectationResult`` objects the solid yielded."""
        return [
            e.step_expectation_result_data.expectation_result
            for e in self.expectation_events_during_compute
        ]

    @property
    def success(self) -> bool:
        """Whether the step succeeded (False if it failed, was skipped or did not run)."""
        statuses = step_statuses(self.step_events).values()
        return StepStatus.SUCCEEDED in statuses and StepStatus.FAILED not in statuses

    @property
    def skipped(self) -> bool:
        """Whether the step was skipped (an upstream step failed or yielded no value)."""
        return all(s is StepStatus.SKIPPED for s in step_statuses(self.step_events).values())

    @property
    def retry_attempts(self) -> int:
        """How many times the step was retried."""
        return len(self._of_type(ET.STEP_RESTARTED))

    def get_step_success_event(self) -> DagsterEvent:
        """The step's ``STEP_SUCCESS`` event."""
        for e in self.step_events:
            if e.is_step_success:
                return e
        raise CheckError(f"Step success not found for solid {self.solid.name}")

    @property
    def compute_step_failure_event(self) -> DagsterEvent:
        """The step's ``STEP_FAILURE`` event (raises if the step succeeded)."""
        if self.success:
            raise DagsterInvariantViolationError(
                "Cannot call compute_step_failure_event if successful"
            )
        failures = self._of_type(ET.STEP_FAILURE)
        if len(failures) != 1:
            raise CheckError(
                f"Expected exactly one step failure for solid {self.solid.name}, found {len(failures)}"
            )
        return failures[0]

    @property
    def failure_data(self) -> StepFailureData | None:
        """The failure of the step (a ``StepFailureData``), or None if it did not fail.

        ``.error`` is the error opbook reports, naming the step; its ``.cause`` is the exception
        the user's code raised, with its ``message``, ``stack`` (the traceback) and ``cls_name``.
        """
        failures = self._of_type(ET.STEP_FAILURE)
        return failures[0].step_failure_data if failures else None

    @property
    def output_values(self) -> dict[str, Any] | None:
        """The output values by name, from the run's storage; None unless the step succeeded."""
        if not self.success or not self.step_events:
            return None
        values = {}
        events = self.output_events_during_compute
        key = str(self.handle)
        for e in events:
            name = e.step_output_data.output_name
            if name not in values:
                values[name] = outputs_of(events, key, name, self.load_value)[1]
        return values

    def output_value(self, output_name: str = "result") -> Any:
        """The value of output ``output_name``; None if the step did not succeed."""
        definition = self.solid.definition
        if not definition.has_output(output_name):
            raise DagsterInvariantViolationError(
                f"Output '{output_name}' not defined in solid '{self.solid.name}': found outputs "
                f"{[o.name for o in definition.output_defs]}"
            )
        if not self.success:
            return None
        values = self.output_values or {}
        if output_name not in values:
            raise DagsterInvariantViolationError(
                f"Did not find result {output_name} in solid {self.solid.name} execution result"
            )
        return values[output_name]

    def to_dataframe(self, per: str = "event") -> Any:
        """This step's events as a DataFrame: one row per event, or per step (``per="step"``)."""
        from opbook.execution import frames

        return frames.frame_of(self.step_events, frames.run_id_of(self.step_events), per, self.logs)

    def __repr__(self) -> str:
        state = "success" if self.success else ("skipped" if self.skipped else "failure")
        return f"<SolidExecutionResult {str(self.handle)!r} {state}>"


class InProcessExecutionResult(_EventView):
    """What ``execute_in_process`` returns (Dagster 0.13's ``ExecuteInProcessResult``)."""

    def __init__(
        self,
        node_def: GraphDefinition,
        event_list: list[DagsterEvent],
        run_id: str,
        load_value: ValueLoader,
        job_def: Any = None,
        run_config: Mapping[str, Any] | None = None,
    ) -> None:
        self.node_def = node_def
        self.event_list = event_list
        self.run_id = run_id
        self.load_value = load_value
        self.job_def = job_def
        self._run_config = dict(run_config or {})

    @property
    def run_config(self) -> dict[str, Any]:
        """The run's config as recorded: secret fields as ``***``, ``{env: NAME}`` as written."""
        return copy_plain(self._run_config)

    @property
    def success(self) -> bool:
        """Whether no step (and not the run) failed."""
        return not any(e.is_failure for e in self.event_list)

    def inputs_for(self, step_key: str) -> dict[str, Any]:
        """The values step ``step_key`` received as inputs in this run, by input name, read
        back from the run's stored values (opbook's own): call the op's function by hand on
        exactly what it got, e.g. to debug a failed step.

        Raises:
            DagsterInvariantViolationError: no such step, the step did not start in this run,
                or a value is no longer stored.
        """
        from opbook.execution.step_inputs import inputs_for

        return inputs_for(
            step_key, self.node_def, self.event_list, self.load_value, self._run_config
        )

    @property
    def all_node_events(self) -> list[DagsterEvent]:
        """The step events of every node, node by node."""
        events = []
        for node in self.node_def.nodes:
            events.extend(self.events_for_node(node.name))
        return events

    def events_for_node(self, node_name: str) -> list[DagsterEvent]:
        """The step events of the node ``node_name`` (a path, ``"graph.op"``) and of its nodes."""
        key = normalize_step_key(node_name)
        return [
            e
            for e in self.event_list
            if e.is_step_event and e.step_key is not None and is_step_of(e.step_key, key)
        ]

    def _leaf_output(self, node_str: str, output_name: str) -> tuple[str, str]:
        flat = flatten_graph(self.node_def)
        handle = normalize_step_key(node_str)
        if flat.node(handle) is None:
            raise CheckError(
                f"{self.node_def.node_kind} {self.node_def.name} has no solid named {node_str}."
            )
        found = flat.resolve_output(handle, output_name)
        if found is None:
            raise DagsterInvariantViolationError(
                f"Could not find output '{output_name}' of node '{node_str}'."
            )
        return found.step_key, found.output_name

    def output_for_node(self, node_str: str, output_name: str = "result") -> Any:
        """The value of output ``output_name`` of the node at ``node_str``.

        ``node_str`` is a path (``"op"``, ``"graph.op"``); a graph node's output is found through
        its output mappings.
        """
        step_key, name = self._leaf_output(node_str, output_name)
        produced, value = outputs_of(self.event_list, step_key, name, self.load_value)
        if not produced:
            raise DagsterInvariantViolationError(f"No outputs found for node '{node_str}'.")
        return value

    def output_value(self, output_name: str = "result") -> Any:
        """The value of the graph's output ``output_name`` (of ``graph.execute_in_process``)."""
        mappings = self.node_def.output_mappings
        if not mappings:
            raise DagsterInvariantViolationError(
                f"Attempted to retrieve top-level outputs for '{self.node_def.name}', which has no outputs."
            )
        mapping = next((m for m in mappings if m.graph_output_name == output_name), None)
        if mapping is None:
            raise DagsterInvariantViolationError(
                f"Could not find top-level output '{output_name}' in '{self.node_def.name}'."
            )
        return self.output_for_node(mapping.node_name, mapping.output_name)

    def asset_materializations_for_node(self, node_name: str) -> list[Any]:
        """The ``AssetMaterialization`` objects the node yielded."""
        materialization = ET.ASSET_MATERIALIZATION
        return [
            e.step_materialization_data.materialization
            for e in self.events_for_node(node_name)
            if e.event_type_value == materialization
        ]

    def __repr__(self) -> str:
        return f"<InProcessExecutionResult {self.node_def.name!r} {'success' if self.success else 'failure'} run_id={self.run_id}>"


ExecuteInProcessResult = InProcessExecutionResult
