"""Sensors that watch the instance: asset sensors and run-status (failure) sensors.

They are ``SensorDefinition`` objects whose evaluation function reads the instance's event
log through ``context.instance.get_event_records``, and keeps its place there in the cursor:

* an asset sensor calls its function with the newest materialization of its asset stored
  since the cursor (the cursor is that record's storage id);
* a run-status sensor first sets its cursor to the newest stored event and skips (it reacts
  only to what happens after it starts), then calls its function once for each run that
  reached its status since, at most five a tick, and yields a ``PipelineRunReaction`` per run
  (with the error its function raised, if any).

opbook runs are launched by hand, not from a repository location, so a run-status sensor
reacts to every run of the instance; when the sensor is evaluated for a repository
(``build_sensor_context(repository_name=...)``), runs tagged with another repository's name
(tag ``opbook/repository``) are left out.
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from typing import Any, NamedTuple

from opbook.definitions.frozen import wraps
from opbook.definitions.run_request import PipelineRunReaction, RunRequest, SkipReason
from opbook.definitions.sensor import SensorDefinition, SensorEvaluationContext
from opbook.errors import DagsterInvalidInvocationError, DagsterInvariantViolationError
from opbook.events import DagsterEvent, DagsterEventType, SerializableErrorInfo
from opbook.storage.event_records import EventRecordsFilter
from opbook.storage.instance import DagsterInstance
from opbook.storage.runs import PipelineRun, PipelineRunStatus

REPOSITORY_TAG = "opbook/repository"
RUN_STATUS_EVENTS = {
    PipelineRunStatus.QUEUED: DagsterEventType.RUN_ENQUEUED,
    PipelineRunStatus.STARTING: DagsterEventType.RUN_STARTING,
    PipelineRunStatus.STARTED: DagsterEventType.RUN_START,
    PipelineRunStatus.SUCCESS: DagsterEventType.RUN_SUCCESS,
    PipelineRunStatus.FAILURE: DagsterEventType.RUN_FAILURE,
    PipelineRunStatus.CANCELING: DagsterEventType.RUN_CANCELING,
    PipelineRunStatus.CANCELED: DagsterEventType.RUN_CANCELED,
}
RUNS_PER_TICK = 5


# -- asset sensors ---------------------------------------------------------------------------


def _asset_items(sensor_name: str, result: Any) -> Iterator[Any]:
    if isinstance(result, Iterator):
        yield from result
    elif isinstance(result, (RunRequest, SkipReason)):
        yield result
    elif result is not None:
        raise DagsterInvariantViolationError(
            f"Error in sensor {sensor_name}: Sensor unexpectedly returned output {result!r} of "
            f"type {type(result)}.  Should only return SkipReason or RunRequest objects."
        )


class AssetSensorDefinition(SensorDefinition):
    """A sensor called with each new materialization of one asset.

    Args:
        name: the sensor's name.
        asset_key: the asset it watches.
        pipeline_name: (legacy) the pipeline it runs.
        asset_materialization_fn: takes the context and the ``EventLogEntry`` of the newest
            materialization since the last evaluation; returns or yields ``RunRequest``
            objects or a ``SkipReason``.

    The other arguments are those of ``SensorDefinition``.
    """

    def __init__(
        self,
        name: str,
        asset_key: Any,
        pipeline_name: str | None,
        asset_materialization_fn: Callable[[SensorEvaluationContext, Any], Any],
        solid_selection: Sequence[str] | None = None,
        mode: str | None = None,
        minimum_interval_seconds: int | None = None,
        description: str | None = None,
        job: Any = None,
        jobs: Sequence[Any] | None = None,
    ) -> None:
        self._asset_key = asset_key

        def evaluate(context: SensorEvaluationContext) -> Iterator[Any]:
            cursor = context.cursor or ""
            after = int(cursor) if cursor.isdigit() else None
            records = context.instance.get_event_records(
                EventRecordsFilter(
                    event_type=DagsterEventType.ASSET_MATERIALIZATION,
                    asset_key=asset_key,
                    after_cursor=after,
                ),
                ascending=False,
                limit=1,
            )
            if not records:
                return
            yield from _asset_items(
                name, asset_materialization_fn(context, records[0].event_log_entry)
            )
            context.update_cursor(str(records[0].storage_id))

        super().__init__(
            name,
            evaluate,
            pipeline_name=pipeline_name,
            solid_selection=solid_selection,
            mode=mode,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            job=job,
            jobs=jobs,
        )

    @property
    def asset_key(self) -> Any:
        return self._asset_key


def asset_sensor(
    asset_key: Any,
    pipeline_name: str | None = None,
    name: str | None = None,
    solid_selection: Sequence[str] | None = None,
    mode: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    job: Any = None,
    jobs: Sequence[Any] | None = None,
) -> Callable[[Callable[..., Any]], AssetSensorDefinition]:
    """Make an asset sensor of the decorated function ``fn(context, asset_event)``.

    Each evaluation looks in the instance for the newest materialization of ``asset_key``
    stored since the previous one; if there is one, the function is called with its
    ``EventLogEntry`` and the cursor moves past it.

    Args:
        asset_key: the ``AssetKey`` to watch.
        pipeline_name: (legacy) the pipeline it runs, by name.
        name: the sensor's name (default: the function's).
        job: the job it runs (``jobs``: several).

    The other arguments (``solid_selection``, ``mode``, ``minimum_interval_seconds``,
    ``description``, ``jobs``) are those of ``sensor``.
    """

    def wrap(fn: Callable[..., Any]) -> AssetSensorDefinition:
        definition = AssetSensorDefinition(
            name=name or fn.__name__,
            asset_key=asset_key,
            pipeline_name=pipeline_name,
            asset_materialization_fn=fn,
            solid_selection=solid_selection,
            mode=mode,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            job=job,
            jobs=jobs,
        )
        return wraps(definition, fn, ("__doc__", "__module__"))

    return wrap


# -- run-status sensors ----------------------------------------------------------------------


class RunStatusSensorCursor(NamedTuple):
    """Where a run-status sensor is in the event log: the last storage id it looked at."""

    record_id: int
    update_timestamp: str

    @staticmethod
    def is_valid(text: str) -> bool:
        try:
            RunStatusSensorCursor.from_json(text)
        except (ValueError, TypeError, KeyError):
            return False
        return True

    def to_json(self) -> str:
        return json.dumps({"record_id": self.record_id, "update_timestamp": self.update_timestamp})

    @staticmethod
    def from_json(text: str) -> RunStatusSensorCursor:
        data = json.loads(text)
        return RunStatusSensorCursor(int(data["record_id"]), str(data["update_timestamp"]))


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat()


class RunStatusSensorContext(NamedTuple):
    """What a run-status sensor's function is given: the sensor's name, the run, the event
    that gave the run its status, and the instance."""

    sensor_name: str
    dagster_run: PipelineRun
    dagster_event: DagsterEvent
    instance: DagsterInstance

    def for_pipeline_failure(self) -> PipelineFailureSensorContext:
        return PipelineFailureSensorContext(*self)

    def for_run_failure(self) -> RunFailureSensorContext:
        return RunFailureSensorContext(*self)

    @property
    def pipeline_run(self) -> PipelineRun:
        """The run (deprecated in Dagster 0.13: use ``dagster_run``)."""
        warnings.warn(
            "`RunStatusSensorContext.pipeline_run` is deprecated as of 0.13.0; use "
            "`RunStatusSensorContext.dagster_run` instead.",
            stacklevel=2,
        )
        return self.dagster_run


class PipelineFailureSensorContext(RunStatusSensorContext):
    """The context of a ``pipeline_failure_sensor``: ``failure_event`` is the run's failure."""

    @property
    def failure_event(self) -> DagsterEvent:
        return self.dagster_event


