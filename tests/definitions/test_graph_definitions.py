"""Composing ops into graphs and jobs (job generation) and solids into composites and pipelines
(pipeline generation): invocation names, aliases, tags, hooks, nested graphs and their input and
output mappings, several outputs, and the definition errors a wrong composition raises."""

from __future__ import annotations

import re
import warnings
from collections import namedtuple

import pytest

from opbook import (
    CompositeSolidDefinition,
    ConfigMapping,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    DependencyDefinition,
    GraphDefinition,
    GraphIn,
    GraphOut,
    InputDefinition,
    InputMapping,
    Int,
    JobDefinition,
    OpDefinition,
    Out,
    OutputDefinition,
    OutputMapping,
    PipelineDefinition,
    RetryPolicy,
    composite_solid,
    execute_pipeline,
    graph,
    in_process_executor,
    job,
    lambda_solid,
    op,
    pipeline,
    resource,
    solid,
    success_hook,
)


@op
def one() -> int:
    return 1


@op
def add_one(x: int) -> int:
    return x + 1


@op
def add(x: int, y: int) -> int:
    return x + y


@success_hook
def noop_hook(context):
    pass


# -- composition ---------------------------------------------------------------------------------


def test_repeated_invocations_get_numbered_names() -> None:
    @graph
    def chain():
        add_one(add_one(add_one(one())))

    assert [n.name for n in chain.nodes] == ["one", "add_one", "add_one_2", "add_one_3"]
    assert chain.dependencies["add_one_2"]["x"] == DependencyDefinition("add_one", "result")


def test_alias_tag_with_hooks_and_retry_policy_on_an_invocation() -> None:
    policy = RetryPolicy(max_retries=3)

    @graph
    def decorated():
        add_one.alias("first").tag({"k": "v"}).with_hooks({noop_hook}).with_retry_policy(policy)(
            one()
        )
        add_one.tag({"only": "tag"})(one.alias("another_one")())

    first = decorated.node_named("first")
    assert first.definition is add_one
    assert first.tags == {"k": "v"}
    assert first.hook_defs == frozenset({noop_hook})
    assert first.retry_policy == policy
    assert decorated.node_named("add_one").tags == {"only": "tag"}
    assert decorated.has_node_named("another_one")


def test_alias_used_twice_is_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape("@graph twice invoked the same node (same) twice without aliasing."),
    ):

        @graph
        def twice():
            one.alias("same")()
            one.alias("same")()


def test_keyword_inputs_and_unknown_input_name() -> None:
    @graph
    def by_keyword():
        add(y=one(), x=one.alias("other")())

    assert by_keyword.dependencies["add"]["x"] == DependencyDefinition("other")

    with pytest.raises(
        DagsterInvalidDefinitionError, match='called with input "z", which it does not have'
    ):

        @graph
        def unknown():
            add(x=one(), z=one())


def test_constant_passed_as_input_is_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "In @graph constant, received invalid type <class 'int'> for input \"x\" (at position 0) "
            'in op invocation "add_one". Must pass the output from previous node invocations'
        ),
    ):

        @graph
        def constant():
            add_one(5)


def test_list_of_constants_passed_as_input_is_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            'received a list containing an invalid type at index 0 for input "x" (at position 0) '
            "in op invocation add_one. Lists can only contain the output from previous solid"
        ),
    ):

        @graph
        def constants():
            add_one([1, 2])


def test_uninvoked_node_passed_as_input_is_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError, match=re.escape("Did you forget parentheses?")
    ):

        @graph
        def uninvoked():
            add_one(one)

    with pytest.raises(DagsterInvalidDefinitionError, match="un-invoked op 'first'"):

        @graph
        def uninvoked_alias():
            add_one(one.alias("first"))


def test_alias_must_be_a_valid_name() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match='"uh oh" is not a valid name'):
        one.alias("uh oh")


def test_too_many_positional_inputs_is_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "In @graph too_many, received too many inputs for invocation add_one. "
            "Only 1 defined, received 2"
        ),
    ):

        @graph
        def too_many():
            add_one(one(), one())


