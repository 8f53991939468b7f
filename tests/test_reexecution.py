"""Re-execution: from a failure, of a step selection (every spelling), across instances, and
the clear errors when the parent run or its values cannot be found."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterExecutionStepNotFoundError,
    DagsterInstance,
    DagsterInvariantViolationError,
    DagsterRunNotFoundError,
    DynamicOut,
    DynamicOutput,
    Field,
    PipelineRunStatus,
    execute_pipeline,
    job,
    op,
    pipeline,
    reexecute_pipeline,
    reexecute_pipeline_iterator,
    solid,
)

FS = {"intermediate_storage": {"filesystem": {}}}


@solid
def a(_):
    return 1


@solid(config_schema={"fail": Field(bool, default_value=False)})
def b(context, x):
    if context.solid_config["fail"]:
        raise ValueError("b was told to fail")
    return x + 1


@solid
def c(_, x):
    return x * 10


@pipeline
def abc():
    c(b(a()))


def ran(result) -> list[str]:
    return [e.step_key for e in result.event_list if e.event_type_value == "STEP_START"]


@pytest.fixture
def instance():
    return DagsterInstance.ephemeral()


@pytest.fixture
def parent(instance):
    return execute_pipeline(abc, instance=instance)


def test_reexecution_from_failure_runs_only_the_failed_steps(instance):
    failing = {"solids": {"b": {"config": {"fail": True}}}}
    first = execute_pipeline(abc, run_config=failing, instance=instance, raise_on_error=False)
    assert not first.success and ran(first) == ["a", "b"]
    again = reexecute_pipeline(abc, first.run_id, instance=instance, from_failure=True)
    assert again.success
    assert ran(again) == ["b", "c"]
    assert again.result_for_solid("c").output_value() == 20
    assert again.result_for_solid("a").skipped  # vacuously: a has no events in this run
    run = instance.get_run(again.run_id)
    assert run.parent_run_id == first.run_id and run.root_run_id == first.run_id
    assert run.tags["dagster/parent_run_id"] == first.run_id
    assert run.step_keys_to_execute == ["b", "c"]


def test_from_failure_of_a_successful_run_is_refused(instance, parent):
    with pytest.raises(DagsterInvariantViolationError, match="no failure to re-execute from"):
        reexecute_pipeline(abc, parent.run_id, instance=instance, from_failure=True)


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (["b"], ["b"]),
        (["b.compute"], ["b"]),
        (["b+"], ["b", "c"]),
        (["b.compute+"], ["b", "c"]),
        (["*c"], ["a", "b", "c"]),
        (["*c.compute"], ["a", "b", "c"]),
        (["a", "c"], ["a", "c"]),
        (["a,c"], ["a", "c"]),
        (None, ["a", "b", "c"]),
    ],
)
def test_step_selection(instance, parent, selection, expected):
    child = reexecute_pipeline(abc, parent.run_id, step_selection=selection, instance=instance)
    assert ran(child) == expected
    assert child.result_for_solid("c").output_value() == 20 or "c" not in expected


def test_steps_outside_the_selection_are_loaded_from_the_parent(instance, parent):
    child = reexecute_pipeline(abc, parent.run_id, step_selection=["c"], instance=instance)
    loaded = [e for e in child.event_list if e.event_type_value == "LOADED_INPUT"]
    assert [(e.step_key, e.loaded_input_data.upstream_step_key) for e in loaded] == [("c", "b")]
    assert child.result_for_solid("c").output_value() == 20


def test_a_grandchild_loads_from_whichever_ancestor_ran_the_step(instance, parent):
    child = reexecute_pipeline(abc, parent.run_id, step_selection=["b"], instance=instance)
    grandchild = reexecute_pipeline(abc, child.run_id, step_selection=["c"], instance=instance)
    assert grandchild.result_for_solid("c").output_value() == 20
    assert instance.get_run(grandchild.run_id).root_run_id == parent.run_id


def test_an_unknown_step_is_named(instance, parent):
    with pytest.raises(DagsterExecutionStepNotFoundError, match="unknown step: nope"):
        reexecute_pipeline(abc, parent.run_id, step_selection=["nope"], instance=instance)
    with pytest.raises(DagsterExecutionStepNotFoundError, match="unknown step: nope"):
        reexecute_pipeline(abc, parent.run_id, step_selection=["*nope+"], instance=instance)


def test_an_unknown_parent_run_says_which_and_what_to_do(instance):
    with pytest.raises(DagsterRunNotFoundError, match="No parent run with id 123 found") as info:
        reexecute_pipeline(abc, "123", instance=instance)
    assert "instance=" in str(info.value)


def test_a_run_of_another_instance_is_not_found(parent):
    with pytest.raises(DagsterRunNotFoundError):
        reexecute_pipeline(abc, parent.run_id, instance=DagsterInstance.ephemeral())


def test_parent_values_that_are_gone_fail_before_anything_runs(instance, parent):
    instance.memory_values.delete_run(parent.run_id)
    runs_before = instance.get_runs_count()
    with pytest.raises(DagsterInvariantViolationError) as info:
        reexecute_pipeline(abc, parent.run_id, step_selection=["c"], instance=instance)
    message = str(info.value)
    assert 'input "x" of step "c"' in message and 'output "result" of step "b"' in message
    assert "no longer there" in message and "filesystem" in message
    assert instance.get_runs_count() == runs_before  # no run was recorded


def test_an_output_the_parent_never_produced_is_said_to_be_from_a_failed_step(instance):
    failing = {"solids": {"b": {"config": {"fail": True}}}}
    first = execute_pipeline(abc, run_config=failing, instance=instance, raise_on_error=False)

    with pytest.raises(DagsterInvariantViolationError) as info:
        reexecute_pipeline(abc, first.run_id, step_selection=["c"], instance=instance)

    message = str(info.value)
    assert f'output "result" of step "b", which run {first.run_id} did not produce' in message
    assert 'step "b" did not succeed there' in message
    assert "no longer there" not in message


@solid
def forget_parent(context):
    parent_run_id = context.get_tag("dagster/parent_run_id")
    context.instance.memory_values.delete_run(parent_run_id)


@solid
def uses_a(_, x, after):
    return x


@pipeline
def forgetful():
    uses_a(a(), forget_parent())


def test_a_parent_value_evicted_during_the_reexecution_is_named_with_the_fix(instance):
    parent = execute_pipeline(forgetful, instance=instance)
    with pytest.raises(DagsterInvariantViolationError) as info:
        reexecute_pipeline(
            forgetful, parent.run_id, step_selection=["forget_parent", "uses_a"], instance=instance
        )
    message = str(info.value)
    assert f'needs output "result" of step "a" from run {parent.run_id}' in message
    assert "no longer stored (in memory)" in message and "filesystem storage" in message


def test_values_kept_in_memory_are_gone_after_a_restart(tmp_path):
    first = DagsterInstance.local(str(tmp_path))
    parent = execute_pipeline(abc, instance=first)
    restarted = DagsterInstance.local(str(tmp_path))
    with pytest.raises(DagsterInvariantViolationError, match="in memory"):
        reexecute_pipeline(abc, parent.run_id, step_selection=["c"], instance=restarted)
    # the whole run can still be re-executed: it needs no stored value
    assert reexecute_pipeline(abc, parent.run_id, instance=restarted).success


def test_filesystem_storage_survives_a_restart(tmp_path):
    parent = execute_pipeline(abc, run_config=FS, instance=DagsterInstance.local(str(tmp_path)))
    restarted = DagsterInstance.local(str(tmp_path))
    child = reexecute_pipeline(
        abc, parent.run_id, run_config=FS, step_selection=["c"], instance=restarted
    )
    assert child.result_for_solid("c").output_value() == 20
    assert restarted.get_run(child.run_id).status == PipelineRunStatus.SUCCESS


def test_the_default_instance_needs_no_set_up(monkeypatch):
    monkeypatch.delenv("OPBOOK_HOME", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    parent = execute_pipeline(abc)
    child = reexecute_pipeline(abc, parent.run_id, step_selection=["c"])
    assert child.result_for_solid("c").output_value() == 20


def test_run_config_is_not_inherited(instance):
    failing = {"solids": {"b": {"config": {"fail": True}}}}
    first = execute_pipeline(abc, run_config=failing, instance=instance, raise_on_error=False)
    again = reexecute_pipeline(abc, first.run_id, instance=instance, raise_on_error=False)
    assert again.success  # b's failing config was not carried over


def test_the_iterator_yields_the_events(instance, parent):
    events = list(
        reexecute_pipeline_iterator(abc, parent.run_id, step_selection=["c"], instance=instance)
    )
    assert events[0].event_type_value == "PIPELINE_START"
    assert events[-1].event_type_value == "PIPELINE_SUCCESS"
    assert {e.step_key for e in events if e.step_key} == {"c"}


@op
def start() -> int:
    return 2


@op
def double(x: int) -> int:
    return x * 2


@job
def doubling():
    double(start())


def test_jobs_are_reexecuted_too(instance):
    parent = doubling.execute_in_process(instance=instance)
    child = reexecute_pipeline(
        doubling, parent.run_id, step_selection=["double"], instance=instance
    )
    assert ran(child) == ["double"]
    assert child.result_for_solid("double").output_value() == 4


# -- dynamic graphs: mapped steps ---------------------------------------------------------------


@op(out=DynamicOut())
def spread():
    for key in ("k1", "k2", "k3"):
        yield DynamicOutput(int(key[1]), mapping_key=key)


@op(config_schema={"fail_on": Field(int, default_value=0)})
def halve(context, x: int) -> float:
    if x == context.op_config["fail_on"]:
        raise ValueError(f"halve was told to fail on {x}")
    return x / 2


@op
def added(xs: list) -> float:
    return sum(xs)


@job
def mapped_job():
    added(spread().map(halve).collect())


def test_one_mapped_step_reexecutes_alone() -> None:
    instance = DagsterInstance.ephemeral()
    parent = mapped_job.execute_in_process(instance=instance)
    child = reexecute_pipeline(
        mapped_job, parent.run_id, instance=instance, step_selection=["halve[k2]"]
    )
    assert [e.step_key for e in child.event_list if e.event_type_value == "STEP_START"] == [
        "halve[k2]"
    ]
    assert child.result_for_solid("halve").output_value() == {"k2": 1.0}


def test_a_mapped_step_and_its_collect_reexecute_with_the_parents_items() -> None:
    instance = DagsterInstance.ephemeral()
    parent = mapped_job.execute_in_process(instance=instance)
    child = reexecute_pipeline(
        mapped_job, parent.run_id, instance=instance, step_selection=["halve[k3]*"]
    )
    assert child.output_for_solid("added") == 3.0


def test_a_failed_mapped_step_reexecutes_from_failure() -> None:
    instance = DagsterInstance.ephemeral()
    config = {"ops": {"halve": {"config": {"fail_on": 2}}}}
    parent = mapped_job.execute_in_process(
        run_config=config, instance=instance, raise_on_error=False
    )
    assert not parent.success
    child = reexecute_pipeline(mapped_job, parent.run_id, instance=instance, from_failure=True)
    started = [e.step_key for e in child.event_list if e.event_type_value == "STEP_START"]
    assert started == ["halve[k2]", "added"]
    assert child.output_for_solid("added") == 3.0


def test_an_unknown_mapping_key_is_an_unknown_step() -> None:
    instance = DagsterInstance.ephemeral()
    parent = mapped_job.execute_in_process(instance=instance)
    with pytest.raises(
        DagsterExecutionStepNotFoundError,
        match=r"Step selection refers to unknown step: halve\[k9\]",
    ):
        reexecute_pipeline(
            mapped_job, parent.run_id, instance=instance, step_selection=["halve[k9]"]
        )


def test_a_placeholder_needs_the_step_that_resolves_it() -> None:
    instance = DagsterInstance.ephemeral()
    parent = mapped_job.execute_in_process(instance=instance)
    with pytest.raises(
        DagsterInvariantViolationError,
        match=r'Unresolved ExecutionStep "halve\[\?\]" is resolved by "spread" which is not part',
    ):
        reexecute_pipeline(
            mapped_job, parent.run_id, instance=instance, step_selection=["halve[?]"]
        )
