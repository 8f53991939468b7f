"""Memoized runs: steps whose outputs are stored under their versions are not run."""

from __future__ import annotations

import os
import re

import pytest

from opbook import (
    MEMOIZED_RUN_TAG,
    DagsterInstance,
    DagsterInvariantViolationError,
    DynamicOut,
    DynamicOutput,
    IOManagerDefinition,
    MemoizableIOManager,
    ModeDefinition,
    ResourceDefinition,
    SourceHashVersionStrategy,
    VersionStrategy,
    execute_pipeline,
    io_manager,
    job,
    mem_io_manager,
    op,
    pipeline,
    reexecute_pipeline,
    solid,
)
from opbook.execution.step_status import StepStatus, step_statuses


class VersionedMemory(MemoizableIOManager):
    """Values by (step, output, version), as in Dagster's own memoization tests."""

    def __init__(self) -> None:
        self.values: dict = {}
        self.versions: list = []

    def _key(self, context):
        return (context.step_key, context.name, context.version)

    def handle_output(self, context, obj):
        self.versions.append(context.version)
        self.values[self._key(context)] = obj

    def load_input(self, context):
        return self.values[self._key(context.upstream_output)]

    def has_output(self, context):
        return self._key(context) in self.values


class Fixed(VersionStrategy):
    def get_solid_version(self, context):
        return "foo"


calls: list[str] = []


@solid(version="1")
def base(_):
    calls.append("base")
    return 4


def _pipeline(manager, tags=None, version="1"):
    @solid(version=version, name="double")
    def double_at(_, x):
        calls.append("double")
        return 2 * x

    @pipeline(
        mode_defs=[
            ModeDefinition(
                resource_defs={"io_manager": IOManagerDefinition.hardcoded_io_manager(manager)}
            )
        ],
        tags=tags if tags is not None else {MEMOIZED_RUN_TAG: "true"},
    )
    def memo():
        double_at(base())

    return memo


@pytest.fixture(autouse=True)
def _clear_calls():
    calls.clear()


def test_second_run_runs_no_step() -> None:
    memo = _pipeline(VersionedMemory())
    execute_pipeline(memo)
    result = execute_pipeline(memo)
    assert result.success
    assert result.step_event_list == []
    assert calls == ["base", "double"]


def test_changed_op_version_reruns_that_op_only() -> None:
    manager = VersionedMemory()
    execute_pipeline(_pipeline(manager))
    result = execute_pipeline(_pipeline(manager, version="2"))
    assert calls == ["base", "double", "double"]
    assert result.result_for_solid("double").output_value() == 8


def test_steps_not_run_are_reused_in_the_fold() -> None:
    manager = VersionedMemory()
    execute_pipeline(_pipeline(manager))
    result = execute_pipeline(_pipeline(manager, version="2"))
    assert step_statuses(result.event_list) == {
        "base": StepStatus.REUSED,
        "double": StepStatus.SUCCEEDED,
    }


def test_each_step_not_run_is_reported_by_an_engine_event() -> None:
    manager = VersionedMemory()
    execute_pipeline(_pipeline(manager))
    result = execute_pipeline(_pipeline(manager))
    assert [e.message for e in result.event_list if e.step_key == "base"] == [
        'Step "base" is not run: its outputs are stored under their current versions '
        "(memoized run)."
    ]


def test_output_context_carries_the_version() -> None:
    manager = VersionedMemory()
    result = execute_pipeline(_pipeline(manager))
    assert result.success
    assert len(manager.versions) == 2
    assert all(re.fullmatch("[0-9a-f]{40}", v) for v in manager.versions)


def test_output_context_has_no_version_outside_memoized_runs() -> None:
    manager = VersionedMemory()
    execute_pipeline(_pipeline(manager, tags={}))
    assert manager.versions == [None, None]


def test_memoized_tag_false_runs_every_step() -> None:
    manager = VersionedMemory()
    strategy_memo = _pipeline(manager)
    execute_pipeline(strategy_memo)
    execute_pipeline(strategy_memo, tags={MEMOIZED_RUN_TAG: "false"})
    assert calls == ["base", "double", "base", "double"]


