"""The one-line rendering of a config type used in messages: ``{ a: Int b?: [String] }``.

Fields are sorted by name and optional ones marked ``name?:``; arrays print as ``[T]``,
Noneable as ``T?``, scalar unions as ``(S | N)``, maps as ``{ [K]: V }``, named types (scalars,
enums, sources) by name.  A permissive shape ends with ``...`` (it takes other keys too).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opbook.config.types import ConfigType, ConfigTypeKind

if TYPE_CHECKING:
    from opbook.config.schema import Array, FieldsType, Map, Noneable, ScalarUnion


@functools.lru_cache(maxsize=1024)
def type_to_string(config_type: ConfigType) -> str:
    """Render ``config_type`` on one line, as in Dagster's messages."""
    return _PRINTERS[config_type.kind](config_type)


def _named(config_type: ConfigType) -> str:
    return config_type.given_name or type(config_type).__name__


def _fields(config_type: FieldsType) -> str:
    parts = [
        f"{name}{'' if field.is_required else '?'}: {type_to_string(field.config_type)}"
        for name, field in sorted(config_type.fields.items())
    ]
    if config_type.kind is ConfigTypeKind.PERMISSIVE_SHAPE:
        parts.append("...")
    return "{ " + " ".join(parts) + " }" if parts else "{}"


def _array(config_type: Array) -> str:
    return f"[{type_to_string(config_type.inner_type)}]"


def _noneable(config_type: Noneable) -> str:
    return f"{type_to_string(config_type.inner_type)}?"


def _scalar_union(config_type: ScalarUnion) -> str:
    scalar = type_to_string(config_type.scalar_type)
    return f"({scalar} | {type_to_string(config_type.non_scalar_type)})"


def _map(config_type: Map) -> str:
    key = type_to_string(config_type.key_type)
    if config_type.key_label_name:
        key = f"{config_type.key_label_name}: {key}"
    return f"{{ [{key}]: {type_to_string(config_type.inner_type)} }}"


_PRINTERS: dict[ConfigTypeKind, Callable[[Any], str]] = {
    ConfigTypeKind.SCALAR: _named,
    ConfigTypeKind.ANY: _named,
    ConfigTypeKind.ENUM: _named,
    ConfigTypeKind.SOURCE: _named,
    ConfigTypeKind.STRICT_SHAPE: _fields,
    ConfigTypeKind.PERMISSIVE_SHAPE: _fields,
    ConfigTypeKind.SELECTOR: _fields,
    ConfigTypeKind.ARRAY: _array,
    ConfigTypeKind.NONEABLE: _noneable,
    ConfigTypeKind.SCALAR_UNION: _scalar_union,
    ConfigTypeKind.MAP: _map,
}
