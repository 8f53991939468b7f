"""Data the engine derives from definitions (plans, run-config schemas, resource keys), kept
beside the definitions and never on them.

Definitions are values: what is worked out from one is memoized in tables keyed weakly by the
definition object, so a definition carries no engine state, a changed copy (``with_hooks``, a
redefined op) starts with empty tables, and the tables go when the definition does.  A subset
of a job shares its job's tables, whose keys include the selection.
"""

from __future__ import annotations

from typing import Any
from weakref import WeakKeyDictionary

_tables: WeakKeyDictionary[Any, dict[str, dict[Any, Any]]] = WeakKeyDictionary()


def memo_table(definition: Any, name: str) -> dict[Any, Any]:
    """The memo table ``name`` of ``definition`` (created empty on first use)."""
    tables = _tables.get(definition)
    if tables is None:
        tables = _tables[definition] = {}
    table = tables.get(name)
    if table is None:
        table = tables[name] = {}
    return table


def share_memo_tables(copy: Any, original: Any) -> None:
    """Let ``copy`` (a subset of ``original``) read and fill ``original``'s tables."""
    tables = _tables.get(original)
    if tables is None:
        tables = _tables[original] = {}
    _tables[copy] = tables
