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
        return PythonArtifactMetadataEntryData(value.__module__, value.__name__)


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
        return EventMetadataEntry(
            label, description, PythonArtifactMetadataEntryData(value.__module__, value.__name__)
        )


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
