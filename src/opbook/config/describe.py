"""A schema as plain data (for forms and docs), and a config skeleton to start from.

``describe`` gives nested dicts of JSON-friendly data, the same for every consumer: the
notebook's config form, the docs and the CLI all read this rather than the type classes.
Secret defaults are masked.  ``scaffold`` gives a value to edit: defaults filled in and typed
placeholders for what is required (see :mod:`opbook.config.samples` for the policy).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opbook.config.printer import type_to_string
from opbook.config.samples import sample_field, sample_type
from opbook.config.schema import Field, resolve_config_type
from opbook.config.types import ConfigType, ConfigTypeKind, Enum
from opbook.config.values import MASK, copy_plain, is_env_ref

if TYPE_CHECKING:
    from opbook.config.schema import Array, FieldsType, Map, Noneable, ScalarUnion
    from opbook.config.sources import SourceType


def describe(schema: object) -> dict[str, Any]:
    """``schema`` (a Field, config type or shorthand) as plain data.

    Every description has ``kind`` (``"shape"``, ``"int"``, ``"string_source"``, ...),
    ``description`` and ``type_string``; by kind, also ``fields`` (shapes and selectors: one
    dict per field with ``name``, ``required``, ``has_default``, ``default``, ``description``,
    ``is_secret`` and ``type``), ``values`` (enums), ``element`` (arrays, noneables), ``key`` and
    ``value`` (maps), ``scalar`` and ``non_scalar`` (scalar unions and sources).
    """
    return _describe(_type_of(schema))


def scaffold(schema: object, include_optional: bool = False) -> Any:
    """A config value for ``schema`` to start from: defaults filled, placeholders for the rest.

    Args:
        schema: a Field, config type or shorthand.
        include_optional: also give optional fields that have no default.
    """
    if isinstance(schema, Field):
        return sample_field(schema, include_optional)
    return sample_type(resolve_config_type(schema), include_optional)


def _type_of(schema: object) -> ConfigType:
    return schema.config_type if isinstance(schema, Field) else resolve_config_type(schema)


def _describe(t: ConfigType) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": _kind_name(t),
        "description": t.description,
        "type_string": type_to_string(t),
    }
    extra = _EXTRAS.get(t.kind)
    if extra is not None:
        data.update(extra(t))
    return data


_KIND_NAMES = {
    ConfigTypeKind.ANY: "any",
    ConfigTypeKind.STRICT_SHAPE: "shape",
    ConfigTypeKind.PERMISSIVE_SHAPE: "permissive",
    ConfigTypeKind.SELECTOR: "selector",
    ConfigTypeKind.ARRAY: "array",
    ConfigTypeKind.NONEABLE: "noneable",
    ConfigTypeKind.ENUM: "enum",
    ConfigTypeKind.SCALAR_UNION: "scalar_union",
    ConfigTypeKind.MAP: "map",
}


def _kind_name(t: ConfigType) -> str:
    """``"shape"``..., or for named scalars and sources the snake-cased name."""
    name = _KIND_NAMES.get(t.kind)
    if name is not None:
        return name
    given = t.given_name or ""
    return given.replace("Source", "_source").lower()


def _fields(t: FieldsType) -> dict[str, Any]:
    return {"fields": [_describe_field(name, field) for name, field in t.fields.items()]}


def _describe_field(name: str, field: Field) -> dict[str, Any]:
    default = None
    if field.default_provided:
        default = field.default_value
        masked = field.is_secret and default is not None and not is_env_ref(default)
        default = MASK if masked else copy_plain(default)
    return {
        "name": name,
        "required": field.is_required,
        "has_default": field.default_provided,
        "default": default,
        "description": field.description,
        "is_secret": field.is_secret,
        "type": _describe(field.config_type),
    }


def _enum(t: Enum) -> dict[str, Any]:
    return {
        "values": [{"value": v.config_value, "description": v.description} for v in t.enum_values]
    }


def _element(t: Array | Noneable) -> dict[str, Any]:
    return {"element": _describe(t.inner_type)}


def _map(t: Map) -> dict[str, Any]:
    return {"key": _describe(t.key_type), "value": _describe(t.inner_type)}


def _union(t: ScalarUnion | SourceType) -> dict[str, Any]:
    return {"scalar": _describe(t.scalar_type), "non_scalar": _describe(t.non_scalar_type)}


_EXTRAS: dict[ConfigTypeKind, Callable[[Any], dict[str, Any]]] = {
    ConfigTypeKind.STRICT_SHAPE: _fields,
    ConfigTypeKind.PERMISSIVE_SHAPE: _fields,
    ConfigTypeKind.SELECTOR: _fields,
    ConfigTypeKind.ENUM: _enum,
    ConfigTypeKind.ARRAY: _element,
    ConfigTypeKind.NONEABLE: _element,
    ConfigTypeKind.MAP: _map,
    ConfigTypeKind.SCALAR_UNION: _union,
    ConfigTypeKind.SOURCE: _union,
}
