"""Metadata attached to outputs, materializations, expectations, type checks and failures.

``EventMetadataEntry(label, description, entry_data)`` is the pipeline generation's spelling;
``MetadataValue`` and plain ``metadata={"label": value}`` dicts are the job generation's.  Both
end up as a list of entries whose ``entry_data`` is one of the small value classes below, so
events and DataFrames show metadata the same way whichever spelling the user wrote.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opbook.errors import DagsterInvalidDefinitionError


@dataclass(frozen=True)
class TextMetadataEntryData:
    text: str


@dataclass(frozen=True)
class UrlMetadataEntryData:
    url: str


@dataclass(frozen=True)
class PathMetadataEntryData:
    path: str


@dataclass(frozen=True)
class JsonMetadataEntryData:
    data: Any


@dataclass(frozen=True)
class MarkdownMetadataEntryData:
    md_str: str


@dataclass(frozen=True)
class FloatMetadataEntryData:
    value: float


@dataclass(frozen=True)
class IntMetadataEntryData:
    value: int


@dataclass(frozen=True)
class PythonArtifactMetadataEntryData:
    module: str
    name: str


@dataclass(frozen=True)
class MetadataValue:
    """Constructors for metadata values, usable in ``metadata={...}`` dicts."""

    @staticmethod
    def text(text: str) -> TextMetadataEntryData:
        return TextMetadataEntryData(text)

    @staticmethod
    def url(url: str) -> UrlMetadataEntryData:
        return UrlMetadataEntryData(url)

    @staticmethod
    def path(path: str) -> PathMetadataEntryData:
        return PathMetadataEntryData(str(path))

    @staticmethod
    def json(data: Any) -> JsonMetadataEntryData:
        return JsonMetadataEntryData(data)

    @staticmethod
    def md(md_str: str) -> MarkdownMetadataEntryData:
        return MarkdownMetadataEntryData(md_str)

    @staticmethod
    def float(value: float) -> FloatMetadataEntryData:
        return FloatMetadataEntryData(value)

    @staticmethod
    def int(value: int) -> IntMetadataEntryData:
        return IntMetadataEntryData(value)

    @staticmethod
    def python_artifact(value: Any) -> PythonArtifactMetadataEntryData:
        return _python_artifact(value)


# The pipeline generation's name for the same constructors.
EventMetadata = MetadataValue


def _python_artifact(value: Any) -> PythonArtifactMetadataEntryData:
    module, name = getattr(value, "__module__", None), getattr(value, "__name__", None)
    if not isinstance(module, str) or not isinstance(name, str):
        raise DagsterInvalidDefinitionError(
            f"A python artifact must be a class or a function (with a module and a name), got "
            f"{value!r}."
        )
    return PythonArtifactMetadataEntryData(module, name)


ENTRY_DATA_TYPES = (
    TextMetadataEntryData,
    UrlMetadataEntryData,
    PathMetadataEntryData,
    JsonMetadataEntryData,
    MarkdownMetadataEntryData,
    FloatMetadataEntryData,
    IntMetadataEntryData,
    PythonArtifactMetadataEntryData,
)


@dataclass(frozen=True)
class EventMetadataEntry:
    """One labelled piece of metadata."""

    label: str
    description: str | None
    entry_data: Any

    @staticmethod
    def text(text: str, label: str, description: str | None = None) -> EventMetadataEntry:
        return EventMetadataEntry(label, description, TextMetadataEntryData(text))

    @staticmethod
    def url(url: str, label: str, description: str | None = None) -> EventMetadataEntry:
        return EventMetadataEntry(label, description, UrlMetadataEntryData(url))

    @staticmethod
    def path(path: str, label: str, description: str | None = None) -> EventMetadataEntry:
        return EventMetadataEntry(label, description, PathMetadataEntryData(str(path)))

    @staticmethod
    def fspath(
        path: str, label: str | None = None, description: str | None = None
    ) -> EventMetadataEntry:
        return EventMetadataEntry(label or str(path), description, PathMetadataEntryData(str(path)))

    @staticmethod
    def json(data: Any, label: str, description: str | None = None) -> EventMetadataEntry:
        return EventMetadataEntry(label, description, JsonMetadataEntryData(data))

    @staticmethod
    def md(md_str: str, label: str, description: str | None = None) -> EventMetadataEntry:
        return EventMetadataEntry(label, description, MarkdownMetadataEntryData(md_str))

    @staticmethod
    def float(value: float, label: str, description: str | None = None) -> EventMetadataEntry:
        return EventMetadataEntry(label, description, FloatMetadataEntryData(value))

    @staticmethod
    def int(value: int, label: str, description: str | None = None) -> EventMetadataEntry:
        return EventMetadataEntry(label, description, IntMetadataEntryData(value))

    @staticmethod
    def python_artifact(
        value: Any, label: str, description: str | None = None
    ) -> EventMetadataEntry:
        return EventMetadataEntry(label, description, _python_artifact(value))

    @property
    def value(self) -> Any:
        """The entry's data (``TextMetadataEntryData(...)``, ...), as newer Dagster names it."""
        return self.entry_data


