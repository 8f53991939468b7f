"""Calling ops, solids, resources, loggers and hooks like functions (direct invocation) and the
build_*_context helpers, with Dagster's messages for misuse."""

from __future__ import annotations

import asyncio
import logging
import re
from collections import namedtuple

import pytest

import opbook as dagster
from opbook import (
    AssetMaterialization,
    DagsterInvalidConfigError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    DagsterTypeCheckDidNotPass,
    ExpectationResult,
    In,
    InputDefinition,
    Nothing,
    Out,
    Output,
    OutputDefinition,
    SolidDefinition,
    build_hook_context,
    build_init_logger_context,
    build_init_resource_context,
    build_op_context,
    logger,
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


# -- arguments ---------------------------------------------------------------------------------


def test_positional_keyword_and_default_inputs():
    assert add(1) == 3
    assert add(1, 5) == 6
    assert add(x=3, y=4) == 7
    assert add(4, y=1) == 5


def test_too_many_arguments_suggest_the_context_parameter():
    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape(
            "Too many input arguments were provided for op 'add'. This may be because an "
            "argument was provided for the context parameter"
        ),
    ):
        add(1, 2, 3)


def test_unknown_and_missing_inputs_are_named():
    with pytest.raises(DagsterInvalidInvocationError, match="has no input 'z'"):
        add(1, z=2)
    with pytest.raises(
        DagsterInvalidInvocationError, match='No value provided for required input "x"'
    ):
        add()
    with pytest.raises(
        DagsterInvalidInvocationError, match="Input 'x' of op 'add' was given twice"
    ):
        add(1, x=2)


def test_a_missing_input_is_reported_before_an_input_given_twice():
    @op
    def add_both(x: int, y: int) -> int:
        return x + y

    with pytest.raises(
        DagsterInvalidInvocationError, match=re.escape('No value provided for required input "y".')
    ):
        add_both(1, x=2)


def test_an_aliased_op_is_named_by_its_alias_when_the_context_is_wrong():
    @op
    def needs_context(context) -> int:
        return 1

    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape(
            "Compute function of op 'aliased_add' has no context argument, but context was "
            "provided when invoking."
        ),
    ):
        add.alias("aliased_add")(build_op_context(), 1)
    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape(
            "Compute function of op 'aliased_needs' has context argument, but no context was "
            "provided when invoking."
        ),
    ):
        needs_context.alias("aliased_needs")()


# -- the context -------------------------------------------------------------------------------


def test_context_with_config_and_resources():
    context = build_op_context(config={"n": 1}, resources={"offset": 10})
    assert configured_add(context, 5) == 16
    assert configured_add(context=context, a=5) == 16


def test_missing_context_is_an_error_even_without_config():
    @op
    def needs_context(context, x: int) -> int:
        return x

    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape(
            "Compute function of op 'needs_context' has context argument, but no context was "
            "provided when invoking."
        ),
    ):
        needs_context()
    with pytest.raises(DagsterInvalidInvocationError, match="has context argument, but no context"):
        needs_context(5)
    assert needs_context(None, 5) == 5
    assert needs_context(build_op_context(), x=5) == 5


def test_context_named_wrongly_in_kwargs():
    @op
    def needs_context(context, x: int) -> int:
        return x

    with pytest.raises(
        DagsterInvalidInvocationError,
        match="has context argument 'context', but no value for 'context' was found when invoking",
    ):
        needs_context(x=5)


def test_context_given_to_an_op_without_context_parameter():
    with pytest.raises(
        DagsterInvalidInvocationError,
        match="Compute function of op 'add' has no context argument, but context was provided",
    ):
        add(build_op_context(), 1)


def test_none_context_with_required_config_or_resources():
    @op(config_schema={"n": int})
    def needs_config(context):
        return context.op_config["n"]

    with pytest.raises(
        DagsterInvalidInvocationError,
        match='op "needs_config" has required config schema, but no context was provided',
    ):
        needs_config(None)
    with pytest.raises(
        DagsterInvalidInvocationError,
        match='op "configured_add" has required resources, but no context was provided',
    ):
        configured_add(None, 1)


def test_missing_resource_is_named():
    with pytest.raises(
        DagsterInvalidInvocationError,
        match='op "configured_add" requires resource "offset", but no resource with that key',
    ):
        configured_add(build_op_context(config={"n": 1}), 5)


