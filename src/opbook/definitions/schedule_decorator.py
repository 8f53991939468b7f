"""``@schedule``: a schedule whose decorated function says what each tick runs.

The function takes the ``ScheduleEvaluationContext`` (or nothing) and returns run config (a
dict, made into one ``RunRequest`` with the decorator's tags), a ``RunRequest``, a
``SkipReason``, nothing (a skip), or yields several ``RunRequest`` objects with run keys.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from opbook.definitions.frozen import update_wrapper
from opbook.definitions.mode import DEFAULT_MODE_NAME
from opbook.definitions.run_request import RunRequest, SkipReason
from opbook.definitions.schedule import (
    DecoratedScheduleFunction,
    ScheduleDefinition,
    as_iterator,
    takes_context,
)
from opbook.definitions.schedule_context import ScheduleEvaluationContext, schedule_user_code
from opbook.errors import DagsterInvalidDefinitionError


def schedule(
    cron_schedule: str,
    pipeline_name: str | None = None,
    name: str | None = None,
    tags: Mapping[str, Any] | None = None,
    tags_fn: Callable[[ScheduleEvaluationContext], Mapping[str, Any] | None] | None = None,
    solid_selection: Sequence[str] | None = None,
    mode: str | None = DEFAULT_MODE_NAME,
    should_execute: Callable[[ScheduleEvaluationContext], bool] | None = None,
    environment_vars: Mapping[str, str] | None = None,
    execution_timezone: str | None = None,
    description: str | None = None,
    job: Any = None,
) -> Callable[[Callable[..., Any]], ScheduleDefinition]:
    """Define a schedule from a function that says what each tick runs.

    Args:
        cron_schedule: when it runs (5 cron fields).
        pipeline_name: (legacy) the pipeline it runs, by name.
        name: the schedule's name (default: the function's).
        tags: tags of the runs (when the function returns run config).
        tags_fn: ``f(context) -> dict``, the tags of each tick (instead of ``tags``).
        solid_selection: (legacy) the solids to run.
        mode: (legacy) the pipeline's mode.
        should_execute: ``f(context) -> bool``; False skips the tick.
        environment_vars: environment variables for the schedule (kept, not applied).
        execution_timezone: IANA time zone of the cron string (default UTC).
        description: a human-readable description.
        job: the job (or graph) it runs.

    Returns:
        A decorator making a :class:`ScheduleDefinition`, which can also be called like the
        function (``my_schedule(context)``).
    """
    if tags_fn is not None and tags:
        raise DagsterInvalidDefinitionError(
            "Attempted to provide both tags_fn and tags as arguments"
            " to ScheduleDefinition. Must provide only one of the two."
        )

    def inner(fn: Callable[..., Any]) -> ScheduleDefinition:
        schedule_name = name or fn.__name__
        has_context = takes_context(fn)

        def run_tags(context: ScheduleEvaluationContext) -> Mapping[str, Any] | None:
            if tags_fn is not None:
                return tags_fn(context) or {}
            return tags

        def evaluate(context: ScheduleEvaluationContext) -> Iterator[Any]:
            if should_execute is not None:
                with schedule_user_code(
                    lambda: (
                        f"Error occurred during the execution of should_execute for schedule {schedule_name}"
                    )
                ):
                    if not should_execute(context):
                        yield SkipReason(
                            f"should_execute function for {schedule_name} returned false."
                        )
                        return
            with schedule_user_code(
                lambda: f"Error occurred during the evaluation of schedule {schedule_name}"
            ):
                result = fn(context) if has_context else fn()
                if isinstance(result, dict):
                    config = copy.deepcopy(result)
                    yield RunRequest(run_key=None, run_config=config, tags=run_tags(context))
                else:
                    yield from as_iterator(result)

        definition = ScheduleDefinition(
            name=schedule_name,
            cron_schedule=cron_schedule,
            pipeline_name=pipeline_name,
            solid_selection=solid_selection,
            mode=mode,
            environment_vars=environment_vars,
            execution_timezone=execution_timezone,
            description=description,
            execution_fn=DecoratedScheduleFunction(fn, evaluate, has_context),
            job=job,
        )
        update_wrapper(definition, fn)
        return definition

    return inner
