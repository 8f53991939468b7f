"""Jobs and pipelines: their tags (the graph's under their own, values kept as JSON text),
the one-definition-per-name rule, and what differs between the generations as values."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterInstance,
    DagsterInvalidDefinitionError,
    ModeDefinition,
    composite_solid,
    fs_io_manager,
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


def test_two_dagster_types_of_one_name_in_a_pipeline_are_refused() -> None:
    from opbook import DagsterType, InputDefinition, OutputDefinition

    succeeds = DagsterType(name="Foo", type_check_fn=lambda _, _value: True)
    fails = DagsterType(name="Foo", type_check_fn=lambda _, _value: False)

    @lambda_solid
    def emit():
        return 1

    @lambda_solid(
        input_defs=[InputDefinition("value", succeeds)], output_def=OutputDefinition(fails)
    )
    def passes_on(value):
        return value

    with pytest.raises(DagsterInvalidDefinitionError) as info:

        @pipeline
        def two_foos():
            passes_on(emit())

    assert str(info.value) == (
        'You have created two dagster types with the same name "Foo". '
        "Dagster types have must have unique names."
    )


def test_one_dagster_type_used_twice_in_a_pipeline_is_fine() -> None:
    from opbook import DagsterType, InputDefinition, OutputDefinition

    foo = DagsterType(name="Foo", type_check_fn=lambda _, _value: True)

    @lambda_solid(output_def=OutputDefinition(foo))
    def emit():
        return 1

    @lambda_solid(input_defs=[InputDefinition("value", foo)], output_def=OutputDefinition(foo))
    def passes_on(value):
        return value

    @pipeline
    def one_foo():
        passes_on(emit())

    assert one_foo.name == "one_foo"


def test_a_subset_cannot_be_subset_again() -> None:
    from opbook import DagsterInvariantViolationError

    @lambda_solid
    def return_one():
        return 1

    @lambda_solid
    def add_one(num):
        return num + 1

    @pipeline
    def two_chains():
        add_one.alias("add_one_a")(return_one.alias("return_one_a")())
        add_one.alias("add_one_b")(return_one.alias("return_one_b")())

    subset = two_chains.get_pipeline_subset_def({"add_one_a", "return_one_a"})
    with pytest.raises(
        DagsterInvariantViolationError, match=r"Pipeline subsets may not be subset again\."
    ):
        subset.get_pipeline_subset_def({"add_one_a"})


def test_what_differs_between_the_generations_is_a_value_of_the_definition() -> None:
    job = tagged_graph.to_job()

    @pipeline
    def legacy():
        noop()

    assert (job.target_type, job.node_section, job.selection_argument) == (
        "job",
        "ops",
        "op_selection",
    )
    assert (legacy.target_type, legacy.node_section, legacy.selection_argument) == (
        "pipeline",
        "solids",
        "solid_selection",
    )
    assert (job.takes_intermediate_storage, legacy.takes_intermediate_storage) == (False, True)


def test_a_job_stores_through_io_managers_and_a_pipeline_when_its_mode_has_one() -> None:
    job = tagged_graph.to_job()

    @pipeline(
        mode_defs=[ModeDefinition("plain"), ModeDefinition("io", {"io_manager": fs_io_manager})]
    )
    def legacy():
        noop()

    assert job.stores_through_io_managers(job.get_mode_definition())
    assert not legacy.stores_through_io_managers(legacy.get_mode_definition("plain"))
    assert legacy.stores_through_io_managers(legacy.get_mode_definition("io"))
