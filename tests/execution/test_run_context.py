"""A run's facts are fixed; what changes while it goes is in its state."""

from __future__ import annotations

import dataclasses

import pytest

from opbook import DagsterInstance, job, op
from opbook.api import _request, prepare_run
from opbook.storage.memory import InMemoryValueStore
from opbook.storage.runs import PipelineRunStatus


@op
def one() -> int:
    return 1


@job
def one_job():
    one()


def _context():
    request = _request(one_job, None, None, None, None, None)
    return prepare_run(request, DagsterInstance.ephemeral(), raise_on_error=True)


def test_run_facts_cannot_be_changed() -> None:
    rc = _context()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rc.raise_on_error = False  # type: ignore[misc]


def test_run_record_is_read_from_the_state() -> None:
    rc = _context()
    started = rc.instance.update_run_status(rc.run, PipelineRunStatus.STARTED)
    rc.state.run = started
    assert rc.run is started
    assert rc.run_id == started.run_id


def test_moving_storage_records_the_run_and_uses_the_new_store() -> None:
    rc = _context()
    store = InMemoryValueStore()
    moved = dataclasses.replace(rc.run, storage_name="filesystem")
    rc.move_storage(moved, store)
    assert rc.value_store is store
    assert rc.instance.get_run_by_id(rc.run_id).storage_name == "filesystem"
