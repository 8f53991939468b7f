"""Properties of the planner on random DAGs, built as pipelines from dependency dicts: the plan
holds every node once in a topological order, and ``*x`` / ``x*`` select exactly the ancestors /
descendants of ``x``, computed here independently."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opbook import (
    DependencyDefinition,
    InputDefinition,
    MultiDependencyDefinition,
    Nothing,
    PipelineDefinition,
    SolidInvocation,
    lambda_solid,
)
from opbook.definitions.run_config import resolve_run_config
from opbook.plan.plan import ExecutionPlan, build_plan
from opbook.plan.selection import select


@lambda_solid(input_defs=[InputDefinition("after", Nothing)])
def node():
    return None


Edges = dict[str, list[str]]  # node -> its upstream nodes


@st.composite
def dags(draw: Any) -> tuple[Edges, list[str]]:
    """A random DAG over n0..nk (edges only from lower to higher numbers, so no cycle) and a
    random order in which its nodes are written in the dependency dict."""
    size = draw(st.integers(min_value=1, max_value=12))
    names = [f"n{i}" for i in range(size)]
    edges: Edges = {}
    for i, name in enumerate(names):
        edges[name] = draw(st.lists(st.sampled_from(names[:i]), unique=True)) if i else []
    order = draw(st.permutations(names))
    return edges, list(order)


def pipeline_of(edges: Edges, order: list[str]) -> PipelineDefinition:
    dependencies: dict[Any, dict[str, Any]] = {}
    for name in order:
        upstream = edges[name]
        inputs = (
            {"after": MultiDependencyDefinition([DependencyDefinition(u) for u in upstream])}
            if upstream
            else {}
        )
        dependencies[SolidInvocation("node", alias=name)] = inputs
    return PipelineDefinition([node], name="random_dag", dependencies=dependencies)


def plan_of(pipeline: PipelineDefinition) -> ExecutionPlan:
    return build_plan(pipeline, resolve_run_config(pipeline, pipeline.get_mode_definition(), None))


def closure(start: str, edges: Edges) -> set[str]:
    found = {start}
    stack = [start]
    while stack:
        for nxt in edges[stack.pop()]:
            if nxt not in found:
                found.add(nxt)
                stack.append(nxt)
    return found


def downstream_of(edges: Edges) -> Edges:
    down: Edges = {name: [] for name in edges}
    for name, ups in edges.items():
        for up in ups:
            down[up].append(name)
    return down


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(dags())
def test_plan_is_a_topological_order_of_every_node(dag: tuple[Edges, list[str]]) -> None:
    edges, order = dag
    plan = plan_of(pipeline_of(edges, order))
    assert sorted(plan.step_keys) == sorted(edges)
    position = {key: i for i, key in enumerate(plan.step_keys)}
    for name, upstream in edges.items():
        for up in upstream:
            assert position[up] < position[name]
        assert set(plan.get_step_by_key(name).upstream_keys) == set(upstream)


@SETTINGS
@given(dags(), st.data())
def test_star_selections_are_ancestors_and_descendants(
    dag: tuple[Edges, list[str]], data: Any
) -> None:
    edges, order = dag
    pipeline = pipeline_of(edges, order)
    target = data.draw(st.sampled_from(sorted(edges)))
    ancestors = closure(target, edges)
    descendants = closure(target, downstream_of(edges))
    upstream = pipeline.graph.upstream_nodes()
    assert select(upstream, [f"*{target}"]) == ancestors
    assert select(upstream, [f"{target}*"]) == descendants
    steps = plan_of(pipeline).upstream_map()
    assert select(steps, [f"*{target}"]) == ancestors
    assert select(steps, [f"{target}*"]) == descendants


@SETTINGS
@given(dags(), st.data())
def test_one_level_selections_are_direct_neighbours(
    dag: tuple[Edges, list[str]], data: Any
) -> None:
    edges, order = dag
    upstream = pipeline_of(edges, order).graph.upstream_nodes()
    target = data.draw(st.sampled_from(sorted(edges)))
    assert select(upstream, [f"+{target}"]) == {target, *edges[target]}
    assert select(upstream, [f"{target}+"]) == {target, *downstream_of(edges)[target]}


@settings(max_examples=20, deadline=None)
@given(dags(), st.data())
def test_a_selected_subset_runs_exactly_its_ancestors(
    dag: tuple[Edges, list[str]], data: Any
) -> None:
    from opbook import execute_pipeline

    edges, order = dag
    pipeline = pipeline_of(edges, order)
    target = data.draw(st.sampled_from(sorted(edges)))
    result = execute_pipeline(pipeline, solid_selection=[f"*{target}"])
    ran = [e.step_key for e in result.event_list if e.is_step_start]
    assert set(ran) == closure(target, edges)
    position = {key: i for i, key in enumerate(ran)}
    for name in ran:
        assert all(position[up] < position[name] for up in edges[name])
