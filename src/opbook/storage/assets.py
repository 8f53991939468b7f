"""The asset catalog: which assets were materialized, by which runs, at which storage ids.

An event storage keeps this index as it writes (``index_events`` picks out the
``ASSET_MATERIALIZATION`` events of a batch), so that asking about one asset never reads the
whole event log.  ``AssetIndex`` is the in-memory index; the SQLite storage keeps the same rows
in tables of its own (``sqlite.py``).  Keys are stored as their JSON path
(``["db", "table"]``), as Dagster's databases do.

Wiping an asset (``DagsterInstance.wipe_assets``) forgets its index rows: its key leaves the
catalog and its materializations are no longer found by asset, while the runs' event logs keep
every event.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any, NamedTuple

from opbook.definitions.user_events import AssetKey
from opbook.events import DagsterEvent, DagsterEventType

_MATERIALIZATION = DagsterEventType.ASSET_MATERIALIZATION.value
_type_of = attrgetter("event_type_value")


class AssetRow(NamedTuple):
    """One materialization in the index."""

    storage_id: int
    run_id: str
    key: str  # the asset key's JSON path
    partition: str | None
    event: DagsterEvent


def key_string(asset_key: AssetKey) -> str:
    """The stored form of an asset key: its path as JSON."""
    return json.dumps(list(asset_key.path))


def key_from_string(text: str) -> AssetKey:
    return AssetKey(json.loads(text))


def as_asset_key(asset_key: Any, what: str = "asset_key") -> AssetKey:
    """``asset_key`` as an ``AssetKey``; a clear error for anything else."""
    if isinstance(asset_key, AssetKey):
        return asset_key
    raise TypeError(
        f'Param "{what}" is not an AssetKey: got {asset_key!r} of type {type(asset_key).__name__}. '
        f"Pass AssetKey({asset_key!r}) instead."
    )


def index_events(
    run_id: str, events: Sequence[DagsterEvent], storage_ids: Iterable[int]
) -> list[AssetRow]:
    """The index rows of the materializations among ``events`` (stored under ``storage_ids``)."""
    if _MATERIALIZATION not in map(_type_of, events):
        return []  # most batches: looked through without a Python-level loop
    rows = []
    for storage_id, event in zip(storage_ids, events, strict=False):
        if event.event_type_value != _MATERIALIZATION:
            continue
        key = event.asset_key
        if key is None:
            continue
        partition = event.partition
        rows.append(
            AssetRow(
                storage_id,
                run_id,
                key_string(key),
                None if partition is None else str(partition),
                event,
            )
        )
    return rows


class AssetIndex:
    """The asset catalog of an in-memory event storage."""

    def __init__(self) -> None:
        self._rows: dict[str, list[AssetRow]] = {}  # key -> rows in storage-id order

    def add(self, rows: Iterable[AssetRow]) -> None:
        for row in rows:
            self._rows.setdefault(row.key, []).append(row)

    def keys(self) -> list[str]:
        return list(self._rows)

    def has(self, key: str) -> bool:
        return key in self._rows

    def rows(self, key: str) -> list[AssetRow]:
        return list(self._rows.get(key, ()))

    def wipe(self, key: str) -> None:
        self._rows.pop(key, None)

    def drop_run(self, run_id: str) -> None:
        for key in list(self._rows):
            kept = [row for row in self._rows[key] if row.run_id != run_id]
            if kept:
                self._rows[key] = kept
            else:
                del self._rows[key]

    def clear(self) -> None:
        self._rows.clear()
