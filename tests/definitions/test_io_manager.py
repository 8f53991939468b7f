"""IO manager definitions: decorators, built-in managers, and manager-key checks."""

from __future__ import annotations

import pytest

from opbook import (
    In,
    IOManagerDefinition,
    Out,
    RootInputManagerDefinition,
    fs_io_manager,
    io_manager,
    job,
    op,
    root_input_manager,
)
from opbook.errors import DagsterInvalidDefinitionError


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
        match='Output "result" for op \'produce\' requires io_manager_key "missing", but no '
        "resource has been provided",
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
        match="Input 'x' for op 'consume' requires root_manager_key 'loader', but no resource",
    ):

        @job
        def broken():
            consume()


def test_jobs_get_the_default_io_manager() -> None:
    @op
    def one():
        return 1

    @job
    def plain():
        one()

    assert "io_manager" in plain.resource_defs
