"""execute_solid and friends: one op (or a few) run on their own, with injected inputs."""

from __future__ import annotations

import pytest

from opbook import (
    CompositeSolidExecutionResult,
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    DagsterInvalidSubsetError,
    DagsterInvariantViolationError,
    ModeDefinition,
    OutputDefinition,
    SolidExecutionResult,
    composite_solid,
    execute_solid,
    execute_solid_within_pipeline,
    execute_solids_within_pipeline,
    graph,
    job,
    op,
    pipeline,
    resource,
    solid,
)
from opbook.errors import ParameterCheckError


@solid
def add(_, x: int, y: int):
    return x + y


@solid(config_schema={"factor": int})
def scale(context, x):
    return x * context.solid_config["factor"]


@solid
def boom(_, x):
    raise ValueError(f"boom {x}")


def test_input_values_feed_the_solid():
    result = execute_solid(add, input_values={"x": 1, "y": 2})
    assert isinstance(result, SolidExecutionResult)
    assert result.success and result.output_value() == 3


def test_each_input_comes_from_a_solid_named_after_it():
    result = execute_solid(add, input_values={"x": 1, "y": 2})
    assert {e.step_key for e in result.step_events} == {"add"}  # the injected solids are hidden
    assert all(e.pipeline_name == "ephemeral_add_solid_pipeline" for e in result.step_events)
    loaded = [
        e.loaded_input_data for e in result.step_events if e.event_type_value == "LOADED_INPUT"
    ]
    assert [(d.input_name, d.upstream_step_key) for d in loaded] == [("x", "x"), ("y", "y")]


def test_repeated_calls_use_their_own_values():
    assert [execute_solid(add, input_values={"x": i, "y": 1}).output_value() for i in range(3)] == [
        1,
        2,
        3,
    ]


def test_config_and_inputs_from_run_config():
    result = execute_solid(
        scale,
        run_config={"solids": {"scale": {"config": {"factor": 3}, "inputs": {"x": {"value": 5}}}}},
    )
    assert result.output_value() == 15
    assert (
        execute_solid(
            scale, input_values={"x": 2}, run_config={"ops": {"scale": {"config": {"factor": 4}}}}
        ).output_value()
        == 8
    )


def test_a_missing_input_names_the_solid_the_input_and_the_inputs_it_has():
    with pytest.raises(DagsterInvalidConfigError) as info:
        execute_solid(add, input_values={"x": 1})
    message = str(info.value)
    assert 'Solid "add"' in message and 'input "y"' in message
    assert "['x', 'y']" in message and "input_values" in message


def test_a_wrong_input_name_names_the_solid_and_its_inputs():
    with pytest.raises(DagsterInvalidDefinitionError) as info:
        execute_solid(add, input_values={"x": 1, "y": 2, "zz": 3})
    assert 'solid "add" does not have input "zz"' in str(info.value)
    assert "['x', 'y']" in str(info.value)


def test_an_input_named_like_the_solid_is_refused():
    @solid
    def echo(_, echo):
        return echo

    with pytest.raises(DagsterInvalidDefinitionError, match="circular reference"):
        execute_solid(echo, input_values={"echo": 1})


def test_errors_are_raised_or_reported():
    with pytest.raises(ValueError, match="boom 1"):
        execute_solid(boom, input_values={"x": 1})
    result = execute_solid(boom, input_values={"x": 2}, raise_on_error=False)
    assert not result.success
    assert "boom 2" in result.failure_data.error.to_string()


def test_resources_come_from_the_mode():
    @resource
    def offset(_):
        return 100

    @solid(required_resource_keys={"offset"})
    def shifted(context, x):
        return x + context.resources.offset

    mode = ModeDefinition(name="testing", resource_defs={"offset": offset})
    assert execute_solid(shifted, mode_def=mode, input_values={"x": 1}).output_value() == 101
    with pytest.raises(DagsterInvalidDefinitionError, match="resource key 'offset' is required"):
        execute_solid(shifted, input_values={"x": 1})


def test_composites_and_graphs_return_their_mapped_outputs():
    @composite_solid(output_defs=[OutputDefinition(int)])
    def add_then_scale(x, y):
        return scale(add(x, y))

    config = {"solids": {"add_then_scale": {"solids": {"scale": {"config": {"factor": 10}}}}}}
    result = execute_solid(add_then_scale, input_values={"x": 1, "y": 2}, run_config=config)
    assert isinstance(result, CompositeSolidExecutionResult)
    assert result.output_value() == 30
    assert result.result_for_solid("add").output_value() == 3

    @op
    def inc(x: int) -> int:
        return x + 1

    @graph
    def twice(x):
        return inc(inc(x))

    assert execute_solid(twice, input_values={"x": 1}).output_value() == 3
    assert execute_solid(inc, input_values={"x": 1}).output_value() == 2


def test_only_nodes_can_be_executed():
    with pytest.raises(ParameterCheckError, match="solid_def"):
        execute_solid("add")  # type: ignore[arg-type]


# -- within a pipeline ---------------------------------------------------------------------------


@solid
def one(_):
    return 1


@solid
def plus_one(_, x):
    return x + 1


@solid
def times_ten(_, x):
    return x * 10


@pipeline
def chain():
    times_ten(plus_one(one()))


def test_solids_within_a_pipeline_with_injected_inputs():
    results = execute_solids_within_pipeline(
        chain, {"plus_one", "times_ten"}, {"plus_one": {"x": 5}}
    )
    assert set(results) == {"plus_one", "times_ten", "__stub_plus_one_x"}
    assert results["plus_one"].output_value() == 6
    assert results["times_ten"].output_value() == 60
    assert results["__stub_plus_one_x"].output_value() == 5


def test_an_injected_input_replaces_its_dependency():
    results = execute_solids_within_pipeline(chain, ["one", "plus_one"], {"plus_one": {"x": 41}})
    assert results["plus_one"].output_value() == 42
    assert results["one"].success  # still runs: it is selected


def test_one_solid_within_a_pipeline():
    assert execute_solid_within_pipeline(chain, "times_ten", inputs={"x": 4}).output_value() == 40
    assert execute_solid_within_pipeline(chain, "one").output_value() == 1


def test_an_input_nothing_feeds_names_the_solid_and_how_to_feed_it():
    with pytest.raises(DagsterInvalidConfigError) as info:
        execute_solid_within_pipeline(chain, "times_ten")
    message = str(info.value)
    assert 'Solid "times_ten"' in message and 'input "x"' in message
    assert 'inputs={"times_ten": {"x": ...}}' in message


def test_unknown_solids_and_wrong_injections_are_explained():
    with pytest.raises(DagsterInvalidSubsetError, match="no solid named nope"):
        execute_solids_within_pipeline(chain, {"nope"})
    with pytest.raises(
        DagsterInvariantViolationError, match="injecting an input value for solid one"
    ):
        execute_solids_within_pipeline(chain, {"plus_one"}, {"one": {"x": 1}, "plus_one": {"x": 1}})
    with pytest.raises(DagsterInvalidDefinitionError, match='does not have input "zz"'):
        execute_solid_within_pipeline(chain, "plus_one", inputs={"zz": 1})


@op
def load() -> int:
    return 3


@op
def square(x: int) -> int:
    return x * x


@job
def squares():
    square(load())


def test_ops_within_a_job():
    result = execute_solid_within_pipeline(squares, "square", inputs={"x": 7})
    assert result.output_value() == 49
