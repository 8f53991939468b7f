"""Partitions: the slices of a job's work, and run config chosen by slice.

A ``Partition`` is a value with a name (its key).  A ``PartitionsDefinition`` lists the
partitions that exist at a given time: a fixed list (``StaticPartitionsDefinition``), a
function's answer (``DynamicPartitionsDefinition``) or time windows (``time_window``).  A
``PartitionedConfig`` pairs partitions with a function from a partition to run config; given as
a job's ``config``, it lets ``job.execute_in_process(partition_key=...)`` run one slice.
"""

from __future__ import annotations

import difflib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from opbook.definitions.frozen import Frozen
from opbook.errors import CheckError, DagsterInvalidInvocationError, DagsterUnknownPartitionError

T = TypeVar("T")


class Partition(Generic[T]):
    """One slice of a job's work: a value, and a name that is its key.

    Args:
        value: what the partition stands for (a date, a region...).
        name: its key (default: ``str(value)``).
    """

    def __init__(self, value: T, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise CheckError(f'Param "name" is not a str. Got {name!r} which is type {type(name)}.')
        self._value = value
        self._name = name if name is not None else str(value)

    @property
    def value(self) -> T:
        return self._value

    @property
    def name(self) -> str:
        return self._name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Partition) and (self.value, self.name) == (other.value, other.name)

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f"Partition(value={self._value!r}, name={self._name!r})"


class PartitionsDefinition(ABC, Generic[T]):
    """The partitions that exist, possibly depending on the current time."""

    @abstractmethod
    def get_partitions(self, current_time: datetime | None = None) -> list[Partition[T]]:
        """The partitions as of ``current_time`` (default: now)."""

    def get_partition_keys(self, current_time: datetime | None = None) -> list[str]:
        """The partitions' names as of ``current_time``."""
        return [partition.name for partition in self.get_partitions(current_time)]

    def __str__(self) -> str:
        return ", ".join(f"'{key}'" for key in self.get_partition_keys())


class StaticPartitionsDefinition(PartitionsDefinition[str]):
    """A fixed list of partitions, named by the given keys.

    Args:
        partition_keys: the keys, in order.
    """

    def __init__(self, partition_keys: Sequence[str]) -> None:
        if isinstance(partition_keys, str) or not all(isinstance(k, str) for k in partition_keys):
            raise CheckError(
                f"StaticPartitionsDefinition takes a list of str partition keys, got {partition_keys!r}."
            )
        self._partitions = [Partition(key) for key in partition_keys]

    def get_partitions(self, current_time: datetime | None = None) -> list[Partition[str]]:
        return list(self._partitions)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, StaticPartitionsDefinition) and self._partitions == other._partitions
        )

    def __hash__(self) -> int:
        return hash(tuple(p.name for p in self._partitions))

    def __repr__(self) -> str:
        return f"StaticPartitionsDefinition(partition_keys={[p.name for p in self._partitions]})"


class DynamicPartitionsDefinition(PartitionsDefinition[Any]):
    """Partitions that a function lists when asked (given the current time, or None).

    Args:
        partition_fn: ``f(current_time) -> list`` of ``Partition`` objects or of keys.
    """

    def __init__(self, partition_fn: Callable[[datetime | None], Sequence[Any]]) -> None:
        if not callable(partition_fn):
            raise CheckError(f"DynamicPartitionsDefinition needs a function, got {partition_fn!r}.")
        self.partition_fn = partition_fn

    def get_partitions(self, current_time: datetime | None = None) -> list[Partition[Any]]:
        return [
            p if isinstance(p, Partition) else Partition(p) for p in self.partition_fn(current_time)
        ]

    def __repr__(self) -> str:
        return f"DynamicPartitionsDefinition({self.partition_fn!r})"


