"""validate_run_config: a run config checked against a job or pipeline, returned resolved as plain
data, or every problem raised at once in a DagsterInvalidConfigError whose messages print the
expected config types; config fields are values (hashable, comparable)."""

from __future__ import annotations

import re

import pytest

from opbook import (
    DagsterInvalidConfigError,
    DagsterInvariantViolationError,
    Field,
    ModeDefinition,
    Noneable,
    Shape,
    composite_solid,
    job,
    op,
    pipeline,
    resource,
    solid,
    validate_run_config,
)
from opbook.config import type_to_string
from opbook.definitions.run_config import run_config_schema
from opbook.errors import ParameterCheckError


@op(config_schema={"n": int, "label": Field(str, default_value="x")})
def emit(context):
    return context.op_config


@op
def add(a: int, b: int) -> int:
    return a + b


@resource(config_schema={"url": str})
def api(init_context):
    return init_context.resource_config["url"]


@job(resource_defs={"api": api, "plain": 5})
def numbers():
    emit()
    add()


VALID = {
    "ops": {"emit": {"config": {"n": 1}}, "add": {"inputs": {"a": 1, "b": {"value": 2}}}},
    "resources": {"api": {"config": {"url": "http://x"}}},
}


def test_a_valid_config_comes_back_resolved() -> None:
    resolved = validate_run_config(numbers, VALID)
    assert resolved["ops"]["emit"] == {
        "config": {"n": 1, "label": "x"},
        "inputs": {},
        "outputs": [],
    }
    assert resolved["ops"]["add"]["inputs"] == {"a": 1, "b": {"value": 2}}
    assert resolved["resources"] == {
        "api": {"config": {"url": "http://x"}},
        "plain": {"config": None},
        "io_manager": {"config": None},  # a job's default IO manager, as in Dagster
    }
    assert resolved["execution"] == {"in_process": {"retries": {"enabled": {}}}}
    assert resolved["loggers"] == {"console": {"config": {"log_level": "INFO", "name": "dagster"}}}
    assert "intermediate_storage" not in resolved


def test_solids_section_is_accepted_for_a_job() -> None:
    resolved = validate_run_config(
        numbers, {"solids": VALID["ops"], "resources": VALID["resources"]}
    )
    assert resolved["ops"]["emit"]["config"]["n"] == 1


def test_every_problem_is_raised_at_once_with_printed_types() -> None:
    bad = {"ops": {"emit": {"config": {"n": "one"}}}, "bogus": 1}
    with pytest.raises(DagsterInvalidConfigError) as info:
        validate_run_config(numbers, bad)
    error = info.value
    assert error.preamble.startswith("Error in config for job numbers")
    paths = sorted(e.path for e in error.errors)
    assert paths == ["", "ops", "ops.emit.config.n"]
    expected = type_to_string(run_config_schema(numbers))
    unexpected = next(m for m in error.error_messages if "bogus" in m)
    assert unexpected == (
        f'Received unexpected config entry "bogus" at the root. Expected: "{expected}".'
    )
    assert 'Missing required config entry "add" at path root:ops.' in " ".join(error.error_messages)


def test_a_missing_entry_shows_a_sample() -> None:
    with pytest.raises(DagsterInvalidConfigError, match="Sample config for missing entry"):
        validate_run_config(numbers, {"ops": {"emit": {"config": {}}}})


def test_the_job_default_config_is_used_when_none_is_given() -> None:
    @job(config={"ops": {"emit": {"config": {"n": 7}}}})
    def defaulted():
        emit()

    assert validate_run_config(defaulted)["ops"]["emit"]["config"]["n"] == 7


@solid(config_schema=Noneable(int))
def maybe(context):
    return context.solid_config


@composite_solid
def wrapper():
    maybe()


@resource(config_schema={"name": str})
def named(init_context):
    return init_context.resource_config["name"]


@pipeline(
    mode_defs=[
        ModeDefinition("test", resource_defs={"thing": named}),
        ModeDefinition("prod", resource_defs={"thing": 1}),
    ]
)
def legacy():
    wrapper()


def test_pipelines_use_solids_handles_and_storage() -> None:
    resolved = validate_run_config(
        pipeline_def=legacy,
        run_config={"resources": {"thing": {"config": {"name": "n"}}}},
        mode="test",
    )
    assert resolved["solids"]["wrapper.maybe"]["config"] is None
    assert set(resolved["solids"]) == {"wrapper", "wrapper.maybe"}
    assert resolved["intermediate_storage"] == {"in_memory": {"config": {}}}
    assert resolved["resources"] == {"thing": {"config": {"name": "n"}}}


def test_the_mode_chooses_the_schema() -> None:
    assert validate_run_config(legacy, mode="prod")["resources"] == {"thing": {"config": None}}
    with pytest.raises(DagsterInvariantViolationError, match="has multiple modes"):
        validate_run_config(legacy)
    with pytest.raises(
        DagsterInvalidConfigError, match=re.escape("root:resources:thing:config:name")
    ):
        validate_run_config(legacy, {"resources": {"thing": {"config": {"name": 1}}}}, "test")


def test_a_definition_is_required() -> None:
    with pytest.raises(ParameterCheckError, match="needs a job"):
        validate_run_config(run_config={})


def test_config_fields_are_hashable_and_comparable() -> None:
    assert Field(int) == Field(int)
    assert hash(Field({"a": str})) == hash(Field({"a": str}))
    assert Field(int, default_value=1) != Field(int, default_value=2)
    assert Field(int, description="x") in {Field(int, description="x")}
    assert Shape({"a": Field(int)}) == Shape({"a": int})
    assert len({Field(str), Field(str), Field(int)}) == 2
