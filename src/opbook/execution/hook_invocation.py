"""Hooks called directly, as Dagster allows for tests: ``my_hook(build_hook_context())``, or
``my_event_list_hook(context, event_list)``.

The call is checked as Dagster checks it: as many arguments as the decorated function has
parameters (one, the context; or two, the context and the event list), given by position or by
their parameter names; a context of None stands for an empty one; the resources the hook
declares must be on the context.  The function then receives the context bound to the hook
(``context.hook_def`` set).
"""

from __future__ import annotations

import inspect
from typing import Any

from opbook.definitions.hook import HookDefinition
from opbook.errors import DagsterInvalidInvocationError, DagsterInvariantViolationError
from opbook.execution.context import HookContext
from opbook.execution.direct_context import DirectHookContext, build_hook_context


def invoke_hook(definition: HookDefinition, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Run a decorated hook's function on the arguments given, as Dagster does."""
    fn = definition.decorated_fn
    if fn is None:
        raise DagsterInvalidInvocationError(
            "Only hook definitions created using one of the hook decorators can be invoked."
        )
    names = list(inspect.signature(fn).parameters)[:2]
    given = len(args) + len(kwargs)
    if len(names) == 2 and given != 2:
        raise DagsterInvalidInvocationError(
            "Decorated function expects two parameters, context and event_list, but "
            f"{given} were provided."
        )
    if len(names) < 2 and given != 1:
        raise DagsterInvalidInvocationError(
            f"Decorated function expects one parameter, {names[0]}, but {given} were provided."
        )
    values = _arguments(names, args, kwargs)
    context = _bound_context(definition, values[0])
    if len(names) == 2:
        return fn(context, list(values[1] or []))
    return fn(context)


def _arguments(names: list[str], args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    values = list(args)
    for name in names[len(args) :]:
        if name not in kwargs:
            raise DagsterInvalidInvocationError(
                f"Could not find expected argument '{name}'. Provided kwargs: {list(kwargs)}"
            )
        values.append(kwargs[name])
    return values


def _bound_context(definition: HookDefinition, given: Any) -> HookContext:
    if given is not None and not isinstance(given, HookContext):
        raise DagsterInvalidInvocationError(
            f"Hook '{definition.name}' is called with a HookContext (build_hook_context()), "
            f"got {given!r}."
        )
    context = given if given is not None else build_hook_context()
    resources = context.resources
    for key in sorted(definition.required_resource_keys):
        if key not in resources:
            raise DagsterInvariantViolationError(
                f"The hook '{definition.name}' requires resource '{key}', which was not "
                "provided by the context."
            )
    if isinstance(context, DirectHookContext):
        return context.bound_to(definition)
    return context
