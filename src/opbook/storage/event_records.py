"""Event records across runs: each stored event with its storage id, for cursors.

A storage id grows with every event stored, in any run, so ``after_cursor=<the last id seen>``
gives what happened since: what sensors keep as their cursor.  ``EventRecordsFilter`` chooses
the records as Dagster's does (event type, asset key, storage ids, timestamps).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from opbook.events import DagsterEvent, DagsterEventType
from opbook.storage.event_log import EventLogEntry


class EventLogRecord(NamedTuple):
    """A stored event and its storage id."""

    storage_id: int
    event_log_entry: EventLogEntry


class EventRecordsFilter(NamedTuple):
    """Which event records ``DagsterInstance.get_event_records`` returns; every given field
    must hold.

    Args:
        event_type: only events of this type.
        asset_key: only materializations of this asset.
        asset_partitions: only materializations of these partitions (with ``asset_key``).
        after_cursor: only records with a storage id greater than this.
        before_cursor: only records with a storage id less than this.
        after_timestamp: only events after this time (seconds since the epoch).
        before_timestamp: only events before this time.
    """

    event_type: DagsterEventType | None = None
    asset_key: Any = None
    asset_partitions: list[str] | None = None
    after_cursor: int | None = None
    before_cursor: int | None = None
    after_timestamp: float | None = None
    before_timestamp: float | None = None

    def matches(self, storage_id: int, event: DagsterEvent) -> bool:
        if self.before_cursor is not None and storage_id >= self.before_cursor:
            return False
        if self.event_type is not None and event.event_type_value != self.event_type.value:
            return False
        if self.after_timestamp is not None and event.timestamp <= self.after_timestamp:
            return False
        if self.before_timestamp is not None and event.timestamp >= self.before_timestamp:
            return False
        if self.asset_key is None:
            return True
        if event.event_type_value != DagsterEventType.ASSET_MATERIALIZATION.value:
            return False
        if event.asset_key != self.asset_key:
            return False
        return self.asset_partitions is None or _partition(event) in self.asset_partitions


def _partition(event: DagsterEvent) -> Any:
    materialization = getattr(event.event_specific_data, "materialization", None)
    return getattr(materialization, "partition", None)


def select(
    records: Iterable[tuple[int, str, DagsterEvent]],
    records_filter: EventRecordsFilter | None,
    limit: int | None,
    ascending: bool,
) -> list[EventLogRecord]:
    """The records the filter keeps, ascending or descending by storage id, at most ``limit``."""
    chosen = [
        EventLogRecord(storage_id, EventLogEntry(run_id, event))
        for storage_id, run_id, event in records
        if records_filter is None or records_filter.matches(storage_id, event)
    ]
    if not ascending:
        chosen.reverse()
    return chosen if limit is None else chosen[:limit]