def test_invalid_config_lists_the_problem_with_its_path():
    with pytest.raises(
        DagsterInvalidConfigError, match='Error in config for op "configured_add"'
    ) as info:
        configured_add(build_op_context(config={"n": "x"}, resources={"offset": 1}), 5)
    assert 'Invalid scalar at path root:n. Value "x"' in str(info.value)


def test_config_defaults_are_filled():
    @op(config_schema={"n": dagster.Field(int, default_value=7)})
    def with_default(context):
        return context.op_config["n"]

    assert with_default(build_op_context()) == 7
    assert with_default(None) == 7


def test_context_describes_the_op_and_keeps_logged_events():
    @op
    def logs(context):
        context.log_event(AssetMaterialization("table"))
        context.add_output_metadata({"rows": 3})
        return context.describe_op()

    context = build_op_context()
    assert logs(context) == 'op "logs"'
    assert [e.asset_key.path for e in context.consume_events()] == [["table"]]
    assert context.get_output_metadata("result") == {"rows": 3}


def test_aliased_op_is_invoked_under_its_alias():
    with pytest.raises(DagsterTypeCheckDidNotPass, match='op "plus" input "x"'):
        add.alias("plus")("a")


def test_resource_definitions_with_config_are_initialised_for_the_context():
    @resource(config_schema={"base": int})
    def offset(init_context):
        return init_context.resource_config["base"] * 10

    context = build_op_context(
        config={"n": 1},
        resources={"offset": offset},
        resources_config={"offset": {"base": 2}},
    )
    assert configured_add(context, 0) == 21


def test_invalid_resource_config_is_reported_by_key():
    @resource(config_schema={"base": int})
    def offset(init_context):
        return init_context.resource_config["base"]

    with pytest.raises(DagsterInvalidConfigError, match="Error in config for resource offset"):
        build_op_context(resources={"offset": offset}, resources_config={"offset": {"base": "x"}})


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


def test_generator_resource_outside_a_with_block_is_refused_and_torn_down():
    events = []

    @resource
    def connection(_init_context):
        events.append("open")
        yield "conn"
        events.append("close")

    @op(required_resource_keys={"conn"})
    def use(context):
        return context.resources.conn

    context = build_op_context(resources={"conn": connection})
    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape("outside of context manager scope"),
    ):
        use(context)
    del context
    assert events == ["open", "close"]


def test_solid_with_context():
    @solid(config_schema={"word": str})
    def shout(context):
        return context.solid_config["word"].upper()

    assert shout(dagster.build_solid_context(config={"word": "hi"})) == "HI"
    assert shout(dagster.build_solid_context(solid_config={"word": "yo"})) == "YO"


# -- type checks -------------------------------------------------------------------------------


def test_input_type_check():
    with pytest.raises(
        DagsterTypeCheckDidNotPass,
        match=re.escape(
            'Type check failed for op "add" input "x" - expected type "Int". Description: '
            'Value "a" of python type "str" must be a int.'
        ),
    ):
        add("a")


def test_output_type_check():
    @op
    def wrong() -> int:
        return "nope"  # type: ignore[return-value]

    with pytest.raises(DagsterTypeCheckDidNotPass, match='op "wrong" output "result"'):
        wrong()


def test_container_types_are_checked_item_by_item():
    @op
    def total(values: list[int]) -> int:
        return sum(values)

    assert total([1, 2]) == 3
    with pytest.raises(DagsterTypeCheckDidNotPass, match='expected type "List\\[Int\\]"'):
        total([1, "2"])


# -- outputs -----------------------------------------------------------------------------------


def test_several_outputs_return_a_tuple_checked_per_output():
    @op(out={"a": Out(int), "b": Out(str)})
    def two():
        return 1, "x"

    assert two() == (1, "x")

    @op(out={"a": Out(int), "b": Out(str)})
    def swapped():
        return "x", 1

    with pytest.raises(DagsterTypeCheckDidNotPass, match='output "a"'):
        swapped()


def test_namedtuple_return_is_kept():
    Pair = namedtuple("Pair", "a b")

    @op(out={"a": Out(int), "b": Out(int)})
    def pair():
        return Pair(1, 2)

    assert pair().b == 2


def test_several_outputs_without_tuple_is_ambiguous():
    @op(out={"a": Out(int), "b": Out(int)})
    def one_value():
        return 1

    with pytest.raises(
        DagsterInvariantViolationError, match="Multiple outputs but no Output wrapper"
    ):
        one_value()


