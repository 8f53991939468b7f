"""Sample values: the smallest config a type accepts, with defaults filled in.

Used for ``scaffold`` (a skeleton to edit) and for the "Sample config for missing entry" hint
in messages.  Policy: scalars get typed zero values (``0``, ``0.0``, ``False``, ``""``), ``Any``
and Noneable get None, arrays and maps are empty, an enum takes its first choice and a selector
its defaulted sole field or else its first field.  Every sample validates against its type
(provided the defaults it copies do, e.g. an ``{"env": ...}`` default names a set variable).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opbook.config.types import ConfigType, ConfigTypeKind, Enum, ScalarType
from opbook.config.values import copy_plain

if TYPE_CHECKING:
    from opbook.config.schema import Field, FieldsType, ScalarUnion


def sample_type(config_type: ConfigType, include_optional: bool = False) -> Any:
    """The sample value of ``config_type``; optional fields without defaults are included only
    when ``include_optional``."""
    return _SAMPLERS[config_type.kind](config_type, include_optional)


def sample_field(field: Field, include_optional: bool = False) -> Any:
    """A field's default (copied) when it has one, else the sample of its type."""
    if field.default_provided:
        return copy_plain(field.default_value)
    return sample_type(field.config_type, include_optional)


def _scalar(config_type: ScalarType, include_optional: bool) -> Any:
    return config_type.zero


def _none(config_type: ConfigType, include_optional: bool) -> Any:
    return None


def _shape(config_type: FieldsType, include_optional: bool) -> Any:
    return {
        name: sample_field(field, include_optional)
        for name, field in config_type.fields.items()
        if field.is_required or field.default_provided or include_optional
    }


def _selector(config_type: FieldsType, include_optional: bool) -> Any:
    name, field = next(iter(config_type.fields.items()))
    return {name: sample_field(field, include_optional)}


def _empty_list(config_type: ConfigType, include_optional: bool) -> Any:
    return []


def _empty_dict(config_type: ConfigType, include_optional: bool) -> Any:
    return {}


def _enum(config_type: Enum, include_optional: bool) -> Any:
    return config_type.enum_values[0].config_value


def _scalar_branch(config_type: ScalarUnion, include_optional: bool) -> Any:
    return sample_type(config_type.scalar_type, include_optional)


_SAMPLERS: dict[ConfigTypeKind, Callable[[Any, bool], Any]] = {
    ConfigTypeKind.SCALAR: _scalar,
    ConfigTypeKind.ANY: _none,
    ConfigTypeKind.NONEABLE: _none,
    ConfigTypeKind.STRICT_SHAPE: _shape,
    ConfigTypeKind.PERMISSIVE_SHAPE: _shape,
    ConfigTypeKind.SELECTOR: _selector,
    ConfigTypeKind.ARRAY: _empty_list,
    ConfigTypeKind.MAP: _empty_dict,
    ConfigTypeKind.ENUM: _enum,
    ConfigTypeKind.SCALAR_UNION: _scalar_branch,
    ConfigTypeKind.SOURCE: _scalar_branch,
}
