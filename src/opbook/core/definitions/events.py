"""``dagster.core.definitions.events``: ``HookExecutionResult``, which an ``event_list_hook``
returns; the events users yield (``Output``, ``AssetMaterialization``, ...) are imported
from ``opbook``."""

from __future__ import annotations

from opbook.definitions.hook import HookExecutionResult

__all__ = ["HookExecutionResult"]
