"""opbook.core.test_utils: Dagster's test helpers, at the path Dagster users import them from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from opbook import (
    DagsterInstance,
    ModeDefinition,
    execute_pipeline,
    job,
    op,
    pipeline,
    reexecute_pipeline,
    solid,
)
from opbook.core.test_utils import default_mode_def_for_test, environ, instance_for_test
from opbook.errors import CheckError


def test_instance_for_test_yields_a_persistent_instance() -> None:
    with instance_for_test() as instance:
        assert isinstance(instance, DagsterInstance)
        assert instance.is_persistent


def test_instance_for_test_removes_its_directory_afterwards() -> None:
    with instance_for_test() as instance:
        root = instance.root_directory
        assert root is not None and os.path.isdir(root)
    assert not os.path.exists(root)


def test_instance_for_test_is_dagster_home_during_the_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DAGSTER_HOME", "/somewhere/else")
    with instance_for_test() as instance:
        assert os.environ["DAGSTER_HOME"] == instance.root_directory
        assert DagsterInstance.get().root_directory == instance.root_directory
    assert os.environ["DAGSTER_HOME"] == "/somewhere/else"


def test_instance_for_test_can_leave_dagster_home_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with instance_for_test(set_dagster_home=False):
        assert "DAGSTER_HOME" not in os.environ


def test_instance_for_test_uses_a_given_directory_and_keeps_it(tmp_path: Path) -> None:
    with instance_for_test(temp_dir=str(tmp_path)) as instance:
        assert instance.root_directory == os.path.realpath(tmp_path)
    assert tmp_path.is_dir()


def test_instance_for_test_overrides_are_the_instances_settings() -> None:
    overrides = {"python_logs": {"managed_python_loggers": ["my_logger"]}}
    with instance_for_test(overrides=overrides) as instance:
        assert instance.get_settings("python_logs") == {"managed_python_loggers": ["my_logger"]}
        assert instance.get_settings("telemetry") == {}


def test_instance_for_test_rejects_overrides_that_are_not_a_dict() -> None:
    with (
        pytest.raises(CheckError, match='Param "overrides" is not a dict'),
        instance_for_test(overrides=["python_logs"]),  # type: ignore[arg-type]
    ):
        pass


def test_instance_for_test_records_the_runs_made_on_it() -> None:
    @op
    def one() -> int:
        return 1

    @job
    def a_job() -> None:
        one()

    with instance_for_test() as instance:
        result = a_job.execute_in_process(instance=instance)
        assert instance.get_run_by_id(result.run_id) is not None


def test_environ_sets_variables_for_the_block_and_restores_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPBOOK_TEST_A", "before")
    monkeypatch.delenv("OPBOOK_TEST_B", raising=False)
    with environ({"OPBOOK_TEST_A": "during", "OPBOOK_TEST_B": "new"}):
        assert (os.environ["OPBOOK_TEST_A"], os.environ["OPBOOK_TEST_B"]) == ("during", "new")
    assert os.environ["OPBOOK_TEST_A"] == "before"
    assert "OPBOOK_TEST_B" not in os.environ


def test_environ_removes_a_variable_given_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPBOOK_TEST_A", "before")
    with environ({"OPBOOK_TEST_A": None}):
        assert "OPBOOK_TEST_A" not in os.environ
    assert os.environ["OPBOOK_TEST_A"] == "before"


def test_default_mode_def_for_test_stores_outputs_on_the_filesystem() -> None:
    assert isinstance(default_mode_def_for_test, ModeDefinition)
    assert default_mode_def_for_test.resource_defs["io_manager"].__name__ == "fs_io_manager"


def test_default_mode_def_for_test_lets_a_step_be_reexecuted() -> None:
    @solid
    def emit(_) -> int:
        return 2

    @solid
    def double(_, x: int) -> int:
        return x * 2

    @pipeline(mode_defs=[default_mode_def_for_test])
    def a_pipeline() -> None:
        double(emit())

    with instance_for_test() as instance:
        first = execute_pipeline(a_pipeline, instance=instance)
        again = reexecute_pipeline(
            a_pipeline, first.run_id, step_selection=["double"], instance=instance
        )
        assert again.result_for_solid("double").output_value() == 4