def test_generator_yields_checked_outputs_and_events():
    @op(out={"a": Out(int), "b": Out(int)})
    def gen():
        yield Output(1, "a")
        yield ExpectationResult(True, "ok")
        yield Output(2, "b")

    items = list(gen())
    assert [type(i).__name__ for i in items] == ["Output", "ExpectationResult", "Output"]
    assert [(o.output_name, o.value) for o in items if isinstance(o, Output)] == [
        ("a", 1),
        ("b", 2),
    ]


def test_generator_misuse_is_reported_as_iterated():
    @op(out={"a": Out(int), "b": Out(int, is_required=True)})
    def only_a():
        yield Output(1, "a")

    with pytest.raises(
        DagsterInvariantViolationError,
        match="Invocation of op 'only_a' did not return an output for non-optional output 'b'",
    ):
        list(only_a())

    @op
    def twice():
        yield Output(1)
        yield Output(2)

    with pytest.raises(
        DagsterInvariantViolationError, match="yielded an output 'result' multiple times"
    ):
        list(twice())

    @op
    def bare():
        yield 5

    with pytest.raises(DagsterInvariantViolationError, match="should be wrapped in an `Output`"):
        list(bare())

    @op
    def unknown():
        yield Output(1, "nope")

    with pytest.raises(DagsterInvariantViolationError, match='output "nope" that does not exist'):
        list(unknown())


def test_returning_a_materialization_is_an_error():
    @op
    def returns_event():
        return AssetMaterialization("x")

    with pytest.raises(DagsterInvariantViolationError, match="you must yield them"):
        returns_event()


def test_nothing_inputs_are_not_arguments():
    @op(ins={"start": In(Nothing)})
    def after(x: int) -> int:
        return x + 1

    assert after(1) == 2
    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape(
            "Attempted to provide value for nothing input 'start'. Nothing dependencies are "
            "ignored when directly invoking ops."
        ),
    ):
        after(1, start=None)
    with pytest.raises(DagsterInvalidInvocationError, match="a value for a nothing dependency"):
        after(1, 2)


def test_nothing_output_needs_no_value():
    @op(out=Out(Nothing))
    def side_effect():
        pass

    assert side_effect() is None


# -- async -------------------------------------------------------------------------------------


def test_async_op_returns_a_coroutine_checked_when_awaited():
    @op
    async def later(x: int) -> int:
        await asyncio.sleep(0)
        return x * 2

    assert asyncio.run(later(4)) == 8

    @op
    async def wrong() -> int:
        return "no"  # type: ignore[return-value]

    with pytest.raises(DagsterTypeCheckDidNotPass, match='op "wrong" output "result"'):
        asyncio.run(wrong())


def test_async_generator_op_yields_checked_outputs():
    @op(out={"a": Out(int), "b": Out(int)})
    async def stream():
        yield Output(1, "a")
        await asyncio.sleep(0)
        yield Output(2, "b")

    async def collect():
        return [o.value async for o in stream()]

    assert asyncio.run(collect()) == [1, 2]


# -- raw SolidDefinition -----------------------------------------------------------------------


def test_raw_solid_definition_takes_inputs_as_a_dict():
    def compute(context, inputs):
        yield Output(inputs["a"] + inputs["b"] + context.solid_config["c"])

    adder = SolidDefinition(
        "raw_adder",
        [InputDefinition("a", int), InputDefinition("b", int)],
        compute,
        [OutputDefinition(int)],
        config_schema={"c": int},
    )
    outputs = list(adder(build_op_context(config={"c": 100}), 1, b=2))
    assert [o.value for o in outputs] == [103]
    with pytest.raises(DagsterTypeCheckDidNotPass, match='input "a"'):
        list(adder(build_op_context(config={"c": 1}), "x", 2))


# -- graphs, hooks, resources and loggers ------------------------------------------------------


def test_graph_cannot_be_called_directly():
    @dagster.graph
    def g():
        add()

    with pytest.raises(DagsterInvalidInvocationError, match="execute_in_process"):
        g()


def test_hook_invoked_directly():
    seen = []

    @success_hook(required_resource_keys={"tag"})
    def note(context):
        seen.append((context.run_id, context.resources.tag))

    note(build_hook_context(resources={"tag": "t"}))
    assert seen == [("EPHEMERAL", "t")]