class PartitionedConfig(Frozen, Generic[T]):
    """Run config by partition: a job configured with it runs one partition at a time.

    Args:
        partitions_def: the partitions.
        run_config_for_partition_fn: ``f(partition) -> dict``, the run config of a partition.
        decorated_fn: the function a decorator was applied to (for direct calls).
    """

    def __init__(
        self,
        partitions_def: PartitionsDefinition[T],
        run_config_for_partition_fn: Callable[[Partition[T]], dict[str, Any]],
        decorated_fn: Callable[..., dict[str, Any]] | None = None,
    ) -> None:
        if not isinstance(partitions_def, PartitionsDefinition):
            raise CheckError(
                f'Param "partitions_def" is not a PartitionsDefinition. Got {partitions_def!r} '
                f"which is type {type(partitions_def)}."
            )
        if not callable(run_config_for_partition_fn):
            raise CheckError(
                f'Param "run_config_for_partition_fn" is not callable. Got {run_config_for_partition_fn!r}.'
            )
        self._partitions_def = partitions_def
        self._run_config_for_partition_fn = run_config_for_partition_fn
        self._decorated_fn = decorated_fn

    @property
    def partitions_def(self) -> PartitionsDefinition[T]:
        return self._partitions_def

    @property
    def run_config_for_partition_fn(self) -> Callable[[Partition[T]], dict[str, Any]]:
        return self._run_config_for_partition_fn

    def get_partition_keys(self, current_time: datetime | None = None) -> list[str]:
        """The partition keys as of ``current_time`` (default: now)."""
        return self._partitions_def.get_partition_keys(current_time)

    def get_run_config(self, partition_key: str) -> dict[str, Any]:
        """The run config of the partition named ``partition_key``.

        Raises:
            DagsterUnknownPartitionError: no partition has that key (now).
        """
        for partition in self._partitions_def.get_partitions():
            if partition.name == partition_key:
                return self._run_config_for_partition_fn(partition)
        raise DagsterUnknownPartitionError(f"Could not find a partition with key `{partition_key}`")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the decorated function directly."""
        if self._decorated_fn is None:
            raise DagsterInvalidInvocationError(
                "Only PartitionedConfig objects created using one of the partitioned config "
                "decorators can be directly invoked."
            )
        return self._decorated_fn(*args, **kwargs)


def static_partitioned_config(
    partition_keys: Sequence[str],
) -> Callable[[Callable[[str], dict[str, Any]]], PartitionedConfig[str]]:
    """Run config for a fixed list of partitions: the function maps a key to run config.

    Args:
        partition_keys: the partitions' keys.

    Returns:
        A decorator making a :class:`PartitionedConfig`, for a job's ``config``.
    """
    partitions_def = StaticPartitionsDefinition(partition_keys)

    def inner(fn: Callable[[str], dict[str, Any]]) -> PartitionedConfig[str]:
        return PartitionedConfig(partitions_def, lambda partition: fn(partition.name), fn)

    return inner


def dynamic_partitioned_config(
    partition_fn: Callable[[datetime | None], Sequence[str]],
) -> Callable[[Callable[[str], dict[str, Any]]], PartitionedConfig[Any]]:
    """Run config for partitions that a function lists when asked.

    Args:
        partition_fn: ``f(current_time) -> list of keys`` (the current time may be None).

    Returns:
        A decorator making a :class:`PartitionedConfig`, for a job's ``config``.
    """
    if not callable(partition_fn):
        raise CheckError(f"dynamic_partitioned_config needs a function, got {partition_fn!r}.")

    def inner(fn: Callable[[str], dict[str, Any]]) -> PartitionedConfig[Any]:
        return PartitionedConfig(
            DynamicPartitionsDefinition(partition_fn), lambda partition: fn(partition.name), fn
        )

    return inner


KEYS_SHOWN = 10
"""An unknown-partition message lists every key up to this many, else the first and last few."""


def unknown_partition_message(job_name: str, partition_key: str, keys: Sequence[str]) -> str:
    """What to tell someone who asked for a partition that ``job_name`` does not have.

    Lists the keys there are (the first and last three, and their number, when there are many)
    and the close matches, e.g. ``Unknown partition '2021-13-01' for job 'daily'; partitions:
    2021-01-01, 2021-01-02, 2021-01-03, …, 2021-12-29, 2021-12-30, 2021-12-31 (365 in all);
    did you mean 2021-12-01?``
    """
    if not keys:
        listed = "none"
    elif len(keys) <= KEYS_SHOWN:
        listed = ", ".join(keys)
    else:
        listed = ", ".join([*keys[:3], "…", *keys[-3:]]) + f" ({len(keys)} in all)"
    message = f"Unknown partition {partition_key!r} for job {job_name!r}; partitions: {listed}"
    close = difflib.get_close_matches(partition_key, keys, n=3)
    if close:
        options = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
        message += f"; did you mean {options}?"
    return message
