"""``@repository``: what it holds, lazy definitions, custom ``RepositoryData``, and Dagster's
definition errors."""

from __future__ import annotations

import re

import pytest

from opbook import (
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    JobDefinition,
    PipelineDefinition,
    RepositoryData,
    graph,
    job,
    op,
    pipeline,
    repository,
    sensor,
    solid,
)
from opbook.errors import CheckError


@op
def one():
    return 1


@job
def first():
    one()


@job
def second():
    one()


@pipeline
def legacy():
    one()


def test_a_list_repository_holds_its_jobs_and_pipelines_by_name():
    @repository
    def repo():
        return [second, legacy, first]

    assert repo.name == "repo"
    assert repo.pipeline_names == ["legacy", "second", "first"]
    assert [j.name for j in repo.get_all_jobs()] == ["first", "second"]
    assert repo.get_job("first") is first
    assert repo.get_pipeline("legacy") is legacy
    assert repo.has_job("second") and not repo.has_job("legacy") and repo.has_pipeline("legacy")


def test_name_and_description_may_be_given():
    @repository(name="prod", description="the jobs we run")
    def repo():
        return [first]

    assert (repo.name, repo.description) == ("prod", "the jobs we run")
    assert repo() is repo


def test_a_graph_in_a_repository_becomes_a_job():
    @graph
    def bare():
        one()

    @repository
    def repo():
        return [bare]

    assert isinstance(repo.get_job("bare"), JobDefinition)


def test_a_graph_that_needs_resources_cannot_be_coerced_to_a_job():
    @op(required_resource_keys={"db"})
    def needy():
        pass

    @graph
    def bare():
        needy()

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape("Failed attempting to coerce Graph bare in to a Job. Use to_job instead"),
    ):

        @repository
        def _repo():
            return [bare]


def test_a_sensors_job_joins_the_repository():
    @sensor(job=first)
    def watch():
        pass

    @repository
    def repo():
        return [watch]

    assert repo.job_names == ["first"]
    assert repo.get_sensor_def("watch") is watch
    assert repo.has_sensor_def("watch") and [s.name for s in repo.sensor_defs] == ["watch"]


def test_a_sensor_naming_a_pipeline_the_repository_lacks_is_refused():
    @sensor(pipeline_name="foo")
    def foo_sensor(_):
        pass

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            'SensorDefinition "foo_sensor" targets job/pipeline "foo" which was not found in '
            "this repository."
        ),
    ):

        @repository
        def _repo():
            return [foo_sensor]


def test_dict_definitions_are_made_when_first_asked_for_and_kept():
    made = []

    def make_first():
        made.append("first")
        return first

    @repository
    def repo():
        return {"jobs": {"first": make_first, "second": second}}

    assert made == []
    assert repo.get_job("first") is repo.get_job("first") is first
    assert made == ["first"]


def test_a_dict_definition_must_carry_its_key_as_its_name():
    @repository
    def repo():
        return {"pipelines": {"foo": lambda: legacy}}

    with pytest.raises(CheckError, match="name in PipelineDefinition does not match: got 'legacy'"):
        repo.get_pipeline("foo")


def test_a_pipeline_mapped_under_jobs_is_refused():
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "Object mapped to legacy is not an instance of JobDefinition or GraphDefinition."
        ),
    ):

        @repository
        def _repo():
            return {"jobs": {"legacy": legacy}}


def test_unknown_dict_keys_are_named():
    with pytest.raises(DagsterInvalidDefinitionError, match="found 'assets'"):

        @repository
        def _repo():
            return {"jobs": {}, "assets": {}}


def test_something_else_in_the_list_is_named_with_its_index():
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=r"all elements of list must be of type .* Got value of type <class 'str'> at index 1\.",
    ):

        @repository
        def _repo():
            return [first, "not-a-job"]


def test_a_function_returning_something_else_is_refused():
    with pytest.raises(
        DagsterInvalidDefinitionError, match="must return list, dict, or RepositoryData"
    ):

        @repository
        def _repo():
            return first


def test_two_jobs_of_one_name_are_refused():
    @job(name="first")
    def other():
        one()

    with pytest.raises(
        DagsterInvalidDefinitionError, match="Duplicate job definition found for job 'first'"
    ):

        @repository
        def _repo():
            return [first, other]


