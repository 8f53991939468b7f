"""A filesystem IO manager keyed by version only, as Dagster 0.13 ships for memoized runs.

``versioned_filesystem_io_manager`` pickles each output to
``<base_dir>/<step_key>/<output_name>/<version>`` (``base_dir`` defaulting to
``<instance storage>/versioned_outputs``), so a run finds what an earlier run of any job stored
under the same version.  ``fs_io_manager`` and a job's default manager are memoizable too
(``MemoizableIOManager`` lives with the other manager classes in ``io_manager.py``).
"""

from __future__ import annotations

import os
import pickle
from typing import Any

from opbook import config as cfg
from opbook.definitions.frozen import wraps
from opbook.definitions.io_manager import (
    IOManagerDefinition,
    MemoizableIOManager,
    _write_pickle,
)
from opbook.errors import DagsterInvariantViolationError


class VersionedPickledObjectFilesystemIOManager(MemoizableIOManager):
    """Pickles each output to ``<base_dir>/<step_key>/<output_name>/<version>``."""

    def __init__(self, base_dir: str | None = None) -> None:
        self.base_dir = base_dir or "."

    def _get_path(self, context: Any) -> str:
        version = context.version
        if not isinstance(version, str):
            raise DagsterInvariantViolationError(
                f'Output "{context.name}" of step "{context.step_key}" has no version: '
                "versioned_filesystem_io_manager stores the outputs of memoized runs only (give "
                "the job a version_strategy, or tag the run dagster/is_memoized_run)."
            )
        return os.path.join(self.base_dir, context.step_key, context.name, version)

    def handle_output(self, context: Any, obj: Any) -> None:
        path = self._get_path(context)
        context.log.debug(f"Writing file at: {path}")
        _write_pickle(path, obj)

    def load_input(self, context: Any) -> Any:
        path = self._get_path(context.upstream_output)
        context.log.debug(f"Loading file from: {path}")
        with open(path, "rb") as file:
            return pickle.load(file)

    def has_output(self, context: Any) -> bool:
        path = self._get_path(context)
        context.log.debug(f"Checking for file at: {path}")
        return os.path.isfile(path)


def _versioned_filesystem_io_manager(init_context: Any) -> MemoizableIOManager:
    base_dir = (init_context.resource_config or {}).get("base_dir")
    if base_dir is None:
        base_dir = os.path.join(init_context.instance.storage_directory, "versioned_outputs")
    return VersionedPickledObjectFilesystemIOManager(base_dir)


versioned_filesystem_io_manager = wraps(
    IOManagerDefinition(
        _versioned_filesystem_io_manager,
        config_schema={"base_dir": cfg.Field(cfg.StringSource, is_required=False)},
        description="Pickles each output of a memoized run to <base_dir>/<step_key>/<output>/"
        "<version>; base_dir defaults to versioned_outputs under the instance's storage.",
    ),
    __name__="versioned_filesystem_io_manager",
)