def _entry_data_for(label: str, value: Any) -> Any:
    if isinstance(value, ENTRY_DATA_TYPES):
        return value
    if isinstance(value, bool):
        return TextMetadataEntryData(str(value))
    if isinstance(value, int):
        return IntMetadataEntryData(value)
    if isinstance(value, float):
        return FloatMetadataEntryData(value)
    if isinstance(value, str):
        return TextMetadataEntryData(value)
    if isinstance(value, (dict, list)):
        try:
            json.dumps(value)
        except TypeError as exc:
            raise DagsterInvalidDefinitionError(
                f'Could not resolve the metadata value for "{label}" to a JSON value: {exc}'
            ) from exc
        return JsonMetadataEntryData(value)
    raise DagsterInvalidDefinitionError(
        f'Could not resolve the metadata value for "{label}" to a known type. '
        f"Its type was {type(value)}. Consider wrapping the value with the appropriate "
        "MetadataValue type."
    )


def normalize_metadata(
    metadata_entries: Sequence[EventMetadataEntry] | None, metadata: Mapping[str, Any] | None
) -> list[EventMetadataEntry]:
    """One list of entries from either spelling (entries first, then the dict's items)."""
    entries = list(metadata_entries or ())
    for label, value in (metadata or {}).items():
        entries.append(EventMetadataEntry(label, None, _entry_data_for(label, value)))
    return entries


def entry_value(entry: EventMetadataEntry) -> Any:
    """The plain value inside an entry, for tables and reprs."""
    data = entry.entry_data
    for attr in ("text", "url", "path", "data", "md_str", "value"):
        if hasattr(data, attr):
            return getattr(data, attr)
    if isinstance(data, PythonArtifactMetadataEntryData):
        return f"{data.module}.{data.name}"
    return data


# Where each kind of event payload keeps its metadata entries (besides ``metadata_entries``).
_NESTED = ("materialization", "expectation_result", "user_failure_data", "type_check_data")


def entries_of(payload: Any) -> list[EventMetadataEntry]:
    """Every metadata entry an event payload carries: its own, and those of the
    materialization, expectation result, failure or type check it holds."""
    if payload is None:
        return []
    entries = list(getattr(payload, "metadata_entries", None) or ())
    for attr in _NESTED:
        inner = getattr(payload, attr, None)
        if inner is not None:
            entries.extend(getattr(inner, "metadata_entries", None) or ())
    return [e for e in entries if isinstance(e, EventMetadataEntry)]


def metadata_of(payload: Any) -> dict[str, Any] | None:
    """``{label: plain value}`` of an event payload's metadata, or None when it has none (for
    the ``metadata`` column of event DataFrames)."""
    entries = entries_of(payload)
    if not entries:
        return None
    return {entry.label: entry_value(entry) for entry in entries}
