"""Dynamic outputs at definition time: DynamicOutput's mapping keys, the handles ``.map`` and
``.collect`` give, and Dagster's rules on where a dynamic output may go (with its messages)."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    DynamicOut,
    DynamicOutput,
    DynamicOutputDefinition,
    OutputDefinition,
    composite_solid,
    graph,
    job,
    op,
)


@op(out=DynamicOut())
def emit():
    yield DynamicOutput(1, mapping_key="a")


@op
def echo(x):
    return x


@op
def add(x, y):
    return x + y


@op(out=DynamicOut())
def dynamic_echo(x):
    yield DynamicOutput(x, mapping_key="echo")


@pytest.mark.parametrize("key", ["", "?", "foo.baz", "a b", "input", "class"])
def test_a_mapping_key_must_be_a_valid_name(key: str) -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="is not a valid name in Dagster"):
        DynamicOutput(1, mapping_key=key)


def test_dynamic_output_keeps_its_parts() -> None:
    item = DynamicOutput(3, mapping_key="k3", output_name="numbers", metadata={"n": 3})
    assert (item.value, item.mapping_key, item.output_name) == (3, "k3", "numbers")
    assert [entry.label for entry in item.metadata_entries] == ["n"]


def test_dynamic_out_makes_a_dynamic_output_definition() -> None:
    (output_def,) = emit.output_defs
    assert isinstance(output_def, DynamicOutputDefinition) and output_def.is_dynamic


def test_map_records_one_node_mapped_over_the_dynamic_output() -> None:
    @job
    def mapped():
        emit().map(echo).map(echo)

    assert mapped.graph.dynamic_fan_out_index == {
        "echo": ("emit", "result"),
        "echo_2": ("emit", "result"),
    }


def test_collect_wires_a_collect_input() -> None:
    @job
    def collected():
        echo(emit().map(echo).collect())

    sources = collected.graph.wiring[("echo_2", "x")]
    assert sources.is_collect and sources.is_fan_in


def test_a_dynamic_output_given_directly_must_be_unpacked() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=r"received the dynamic output result from op 'emit' directly\. Dynamic output "
        r"must be unpacked by invoking map or collect\.",
    ):

        @job
        def _direct():
            echo(emit())


def test_iterating_a_dynamic_output_says_to_map_it() -> None:
    with pytest.raises(DagsterInvariantViolationError, match='Use the "map" method'):

        @job
        def _iterate():
            for _ in emit():
                pass


def test_a_fan_in_cannot_hold_a_dynamic_output() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match='Problematic dependency on dynamic output "emit:result"',
    ):

        @job
        def _fan_in():
            items = []
            emit().map(items.append)
            echo(items)


def test_a_node_maps_over_one_dynamic_output_only() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="cannot be downstream of more than one dynamic output",
    ):

        @job
        def _twice():
            emit().map(lambda x: emit.alias("other")().map(lambda y: add(x, y)))


def test_a_mapped_dynamic_output_cannot_be_collected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="cannot be downstream of more than one dynamic output",
    ):

        @job
        def _nested():
            echo(emit().map(dynamic_echo).collect())


def test_a_node_cannot_both_map_and_collect() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="cannot both collect over"):

        @job
        def _both():
            items = emit()
            items.map(lambda y: add(y, items.collect()))


def test_a_graph_input_mapped_into_a_mapped_node_cannot_be_mapped_over() -> None:
    @graph
    def composed(a):
        dynamic_echo(a).map(echo)

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match='since input "a" maps to a node that is already downstream of another dynamic output',
    ):

        @job
        def _composed():
            emit().map(composed)


def test_a_graph_output_from_a_mapped_node_must_be_dynamic() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="must be a DynamicOutputDefinition since it is downstream of dynamic output",
    ):

        @composite_solid(output_defs=[OutputDefinition()])
        def _mapped():
            return emit().map(echo)


def test_a_graph_output_from_a_dynamic_output_must_be_dynamic() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="Definition types must align"):

        @composite_solid(output_defs=[OutputDefinition()])
        def _dynamic():
            return emit()


def test_a_graph_can_be_mapped() -> None:
    @graph
    def twice(x):
        return echo(echo(x))

    @job
    def mapped_graph():
        emit().map(twice)

    assert mapped_graph.graph.dynamic_fan_out_index == {"twice": ("emit", "result")}
