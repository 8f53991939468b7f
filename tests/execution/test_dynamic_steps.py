"""Running dynamic graphs: the events and values of mapped steps, collects, the errors a
compute function meets, and where the IO managers keep the items."""

from __future__ import annotations

from pathlib import Path

import pytest

from opbook import (
    DagsterInstance,
    DagsterInvariantViolationError,
    DynamicOut,
    DynamicOutput,
    DynamicOutputDefinition,
    Out,
    Output,
    RetryRequested,
    execute_pipeline,
    execute_solid,
    fs_io_manager,
    job,
    op,
    pipeline,
    solid,
)


@op(out=DynamicOut())
def emit():
    for key in ("k2", "k1", "k3"):
        yield DynamicOutput(int(key[1]), mapping_key=key)


@op
def double(x: int) -> int:
    return 2 * x


@op
def as_list(items: list) -> list:
    return items


@job
def mapped():
    as_list(emit().map(double).map(double).collect())


def test_a_mapped_op_runs_one_step_per_item() -> None:
    result = mapped.execute_in_process()
    started = [e.step_key for e in result.all_events if e.event_type_value == "STEP_START"]
    assert started[0] == "emit" and started[-1] == "as_list"
    assert sorted(started[1:-1]) == sorted(
        f"{name}[{key}]" for name in ("double", "double_2") for key in ("k1", "k2", "k3")
    )


def test_step_output_events_carry_the_mapping_key() -> None:
    result = mapped.execute_in_process()
    outputs = [e for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    emitted = [e for e in outputs if e.step_key == "emit"]
    assert [e.event_specific_data.mapping_key for e in emitted] == ["k2", "k1", "k3"]
    assert (
        emitted[0].message
        == 'Yielded output "result" mapping key "k2" of type "Any". (Type check passed).'
    )


def test_output_for_node_of_a_mapped_op_is_keyed_by_mapping_key() -> None:
    result = mapped.execute_in_process()
    assert result.output_for_node("double") == {"k1": 2, "k2": 4, "k3": 6}
    assert result.output_for_node("emit") == {"k2": 2, "k1": 1, "k3": 3}


def test_collect_gathers_items_in_the_order_they_were_yielded() -> None:
    assert mapped.execute_in_process().output_for_node("as_list") == [8, 4, 12]


def test_a_collect_of_no_item_gets_an_empty_list() -> None:
    @op(out=DynamicOut())
    def nothing():
        yield from ()

    @job
    def empty():
        as_list(nothing().map(double).collect())

    assert empty.execute_in_process().output_for_node("as_list") == []


def test_a_mapped_step_knows_its_mapping_key() -> None:
    seen = []

    @op
    def observe(context, x):
        seen.append(context.get_mapping_key())

    @job
    def observing():
        emit().map(observe)

    observing.execute_in_process()
    assert seen == ["k2", "k1", "k3"]


def test_the_legacy_results_give_mapped_values() -> None:
    @solid(output_defs=[DynamicOutputDefinition()])
    def numbers(_):
        yield DynamicOutput(1, mapping_key="one")
        yield DynamicOutput(2, mapping_key="two")

    @solid
    def triple(_, x):
        return 3 * x

    @pipeline
    def legacy():
        numbers().map(triple)

    result = execute_pipeline(legacy)
    assert result.result_for_solid("triple").output_values == {"result": {"one": 3, "two": 6}}
    assert result.result_for_solid("numbers").output_value() == {"one": 1, "two": 2}


def test_yielding_output_for_a_dynamic_output_fails_the_step() -> None:
    @solid(output_defs=[DynamicOutputDefinition()])
    def plain(_):
        return 1

    with pytest.raises(
        DagsterInvariantViolationError,
        match=r'for output "result" defined as dynamic must yield DynamicOutput, got Output\.',
    ):
        execute_solid(plain)


def test_a_dynamic_output_needs_a_dynamic_definition() -> None:
    @solid
    def undeclared(_):
        yield DynamicOutput(True, mapping_key="foo")

    with pytest.raises(DagsterInvariantViolationError, match="did not use DynamicOutputDefinition"):
        execute_solid(undeclared)


def test_a_mapping_key_is_yielded_once() -> None:
    @solid(output_defs=[DynamicOutputDefinition()])
    def twice(_):
        yield DynamicOutput(1, mapping_key="dunk")
        yield DynamicOutput(2, mapping_key="dunk")

    with pytest.raises(DagsterInvariantViolationError, match='mapping_key "dunk" multiple times'):
        execute_solid(twice)


def test_a_retried_dynamic_step_maps_the_items_of_its_last_attempt() -> None:
    attempts = []

    @op(out=DynamicOut())
    def flaky():
        attempts.append(1)
        yield DynamicOutput(1, mapping_key="a")
        if len(attempts) == 1:
            raise RetryRequested(max_retries=1)
        yield DynamicOutput(2, mapping_key="b")

    @job
    def retried():
        as_list(flaky().map(double).collect())

    assert retried.execute_in_process().output_for_node("as_list") == [2, 4]


def test_an_optional_output_of_a_mapped_op_is_collected_when_yielded() -> None:
    @op(out={"even": Out(is_required=False), "odd": Out(is_required=False)})
    def split(x: int):
        yield Output(x, "even" if x % 2 == 0 else "odd")

    @job
    def splitting():
        even, odd = emit().map(split)
        as_list.alias("evens")(even.collect())
        as_list.alias("odds")(odd.collect())

    result = splitting.execute_in_process()
    assert result.output_for_node("evens") == [2]
    assert result.output_for_node("odds") == [1, 3]


def test_fs_io_manager_keeps_items_under_their_mapping_key(tmp_path: Path) -> None:
    @job(resource_defs={"io_manager": fs_io_manager.configured({"base_dir": str(tmp_path)})})
    def stored():
        emit().map(double)

    result = stored.execute_in_process()
    run_dir = tmp_path / result.run_id
    assert (run_dir / "emit" / "result" / "k1").is_file()
    assert (run_dir / "double[k1]" / "result").is_file()
    assert result.output_for_node("double") == {"k1": 2, "k2": 4, "k3": 6}


@pytest.mark.slow
def test_a_multiprocess_run_maps_and_collects(tmp_path: Path) -> None:
    instance = DagsterInstance.local(str(tmp_path))
    result = execute_pipeline(
        mapped.graph.to_job(name="mapped_mp"),
        run_config={"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}},
        instance=instance,
    )
    assert result.success
    assert result.output_for_solid("as_list") == [8, 4, 12]
