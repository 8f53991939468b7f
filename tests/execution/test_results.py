"""Result objects of both generations, member by member, as folds over one run's events:
``PipelineExecutionResult``, ``SolidExecutionResult``, ``CompositeSolidExecutionResult`` and
``InProcessExecutionResult`` (``ExecuteInProcessResult``)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from opbook import (
    AssetMaterialization,
    CompositeSolidExecutionResult,
    DagsterEventType,
    DagsterInvariantViolationError,
    ExecuteInProcessResult,
    ExpectationResult,
    GraphOut,
    InProcessExecutionResult,
    InputDefinition,
    Out,
    Output,
    OutputDefinition,
    PipelineExecutionResult,
    RetryRequested,
    SolidExecutionResult,
    SolidHandle,
    composite_solid,
    execute_pipeline,
    graph,
    job,
    lambda_solid,
    op,
    pipeline,
    solid,
)
from opbook.errors import CheckError
from opbook.events import StepKind

# -- a pipeline with a composite, a failure, a skip and user events --------------------------------


@solid
def emit(context):
    yield AssetMaterialization("table", description="written")
    yield ExpectationResult(True, "non_empty", metadata={"rows": 3})
    yield Output(2)


@lambda_solid(input_defs=[InputDefinition("x")])
def double(x):
    return x * 2


@composite_solid(output_defs=[OutputDefinition(name="doubled")])
def comp():
    return double(emit())


@lambda_solid(input_defs=[InputDefinition("x")])
def explode(x):
    raise ValueError("nope")


@lambda_solid(input_defs=[InputDefinition("x")])
def after(x):
    return x


@solid(output_defs=[OutputDefinition(name="maybe", is_required=False)])
def never_yields(context):
    yield from ()


@pipeline
def mixed():
    value = comp()
    after(explode(value))
    double.alias("skipped_consumer")(never_yields())


@pytest.fixture(scope="module")
def result() -> PipelineExecutionResult:
    return execute_pipeline(mixed, raise_on_error=False)


def test_pipeline_result_basics(result: PipelineExecutionResult) -> None:
    assert isinstance(result, PipelineExecutionResult)
    assert not result.success
    assert result.pipeline_def is mixed
    assert result.job_def is mixed
    assert result.container is mixed.graph
    assert result.handle is None
    assert isinstance(result.run_id, str) and result.run_id
    assert result.event_list[0].event_type is DagsterEventType.RUN_START
    assert result.all_events is result.event_list
    assert result.reconstruct_context() is None
    assert result.result_for_solid("explode").reconstruct_context() is None


def test_step_event_list_and_events_by_step_key(result: PipelineExecutionResult) -> None:
    assert all(e.is_step_event for e in result.step_event_list)
    assert {e.event_type_value for e in result.step_event_list} >= {"STEP_START", "STEP_FAILURE"}
    by_key = result.events_by_step_key
    assert by_key[None][0].event_type_value == "PIPELINE_START"
    assert by_key["comp.emit"][0].is_step_start
    assert by_key["comp.emit.compute"] is by_key["comp.emit"]
    assert "comp.emit.compute" in by_key
    assert by_key.get("comp.double.compute") is by_key["comp.double"]
    assert by_key.get("nope.compute") is None
    assert "after" not in by_key


def test_result_for_solid_and_handle(result: PipelineExecutionResult) -> None:
    comp_result = result.result_for_solid("comp")
    assert isinstance(comp_result, CompositeSolidExecutionResult)
    inner = result.result_for_handle("comp.emit")
    assert isinstance(inner, SolidExecutionResult)
    assert inner.solid.name == "emit"
    assert result.result_for_handle(SolidHandle.from_string("comp.double")).output_value() == 4
    assert result.output_for_solid("comp", "doubled") == 4
    assert result.output_for_solid("comp.emit") == 2
    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape("Tried to get result for solid 'zz' in 'mixed'. No such top level solid."),
    ):
        result.result_for_solid("zz")
    with pytest.raises(
        DagsterInvariantViolationError, match=re.escape("Can not find solid handle comp.zz")
    ):
        result.result_for_handle("comp.zz")
    with pytest.raises(DagsterInvariantViolationError):
        result.result_for_solid("emit")  # not top level


def test_step_key_spelling_of_the_pipeline_generation(result: PipelineExecutionResult) -> None:
    assert result.result_for_handle("comp.emit.compute").solid.name == "emit"


def test_solid_result_list_in_definition_order(result: PipelineExecutionResult) -> None:
    assert [r.solid.name for r in result.solid_result_list] == [
        "comp",
        "explode",
        "after",
        "never_yields",
        "skipped_consumer",
    ]


def test_solid_result_of_a_successful_solid(result: PipelineExecutionResult) -> None:
    emitted = result.result_for_handle("comp.emit")
    assert emitted.success
    assert not emitted.skipped
    assert emitted.step_events == emitted.compute_step_events
    assert emitted.step_events_by_kind == {StepKind.COMPUTE: emitted.step_events}
    assert emitted.step_events_by_kind["COMPUTE"] == emitted.step_events
    assert [e.step_output_data.output_name for e in emitted.output_events_during_compute] == [
        "result"
    ]
    assert emitted.compute_output_event_dict["result"].is_successful_output
    assert list(emitted.compute_output_events_dict) == ["result"]
    assert emitted.get_output_event_for_compute().is_successful_output
    assert len(emitted.get_output_events_for_compute("result")) == 1
    assert emitted.input_events_during_compute == []
    assert emitted.compute_input_event_dict == {}
    (materialization,) = emitted.materializations_during_compute
    assert materialization.asset_key.path == ["table"]
    assert (
        emitted.materialization_events_during_compute[0].event_type_value == "ASSET_MATERIALIZATION"
    )
    (expectation,) = emitted.expectation_results_during_compute
    assert expectation.label == "non_empty" and expectation.success
    assert emitted.expectation_events_during_compute[0].message == "Expectation non_empty passed"
    assert emitted.get_step_success_event().is_step_success
    assert emitted.failure_data is None
    assert emitted.output_values == {"result": 2}
    assert emitted.output_value() == 2
    assert emitted.retry_attempts == 0
    with pytest.raises(
        DagsterInvariantViolationError, match="Cannot call compute_step_failure_event if successful"
    ):
        _ = emitted.compute_step_failure_event


def test_solid_result_with_inputs(result: PipelineExecutionResult) -> None:
    doubled = result.result_for_handle("comp.double")
    assert list(doubled.compute_input_event_dict) == ["x"]
    assert doubled.input_events_during_compute[0].step_input_data.input_name == "x"


def test_solid_result_of_a_failed_solid(result: PipelineExecutionResult) -> None:
    failed = result.result_for_solid("explode")
    assert not failed.success
    assert not failed.skipped
    assert failed.failure_data.error.cause.cls_name == "ValueError"
    assert failed.compute_step_failure_event.is_step_failure
    assert failed.output_values is None
    assert failed.output_value() is None
    with pytest.raises(CheckError, match="Step success not found for solid explode"):
        failed.get_step_success_event()


def test_solid_result_of_a_solid_that_never_ran(result: PipelineExecutionResult) -> None:
    never = result.result_for_solid("after")
    assert never.step_events == []
    assert never.skipped  # vacuously, as in Dagster
    assert not never.success
    assert never.output_values is None
    with pytest.raises(CheckError):
        _ = never.compute_step_failure_event


def test_solid_result_of_skipped_and_optional_outputs(result: PipelineExecutionResult) -> None:
    skipped = result.result_for_solid("skipped_consumer")
    assert skipped.skipped
    assert [e.event_type_value for e in skipped.step_events] == ["STEP_SKIPPED"]
    producer = result.result_for_solid("never_yields")
    assert producer.success
    with pytest.raises(
        DagsterInvariantViolationError,
        match="Did not find result maybe in solid never_yields execution result",
    ):
        producer.output_value("maybe")
    with pytest.raises(
        DagsterInvariantViolationError,
        match="Output 'nope' not defined in solid 'never_yields': found outputs \\['maybe'\\]",
    ):
        producer.output_value("nope")
    with pytest.raises(KeyError):
        producer.get_output_event_for_compute("maybe")


def test_composite_result(result: PipelineExecutionResult) -> None:
    comp_result = result.result_for_solid("comp")
    assert isinstance(comp_result, CompositeSolidExecutionResult)
    assert comp_result.success
    assert comp_result.solid.name == "comp"
    assert comp_result.handle == SolidHandle("comp")
    assert comp_result.container is comp
    assert comp_result.output_values == {"doubled": 4}
    assert comp_result.output_value("doubled") == 4
    assert comp_result.output_values_for_solid("emit") == {"result": 2}
    assert comp_result.output_value_for_solid("double") == 4
    assert comp_result.output_values_for_handle("double") == {"result": 4}
    assert comp_result.output_value_for_handle("emit") == 2
    assert comp_result.result_for_solid("emit").output_value() == 2
    assert [r.solid.name for r in comp_result.solid_result_list] == ["emit", "double"]
    assert {e.step_key for e in comp_result.event_list} == {"comp.emit", "comp.double"}
    assert list(comp_result.step_events_by_kind) == [StepKind.COMPUTE]
    with pytest.raises(
        DagsterInvariantViolationError,
        match="Output 'nope' not defined in composite solid 'comp': found outputs \\['doubled'\\]",
    ):
        comp_result.output_value("nope")


def test_retry_attempts_counts_restarts() -> None:
    @solid
    def flaky(context):
        if context.retry_number < 2:
            raise RetryRequested(max_retries=2)
        return 1

    @pipeline
    def retried():
        flaky()

    assert execute_pipeline(retried).result_for_solid("flaky").retry_attempts == 2


def test_results_make_dataframes() -> None:
    pytest.importorskip("pandas")

    @lambda_solid
    def one():
        return 1

    @pipeline
    def tiny():
        one()

    result = execute_pipeline(tiny)
    frame = result.to_dataframe()
    assert len(frame) == len(result.event_list)


# -- InProcessExecutionResult -----------------------------------------------------------------------


@op(out={"a": Out(), "b": Out()})
def pair():
    yield AssetMaterialization("pair_asset")
    yield Output(1, "a")
    yield Output(2, "b")


@op
def add(x: int, y: int) -> int:
    return x + y


@op
def boom(x: int) -> int:
    raise ValueError("boom")


@graph
def inner(x: int, y: int):
    return add(x, y)


@graph(out={"total": GraphOut()})
def top():
    a, b = pair()
    total = inner(a, b)
    boom(total)
    return {"total": total}


@pytest.fixture(scope="module")
def in_process() -> InProcessExecutionResult:
    return top.execute_in_process(raise_on_error=False)


def test_in_process_result_basics(in_process: InProcessExecutionResult) -> None:
    assert ExecuteInProcessResult is InProcessExecutionResult
    assert isinstance(in_process, InProcessExecutionResult)
    assert not in_process.success
    assert isinstance(in_process.run_id, str)
    assert in_process.all_events[0].event_type is DagsterEventType.RUN_START
    assert in_process.event_list is in_process.all_events


def test_all_node_events_are_step_events_node_by_node(in_process: InProcessExecutionResult) -> None:
    keys = [e.step_key for e in in_process.all_node_events]
    assert all(e.is_step_event for e in in_process.all_node_events)
    assert keys == sorted(keys, key=["pair", "inner.add", "boom"].index)
    assert "ENGINE_EVENT" not in {e.event_type_value for e in in_process.all_node_events}


def test_events_for_node(in_process: InProcessExecutionResult) -> None:
    assert {e.step_key for e in in_process.events_for_node("inner")} == {"inner.add"}
    assert in_process.events_for_node("inner.add") == in_process.events_for_node("inner")
    assert in_process.events_for_node("nope") == []


def test_output_for_node(in_process: InProcessExecutionResult) -> None:
    assert in_process.output_for_node("pair", "b") == 2
    assert in_process.output_for_node("inner") == 3
    assert in_process.output_for_node("inner.add") == 3
    with pytest.raises(
        DagsterInvariantViolationError, match=re.escape("No outputs found for node 'boom'.")
    ):
        in_process.output_for_node("boom")
    with pytest.raises(CheckError, match="has no solid named zz"):
        in_process.output_for_node("zz")


def test_output_for_node_with_an_output_name_the_node_lacks_is_a_key_error(
    in_process: InProcessExecutionResult,
) -> None:
    with pytest.raises(KeyError, match="no_such_output"):
        in_process.output_for_node("pair", "no_such_output")


def test_output_value_reads_graph_outputs(in_process: InProcessExecutionResult) -> None:
    assert in_process.output_value("total") == 3
    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape("Could not find top-level output 'nope' in 'top'."),
    ):
        in_process.output_value("nope")


def test_output_value_of_a_graph_without_outputs() -> None:
    @op
    def one() -> int:
        return 1

    @job
    def no_outputs():
        one()

    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape(
            "Attempted to retrieve top-level outputs for 'no_outputs', which has no outputs."
        ),
    ):
        no_outputs.execute_in_process().output_value()


def test_asset_materializations_for_node(in_process: InProcessExecutionResult) -> None:
    (materialization,) = in_process.asset_materializations_for_node("pair")
    assert materialization.asset_key.path == ["pair_asset"]


def test_in_process_result_of_a_job_keeps_the_job() -> None:
    @op
    def one() -> int:
        return 1

    @job
    def keeps():
        one()

    result: Any = keeps.execute_in_process()
    assert result.job_def is keeps
    assert result.success
    assert result.output_for_node("one") == 1


def test_a_value_dropped_from_memory_gives_a_clear_error() -> None:
    from opbook import DagsterInstance

    @op
    def one() -> int:
        return 1

    @job
    def short_lived():
        one()

    instance = DagsterInstance.ephemeral()
    instance.memory_values.max_runs = 1
    first = short_lived.execute_in_process(instance=instance)
    short_lived.execute_in_process(instance=instance)
    with pytest.raises(
        DagsterInvariantViolationError,
        match=r'output "result" of step "one" .* is no longer stored',
    ):
        first.output_for_node("one")


def test_solid_result_list_holds_only_the_selected_solids() -> None:
    @lambda_solid
    def first() -> int:
        return 1

    @lambda_solid
    def second(x: int) -> int:
        return x + 1

    @pipeline
    def chain():
        second(first())

    assert [r.solid.name for r in execute_pipeline(chain).solid_result_list] == ["first", "second"]
    selected = execute_pipeline(chain, solid_selection=["first"])
    assert [r.solid.name for r in selected.solid_result_list] == ["first"]


def test_output_for_node_reads_each_output_of_a_multi_output_graph() -> None:
    @graph(out={"low": GraphOut(), "high": GraphOut()})
    def low_and_high():
        a, b = pair()
        return {"low": a, "high": b}

    @graph
    def outer():
        low_and_high()

    result = outer.execute_in_process()
    assert result.output_for_node("low_and_high", "low") == 1
    assert result.output_for_node("low_and_high", "high") == 2
    direct = low_and_high.execute_in_process()
    assert (direct.output_value("low"), direct.output_value("high")) == (1, 2)
