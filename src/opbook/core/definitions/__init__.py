"""``dagster.core.definitions``: what Dagster code imports from there that is not at the top
level (``HookExecutionResult``, also in ``opbook.core.definitions.events``)."""

from __future__ import annotations

from opbook.definitions.hook import HookExecutionResult

__all__ = ["HookExecutionResult"]
