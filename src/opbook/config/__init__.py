"""The config type system: schemas, and validation of config values against them.

This is a low layer: it knows nothing of ops, jobs or Dagster types, and imports only
:mod:`opbook.errors` and the standard library.

**Types.**  A schema is a tree of immutable :class:`ConfigType` values, equal when
structurally equal.  Leaves are the scalars ``Int``, ``Float``, ``Bool``, ``String`` (and
``Secret``, a string never shown), ``Any``, ``Enum`` and the env-readable sources
``StringSource``, ``IntSource``, ``BoolSource``.  Inner nodes are ``Shape`` (a dict of
:class:`Field`\\ s, no other keys), ``Permissive`` (other keys pass through), ``Selector``
(exactly one of its fields), ``Array``, ``Noneable``, ``Map`` and ``ScalarUnion``.  Users may
write shorthand instead: ``{"n": int, "tags": [str]}`` is
``Shape({"n": Field(Int), "tags": Field(Array(String))})``; see :func:`resolve_config_type`.
A bad schema raises :class:`~opbook.errors.DagsterInvalidConfigDefinitionError` when it is
defined, naming the path inside the schema.

**Fields** say whether an entry may be left out and what it defaults to: optional when given a
default or when its type needs nothing (a Shape of optional fields, a Noneable, ...), in which
case the default is implicit.

**Validation.**  :func:`validate` never raises for a bad value: it returns a
:class:`ConfigResult` holding either the resolved value (new plain dicts and lists, defaults
filled, floats coerced, enums mapped, env variables read) or *every* problem as an
:class:`EvaluationError` with its path (``ops.load.config.retries``), reason and message.
Secret values never appear in messages; :func:`mask_secrets` makes a value safe to store.

**Views.**  :func:`type_to_string` prints a type on one line (``{ a: Int b?: [String] }``),
:func:`describe` turns a schema into plain data for forms and docs, :func:`scaffold` gives a
config skeleton to edit.
"""

from __future__ import annotations

from opbook.config.check import check_value
from opbook.config.describe import describe, scaffold
from opbook.config.errors import ConfigResult, DagsterEvaluationErrorReason, EvaluationError
from opbook.config.masking import mask_secrets
from opbook.config.printer import type_to_string
from opbook.config.schema import (
    Array,
    Field,
    FieldsType,
    Map,
    Noneable,
    Permissive,
    ScalarUnion,
    Selector,
    Shape,
    convert_to_field,
    is_all_optional,
    resolve_config_type,
)
from opbook.config.sources import BoolSource, IntSource, SourceType, StringSource
from opbook.config.types import (
    Any,
    Bool,
    ConfigType,
    ConfigTypeKind,
    Enum,
    EnumValue,
    Float,
    Int,
    ScalarType,
    Secret,
    String,
)
from opbook.config.validate import validate

__all__ = [
    "Any",
    "Array",
    "Bool",
    "BoolSource",
    "ConfigResult",
    "ConfigType",
    "ConfigTypeKind",
    "DagsterEvaluationErrorReason",
    "Enum",
    "EnumValue",
    "EvaluationError",
    "Field",
    "FieldsType",
    "Float",
    "Int",
    "IntSource",
    "Map",
    "Noneable",
    "Permissive",
    "ScalarType",
    "ScalarUnion",
    "Secret",
    "Selector",
    "Shape",
    "SourceType",
    "String",
    "StringSource",
    "check_value",
    "convert_to_field",
    "describe",
    "is_all_optional",
    "mask_secrets",
    "resolve_config_type",
    "scaffold",
    "type_to_string",
    "validate",
]
