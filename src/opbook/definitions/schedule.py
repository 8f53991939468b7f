"""Schedules: a cron string, a target job, and a function that says what to run at each tick.

A ``ScheduleDefinition`` is evaluated on demand: ``evaluate_tick(context)`` runs its function
for one tick and returns the ``RunRequest`` objects (each tagged with the schedule's name) or
the reason it skipped.  opbook has no daemon; ``next_ticks`` lists when the ticks fall, and a
crontab line or Dagster's own scheduler can do the waiting (see the guide).

The evaluation function is built once, at definition: from ``run_config``/``run_config_fn``,
``tags``/``tags_fn`` and ``should_execute`` (``ScheduleDefinition``), or from the decorated
function (``@schedule``, which may return run config, a ``RunRequest``, a ``SkipReason``,
nothing, or yield several requests).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from opbook.definitions.cron import cron_ticks, get_timezone, is_valid_cron_string, now, to_zone
from opbook.definitions.frozen import Frozen
from opbook.definitions.mode import DEFAULT_MODE_NAME
from opbook.definitions.names import check_valid_name
from opbook.definitions.run_request import SCHEDULE_NAME_TAG, RunRequest, SkipReason
from opbook.definitions.schedule_context import (
    ScheduleEvaluationContext,
    build_schedule_context,
    schedule_user_code,
)
from opbook.errors import (
    CheckError,
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
)

EvaluationFn = Callable[[ScheduleEvaluationContext], Any]


class ScheduleExecutionData(NamedTuple):
    """What one evaluation of a schedule gives: run requests, or why there are none."""

    run_requests: list[RunRequest]
    skip_message: str | None


class ScheduleTick(NamedTuple):
    """One tick of a schedule, evaluated: when, and the runs it asks for or why it skips."""

    time: datetime
    run_requests: list[RunRequest]
    skip_message: str | None


class DecoratedScheduleFunction(NamedTuple):
    """A ``@schedule`` function (``decorated_fn``, for direct calls) and the evaluation
    function built around it (``wrapped_fn``)."""

    decorated_fn: Callable[..., Any]
    wrapped_fn: EvaluationFn
    has_context_arg: bool


def takes_context(fn: Callable[..., Any]) -> bool:
    """Whether a schedule function takes the context (one parameter) or nothing."""
    return len(inspect.signature(fn).parameters) == 1


class ScheduleDefinition(Frozen):
    """A schedule that targets a job (or, in the pipeline generation, a pipeline by name).

    Args:
        name: the schedule's name (default: the job's or pipeline's name + ``_schedule``).
        cron_schedule: when it runs, 5 cron fields: ``"45 23 * * 6"`` is 23:45 each Saturday.
        pipeline_name: (legacy) the pipeline it runs, by name.
        run_config: the run config of each run.
        run_config_fn: ``f(context) -> dict``, the run config of each tick (or ``f()``).
        tags: tags of each run.
        tags_fn: ``f(context) -> dict``, the tags of each tick.
        solid_selection: (legacy) the solids to run.
        mode: (legacy) the pipeline's mode.
        should_execute: ``f(context) -> bool``; False skips the tick.
        environment_vars: environment variables for the schedule (kept, not applied).
        execution_timezone: IANA time zone of the cron string (default UTC).
        execution_fn: ``f(context)`` that returns or yields ``RunRequest``/``SkipReason``
            (instead of the run config and tags arguments).
        description: a human-readable description.
        job: the job (or graph) it runs.
    """

    _repository_kind = "schedule"  # how a repository sorts its members

    def __init__(
        self,
        name: str | None = None,
        cron_schedule: str | None = None,
        pipeline_name: str | None = None,
        run_config: Mapping[str, Any] | None = None,
        run_config_fn: Callable[..., Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        tags_fn: Callable[..., Mapping[str, Any] | None] | None = None,
        solid_selection: Sequence[str] | None = None,
        mode: str | None = DEFAULT_MODE_NAME,
        should_execute: Callable[..., bool] | None = None,
        environment_vars: Mapping[str, str] | None = None,
        execution_timezone: str | None = None,
        execution_fn: EvaluationFn | DecoratedScheduleFunction | None = None,
        description: str | None = None,
        job: Any = None,
    ) -> None:
        if job is None and not isinstance(pipeline_name, str):
            raise CheckError(
                f'Schedule "{name}" needs the job it runs: give job= (a job or graph) or pipeline_name=.'
            )
        self._name = _schedule_name(name, pipeline_name, job)
        if not isinstance(cron_schedule, str) or not is_valid_cron_string(cron_schedule):
            raise DagsterInvalidDefinitionError(
                f"Found invalid cron schedule '{cron_schedule}' for schedule '{name}''.  "
                "Dagster recognizes cron expressions consisting of 5 space-separated fields."
            )
        self._cron_schedule = cron_schedule
        self._job = job
        self._pipeline_name: str = job.name if job is not None else str(pipeline_name)
        self._mode = mode or DEFAULT_MODE_NAME
        self._solid_selection = list(solid_selection) if solid_selection is not None else None
        self._description = description
        self._environment_vars = dict(environment_vars or {})
        self._execution_timezone = execution_timezone
        if execution_timezone is not None:
            try:
                get_timezone(execution_timezone)
            except DagsterInvalidDefinitionError:
                raise DagsterInvalidDefinitionError(
                    f"Invalid execution timezone {execution_timezone} for {name}"
                ) from None
        if execution_fn is not None:
            if run_config_fn or tags_fn or should_execute or tags or run_config:
                raise DagsterInvalidDefinitionError(
                    "Attempted to provide both execution_fn and individual run_config/tags arguments "
                    "to ScheduleDefinition. Must provide only one of the two."
                )
            self._execution_fn: EvaluationFn | DecoratedScheduleFunction = execution_fn
        else:
            self._execution_fn = _config_evaluation(
                self._name, run_config, run_config_fn, tags, tags_fn, should_execute
            )

    # -- what it is --------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def cron_schedule(self) -> str:
        return self._cron_schedule

    @property
    def pipeline_name(self) -> str:
        """The name of the job or pipeline it runs."""
        return self._pipeline_name

    job_name = pipeline_name

    @property
    def job(self) -> Any:
        """The job (or graph) it runs, when given as ``job=``; None for ``pipeline_name=``."""
        return self._job

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def solid_selection(self) -> list[str] | None:
        return self._solid_selection

    @property
    def description(self) -> str | None:
        return self._description

    @property
    def environment_vars(self) -> dict[str, str]:
        return self._environment_vars

    @property
    def execution_timezone(self) -> str | None:
        return self._execution_timezone

    def has_loadable_target(self) -> bool:
        return self._job is not None

    def load_target(self) -> Any:
        if self._job is None:
            raise CheckError(
                f'Schedule "{self._name}" names its pipeline; it has no target to load.'
            )
        return self._job

    # -- evaluating it -----------------------------------------------------------------------

    def evaluate_tick(self, context: ScheduleEvaluationContext) -> ScheduleExecutionData:
        """Run the schedule's function for one tick.

        Args:
            context: from ``build_schedule_context`` (its time is the tick's).

        Returns:
            ScheduleExecutionData: the run requests, each tagged ``dagster/schedule_name``, or a
            skip message.

        Raises:
            ScheduleExecutionError: the schedule's own function raised.
        """
        if not isinstance(context, ScheduleEvaluationContext):
            raise CheckError(
                f'Param "context" is not a ScheduleEvaluationContext. Got {context!r} which is type {type(context)}.'
            )
        fn = self._execution_fn
        evaluate = fn.wrapped_fn if isinstance(fn, DecoratedScheduleFunction) else fn
        requests, skip_message = _requests_of(list(as_iterator(evaluate(context))))
        tagged = [
            RunRequest(
                run_key=request.run_key,
                run_config=request.run_config,
                tags={**request.tags, SCHEDULE_NAME_TAG: self._name},
            )
            for request in requests
        ]
        return ScheduleExecutionData(run_requests=tagged, skip_message=skip_message)

    def next_ticks(self, start: datetime | None = None, n: int = 5) -> list[datetime]:
        """The next ``n`` times the schedule is due, at or after ``start`` (opbook's own).

        Args:
            start: where to begin (default: now); naive means wall-clock time in the
                schedule's ``execution_timezone``.
            n: how many ticks.

        Returns:
            Timezone-aware datetimes in the schedule's time zone (UTC by default).
        """
        if not isinstance(n, int) or n < 0:
            raise CheckError(f"next_ticks needs a count of 0 or more, got {n!r}.")
        zone = self._execution_timezone
        begin = now(zone) if start is None else to_zone(start, zone)
        ticks = cron_ticks(self._cron_schedule, begin, zone)
        return [next(ticks) for _ in range(n)]

    def preview_ticks(
        self, start: datetime | None = None, n: int = 5, instance: Any = None
    ) -> list[ScheduleTick]:
        """The next ``n`` ticks, each evaluated (opbook's own; no run is launched).

        Args:
            start: where to begin (default: now), as in ``next_ticks``.
            n: how many ticks.
            instance: the instance the schedule's function may use.

        Returns:
            One ``ScheduleTick`` per tick: its time, and the run requests or the skip message.
        """
        ticks = []
        for time in self.next_ticks(start, n):
            data = self.evaluate_tick(build_schedule_context(instance, time))
            ticks.append(ScheduleTick(time, data.run_requests or [], data.skip_message))
        return ticks

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the decorated function directly: ``my_schedule(context)``."""
        fn = self._execution_fn
        if not isinstance(fn, DecoratedScheduleFunction):
            raise DagsterInvalidInvocationError(
                "Schedule invocation is only supported for schedules created via the schedule "
                "decorators."
            )
        if fn.has_context_arg:
            context = invocation_argument(fn.decorated_fn, args, kwargs, "context")
            result = fn.decorated_fn(context if context is not None else build_schedule_context())
        else:
            if args or kwargs:
                raise DagsterInvalidInvocationError(
                    "Decorated schedule function takes no arguments, but arguments were provided."
                )
            result = fn.decorated_fn()
        return copy.deepcopy(result) if isinstance(result, dict) else result

    def __repr__(self) -> str:
        return f"<ScheduleDefinition {self._name!r} {self._cron_schedule!r} -> {self._pipeline_name!r}>"


def _schedule_name(name: str | None, pipeline_name: str | None, job: Any) -> str:
    if name:
        return check_valid_name(name)
    target = pipeline_name if pipeline_name else job.name
    return f"{target}_schedule"


def invocation_argument(
    fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], what: str
) -> Any:
    """The one argument a schedule function was called with (positional or by its name)."""
    if not args and not kwargs:
        raise DagsterInvalidInvocationError(
            f"Schedule decorated function has {what} argument, but no {what} argument was "
            "provided when invoking."
        )
    if len(args) + len(kwargs) > 1:
        raise DagsterInvalidInvocationError(
            "Schedule invocation received multiple arguments. Only a first "
            f"positional {what} parameter should be provided when invoking."
        )
    param = next(iter(inspect.signature(fn).parameters))
    if args:
        return args[0]
    if param not in kwargs:
        raise DagsterInvalidInvocationError(f"Schedule invocation expected argument '{param}'.")
    return kwargs[param]


def as_iterator(result: Any) -> Iterator[Any]:
    if inspect.isgenerator(result):
        return result
    return iter([result])


def _requests_of(result: list[Any]) -> tuple[list[RunRequest], str | None]:
    """The run requests and skip message of what an evaluation function gave."""
    if not result or result == [None]:
        return [], "Schedule function returned an empty result"
    if len(result) == 1:
        item = result[0]
        if isinstance(item, SkipReason):
            return [], item.skip_message
        if isinstance(item, RunRequest):
            return [item], None
        raise CheckError(
            f"A schedule's function must give RunRequest or SkipReason objects, got {item!r}."
        )
    for item in result:
        if not isinstance(item, RunRequest):
            raise CheckError(
                f"A schedule's function that gives several results must give RunRequest objects only, got {item!r}."
            )
    if any(not request.run_key for request in result):
        raise DagsterInvariantViolationError(
            "Schedules that return multiple RunRequests must specify a run_key in each RunRequest"
        )
    return result, None


def _config_evaluation(
    name: str,
    run_config: Mapping[str, Any] | None,
    run_config_fn: Callable[..., Any] | None,
    tags: Mapping[str, Any] | None,
    tags_fn: Callable[..., Mapping[str, Any] | None] | None,
    should_execute: Callable[..., bool] | None,
) -> EvaluationFn:
    """The evaluation function of a schedule defined by run config, tags and should_execute."""
    if run_config_fn is not None and run_config:
        raise DagsterInvalidDefinitionError(
            "Attempted to provide both run_config_fn and run_config as arguments"
            " to ScheduleDefinition. Must provide only one of the two."
        )
    if tags_fn is not None and tags:
        raise DagsterInvalidDefinitionError(
            "Attempted to provide both tags_fn and tags as arguments"
            " to ScheduleDefinition. Must provide only one of the two."
        )
    fixed_config = dict(run_config or {})
    fixed_tags = dict(tags or {})

    def evaluate(context: ScheduleEvaluationContext) -> Iterator[RunRequest | SkipReason]:
        if should_execute is not None:
            with schedule_user_code(
                lambda: f"Error occurred during the execution of should_execute for schedule {name}"
            ):
                if not should_execute(context):
                    yield SkipReason(f"should_execute function for {name} returned false.")
                    return
        with schedule_user_code(
            lambda: f"Error occurred during the execution of run_config_fn for schedule {name}"
        ):
            if run_config_fn is None:
                config = fixed_config
            else:
                config = run_config_fn(context) if takes_context(run_config_fn) else run_config_fn()
            config = copy.deepcopy(config)
        with schedule_user_code(
            lambda: f"Error occurred during the execution of tags_fn for schedule {name}"
        ):
            run_tags = tags_fn(context) if tags_fn is not None else fixed_tags
        yield RunRequest(run_key=None, run_config=config, tags=run_tags)

    return evaluate
