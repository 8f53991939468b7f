"""Dynamic steps: planned unresolved, resolved at run time into one step per item.

A step downstream of a dynamic output (``dynamic.map(fn)``) is planned as a placeholder keyed
``op[?]`` whose ``dynamic_source`` names the dynamic output.  When the step producing that
output has run, each mapping key ``k`` it yielded gives a concrete step ``op[k]`` (same op,
inputs from the same-keyed upstream steps and from item ``k`` of the dynamic output).  A step
with a ``collect`` input keeps its key; its input is resolved to one source per item, in the
order the items were yielded.  Resolution makes new ``ExecutionStep`` objects: plans are shared
by every run of a job, and stay as planned.

``StepResolution`` is how a resolved step travels to a worker process: the planned step's key
and the mapping key, or the items each collect input gathers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from opbook import dag
from opbook.errors import DagsterExecutionStepNotFoundError, DagsterInvariantViolationError
from opbook.events import StepOutputHandle

if TYPE_CHECKING:
    from opbook.plan.plan import ExecutionPlan, ExecutionStep, StepInput

UNRESOLVED = "[?]"
_MAPPED_KEY = re.compile(r"^(?P<base>.+)\[(?P<key>[A-Za-z0-9_]+|\?)\]$")
# (planned step key, output name) -> the mapping keys of the items, in order
KeysOf = Callable[[str, str], Sequence[str]]


@dataclass(frozen=True)
class StepResolution:
    """How to rebuild a resolved step from its plan (in a worker)."""

    planned_key: str
    mapping_key: str | None = None
    # collect input name -> its sources, one per item
    collected: tuple[tuple[str, tuple[StepOutputHandle, ...]], ...] = ()


def split_key(step_key: str) -> tuple[str, str | None]:
    """``("op", "k")`` for ``op[k]``, ``("op", "?")`` for ``op[?]``, ``(key, None)`` else."""
    match = _MAPPED_KEY.match(step_key) if step_key.endswith("]") else None
    if match is None:
        return step_key, None
    return match["base"], match["key"]


def planned_key(step_key: str) -> str:
    """The key a step has in the plan: ``op[?]`` for ``op[k]``, else the key itself."""
    base, key = split_key(step_key)
    return step_key if key is None else base + UNRESOLVED


def has_dynamic_outputs(steps: Iterable[ExecutionStep]) -> bool:
    return any(o.is_dynamic for step in steps for o in step.definition.output_defs)


# -- planning ------------------------------------------------------------------------------------


def mark_dynamic(steps: list[ExecutionStep]) -> list[ExecutionStep]:
    """The flattened steps with those downstream of a dynamic output made placeholders
    (``op[?]``) and collect inputs marked; steps of a plan with no dynamic output unchanged."""
    if not has_dynamic_outputs(steps):
        return steps
    by_key = {s.key: s for s in steps}
    order = dag.toposort({s.key: [k for k in s.upstream_keys if k in by_key] for s in steps})
    if order is None:
        raise DagsterInvariantViolationError("The plan has a cycle.")
    source: dict[str, StepOutputHandle] = {}  # step key -> the dynamic output it maps over
    for key in order:
        found = _dynamic_source(by_key, by_key[key], source)
        if found is not None:
            source[key] = found
    renamed = {key: key + UNRESOLVED for key in source}
    return [_marked(step, source, renamed, by_key) for step in steps]


def _is_dynamic_output(by_key: Mapping[str, ExecutionStep], handle: StepOutputHandle) -> bool:
    step = by_key.get(handle.step_key)
    return step is not None and step.definition.output_def_named(handle.output_name).is_dynamic


def _dynamic_source(
    by_key: Mapping[str, ExecutionStep],
    step: ExecutionStep,
    source: Mapping[str, StepOutputHandle],
) -> StepOutputHandle | None:
    for step_input in step.inputs:
        if step_input.is_fan_in:
            continue  # a collect (definitions forbid dynamic items in other fan-ins)
        for handle in step_input.sources:
            if _is_dynamic_output(by_key, handle):
                return StepOutputHandle(handle.step_key, handle.output_name)
            if handle.step_key in source:
                return source[handle.step_key]
    return None


def _marked(
    step: ExecutionStep,
    source: Mapping[str, StepOutputHandle],
    renamed: Mapping[str, str],
    by_key: Mapping[str, ExecutionStep],
) -> ExecutionStep:
    dynamic_source = source.get(step.key)
    inputs = [_marked_input(i, source, renamed, by_key) for i in step.inputs]
    if dynamic_source is None and inputs == step.inputs:
        return step
    return replace(
        step,
        key=renamed.get(step.key, step.key),
        inputs=inputs,
        upstream_keys=tuple(renamed.get(k, k) for k in step.upstream_keys),
        dynamic_source=dynamic_source,
        memo={},
    )


def _marked_input(
    step_input: StepInput,
    source: Mapping[str, StepOutputHandle],
    renamed: Mapping[str, str],
    by_key: Mapping[str, ExecutionStep],
) -> StepInput:
    sources = tuple(
        StepOutputHandle(renamed[s.step_key], s.output_name) if s.step_key in renamed else s
        for s in step_input.sources
    )
    collects = None
    if step_input.is_fan_in and len(sources) == 1:
        first = step_input.sources[0]
        if _is_dynamic_output(by_key, first):
            collects = first
        elif first.step_key in source:
            collects = source[first.step_key]
    if sources == step_input.sources and collects is None:
        return step_input
    return replace(step_input, sources=sources, collects=collects)


# -- resolving -----------------------------------------------------------------------------------


def resolve_mapped(step: ExecutionStep, mapping_key: str) -> ExecutionStep:
    """The concrete step ``op[mapping_key]`` of the placeholder ``op[?]``."""
    assert step.dynamic_source is not None
    dynamic = step.dynamic_source
    inputs = []
    for step_input in step.inputs:
        sources = tuple(_mapped_source(s, dynamic, mapping_key) for s in step_input.sources)
        inputs.append(replace(step_input, sources=sources) if sources else step_input)
    base = step.key[: -len(UNRESOLVED)]
    return replace(
        step,
        key=f"{base}[{mapping_key}]",
        inputs=inputs,
        upstream_keys=tuple(_mapped_key(k, mapping_key) for k in step.upstream_keys),
        mapping_key=mapping_key,
        resolution=StepResolution(step.key, mapping_key),
        memo={},
    )


def _mapped_key(key: str, mapping_key: str) -> str:
    return f"{key[: -len(UNRESOLVED)]}[{mapping_key}]" if key.endswith(UNRESOLVED) else key


def _mapped_source(
    source: StepOutputHandle, dynamic: StepOutputHandle, mapping_key: str
) -> StepOutputHandle:
    if source.step_key == dynamic.step_key and source.output_name == dynamic.output_name:
        return StepOutputHandle(source.step_key, source.output_name, mapping_key)
    if source.step_key.endswith(UNRESOLVED):
        return StepOutputHandle(_mapped_key(source.step_key, mapping_key), source.output_name)
    return source


def resolve_collect(
    step: ExecutionStep,
    keys_of: KeysOf,
    produced: Callable[[StepOutputHandle], bool] = lambda _: True,
) -> ExecutionStep:
    """``step`` with each collect input fed by one source per item, in the items' order
    (``keys_of``: the mapping keys a dynamic output yielded), leaving out the outputs of
    mapped steps that were not ``produced`` (skipped, or an optional output not yielded)."""
    collected = []
    for step_input in step.inputs:
        dynamic = step_input.collects
        if dynamic is None:
            continue
        keys = keys_of(dynamic.step_key, dynamic.output_name)
        source = step_input.sources[0]
        if source.step_key.endswith(UNRESOLVED):
            every = [
                StepOutputHandle(_mapped_key(source.step_key, k), source.output_name) for k in keys
            ]
            # (none produced: all of them kept, so that the step is skipped, as in Dagster)
            sources = [handle for handle in every if produced(handle)] or every
        else:
            sources = [StepOutputHandle(source.step_key, source.output_name, k) for k in keys]
        collected.append((step_input.name, tuple(sources)))
    return apply_collected(step, tuple(collected))


def apply_collected(
    step: ExecutionStep, collected: tuple[tuple[str, tuple[StepOutputHandle, ...]], ...]
) -> ExecutionStep:
    by_name = dict(collected)
    inputs = [
        replace(i, sources=by_name[i.name], collects=None) if i.name in by_name else i
        for i in step.inputs
    ]
    return replace(
        step, inputs=inputs, resolution=StepResolution(step.key, None, collected), memo={}
    )


def from_resolution(plan: ExecutionPlan, resolution: StepResolution) -> ExecutionStep:
    """A resolved step rebuilt from its plan, as the driving process resolved it."""
    mapping_key = resolution.mapping_key
    if mapping_key is not None:
        # A re-execution of mapped steps plans them; a run resolves them from the placeholder.
        planned = plan.step_dict.get(_mapped_key(resolution.planned_key, mapping_key))
        step = planned or resolve_mapped(plan.step_dict[resolution.planned_key], mapping_key)
    else:
        step = plan.step_dict[resolution.planned_key]
    if resolution.collected:
        step = apply_collected(step, resolution.collected)
    return step


# -- selecting resolved steps (re-execution) -----------------------------------------------------


def select_steps(
    by_key: Mapping[str, ExecutionStep], order: Sequence[str], keys: Sequence[str]
) -> list[ExecutionStep]:
    """The steps a re-execution runs, in plan order: planned steps by key, and mapped steps
    ``op[k]`` resolved from their placeholder ``op[?]``."""
    wanted = set(keys)
    mapped: dict[str, list[str]] = {}
    for key in keys:
        if key in by_key:
            continue
        base, mapping_key = split_key(key)
        placeholder = by_key.get(base + UNRESOLVED) if mapping_key not in (None, "?") else None
        if placeholder is None:
            raise DagsterExecutionStepNotFoundError(
                f"Step selection refers to unknown step: {key}", step_keys=[key]
            )
        mapped.setdefault(placeholder.key, []).append(mapping_key)  # type: ignore[arg-type]
    steps: list[ExecutionStep] = []
    for key in order:
        step = by_key[key]
        if key in wanted:
            if step.dynamic_source is not None:
                _check_resolvable(step, wanted)
            steps.append(_waiting_for_mapped(step, mapped))
        steps += [resolve_mapped(step, k) for k in mapped.get(key, ())]
    return steps


def _waiting_for_mapped(step: ExecutionStep, mapped: Mapping[str, list[str]]) -> ExecutionStep:
    """A selected step that collects over a placeholder waits for its selected mapped steps."""
    extra = tuple(
        _mapped_key(source.step_key, k)
        for step_input in step.inputs
        if step_input.is_collect
        for source in step_input.sources
        for k in mapped.get(source.step_key, ())
    )
    return replace(step, upstream_keys=step.upstream_keys + extra) if extra else step


def _check_resolvable(step: ExecutionStep, wanted: set[str]) -> None:
    assert step.dynamic_source is not None
    resolver = step.dynamic_source.step_key
    if resolver not in wanted:
        raise DagsterInvariantViolationError(
            f'Unresolved ExecutionStep "{step.key}" is resolved by "{resolver}" which is not '
            "part of the current step selection"
        )


def resolved_step_map(plan: ExecutionPlan, keys_of: KeysOf) -> dict[str, list[str]]:
    """``{step key: upstream step keys}`` of a whole plan with each placeholder's mapped steps
    listed after it, as an earlier run resolved them (``keys_of``), for step selections.  A
    placeholder keeps the step that resolves it as its only upstream step; a mapped step
    ``op[k]`` has the upstream steps of its placeholder, same-keyed."""
    step_map: dict[str, list[str]] = {}
    mapped = mapped_steps(plan, keys_of)
    for step in plan.steps:
        ups = list(step.upstream_keys)
        if step.key in mapped:
            assert step.dynamic_source is not None
            resolver = step.dynamic_source.step_key
            step_map[step.key] = [resolver]
            for key in mapped[step.key]:
                mapping_key = split_key(key)[1]
                assert mapping_key is not None
                step_map[key] = [_mapped_key(u, mapping_key) for u in ups if u != resolver]
        else:
            step_map[step.key] = [k for up in ups for k in (up, *mapped.get(up, ()))]
    return step_map


def mapped_steps(plan: ExecutionPlan, keys_of: KeysOf) -> dict[str, list[str]]:
    """Placeholder -> the keys of its mapped steps, from the items an earlier run yielded."""
    mapped = {}
    for step in plan.steps:
        dynamic = step.dynamic_source
        if dynamic is not None and step.mapping_key is None:
            keys = keys_of(dynamic.step_key, dynamic.output_name)
            mapped[step.key] = [_mapped_key(step.key, k) for k in keys]
    return mapped


def settle_selection(
    plan: ExecutionPlan, chosen: set[str], named: Iterable[str], keys_of: KeysOf
) -> set[str]:
    """A selection of a resolved step map, made runnable: when the step that resolves a
    placeholder runs again, the placeholder is resolved afresh (naming one of its earlier
    mapped steps too is an error); else the earlier mapped steps stand for it."""
    named = set(named)
    chosen = set(chosen)
    for placeholder, keys in mapped_steps(plan, keys_of).items():
        resolver = plan.step_dict[placeholder].dynamic_source.step_key  # type: ignore[union-attr]
        if resolver in chosen:
            explicit = sorted(named & set(keys))
            if explicit:
                raise DagsterExecutionStepNotFoundError(
                    f"Step selection refers to unknown step: {explicit[0]}: step "
                    f'"{resolver}" runs again, so the steps it resolves are planned afresh.',
                    step_keys=explicit,
                )
            chosen -= set(keys)
        elif placeholder not in named:
            chosen.discard(placeholder)
    return chosen
