"""A pytest plugin for mutation runs only (scripts/mutation.sh loads it): each test starts with
empty derived-data caches on every job.

A job keeps its plans, run config schemas and resolved empty configs (and, through its plans,
the texts of step events) for the next run.  Within a test that is the behaviour under test; across
tests it means only the first test to run a module-level job reaches the planner and the
validator for it.  mutmut maps each mutated function to the tests that reach it and runs only
those, so without this a mutant in the planner would be tried against one test when a dozen
would catch it.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from opbook.definitions.job import PipelineDefinition

_jobs: weakref.WeakSet[PipelineDefinition] = weakref.WeakSet()
_cache = PipelineDefinition.cache


def _tracked_cache(self: PipelineDefinition, name: str) -> dict[Any, Any]:
    _jobs.add(self)
    return _cache(self, name)


PipelineDefinition.cache = _tracked_cache  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _fresh_job_caches() -> Iterator[None]:
    for job in list(_jobs):
        job._caches.clear()
    yield
