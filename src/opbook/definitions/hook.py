"""Hooks: functions run after a step, on success or on failure.

A hook never fails its step or its run: if it raises, the run records a HOOK_ERRORED event and
goes on.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from opbook.errors import DagsterInvalidDefinitionError

SUCCESS = "success"
FAILURE = "failure"
ALWAYS = "always"


@dataclass(frozen=True, eq=False)
class HookDefinition:
    """A hook: ``hook_fn(context, event_list)`` decides itself whether to run.

    ``trigger`` says which step outcome runs the function: ``"success"``, ``"failure"`` or
    ``"always"`` (for hooks built from ``event_list_hook``).
    """

    name: str
    hook_fn: Callable[..., Any]
    required_resource_keys: frozenset[str] = field(default_factory=frozenset)
    trigger: str = ALWAYS
    decorated_fn: Callable[..., Any] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the hook's function directly (for tests): ``my_hook(build_hook_context())``."""
        fn = self.decorated_fn or self.hook_fn
        return fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<HookDefinition {self.name!r} ({self.trigger})>"


def _hook_decorator(trigger: str, decorator_name: str) -> Callable[..., Any]:
    def make(name: Any = None, required_resource_keys: Iterable[str] | None = None) -> Any:
        if callable(name) and not isinstance(name, str):
            return make()(name)

        def wrap(fn: Callable[..., Any]) -> HookDefinition:
            params = list(inspect.signature(fn).parameters)
            if not params or params[0] not in ("context", "_context", "_"):
                raise DagsterInvalidDefinitionError(
                    f"@{decorator_name} '{fn.__name__}' decorated function does not have required "
                    "positional parameter 'context'. Hook functions should only have a positional "
                    "parameter 'context'."
                )
            return HookDefinition(
                name=name or fn.__name__,
                hook_fn=fn,
                required_resource_keys=frozenset(required_resource_keys or ()),
                trigger=trigger,
                decorated_fn=fn,
            )

        return wrap

    return make


success_hook = _hook_decorator(SUCCESS, "success_hook")
failure_hook = _hook_decorator(FAILURE, "failure_hook")
event_list_hook = _hook_decorator(ALWAYS, "event_list_hook")
