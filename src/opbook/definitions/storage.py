"""Intermediate storage definitions: where step outputs are kept between steps.

Pure data, like executor definitions: the ``storage`` package implements the built-in ones by
name (``in_memory``, ``filesystem``); custom ones bring a creation function.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from opbook import config as cfg
from opbook.definitions.frozen import Frozen


class IntermediateStorageDefinition(Frozen):
    """Where outputs go: ``name``, whether values outlive the process, and a config schema."""

    def __init__(
        self,
        name: str,
        is_persistent: bool,
        required_resource_keys: Iterable[str] | None = None,
        config_schema: Any = None,
        intermediate_storage_creation_fn: Callable[..., Any] | None = None,
        description: str | None = None,
    ) -> None:
        self.name = name
        self.is_persistent = is_persistent
        self.required_resource_keys = frozenset(required_resource_keys or ())
        self.config_field: cfg.Field | None = (
            None if config_schema is None else cfg.convert_to_field(config_schema)
        )
        self.creation_fn = intermediate_storage_creation_fn
        self.description = description

    @property
    def config_schema(self) -> cfg.Field | None:
        return self.config_field

    def __repr__(self) -> str:
        return f"<IntermediateStorageDefinition {self.name!r}>"


SystemStorageDefinition = IntermediateStorageDefinition


def intermediate_storage(
    required_resource_keys: Iterable[str] | None = None,
    name: str | None = None,
    is_persistent: bool = True,
    config_schema: Any = None,
) -> Callable[[Callable[..., Any]], IntermediateStorageDefinition]:
    """Define an intermediate storage from ``fn(init_context) -> storage object``."""

    def wrap(fn: Callable[..., Any]) -> IntermediateStorageDefinition:
        return IntermediateStorageDefinition(
            name or fn.__name__, is_persistent, required_resource_keys, config_schema, fn
        )

    return wrap


system_storage = intermediate_storage

_BASE_DIR = {
    "base_dir": cfg.Field(
        cfg.StringSource, is_required=False, description="Directory for stored values."
    )
}

mem_intermediate_storage = IntermediateStorageDefinition(
    "in_memory", is_persistent=False, description="Keeps outputs in memory, in the instance."
)
fs_intermediate_storage = IntermediateStorageDefinition(
    "filesystem",
    is_persistent=True,
    config_schema=_BASE_DIR,
    description="Pickles outputs to files.",
)
default_intermediate_storage_defs = [mem_intermediate_storage, fs_intermediate_storage]

mem_system_storage = mem_intermediate_storage
fs_system_storage = fs_intermediate_storage
default_system_storage_defs = default_intermediate_storage_defs
