"""reconstructable(): which targets are accepted (and what the refusals say), and what a
ReconstructablePipeline can do."""

from __future__ import annotations

import re
import sys
import textwrap
import types

import pytest

from opbook import (
    DagsterInvariantViolationError,
    ReconstructablePipeline,
    execute_pipeline,
    graph,
    job,
    lambda_solid,
    op,
    pipeline,
    reconstructable,
)
from opbook.definitions.reconstructable import pointer_for


@lambda_solid
def the_solid():
    return 1


@lambda_solid
def plus_one(x):
    return x + 1


@pipeline
def the_pipeline():
    plus_one(the_solid())


def get_the_pipeline():
    return the_pipeline


def not_a_pipeline():
    return 42


def needs_an_argument(x):
    return the_pipeline


@op
def the_op() -> int:
    return 2


@job
def the_job():
    the_op()


def make_job(n: int):
    @job(name=f"made_{n}")
    def made():
        the_op()

    return made


made_3 = make_job(3)


@graph
def the_graph():
    the_op()


graph_job = the_graph.to_job()


def test_a_decorated_pipeline_at_module_scope():
    recon = reconstructable(the_pipeline)
    assert isinstance(recon, ReconstructablePipeline)
    assert recon.pipeline_name == "the_pipeline"
    assert recon.get_definition() is the_pipeline
    assert recon.pointer.fn_name == "the_pipeline"


def test_a_function_returning_a_pipeline_and_a_job():
    assert reconstructable(get_the_pipeline).get_definition() is the_pipeline
    assert reconstructable(the_job).get_definition() is the_job


def test_reconstructable_pipelines_run():
    result = execute_pipeline(reconstructable(the_pipeline))
    assert result.success and result.result_for_solid("plus_one").output_value() == 2


def test_a_lambda_is_refused():
    with pytest.raises(DagsterInvariantViolationError, match="can not be a lambda"):
        reconstructable(lambda: the_pipeline)


def test_a_nested_function_is_refused():
    def nested():
        return the_pipeline

    with pytest.raises(DagsterInvariantViolationError) as info:
        reconstructable(nested)
    assert 'different __qualname__ "test_a_nested_function_is_refused.<locals>.nested"' in str(
        info.value
    )
    assert "not defined at module scope" in str(info.value)


def test_a_job_made_in_a_factory_and_kept_at_module_scope_is_found():
    recon = reconstructable(made_3)
    assert recon.pointer.fn_name == "made_3"
    assert recon.get_definition() is made_3


def test_a_job_made_in_a_factory_and_not_kept_is_refused():
    with pytest.raises(DagsterInvariantViolationError, match="not defined at module scope"):
        reconstructable(make_job(4))


def test_other_objects_are_refused():
    with pytest.raises(DagsterInvariantViolationError, match="should be a function or definition"):
        reconstructable(42)
    with pytest.raises(
        DagsterInvariantViolationError,
        match="you must wrap the ``to_job`` call in a function at module scope",
    ):
        reconstructable(graph_job)


def test_interactive_definitions_are_refused():
    notebook = types.ModuleType("notebook_cell")  # like __main__ in IPython: no __file__
    sys.modules["notebook_cell"] = notebook
    try:
        exec(
            textwrap.dedent(
                """
                from opbook import job, op

                @op
                def cell_op():
                    return 1

                @job
                def cell_job():
                    cell_op()
                """
            ),
            notebook.__dict__,
        )
        with pytest.raises(DagsterInvariantViolationError) as info:
            reconstructable(notebook.cell_job)
    finally:
        del sys.modules["notebook_cell"]
    assert "interactive environments" in str(info.value)
    assert "Jupyter notebooks" in str(info.value) and "cloudpickle" in str(info.value)


def test_bad_functions_fail_when_reconstructed():
    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape(
            "Loadable attributes must be either a JobDefinition, GraphDefinition, "
            "PipelineDefinition, or a RepositoryDefinition. Got 42."
        ),
    ):
        reconstructable(not_a_pipeline)
    with pytest.raises(DagsterInvariantViolationError, match="callable with no arguments"):
        reconstructable(needs_an_argument)


def test_for_module_and_for_file():
    module = sys.modules[__name__]
    by_module = ReconstructablePipeline.for_module(__name__, "the_job")
    assert by_module.get_definition() is the_job
    by_file = ReconstructablePipeline.for_file(module.__file__, "get_the_pipeline")
    assert by_file.pipeline_name == "the_pipeline"
    assert by_file.get_definition().name == "the_pipeline"
    assert "get_the_pipeline" in by_file.describe()


def test_subsets():
    recon = reconstructable(the_pipeline)
    subset = recon.subset_for_execution(["plus_one"])
    assert subset.solids_to_execute == frozenset({"plus_one"})
    assert subset.solid_selection == ["plus_one"]
    assert subset.get_definition().solids_to_execute == frozenset({"plus_one"})
    upstream = recon.subset_for_execution(["*plus_one"])
    assert upstream.solids_to_execute == frozenset({"the_solid", "plus_one"})
    same = recon.subset_for_execution_from_existing_pipeline(frozenset({"the_solid"}))
    assert same.get_definition().solids_to_execute == frozenset({"the_solid"})


def test_to_dict_and_back():
    recon = reconstructable(the_pipeline).subset_for_execution(["plus_one"])
    data = recon.to_dict()
    assert ReconstructablePipeline.from_dict(data) == recon
    assert isinstance(recon.get_origin_id(), str) and len(recon.get_origin_id()) == 40
    with pytest.raises(DagsterInvariantViolationError, match="not a ReconstructablePipeline"):
        ReconstructablePipeline.from_dict({"x": 1})


def test_pointers_for_shipping_definitions_to_other_processes():
    assert pointer_for(the_job).pointer.fn_name == "the_job"
    subset = the_pipeline.get_pipeline_subset_def({"the_solid"})
    assert pointer_for(subset).solids_to_execute == frozenset({"the_solid"})
    assert pointer_for(make_job(5)) is None  # not at module scope: sent by value instead
