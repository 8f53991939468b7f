"""Values a step takes from run config (through a type's loader) and writes where ``outputs:``
config asks (through a type's materializer): the value, the events, and what a failure says."""

from __future__ import annotations

import pytest

from opbook import (
    AssetMaterialization,
    DagsterType,
    Failure,
    In,
    Out,
    Output,
    dagster_type_loader,
    dagster_type_materializer,
    graph,
    job,
    op,
)


def failure_of(result: object) -> object:
    return next(e for e in result.all_events if e.is_step_failure).step_failure_data


# -- loading from config ---------------------------------------------------------------------------


@dagster_type_loader(int)
def times_ten(context, config):
    assert context.op_def is not None  # loaders get the step's context
    return config * 10


Tens = DagsterType(lambda _c, v: isinstance(v, int), name="Tens", loader=times_ten)


@op(ins={"x": In(Tens)})
def echo(x):
    return x


def test_a_top_level_graph_input_is_loaded_from_config() -> None:
    @graph
    def takes_input(x):
        return echo(x)

    result = takes_input.execute_in_process(run_config={"inputs": {"x": 4}})
    assert result.output_value() == 40


def loads_with(raised: BaseException) -> object:
    @dagster_type_loader(int)
    def broken(_context, _config):
        raise raised

    Broken = DagsterType(lambda _c, _v: True, name="Broken", loader=broken)

    @op(ins={"x": In(Broken)})
    def needs_broken(x):
        return x

    @job
    def loading():
        needs_broken()

    return loading


def test_a_failure_raised_by_a_loader_fails_the_step_with_it() -> None:
    result = loads_with(Failure("no such file")).execute_in_process(
        run_config={"ops": {"needs_broken": {"inputs": {"x": 1}}}}, raise_on_error=False
    )
    data = failure_of(result)
    assert data.error.cls_name == "Failure"
    assert data.user_failure_data.description == "no such file"


def test_an_exception_in_a_loader_is_reported_as_a_loading_error() -> None:
    result = loads_with(KeyError("missing")).execute_in_process(
        run_config={"ops": {"needs_broken": {"inputs": {"x": 1}}}}, raise_on_error=False
    )
    error = failure_of(result).error
    assert error.cls_name == "DagsterTypeLoadingError"
    assert error.message == (
        "opbook.errors.DagsterTypeLoadingError: Error occurred while loading input "
        """"x" of step "needs_broken" from run config: 'missing'\n"""
    )
    assert error.cause.cls_name == "KeyError"


def test_an_exception_in_a_loader_is_re_raised_as_itself() -> None:
    original = KeyError("missing")
    with pytest.raises(KeyError) as info:
        loads_with(original).execute_in_process(
            run_config={"ops": {"needs_broken": {"inputs": {"x": 1}}}}
        )
    assert info.value is original


# -- materializing from config ---------------------------------------------------------------------


def materialized_to(written: list, raised: BaseException | None = None) -> DagsterType:
    @dagster_type_materializer(str)
    def record(context, config, value):
        assert context.op_def is not None  # materializers get the step's context
        if raised is not None:
            raise raised
        written.append((config, value))
        return [AssetMaterialization(config), AssetMaterialization(f"{config}-copy")]

    return DagsterType(lambda _c, _v: True, name="Recorded", materializer=record)


def test_each_output_is_materialized_by_its_own_entry() -> None:
    written: list = []
    Recorded = materialized_to(written)

    @op(out={"a": Out(Recorded), "b": Out(Recorded)})
    def two():
        yield Output(1, "a")
        yield Output(2, "b")

    @job
    def both():
        two()

    result = both.execute_in_process(
        run_config={"ops": {"two": {"outputs": [{"a": "first"}, {"b": "second"}]}}}
    )
    assert written == [("first", 1), ("second", 2)]
    assert [m.asset_key.path for m in result.asset_materializations_for_node("two")] == [
        ["first"],
        ["first-copy"],
        ["second"],
        ["second-copy"],
    ]


def materializing(raised: BaseException) -> object:
    Recorded = materialized_to([], raised)

    @op(out=Out(Recorded))
    def produce():
        return 1

    @job
    def writes():
        produce()

    return writes


def test_an_exception_in_a_materializer_is_reported_as_a_materialization_error() -> None:
    result = materializing(OSError("disk full")).execute_in_process(
        run_config={"ops": {"produce": {"outputs": [{"result": "target"}]}}},
        raise_on_error=False,
    )
    error = failure_of(result).error
    assert error.cls_name == "DagsterTypeMaterializationError"
    assert error.message == (
        "opbook.errors.DagsterTypeMaterializationError: Error occurred while materializing "
        'output "result" of step "produce": disk full\n'
    )
    assert error.cause.cls_name == "OSError"


def test_an_exception_in_a_materializer_is_re_raised_as_itself() -> None:
    original = OSError("disk full")
    with pytest.raises(OSError) as info:
        materializing(original).execute_in_process(
            run_config={"ops": {"produce": {"outputs": [{"result": "target"}]}}}
        )
    assert info.value is original
