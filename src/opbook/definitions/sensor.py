"""Sensors: functions that look at the world and ask for runs, evaluated when asked.

A ``SensorDefinition`` wraps an evaluation function that takes a ``SensorEvaluationContext``
(or nothing) and returns or yields ``RunRequest`` objects, one ``SkipReason``, or nothing.
opbook has no daemon: ``sensor.evaluate_tick(context)`` evaluates it once and returns a
``SensorExecutionData`` (the run requests, the skip message, the cursor to keep for the next
tick), and whoever calls it (a test, a cron job, a notebook cell) launches the runs.  Calling
the sensor itself (``my_sensor(context)``) runs the bare function, as Dagster 0.13 allows.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from opbook.definitions.frozen import Frozen, wraps
from opbook.definitions.mode import DEFAULT_MODE_NAME
from opbook.definitions.names import check_valid_name
from opbook.definitions.run_request import (
    InstigatorType,
    PipelineRunReaction,
    RunRequest,
    SkipReason,
)
from opbook.definitions.target import DirectTarget, RepoRelativeTarget
from opbook.errors import (
    CheckError,
    DagsterInvalidDefinitionError,
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
)

if TYPE_CHECKING:
    from opbook.storage.instance import DagsterInstance

DEFAULT_SENSOR_DAEMON_INTERVAL = 30
Target = DirectTarget | RepoRelativeTarget


class SensorEvaluationContext:
    """What a sensor's function is given: the cursor, the instance, the repository's name.

    Build one with ``build_sensor_context``.  ``update_cursor`` sets the cursor that the next
    evaluation gets (``evaluate_tick`` returns it).

    Args:
        instance_ref: unused by opbook (Dagster's serialized instance).
        last_completion_time: when the sensor was last evaluated (deprecated in Dagster).
        last_run_key: the run key last requested (deprecated in Dagster).
        cursor: the cursor the last evaluation left.
        repository_name: the name of the sensor's repository.
        instance: the instance whose runs and events the sensor may look at.
    """

    def __init__(
        self,
        instance_ref: Any,
        last_completion_time: float | None,
        last_run_key: str | None,
        cursor: str | None,
        repository_name: str | None,
        instance: DagsterInstance | None = None,
    ) -> None:
        self._instance_ref = instance_ref
        self._last_completion_time = last_completion_time
        self._last_run_key = last_run_key
        self._cursor = cursor
        self._repository_name = repository_name
        self._instance = instance

    def __enter__(self) -> SensorEvaluationContext:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    @property
    def instance(self) -> DagsterInstance:
        """The instance (raises when the context was built without one)."""
        if self._instance is None:
            raise DagsterInvariantViolationError(
                "Attempted to initialize dagster instance, but no instance reference was provided."
            )
        return self._instance

    @property
    def last_completion_time(self) -> float | None:
        return self._last_completion_time

    @property
    def last_run_key(self) -> str | None:
        return self._last_run_key

    @property
    def cursor(self) -> str | None:
        """The cursor left by the previous evaluation (``update_cursor``)."""
        return self._cursor

    def update_cursor(self, cursor: str | None) -> None:
        """Set the cursor that the next evaluation of the sensor gets."""
        if cursor is not None and not isinstance(cursor, str):
            raise CheckError(f'Param "cursor" is not a str. Got {cursor!r}.')
        self._cursor = cursor

    @property
    def repository_name(self) -> str | None:
        return self._repository_name


SensorExecutionContext = SensorEvaluationContext


def build_sensor_context(
    instance: DagsterInstance | None = None,
    cursor: str | None = None,
    repository_name: str | None = None,
) -> SensorEvaluationContext:
    """A context to evaluate a sensor with, in a test or from a cron job.

    Args:
        instance: the instance the sensor looks at (``context.instance``).
        cursor: the cursor left by the last evaluation.
        repository_name: the name of the sensor's repository.
    """
    return SensorEvaluationContext(None, None, None, cursor, repository_name, instance)


class SensorExecutionData(NamedTuple):
    """What one evaluation of a sensor gave: runs to launch, or why not, and the cursor."""

    run_requests: list[RunRequest] | None = None
    skip_message: str | None = None
    cursor: str | None = None
    pipeline_run_reactions: list[PipelineRunReaction] | None = None


def _takes_context(fn: Callable[..., Any]) -> bool:
    return len(inspect.signature(fn).parameters) == 1


def _context_param_name(fn: Callable[..., Any]) -> str:
    return next(iter(inspect.signature(fn).parameters))


class SensorDefinition(Frozen):
    """A sensor: an evaluation function and the jobs it asks runs of.

    Args:
        name: the sensor's name.
        evaluation_fn: takes a ``SensorEvaluationContext`` (or nothing); returns or yields
            ``RunRequest`` objects, one ``SkipReason``, or nothing.
        pipeline_name: (legacy) the name of the pipeline it runs, in its repository.
        solid_selection: (legacy) the solids to run.
        mode: (legacy) the mode to run in (default ``default``).
        minimum_interval_seconds: the least time between two evaluations (default 30).
        description: what the sensor does.
        job: the job (or graph) it runs.
        jobs: several jobs it may run (each ``RunRequest`` names one with ``job_name``).

    Raises:
        DagsterInvalidDefinitionError: two ways of naming the target at once.
    """

    _repository_kind = "sensor"

    def __init__(
        self,
        name: str,
        evaluation_fn: Callable[..., Any],
        pipeline_name: str | None = None,
        solid_selection: Sequence[str] | None = None,
        mode: str | None = None,
        minimum_interval_seconds: int | None = None,
        description: str | None = None,
        job: Any = None,
        jobs: Sequence[Any] | None = None,
    ) -> None:
        if not callable(evaluation_fn):
            raise CheckError(f'Param "evaluation_fn" is not callable. Got {evaluation_fn!r}.')
        self._name = check_valid_name(name)
        self._raw_fn = evaluation_fn
        self._min_interval = (
            DEFAULT_SENSOR_DAEMON_INTERVAL
            if minimum_interval_seconds is None
            else minimum_interval_seconds
        )
        self._description = description
        self._targets = _targets(pipeline_name, solid_selection, mode, job, jobs)

    # -- Dagster's properties ------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def description(self) -> str | None:
        return self._description

    @property
    def minimum_interval_seconds(self) -> int | None:
        return self._min_interval

    @property
    def job_type(self) -> InstigatorType:
        return InstigatorType.SENSOR

    @property
    def targets(self) -> list[Target]:
        return list(self._targets)

    @property
    def pipeline_name(self) -> str | None:
        return self._targets[0].pipeline_name if self._targets else None

    @property
    def job_name(self) -> str | None:
        return self.pipeline_name

    @property
    def solid_selection(self) -> list[str] | None:
        return self._targets[0].solid_selection if self._targets else None

    @property
    def mode(self) -> str | None:
        return self._targets[0].mode if self._targets else None

    def has_loadable_targets(self) -> bool:
        return any(isinstance(target, DirectTarget) for target in self._targets)

    def load_targets(self) -> list[Any]:
        """The jobs given directly (``job=`` / ``jobs=``)."""
        return [t.load() for t in self._targets if isinstance(t, DirectTarget)]

    # -- evaluation ----------------------------------------------------------------------------

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the bare function: ``my_sensor(context)``, or ``my_sensor()`` when it takes none.

        Raises:
            DagsterInvalidInvocationError: arguments that do not fit the function.
        """
        fn = self._raw_fn
        if not _takes_context(fn):
            if args or kwargs:
                raise DagsterInvalidInvocationError(
                    "Sensor decorated function has no arguments, but arguments were provided to "
                    "invocation."
                )
            return fn()
        return fn(self._invocation_context(args, kwargs))

    def _invocation_context(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> SensorEvaluationContext:
        if not args and not kwargs:
            raise DagsterInvalidInvocationError(
                "Sensor evaluation function expected context argument, but no context argument "
                "was provided when invoking."
            )
        if len(args) + len(kwargs) > 1:
            raise DagsterInvalidInvocationError(
                "Sensor invocation received multiple arguments. Only a first positional context "
                "parameter should be provided when invoking."
            )
        param = _context_param_name(self._raw_fn)
        if not args and param not in kwargs:
            raise DagsterInvalidInvocationError(f"Sensor invocation expected argument '{param}'.")
        context = args[0] if args else kwargs[param]
        if context is None:
            return build_sensor_context()
        if not isinstance(context, SensorEvaluationContext):
            raise DagsterInvalidInvocationError(
                f"Sensor invocation expected a SensorEvaluationContext for '{param}', got "
                f"{context!r}; build one with build_sensor_context()."
            )
        return context

    def _evaluate(self, context: SensorEvaluationContext) -> Iterator[Any]:
        fn = self._raw_fn
        result = fn(context) if _takes_context(fn) else fn()
        if inspect.isgenerator(result):
            yield from result
        elif isinstance(result, (SkipReason, RunRequest, PipelineRunReaction)):
            yield result
        elif result is not None:
            raise DagsterInvariantViolationError(
                f"Error in sensor {self._name}: Sensor unexpectedly returned output {result!r} "
                f"of type {type(result)}.  Should only return SkipReason or RunRequest objects."
            )

    def evaluate_tick(self, context: SensorEvaluationContext) -> SensorExecutionData:
        """Evaluate the sensor once.

        Args:
            context: the context to evaluate with (``build_sensor_context``).

        Returns:
            SensorExecutionData: ``run_requests``, ``skip_message`` and the ``cursor`` to give
            the next evaluation.

        Raises:
            CheckError: the function gave both run requests and a skip reason, several skip
                reasons, or something else.
            DagsterInvariantViolationError: a run request that names no job of the sensor.
        """
        if not isinstance(context, SensorEvaluationContext):
            raise CheckError(
                f'Param "context" is not a SensorEvaluationContext. Got {context!r} which is '
                f"type {type(context)}."
            )
        items = list(self._evaluate(context))
        run_requests, skip_message, reactions = _sort_results(items)
        self.check_valid_run_requests(run_requests)
        return SensorExecutionData(run_requests, skip_message, context.cursor, reactions)

    def check_valid_run_requests(self, run_requests: Sequence[RunRequest]) -> None:
        """Each run request names one of the sensor's jobs, when it has several.

        Raises:
            DagsterInvariantViolationError: a run request for a sensor with no target, with no
                job name among several jobs, or naming a job the sensor does not target.
        """
        names = [target.pipeline_name for target in self._targets]
        if run_requests and not self._targets:
            raise DagsterInvariantViolationError(
                f"Error in sensor {self._name}: Sensor evaluation function returned a RunRequest "
                "for a sensor without a specified target. Targets can be specified by providing "
                "a job or pipeline_name."
            )
        for request in run_requests:
            if request.job_name is None and len(names) > 1:
                raise DagsterInvariantViolationError(
                    f"Error in sensor {self._name}: Sensor returned a RunRequest that did not "
                    f"specify job_name for the requested run. Expected one of: {names}"
                )
            if request.job_name is not None and request.job_name not in names:
                raise DagsterInvariantViolationError(
                    f"Error in sensor {self._name}: Sensor returned a RunRequest with job_name "
                    f"{request.job_name}. Expected one of: {names}"
                )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._name!r}>"


def _sort_results(
    items: list[Any],
) -> tuple[list[RunRequest], str | None, list[PipelineRunReaction]]:
    """Run requests, skip message and reactions, from what an evaluation yielded."""
    if not items or items == [None]:
        return [], "Sensor function returned an empty result", []
    bad = [
        item
        for item in items
        if not isinstance(item, (SkipReason, RunRequest, PipelineRunReaction))
    ]
    if bad:
        raise CheckError(
            f"Sensor yielded {bad[0]!r} of type {type(bad[0]).__name__}: expected RunRequest "
            "or SkipReason objects."
        )
    skips = [item for item in items if isinstance(item, SkipReason)]
    requests = [item for item in items if isinstance(item, RunRequest)]
    reactions = [item for item in items if isinstance(item, PipelineRunReaction)]
    if len(items) == 1 and skips:
        return [], skips[0].skip_message, []
    if skips and requests:
        raise CheckError(
            "Invariant failed. Description: Expected a single SkipReason or one or more "
            "RunRequests: received both RunRequest and SkipReason"
        )
    if skips and reactions:
        raise CheckError(
            "Invariant failed. Description: Expected a single SkipReason or one or more "
            "PipelineRunReaction: received both PipelineRunReaction and SkipReason"
        )
    if skips:
        raise CheckError(
            "Invariant failed. Description: Expected a single SkipReason: received multiple "
            "SkipReasons"
        )
    return requests, None, reactions if not requests else []


def _targets(
    pipeline_name: str | None,
    solid_selection: Sequence[str] | None,
    mode: str | None,
    job: Any,
    jobs: Sequence[Any] | None,
) -> list[Target]:
    """The sensor's targets, from its arguments (one way of naming them at most)."""
    if job is not None and jobs:
        raise DagsterInvalidDefinitionError(
            "Attempted to provide both job and jobs to SensorDefinition. Must provide only one "
            "of the two."
        )
    param = "job" if job is not None else "jobs"
    given = list(jobs) if jobs else [job] if job is not None else []
    if given:
        if pipeline_name:
            raise DagsterInvalidDefinitionError(
                f"Attempted to provide both pipeline_name and {param} to SensorDefinition. "
                "Must provide only one of the two."
            )
        if solid_selection:
            raise DagsterInvalidDefinitionError(
                f"Attempted to provide solid_selection and {param} to SensorDefinition. The "
                "solid_selection argument is incompatible with jobs."
            )
        if mode:
            raise DagsterInvalidDefinitionError(
                f"Attempted to provide mode and {param} to SensorDefinition. The mode argument "
                "is incompatible with jobs."
            )
        return [DirectTarget.of(definition, param) for definition in given]
    if pipeline_name:
        selection = list(solid_selection) if solid_selection is not None else None
        return [RepoRelativeTarget(pipeline_name, mode or DEFAULT_MODE_NAME, selection)]
    return []


def sensor(
    pipeline_name: str | None = None,
    name: str | None = None,
    solid_selection: Sequence[str] | None = None,
    mode: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    job: Any = None,
    jobs: Sequence[Any] | None = None,
) -> Callable[[Callable[..., Any]], SensorDefinition]:
    """Make a sensor of the decorated function.

    The function takes a ``SensorEvaluationContext`` (or nothing) and returns or yields
    ``RunRequest`` objects, returns a ``SkipReason``, or returns nothing.

    Args:
        pipeline_name: (legacy) the pipeline it runs, by name, in its repository.
        name: the sensor's name (default: the function's).
        solid_selection: (legacy) the solids to run.
        mode: (legacy) the mode to run in.
        minimum_interval_seconds: the least time between two evaluations.
        description: what the sensor does.
        job: the job (or graph) it runs.
        jobs: several jobs it may run.
    """
    if callable(pipeline_name):
        raise DagsterInvalidDefinitionError(
            "@sensor needs arguments: write @sensor(job=...) or @sensor(pipeline_name=...)."
        )

    def wrap(fn: Callable[..., Any]) -> SensorDefinition:
        definition = SensorDefinition(
            name=name or fn.__name__,
            evaluation_fn=fn,
            pipeline_name=pipeline_name,
            solid_selection=solid_selection,
            mode=mode,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            job=job,
            jobs=jobs,
        )
        return wraps(definition, fn, ("__doc__", "__module__"))

    return wrap
