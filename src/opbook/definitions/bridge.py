"""Callables the execution layer lends to definitions.

Definitions are a lower layer than execution, yet Dagster's API puts a few execution entry
points on definitions (``job.execute_in_process()``, calling an op like a function).  The
execution layer installs its implementations here when ``opbook`` is imported, so definitions
never import execution code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from opbook.errors import DagsterInvariantViolationError


class EngineBridge:
    def __init__(self) -> None:
        self._impls: dict[str, Callable[..., Any]] = {}

    def install(self, name: str, impl: Callable[..., Any]) -> None:
        self._impls[name] = impl

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        impl = self._impls.get(name)
        if impl is None:
            # Definitions imported from their modules directly (not through ``opbook``) may be
            # used before the engine was loaded: load it now, by name, as ``opbook`` would.
            importlib.import_module("opbook._public")
            impl = self._impls.get(name)
        if impl is None:
            raise DagsterInvariantViolationError(f"The execution engine provides no {name!r}.")
        return impl(*args, **kwargs)


bridge = EngineBridge()
