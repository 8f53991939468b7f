"""The execution functions' argument handling (Dagster's checks, in Dagster's order, before any
event), presets, modes and tags, and ``execute_in_process`` of jobs and graphs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from opbook import (
    DagsterError,
    DagsterInstance,
    DagsterInvalidConfigError,
    DagsterInvalidSubsetError,
    DagsterInvariantViolationError,
    InProcessExecutionResult,
    ModeDefinition,
    PipelineExecutionResult,
    PresetDefinition,
    execute_pipeline,
    execute_pipeline_iterator,
    graph,
    hardcoded_resource,
    job,
    lambda_solid,
    op,
    pipeline,
    solid,
)
from opbook.errors import CheckError, ParameterCheckError


@solid(config_schema={"n": int}, required_resource_keys={"word"})
def emit(context):
    return f"{context.resources.word}{context.solid_config['n']}"


@lambda_solid
def other():
    return "other"


@pipeline(
    mode_defs=[
        ModeDefinition("prod", {"word": hardcoded_resource("prod")}),
        ModeDefinition("test", {"word": hardcoded_resource("test")}),
    ],
    preset_defs=[
        PresetDefinition(
            "quick",
            {"solids": {"emit": {"config": {"n": 1}}}},
            mode="test",
            tags={"from": "preset", "p": "1"},
        ),
        PresetDefinition("only_other", solid_selection=["other"], mode="prod"),
    ],
    tags={"from": "pipeline", "pipeline_tag": "t"},
)
def moded():
    emit()
    other()


# -- argument checks -----------------------------------------------------------------------------


def test_pipeline_argument_must_be_a_pipeline() -> None:
    with pytest.raises(
        ParameterCheckError, match='Param "pipeline" is not a PipelineDefinition'
    ) as info:
        execute_pipeline(emit)  # type: ignore[arg-type]
    assert isinstance(info.value, CheckError)
    assert not isinstance(info.value, DagsterError)


def test_a_graph_is_pointed_to_execute_in_process() -> None:
    @graph
    def g():
        other()

    with pytest.raises(ParameterCheckError, match=re.escape("graph.execute_in_process")):
        execute_pipeline(g)  # type: ignore[arg-type]


def test_an_object_with_get_definition_is_accepted() -> None:
    class Pointer:
        def get_definition(self) -> Any:
            return moded

    result = execute_pipeline(Pointer(), preset="quick")
    assert result.success


def test_mode_and_preset_together() -> None:
    with pytest.raises(
        CheckError, match=r"You may set only one of `mode` \(got test\) or `preset` \(got quick\)."
    ):
        execute_pipeline(moded, mode="test", preset="quick")


def test_unknown_preset() -> None:
    with pytest.raises(
        DagsterInvariantViolationError,
        match=r'Could not find preset for "zz". Available presets for pipeline "moded" are \[\'quick\', \'only_other\'\].',
    ):
        execute_pipeline(moded, preset="zz")


def test_preset_and_a_different_run_config() -> None:
    with pytest.raises(
        CheckError, match="does not agree with the environment passed in the `run_config` argument"
    ):
        execute_pipeline(
            moded, preset="quick", run_config={"solids": {"emit": {"config": {"n": 2}}}}
        )
    same = execute_pipeline(
        moded, preset="quick", run_config={"solids": {"emit": {"config": {"n": 1}}}}
    )
    assert same.success


def test_preset_supplies_config_mode_selection_and_tags() -> None:
    instance = DagsterInstance.ephemeral()
    result = execute_pipeline(moded, preset="quick", tags={"from": "call"}, instance=instance)
    assert result.result_for_solid("emit").output_value() == "test1"
    run = instance.get_run_by_id(result.run_id)
    assert run is not None
    assert run.mode == "test"
    assert run.tags == {"from": "call", "pipeline_tag": "t", "p": "1"}
    selected = execute_pipeline(moded, preset="only_other")
    assert [e.step_key for e in selected.event_list if e.is_step_start] == ["other"]


def test_mode_is_required_with_several_modes() -> None:
    with pytest.raises(DagsterInvariantViolationError, match="Pipeline moded has multiple modes"):
        execute_pipeline(moded, {"solids": {"emit": {"config": {"n": 1}}}})


def test_config_is_validated_before_any_event() -> None:
    instance = DagsterInstance.ephemeral()
    with pytest.raises(DagsterInvalidConfigError):
        execute_pipeline(
            moded, {"solids": {"emit": {"config": {"n": "x"}}}}, mode="prod", instance=instance
        )
    assert instance.get_runs() == []


def test_iterator_checks_and_validates_at_call_time() -> None:
    with pytest.raises(DagsterInvalidConfigError):
        execute_pipeline_iterator(moded, {"solids": {"emit": {"config": {"n": "x"}}}}, mode="prod")
    with pytest.raises(DagsterInvariantViolationError):
        execute_pipeline_iterator(moded, mode="nope")
    with pytest.raises(DagsterInvalidSubsetError):
        execute_pipeline_iterator(moded, mode="prod", solid_selection=["zz"])


def test_execute_pipeline_returns_a_pipeline_result() -> None:
    result = execute_pipeline(moded, {"solids": {"emit": {"config": {"n": 2}}}}, mode="prod")
    assert isinstance(result, PipelineExecutionResult)
    assert result.result_for_solid("emit").output_value() == "prod2"


def test_default_instance_remembers_runs() -> None:
    result = execute_pipeline(moded, preset="quick")
    assert DagsterInstance.get().has_run(result.run_id)


# -- execute_in_process --------------------------------------------------------------------------


@op(config_schema={"n": int})
def configured(context) -> int:
    return context.op_config["n"]


@job
def configured_job():
    configured()


def test_job_execute_in_process_arguments() -> None:
    instance = DagsterInstance.ephemeral()
    result = configured_job.execute_in_process(
        run_config={"ops": {"configured": {"config": {"n": 3}}}}, instance=instance
    )
    assert isinstance(result, InProcessExecutionResult)
    assert result.output_for_node("configured") == 3
    assert instance.has_run(result.run_id)


def test_partition_key_is_refused_without_partitioned_config() -> None:
    with pytest.raises(
        CheckError,
        match="Provided partition key `k` for job `configured_job` without a partitioned config",
    ):
        configured_job.execute_in_process(partition_key="k")


def test_execute_in_process_of_a_multi_mode_pipeline_is_refused() -> None:
    with pytest.raises(
        CheckError, match="execute_in_process only supported on job / single mode pipeline"
    ):
        moded.execute_in_process()


def test_execute_in_process_on_a_single_mode_pipeline() -> None:
    @pipeline
    def single():
        other()

    assert single.execute_in_process().output_for_node("other") == "other"


def test_graph_execute_in_process_with_top_level_inputs() -> None:
    @op
    def double(x: int) -> int:
        return 2 * x

    @graph
    def with_input(x):
        return double(x)

    result = with_input.execute_in_process(run_config={"inputs": {"x": 4}})
    assert result.output_value() == 8
    with pytest.raises(
        DagsterInvalidConfigError, match='Missing required config entry "inputs" at the root'
    ):
        with_input.execute_in_process()


def test_graph_execute_in_process_missing_resource_uses_job_wording() -> None:
    from opbook import DagsterInvalidDefinitionError

    @op(required_resource_keys={"r"})
    def needs_r(context):
        return context.resources.r

    @graph
    def g():
        needs_r()

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="resource key 'r' is required by op 'needs_r', but is not provided",
    ):
        g.execute_in_process()
    assert g.execute_in_process(resources={"r": 5}).output_for_node("needs_r") == 5


def test_graph_execute_in_process_with_op_selection() -> None:
    @graph
    def g():
        other()
        configured()

    result = g.execute_in_process(op_selection=["other"])
    assert [e.step_key for e in result.all_events if e.is_step_start] == ["other"]


@op
def one() -> int:
    return 1


@op
def plus_one(x: int) -> int:
    return x + 1


@graph
def counting():
    plus_one.alias("last")(plus_one(one()))


def _started(result: Any) -> list[str]:
    return [e.step_key for e in result.all_events if e.is_step_start]


def test_a_subset_job_selects_again_among_its_own_ops() -> None:
    subset = counting.to_job(op_selection=["one", "plus_one"])
    assert _started(subset.execute_in_process(op_selection=["*"])) == ["one", "plus_one"]
    assert _started(subset.execute_in_process(op_selection=["*plus_one"])) == ["one", "plus_one"]


def test_a_subset_job_cannot_select_an_op_it_left_out() -> None:
    subset = counting.to_job(op_selection=["one"])
    with pytest.raises(DagsterInvalidSubsetError, match='"last" matches nothing'):
        subset.execute_in_process(op_selection=["last"])


def test_config_for_an_unselected_op_is_allowed_without_its_inputs() -> None:
    @op(config_schema={"factor": int})
    def scaled(context, x: int) -> int:
        return x * context.op_config["factor"]

    @graph
    def scaling():
        scaled(one())

    run_config = {"ops": {"scaled": {"config": {"factor": 3}}}}
    result = scaling.to_job().execute_in_process(run_config=run_config, op_selection=["one"])
    assert _started(result) == ["one"]


def test_preset_from_files_runs(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("solids:\n  emit:\n    config:\n      n: 7\n")

    @pipeline(
        mode_defs=[ModeDefinition(resource_defs={"word": hardcoded_resource("file")})],
        preset_defs=[PresetDefinition.from_files("from_file", [str(tmp_path / "config.yaml")])],
    )
    def filed():
        emit()

    assert (
        execute_pipeline(filed, preset="from_file").result_for_solid("emit").output_value()
        == "file7"
    )


@pytest.mark.parametrize("tags", [["a"], {1: "a"}])
def test_tags_must_be_a_dict_with_string_keys(tags: Any) -> None:
    with pytest.raises(ParameterCheckError, match='Param "tags" is not a dict with string keys'):
        execute_pipeline(moded, preset="quick", tags=tags)