def test_a_job_and_a_graph_of_one_name_are_refused():
    @graph
    def foo():
        pass

    with pytest.raises(
        DagsterInvalidDefinitionError, match="Duplicate job definition found for graph 'foo'"
    ):

        @repository
        def _repo():
            return [foo.to_job(name="foo"), foo]


def test_two_ops_of_one_name_in_two_jobs_are_refused_when_the_jobs_are_made():
    @solid(name="same")
    def noop(_):
        pass

    @solid(name="same")
    def noop2(_):
        pass

    @repository
    def repo():
        return {
            "pipelines": {
                "a": lambda: PipelineDefinition(name="a", solid_defs=[noop]),
                "b": lambda: PipelineDefinition(name="b", solid_defs=[noop2]),
            }
        }

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "Conflicting definitions found in repository with name 'same'. Op/Graph/Solid "
            "definition names must be unique within a repository. SolidDefinition is defined in "
            "pipeline 'a' and in pipeline 'b'."
        ),
    ):
        repo.get_all_pipelines()


def test_a_missing_job_is_named_with_those_found():
    @repository
    def repo():
        return [first, legacy]

    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape("Could not find job 'legacy'. Found: 'first'."),
    ):
        repo.get_job("legacy")


def test_a_custom_repository_data_answers_for_the_repository():
    class Generated(RepositoryData):
        def get_all_pipelines(self):
            return [first, legacy]

    @repository
    def repo():
        return Generated()

    assert repo.pipeline_names == ["first", "legacy"]
    assert repo.job_names == ["first"]
    assert repo.schedule_defs == [] and repo.sensor_defs == [] and repo.partition_set_defs == []
    with pytest.raises(
        DagsterInvariantViolationError, match="Could not find job nope in repository"
    ):
        repo.get_job("nope")


class _Schedule:
    """A stand-in for a schedule: repositories know schedules by their declared kind."""

    _repository_kind = "schedule"

    def __init__(self, name, pipeline_name):
        self.name = name
        self.pipeline_name = pipeline_name

    def has_loadable_target(self):
        return False


def test_a_schedule_is_known_by_its_declared_kind_and_checked_against_the_jobs():
    @repository
    def repo():
        return [first, _Schedule("hourly", "first")]

    assert repo.get_schedule_def("hourly").name == "hourly" and repo.has_schedule_def("hourly")
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match='ScheduleDefinition "daily" targets job/pipeline "nope" which was not found',
    ):

        @repository
        def _repo():
            return [first, _Schedule("daily", "nope")]


def test_a_sensor_and_a_schedule_of_one_name_are_refused():
    @sensor(job=first)
    def hourly():
        pass

    with pytest.raises(
        DagsterInvalidDefinitionError, match="Duplicate definition found for hourly"
    ):

        @repository
        def _repo():
            return [hourly, _Schedule("hourly", "first")]


def test_a_repository_holds_schedules_partition_sets_and_partitioned_jobs():
    from opbook import (
        PartitionSetDefinition,
        ScheduleDefinition,
        daily_partitioned_config,
        job,
        op,
        repository,
    )

    @op(config_schema={"date": str})
    def stamp(context) -> str:
        return context.op_config["date"]

    @daily_partitioned_config(start_date="2021-01-01")
    def by_day(start, _end):
        return {"ops": {"stamp": {"config": {"date": start.strftime("%Y-%m-%d")}}}}

    @job(config=by_day)
    def daily():
        stamp()

    @job
    def plain():
        stamp()

    nightly = ScheduleDefinition(job=plain, cron_schedule="0 3 * * *")
    letters = PartitionSetDefinition(
        name="letters", pipeline_name="plain", partition_fn=lambda: ["a", "b"]
    )

    @repository
    def project():
        return [daily, plain, nightly, letters]

    assert [s.name for s in project.schedule_defs] == ["plain_schedule"]
    assert project.get_schedule_def("plain_schedule") is nightly
    assert {p.name for p in project.partition_set_defs} >= {"letters"}
    assert (
        project.get_job("daily")
        .execute_in_process(partition_key="2021-01-02")
        .output_for_node("stamp")
        == "2021-01-02"
    )
