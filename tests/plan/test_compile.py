"""The compile stage: a graph flattened once (ops by handle, input sources followed through
graph boundaries, graph outputs resolved, drawn edges), and a job compiled once (resource
closure, run-config schema, plans), memoized beside the definition and never on it."""

from __future__ import annotations

import gc
import weakref

import pytest

from opbook import (
    DagsterInvariantViolationError,
    IOManager,
    ModeDefinition,
    PipelineDefinition,
    ResourceDefinition,
    graph,
    io_manager,
    job,
    op,
    pipeline,
    resource,
    solid,
    success_hook,
)
from opbook.definitions.run_config import resolve_run_config
from opbook.events import SolidHandle, StepOutputHandle
from opbook.plan.compile import compile_job, flatten_graph, graph_edges
from opbook.plan.compiled import Edge, FromConfig, Wired
from opbook.plan.plan import build_plan


@op
def one() -> int:
    return 1


@op
def add(x: int, y: int) -> int:
    return x + y


@graph
def inner(a: int):
    return add(a, one())


@graph
def middle(b: int):
    return inner(b)


@job
def outer():
    add.alias("last")(middle(one()), one.alias("two")())


def test_ops_are_keyed_by_handle_in_definition_order() -> None:
    flat = compile_job(outer).graph
    assert list(flat.ops) == ["one", "middle.inner.one", "middle.inner.add", "two", "last"]


def test_an_op_knows_its_node_definition_and_enclosing_graph() -> None:
    op_node = compile_job(outer).ops["middle.inner.add"]
    assert op_node.definition is add
    assert op_node.node.name == "add"
    assert op_node.parent == "middle.inner"
    assert op_node.solid_handle == SolidHandle("add", SolidHandle("inner", SolidHandle("middle")))


def test_nested_graphs_are_listed_with_their_parents() -> None:
    graphs = compile_job(outer).graph.graphs
    assert {handle: g.parent for handle, g in graphs.items()} == {
        "middle": None,
        "middle.inner": "middle",
    }


def test_an_input_mapped_through_two_composites_is_fed_by_the_outer_op() -> None:
    x = compile_job(outer).ops["middle.inner.add"].inputs[0]
    assert x.wired == Wired((StepOutputHandle("one", "result"),), False)


def test_run_config_of_an_inner_node_comes_before_the_outer_wiring() -> None:
    x = compile_job(outer).ops["middle.inner.add"].inputs[0]
    assert x.options[:2] == (
        FromConfig("middle.inner.add", "x"),
        FromConfig("middle.inner", "a"),
    )


def test_an_input_fed_inside_its_own_graph_has_no_config_option() -> None:
    y = compile_job(outer).ops["middle.inner.add"].inputs[1]
    assert y.options == (Wired((StepOutputHandle("middle.inner.one", "result"),), False),)


def test_a_graph_input_of_the_job_graph_is_given_by_the_jobs_inputs() -> None:
    flat = flatten_graph(middle)
    x = flat.ops["inner.add"].inputs[0]
    assert x.options == (
        FromConfig("inner.add", "x"),
        FromConfig("inner", "a"),
        FromConfig("", "b"),
    )


def test_graph_outputs_resolve_to_the_producing_op_output() -> None:
    flat = compile_job(outer).graph
    assert flat.resolve_output("middle", "result") == StepOutputHandle("middle.inner.add", "result")
    assert flat.resolve_output("middle.inner", "result") == StepOutputHandle(
        "middle.inner.add", "result"
    )
    assert flat.resolve_output("two", "result") == StepOutputHandle("two", "result")


def test_an_unknown_graph_output_resolves_to_none() -> None:
    assert compile_job(outer).graph.resolve_output("middle", "nope") is None


def test_the_flattened_graphs_own_outputs_resolve_to_ops() -> None:
    assert flatten_graph(middle).outputs == {"result": StepOutputHandle("inner.add", "result")}


def test_edges_join_op_outputs_to_op_inputs_across_graphs() -> None:
    edges = set(graph_edges(outer.graph).edges)
    assert edges == {
        Edge("middle.inner.one", "result", "middle.inner.add", "y"),
        Edge("one", "result", "middle.inner.add", "x"),
        Edge("middle.inner.add", "result", "last", "x"),
        Edge("two", "result", "last", "y"),
    }


def test_the_graphs_own_inputs_are_edges_from_pseudo_sources() -> None:
    assert graph_edges(middle).input_edges == (Edge("input/b", "b", "inner.add", "x"),)


def test_node_finds_ops_and_graphs_by_handle() -> None:
    flat = compile_job(outer).graph
    assert flat.node("middle.inner").definition is inner
    assert flat.node("middle.inner.one").definition is one
    assert flat.node("middle.nope") is None


def test_a_selection_drops_the_edges_of_unselected_nodes() -> None:
    edges = graph_edges(outer.graph, frozenset({"middle", "last"})).edges
    assert {(e.source, e.target) for e in edges} == {
        ("middle.inner.one", "middle.inner.add"),
        ("middle.inner.add", "last"),
    }


