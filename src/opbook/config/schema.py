"""Building schemas: ``Field``, the types with children, and the shorthand users write.

These three belong together because they build each other: ``Field({"a": int})`` resolves the
dict into a ``Shape``, whose values become ``Field``\\ s, whose configs are resolved in turn.
Every problem with a schema is found here, when it is defined, and raised as a
:class:`~opbook.errors.DagsterInvalidConfigDefinitionError` naming the path inside the schema
(``a.b``); problems with *values* are the validator's business (:mod:`opbook.config.check`).

Shorthand: ``int``, ``float``, ``bool``, ``str`` are the scalars, ``list`` is ``Array(Any)``,
``dict`` (the class) is ``Permissive()``, a dict is a ``Shape`` of its values, ``[T]`` is
``Array(T)``, ``typing.Any`` is ``Any``, and any object with a ``__config_type__()`` method is
the type that method returns (how Dagster types such as ``Int`` stand in for config types).
"""

from __future__ import annotations

import hashlib
import json
import operator
import types
import typing
import weakref
from collections.abc import Mapping

from opbook.config.check import check_value
from opbook.config.errors import Path
from opbook.config.printer import type_to_string
from opbook.config.types import (
    Any,
    Bool,
    ConfigType,
    ConfigTypeKind,
    Float,
    Int,
    ScalarType,
    SecretType,
    String,
    check_description,
)
from opbook.config.values import MASK, copy_plain, freeze
from opbook.errors import (
    CheckError,
    DagsterInvalidConfigDefinitionError,
    DagsterInvalidConfigError,
    ParameterCheckError,
)


class _NoDefault:
    """The marker for "no default value" (None is a valid default)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<no default>"

    def __reduce__(self) -> str:
        return "NO_DEFAULT"  # unpickles as the one marker, so `is NO_DEFAULT` still holds


NO_DEFAULT: typing.Any = _NoDefault()


class _Composite(ConfigType):
    """A type with children; printed as ``Shape({ a: Int })``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type_to_string(self)})"


_INTERNED: weakref.WeakValueDictionary[tuple[object, ...], FieldsType] = (
    weakref.WeakValueDictionary()
)


