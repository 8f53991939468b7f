"""The execution plan: one step per op invocation, in dependency order.

A plan is built from a compiled job (``plan.compile``: the graph flattened once, every op
input's possible sources already followed through graph boundaries): a step's key is its op's
handle (``"comp.inner"``), and every input of a step knows where its value comes from: the
outputs of upstream steps (several for fan-in), a value from run config (through the input
type's loader), the input's default value, or nothing (a ``Nothing`` input only orders steps).
Which of these applies may depend on which inputs the run config gives.  Inputs fed by a step
outside the plan (a re-execution) keep their source; the engine loads those values from the
parent run.

Plans depend on the compiled job (job and selection), the steps to execute and which inputs
come from config, and are memoized in the compiled job for that key, so a job run many times
is planned once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from opbook import dag
from opbook.definitions.dependencies import Node
from opbook.definitions.hook import HookDefinition
from opbook.definitions.input_output import NO_VALUE, InputDefinition, OutputDefinition
from opbook.definitions.job import PipelineDefinition
from opbook.definitions.op import SolidDefinition
from opbook.definitions.run_config import ResolvedRunConfig
from opbook.definitions.user_events import RetryPolicy
from opbook.errors import DagsterInvalidDefinitionError, DagsterInvariantViolationError
from opbook.events import SolidHandle, StepKind, StepOutputHandle
from opbook.plan import dynamic
from opbook.plan.compile import compile_job
from opbook.plan.compiled import CompiledInput, CompiledJob, OpNode
from opbook.plan.dynamic import StepResolution


@dataclass(frozen=True)
class StepInput:
    """Where one input of a step gets its value."""

    name: str
    definition: InputDefinition
    sources: tuple[StepOutputHandle, ...] = ()
    is_fan_in: bool = False
    # Set when run config feeds the input: (handle of the node whose config has it, input name).
    config_source: tuple[str, str] | None = None
    # A fan-in over the items of this dynamic output, resolved at run time (``plan.dynamic``).
    collects: StepOutputHandle | None = None

    @property
    def is_collect(self) -> bool:
        return self.collects is not None

    @property
    def upstream_step_keys(self) -> list[str]:
        return [s.step_key for s in self.sources]


@dataclass(eq=False)
class ExecutionStep:
    """One op invocation to run."""

    key: str
    handle: SolidHandle
    node: Node
    definition: SolidDefinition
    inputs: list[StepInput]
    tags: dict[str, Any]
    hook_defs: frozenset[HookDefinition]
    retry_policy: RetryPolicy | None
    upstream_keys: tuple[str, ...] = ()
    logging_tags: dict[str, str] = field(default_factory=dict)
    # What the engine derives from this step and reuses on every run of the plan (the
    # texts and data of events that do not change from run to run).
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    # Dynamic steps (``plan.dynamic``): a placeholder ``op[?]`` names the dynamic output it
    # maps over; a resolved step has its mapping key and how a worker can rebuild it.
    dynamic_source: StepOutputHandle | None = None
    mapping_key: str | None = None
    resolution: StepResolution | None = None

    @property
    def solid_handle(self) -> SolidHandle:
        return self.handle

    @property
    def output_defs(self) -> list[OutputDefinition]:
        return self.definition.output_defs

    @property
    def kind(self) -> StepKind:
        if self.dynamic_source is not None and self.mapping_key is None:
            return StepKind.UNRESOLVED_MAPPED
        if any(i.is_collect for i in self.inputs):
            return StepKind.UNRESOLVED_COLLECT
        return StepKind.COMPUTE

    @cached_property
    def priority(self) -> int:
        value = self.tags.get("dagster/priority", 0)
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0


@dataclass(frozen=True)
class StepLinks:
    """How the steps of one plan wait for each other; worked out once per plan."""

    # the steps of this plan each step waits for, and those waiting for it
    upstream: Mapping[str, tuple[str, ...]]
    downstream: Mapping[str, tuple[str, ...]]
    # steps with an input from an optional output of a step in this plan: they may be skipped
    fed_by_optional_outputs: frozenset[str]
    # whether any step has a "dagster/priority" tag other than 0
    has_priorities: bool
    # placeholders (``op[?]``) and steps with a collect input: resolved at run time
    placeholders: frozenset[str] = frozenset()
    collectors: frozenset[str] = frozenset()


@dataclass(eq=False)
class ExecutionPlan:
    """Steps in dependency order, with the dependency maps the scheduler needs."""

    pipeline_name: str
    steps: list[ExecutionStep]
    step_dict: dict[str, ExecutionStep]
    # the full plan's keys (a re-execution runs a subset of them)
    all_step_keys: tuple[str, ...]
    step_keys_to_execute: tuple[str, ...] | None = None

    @property
    def step_keys(self) -> list[str]:
        return [s.key for s in self.steps]

    def get_step_by_key(self, key: str) -> ExecutionStep:
        return self.step_dict[normalize_step_key(key)]

    def has_step(self, key: str) -> bool:
        return normalize_step_key(key) in self.step_dict

    @cached_property
    def links(self) -> StepLinks:
        upstream = {
            s.key: tuple(k for k in s.upstream_keys if k in self.step_dict) for s in self.steps
        }
        # A placeholder waits for the step that resolves it only (``executors.base``).
        placeholders = frozenset(
            s.key for s in self.steps if s.dynamic_source is not None and s.mapping_key is None
        )
        for key in placeholders:
            resolver = self.step_dict[key].dynamic_source.step_key  # type: ignore[union-attr]
            upstream[key] = (resolver,) if resolver in self.step_dict else ()
        downstream: dict[str, list[str]] = {key: [] for key in upstream}
        for key, ups in upstream.items():
            for up in ups:
                downstream[up].append(key)
        fed_by_optional = frozenset(
            step.key
            for step in self.steps
            for step_input in step.inputs
            if any(self._is_optional_output(source) for source in step_input.sources)
        )
        return StepLinks(
            upstream,
            {key: tuple(keys) for key, keys in downstream.items()},
            fed_by_optional,
            any(step.priority for step in self.steps),
            placeholders,
            frozenset(s.key for s in self.steps if any(i.is_collect for i in s.inputs)),
        )

    def _is_optional_output(self, handle: StepOutputHandle) -> bool:
        """Whether ``handle`` is an optional output of a step of this plan."""
        step = self.step_dict.get(handle.step_key)
        return (
            step is not None
            and not step.definition.output_def_named(handle.output_name).is_required
        )

    def upstream_map(self) -> dict[str, list[str]]:
        return {s.key: list(s.upstream_keys) for s in self.steps}

    def topological_step_levels(self) -> list[list[str]]:
        level: dict[str, int] = {}
        for step in self.steps:
            level[step.key] = 1 + max(
                (level[k] for k in step.upstream_keys if k in level), default=-1
            )
        levels: list[list[str]] = [[] for _ in range(1 + max(level.values(), default=-1))]
        for key, n in level.items():
            levels[n].append(key)
        return levels


def normalize_step_key(key: str) -> str:
    """Accept the pipeline generation's ``add_one.compute`` spelling of step ``add_one``."""
    return key[: -len(".compute")] if key.endswith(".compute") else key


