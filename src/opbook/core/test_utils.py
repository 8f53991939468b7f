"""Helpers for testing jobs and pipelines, at Dagster's module path ``dagster.core.test_utils``.

A test suite written for Dagster imports these as
``from dagster.core.test_utils import instance_for_test``; with opbook it imports them from
``opbook.core.test_utils``:

- ``instance_for_test()``: a persistent instance in a temporary directory, which is also
  ``$DAGSTER_HOME`` while the ``with`` block runs, removed afterwards;
- ``environ({...})``: environment variables set for the block, restored afterwards;
- ``default_mode_def_for_test``: a mode whose ``io_manager`` is ``fs_io_manager``, so that
  outputs are stored in the instance's directory (re-execution can load them).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import Any

from opbook.definitions.io_manager import fs_io_manager
from opbook.definitions.mode import ModeDefinition
from opbook.errors import CheckError
from opbook.storage.instance import DagsterInstance

__all__ = ["default_mode_def_for_test", "environ", "instance_for_test"]

#: A mode whose IO manager pickles outputs under the instance's storage directory.
default_mode_def_for_test = ModeDefinition(resource_defs={"io_manager": fs_io_manager})


@contextmanager
def environ(env: Mapping[str, str | None]) -> Iterator[None]:
    """Set environment variables for the ``with`` block, then restore the previous values.

    Args:
        env: variable names to values; a value of None removes the variable for the block.
    """
    if not isinstance(env, Mapping):
        raise CheckError(f'Param "env" is not a dict. Got {env!r} which is type {type(env)}.')
    previous = {key: os.environ.get(key) for key in env}
    try:
        _apply(env)
        yield
    finally:
        _apply(previous)


def _apply(values: Mapping[str, str | None]) -> None:
    for key, value in values.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@contextmanager
def instance_for_test(
    overrides: Mapping[str, Any] | None = None,
    set_dagster_home: bool = True,
    temp_dir: str | None = None,
) -> Iterator[DagsterInstance]:
    """A persistent instance in a temporary directory, for the length of a ``with`` block.

    Runs, their events and filesystem-stored outputs go to that directory, which is removed
    when the block ends (unless it is ``temp_dir``, which the caller owns).

    Args:
        overrides: instance settings, as the keys of a ``dagster.yaml`` (for example
            ``{"python_logs": {"managed_python_loggers": ["my_logger"]}}``); the instance's
            ``get_settings(key)`` returns them.
        set_dagster_home: also point ``$DAGSTER_HOME`` at the directory for the block, so
            that code which opens the default instance opens this one.
        temp_dir: a directory to use instead of a new temporary one.
    """
    if overrides is not None and not isinstance(overrides, Mapping):
        raise CheckError(
            f'Param "overrides" is not a dict. Got {overrides!r} which is type {type(overrides)}.'
        )
    with ExitStack() as stack:
        if not temp_dir:
            temp_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="opbook-test-"))
        if set_dagster_home:
            stack.enter_context(environ({"DAGSTER_HOME": temp_dir, "OPBOOK_HOME": None}))
        instance = stack.enter_context(DagsterInstance.local(temp_dir))
        instance.settings = dict(overrides or {})
        yield instance
