"""Jobs and pipelines: their tags (the graph's under their own, values kept as JSON text) and
the one-definition-per-name rule."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterInstance,
    DagsterInvalidDefinitionError,
    composite_solid,
    graph,
    lambda_solid,
    op,
    pipeline,
)


@op
def noop() -> None:
    pass


@graph(tags={"a": "x", "c": "q"})
def tagged_graph():
    noop()


def test_a_jobs_tags_are_its_graphs_under_its_own() -> None:
    job = tagged_graph.to_job(tags={"a": "y", "b": "z"})
    assert job.tags == {"a": "y", "b": "z", "c": "q"}
    instance = DagsterInstance.ephemeral()
    assert job.execute_in_process(instance=instance).success
    (run,) = instance.get_runs()
    assert run.tags == {"a": "y", "b": "z", "c": "q"}


def test_non_string_job_tags_are_kept_as_json() -> None:
    assert tagged_graph.to_job(tags={"n": {"k": 1}}).tags["n"] == '{"k": 1}'
    with pytest.raises(DagsterInvalidDefinitionError, match='Invalid value for tag "bad"'):
        tagged_graph.to_job(tags={"bad": tagged_graph})


def test_two_definitions_with_one_name_anywhere_in_a_pipeline_are_refused() -> None:
    @lambda_solid
    def inner():
        pass

    @composite_solid(name="same")
    def first():
        inner()

    @composite_solid(name="same")
    def second():
        inner()

    @composite_solid
    def wrapper():
        second()

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match='Detected conflicting node definitions with the same name "same"',
    ):

        @pipeline
        def _dupes():
            first()
            wrapper()
