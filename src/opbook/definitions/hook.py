"""Hooks: functions run after a step, on success or on failure.

A hook never fails its step or its run: if it raises, the run records a HOOK_ERRORED event and
goes on.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, runtime_checkable

from opbook.definitions.engine import engine
from opbook.definitions.frozen import wraps
from opbook.errors import DagsterInvalidDefinitionError

SUCCESS = "success"
FAILURE = "failure"
ALWAYS = "always"
_HOOK_IDENTITY = functools.WRAPPER_ASSIGNMENTS


@runtime_checkable
class HookTarget(Protocol):
    """What a hook decorates: a job, pipeline or graph (each takes hooks for all its ops)."""

    @property
    def dependency_structure(self) -> Any: ...

    def with_hooks(self, hook_defs: Iterable[HookDefinition]) -> Any: ...


class HookExecutionResult(NamedTuple):
    """What an ``event_list_hook`` function may return to say whether it ran.

    ``is_skipped=True`` records the hook as skipped (a HOOK_SKIPPED event) instead of completed,
    as Dagster's success and failure hooks do when the step's outcome does not trigger them.
    Importable from ``opbook.core.definitions.events``, Dagster's module for it.
    """

    hook_name: str
    is_skipped: bool = False


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
        """Over a job, pipeline or graph (``@my_hook`` above ``@job``), that target with the
        hook on every op; otherwise run the hook's function directly, as in tests:
        ``my_hook(build_hook_context())`` or ``my_hook(context, event_list)``."""
        if len(args) == 1 and not kwargs and isinstance(args[0], HookTarget):
            return args[0].with_hooks({self})
        return engine().invoke_hook(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<HookDefinition {self.name!r} ({self.trigger})>"


def _missing_positional(fn: Callable[..., Any], trigger: str) -> str | None:
    """The first positional parameter the hook function lacks: ``context`` (any hook), then
    ``event_list`` (an event-list hook); each may also be spelled ``_``, ``_name``, ``name_``."""
    params = list(inspect.signature(fn).parameters.values())
    expected = ["context", "event_list"] if trigger == ALWAYS else ["context"]
    for index, name in enumerate(expected):
        spellings = {name, f"_{name}", f"{name}_", "_"}
        if (
            index >= len(params)
            or params[index].name not in spellings
            or params[index].kind
            not in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        ):
            return name
    return None


def _hook_decorator(trigger: str, decorator_name: str, doc: str) -> Callable[..., Any]:
    def make(name: Any = None, required_resource_keys: Iterable[str] | None = None) -> Any:
        if callable(name) and not isinstance(name, str):
            return make()(name)

        def wrap(fn: Callable[..., Any]) -> HookDefinition:
            missing = _missing_positional(fn, trigger)
            if missing is not None:
                raise DagsterInvalidDefinitionError(
                    f"@{decorator_name} '{fn.__name__}' decorated function does not have required "
                    f"positional parameter '{missing}'. Hook functions should only have keyword "
                    "arguments that match input names and a first positional parameter named "
                    "'context' and a second positional parameter named 'event_list'."
                )
            hook_def = HookDefinition(
                name=name or fn.__name__,
                hook_fn=fn,
                required_resource_keys=frozenset(required_resource_keys or ()),
                trigger=trigger,
                decorated_fn=fn,
            )
            # as in Dagster, the definition takes the function's __name__, __doc__ and module
            return wraps(hook_def, fn, _HOOK_IDENTITY)

        return wrap

    make.__doc__ = doc
    make.__name__ = make.__qualname__ = decorator_name
    return make


_HOOK_ARGS = """

    Usable bare (``@{0}``) or with arguments.  The function's first parameter is ``context``,
    a ``HookContext``; a hook that raises is reported as a HOOK_ERRORED event and never fails
    its step or the run.

    Args:
        name: the hook's name (default: the function's).
        required_resource_keys: the resources the hook uses (``context.resources``).

    Returns:
        HookDefinition: attach it to a job or pipeline (``hooks=`` / ``hook_defs=``), or to one
        node (``my_op.with_hooks({{my_hook}})``).
    """
success_hook = _hook_decorator(
    SUCCESS,
    "success_hook",
    "Define a hook that runs after each step that succeeds." + _HOOK_ARGS.format("success_hook"),
)
failure_hook = _hook_decorator(
    FAILURE,
    "failure_hook",
    "Define a hook that runs after each step that fails." + _HOOK_ARGS.format("failure_hook"),
)
event_list_hook = _hook_decorator(
    ALWAYS,
    "event_list_hook",
    "Define a hook given each finished step's events: ``fn(context, event_list)``."
    + _HOOK_ARGS.format("event_list_hook"),
)