def test_fan_in_by_passing_a_list() -> None:
    @op
    def total(numbers: list) -> int:
        return sum(numbers)

    @job
    def fan_in():
        total([one.alias(f"n{i}")() for i in range(3)])

    assert fan_in.graph.wiring[("total", "numbers")].is_fan_in
    assert fan_in.execute_in_process().output_for_node("total") == 3


def test_empty_fan_in_gives_an_empty_list() -> None:
    @op
    def collect(items):
        return items

    @job
    def nothing_in():
        collect([])

    @pipeline
    def nothing_in_pipeline():
        collect([])

    assert nothing_in.graph.wiring[("collect", "items")].is_fan_in
    assert nothing_in.execute_in_process().output_for_node("collect") == []
    result = execute_pipeline(nothing_in_pipeline)
    assert result.result_for_solid("collect").output_value() == []


def test_multiple_outputs_unpack_as_namedtuple() -> None:
    @op(out={"low": Out(int), "high": Out(int)})
    def bounds():
        return 1, 9

    @graph
    def uses_bounds():
        result = bounds()
        assert result._fields == ("low", "high")
        return add(result.high, result.low)

    assert uses_bounds.dependencies["add"]["x"] == DependencyDefinition("bounds", "high")


def test_graph_outputs_from_dict_and_namedtuple() -> None:
    @graph(out={"a": GraphOut(), "b": GraphOut()})
    def two_outputs_dict():
        return {"a": one(), "b": add_one(one())}

    Pair = namedtuple("Pair", "first second")

    @graph(out={"first": GraphOut(), "second": GraphOut()})
    def two_outputs_namedtuple():
        return Pair(one(), add_one(one()))

    assert [o.name for o in two_outputs_dict.output_defs] == ["a", "b"]
    assert [o.name for o in two_outputs_namedtuple.output_defs] == ["first", "second"]
    result = two_outputs_namedtuple.execute_in_process()
    assert result.output_value("first") == 1
    assert result.output_value("second") == 2


def test_graph_returning_a_constant_is_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="@graph 'returns_constant' returned problematic value of type <class 'int'>",
    ):

        @graph
        def returns_constant():
            one()
            return 5


# -- nested graphs -------------------------------------------------------------------------------


@graph
def plus_two(x):
    return add_one(add_one(x))


def test_graph_inputs_and_outputs_come_from_mappings() -> None:
    assert [d.name for d in plus_two.input_defs] == ["x"]
    assert plus_two.input_defs[0].dagster_type is Int
    assert plus_two.input_mappings == [InputMapping("x", "add_one", "x")]
    assert plus_two.output_mappings == [OutputMapping("result", "add_one_2", "result")]
    assert [d.name for d in plus_two.output_defs] == ["result"]


def test_nested_graph_runs_with_handles_as_step_keys() -> None:
    @job
    def nested():
        plus_two.alias("outer_a")(plus_two(one()))

    result = nested.execute_in_process()
    steps = [e.step_key for e in result.all_events if e.is_step_start]
    assert steps == [
        "one",
        "plus_two.add_one",
        "plus_two.add_one_2",
        "outer_a.add_one",
        "outer_a.add_one_2",
    ]
    assert result.output_for_node("outer_a") == 5
    assert result.output_for_node("plus_two.add_one") == 2


def test_graph_definition_built_explicitly_with_mappings() -> None:
    explicit = GraphDefinition(
        name="explicit",
        node_defs=[add_one],
        dependencies={},
        input_mappings=[InputMapping("num", "add_one", "x")],
        output_mappings=[OutputMapping("out", "add_one", "result")],
    )
    assert [d.name for d in explicit.input_defs] == ["num"]

    @job
    def uses_explicit():
        explicit(one())

    assert uses_explicit.execute_in_process().output_for_node("explicit", "out") == 2


