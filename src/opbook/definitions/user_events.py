"""Values user code returns, yields or raises: outputs, materializations, expectations, type
check results, and the ``Failure`` / ``RetryRequested`` control-flow exceptions."""

from __future__ import annotations

import keyword
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from opbook.definitions.metadata import EventMetadataEntry, normalize_metadata
from opbook.errors import CheckError, DagsterInvalidDefinitionError


class Output:
    """A value for one named output of an op: ``yield Output(5, "count")``."""

    __slots__ = ("metadata_entries", "output_name", "value")

    def __init__(
        self,
        value: Any,
        output_name: str = "result",
        metadata_entries: Sequence[EventMetadataEntry] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(output_name, str):
            raise CheckError(f'Param "output_name" is not a str. Got {output_name!r}.')
        self.value = value
        self.output_name = output_name
        self.metadata_entries = (
            normalize_metadata(metadata_entries, metadata) if (metadata_entries or metadata) else []
        )

    def __repr__(self) -> str:
        return f"Output(value={self.value!r}, output_name={self.output_name!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Output)
            and other.value == self.value
            and other.output_name == self.output_name
            and other.metadata_entries == self.metadata_entries
        )

    __hash__ = None  # type: ignore[assignment]


# Names Dagster refuses for nodes, and so for mapping keys (which become parts of step keys).
_RESERVED_NAMES = frozenset(
    {
        "context", "conf", "config", "meta", "arg_dict", "dict", "input_arg_dict",
        "output_arg_dict", "int", "str", "float", "bool", "input", "output", "type",
        *keyword.kwlist,
    }
)  # fmt: skip
_VALID_KEY = re.compile(r"^[A-Za-z0-9_]+$")


def check_mapping_key(mapping_key: Any) -> str:
    """``mapping_key`` itself, if Dagster would accept it: it names a mapped step
    (``op[mapping_key]``), so it follows the rule for names."""
    if not isinstance(mapping_key, str):
        raise CheckError(f'Param "mapping_key" is not a str. Got {mapping_key!r}.')
    if mapping_key in _RESERVED_NAMES:
        raise DagsterInvalidDefinitionError(
            f'"{mapping_key}" is not a valid name in Dagster. It conflicts with a Dagster or '
            "python reserved keyword."
        )
    if not _VALID_KEY.match(mapping_key):
        raise DagsterInvalidDefinitionError(
            f'"{mapping_key}" is not a valid name in Dagster. Names must be in regex '
            f"{_VALID_KEY.pattern}."
        )
    return mapping_key


class DynamicOutput:
    """One value of a dynamic output (``DynamicOut`` / ``DynamicOutputDefinition``): an op
    yields one per item, each under its own ``mapping_key``; downstream, ``.map`` runs an op
    once per item (step ``op[mapping_key]``) and ``.collect()`` gathers them into a list.

    Args:
        value: the item.
        mapping_key: names the item among its peers: letters, digits and underscores.
        output_name: the dynamic output it belongs to (``"result"`` by default).
        metadata_entries: metadata attached to the STEP_OUTPUT event.
        metadata: the same, as a dict of label to value.
    """

    __slots__ = ("mapping_key", "metadata_entries", "output_name", "value")

    def __init__(
        self,
        value: Any,
        mapping_key: str,
        output_name: str = "result",
        metadata_entries: Sequence[EventMetadataEntry] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(output_name, str):
            raise CheckError(f'Param "output_name" is not a str. Got {output_name!r}.')
        self.value = value
        self.mapping_key = check_mapping_key(mapping_key)
        self.output_name = output_name
        self.metadata_entries = (
            normalize_metadata(metadata_entries, metadata) if (metadata_entries or metadata) else []
        )

    def __repr__(self) -> str:
        return (
            f"DynamicOutput(value={self.value!r}, mapping_key={self.mapping_key!r}, "
            f"output_name={self.output_name!r})"
        )

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DynamicOutput)
            and other.value == self.value
            and other.mapping_key == self.mapping_key
            and other.output_name == self.output_name
            and other.metadata_entries == self.metadata_entries
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class AssetKey:
    """A path naming an asset: ``AssetKey(["db", "table"])`` or ``AssetKey("table")``.

    As in Dagster, ``path`` is a list (``AssetKey("table").path == ["table"]``), or the tuple
    given; two keys are equal when their dotted strings are.
    """

    path: list[str] | tuple[str, ...]

    def __init__(self, path: str | Sequence[str]) -> None:
        parts = [path] if isinstance(path, str) else path if isinstance(path, tuple) else list(path)
        object.__setattr__(self, "path", parts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AssetKey) and self.to_string() == other.to_string()

    def __hash__(self) -> int:
        return hash(tuple(self.path))

    def to_string(self) -> str:
        return ".".join(self.path)

    def __str__(self) -> str:
        return self.to_string()


def _as_asset_key(key: Any) -> AssetKey | None:
    if key is None or isinstance(key, AssetKey):
        return key
    return AssetKey(key)