def test_has_output_is_asked_before_handle_output_with_resources() -> None:
    log: list[str] = []

    @io_manager(required_resource_keys={"foo"})
    def checking(_):
        class Fake(MemoizableIOManager):
            def handle_output(self, context, obj):
                log.append("handle")
                assert context.resources.foo == "bar"

            def load_input(self, context):
                log.append("load")

            def has_output(self, context):
                log.append("has")
                assert context.resources.foo == "bar"
                return False

        return Fake()

    @solid(version="baz")
    def basic():
        pass

    @pipeline(
        mode_defs=[
            ModeDefinition(
                resource_defs={
                    "io_manager": checking,
                    "foo": ResourceDefinition.hardcoded_resource("bar"),
                }
            )
        ],
        tags={MEMOIZED_RUN_TAG: "true"},
    )
    def basic_pipeline():
        basic()

    execute_pipeline(basic_pipeline)
    assert log == ["has", "handle"]


def test_io_manager_that_is_not_memoizable_is_an_error() -> None:
    @op
    def one():
        return 1

    @job(version_strategy=Fixed(), resource_defs={"io_manager": mem_io_manager})
    def memjob():
        one()

    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape(
            "Job 'memjob' uses memoization, but IO manager 'io_manager' is not a "
            "MemoizableIOManager. In order to use memoization, all io managers need to subclass "
            "MemoizableIOManager."
        ),
    ):
        memjob.execute_in_process()


def test_dynamic_outputs_cannot_be_memoized() -> None:
    @op(out=DynamicOut())
    def emit():
        yield DynamicOutput(1, mapping_key="one")

    @op
    def echo(x):
        return x

    @job(version_strategy=Fixed())
    def dynamic():
        emit().map(echo)

    with pytest.raises(
        DagsterInvariantViolationError,
        match="Attempted to use memoization with dynamic orchestration, which is not yet supported",
    ):
        dynamic.execute_in_process()


def test_memoized_reexecution_of_a_selection_is_an_error() -> None:
    memo = _pipeline(VersionedMemory(), tags={})
    parent = execute_pipeline(memo)
    with pytest.raises(
        DagsterInvariantViolationError,
        match="Cannot use both memoization and re-execution at this time",
    ):
        reexecute_pipeline(
            memo, parent.run_id, step_selection=["double"], tags={MEMOIZED_RUN_TAG: "true"}
        )


def test_failed_memoization_check_leaves_no_run(tmp_path) -> None:
    instance = DagsterInstance.local(str(tmp_path))

    @op
    def one():
        return 1

    @job(version_strategy=Fixed(), resource_defs={"io_manager": mem_io_manager})
    def memjob():
        one()

    with pytest.raises(DagsterInvariantViolationError):
        memjob.execute_in_process(instance=instance)
    assert instance.get_runs() == []


def test_fs_default_manager_finds_outputs_across_runs(tmp_path) -> None:
    counted: list[int] = []

    @op
    def make():
        counted.append(1)
        return [1, 2]

    @op
    def total(values):
        return sum(values)

    @job(version_strategy=SourceHashVersionStrategy())
    def summed():
        total(make())

    instance = DagsterInstance.local(str(tmp_path))
    summed.execute_in_process(instance=instance)
    result = summed.execute_in_process(instance=DagsterInstance.local(str(tmp_path)))
    assert counted == [1]
    assert result.output_for_node("total") == 3


def test_fs_default_manager_stores_under_versioned_outputs(tmp_path) -> None:
    @op
    def make():
        return 1

    @job(version_strategy=Fixed())
    def made():
        make()

    instance = DagsterInstance.local(str(tmp_path))
    made.execute_in_process(instance=instance)
    root = os.path.join(instance.storage_directory, "versioned_outputs")
    (version,) = os.listdir(root)
    assert os.path.isfile(os.path.join(root, version, "make", "result"))
