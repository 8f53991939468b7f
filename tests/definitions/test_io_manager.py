"""IO manager definitions: decorators, built-in managers, and manager-key checks."""

from __future__ import annotations

import re

import pytest

from opbook import (
    In,
    InputDefinition,
    IOManagerDefinition,
    ModeDefinition,
    Out,
    OutputDefinition,
    RootInputManagerDefinition,
    fs_io_manager,
    io_manager,
    job,
    op,
    pipeline,
    root_input_manager,
    solid,
)
from opbook.errors import DagsterInvalidDefinitionError, DagsterInvalidSubsetError


def test_io_manager_decorator_keeps_its_schemas_and_version() -> None:
    @io_manager(config_schema={"a": int}, output_config_schema=str, version="1")
    def manager(_init_context):
        return None

    assert isinstance(manager, IOManagerDefinition)
    assert manager.version == "1"
    assert manager.output_config_schema is not None
    assert manager.input_config_schema is None


def test_a_configured_io_manager_stays_an_io_manager() -> None:
    assert isinstance(fs_io_manager.configured({"base_dir": "/tmp"}), IOManagerDefinition)


def test_root_input_manager_decorates_the_load_function() -> None:
    @root_input_manager
    def loader(context):
        return 1

    assert isinstance(loader, RootInputManagerDefinition)


def test_a_missing_io_manager_key_is_a_definition_error_in_dagsters_words() -> None:
    @op(out=Out(io_manager_key="missing"))
    def produce():
        return 1

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "IO manager key 'missing' is required by output 'result' of op 'produce', but is not "
            "provided. Provide a IO manager for key 'missing', or change 'missing' to one of the "
            "provided IO manager keys: ['io_manager']."
        ),
    ):

        @job
        def broken():
            produce()


def test_a_missing_root_manager_key_is_a_definition_error_in_dagsters_words() -> None:
    @op(ins={"x": In(root_manager_key="loader")})
    def consume(x):
        return x

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "root input manager key 'loader' is required by unsatisfied input 'x' of op "
            "'consume', but is not provided."
        ),
    ):

        @job
        def broken():
            consume()


def test_a_missing_io_manager_key_in_a_named_mode_names_the_mode() -> None:
    @solid(output_defs=[OutputDefinition(io_manager_key="missing")])
    def produce(_):
        return 1

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "IO manager key 'missing' is required by output 'result' of solid 'produce', but is "
            "not provided by mode 'test'. In mode 'test', provide a IO manager for key 'missing'"
        ),
    ):

        @pipeline(mode_defs=[ModeDefinition("test")])
        def broken():
            produce()


def test_jobs_get_the_default_io_manager() -> None:
    @op
    def one():
        return 1

    @job
    def plain():
        one()

    assert "io_manager" in plain.resource_defs


def test_a_connected_input_does_not_need_its_root_manager() -> None:
    @op
    def start() -> int:
        return 4

    @op(ins={"x": In(root_manager_key="loader")})
    def end(x):
        return x

    @job
    def connected():
        end(start())

    assert connected.execute_in_process().output_for_node("end") == 4


def test_a_subset_leaving_an_input_to_a_missing_root_manager_is_refused() -> None:
    @solid
    def start(_):
        return 4

    @solid(input_defs=[InputDefinition("x", root_manager_key="root_in")])
    def end(_, x):
        return x

    @pipeline
    def valid():
        end(start())

    with pytest.raises(
        DagsterInvalidSubsetError,
        match=re.escape(
            "The attempted subset ['end'] for pipeline valid results in an invalid pipeline: "
            "root input manager key 'root_in' is required by unsatisfied input 'x' of solid 'end'"
        ),
    ):
        valid.get_pipeline_subset_def({"end"})
