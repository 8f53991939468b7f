"""Partition sets: a job's partitions with the run config and tags of each, and the
schedules made from them.

``PartitionSetDefinition.create_schedule_definition`` makes a ``PartitionScheduleDefinition``
whose evaluation asks a *partition selector* ``f(context, partition_set)`` which partition(s) a
tick runs, then requests one run per partition, keyed by the partition's name and tagged
``dagster/partition`` and ``dagster/partition_set``.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from opbook.definitions.cron import now
from opbook.definitions.frozen import Frozen
from opbook.definitions.mode import DEFAULT_MODE_NAME
from opbook.definitions.names import check_valid_name
from opbook.definitions.partition import (
    DynamicPartitionsDefinition,
    Partition,
    PartitionsDefinition,
)
from opbook.definitions.run_request import (
    PARTITION_NAME_TAG,
    PARTITION_SET_TAG,
    RunRequest,
    SkipReason,
)
from opbook.definitions.schedule import ScheduleDefinition, invocation_argument
from opbook.definitions.schedule_context import ScheduleEvaluationContext, schedule_user_code
from opbook.errors import CheckError, DagsterInvalidDefinitionError, DagsterInvalidInvocationError

T = TypeVar("T")

PartitionSelector = Callable[[ScheduleEvaluationContext, "PartitionSetDefinition[Any]"], Any]


class PartitionSetDefinition(Frozen, Generic[T]):
    """A job's (or pipeline's) partitions, with the run config and tags of each.

    Args:
        name: the partition set's name.
        pipeline_name: the pipeline it runs (legacy; or ``job_name``).
        partition_fn: ``f()`` or ``f(current_time)`` listing ``Partition`` objects or keys.
        solid_selection: (legacy) the solids to run.
        mode: (legacy) the pipeline's mode.
        run_config_fn_for_partition: ``f(partition) -> dict``, a partition's run config.
        tags_fn_for_partition: ``f(partition) -> dict``, a partition's extra tags.
        partitions_def: the partitions (instead of ``partition_fn``).
        job_name: the job it runs.
    """

    _repository_kind = "partition_set"  # how a repository sorts its members

    def __init__(
        self,
        name: str,
        pipeline_name: str | None = None,
        partition_fn: Callable[..., Sequence[Any]] | None = None,
        solid_selection: Sequence[str] | None = None,
        mode: str | None = None,
        run_config_fn_for_partition: Callable[[Partition[T]], Any] = lambda _partition: {},
        tags_fn_for_partition: Callable[[Partition[T]], Mapping[str, Any] | None] = (
            lambda _partition: {}
        ),
        partitions_def: PartitionsDefinition[T] | None = None,
        job_name: str | None = None,
    ) -> None:
        if partition_fn is None and partitions_def is None:
            raise CheckError("One of `partition_fn` or `partitions_def` must be supplied.")
        if partition_fn is not None and partitions_def is not None:
            raise CheckError("Only one of `partition_fn` or `partitions_def` must be supplied.")
        if pipeline_name and job_name:
            raise CheckError("Only one of `job_name` and `pipeline_name` must be supplied.")
        if partitions_def is not None and not isinstance(partitions_def, PartitionsDefinition):
            raise CheckError(
                f'Param "partitions_def" is not a PartitionsDefinition. Got {partitions_def!r}.'
            )
        self._name = check_valid_name(name)
        self._pipeline_name = pipeline_name
        self._job_name = job_name
        self._solid_selection = list(solid_selection) if solid_selection is not None else None
        self._mode = mode or DEFAULT_MODE_NAME
        self._run_config_fn = run_config_fn_for_partition
        self._tags_fn = tags_fn_for_partition
        self._partitions_def: PartitionsDefinition[Any] = (
            partitions_def if partitions_def is not None else _from_partition_fn(partition_fn)  # type: ignore[arg-type]
        )

    @property
    def name(self) -> str:
        return self._name

    @property
    def pipeline_name(self) -> str | None:
        return self._pipeline_name

    @property
    def job_name(self) -> str | None:
        return self._job_name

    @property
    def solid_selection(self) -> list[str] | None:
        return self._solid_selection

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def partitions_def(self) -> PartitionsDefinition[Any]:
        return self._partitions_def

    @property
    def partition_fn(self) -> Callable[..., list[Partition[T]]]:
        """(legacy) ``f(current_time=None)`` listing the partitions, as the pipeline
        generation's partition set kept it: the same as ``get_partitions``."""
        return self.get_partitions

    def get_partitions(self, current_time: datetime | None = None) -> list[Partition[T]]:
        """The partitions as of ``current_time`` (default: now, in UTC)."""
        return self._partitions_def.get_partitions(current_time)

    def get_partition(self, name: str) -> Partition[T]:
        """The partition named ``name`` (now).

        Raises:
            CheckError: no partition has that name.
        """
        for partition in self.get_partitions():
            if partition.name == name:
                return partition
        raise CheckError(f"Partition name {name} not found!")

    def get_partition_names(self, current_time: datetime | None = None) -> list[str]:
        return [partition.name for partition in self.get_partitions(current_time)]

    def run_config_for_partition(self, partition: Partition[T]) -> dict[str, Any]:
        """A copy of the run config of ``partition``."""
        return copy.deepcopy(self._run_config_fn(partition))

    def tags_for_partition(self, partition: Partition[T]) -> dict[str, Any]:
        """The tags of a run of ``partition``: the user's, then the partition's own two."""
        user_tags = copy.deepcopy(self._tags_fn(partition)) or {}
        if not isinstance(user_tags, Mapping):
            raise CheckError(
                f'tags_fn_for_partition of partition set "{self._name}" must return a dict, got {user_tags!r}.'
            )
        return {**user_tags, PARTITION_NAME_TAG: partition.name, PARTITION_SET_TAG: self._name}

    def create_schedule_definition(
        self,
        schedule_name: str,
        cron_schedule: str,
        partition_selector: PartitionSelector,
        should_execute: Callable[[ScheduleEvaluationContext], bool] | None = None,
        environment_vars: Mapping[str, str] | None = None,
        execution_timezone: str | None = None,
        description: str | None = None,
        decorated_fn: Callable[..., Any] | None = None,
        job: Any = None,
    ) -> PartitionScheduleDefinition:
        """A schedule that runs the partition(s) ``partition_selector`` picks at each tick.

        Args:
            schedule_name: the schedule's name.
            cron_schedule: when it runs.
            partition_selector: ``f(context, partition_set)`` returning a ``Partition``, a list
                of them, or a ``SkipReason`` (see ``identity_partition_selector``).
            should_execute: ``f(context) -> bool``; False skips the tick.
            environment_vars: kept on the schedule.
            execution_timezone: IANA time zone of the cron string.
            description: a human-readable description.

        Returns:
            PartitionScheduleDefinition
        """
        if not callable(partition_selector):
            raise CheckError(
                f'Param "partition_selector" is not callable. Got {partition_selector!r}.'
            )

        def evaluate(context: ScheduleEvaluationContext) -> Iterator[RunRequest | SkipReason]:
            yield from self._requests_for_tick(
                schedule_name, partition_selector, should_execute, context
            )

        return PartitionScheduleDefinition(
            name=schedule_name,
            cron_schedule=cron_schedule,
            pipeline_name=self._pipeline_name or self._job_name,
            solid_selection=self._solid_selection,
            mode=self._mode,
            environment_vars=environment_vars,
            partition_set=self,
            execution_timezone=execution_timezone,
            execution_fn=evaluate,
            description=description,
            decorated_fn=decorated_fn,
            job=job,
        )

    def _requests_for_tick(
        self,
        schedule_name: str,
        selector: PartitionSelector,
        should_execute: Callable[[ScheduleEvaluationContext], bool] | None,
        context: ScheduleEvaluationContext,
    ) -> Iterator[RunRequest | SkipReason]:
        with schedule_user_code(
            lambda: (
                f"Error occurred during the execution of partition_selector for schedule {schedule_name}"
            )
        ):
            selected = selector(context, self)
        if isinstance(selected, SkipReason):
            yield selected
            return
        partitions = list(selected) if isinstance(selected, (list, tuple)) else [selected]
        for partition in partitions:
            if not isinstance(partition, Partition):
                raise CheckError(
                    f"The partition selector of schedule {schedule_name} must return Partition "
                    f"objects or a SkipReason, got {partition!r}."
                )
        if not partitions:
            yield SkipReason("Partition selector returned an empty list of partitions.")
            return
        known = set(self.get_partition_names(context.scheduled_execution_time))
        missing = [p.name for p in partitions if p.name not in known]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            yield SkipReason(
                f"Partition selector returned partition{plural} not in the partition set: {', '.join(missing)}."
            )
            return
        if should_execute is not None:
            with schedule_user_code(
                lambda: (
                    f"Error occurred during the execution of should_execute for schedule {schedule_name}"
                )
            ):
                if not should_execute(context):
                    yield SkipReason(f"should_execute function for {schedule_name} returned false.")
                    return
        for partition in partitions:
            with schedule_user_code(
                lambda: (
                    f"Error occurred during the execution of run_config_fn for schedule {schedule_name}"
                )
            ):
                run_config = self.run_config_for_partition(partition)
            with schedule_user_code(
                lambda: (
                    f"Error occurred during the execution of tags_fn for schedule {schedule_name}"
                )
            ):
                tags = self.tags_for_partition(partition)
            yield RunRequest(run_key=partition.name, run_config=run_config, tags=tags)

    def __repr__(self) -> str:
        return f"<PartitionSetDefinition {self._name!r}>"