class AssetMaterialization:
    """An asset written by an op: yield it from the compute function."""

    def __init__(
        self,
        asset_key: str | Sequence[str] | AssetKey,
        description: str | None = None,
        metadata_entries: Sequence[EventMetadataEntry] | None = None,
        partition: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        key = _as_asset_key(asset_key)
        if key is None:
            raise DagsterInvalidDefinitionError("AssetMaterialization needs an asset_key.")
        self.asset_key = key
        self.description = description
        self.metadata_entries = normalize_metadata(metadata_entries, metadata)
        self.partition = partition

    @property
    def label(self) -> str:
        """The asset key's path joined with spaces (``"foo bar"``), as Dagster shows it."""
        return " ".join(self.asset_key.path)

    @staticmethod
    def file(
        path: str, description: str | None = None, asset_key: Any = None
    ) -> AssetMaterialization:
        return AssetMaterialization(
            asset_key=_as_asset_key(asset_key) or AssetKey(str(path)),
            description=description,
            metadata_entries=[EventMetadataEntry.path(str(path), "path")],
        )

    def __repr__(self) -> str:
        return f"AssetMaterialization(asset_key={self.asset_key.path!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AssetMaterialization) and (
            other.asset_key,
            other.description,
            other.metadata_entries,
            other.partition,
        ) == (self.asset_key, self.description, self.metadata_entries, self.partition)

    __hash__ = None  # type: ignore[assignment]


class Materialization(AssetMaterialization):
    """The pipeline generation's materialization: a label, optionally an asset key."""

    def __init__(
        self,
        label: str | None = None,
        description: str | None = None,
        metadata_entries: Sequence[EventMetadataEntry] | None = None,
        asset_key: Any = None,
        partition: str | None = None,
    ) -> None:
        key = _as_asset_key(asset_key) or AssetKey(label or "materialization")
        super().__init__(key, description, metadata_entries, partition)
        self._label = label

    @property
    def label(self) -> str:
        return self._label or self.asset_key.to_string()

    @staticmethod
    def file(path: str, description: str | None = None, asset_key: Any = None) -> Materialization:
        return Materialization(
            label=str(path),
            description=description,
            metadata_entries=[EventMetadataEntry.path(str(path), "path")],
            asset_key=asset_key,
        )


class ExpectationResult:
    """The outcome of a data-quality expectation checked inside an op."""

    def __init__(
        self,
        success: bool,
        label: str | None = None,
        description: str | None = None,
        metadata_entries: Sequence[EventMetadataEntry] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if not isinstance(success, bool):
            raise CheckError(f'Param "success" is not a bool. Got {success!r}.')
        self.success = success
        self.label = label or "result"
        self.description = description
        self.metadata_entries = normalize_metadata(metadata_entries, metadata)

    def __repr__(self) -> str:
        return f"ExpectationResult(success={self.success}, label={self.label!r})"


@dataclass
class TypeCheck:
    """The result of a type check: ``success`` plus an optional description and metadata."""

    success: bool
    description: str | None = None
    metadata_entries: list[EventMetadataEntry] = field(default_factory=list)
    metadata: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.metadata:
            self.metadata_entries = normalize_metadata(self.metadata_entries, self.metadata)


class Failure(Exception):
    """Raise inside an op to fail its step on purpose, with a description and metadata."""

    def __init__(
        self,
        description: str | None = None,
        metadata_entries: Sequence[EventMetadataEntry] | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.metadata_entries = normalize_metadata(metadata_entries, metadata)


class RetryRequested(Exception):
    """Raise inside an op to ask for another attempt of its step."""

    def __init__(self, max_retries: int = 1, seconds_to_wait: float | None = None) -> None:
        super().__init__()
        self.max_retries = max_retries
        self.seconds_to_wait = seconds_to_wait


class Backoff(Enum):
    """How a :class:`RetryPolicy`'s ``delay`` grows with the retry number ``n`` (1 for the
    first retry): ``LINEAR`` waits ``n * delay``, ``EXPONENTIAL`` waits ``(2**n - 1) * delay``."""

    LINEAR = "LINEAR"
    EXPONENTIAL = "EXPONENTIAL"


class Jitter(Enum):
    """Randomness added to a :class:`RetryPolicy`'s wait, after ``backoff``: ``FULL`` waits a
    random part of it (``random() * wait``), ``PLUS_MINUS`` adds up to ``delay`` either way
    (``wait + (2 * random() - 1) * delay``)."""

    FULL = "FULL"
    PLUS_MINUS = "PLUS_MINUS"


@dataclass(frozen=True)
class RetryPolicy:
    """Retry an op whose compute function raised: up to ``max_retries`` more attempts,
    waiting ``delay`` seconds before each, grown by ``backoff`` and randomised by ``jitter``
    (both need a ``delay``)."""

    max_retries: int = 1
    delay: float | None = None
    backoff: Backoff | None = None
    jitter: Jitter | None = None

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise CheckError(f"RetryPolicy max_retries must be >= 0, got {self.max_retries}.")
        for name, kind in (("backoff", Backoff), ("jitter", Jitter)):
            value = getattr(self, name)
            if value is not None and not isinstance(value, kind):
                raise CheckError(
                    f'Param "{name}" is not a {kind.__name__}. Got {value!r} which is type '
                    f"{type(value)}; use {kind.__name__}.{next(iter(kind)).name} or another member."
                )
            if value is not None and self.delay is None:
                raise DagsterInvalidDefinitionError(
                    f"Can not set {name} on RetryPolicy without also setting delay"
                )

    def calculate_delay(self, attempt_num: int) -> float:
        """The seconds to wait before retry number ``attempt_num`` (1 for the first retry)."""
        base = self.delay or 0
        if self.backoff is Backoff.EXPONENTIAL:
            wait = ((2**attempt_num) - 1) * base
        elif self.backoff is Backoff.LINEAR:
            wait = attempt_num * base
        else:
            wait = base
        if self.jitter is Jitter.FULL:
            wait = random.random() * wait
        elif self.jitter is Jitter.PLUS_MINUS:
            wait = wait + (2 * random.random() * base) - base
        return wait
