"""Step output versions, computed as Dagster 0.13 computes them."""

from __future__ import annotations

import hashlib
import re

import pytest

from opbook import (
    DagsterInvariantViolationError,
    DagsterType,
    In,
    VersionStrategy,
    dagster_type_loader,
    job,
    op,
    resource,
    root_input_manager,
)
from opbook.definitions.run_config import resolve_run_config
from opbook.events import StepOutputHandle
from opbook.plan.plan import build_plan
from opbook.plan.versions import (
    join_and_hash,
    resolve_config_version,
    resolve_step_output_versions,
)


class Fixed(VersionStrategy):
    def __init__(self, version: str = "foo") -> None:
        self.version = version

    def get_solid_version(self, context):
        return self.version

    def get_resource_version(self, context):
        return self.version


def _versions(job_def, run_config=None) -> dict:
    mode = job_def.get_mode_definition()
    resolved = resolve_run_config(job_def, mode, run_config or {})
    plan = build_plan(job_def, resolved)
    return resolve_step_output_versions(job_def, mode, resolved, plan)


@op(version="42")
def four():
    return 4


@op(version="5", config_schema={"factor": int})
def scale(context, x):
    return context.op_config["factor"] * x


def _chain(strategy=None):
    @job(version_strategy=strategy)
    def chain():
        scale(four())

    return chain


def test_join_and_hash_sorts_its_parts() -> None:
    assert join_and_hash("foo") == hashlib.sha1(b"foo").hexdigest()
    assert join_and_hash("foo", "bar") == hashlib.sha1(b"barfoo").hexdigest()
    assert join_and_hash("foo", None, "bar") is None


def test_resolve_config_version_ignores_key_order() -> None:
    assert resolve_config_version({"a": "b", "c": "d"}) == resolve_config_version(
        {"c": "d", "a": "b"}
    )
    assert resolve_config_version(None) == join_and_hash()
    assert resolve_config_version({"a": {"b": "c"}}) == join_and_hash(
        "a" + join_and_hash("b" + join_and_hash("c"))
    )


def test_output_version_hashes_name_with_step_version() -> None:
    versions = _versions(_chain(), {"ops": {"scale": {"config": {"factor": 2}}}})
    op_version = join_and_hash("42", resolve_config_version(None), join_and_hash())
    assert versions[StepOutputHandle("four", "result")] == join_and_hash(
        "result", join_and_hash(op_version)
    )


def test_config_change_changes_that_step_and_not_upstream() -> None:
    before = _versions(_chain(), {"ops": {"scale": {"config": {"factor": 2}}}})
    after = _versions(_chain(), {"ops": {"scale": {"config": {"factor": 3}}}})
    assert before[StepOutputHandle("four", "result")] == after[StepOutputHandle("four", "result")]
    assert before[StepOutputHandle("scale", "result")] != after[StepOutputHandle("scale", "result")]


def test_upstream_version_change_changes_downstream() -> None:
    @op(version="43")
    def four():
        return 4

    @job
    def chain():
        scale(four())

    config = {"ops": {"scale": {"config": {"factor": 2}}}}
    before, after = _versions(_chain(), config), _versions(chain, config)
    assert before[StepOutputHandle("scale", "result")] != after[StepOutputHandle("scale", "result")]


def test_op_without_version_or_strategy_is_an_error() -> None:
    @op
    def unversioned():
        return 1

    @job
    def j():
        unversioned()

    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape(
            "While using memoization, version for op 'unversioned' was None. Please either "
            "provide a versioning strategy for your job, or provide a version using the solid "
            "decorator."
        ),
    ):
        _versions(j)


def test_op_version_wins_over_the_strategy() -> None:
    config = {"ops": {"scale": {"config": {"factor": 2}}}}
    assert _versions(_chain(Fixed("a")), config) == _versions(_chain(Fixed("b")), config)


def test_invalid_version_string_is_an_error() -> None:
    @op
    def unversioned():
        return 1

    @job(version_strategy=Fixed("not valid!"))
    def j():
        unversioned()

    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape("'not valid!' is not a valid version string."),
    ):
        _versions(j)


def test_resource_config_changes_the_version() -> None:
    @resource(version="42", config_schema={"foo": str})
    def basic(_):
        return None

    @op(required_resource_keys={"r"}, version="39")
    def uses():
        return 1

    @job(resource_defs={"r": basic})
    def j():
        uses()

    bar = _versions(j, {"resources": {"r": {"config": {"foo": "bar"}}}})
    baz = _versions(j, {"resources": {"r": {"config": {"foo": "baz"}}}})
    assert bar != baz


def test_root_input_manager_without_version_is_an_error() -> None:
    @root_input_manager
    def loader(_):
        return 5

    @op(ins={"x": In(root_manager_key="loader")}, version="1")
    def takes(x):
        return x

    @job(resource_defs={"loader": loader})
    def j():
        takes()

    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape(
            "While using memoization, version for root input manager 'loader' was None."
        ),
    ):
        _versions(j)


def test_input_from_config_is_versioned_by_its_value() -> None:
    @op(version="1")
    def takes(x: int):
        return x

    @job
    def j():
        takes()

    one = _versions(j, {"ops": {"takes": {"inputs": {"x": 1}}}})
    two = _versions(j, {"ops": {"takes": {"inputs": {"x": 2}}}})
    assert one != two


def test_input_from_config_takes_its_loaders_version_when_the_loader_has_one() -> None:
    @dagster_type_loader(str, loader_version="7", external_version_fn=lambda path: "v1")
    def read(_context, path):
        return path

    Document = DagsterType(lambda _, value: True, name="Document", loader=read)

    @op(version="1", ins={"doc": In(Document)})
    def takes(doc):
        return doc

    @job
    def j():
        takes()

    one = _versions(j, {"ops": {"takes": {"inputs": {"doc": "a.txt"}}}})
    two = _versions(j, {"ops": {"takes": {"inputs": {"doc": "b.txt"}}}})
    assert one == two  # the same external version, whatever the path
