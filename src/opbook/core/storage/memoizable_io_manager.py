"""``dagster.core.storage.memoizable_io_manager``: where Dagster 0.13's memoization docs and tests
take the versioned filesystem IO manager from; ``MemoizableIOManager`` is also top level."""

from __future__ import annotations

from opbook.definitions.io_manager import MemoizableIOManager
from opbook.definitions.memoizable_io_manager import (
    VersionedPickledObjectFilesystemIOManager,
    versioned_filesystem_io_manager,
)

__all__ = [
    "MemoizableIOManager",
    "VersionedPickledObjectFilesystemIOManager",
    "versioned_filesystem_io_manager",
]
