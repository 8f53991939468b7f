"""make_values_resource: a resource whose value is its config."""

from __future__ import annotations

import pytest

from opbook import DagsterInvalidConfigError, job, make_values_resource, op


def run_with(resource_def, config):
    seen = {}

    @op(required_resource_keys={"values"})
    def reads(context) -> None:
        seen["values"] = context.resources.values

    @job(resource_defs={"values": resource_def})
    def values_job():
        reads()

    values_job.execute_in_process(run_config={"resources": {"values": {"config": config}}})
    return seen["values"]


def test_the_resource_is_the_config_given() -> None:
    resource_def = make_values_resource(my_str=str, my_int=int)
    assert run_with(resource_def, {"my_str": "a", "my_int": 1}) == {"my_str": "a", "my_int": 1}


def test_without_a_schema_any_config_is_accepted() -> None:
    assert run_with(make_values_resource(), ["any", {"thing": 1}]) == ["any", {"thing": 1}]


def test_config_is_checked_against_the_schema() -> None:
    with pytest.raises(DagsterInvalidConfigError, match="my_int"):
        run_with(make_values_resource(my_int=int), {"my_int": "one"})