def test_mapping_to_a_missing_input_is_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match=re.escape('points to "add_one.nope"')):
        GraphDefinition(
            name="bad_mapping",
            node_defs=[add_one],
            input_mappings=[InputMapping("num", "add_one", "nope")],
        )


# -- jobs ----------------------------------------------------------------------------------------


def test_to_job_takes_resources_config_executor_hooks_and_tags() -> None:
    @resource
    def token(_):
        return "t"

    @op(required_resource_keys={"token"}, config_schema={"n": int})
    def uses_token(context):
        return f"{context.resources.token}{context.op_config['n']}"

    @graph
    def g():
        uses_token()

    made = g.to_job(
        name="made",
        resource_defs={"token": token},
        config={"ops": {"uses_token": {"config": {"n": 3}}}},
        executor_def=in_process_executor,
        hooks={noop_hook},
        tags={"team": "a"},
    )
    assert isinstance(made, JobDefinition)
    assert made.name == "made"
    assert made.graph is g
    assert made.executor_def is in_process_executor
    assert made.tags == {"team": "a"}
    assert made.hook_defs == frozenset({noop_hook})
    assert set(made.resource_defs) == {"io_manager", "token"}  # the default IO manager too
    result = made.execute_in_process()
    assert result.output_for_node("uses_token") == "t3"
    assert any(e.event_type_value == "HOOK_COMPLETED" for e in result.all_events)


def test_to_job_with_a_config_mapping() -> None:
    @op(config_schema={"n": int})
    def emit(context):
        return context.op_config["n"]

    @graph
    def g():
        emit()

    mapped = g.to_job(
        config=ConfigMapping(
            config_fn=lambda c: {"ops": {"emit": {"config": {"n": c["m"] * 2}}}},
            config_schema={"m": int},
        )
    )
    assert mapped.execute_in_process(run_config={"m": 4}).output_for_node("emit") == 8


def test_job_composition_function_takes_no_parameters() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="takes parameters"):

        @job
        def has_param(x):
            add_one(x)


def test_job_decorator_with_arguments_and_bare() -> None:
    @job(name="named", description="d", tags={"a": "b"})
    def anything():
        one()

    @job
    def bare():
        one()

    assert (anything.name, anything.description, anything.tags) == ("named", "d", {"a": "b"})
    assert bare.name == "bare"
    assert bare.is_single_mode


# -- the pipeline generation ---------------------------------------------------------------------


@lambda_solid
def emit_one():
    return 1


@solid(input_defs=[InputDefinition("num", Int)])
def double(context, num):
    return num * 2


def test_composite_solid_with_config_fn_maps_its_config() -> None:
    @solid(config_schema={"n": int})
    def configured(context):
        return context.solid_config["n"]

    @composite_solid(
        config_schema={"m": int},
        config_fn=lambda cfg: {"configured": {"config": {"n": cfg["m"] + 1}}},
        output_defs=[OutputDefinition(Int, "out")],
    )
    def comp():
        return double(configured())

    assert isinstance(comp, CompositeSolidDefinition)

    @pipeline
    def uses_comp():
        double.alias("again")(comp())

    result = execute_pipeline(uses_comp, {"solids": {"comp": {"config": {"m": 2}}}})
    assert result.result_for_solid("comp").output_value("out") == 6
    assert result.result_for_solid("again").output_value() == 12


def test_composite_solid_needs_config_fn_with_config_schema() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="needs a config_fn"):
        composite_solid(config_schema={"m": int})


def test_composite_solid_cannot_execute_in_process() -> None:
    @composite_solid
    def comp():
        return double(emit_one())

    with pytest.raises(DagsterInvariantViolationError, match="composite solid"):
        comp.execute_in_process()


