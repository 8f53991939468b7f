"""Config mappings (``ConfigMapping``, ``@config_mapping``) on jobs and graphs, and a job's
default run config, checked when the job is defined."""

from __future__ import annotations

import enum
import re

import pytest

from opbook import (
    ConfigMapping,
    DagsterInvalidConfigError,
    Enum,
    Field,
    StringSource,
    config_mapping,
    graph,
    op,
)


class Size(enum.Enum):
    SMALL = 1
    LARGE = 2


@op(
    config_schema={
        "size": Field(Enum.from_python_enum(Size), is_required=False, default_value="SMALL")
    }
)
def sized(context) -> Size:
    return context.op_config["size"]


@graph
def sizing():
    sized()


@op(config_schema=str)
def echo(context) -> str:
    return context.op_config


@graph
def echoing():
    echo()


def test_bare_decorator_makes_a_mapping_of_any_config() -> None:
    @config_mapping
    def everything_large(_config):
        return {"ops": {"sized": {"config": {"size": "LARGE"}}}}

    assert isinstance(everything_large, ConfigMapping)
    job = sizing.to_job(config=everything_large)
    assert job.execute_in_process().output_for_node("sized") is Size.LARGE


def test_decorator_with_schema_maps_the_jobs_run_config() -> None:
    @config_mapping(config_schema={"word": str})
    def simplified(config):
        return {"ops": {"echo": {"config": config["word"]}}}

    job = echoing.to_job(config=simplified)
    result = job.execute_in_process(run_config={"word": "hello"})
    assert result.output_for_node("echo") == "hello"


def test_mapping_receives_processed_values_by_default() -> None:
    seen = []

    @config_mapping(config_schema={"size": Enum.from_python_enum(Size)})
    def mapped(config):
        seen.append(config["size"])
        return {}

    sizing.to_job(config=mapped).execute_in_process(run_config={"size": "LARGE"})
    assert seen == [Size.LARGE]


def test_mapping_can_receive_values_as_written_with_defaults() -> None:
    seen = []

    def mapped(config):
        seen.append(config["size"])
        return {"ops": {"sized": {"config": {"size": config["size"]}}}}

    mapping = ConfigMapping(
        mapped,
        {"size": Field(Enum.from_python_enum(Size), is_required=False, default_value="LARGE")},
        receive_processed_config_values=False,
    )
    result = sizing.to_job(config=mapping).execute_in_process()
    assert seen == ["LARGE"]
    assert result.output_for_node("sized") is Size.LARGE


def test_job_config_that_fails_the_mapping_schema_is_rejected() -> None:
    job = echoing.to_job(config=ConfigMapping(lambda c: {}, config_schema={"word": str}))
    with pytest.raises(DagsterInvalidConfigError, match='Error in config mapping of job "echoing"'):
        job.execute_in_process(run_config={"word": 3})


def test_default_run_config_is_checked_when_the_job_is_made() -> None:
    with pytest.raises(
        DagsterInvalidConfigError,
        match=re.escape("Error in config when building job 'my_job' from graph 'echoing' "),
    ):
        echoing.to_job(name="my_job", config={})


def test_a_bad_default_section_is_an_invalid_field_default_with_paths_from_the_section() -> None:
    with pytest.raises(DagsterInvalidConfigError) as info:
        echoing.to_job(config={"ops": {"echo": {"config": 3}, "nope": {}}})
    assert str(info.value).startswith("Invalid default_value for Field.")
    assert 'Received unexpected config entry "nope" at the root.' in str(info.value)


def test_default_run_config_naming_ops_and_solids_is_a_job_building_error() -> None:
    both = {"ops": {"echo": {"config": "a"}}, "solids": {"echo": {"config": "a"}}}
    with pytest.raises(
        DagsterInvalidConfigError,
        match=re.escape("Error in config when building job 'echoing' from graph 'echoing' "),
    ):
        echoing.to_job(config=both)


def test_default_run_config_reads_environment_variables_only_when_run(monkeypatch) -> None:
    @op(config_schema={"word": StringSource})
    def say(context) -> str:
        return context.op_config["word"]

    @graph
    def saying():
        say()

    monkeypatch.delenv("OPBOOK_TEST_WORD", raising=False)
    job = saying.to_job(config={"ops": {"say": {"config": {"word": {"env": "OPBOOK_TEST_WORD"}}}}})
    monkeypatch.setenv("OPBOOK_TEST_WORD", "hello")
    assert job.execute_in_process().output_for_node("say") == "hello"


def test_graph_mapping_producing_bad_node_config_names_the_top_level_graph() -> None:
    @graph(config=ConfigMapping(lambda _: "not a dict"))
    def broken():
        echo()

    with pytest.raises(
        DagsterInvalidConfigError,
        match=re.escape(
            "In pipeline 'broken', top level graph 'broken' has a configuration error."
        ),
    ):
        broken.execute_in_process()


def test_configured_graph_with_bad_config_names_the_graph() -> None:
    @graph(config=ConfigMapping(lambda outer: {"echo": {"config": outer}}, config_schema=str))
    def wrapped():
        echo()

    blah = wrapped.configured(lambda _: 2, name="blah")
    with pytest.raises(DagsterInvalidConfigError, match="Error in config for graph blah"):
        blah.execute_in_process()