# -- building ------------------------------------------------------------------------------------


def build_plan(
    job: CompiledJob | PipelineDefinition,
    resolved: ResolvedRunConfig,
    step_keys_to_execute: Sequence[str] | None = None,
) -> ExecutionPlan:
    """The plan for a run of ``job`` (restricted to ``step_keys_to_execute`` if given).

    Args:
        job: the compiled job (``plan.compile.compile_job``), or a job or pipeline, compiled
            here for its own selection.
        resolved: the run's resolved config (which inputs it gives matters).
        step_keys_to_execute: run only these steps (a re-execution), if given.
    """
    compiled = job if isinstance(job, CompiledJob) else compile_job(job)
    config_inputs = frozenset(
        (handle, name) for handle, nc in resolved.nodes.items() for name in nc.inputs
    ) | frozenset(("", name) for name in resolved.graph_inputs)
    keys = tuple(step_keys_to_execute) if step_keys_to_execute is not None else None
    cache_key = (keys, config_inputs)
    cache = compiled.plans
    plan: ExecutionPlan | None = cache.get(cache_key)
    if plan is None:
        plan = _build(compiled, resolved, keys)
        if len(cache) > 64:
            cache.clear()
        cache[cache_key] = plan
    return plan


def _build(
    compiled: CompiledJob, resolved: ResolvedRunConfig, keys: tuple[str, ...] | None
) -> ExecutionPlan:
    steps = dynamic.mark_dynamic([_step(compiled, op, resolved) for op in compiled.ops.values()])
    by_key = {s.key: s for s in steps}
    order = dag.toposort({s.key: [k for k in s.upstream_keys if k in by_key] for s in steps})
    if order is None:  # graphs are checked at definition; flattening cannot add a cycle
        raise DagsterInvariantViolationError(f'The plan of "{compiled.name}" has a cycle.')
    all_keys = tuple(order)
    if keys is not None and any(s.dynamic_source is not None for s in steps):
        ordered_steps = dynamic.select_steps(by_key, order, keys)
    else:
        if keys is not None:
            wanted = set(keys)
            order = [k for k in order if k in wanted]
        ordered_steps = [by_key[k] for k in order]
    return ExecutionPlan(
        compiled.name,
        ordered_steps,
        {s.key: s for s in ordered_steps},
        all_keys,
        keys,
    )


def _step(compiled: CompiledJob, op: OpNode, resolved: ResolvedRunConfig) -> ExecutionStep:
    inputs = [_input(op, i, resolved) for i in op.inputs]
    upstream: list[str] = []
    for step_input in inputs:
        for source in step_input.sources:
            if source.step_key not in upstream:
                upstream.append(source.step_key)
    return ExecutionStep(
        op.handle,
        op.solid_handle,
        op.node,
        op.definition,
        inputs,
        dict(op.tags),
        compiled.hook_defs | op.hook_defs if compiled.hook_defs else op.hook_defs,
        op.retry_policy or compiled.retry_policy,
        tuple(upstream),
    )


def _input(op: OpNode, compiled_input: CompiledInput, resolved: ResolvedRunConfig) -> StepInput:
    sources, fan_in, config_source = compiled_input.resolve(resolved)
    input_def = compiled_input.definition
    if (
        not sources
        and not fan_in
        and config_source is None
        and input_def.default_value is NO_VALUE
        and not input_def.is_nothing
        and input_def.root_manager_key is None
    ):
        if input_def.dagster_type.loader is None:
            raise DagsterInvalidDefinitionError(
                f'Input "{input_def.name}" in {op.definition.node_kind} '
                f'"{op.handle}" is not connected to the output of a previous node and can not be loaded '
                f"from configuration, making the job impossible to run. Connect it to an upstream "
                f'output, give it a default value, or give type "{input_def.dagster_type.name}" a loader.'
            )
        raise DagsterInvariantViolationError(
            f'Input "{input_def.name}" of step "{op.handle}" has no value.'
        )
    return StepInput(input_def.name, input_def, sources, fan_in, config_source)


def full_step_map(
    job: CompiledJob | PipelineDefinition, resolved: ResolvedRunConfig
) -> Mapping[str, Sequence[str]]:
    """``{step key: upstream step keys}`` of the whole plan, for step selections."""
    return build_plan(job, resolved).upstream_map()
