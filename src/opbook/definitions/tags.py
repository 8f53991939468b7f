"""Dagster's rule for the tags of ops, solids, graphs and invocations.

A tag value is a string, or a value that survives a JSON round trip
(``json.loads(json.dumps(value)) == value``), which is then kept as its JSON text, as Dagster
keeps it: ``{"pos": 3}`` reads back as ``{"pos": "3"}``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from opbook.errors import DagsterInvalidDefinitionError


def validate_tags(tags: Mapping[str, Any] | None) -> dict[str, str]:
    """The tags with every value as a string; a value JSON cannot carry is refused."""
    valid: dict[str, str] = {}
    for key, value in (tags or {}).items():
        if isinstance(value, str):
            valid[key] = value
            continue
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            reason = f'Could not JSON encode value "{value}"'
        else:
            if json.loads(text) == value:
                valid[key] = text
                continue
            reason = (
                f'JSON encoding "{text}" of value "{value}" is not equivalent to original value'
            )
        raise DagsterInvalidDefinitionError(
            f'Invalid value for tag "{key}", {reason}. Tag values must be strings or meet the '
            "constraint that json.loads(json.dumps(value)) == value."
        )
    return valid