def test_resource_invoked_directly_validates_its_config():
    @resource(config_schema={"url": str, "port": dagster.Field(int, default_value=80)})
    def client(init_context):
        config = init_context.resource_config
        return f"{config['url']}:{config['port']}"

    assert client(build_init_resource_context(config={"url": "x"})) == "x:80"
    with pytest.raises(DagsterInvalidConfigError, match="Error in config for resource"):
        client(build_init_resource_context(config={"url": 1}))
    with pytest.raises(
        DagsterInvalidInvocationError,
        match="Resource initialization function has context argument, but no context was provided",
    ):
        client()
    with pytest.raises(DagsterInvalidInvocationError, match="Resource has required config schema"):
        client(None)


def test_resource_without_context_parameter():
    @resource
    def constant():
        return 42

    assert constant() == 42
    with pytest.raises(DagsterInvalidInvocationError, match="underlying function has no context"):
        constant(build_init_resource_context())


def test_resource_requiring_another_resource():
    @resource(required_resource_keys={"base"})
    def derived(init_context):
        return init_context.resources.base + 1

    assert derived(build_init_resource_context(resources={"base": 1})) == 2
    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape(
            'Resource requires resource "base", but no resource with that key was found on the '
            "context."
        ),
    ):
        derived(build_init_resource_context())


def test_resource_requiring_another_resource_without_a_context():
    @resource(required_resource_keys={"base"})
    def derived(init_context):
        return init_context.resources.base + 1

    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape(
            "Resource has required resources, but no context was provided. Use the "
            "`build_init_resource_context` function"
        ),
    ):
        derived(None)


def test_generator_resource_invoked_directly_is_a_context_manager():
    events = []

    @resource
    def managed(_init_context):
        events.append("open")
        yield "value"
        events.append("close")

    with managed(build_init_resource_context()) as value:
        assert value == "value"
    assert events == ["open", "close"]


def test_logger_invoked_directly():
    @logger(config_schema={"level": dagster.Field(str, default_value="INFO")})
    def my_logger(init_context):
        made = logging.getLogger("opbook.test.direct")
        made.setLevel(init_context.logger_config["level"])
        return made

    made = my_logger(build_init_logger_context(logger_config={"level": "ERROR"}))
    assert made.level == logging.ERROR
    assert my_logger(build_init_logger_context()).level == logging.INFO
    with pytest.raises(DagsterInvalidInvocationError, match="Logger initialization function"):
        my_logger()


def test_logger_invoked_without_its_context_says_so():
    @logger
    def my_logger(init_context):
        return logging.getLogger("opbook.tests.invoked")

    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape(
            "Logger initialization function has context argument, but no context argument was "
            "provided when invoking."
        ),
    ):
        my_logger()


# -- dynamic outputs ---------------------------------------------------------------------------


def test_an_op_yielding_dynamic_outputs_gives_them_back_when_invoked():
    @op(out={"items": dagster.DynamicOut(int), "total": dagster.Out(int)})
    def split():
        yield dagster.DynamicOutput(1, mapping_key="one", output_name="items")
        yield dagster.DynamicOutput(2, mapping_key="two", output_name="items")
        yield dagster.Output(3, output_name="total")

    one, two, total = split()
    assert (one.mapping_key, one.value, two.mapping_key, two.value) == ("one", 1, "two", 2)
    assert total.value == 3


def test_a_returned_dynamic_output_is_refused_when_invoked():
    @op(out=dagster.DynamicOut())
    def returns_one():
        return dagster.DynamicOutput(1, mapping_key="one")

    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape(
            "Error in op 'returns_one': Attempted to return a DynamicOutput from op. DynamicOuts "
            "are only supported using yield syntax."
        ),
    ):
        returns_one()


def test_a_dynamic_output_for_a_plain_output_is_refused_when_invoked():
    @op
    def not_dynamic():
        yield dagster.DynamicOutput(1, mapping_key="one")

    with pytest.raises(DagsterInvariantViolationError, match="which is not a dynamic output"):
        list(not_dynamic())


def test_a_repeated_mapping_key_is_refused_when_invoked():
    @op(out=dagster.DynamicOut())
    def repeats():
        yield dagster.DynamicOutput(1, mapping_key="one")
        yield dagster.DynamicOutput(2, mapping_key="one")

    with pytest.raises(DagsterInvariantViolationError, match="mapping_key 'one' multiple times"):
        list(repeats())
