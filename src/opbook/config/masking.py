"""``mask_secrets``: a copy of a config value that is safe to store and show.

The value of every secret field (``is_secret=True`` or of type ``Secret``) becomes ``"***"``,
except ``{"env": NAME}``: naming a variable is not secret, what it holds is (and that is never
in the config value).  The value need not be valid; parts that do not fit the schema are
copied as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opbook.config.schema import Field, resolve_config_type
from opbook.config.types import ConfigType, ConfigTypeKind, SecretType
from opbook.config.values import MASK, as_dict, copy_plain, is_env_ref, is_non_scalar

if TYPE_CHECKING:
    from opbook.config.schema import Array, FieldsType, Map, Noneable, ScalarUnion
    from opbook.config.sources import SourceType


def mask_secrets(schema: object, value: object) -> Any:
    """A copy of ``value`` (for ``schema``: a Field, config type or shorthand) with every
    secret field's value replaced by ``"***"``."""
    if isinstance(schema, Field):
        return _mask(schema.config_type, value, schema.is_secret)
    return _mask(resolve_config_type(schema), value, False)


def _mask(t: ConfigType, value: Any, secret: bool) -> Any:
    if secret or isinstance(t, SecretType):
        return _masked(value)
    masker = _MASKERS.get(t.kind)
    return copy_plain(value) if masker is None else masker(t, value)


def _masked(value: Any) -> Any:
    if value is None or is_env_ref(value):
        return copy_plain(value)
    return MASK


def _fields(t: FieldsType, value: Any) -> Any:
    mapping = as_dict(value)
    if mapping is None:
        return copy_plain(value)
    out = {}
    for key, item in mapping.items():
        field = t.field_for_key(key)
        out[key] = copy_plain(item) if field is None else _mask_field(field, item)
    return out


def _mask_field(field: Field, value: Any) -> Any:
    return _mask(field.config_type, value, field.is_secret)


def _array(t: Array, value: Any) -> Any:
    if not isinstance(value, list):
        return copy_plain(value)
    return [_mask(t.inner_type, item, False) for item in value]


def _noneable(t: Noneable, value: Any) -> Any:
    return None if value is None else _mask(t.inner_type, value, False)


def _map(t: Map, value: Any) -> Any:
    mapping = as_dict(value)
    if mapping is None:
        return copy_plain(value)
    return {key: _mask(t.inner_type, item, False) for key, item in mapping.items()}


def _union(t: ScalarUnion | SourceType, value: Any) -> Any:
    branch = t.non_scalar_type if is_non_scalar(value) else t.scalar_type
    return _mask(branch, value, False)


_MASKERS: dict[ConfigTypeKind, Callable[[Any, Any], Any]] = {
    ConfigTypeKind.STRICT_SHAPE: _fields,
    ConfigTypeKind.PERMISSIVE_SHAPE: _fields,
    ConfigTypeKind.SELECTOR: _fields,
    ConfigTypeKind.ARRAY: _array,
    ConfigTypeKind.NONEABLE: _noneable,
    ConfigTypeKind.MAP: _map,
    ConfigTypeKind.SCALAR_UNION: _union,
    ConfigTypeKind.SOURCE: _union,
}
