"""Looking inside definitions: a pipeline's or job's nodes, a graph's node definitions and
dependency structure, an op's inputs and outputs, in both generations' names."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterInvariantViolationError,
    DependencyDefinition,
    GraphDefinition,
    In,
    InputDefinition,
    Int,
    MultiDependencyDefinition,
    NodeHandle,
    Nothing,
    Out,
    OutputDefinition,
    PipelineDefinition,
    SolidInvocation,
    graph,
    job,
    op,
    solid,
)


@op(out={"low": Out(int), "high": Out(int)})
def split(x: int = 4):
    return x // 2, x - x // 2


@op(ins={"after": In(Nothing)})
def total(values: list[int]) -> int:
    return sum(values)


@graph
def halves(x: int):
    low, high = split(x)
    return total([low, high])


@op
def seed() -> int:
    return 9


@job
def numbers():
    total.alias("grand")([halves(seed()), seed()])


def test_job_nodes_and_lookup() -> None:
    assert [n.name for n in numbers.solids] == ["seed", "halves", "seed_2", "grand"]
    assert numbers.nodes == numbers.solids
    assert numbers.solid_named("grand").definition is total
    assert numbers.has_solid_named("halves") and not numbers.has_solid_named("split")
    assert numbers.has_node_named("seed_2")
    with pytest.raises(DagsterInvariantViolationError, match='has no node named "nope"'):
        numbers.solid_named("nope")


def test_graph_node_names_are_its_top_level_nodes() -> None:
    assert numbers.graph.node_names() == ["seed", "halves", "seed_2", "grand"]
    assert halves.node_names() == ["split", "total"]


def test_get_solid_walks_handles_into_graphs() -> None:
    inner = numbers.get_solid(NodeHandle.from_string("halves.split"))
    assert inner.definition is split
    assert numbers.get_node("halves.total").name == "total"
    assert numbers.graph.get_node("halves").definition is halves
    with pytest.raises(DagsterInvariantViolationError, match="has no nodes inside"):
        numbers.get_solid("seed.inner")


def test_job_graph_and_node_definitions() -> None:
    assert isinstance(numbers.graph, GraphDefinition)
    assert [d.name for d in numbers.graph.node_defs] == ["seed", "halves", "total"]
    assert [d.name for d in numbers.solid_defs] == ["seed", "halves", "total"]
    assert {d.name for d in numbers.all_solid_defs} == {"seed", "halves", "split", "total"}
    assert [d.name for d in halves.node_defs] == ["split", "total"]


def test_op_inputs_and_outputs() -> None:
    assert [d.name for d in total.input_defs] == ["values", "after"]
    assert total.input_def_named("values").dagster_type.display_name == "[Int]"
    assert total.input_def_named("after").dagster_type is Nothing
    assert [d.name for d in split.output_defs] == ["low", "high"]
    assert split.output_def_named("high").dagster_type is Int
    assert split.input_def_named("x").default_value == 4
    assert split.has_output("low") and not split.has_input("y")
    assert total.ins["after"].is_nothing and split.outs["low"].is_required
    with pytest.raises(DagsterInvariantViolationError, match='has no input "nope"'):
        total.input_def_named("nope")
    with pytest.raises(DagsterInvariantViolationError, match='has no output "nope"'):
        split.output_def_named("nope")


def test_graph_inputs_and_outputs_come_from_its_mappings() -> None:
    assert [d.name for d in halves.input_defs] == ["x"]
    assert halves.output_def_named("result").dagster_type is Int
    assert halves.input_mappings[0].node_name == "split"


def test_node_handles() -> None:
    node = numbers.solid_named("grand")
    handle = node.input_handle("values")
    assert (handle.solid_name, handle.input_name) == ("grand", "values")
    assert [h.input_name for h in node.input_handles()] == ["values", "after"]
    assert node.output_handle("result").describe() == "grand:result"
    assert node.describe_node() == 'op "grand"'


def test_dependency_structure_of_a_job() -> None:
    deps = numbers.dependency_structure
    grand_values = numbers.solid_named("grand").input_handle("values")
    assert deps.has_multi_deps(grand_values) and not deps.has_singular_dep(grand_values)
    assert [(o.solid_name, o.output_name) for o in deps.get_multi_deps(grand_values)] == [
        ("halves", "result"),
        ("seed_2", "result"),
    ]
    halves_x = numbers.solid_named("halves").input_handle("x")
    assert deps.get_singular_dep(halves_x).solid_name == "seed"
    downstream = deps.output_to_downstream_inputs_for_solid("seed")
    assert [(i.solid_name, i.input_name) for inputs in downstream.values() for i in inputs] == [
        ("halves", "x")
    ]
    assert [o.solid_name for o in deps.all_upstream_outputs_from_solid("grand")] == [
        "halves",
        "seed_2",
    ]
    assert len(deps) == 2
    assert "seed.result ---> halves.x" in deps.debug_str()


def test_dependency_structure_inside_a_graph_leaves_out_graph_inputs() -> None:
    deps = halves.dependency_structure
    split_x = halves.node_named("split").input_handle("x")
    assert not deps.has_deps(split_x)
    with pytest.raises(DagsterInvariantViolationError, match="not fed by another node"):
        deps.get_deps_list(split_x)
    assert [(i.solid_name, i.input_name) for i in deps.input_handles()] == [("total", "values")]


@solid(input_defs=[InputDefinition("num", int)], output_defs=[OutputDefinition(int)])
def add_one(_context, num):
    return num + 1


@solid(output_defs=[OutputDefinition(int)])
def one(_context):
    return 1


def test_pipeline_from_a_dependency_dict() -> None:
    legacy = PipelineDefinition(
        [one, add_one],
        name="legacy",
        dependencies={
            SolidInvocation("add_one", "first"): {"num": DependencyDefinition("one")},
            SolidInvocation("add_one", "second"): {"num": DependencyDefinition("first")},
        },
    )
    assert [s.name for s in legacy.solids] == ["one", "first", "second"]
    assert legacy.solid_named("second").definition is add_one
    assert legacy.dependencies["second"]["num"] == DependencyDefinition("first")
    deps = legacy.dependency_structure
    second_num = legacy.solid_named("second").input_handle("num")
    assert deps.get_deps_list(second_num)[0].solid_name == "first"
    assert deps.depended_by_of_solid("one") == {
        "result": [legacy.solid_named("first").input_handle("num")]
    }
    fan_in = PipelineDefinition(
        [one, total],
        name="fan_in",
        dependencies={
            SolidInvocation("one", "a"): {},
            SolidInvocation("one", "b"): {},
            "total": {
                "values": MultiDependencyDefinition(
                    [DependencyDefinition("a"), DependencyDefinition("b")]
                )
            },
        },
    )
    assert (
        len(
            fan_in.dependency_structure.get_multi_deps(
                fan_in.solid_named("total").input_handle("values")
            )
        )
        == 2
    )