def test_a_selection_keeps_those_top_level_nodes_and_drops_their_wires() -> None:
    compiled = compile_job(outer, selection=frozenset({"middle", "last"}))
    assert list(compiled.ops) == ["middle.inner.one", "middle.inner.add", "last"]
    y = compiled.ops["last"].inputs[1]
    assert y.wired is None
    assert y.options == (FromConfig("last", "y"),)


def test_a_subset_compiles_for_its_own_selection() -> None:
    subset = outer.get_job_def_for_op_selection(["two"])
    assert list(compile_job(subset).ops) == ["two"]


# -- the job's part ------------------------------------------------------------------------------


class _Keep(IOManager):
    def handle_output(self, context, obj):
        pass

    def load_input(self, context):
        return None


@resource(required_resource_keys={"credentials"})
def store_backend(_):
    return "backend"


@io_manager(required_resource_keys={"backend"})
def keeping_manager(_):
    return _Keep()


@success_hook(required_resource_keys={"notifier"})
def notify(_):
    pass


@op(required_resource_keys={"db"})
def uses_db() -> int:
    return 1


@op
def plain() -> int:
    return 2


@graph
def hooked():
    plain.with_hooks({notify})()


_resources = {
    "io_manager": keeping_manager,
    "backend": store_backend,
    "credentials": ResourceDefinition.hardcoded_resource("secret"),
    "db": ResourceDefinition.hardcoded_resource("db"),
    "notifier": ResourceDefinition.hardcoded_resource("bell"),
    "unused": ResourceDefinition.hardcoded_resource("x"),
}


@job(resource_defs=_resources)
def with_resources():
    uses_db()
    hooked()


def test_the_resource_closure_follows_io_managers_and_hooks() -> None:
    assert compile_job(with_resources).resource_keys == {
        "io_manager",
        "backend",
        "credentials",
        "db",
        "notifier",
    }


def test_the_resource_closure_of_a_selection_leaves_out_unselected_ops() -> None:
    keys = compile_job(with_resources, selection=frozenset({"hooked"})).resource_keys
    assert "db" not in keys
    assert "notifier" in keys


def test_the_run_config_schema_is_the_jobs() -> None:
    schema = compile_job(with_resources).run_config_schema()
    assert {"ops", "resources", "execution", "loggers"} <= set(schema.fields)


def test_hooks_of_the_job_and_of_graph_nodes_reach_the_steps() -> None:
    hooked_job = with_resources.with_hooks({notify})
    compiled = compile_job(hooked_job)
    assert compiled.hook_defs == {notify}
    assert compiled.ops["hooked.plain"].hook_defs == {notify}
    assert compiled.ops["uses_db"].hook_defs == frozenset()
    plan = build_plan(compiled, resolve_run_config(hooked_job, compiled.mode, None))
    assert plan.get_step_by_key("uses_db").hook_defs == {notify}


def test_a_mode_is_chosen_by_name() -> None:
    @solid
    def s() -> int:
        return 1

    @pipeline(mode_defs=[ModeDefinition("a"), ModeDefinition("b")])
    def two_modes():
        s()

    assert compile_job(two_modes, "b").mode.name == "b"


def test_the_mode_of_a_job_with_several_is_needed_only_for_resources() -> None:
    @solid
    def s() -> int:
        return 1

    @pipeline(mode_defs=[ModeDefinition("a"), ModeDefinition("b")])
    def two_modes():
        s()

    compiled = compile_job(two_modes)
    assert list(compiled.ops) == ["s"]
    with pytest.raises(DagsterInvariantViolationError, match="multiple modes"):
        compiled.resource_keys  # noqa: B018


# -- memoized beside the job, never on it -------------------------------------------------------


def test_compiling_again_returns_the_same_object() -> None:
    assert compile_job(outer) is compile_job(outer)
    assert flatten_graph(middle) is flatten_graph(middle)


def test_plans_are_memoized_in_the_compiled_job() -> None:
    resolved = resolve_run_config(outer, outer.get_mode_definition(), None)
    assert build_plan(outer, resolved) is build_plan(compile_job(outer), resolved)


def test_compiling_sets_no_attribute_on_the_job_or_its_graph() -> None:
    @job
    def fresh():
        add(one(), one.alias("other")())

    job_attributes = dict(vars(fresh))
    graph_attributes = dict(vars(fresh.graph))
    compile_job(fresh).resource_keys  # noqa: B018
    compile_job(fresh).run_config_schema()
    assert vars(fresh) == job_attributes
    assert vars(fresh.graph) == graph_attributes


def test_a_compiled_job_does_not_keep_its_job_alive() -> None:
    def make() -> PipelineDefinition:
        @job
        def short_lived():
            one()

        return short_lived

    made = make()
    compile_job(made).resource_keys  # noqa: B018
    gone = weakref.ref(made)
    del made
    gc.collect()
    assert gone() is None


def test_a_subset_takes_over_what_a_gone_subset_with_its_selection_compiled() -> None:
    resolved = resolve_run_config(outer, outer.get_mode_definition(), None)
    first = outer.get_job_def_for_op_selection(["two"])
    plan = build_plan(first, resolved)
    del first
    gc.collect()
    second = outer.get_job_def_for_op_selection(["two"])
    assert compile_job(second).job is second
    assert build_plan(second, resolved) is plan