def test_pipeline_from_dependency_dict_keeps_definition_order() -> None:
    @solid(input_defs=[InputDefinition("nums", list)])
    def total(context, nums):
        return sum(nums)

    from opbook import MultiDependencyDefinition, SolidInvocation

    pipe = PipelineDefinition(
        solid_defs=[emit_one, double, total],
        name="fan",
        dependencies={
            SolidInvocation("double", alias="d1"): {"num": DependencyDefinition("emit_one")},
            SolidInvocation("double", alias="d2"): {"num": DependencyDefinition("emit_one")},
            "total": {
                "nums": MultiDependencyDefinition(
                    [
                        DependencyDefinition("d1"),
                        DependencyDefinition("d2"),
                        DependencyDefinition("emit_one"),
                    ]
                )
            },
        },
    )
    assert [s.name for s in pipe.solids] == ["emit_one", "d1", "d2", "total"]
    assert pipe.solid_named("d1").definition is double
    assert execute_pipeline(pipe).result_for_solid("total").output_value() == 5


def test_pipeline_decorator_with_arguments() -> None:
    @pipeline(name="renamed", description="desc", tags={"t": 1})
    def pipe():
        double(emit_one())

    assert isinstance(pipe, PipelineDefinition)
    assert not isinstance(pipe, JobDefinition)
    assert (pipe.name, pipe.description, pipe.tags) == ("renamed", "desc", {"t": "1"})
    assert [m.name for m in pipe.mode_definitions] == ["default"]
    assert {d.name for d in pipe.solid_defs} == {"emit_one", "double"}
    assert pipe.has_solid_named("double") and not pipe.has_solid_named("nope")


def test_two_different_definitions_with_one_name_conflict() -> None:
    def make() -> OpDefinition:
        @op(name="same_name")
        def made():
            return 1

        return made

    first, second = make(), make()
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match='conflicting node definitions with the same name "same_name"',
    ):

        @job
        def conflicting():
            first()
            second()


def test_graph_node_with_a_config_mapping() -> None:
    @op(config_schema={"n": int})
    def emit(context):
        return context.op_config["n"]

    @graph(
        config=ConfigMapping(
            config_fn=lambda c: {"emit": {"config": {"n": c["base"] + 1}}},
            config_schema={"base": int},
        )
    )
    def mapped():
        return emit()

    @job
    def uses_mapped():
        add_one(mapped())

    result = uses_mapped.execute_in_process(run_config={"ops": {"mapped": {"config": {"base": 1}}}})
    assert result.output_for_node("mapped") == 2
    assert result.output_for_node("add_one") == 3


# -- declared inputs and outputs (GraphIn / GraphOut) --------------------------------------------


@op(out={"low": Out(int), "high": Out(int)})
def low_high():
    return 1, 9


def test_graph_in_describes_an_input() -> None:
    @graph(ins={"x": GraphIn(description="The number.")})
    def described(x):
        return add_one(x)

    assert [(d.name, d.description) for d in described.input_defs] == [("x", "The number.")]


def test_graph_in_must_name_a_parameter() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape("@graph 'misnamed' decorated function does not have parameter(s) 'y'"),
    ):

        @graph(ins={"y": GraphIn()})
        def misnamed(x):
            return add_one(x)


def test_unused_graph_input_is_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape("@graph 'unused' has unmapped input 'x'. Remove it or pass it"),
    ):

        @graph
        def unused(x):
            one()


def test_single_graph_out_keeps_the_name_result() -> None:
    @graph(out=GraphOut(description="One more."))
    def more():
        return add_one(one())

    assert [(d.name, d.description) for d in more.output_defs] == [("result", "One more.")]


def test_graph_outs_fill_from_a_returned_tuple_in_declared_order() -> None:
    @graph(out={"a": GraphOut(), "b": GraphOut()})
    def swapped():
        low, high = low_high()
        return high, low

    result = swapped.execute_in_process()
    assert (result.output_value("a"), result.output_value("b")) == (9, 1)


def test_multi_output_graph_unpacks_in_declaration_order_inside_a_job() -> None:
    @graph(out={"low": GraphOut(), "high": GraphOut()})
    def bounds():
        low, high = low_high()
        return {"high": high, "low": low}

    @op
    def spread(low: int, high: int) -> int:
        return high - low

    @job
    def measure():
        low, high = bounds()
        spread(low, high)

    assert measure.execute_in_process().output_for_node("spread") == 8


