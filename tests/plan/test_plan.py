"""The execution plan: one step per op invocation keyed by its handle, graphs flattened, each
input's source resolved (upstream outputs, run config, defaults), in dependency order."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterInvalidDefinitionError,
    DagsterType,
    DependencyDefinition,
    In,
    InputDefinition,
    Nothing,
    Out,
    PipelineDefinition,
    RetryPolicy,
    SolidInvocation,
    graph,
    job,
    lambda_solid,
    op,
    success_hook,
)
from opbook.definitions.run_config import resolve_run_config
from opbook.events import SolidHandle, StepKind, StepOutputHandle
from opbook.plan.plan import ExecutionPlan, build_plan, full_step_map, normalize_step_key


def plan_of(pipeline: PipelineDefinition, run_config: dict | None = None) -> ExecutionPlan:
    mode = pipeline.get_mode_definition()
    return build_plan(pipeline, resolve_run_config(pipeline, mode, run_config))


@op
def one() -> int:
    return 1


@op
def add(x: int, y: int) -> int:
    return x + y


@graph
def inner(a: int):
    return add(a, one())


@job
def nested():
    add.alias("final")(inner(one()), inner.alias("other")(one.alias("two")()))


def test_step_keys_are_handles_and_graphs_are_flattened() -> None:
    plan = plan_of(nested)
    assert set(plan.step_keys) == {
        "one",
        "two",
        "inner.one",
        "inner.add",
        "other.one",
        "other.add",
        "final",
    }
    step = plan.get_step_by_key("inner.add")
    assert step.handle == SolidHandle("add", SolidHandle("inner"))
    assert step.solid_handle == step.handle
    assert step.kind is StepKind.COMPUTE
    assert step.definition is add
    assert step.node.name == "add"


def test_inputs_resolve_through_graph_mappings() -> None:
    plan = plan_of(nested)
    inner_add = plan.get_step_by_key("inner.add")
    sources = {i.name: i.sources for i in inner_add.inputs}
    assert sources == {
        "x": (StepOutputHandle("one", "result"),),
        "y": (StepOutputHandle("inner.one", "result"),),
    }
    final = plan.get_step_by_key("final")
    assert [i.upstream_step_keys for i in final.inputs] == [["inner.add"], ["other.add"]]
    assert set(final.upstream_keys) == {"inner.add", "other.add"}


def test_steps_are_in_dependency_order() -> None:
    plan = plan_of(nested)
    position = {key: i for i, key in enumerate(plan.step_keys)}
    for step in plan.steps:
        for upstream in step.upstream_keys:
            assert position[upstream] < position[step.key]


def test_ties_keep_definition_order() -> None:
    @job
    def independent():
        one.alias("c")()
        one.alias("a")()
        one.alias("b")()

    assert plan_of(independent).step_keys == ["c", "a", "b"]


def test_topological_levels() -> None:
    plan = plan_of(nested)
    levels = plan.topological_step_levels()
    assert set(levels[0]) == {"one", "two", "inner.one", "other.one"}
    assert set(levels[1]) == {"inner.add", "other.add"}
    assert levels[2] == ["final"]


def test_topological_levels_end_with_the_last_steps_level() -> None:
    @job
    def two_levels():
        add(one(), one.alias("other")())

    assert plan_of(two_levels).topological_step_levels() == [["one", "other"], ["add"]]


def test_pipeline_generation_step_key_spelling_is_accepted() -> None:
    plan = plan_of(nested)
    assert normalize_step_key("inner.add.compute") == "inner.add"
    assert plan.has_step("final.compute")
    assert plan.get_step_by_key("inner.add.compute").key == "inner.add"
    assert not plan.has_step("nope")


def test_inputs_from_run_config_and_defaults() -> None:
    @op(ins={"x": In(int), "y": In(int, default_value=10)})
    def configured_inputs(x, y):
        return x + y

    @job
    def from_config():
        configured_inputs()

    plan = plan_of(from_config, {"ops": {"configured_inputs": {"inputs": {"x": 1}}}})
    x, y = plan.get_step_by_key("configured_inputs").inputs
    assert x.config_source == ("configured_inputs", "x")
    assert x.sources == ()
    assert y.config_source is None and y.sources == ()
    assert y.definition.default_value == 10
    result = from_config.execute_in_process(
        run_config={"ops": {"configured_inputs": {"inputs": {"x": 1}}}}
    )
    assert result.output_for_node("configured_inputs") == 11


def test_top_level_graph_inputs_come_from_config() -> None:
    plan = plan_of(inner.to_job(), {"inputs": {"a": 5}})
    step = plan.get_step_by_key("add")
    assert step.inputs[0].config_source == ("", "a")
    assert inner.execute_in_process(run_config={"inputs": {"a": 5}}).output_value() == 6


def test_nothing_inputs_only_order_steps() -> None:
    @lambda_solid
    def first():
        return 1

    @lambda_solid(input_defs=[InputDefinition("after", Nothing)])
    def second():
        return 2

    pipeline_def = PipelineDefinition(
        [first, second],
        name="ordered",
        dependencies={"second": {"after": DependencyDefinition("first")}},
    )
    plan = plan_of(pipeline_def)
    assert plan.step_keys == ["first", "second"]
    assert plan.get_step_by_key("second").upstream_keys == ("first",)


def test_plans_are_cached_per_job_and_config_inputs() -> None:
    assert plan_of(nested) is plan_of(nested)

    @op(ins={"x": In(int, default_value=1)})
    def optional_input(x):
        return x

    @job
    def optional():
        optional_input()

    without = plan_of(optional)
    with_config = plan_of(optional, {"ops": {"optional_input": {"inputs": {"x": 2}}}})
    assert without is not with_config
    assert with_config.get_step_by_key("optional_input").inputs[0].config_source is not None


def test_plan_for_selected_step_keys() -> None:
    mode = nested.get_mode_definition()
    resolved = resolve_run_config(nested, mode, None)
    plan = build_plan(nested, resolved, ["other.add", "final"])
    assert plan.step_keys == ["other.add", "final"]
    assert plan.step_keys_to_execute == ("other.add", "final")
    assert set(plan.all_step_keys) == set(plan_of(nested).step_keys)


def test_priority_tag() -> None:
    @job
    def prioritised():
        one.tag({"dagster/priority": "5"})()
        one.alias("low").tag({"dagster/priority": "not a number"})()

    plan = plan_of(prioritised)
    assert plan.get_step_by_key("one").priority == 5
    assert plan.get_step_by_key("low").priority == 0


def test_aliases_in_a_dependency_dict_become_steps() -> None:
    @lambda_solid(input_defs=[InputDefinition("x")])
    def passthrough(x):
        return x

    @lambda_solid
    def source():
        return 1

    pipeline_def = PipelineDefinition(
        [source, passthrough],
        name="aliased",
        dependencies={
            SolidInvocation("passthrough", "p1"): {"x": DependencyDefinition("source")},
            SolidInvocation("passthrough", "p2"): {"x": DependencyDefinition("p1")},
        },
    )
    assert plan_of(pipeline_def).step_keys == ["source", "p1", "p2"]


def test_subset_plan_contains_only_selected_nodes() -> None:
    everything = nested.get_job_def_for_op_selection(["*final"])
    assert set(plan_of(everything).step_keys) == set(plan_of(nested).step_keys)
    alone = nested.get_job_def_for_op_selection(["final"])
    plan = plan_of(alone, {"ops": {"final": {"inputs": {"x": 1, "y": 2}}}})
    assert plan.step_keys == ["final"]
    assert [i.config_source for i in plan.get_step_by_key("final").inputs] == [
        ("final", "x"),
        ("final", "y"),
    ]


def test_the_plan_is_named_after_its_job() -> None:
    assert plan_of(nested).pipeline_name == "nested"


def test_full_step_map_is_every_steps_upstream_keys() -> None:
    resolved = resolve_run_config(nested, nested.get_mode_definition(), None)
    step_map = full_step_map(nested, resolved)
    assert step_map["final"] == ["inner.add", "other.add"]
    assert step_map["inner.add"] == ["one", "inner.one"]
    assert step_map["two"] == []


def test_an_empty_selection_of_steps_has_no_levels() -> None:
    resolved = resolve_run_config(nested, nested.get_mode_definition(), None)
    assert build_plan(nested, resolved, []).topological_step_levels() == []


@op(out={"maybe": Out(int, is_required=False)})
def optional_output():
    yield from ()


@op
def takes(x: int) -> int:
    return x


def test_steps_fed_by_an_optional_output_may_be_skipped() -> None:
    @job
    def optional():
        takes.alias("after_optional")(optional_output())
        takes.alias("after_required")(one())

    assert plan_of(optional).links.fed_by_optional_outputs == frozenset({"after_optional"})


@success_hook
def job_hook(_context):
    pass


@success_hook
def graph_hook(_context):
    pass


@success_hook
def op_hook(_context):
    pass


def test_a_steps_hooks_are_those_of_its_job_its_graphs_and_its_node() -> None:
    @graph
    def hooked():
        one.with_hooks({op_hook})()
        one.alias("plain")()

    @job(hooks={job_hook})
    def with_hooks():
        hooked.with_hooks({graph_hook})()

    plan = plan_of(with_hooks)
    assert plan.get_step_by_key("hooked.one").hook_defs == {job_hook, graph_hook, op_hook}
    assert plan.get_step_by_key("hooked.plain").hook_defs == {job_hook, graph_hook}


def test_a_nodes_retry_policy_wins_over_its_ops_and_the_jobs() -> None:
    on_node, on_op, on_job = RetryPolicy(max_retries=1), RetryPolicy(max_retries=2), RetryPolicy(3)

    @op(retry_policy=on_op)
    def retried() -> int:
        return 1

    @job(op_retry_policy=on_job)
    def policies():
        retried.with_retry_policy(on_node).alias("node")()
        retried.alias("op")()
        one()

    plan = plan_of(policies)
    assert plan.get_step_by_key("node").retry_policy is on_node
    assert plan.get_step_by_key("op").retry_policy is on_op
    assert plan.get_step_by_key("one").retry_policy is on_job


def test_only_a_fan_in_input_is_marked_fan_in() -> None:
    @op(ins={"xs": In(list)})
    def total(xs):
        return sum(xs)

    @job
    def fan_in():
        add(total([one.alias("a")(), one.alias("b")()]), one())

    step = plan_of(fan_in).get_step_by_key("total")
    assert step.inputs[0].is_fan_in is True
    assert step.inputs[0].upstream_step_keys == ["a", "b"]
    assert [i.is_fan_in for i in plan_of(fan_in).get_step_by_key("add").inputs] == [False, False]


def test_inputs_from_config_or_defaults_are_not_fan_in() -> None:
    @op(ins={"x": In(int), "y": In(int, default_value=10)})
    def configured_inputs(x, y):
        return x + y

    @job
    def from_config():
        configured_inputs()

    plan = plan_of(from_config, {"ops": {"configured_inputs": {"inputs": {"x": 1}}}})
    assert [i.is_fan_in for i in plan.get_step_by_key("configured_inputs").inputs] == [False, False]
    graph_input = plan_of(inner.to_job(), {"inputs": {"a": 5}}).get_step_by_key("add").inputs[0]
    assert graph_input.is_fan_in is False


def test_a_nothing_graph_input_has_no_source_and_is_not_fan_in() -> None:
    @op(ins={"after": In(Nothing)})
    def later() -> int:
        return 1

    @graph
    def ordered(start):
        return later(start)

    (step_input,) = plan_of(ordered.to_job()).get_step_by_key("later").inputs
    assert step_input.sources == () and step_input.config_source is None
    assert step_input.is_fan_in is False


def test_each_graph_input_feeds_the_input_it_is_mapped_to() -> None:
    @graph
    def pair(a: int, b: int):
        return add(a, b)

    @job
    def two_sources():
        pair(one.alias("first")(), one.alias("second")())

    x, y = plan_of(two_sources).get_step_by_key("pair.add").inputs
    assert x.sources == (StepOutputHandle("first", "result"),)
    assert y.sources == (StepOutputHandle("second", "result"),)


def test_a_graph_output_resolves_through_nested_graphs_to_the_ops_named_output() -> None:
    @op(out={"total": Out(int)})
    def summed() -> int:
        return 1

    @graph(out={"deep": Out()})
    def inner_graph():
        return summed()

    @graph(out={"outer": Out()})
    def outer_graph():
        return inner_graph()

    @job
    def deep():
        takes(outer_graph())

    (source,) = plan_of(deep).get_step_by_key("takes").inputs[0].sources
    assert source == StepOutputHandle("outer_graph.inner_graph.summed", "total")


Thing = DagsterType(lambda _context, _value: True, name="Thing")


def test_an_unconnected_input_without_a_loader_is_named_with_its_step_key() -> None:
    @op(ins={"x": In(Thing)})
    def needs_thing(x):
        return x

    @graph
    def wraps(a):
        return needs_thing(a)

    with pytest.raises(DagsterInvalidDefinitionError) as info:

        @job
        def unconnected():
            wraps()

    assert str(info.value).startswith(
        "Input 'x' in op 'wraps.needs_thing' is not connected to the output of a previous node "
        "and can not be loaded from configuration, making it impossible to execute."
    )
