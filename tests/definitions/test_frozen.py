"""Definitions are frozen values: assigning to one raises, and every change is a new value."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError

import pytest

from opbook import (
    DagsterType,
    DependencyDefinition,
    ExecutorDefinition,
    GraphDefinition,
    In,
    InputDefinition,
    LoggerDefinition,
    ModeDefinition,
    MultiDependencyDefinition,
    Out,
    OutputDefinition,
    ResourceDefinition,
    failure_hook,
    graph,
    in_process_executor,
    job,
    op,
    pipeline,
    repository,
    resource,
    schedule,
    sensor,
    solid,
)
from opbook.definitions.frozen import replace, wraps


@op
def one():
    return 1


@op
def add_one(x):
    return x + 1


@graph
def chain():
    add_one(one())


@job
def chain_job():
    add_one(one())


@solid
def legacy():
    return 1


@pipeline
def legacy_pipeline():
    legacy()


@resource
def a_resource(_init_context):
    return "value"


@failure_hook
def a_hook(_context):
    pass


@schedule(cron_schedule="0 3 * * *", job=chain_job)
def nightly(_context):
    return {}


@sensor(job=chain_job)
def watching(_context):
    return None


@repository
def a_repository():
    return [chain_job, nightly, watching]


DEFINITIONS = [
    pytest.param(one, "name", id="op"),
    pytest.param(legacy, "description", id="solid"),
    pytest.param(chain, "name", id="graph"),
    pytest.param(chain_job, "name", id="job"),
    pytest.param(legacy_pipeline, "hook_defs", id="pipeline"),
    pytest.param(chain_job.mode_definitions[0], "resource_defs", id="mode"),
    pytest.param(a_resource, "config_field", id="resource"),
    pytest.param(LoggerDefinition(lambda _c: None), "logger_fn", id="logger"),
    pytest.param(in_process_executor, "name", id="executor"),
    pytest.param(InputDefinition("x", int), "dagster_type", id="input"),
    pytest.param(OutputDefinition(int), "name", id="output"),
    pytest.param(In(int), "description", id="In"),
    pytest.param(Out(int), "is_required", id="Out"),
    pytest.param(a_hook, "name", id="hook"),
    pytest.param(DagsterType(lambda _c, _v: True, name="Even"), "name", id="DagsterType"),
    pytest.param(nightly, "cron_schedule", id="schedule"),
    pytest.param(watching, "name", id="sensor"),
    pytest.param(a_repository, "name", id="repository"),
    pytest.param(
        MultiDependencyDefinition([DependencyDefinition("one")]), "dependencies", id="fan-in"
    ),
]


@pytest.mark.parametrize(("definition", "attribute"), DEFINITIONS)
def test_assigning_an_attribute_of_a_definition_raises(definition, attribute) -> None:
    before = getattr(definition, attribute)
    with pytest.raises(FrozenInstanceError):
        setattr(definition, attribute, "changed")
    assert getattr(definition, attribute) is before


def test_the_error_names_the_attribute_and_the_class() -> None:
    with pytest.raises(AttributeError, match=r"cannot assign to attribute 'name' of OpDefinition"):
        one.name = "two"


def test_deleting_an_attribute_raises() -> None:
    with pytest.raises(FrozenInstanceError, match="cannot delete attribute 'description'"):
        del one.description


def test_a_new_attribute_cannot_be_added_either() -> None:
    with pytest.raises(FrozenInstanceError):
        chain_job.cached_plan = object()


def test_a_subclass_is_frozen_only_once_its_own_init_is_done() -> None:
    class Labelled(ResourceDefinition):
        def __init__(self, label: str) -> None:
            super().__init__(lambda _c: label)
            self.label = label  # after the base's __init__: still construction

    labelled = Labelled("x")
    assert labelled.label == "x"
    with pytest.raises(FrozenInstanceError):
        labelled.label = "y"


def test_with_hooks_is_a_new_job_and_leaves_the_original_alone() -> None:
    hooked = chain_job.with_hooks({a_hook})
    assert hooked is not chain_job
    assert hooked.hook_defs == frozenset({a_hook})
    assert chain_job.hook_defs == frozenset()


def test_a_subset_is_a_new_job_that_knows_its_parent() -> None:
    subset = chain_job.get_job_def_for_op_selection(["one"])
    assert subset.solids_to_execute == frozenset({"one"})
    assert subset.parent_pipeline_def is chain_job
    assert chain_job.solids_to_execute is None


def test_replace_refuses_an_attribute_the_definition_does_not_have() -> None:
    with pytest.raises(TypeError, match=r"has no attribute\(s\) \['nmae'\]"):
        replace(chain_job, nmae="other")


def test_wraps_takes_only_identity_attributes() -> None:
    with pytest.raises(TypeError, match="'name' is not an identity attribute"):
        wraps(ModeDefinition(), name="other")


def test_a_decorated_definition_carries_its_functions_identity() -> None:
    assert (chain_job.__name__, chain_job.__module__) == ("chain_job", __name__)
    assert one.__name__ == "one"
    assert nightly.__wrapped__.__name__ == "nightly"  # as functools.update_wrapper gives


def test_definitions_survive_pickle_and_copy_and_stay_frozen() -> None:
    cloudpickle = pytest.importorskip("cloudpickle")  # how definitions reach worker processes
    for definition in (InputDefinition("x", int), ExecutorDefinition("e"), one):
        pickled = pickle.loads(cloudpickle.dumps(definition))
        for clone in (pickled, copy.copy(definition)):
            assert clone.name == definition.name
            with pytest.raises(FrozenInstanceError):
                clone.name = "other"


def test_a_graph_made_from_dependencies_is_frozen() -> None:
    built = GraphDefinition("built", node_defs=[one])
    with pytest.raises(FrozenInstanceError):
        built.description = "changed"