def test_multi_output_graph_outputs_by_attribute() -> None:
    @graph(out={"low": GraphOut(), "high": GraphOut()})
    def bounds():
        low, high = low_high()
        return {"low": low, "high": high}

    @job
    def just_high():
        add_one(bounds().high)

    assert just_high.execute_in_process().output_for_node("add_one") == 10


def test_returned_dict_key_must_be_a_declared_out() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "@graph 'wrong_key' referenced key c which does not match any OutputDefinitions. "
            "Valid options are: ['a', 'b']"
        ),
    ):

        @graph(out={"a": GraphOut(), "b": GraphOut()})
        def wrong_key():
            low, high = low_high()
            return {"a": low, "c": high}


def test_every_declared_out_must_be_returned() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape("@graph 'half' has unmapped output 'b'. Remove it or return a value"),
    ):

        @graph(out={"a": GraphOut(), "b": GraphOut()})
        def half():
            low, _high = low_high()
            return {"a": low}


def test_a_single_output_for_several_outs_is_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "Returned a single output (low_high.low) in @graph 'single' but 2 outputs are "
            "defined. Return a dict to map defined outputs."
        ),
    ):

        @graph(out={"a": GraphOut(), "b": GraphOut()})
        def single():
            return low_high().low


def test_a_dict_without_declared_outs_is_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match=r"Valid options are: \['result'\]"):

        @graph
        def undeclared():
            return {"total": one()}


def test_a_job_returning_an_output_is_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError, match="in @job 'returns' but 0 outputs are defined"
    ):

        @job
        def returns():
            return one()


def test_tuple_of_outputs_passed_as_one_input_is_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape('received a tuple of multiple outputs for input "x" (at position 0)'),
    ):

        @job
        def whole_tuple():
            add_one(low_high())


def test_unpacking_a_single_output_is_rejected() -> None:
    with pytest.raises(
        DagsterInvariantViolationError, match='represents the output "result" from the op'
    ):

        @job
        def unpacks():
            _a, _b = one()


def test_alias_after_invocation_is_rejected() -> None:
    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape("Consider checking the location of parentheses."),
    ):

        @job
        def late_alias():
            one().alias("x")


# -- warnings while composing --------------------------------------------------------------------


def test_an_aliased_node_never_invoked_is_warned_about() -> None:
    with pytest.warns(
        UserWarning,
        match=re.escape(
            "While in @job context 'forgot', received an uninvoked op 'one'.\n"
            "'one' was aliased as 'first'."
        ),
    ):

        @job
        def forgot():
            one.alias("first")
            add_one(one())


def test_one_warning_per_name_with_what_was_given() -> None:
    with pytest.warns(UserWarning) as record:

        @graph
        def forgot_twice():
            one.tag({"a": "b"})
            one.tag({"a": "c"})

    assert len(record) == 1
    assert "Provided tags: {'a': 'c'}." in str(record[0].message)


def test_a_refined_invocation_that_is_invoked_warns_of_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")

        @graph
        def refined():
            add_one(one.tag({"a": "b"}).alias("first")())


def test_a_value_returned_from_a_pipeline_is_ignored_with_a_warning() -> None:
    with pytest.warns(
        UserWarning, match="You have returned a value out of a @pipeline-decorated function. "
    ):

        @pipeline
        def returns_something():
            return one()

    assert returns_something.graph.output_mappings == []


def test_aliased_graph_runs_under_its_alias() -> None:
    @graph
    def inner_one():
        return one()

    result = inner_one.alias("renamed").execute_in_process()
    assert result.output_value() == 1
    assert inner_one.alias("renamed").to_job().name == "renamed"


def test_to_job_name_must_be_valid() -> None:
    @graph
    def empty():
        pass

    with pytest.raises(DagsterInvalidDefinitionError, match='"a/b" is not a valid name'):
        empty.to_job(name="a/b")
