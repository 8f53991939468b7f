"""The context a schedule's functions are given when it is evaluated.

``ScheduleEvaluationContext`` carries the tick's scheduled time and, when one was given, the
instance that records runs.  ``build_schedule_context`` makes one for tests and for evaluating
a schedule by hand; ``ScheduleExecutionContext`` is its legacy name.  The user-code boundary of
schedule evaluation lives here too, since every schedule kind shares it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from opbook.definitions.engine import engine
from opbook.errors import (
    CheckError,
    DagsterInvariantViolationError,
    ScheduleExecutionError,
    user_code_boundary,
)


class ScheduleEvaluationContext:
    """What a schedule's function receives: the tick's time, and the instance if known.

    Args:
        instance_ref: the instance (an ``InstanceRef``, or an instance itself); None in tests.
        scheduled_execution_time: when the tick was due (None: evaluated outside a tick).

    Also a context manager: leaving it closes an instance it opened from a ref.
    """

    __slots__ = ("_instance", "_instance_ref", "_opened", "_scheduled_execution_time")

    def __init__(self, instance_ref: Any, scheduled_execution_time: datetime | None) -> None:
        if scheduled_execution_time is not None and not isinstance(
            scheduled_execution_time, datetime
        ):
            raise CheckError(
                'Param "scheduled_execution_time" is not a datetime. Got '
                f"{scheduled_execution_time!r} which is type {type(scheduled_execution_time)}."
            )
        is_instance = instance_ref is not None and hasattr(instance_ref, "get_ref")
        self._instance_ref = instance_ref.get_ref() if is_instance else instance_ref
        self._instance: Any = instance_ref if is_instance else None
        self._opened = False
        self._scheduled_execution_time = scheduled_execution_time

    def __enter__(self) -> ScheduleEvaluationContext:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._opened and self._instance is not None:
            self._instance.dispose()
            self._instance, self._opened = None, False

    @property
    def instance_ref(self) -> Any:
        return self._instance_ref

    @property
    def instance(self) -> Any:
        """The instance the schedule runs against.

        Raises:
            DagsterInvariantViolationError: the context was built without one.
        """
        if self._instance is None:
            if self._instance_ref is None:
                raise DagsterInvariantViolationError(
                    "Attempted to initialize dagster instance, but no instance reference was provided."
                )
            self._instance = engine().instance_from_ref(self._instance_ref)
            self._opened = True
        return self._instance

    @property
    def scheduled_execution_time(self) -> datetime | None:
        return self._scheduled_execution_time

    def __repr__(self) -> str:
        return f"ScheduleEvaluationContext(scheduled_execution_time={self._scheduled_execution_time!r})"


ScheduleExecutionContext = ScheduleEvaluationContext
"""The legacy name of :class:`ScheduleEvaluationContext`."""


def build_schedule_context(
    instance: Any = None, scheduled_execution_time: datetime | None = None
) -> ScheduleEvaluationContext:
    """A context to evaluate a schedule with, by hand or in a test.

    Args:
        instance: the instance the schedule's functions may use (``context.instance``).
        scheduled_execution_time: the tick's time (naive: read in the schedule's time zone).

    Returns:
        ScheduleEvaluationContext
    """
    return ScheduleEvaluationContext(instance, scheduled_execution_time)


def schedule_user_code(message: Callable[[], str]) -> user_code_boundary:
    """The boundary around a schedule's user function: its exception becomes a
    ``ScheduleExecutionError`` (the original kept as ``user_exception`` and ``__cause__``);
    opbook's own errors pass."""
    return user_code_boundary(ScheduleExecutionError, lambda _exc: message(), (CheckError,))