def _from_partition_fn(partition_fn: Callable[..., Sequence[Any]]) -> DynamicPartitionsDefinition:
    """Partitions listed by a user's ``partition_fn`` (taking the current time, or nothing)."""
    if not callable(partition_fn):
        raise CheckError(f'Param "partition_fn" is not callable. Got {partition_fn!r}.')
    takes_time = len(inspect.signature(partition_fn).parameters) == 1

    def listed(current_time: datetime | None) -> list[Partition[Any]]:
        items = partition_fn(current_time or now("UTC")) if takes_time else partition_fn()
        return [_as_partition(item) for item in items]

    return DynamicPartitionsDefinition(listed)


def _as_partition(item: Any) -> Partition[Any]:
    if isinstance(item, Partition):
        return item
    if isinstance(item, str):
        return Partition(item)
    raise DagsterInvalidDefinitionError(f"Expected <Partition> | <str>, received {type(item)}")


class PartitionScheduleDefinition(ScheduleDefinition):
    """A schedule made from a partition set (by ``create_schedule_definition`` or by the
    ``daily_schedule`` family of decorators); ``get_partition_set()`` gives the set back."""

    def __init__(
        self,
        name: str,
        cron_schedule: str,
        pipeline_name: str | None,
        partition_set: PartitionSetDefinition[Any],
        execution_fn: Callable[[ScheduleEvaluationContext], Any],
        solid_selection: Sequence[str] | None = None,
        mode: str | None = None,
        environment_vars: Mapping[str, str] | None = None,
        execution_timezone: str | None = None,
        description: str | None = None,
        decorated_fn: Callable[..., Any] | None = None,
        job: Any = None,
    ) -> None:
        super().__init__(
            name=check_valid_name(name),
            cron_schedule=cron_schedule,
            pipeline_name=pipeline_name,
            solid_selection=solid_selection,
            mode=mode,
            environment_vars=environment_vars,
            execution_timezone=execution_timezone,
            execution_fn=execution_fn,
            description=description,
            job=job,
        )
        self._partition_set = partition_set
        self._decorated_fn = decorated_fn

    def get_partition_set(self) -> PartitionSetDefinition[Any]:
        return self._partition_set

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the decorated function with a partition's date: ``my_schedule(date)``."""
        if self._decorated_fn is None:
            raise DagsterInvalidInvocationError(
                "Only partition schedules created using one of the partition schedule decorators "
                "can be directly invoked."
            )
        date = invocation_argument(self._decorated_fn, args, kwargs, "date")
        param = next(iter(inspect.signature(self._decorated_fn).parameters))
        if date is not None and not isinstance(date, datetime):
            raise CheckError(
                f'Param "{param}" is not a datetime. Got {date!r} which is type {type(date)}.'
            )
        return self._decorated_fn(date)
