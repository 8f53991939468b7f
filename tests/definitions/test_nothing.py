"""Nothing dependencies: inputs that order ops without passing data, in both generations,
including fan-in of Nothing, and Nothing outputs emitted implicitly."""

from __future__ import annotations

import re

import pytest

from opbook import (
    DagsterInvalidDefinitionError,
    DagsterTypeCheckDidNotPass,
    DependencyDefinition,
    In,
    InputDefinition,
    MultiDependencyDefinition,
    Nothing,
    Out,
    Output,
    OutputDefinition,
    PipelineDefinition,
    execute_pipeline,
    execute_solid,
    job,
    op,
    pipeline,
    solid,
)
from opbook.definitions.run_config import run_config_schema


def _steps(result, kind: str) -> list[str]:
    return [e.step_key for e in result.all_events if e.event_type_value == kind]


def _ran(order: list[str]):
    @op
    def first() -> None:
        order.append("first")

    @op(out=Out(Nothing))
    def second():
        order.append("second")

    @op(ins={"start": In(Nothing)})
    def last() -> str:
        order.append("last")
        return "done"

    return first, second, last


def test_nothing_input_is_not_a_parameter_and_orders_the_op() -> None:
    order: list[str] = []
    first, _second, last = _ran(order)
    assert [d.name for d in last.input_defs] == ["start"]
    assert last.input_def_named("start").dagster_type is Nothing

    @job
    def ordered():
        last(start=first())

    result = ordered.execute_in_process()
    assert order == ["first", "last"]
    assert result.output_for_node("last") == "done"


def test_nothing_input_passed_positionally() -> None:
    order: list[str] = []
    _first, second, last = _ran(order)

    @job
    def ordered():
        last(second())

    assert ordered.execute_in_process().success
    assert order == ["second", "last"]


def test_fan_in_of_nothing_waits_for_every_upstream() -> None:
    order: list[str] = []
    first, second, last = _ran(order)

    @job
    def fan_in():
        last(start=[first(), second()])

    result = fan_in.execute_in_process()
    assert order[-1] == "last" and set(order[:2]) == {"first", "second"}
    assert _steps(result, "STEP_SUCCESS")[-1] == "last"
    assert fan_in.graph.dependencies["last"]["start"].dependencies == [
        DependencyDefinition("first"),
        DependencyDefinition("second"),
    ]


def test_nothing_inputs_mix_with_data_inputs() -> None:
    @op
    def prepare() -> None:
        pass

    @op
    def number() -> int:
        return 4

    @op(ins={"ready": In(Nothing)})
    def double(x: int) -> int:
        return x * 2

    @job
    def mixed():
        double(number(), ready=prepare())

    assert mixed.execute_in_process().output_for_node("double") == 8
    assert [d.name for d in double.input_defs] == ["x", "ready"]


def test_unconnected_nothing_input_needs_no_config() -> None:
    order: list[str] = []
    _first, _second, last = _ran(order)

    @job
    def alone():
        last()

    assert alone.execute_in_process().success
    node_entry = run_config_schema(alone).fields["ops"].config_type.fields["last"]
    assert "inputs" not in node_entry.config_type.fields


def test_nothing_output_is_emitted_implicitly() -> None:
    @op(out=Out(Nothing))
    def returns_nothing():
        pass

    @op(out={"done": Out(Nothing)})
    def yields_nothing():
        if False:
            yield Output(None, "done")

    @job
    def implicit():
        returns_nothing()
        yields_nothing()

    result = implicit.execute_in_process()
    outputs = {
        (e.step_key, e.event_specific_data.output_name)
        for e in result.all_events
        if e.event_type_value == "STEP_OUTPUT"
    }
    assert outputs == {("returns_nothing", "result"), ("yields_nothing", "done")}


def test_a_value_for_a_nothing_output_fails_its_type_check() -> None:
    @op(out=Out(Nothing))
    def returns_value():
        return 5

    @job
    def wrong():
        returns_value()

    with pytest.raises(DagsterTypeCheckDidNotPass, match="Value must be None"):
        wrong.execute_in_process()


def test_skipped_nothing_upstream_skips_a_single_dependency_not_a_fan_in() -> None:
    @op(out={"done": Out(Nothing, is_required=False)})
    def maybe():
        if False:
            yield Output(None, "done")

    @op
    def always() -> None:
        pass

    @op(ins={"start": In(Nothing)})
    def after() -> int:
        return 1

    @job
    def single():
        after(start=maybe())

    @job
    def fan_in():
        after(start=[always(), maybe()])

    assert _steps(single.execute_in_process(), "STEP_SKIPPED") == ["after"]
    assert fan_in.execute_in_process().output_for_node("after") == 1


def test_nothing_input_cannot_have_a_default() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="Nothing, which cannot have a default"):
        InputDefinition("start", Nothing, default_value=None)


# -- the pipeline generation -------------------------------------------------------------------


@solid(output_defs=[OutputDefinition(Nothing)])
def create_table(context):
    context.log.info("created")


@solid(output_defs=[OutputDefinition(Nothing)])
def fill_table(context):
    context.log.info("filled")


@solid(input_defs=[InputDefinition("start", Nothing)])
def count_rows(context):
    return 3


def test_solid_with_a_nothing_input_definition_in_a_pipeline() -> None:
    @pipeline
    def tables():
        count_rows(start=create_table())

    result = execute_pipeline(tables)
    assert result.success
    assert result.result_for_solid("count_rows").output_value() == 3
    assert _steps(result, "STEP_SUCCESS") == ["create_table", "count_rows"]


def test_pipeline_dependency_dict_with_nothing_fan_in() -> None:
    tables = PipelineDefinition(
        [create_table, fill_table, count_rows],
        name="tables",
        dependencies={
            "count_rows": {
                "start": MultiDependencyDefinition(
                    [DependencyDefinition("create_table"), DependencyDefinition("fill_table")]
                )
            }
        },
    )
    result = execute_pipeline(tables)
    assert _steps(result, "STEP_SUCCESS")[-1] == "count_rows"
    assert result.result_for_solid("count_rows").output_value() == 3


def test_execute_solid_ignores_nothing_inputs() -> None:
    result = execute_solid(count_rows)
    assert result.output_value() == 3


def test_a_nothing_output_cannot_feed_an_input_that_expects_a_value() -> None:
    @solid(output_defs=[OutputDefinition(Nothing)])
    def does_nothing(_):
        pass

    @solid(input_defs=[InputDefinition("num", int)])
    def add_one(_, num):
        return num + 1

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            'Input "num" to node "add_one" can not depend on the output "result" from node '
            '"does_nothing". Input "num" expects a value of type Int and output "result" '
            "returns type Nothing (which produces no value)."
        ),
    ):
        PipelineDefinition(
            [does_nothing, add_one],
            name="bad_dep",
            dependencies={"add_one": {"num": DependencyDefinition("does_nothing")}},
        )


def test_a_parameter_annotated_nothing_is_refused() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "Input parameter after is annotated with Nothing which is a type that represents "
            "passing no data. This type must be used via InputDefinition and no parameter "
            "should be included in the solid function."
        ),
    ):

        @op
        def waits(after: Nothing):  # type: ignore[valid-type]
            pass