class _Interned(type):
    """Building a fields type equal to a live one returns that one, as in Dagster, where
    ``Shape({"a": int}) is Shape({"a": int})``."""

    def __call__(cls, *args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        built = super().__call__(*args, **kwargs)
        existing = _INTERNED.get(built._key)
        if existing is not None:
            return existing
        _INTERNED[built._key] = built
        return built


def _field_text(field: Field) -> str:
    default = repr(field._default) if field.default_provided else "-"
    return (
        f"{field.config_type.key}|{field.is_required}|{default}|{field.description!r}"
        f"|{field.is_secret}"
    )


class FieldsType(_Composite, metaclass=_Interned):
    """The base of ``Shape``, ``Permissive`` and ``Selector``: a type made of named fields.

    Attributes:
        fields: a read-only mapping of name to ``Field``, in the order given (equality ignores
            the order).
        field_aliases: a read-only mapping of field name to another key accepted for it
            (``{"ops": "solids"}``); empty but for shapes built with aliases.
    """

    __slots__ = ("__weakref__", "_names_by_alias", "field_aliases", "fields")

    fields: Mapping[str, Field]
    field_aliases: Mapping[str, str]
    _names_by_alias: dict[str, str]

    def __init__(
        self,
        kind: ConfigTypeKind,
        fields: Mapping[str, object],
        description: str | None,
        field_aliases: Mapping[str, str] | None = None,
    ) -> None:
        try:
            converted = _convert_fields(fields, ())
        except DagsterInvalidConfigDefinitionError as error:
            raise _rooted(fields, error) from None
        aliases = _checked_aliases(converted, field_aliases or {})
        key = (
            tuple(sorted(converted.items(), key=operator.itemgetter(0))),
            tuple(sorted(aliases.items())),
        )
        super().__init__(kind, key, description=description)
        self._init_slot("fields", types.MappingProxyType(converted))
        self._init_slot("field_aliases", types.MappingProxyType(aliases))
        self._init_slot("_names_by_alias", {alias: name for name, alias in aliases.items()})

    @property
    def key(self) -> str:
        """``"Shape.<digest>"``: the digest covers the fields (names, types, requiredness,
        defaults, descriptions), the aliases and the description, not the fields' order."""
        parts = [f"{name}:{_field_text(field)}" for name, field in sorted(self.fields.items())]
        parts += [f"alias {name}={alias}" for name, alias in sorted(self.field_aliases.items())]
        parts.append(f"description {self.description!r}")
        digest = hashlib.sha1("\n".join(parts).encode(), usedforsecurity=False).hexdigest()
        return f"{type(self).__name__}.{digest}"

    def field_for_key(self, key: object) -> Field | None:
        """The field that a key of a value stands for (its name or its alias), or None."""
        if not isinstance(key, str):
            return None
        field = self.fields.get(key)
        if field is None and key in self._names_by_alias:
            field = self.fields[self._names_by_alias[key]]
        return field


def _checked_aliases(fields: dict[str, Field], aliases: Mapping[str, str]) -> dict[str, str]:
    for name, alias in aliases.items():
        if name not in fields or not isinstance(alias, str) or alias in fields:
            raise DagsterInvalidConfigDefinitionError(
                f"Invalid field alias {name!r} -> {alias!r}: the name must be a field of the "
                "shape and the alias a string that is not."
            )
    return dict(aliases)


class Shape(FieldsType):
    """A dict with the given fields and no others; missing fields get their defaults.

    ``field_aliases`` maps a field name to a second key accepted for it (the validated value
    uses the name); giving both is a problem.
    """

    __slots__ = ()

    def __init__(
        self,
        fields: Mapping[str, object],
        description: str | None = None,
        field_aliases: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(ConfigTypeKind.STRICT_SHAPE, fields, description, field_aliases)


class Permissive(FieldsType):
    """A dict with the given fields, plus any other keys (passed through unvalidated)."""

    __slots__ = ()

    def __init__(
        self, fields: Mapping[str, object] | None = None, description: str | None = None
    ) -> None:
        super().__init__(ConfigTypeKind.PERMISSIVE_SHAPE, fields or {}, description)


class Selector(FieldsType):
    """A dict with exactly one of the given fields: a choice, with that choice's config."""

    __slots__ = ()

    def __init__(self, fields: Mapping[str, object], description: str | None = None) -> None:
        super().__init__(ConfigTypeKind.SELECTOR, fields, description)
        if not self.fields:
            raise DagsterInvalidConfigDefinitionError("A Selector needs at least one field.")


class Array(_Composite):
    """A list whose items are all of ``inner_type``."""

    __slots__ = ("inner_type",)

    inner_type: ConfigType

    def __init__(self, inner: object, description: str | None = None) -> None:
        inner_type = _resolve_root(inner)
        super().__init__(ConfigTypeKind.ARRAY, (inner_type,), description=description)
        self._init_slot("inner_type", inner_type)

    @property
    def key(self) -> str:
        return f"Array.{self.inner_type.key}"


class Noneable(_Composite):
    """None, or a value of ``inner_type``.  A Noneable field is optional, with default None."""

    __slots__ = ("inner_type",)

    inner_type: ConfigType

    def __init__(self, inner: object, description: str | None = None) -> None:
        inner_type = _resolve_root(inner)
        super().__init__(ConfigTypeKind.NONEABLE, (inner_type,), description=description)
        self._init_slot("inner_type", inner_type)

    @property
    def key(self) -> str:
        return f"Noneable.{self.inner_type.key}"


_NON_SCALAR_KINDS = (
    ConfigTypeKind.STRICT_SHAPE,
    ConfigTypeKind.PERMISSIVE_SHAPE,
    ConfigTypeKind.SELECTOR,
    ConfigTypeKind.ARRAY,
    ConfigTypeKind.MAP,
)


class ScalarUnion(_Composite):
    """A scalar, or (for a dict or list value) a value of a non-scalar type."""

    __slots__ = ("non_scalar_type", "scalar_type")

    scalar_type: ScalarType
    non_scalar_type: ConfigType

    def __init__(
        self, scalar_type: object, non_scalar_schema: object, description: str | None = None
    ) -> None:
        scalar = _resolve_scalar(scalar_type, "ScalarUnion scalar_type")
        non_scalar = _resolve_root(non_scalar_schema)
        if non_scalar.kind not in _NON_SCALAR_KINDS:
            raise DagsterInvalidConfigDefinitionError(
                "ScalarUnion non_scalar_schema must be a Shape, Permissive, Selector, Array or "
                f"Map, got {type_to_string(non_scalar)}."
            )
        super().__init__(ConfigTypeKind.SCALAR_UNION, (scalar, non_scalar), description=description)
        self._init_slot("scalar_type", scalar)
        self._init_slot("non_scalar_type", non_scalar)

    @property
    def key(self) -> str:
        return f"ScalarUnion.{self.scalar_type.key}-{self.non_scalar_type.key}"


class Map(_Composite):
    """A dict with keys of the scalar ``key_type`` and values of ``inner_type``."""

    __slots__ = ("inner_type", "key_label_name", "key_type")

    key_type: ScalarType
    inner_type: ConfigType
    key_label_name: str | None

    def __init__(
        self,
        key_type: object,
        inner_type: object,
        key_label_name: str | None = None,
        description: str | None = None,
    ) -> None:
        key = _resolve_map_key(key_type)
        inner = _resolve_root(inner_type)
        if key_label_name is not None and not isinstance(key_label_name, str):
            raise ParameterCheckError(
                f"Map key_label_name must be a string or None, got {key_label_name!r}"
            )
        super().__init__(ConfigTypeKind.MAP, (key, inner, key_label_name), description=description)
        self._init_slot("key_type", key)
        self._init_slot("inner_type", inner)
        self._init_slot("key_label_name", key_label_name)

    @property
    def key(self) -> str:
        label = f":name: {self.key_label_name}" if self.key_label_name else ""
        return f"Map.{self.key_type.key}.{self.inner_type.key}{label}"


def _resolve_scalar(obj: object, role: str) -> ScalarType:
    resolved = _resolve_root(obj)
    if not isinstance(resolved, ScalarType):
        raise DagsterInvalidConfigDefinitionError(
            f"{role} must be a scalar (Int, Float, Bool, String), got {type_to_string(resolved)}."
        )
    return resolved


def _resolve_map_key(obj: object) -> ScalarType:
    """Map's key type; a caller's mistake, so ``ParameterCheckError`` as in Dagster."""
    try:
        resolved = _resolve_root(obj)
    except DagsterInvalidConfigDefinitionError as error:
        raise ParameterCheckError(f"Map key_type {obj!r} is not a config type: {error}") from None
    if not isinstance(resolved, ScalarType):
        raise ParameterCheckError(
            "Map key_type must be a scalar (Int, Float, Bool, String), got "
            f"{type_to_string(resolved)}. Key type must be a scalar."
        )
    return resolved


class Field:
    """One entry of a Shape, Permissive or Selector: a type, and whether and how it may be left out.

    Args:
        config: the field's type, as a config type or shorthand (``int``, ``{"a": str}``, ...).
        default_value: the value used when the field is missing; validated now.
        is_required: whether the field must be given.  Inferred when None: optional if there is
            a default or the type needs nothing (a Shape of optional fields, a Noneable, a
            Selector with one defaulted field), required otherwise.
        description: free text for documentation and forms.
        is_secret: never show the field's value (messages, ``mask_secrets``, ``describe``).
            Always true for the ``Secret`` type.

    An optional field with no default given gets an implicit one: None for a Noneable, else
    its type's defaults filled into ``{}``.  Optional fields with no default at all are absent
    from validated values.

    Raises:
        ParameterCheckError: ``is_required=True`` with a default, or a callable default.
        DagsterInvalidConfigError: the default is not a valid value of the type.
        DagsterInvalidConfigDefinitionError: ``config`` is not a config type or shorthand.
    """

    __slots__ = (
        "_default",
        "_hash",
        "config_type",
        "default_provided",
        "description",
        "is_required",
        "is_secret",
    )

    config_type: ConfigType
    is_required: bool
    default_provided: bool
    description: str | None
    is_secret: bool
    _default: object
    _hash: int

    def __init__(
        self,
        config: object,
        default_value: object = NO_DEFAULT,
        is_required: bool | None = None,
        description: str | None = None,
        is_secret: bool = False,
    ) -> None:
        try:
            config_type = _resolve(config, ())
        except DagsterInvalidConfigDefinitionError as error:
            if getattr(error, "path", None) == () and _is_plainly_unresolvable(config):
                raise DagsterInvalidConfigDefinitionError(
                    f"Attempted to pass {_shown(config)} to a Field that expects a valid dagster "
                    "type usable in config (e.g. Dict, Int, String et al)."
                ) from None
            raise _rooted(config, error) from None
        _check_field_arguments(is_required, is_secret)
        secret = is_secret or isinstance(config_type, SecretType)
        if default_value is not NO_DEFAULT:
            default = _checked_default(config_type, default_value, is_required, secret)
            is_required = False
        else:
            if is_required is None:
                is_required = not is_all_optional(config_type)
            default = NO_DEFAULT if is_required else _implicit_default(config_type)
        init = object.__setattr__
        init(self, "config_type", config_type)
        init(self, "is_required", is_required)
        init(self, "default_provided", default is not NO_DEFAULT)
        init(self, "_default", default)
        init(self, "description", check_description(description))
        init(self, "is_secret", secret)
        init(self, "_hash", hash(self._key(freeze(default))))

    def _key(self, default: object) -> tuple[object, ...]:
        return (
            self.config_type,
            self.is_required,
            self.default_provided,
            default,
            self.description,
            self.is_secret,
        )

    @property
    def default_value(self) -> typing.Any:
        """The default (explicit or implicit).  Raises ``CheckError`` when there is none."""
        if self._default is NO_DEFAULT:
            raise CheckError(
                "Field has no default value; check default_provided before reading it."
            )
        return self._default

    def as_field(self) -> Field:
        """This field: a definition's ``config_schema`` is read with ``.as_field()`` in Dagster."""
        return self

    @property
    def default_value_as_json_str(self) -> str:
        """The default as JSON text.  Raises ``CheckError`` when there is none."""
        return json.dumps(self.default_value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Field is immutable; cannot set {name!r}")

    def __setstate__(self, state: tuple[None, dict[str, object]]) -> None:
        # Unpickling (in a worker process): restore the slots and hash again, since string
        # hashes differ from one process to another.
        for name, value in state[1].items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_hash", hash(self._key(freeze(self._default))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Field):
            return NotImplemented
        return self._hash == other._hash and self._key(self._default) == other._key(other._default)

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        parts = [type_to_string(self.config_type)]
        if self.default_provided:
            parts.append(f"default_value={MASK if self.is_secret else self._default!r}")
        parts.append(f"is_required={self.is_required}")
        if self.is_secret:
            parts.append("is_secret=True")
        return f"Field({', '.join(parts)})"


def _check_field_arguments(is_required: object, is_secret: object) -> None:
    if is_required is not None and not isinstance(is_required, bool):
        raise ParameterCheckError(f"Field is_required must be a bool or None, got {is_required!r}")
    if not isinstance(is_secret, bool):
        raise ParameterCheckError(f"Field is_secret must be a bool, got {is_secret!r}")


def _checked_default(
    config_type: ConfigType, default: object, is_required: bool | None, secret: bool
) -> object:
    """A copy of an explicit default, after checking that it is allowed and valid."""
    if is_required:
        raise ParameterCheckError(
            "Field: required arguments should not specify default values "
            "(drop is_required=True, or drop the default)."
        )
    if callable(default):
        raise ParameterCheckError(
            f"Field default_value must be a config value, not a callable: {default!r}"
        )
    result = check_value(config_type, default, post_process=False, secret=secret)
    if not result.success:
        raise DagsterInvalidConfigError(
            "Invalid default_value for Field.", result.errors, MASK if secret else default
        )
    return copy_plain(default)


def is_all_optional(config_type: ConfigType) -> bool:
    """Whether a value of ``config_type`` can be left out entirely (it needs nothing)."""
    kind = config_type.kind
    if kind is ConfigTypeKind.NONEABLE:
        return True
    if isinstance(config_type, FieldsType):
        fields = list(config_type.fields.values())
        if kind is ConfigTypeKind.SELECTOR:
            return len(fields) == 1 and fields[0].default_provided
        return not any(field.is_required for field in fields)
    return False


def _implicit_default(config_type: ConfigType) -> object:
    """None for a Noneable; the defaults filled into ``{}`` for a type that needs nothing."""
    if config_type.kind is ConfigTypeKind.NONEABLE:
        return None
    if is_all_optional(config_type):
        return check_value(config_type, {}, post_process=False).value
    return NO_DEFAULT


def convert_to_field(obj: object) -> Field:
    """``obj`` if it is a Field, else a Field of its resolved type (for ``config_schema=``)."""
    return obj if isinstance(obj, Field) else Field(_resolve_root(obj))


def resolve_config_type(obj: object) -> ConfigType:
    """The config type that ``obj`` (a config type or shorthand) stands for.

    Raises:
        DagsterInvalidConfigDefinitionError: ``obj`` (or a value nested in it) is not a config
            type or shorthand; the message names it and its path in the schema.
    """
    return _resolve_root(obj)


_SHORTHAND: dict[object, ConfigType] = {int: Int, float: Float, bool: Bool, str: String}


def _resolve(obj: object, path: Path) -> ConfigType:
    if isinstance(obj, ConfigType):
        return obj
    if isinstance(obj, dict):
        if len(obj) == 1:
            [(key, value)] = obj.items()
            if not isinstance(key, str):
                key_type = _try_resolve(key, path)
                if key_type is None:
                    raise _schema_error(
                        path, obj, f"Invalid key in map specification: {key!r} in map {obj!r}."
                    )
                return _map_shorthand(key, key_type, value, path)
        return Shape(_convert_fields(obj, path))
    if isinstance(obj, list):
        if len(obj) != 1:
            raise _schema_error(
                path,
                obj,
                f"List must be of length 1. Got length {len(obj)}: write [T] for a list of T.",
            )
        item_path = (*path, 0)
        try:
            return Array(_resolve(obj[0], item_path))
        except DagsterInvalidConfigDefinitionError as error:
            if getattr(error, "path", None) != item_path:
                raise
            raise _schema_error(
                path,
                obj,
                "List have a single item and contain a valid type i.e. [int]. Got item "
                f"{_shown(obj[0])}. {error.reason}",
            ) from None
    if obj is typing.Any:
        return Any
    if isinstance(obj, type):
        return _resolve_class(obj, path)
    to_config_type = getattr(obj, "__config_type__", None)
    if to_config_type is not None and callable(to_config_type):
        resolved = to_config_type()
        if isinstance(resolved, ConfigType):
            return resolved
        raise _schema_error(
            path, obj, f"its __config_type__() returned {resolved!r}, not a config type."
        )
    raise _schema_error(path, obj, _unresolvable(obj))


def _try_resolve(obj: object, path: Path) -> ConfigType | None:
    try:
        return _resolve(obj, path)
    except DagsterInvalidConfigDefinitionError:
        return None


def _map_shorthand(key: object, key_type: ConfigType, value: object, path: Path) -> Map:
    """``{str: int}``: a dict whose single key is a type (not a string) stands for a Map."""
    if not isinstance(key_type, ScalarType):
        raise _schema_error(
            path,
            {key: value},
            "Non-scalar key in map specification: Map dict must have a scalar type as its "
            f"only key. Got key {_shown(key)}.",
        )
    inner_type = None if value is None else _try_resolve(value, (*path, _shown(key)))
    if inner_type is None:
        raise _schema_error(
            path,
            {key: value},
            "Map must have a single value and contain a valid type i.e. {str: int}. "
            f"Got item {_shown(value)}.",
        )
    return Map(key_type, inner_type)


def _resolve_class(cls: type, path: Path) -> ConfigType:
    found = _SHORTHAND.get(cls)
    if found is not None:
        return found
    if cls is list:
        return Array(Any)
    if cls is dict:
        return Permissive()
    raise _schema_error(path, cls, _unresolvable(cls))


def _is_python_optional(obj: object) -> bool:
    args = typing.get_args(obj)
    return typing.get_origin(obj) is typing.Union and len(args) == 2 and type(None) in args


def _unresolvable(obj: object) -> str:
    if obj is None:
        return (
            "Fields cannot be None. Use Noneable(T) for a value that may be None, or "
            "Field(T, is_required=False) for an entry that may be left out."
        )
    if isinstance(obj, Field):
        return (
            f"{obj!r} is a Field where a config type is expected; Fields may only be the "
            "values of a dict, Shape, Permissive or Selector."
        )
    misuse = getattr(obj, "__config_misuse__", None)
    explained = misuse() if callable(misuse) else None
    if isinstance(explained, str):
        return explained  # a Dagster type's own account of why it is no config type
    text = (
        f"The class {obj.__name__} is not a config type."
        if isinstance(obj, type)
        else f"A value of type {type(obj).__name__} is not a config type."
    )
    if _is_python_optional(obj):
        return (
            "Cannot use typing.Optional as a config type. If you want this field to be optional, "
            "please use Field(<type>, is_required=False), and if you want this field to be "
            "required, but accept a value of None, use dagster.Noneable(<type>)."
        )
    if type(obj).__module__ == "typing":
        return (
            f"You have passed in {obj} to the config system. Types from the typing module in "
            "python are not allowed in the config system. You must use types that are imported "
            "from dagster or primitive types such as bool, int, etc."
        )
    if isinstance(obj, types.GenericAlias):
        return text + (
            " Python typing annotations are not config types (config types and Dagster types "
            'are separate): write [int] for a list of ints and {"name": int} for a dict.'
        )
    if isinstance(obj, type) and hasattr(obj, "__members__"):
        return text + " For a Python enum class use Enum.from_python_enum(...)."
    if isinstance(obj, type):
        return text + (
            " Of classes, only int, float, bool, str, list and dict stand for config types "
            "(config types and Dagster types are separate)."
        )
    return text + (
        " Use int, float, bool, str, list, dict, [T], {'name': T}, a config type "
        "(Shape, Array, Noneable, Enum, ...) or, as a dict value, a Field."
    )


def _convert_fields(fields: object, path: Path) -> dict[str, Field]:
    if not isinstance(fields, Mapping):
        raise _schema_error(path, fields, "expected a dict of fields.")
    converted = {}
    for name, value in fields.items():
        if not isinstance(name, str):
            raise _schema_error(path, fields, f"field names must be strings, got {name!r}.")
        field_path = (*path, name)
        if isinstance(value, Field):
            converted[name] = value
        elif value is None:
            raise _schema_error(field_path, None, _unresolvable(None))
        else:
            converted[name] = Field(_resolve(value, field_path))
    return converted


def _shown(obj: object) -> str:
    text = repr(obj)
    return text if len(text) <= 120 else text[:117] + "..."


_UNROOTED = object()


def _schema_error(path: Path, value: object, reason: str) -> DagsterInvalidConfigDefinitionError:
    """A schema problem: ``value``, found at ``path`` inside the schema, cannot be resolved.

    The message gets Dagster's form ("Error defining config. Original value passed: ...") once
    the outermost schema is known (:func:`_rooted`).
    """
    error = DagsterInvalidConfigDefinitionError(_schema_message(_UNROOTED, path, value, reason))
    error.original_root = _UNROOTED
    error.stack = [part for part in path if isinstance(part, str)]
    error.path = path
    error.current_value = value
    error.reason = reason
    return error


def _schema_message(root: object, path: Path, value: object, reason: str) -> str:
    rooted = "" if root is _UNROOTED else f" Original value passed: {_shown(root)}."
    stack = [part for part in path if isinstance(part, str)]
    at = f" Error at stack path :{':'.join(stack)}." if stack else ""
    return (
        f"Error defining config.{rooted}{at} {_shown(value)} cannot be resolved. Reason: {reason}"
    )


def _rooted(root: object, error: DagsterInvalidConfigDefinitionError) -> Exception:
    """``error`` with the schema it was found in named, if no inner schema named one already."""
    if getattr(error, "original_root", None) is not _UNROOTED:
        return error
    rooted = DagsterInvalidConfigDefinitionError(
        _schema_message(root, error.path, error.current_value, error.reason)
    )
    for name in ("stack", "path", "current_value", "reason"):
        setattr(rooted, name, getattr(error, name))
    rooted.original_root = root
    return rooted


def _resolve_root(obj: object) -> ConfigType:
    """Resolve a schema the user gave as a whole (errors name it as the original value)."""
    try:
        return _resolve(obj, ())
    except DagsterInvalidConfigDefinitionError as error:
        raise _rooted(obj, error) from None


def _is_plainly_unresolvable(obj: object) -> bool:
    """Neither a config type nor anything _unresolvable has a particular explanation for."""
    return not (
        obj is None
        or isinstance(obj, (Field, dict, list, types.GenericAlias))
        or callable(getattr(obj, "__config_misuse__", None))
        or callable(getattr(obj, "__config_type__", None))
        or type(obj).__module__ == "typing"
        or (isinstance(obj, type) and hasattr(obj, "__members__"))
    )