class RunFailureSensorContext(RunStatusSensorContext):
    """The context of a ``run_failure_sensor``: ``failure_event`` is the run's failure."""

    @property
    def failure_event(self) -> DagsterEvent:
        return self.dagster_event


class RunStatusSensorDefinition(SensorDefinition):
    """A sensor that calls a function for each run that reaches a status.

    Args:
        name: the sensor's name.
        pipeline_run_status: the status to react to (a ``PipelineRunStatus``).
        run_status_sensor_fn: takes a ``RunStatusSensorContext``.
        pipeline_selection: (legacy) only runs of these pipelines (default: every run).
        minimum_interval_seconds: the least time between two evaluations.
        description: what the sensor does.
        job_selection: only runs of these jobs (or graphs).
    """

    def __init__(
        self,
        name: str,
        pipeline_run_status: PipelineRunStatus,
        run_status_sensor_fn: Callable[[RunStatusSensorContext], Any],
        pipeline_selection: Sequence[str] | None = None,
        minimum_interval_seconds: int | None = None,
        description: str | None = None,
        job_selection: Sequence[Any] | None = None,
    ) -> None:
        selected = set(pipeline_selection or ()) | {j.name for j in job_selection or ()}
        event_type = RUN_STATUS_EVENTS[PipelineRunStatus(pipeline_run_status)]

        def evaluate(context: SensorEvaluationContext) -> Iterator[Any]:
            cursor = context.cursor
            if cursor is None or not RunStatusSensorCursor.is_valid(cursor):
                yield _start(name, context)
                return
            after = RunStatusSensorCursor.from_json(cursor).record_id
            records = context.instance.get_event_records(
                EventRecordsFilter(event_type=event_type, after_cursor=after),
                ascending=True,
                limit=RUNS_PER_TICK,
            )
            for record in records:
                entry = record.event_log_entry
                run = context.instance.get_run_by_id(entry.run_id)
                # The run's last update, as Dagster keeps it (the event's time if it is gone).
                updated = (run.end_time if run else None) or entry.timestamp
                moved = RunStatusSensorCursor(record.storage_id, _iso(updated))
                context.update_cursor(moved.to_json())
                if run is None or not _watched(run, context.repository_name, selected):
                    continue
                status_context = RunStatusSensorContext(
                    name, run, entry.dagster_event, context.instance
                )
                yield PipelineRunReaction(run, _call(run_status_sensor_fn, status_context))

        super().__init__(
            name,
            evaluate,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise DagsterInvalidInvocationError(
            "Direct invocation of RunStatusSensors is not yet supported."
        )


def _start(name: str, context: SensorEvaluationContext) -> SkipReason:
    """Set the cursor to the newest stored event: a new sensor reacts only to what follows."""
    newest = context.instance.get_event_records(ascending=False, limit=1)
    cursor = RunStatusSensorCursor(newest[0].storage_id if newest else -1, _iso(time.time()))
    context.update_cursor(cursor.to_json())
    return SkipReason(f"Initiating {name}. Set cursor to {cursor}")


def _watched(run: PipelineRun, repository_name: str | None, selected: set[str]) -> bool:
    tagged = run.tags.get(REPOSITORY_TAG)
    if repository_name is not None and tagged is not None and tagged != repository_name:
        return False
    return not selected or run.pipeline_name in selected


def _call(fn: Callable[[RunStatusSensorContext], Any], context: RunStatusSensorContext) -> Any:
    """Call the sensor's function; an exception it raises is returned as error info, so that
    one failing reaction does not stop the others."""
    try:
        fn(context)
    except Exception as exc:
        return SerializableErrorInfo.from_exception(exc)
    return None


def run_status_sensor(
    pipeline_run_status: PipelineRunStatus,
    pipeline_selection: Sequence[str] | None = None,
    name: str | None = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    job_selection: Sequence[Any] | None = None,
) -> Callable[[Callable[..., Any]], RunStatusSensorDefinition]:
    """Make a sensor that calls the decorated function for each run reaching a status.

    The first evaluation only sets the cursor (and skips); later ones call the function
    with a ``RunStatusSensorContext`` for each run that reached the status since.

    Args:
        pipeline_run_status: the status to react to.
        pipeline_selection: (legacy) only runs of these pipelines.
        name: the sensor's name (default: the function's).
        minimum_interval_seconds: the least time between two evaluations.
        description: what the sensor does.
        job_selection: only runs of these jobs.
    """

    def wrap(fn: Callable[..., Any]) -> RunStatusSensorDefinition:
        return RunStatusSensorDefinition(
            name=name or fn.__name__,
            pipeline_run_status=pipeline_run_status,
            run_status_sensor_fn=fn,
            pipeline_selection=pipeline_selection,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            job_selection=job_selection,
        )

    return wrap


def run_failure_sensor(
    name: Any = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    job_selection: Sequence[Any] | None = None,
    pipeline_selection: Sequence[str] | None = None,
) -> Any:
    """Make a sensor that calls the decorated function for each failed run, with a
    ``RunFailureSensorContext``.  Usable bare (``@run_failure_sensor``) or with arguments.

    Args:
        name: the sensor's name (default: the function's).
        minimum_interval_seconds: the least time between two evaluations.
        description: what the sensor does.
        job_selection: only runs of these jobs (default: every run).
        pipeline_selection: (legacy) only runs of these pipelines.
    """
    return _failure_sensor(
        name,
        lambda context: context.for_run_failure(),
        minimum_interval_seconds,
        description,
        job_selection,
        pipeline_selection,
    )


def pipeline_failure_sensor(
    name: Any = None,
    minimum_interval_seconds: int | None = None,
    description: str | None = None,
    pipeline_selection: Sequence[str] | None = None,
) -> Any:
    """(legacy) ``run_failure_sensor`` of the pipeline generation: the function gets a
    ``PipelineFailureSensorContext``.  Usable bare or with arguments.
    """
    return _failure_sensor(
        name,
        lambda context: context.for_pipeline_failure(),
        minimum_interval_seconds,
        description,
        None,
        pipeline_selection,
    )


def _failure_sensor(
    name: Any,
    narrow: Callable[[RunStatusSensorContext], RunStatusSensorContext],
    minimum_interval_seconds: int | None,
    description: str | None,
    job_selection: Sequence[Any] | None,
    pipeline_selection: Sequence[str] | None,
) -> Any:
    def wrap(fn: Callable[..., Any]) -> RunStatusSensorDefinition:
        return RunStatusSensorDefinition(
            name=name if isinstance(name, str) else fn.__name__,
            pipeline_run_status=PipelineRunStatus.FAILURE,
            run_status_sensor_fn=lambda context: fn(narrow(context)),
            pipeline_selection=pipeline_selection,
            minimum_interval_seconds=minimum_interval_seconds,
            description=description,
            job_selection=job_selection,
        )

    return wrap(name) if callable(name) else wrap
