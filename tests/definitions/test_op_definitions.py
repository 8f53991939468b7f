"""Defining ops and solids: the decorators of both generations, with and without arguments, and
the definitions they build (inputs, outputs, types, config, resources, tags, retry policy)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from opbook import (
    Any,
    DagsterInvalidConfigDefinitionError,
    DagsterInvalidDefinitionError,
    Field,
    In,
    InputDefinition,
    Int,
    Nothing,
    OpDefinition,
    Out,
    Output,
    OutputDefinition,
    RetryPolicy,
    SolidDefinition,
    String,
    execute_pipeline,
    execute_solid,
    job,
    lambda_solid,
    op,
    pipeline,
    solid,
)


def run_op(definition: OpDefinition) -> object:
    """Run a no-input op alone in a job and return its "result" output."""

    @job(name=f"run_{definition.name}")
    def single() -> None:
        definition()

    return single.execute_in_process().output_for_node(definition.name)


# -- @op -----------------------------------------------------------------------------------------


def test_bare_op_uses_function_name_docstring_and_signature() -> None:
    @op
    def add_one(x):
        """Adds one."""
        return x + 1

    assert isinstance(add_one, OpDefinition)
    assert isinstance(add_one, SolidDefinition)
    assert add_one.name == "add_one"
    assert add_one.description == "Adds one."
    assert [d.name for d in add_one.input_defs] == ["x"]
    assert add_one.input_defs[0].dagster_type is Any
    assert [d.name for d in add_one.output_defs] == ["result"]
    assert add_one.output_defs[0].dagster_type is Any
    assert add_one.config_schema is None
    assert add_one.required_resource_keys == frozenset()


def test_op_with_arguments() -> None:
    policy = RetryPolicy(max_retries=2, delay=0.5)

    @op(
        name="renamed",
        description="explicit",
        config_schema={"n": int},
        required_resource_keys={"db"},
        tags={"team": "data"},
        retry_policy=policy,
    )
    def original(context):
        return context.op_config["n"]

    assert original.name == "renamed"
    assert original.description == "explicit"
    assert original.config_schema is not None
    assert original.config_schema.is_required
    assert original.required_resource_keys == frozenset({"db"})
    assert original.tags == {"team": "data"}
    assert original.retry_policy == policy
    assert original.input_defs == []


def test_op_called_with_empty_parentheses() -> None:
    @op()
    def nothing_given():
        return 3

    assert nothing_given.name == "nothing_given"
    assert run_op(nothing_given) == 3


def test_context_parameter_is_not_an_input() -> None:
    @op
    def with_context(context, x):
        return x

    @op
    def underscore_context(_, x):
        return x

    assert [d.name for d in with_context.input_defs] == ["x"]
    assert [d.name for d in underscore_context.input_defs] == ["x"]
    assert with_context.compute.takes_context
    assert underscore_context.compute.takes_context


def test_annotations_give_input_and_output_types() -> None:
    @op
    def typed(a: int, b: str, c: float, d: bool) -> int:
        return a

    assert [d.dagster_type.name for d in typed.input_defs] == ["Int", "String", "Float", "Bool"]
    assert typed.output_defs[0].dagster_type is Int


def test_none_return_annotation_is_a_nothing_output() -> None:
    @op
    def side_effect() -> None:
        pass

    assert side_effect.output_defs[0].dagster_type is Nothing


def test_in_and_out_override_annotations_and_carry_descriptions() -> None:
    @op(
        ins={"x": In(str, description="the x", default_value="d")},
        out=Out(int, description="the result", is_required=False),
    )
    def explicit(x: int) -> str:
        return x

    x = explicit.input_defs[0]
    assert x.dagster_type is String
    assert x.description == "the x"
    assert x.default_value == "d"
    assert x.has_default_value
    result = explicit.output_defs[0]
    assert result.dagster_type is Int
    assert result.description == "the result"
    assert not result.is_required
    assert result.optional


def test_python_default_value_is_the_input_default() -> None:
    @op
    def with_default(x: int = 5):
        return x

    assert with_default.input_defs[0].default_value == 5
    assert run_op(with_default) == 5


def test_out_dict_declares_several_outputs_returned_as_tuple() -> None:
    @op(out={"left": Out(int), "right": Out(str)})
    def split():
        return 1, "b"

    assert [d.name for d in split.output_defs] == ["left", "right"]

    @op
    def show(left, right):
        return f"{left}{right}"

    @job
    def uses_split() -> None:
        left, right = split()
        show(left, right)

    result = uses_split.execute_in_process()
    assert result.output_for_node("split", "left") == 1
    assert result.output_for_node("split", "right") == "b"
    assert result.output_for_node("show") == "1b"


def test_returning_a_non_tuple_for_several_outputs_fails_naming_the_op() -> None:
    @op(out={"a": Out(), "b": Out()})
    def not_a_tuple():
        return 1

    @job
    def bad() -> None:
        not_a_tuple()

    with pytest.raises(Exception, match='"not_a_tuple" has 2 outputs'):
        bad.execute_in_process()


def test_ins_naming_a_missing_parameter_is_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="does not have parameter\\(s\\) 'y'"):

        @op(ins={"y": In()})
        def only_x(x):
            return x


def test_bad_config_schema_is_rejected_at_definition() -> None:
    with pytest.raises(DagsterInvalidConfigDefinitionError) as info:

        @op(config_schema={"a": None})
        def bad_config():
            return 1

    message = str(info.value)
    assert message.startswith("Error defining config. Original value passed: {'a': None}.")
    assert message.endswith('(In the config schema of op "bad_config".)')


def test_invalid_names_are_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="not a valid name"):
        op(name="has space")(lambda: 1)
    with pytest.raises(DagsterInvalidDefinitionError, match="not a valid name"):
        OutputDefinition(name="has-dash")


def test_duplicate_output_names_are_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="more than one output named 'a'"):

        @solid(output_defs=[OutputDefinition(name="a"), OutputDefinition(name="a")])
        def two_a(context):
            pass


def test_generator_op_yields_outputs() -> None:
    @op(out={"a": Out(), "b": Out()})
    def gen() -> Iterator[Output]:
        yield Output(1, "a")
        yield Output(2, "b")

    assert gen.compute.is_generator

    @job
    def uses_gen() -> None:
        gen()

    result = uses_gen.execute_in_process()
    assert result.output_for_node("gen", "b") == 2


# -- @solid and @lambda_solid ------------------------------------------------------------------


def test_solid_takes_context_first_and_inputs_from_input_defs() -> None:
    @solid(
        input_defs=[InputDefinition("num", Int, description="a number")],
        output_defs=[OutputDefinition(Int, "doubled")],
        config_schema=Field(int, default_value=2),
    )
    def double(context, num):
        return num * context.solid_config

    assert isinstance(double, SolidDefinition)
    assert not isinstance(double, OpDefinition)
    assert double.input_defs[0].description == "a number"
    assert double.output_defs[0].name == "doubled"
    assert double.config_schema is not None and not double.config_schema.is_required


def test_bare_solid_infers_inputs_after_context() -> None:
    @solid
    def infer(context, a, b: int):
        return a

    assert [d.name for d in infer.input_defs] == ["a", "b"]
    assert infer.input_defs[1].dagster_type is Int


def test_solid_without_context_parameter_takes_all_parameters_as_inputs() -> None:
    @solid
    def no_params():
        return 1

    @solid
    def add(x, y):
        return x + y

    assert not no_params.compute.takes_context
    assert [d.name for d in add.input_defs] == ["x", "y"]
    assert execute_solid(add, input_values={"x": 1, "y": 2}).output_value() == 3


def test_solid_and_op_share_the_context_parameter_names() -> None:
    def a(context, x): ...
    def b(_, x): ...
    def c(_context, x): ...
    def d(context_, x): ...

    for decorator in (solid, op):
        for fn in (a, b, c, d):
            definition = decorator(fn)
            assert definition.compute.takes_context
            assert [i.name for i in definition.input_defs] == ["x"]


def test_solid_input_defs_must_match_parameters() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="does not have parameter\\(s\\) 'y'"):

        @solid(input_defs=[InputDefinition("y")])
        def only_x(context, x):
            return x


def test_solid_parameters_left_out_of_input_defs_are_inferred() -> None:
    @solid(input_defs=[InputDefinition("x", metadata={"given": True})])
    def extra_param(context, extra: int, x: str = "a"):
        return x

    assert [d.name for d in extra_param.input_defs] == ["x", "extra"]
    assert extra_param.input_defs[0].metadata == {"given": True}
    assert extra_param.input_defs[0].dagster_type is String
    assert extra_param.input_defs[0].default_value == "a"
    assert extra_param.input_defs[1].dagster_type is Int


def test_solid_given_input_type_wins_over_annotation() -> None:
    @solid(input_defs=[InputDefinition("x", Int)])
    def typed(context, x: str):
        return x

    assert typed.input_defs[0].dagster_type is Int


def test_solid_refuses_star_args() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError, match="positional vararg parameter '\\*rest'"
    ):

        @solid
        def varargs(context, *rest):
            return rest


def test_positional_arguments_follow_the_parameters_not_the_input_defs() -> None:
    @solid(input_defs=[InputDefinition("b"), InputDefinition("a")])
    def subtract(context, a, b):
        return a - b

    @lambda_solid
    def three() -> int:
        return 3

    @lambda_solid
    def two() -> int:
        return 2

    @pipeline
    def subtracting():
        subtract(three(), two())

    assert subtract.positional_inputs == ["a", "b"]
    assert execute_pipeline(subtracting).result_for_solid("subtract").output_value() == 1


def test_inputs_only_in_kwargs_cannot_be_given_by_position() -> None:
    @solid(input_defs=[InputDefinition("left"), InputDefinition("right")])
    def add(context, **inputs):
        return inputs["left"] + inputs["right"]

    @lambda_solid
    def one() -> int:
        return 1

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=r"could not resolve input based on position at index 0 .* Use keyword args instead",
    ):

        @pipeline
        def adding():
            add(one(), one.alias("other")())


def test_lambda_solid_takes_no_context() -> None:
    @lambda_solid(input_defs=[InputDefinition("x", Int)], output_def=OutputDefinition(Int))
    def plus(x):
        return x + 1

    @lambda_solid
    def one():
        return 1

    assert not plus.compute.takes_context
    assert plus.output_defs[0].dagster_type is Int

    @pipeline
    def uses_lambda() -> None:
        plus(one())

    from opbook import execute_pipeline

    assert execute_pipeline(uses_lambda).result_for_solid("plus").output_value() == 2


def test_solid_definition_built_directly() -> None:
    definition = SolidDefinition(
        name="direct",
        input_defs=[InputDefinition("x")],
        compute_fn=lambda context, inputs: None,
        output_defs=[OutputDefinition()],
    )
    assert definition.name == "direct"
    assert definition.input_dict["x"].name == "x"
    assert definition.output_def_named("result").name == "result"
    assert definition.has_input("x") and not definition.has_input("y")


def test_required_resource_keys_include_type_requirements() -> None:
    from opbook import DagsterType

    needs_db = DagsterType(lambda _c, _v: True, name="NeedsDb", required_resource_keys={"db"})

    @op(ins={"x": In(needs_db)}, required_resource_keys={"api"})
    def uses(x):
        return x

    assert uses.all_required_resource_keys() == frozenset({"db", "api"})


def test_solid_definition_built_directly_runs_compute_fn_with_inputs_dict() -> None:
    from opbook import DependencyDefinition, PipelineDefinition, execute_pipeline

    def compute(context, inputs):
        yield Output(inputs["x"] * 10)

    times_ten = SolidDefinition(
        name="times_ten",
        input_defs=[InputDefinition("x", Int)],
        compute_fn=compute,
        output_defs=[OutputDefinition(Int)],
    )

    @lambda_solid
    def two():
        return 2

    pipeline_def = PipelineDefinition(
        [two, times_ten],
        name="direct",
        dependencies={"times_ten": {"x": DependencyDefinition("two")}},
    )
    result = execute_pipeline(pipeline_def)
    assert result.result_for_solid("times_ten").output_value() == 20


def test_a_solid_taking_kwargs_receives_every_declared_input_in_a_run_and_when_called() -> None:
    @solid(input_defs=[InputDefinition("left", int), InputDefinition("right", int)])
    def add(_context, **inputs):  # type: ignore[no-untyped-def]
        return inputs["left"] + inputs["right"]

    @solid
    def one(_context) -> int:  # type: ignore[no-untyped-def]
        return 1

    @pipeline
    def adding() -> None:
        add(left=one(), right=one.alias("other")())

    from opbook import build_solid_context, execute_pipeline

    assert execute_pipeline(adding).result_for_solid("add").output_value() == 2
    assert add(build_solid_context(), left=2, right=3) == 5
