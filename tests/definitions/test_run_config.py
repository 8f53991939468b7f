"""Run config for IO managers: each output's and each root input's manager config, validated at
``ops: {name: {outputs: {...}, inputs: {...}}}`` as Dagster 0.13 does."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterInvalidConfigError,
    In,
    IOManager,
    Out,
    io_manager,
    job,
    op,
    root_input_manager,
)

seen: dict[str, object] = {}


class _PathManager(IOManager):
    def handle_output(self, context, obj):
        seen["output"] = context.config

    def load_input(self, context):
        return None


@io_manager(output_config_schema={"path": str})
def path_manager(_init_context):
    return _PathManager()


@root_input_manager(input_config_schema={"table": str})
def table_reader(context):
    return f"rows of {context.config['table']}"


@op(out=Out(io_manager_key="paths"), ins={"rows": In(root_manager_key="tables")})
def copy(rows):
    seen["rows"] = rows
    return rows


@job(resource_defs={"paths": path_manager, "tables": table_reader})
def copy_job():
    copy()


GOOD = {
    "ops": {
        "copy": {"outputs": {"result": {"path": "/tmp/out"}}, "inputs": {"rows": {"table": "t"}}}
    }
}


def test_output_config_reaches_handle_output():
    copy_job.execute_in_process(run_config=GOOD)

    assert seen["output"] == {"path": "/tmp/out"}


def test_input_config_reaches_the_root_input_manager():
    copy_job.execute_in_process(run_config=GOOD)

    assert seen["rows"] == "rows of t"


def test_bad_output_config_is_reported_at_its_path():
    bad = {
        "ops": {"copy": {"outputs": {"result": {"pth": "x"}}, "inputs": {"rows": {"table": "t"}}}}
    }

    with pytest.raises(DagsterInvalidConfigError) as raised:
        copy_job.execute_in_process(run_config=bad)

    message = str(raised.value)
    assert 'Missing required config entry "path" at path root:ops:copy:outputs:result' in message
    assert 'Received unexpected config entry "pth" at path root:ops:copy:outputs:result' in message


def test_bad_input_config_is_reported_at_its_path():
    bad = {
        "ops": {"copy": {"outputs": {"result": {"path": "x"}}, "inputs": {"rows": {"table": 1}}}}
    }

    with pytest.raises(DagsterInvalidConfigError, match="root:ops:copy:inputs:rows:table"):
        copy_job.execute_in_process(run_config=bad)


def test_missing_output_config_is_required_when_the_schema_requires_it():
    with pytest.raises(DagsterInvalidConfigError, match='Missing required config entry "outputs"'):
        copy_job.execute_in_process(
            run_config={"ops": {"copy": {"inputs": {"rows": {"table": "t"}}}}}
        )
