"""Version strategies: what a job keeps, and how the source-hash strategy versions ops."""

from __future__ import annotations

import hashlib
import inspect

import pytest

from opbook import (
    MEMOIZED_RUN_TAG,
    SourceHashVersionStrategy,
    VersionStrategy,
    graph,
    job,
    op,
    pipeline,
    resource,
    solid,
)
from opbook.definitions.version_strategy import OpVersionContext, ResourceVersionContext
from opbook.errors import CheckError


class Fixed(VersionStrategy):
    def get_solid_version(self, context):
        return "fixed"


@op
def emit():
    return 1


def test_job_keeps_its_version_strategy() -> None:
    strategy = Fixed()

    @job(version_strategy=strategy)
    def versioned():
        emit()

    assert versioned.version_strategy is strategy


def test_to_job_keeps_its_version_strategy() -> None:
    @graph
    def g():
        emit()

    strategy = Fixed()
    assert g.to_job(version_strategy=strategy).version_strategy is strategy


def test_pipeline_keeps_its_version_strategy() -> None:
    @solid
    def s():
        return 1

    strategy = Fixed()

    @pipeline(version_strategy=strategy)
    def p():
        s()

    assert p.version_strategy is strategy


def test_version_strategy_must_be_a_version_strategy() -> None:
    with pytest.raises(CheckError, match='Param "version_strategy" is not a VersionStrategy'):

        @job(version_strategy="source")  # type: ignore[arg-type]
        def bad():
            emit()


def test_a_job_with_a_strategy_is_memoized_unless_the_tag_says_false() -> None:
    @job(version_strategy=Fixed())
    def versioned():
        emit()

    assert versioned.is_using_memoization({})
    assert not versioned.is_using_memoization({MEMOIZED_RUN_TAG: "false"})


def test_the_memoized_tag_makes_a_job_without_strategy_memoized() -> None:
    @job
    def plain():
        emit()

    assert not plain.is_using_memoization({})
    assert plain.is_using_memoization({MEMOIZED_RUN_TAG: "true"})


def test_get_op_version_defaults_to_get_solid_version() -> None:
    assert Fixed().get_op_version(OpVersionContext(emit, None)) == "fixed"


def test_source_hash_of_an_op_is_the_sha1_of_its_source() -> None:
    expected = hashlib.sha1(inspect.getsource(emit.compute_fn).encode("utf-8")).hexdigest()
    assert SourceHashVersionStrategy().get_op_version(OpVersionContext(emit, None)) == expected


def test_source_hash_of_a_resource_is_the_sha1_of_its_function() -> None:
    @resource
    def thing(_):
        return 3

    source = inspect.getsource(thing.resource_fn).encode("utf-8")
    version = SourceHashVersionStrategy().get_resource_version(ResourceVersionContext(thing, None))
    assert version == hashlib.sha1(source).hexdigest()


def test_source_hash_of_a_function_without_source_uses_its_code() -> None:
    namespace: dict = {}
    exec("def made():\n    return 1\n", namespace)
    first = SourceHashVersionStrategy()._get_source_hash(namespace["made"])
    exec("def made():\n    return 2\n", namespace)
    assert SourceHashVersionStrategy()._get_source_hash(namespace["made"]) != first
