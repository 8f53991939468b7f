"""Calling ops and solids like functions (direct invocation) and the build_*_context helpers."""

from __future__ import annotations

import pytest

import opbook as dagster
from opbook import (
    DagsterInvalidConfigError,
    DagsterInvalidInvocationError,
    DagsterTypeCheckDidNotPass,
    Out,
    Output,
    build_hook_context,
    build_init_resource_context,
    build_op_context,
    op,
    resource,
    solid,
    success_hook,
)


@op
def add(x: int, y: int = 2) -> int:
    return x + y


@op(config_schema={"n": int}, required_resource_keys={"offset"})
def configured_add(context, a: int) -> int:
    return context.op_config["n"] + a + context.resources.offset


def test_positional_keyword_and_default_inputs():
    assert add(1) == 3
    assert add(1, 5) == 6
    assert add(x=3, y=4) == 7


def test_context_with_config_and_resources():
    context = build_op_context(config={"n": 1}, resources={"offset": 10})
    assert configured_add(context, 5) == 16


def test_missing_context_for_required_config_names_the_op():
    with pytest.raises(DagsterInvalidInvocationError, match="op 'configured_add' has context argument"):
        configured_add(5)


def test_context_given_to_an_op_without_context_parameter():
    with pytest.raises(DagsterInvalidInvocationError, match="has no context argument"):
        add(build_op_context(), 1)


def test_missing_resource_is_named():
    with pytest.raises(DagsterInvalidInvocationError, match="resource with key 'offset'"):
        configured_add(build_op_context(config={"n": 1}), 5)


def test_invalid_config_lists_the_problem_with_its_path():
    with pytest.raises(DagsterInvalidConfigError, match='Invalid scalar at n. Value "x"'):
        configured_add(build_op_context(config={"n": "x"}, resources={"offset": 1}), 5)


def test_input_type_check():
    with pytest.raises(DagsterTypeCheckDidNotPass, match='op "add" input "x" - expected type "Int"'):
        add("a")


def test_output_type_check():
    @op
    def wrong() -> int:
        return "nope"  # type: ignore[return-value]

    with pytest.raises(DagsterTypeCheckDidNotPass, match='output "result"'):
        wrong()


def test_wrong_arguments_are_named():
    with pytest.raises(DagsterInvalidInvocationError, match="Too many input arguments"):
        add(1, 2, 3)
    with pytest.raises(DagsterInvalidInvocationError, match="has no input 'z'"):
        add(1, z=2)
    with pytest.raises(DagsterInvalidInvocationError, match='required input "x"'):
        add()


def test_several_outputs_return_a_tuple():
    @op(out={"a": Out(int), "b": Out(int)})
    def two():
        return 1, 2

    assert two() == (1, 2)


def test_generator_yields_checked_outputs():
    @op(out={"a": Out(int), "b": Out(int)})
    def gen():
        yield Output(1, "a")
        yield Output(2, "b")

    outputs = list(gen())
    assert [(o.output_name, o.value) for o in outputs] == [("a", 1), ("b", 2)]


def test_async_op_runs_directly():
    @op
    async def later(x: int) -> int:
        return x * 2

    assert later(4) == 8


def test_solid_with_context():
    @solid(config_schema={"word": str})
    def shout(context):
        return context.solid_config["word"].upper()

    assert shout(dagster.build_solid_context(config={"word": "hi"})) == "HI"


def test_generator_resource_is_torn_down_when_the_context_closes():
    events = []

    @resource
    def connection(_init_context):
        events.append("open")
        yield "conn"
        events.append("close")

    @op(required_resource_keys={"conn"})
    def use(context):
        return context.resources.conn

    with build_op_context(resources={"conn": connection}) as context:
        assert use(context) == "conn"
        assert events == ["open"]
    assert events == ["open", "close"]


def test_hook_and_resource_invoked_directly():
    seen = []

    @success_hook
    def note(context):
        seen.append(context.run_id)

    note(build_hook_context())
    assert seen == ["EPHEMERAL"]

    @resource(config_schema={"url": str})
    def client(init_context):
        return f"client for {init_context.resource_config['url']}"

    assert client(build_init_resource_context(config={"url": "x"})) == "client for x"


def test_graph_cannot_be_called_directly():
    @dagster.graph
    def g():
        add()

    with pytest.raises(DagsterInvalidInvocationError, match="execute_in_process"):
        g()
