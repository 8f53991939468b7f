"""The validator: walk a value against a config type, building the resolved value as it goes.

One pass does three things at once, so that a run config is walked only once:

* **validate** — every problem is recorded with its path (nothing stops at the first one);
* **fill defaults** — a missing field with a default gets that default, itself walked through
  the field's type, so defaults are post-processed and copied like any given value;
* **post-process** — floats coerced, enum names turned into their values, ``{"env": NAME}``
  read from the environment.  With ``post_process=False`` (used to check defaults when a
  ``Field`` is defined) values keep the form a user writes, and no variable is read.

The result is made of new plain dicts and lists: it never aliases the input or a default.  The
walk dispatches on the class of the type (a dict keyed by class, filled from the kind on first
sight), one function per kind.  Messages never show a secret value: inside a secret field, or
for the ``Secret`` type, a value is rendered as ``***``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from opbook.config.errors import ConfigResult, EvaluationError, Path, where
from opbook.config.errors import DagsterEvaluationErrorReason as Reason
from opbook.config.printer import type_to_string
from opbook.config.samples import sample_field
from opbook.config.types import ConfigType, ConfigTypeKind, Enum, ScalarType, SecretType
from opbook.config.values import MASK, as_dict, copy_plain, is_non_scalar, show
from opbook.errors import PostProcessingError

if TYPE_CHECKING:
    from opbook.config.schema import Array, FieldsType, Map, Noneable, ScalarUnion
    from opbook.config.sources import SourceType

_MISSING: Any = object()
_FIELDS_KINDS = (
    ConfigTypeKind.STRICT_SHAPE,
    ConfigTypeKind.PERMISSIVE_SHAPE,
    ConfigTypeKind.SELECTOR,
)


class _Walk:
    """The state of one validation: the problems found so far, and the mode."""

    __slots__ = ("errors", "post_process")

    def __init__(self, post_process: bool) -> None:
        self.errors: list[EvaluationError] = []
        self.post_process = post_process

    def fail(self, path: Path, reason: Reason, message: str, data: object = None) -> None:
        self.errors.append(EvaluationError(path, reason, message, data))


def check_value(
    config_type: ConfigType, value: object, *, post_process: bool = True, secret: bool = False
) -> ConfigResult:
    """Validate ``value`` against ``config_type``; see the module docstring.

    Args:
        config_type: a resolved config type.
        value: the value to validate; never mutated.
        post_process: read env variables, coerce floats and map enums (False: keep the value
            as written).
        secret: mask every value in messages (the value of a secret field).
    """
    walk = _Walk(post_process)
    result = _check(config_type, value, (), walk, secret)
    if walk.errors:
        return ConfigResult(False, None, tuple(walk.errors))
    return ConfigResult(True, result, ())


_Checker = Callable[[Any, Any, Path, _Walk, bool], Any]
# Keyed by class rather than by kind: a class hashes by identity, an enum member's hash runs
# Python code, and this lookup happens once per value validated.
_BY_CLASS: dict[type, _Checker] = {}


def _check(t: ConfigType, value: Any, path: Path, walk: _Walk, secret: bool) -> Any:
    checker = _BY_CLASS.get(type(t))
    if checker is None:
        checker = _BY_CLASS[type(t)] = _BY_KIND[t.kind]
    if value is None and t.kind is not ConfigTypeKind.ANY and t.kind is not ConfigTypeKind.NONEABLE:
        walk.fail(
            path,
            Reason.RUNTIME_TYPE_MISMATCH,
            f'Value at {where(path)} must not be None. Expected: "{type_to_string(t)}".',
            {"expected": type_to_string(t)},
        )
        return None
    return checker(t, value, path, walk, secret)


def _mismatch(t: ConfigType, path: Path, walk: _Walk, container: str) -> None:
    expected = type_to_string(t)
    walk.fail(
        path,
        Reason.RUNTIME_TYPE_MISMATCH,
        f'Value at {where(path)} must be {container}. Expected: "{expected}".',
        {"expected": expected},
    )


def _check_scalar(t: ScalarType, value: Any, path: Path, walk: _Walk, secret: bool) -> Any:
    if t.accepts(value):
        return t.coerce(value) if walk.post_process else value
    shown = show(value, secret or isinstance(t, SecretType))
    walk.fail(
        path,
        Reason.RUNTIME_TYPE_MISMATCH,
        f'Invalid scalar at {where(path)}. Value "{shown}" of type "{type(value)}" is not valid '
        f'for expected type "{t.given_name}".',
        {"expected": t.given_name},
    )
    return None


def _check_any(t: ConfigType, value: Any, path: Path, walk: _Walk, secret: bool) -> Any:
    return copy_plain(value)


def _check_noneable(t: Noneable, value: Any, path: Path, walk: _Walk, secret: bool) -> Any:
    return None if value is None else _check(t.inner_type, value, path, walk, secret)


def _check_shape(t: FieldsType, value: Any, path: Path, walk: _Walk, secret: bool) -> Any:
    if not isinstance(value, dict):
        value = as_dict(value)
        if value is None:
            return _mismatch(t, path, walk, "dict")
    if t.field_aliases:
        value = _unalias(t, value, path, walk)
    out = {}
    missing = []
    found = 0
    for name, field in t.fields.items():
        given = value.get(name, _MISSING)
        if given is not _MISSING:
            found += 1
        elif field.default_provided:
            given = field.default_value
        else:
            if field.is_required:
                missing.append(name)
            continue
        out[name] = _check(field.config_type, given, (*path, name), walk, secret or field.is_secret)
    if missing:
        _missing_fields(t, missing, path, walk)
    if found < len(value):
        extras = [key for key in value if key not in t.fields]
        if t.kind is ConfigTypeKind.PERMISSIVE_SHAPE:
            out.update((key, copy_plain(value[key])) for key in extras)
        else:
            _undefined_fields(t, [MASK] * len(extras) if secret else extras, path, walk)
    return out


def _unalias(t: FieldsType, value: dict, path: Path, walk: _Walk) -> dict:
    """``value`` with each alias key renamed to its field; both given is a problem."""
    renamed = dict(value)
    for name, alias in t.field_aliases.items():
        if alias not in renamed:
            continue
        given = renamed.pop(alias)
        if name in renamed:
            walk.fail(
                path,
                Reason.FIELD_NOT_DEFINED,
                f"Received both field '{name}' and field '{alias}' in config at {where(path)}. "
                "Please use one or the other.",
                {"field_names": [name, alias]},
            )
        else:
            renamed[name] = given
    return renamed


def _missing_fields(t: FieldsType, names: list[str], path: Path, walk: _Walk) -> None:
    sample = {name: sample_field(t.fields[name]) for name in names}
    if len(names) == 1:
        message = (
            f'Missing required config entry "{names[0]}" at {where(path)}. '
            f"Sample config for missing entry: {sample}"
        )
        walk.fail(path, Reason.MISSING_REQUIRED_FIELD, message, {"field_names": names})
    else:
        message = (
            f"Missing required config entries {names} at {where(path)}. "
            f"Sample config for missing entries: {sample}"
        )
        walk.fail(path, Reason.MISSING_REQUIRED_FIELDS, message, {"field_names": names})


def _undefined_fields(t: ConfigType, names: list[Any], path: Path, walk: _Walk) -> None:
    expected = type_to_string(t)
    if len(names) == 1:
        walk.fail(
            path,
            Reason.FIELD_NOT_DEFINED,
            f'Received unexpected config entry "{names[0]}" at {where(path)}. '
            f'Expected: "{expected}".',
            {"field_names": names},
        )
    else:
        walk.fail(
            path,
            Reason.FIELDS_NOT_DEFINED,
            f'Received unexpected config entries {names} at {where(path)}. Expected: "{expected}".',
            {"field_names": names},
        )


def _check_selector(t: FieldsType, value: Any, path: Path, walk: _Walk, secret: bool) -> Any:
    if not isinstance(value, dict):
        value = as_dict(value)
    if value is None:
        expected = type_to_string(t)
        walk.fail(
            path,
            Reason.RUNTIME_TYPE_MISMATCH,
            f'Value for selector type at {where(path)} must be a dict. Expected: "{expected}".',
            {"expected": expected},
        )
        return None
    if len(value) != 1:
        return _select_default(t, value, path, walk, secret)
    ((name, given),) = value.items()
    field = t.fields.get(name)
    if field is None:
        return _undefined_fields(t, [MASK if secret else name], path, walk)
    if given is None and field.config_type.kind in _FIELDS_KINDS:
        given = {}  # `storage: {filesystem: }` in YAML selects filesystem with its defaults
    sub = _check(field.config_type, given, (*path, name), walk, secret or field.is_secret)
    return {name: sub}


def _select_default(t: FieldsType, value: dict, path: Path, walk: _Walk, secret: bool) -> Any:
    """An empty selector value selects a sole defaulted field; anything else is a problem."""
    defined = sorted(t.fields)
    if value:
        message = (
            f"You can only specify a single field at {where(path)}. You specified "
            f"{[MASK] * len(value) if secret else sorted(value, key=str)}. The available "
            f"fields are {defined}"
        )
    elif len(defined) == 1 and t.fields[defined[0]].default_provided:
        name = defined[0]
        field = t.fields[name]
        sub_path = (*path, name)
        secret = secret or field.is_secret
        return {name: _check(field.config_type, field.default_value, sub_path, walk, secret)}
    elif len(defined) > 1:
        message = (
            f"Must specify a field at {where(path)} if more than one field is defined. "
            f"Defined fields: {defined}"
        )
    else:
        message = f"Must specify the required field at {where(path)}. Defined fields: {defined}"
    walk.fail(path, Reason.SELECTOR_FIELD_ERROR, message, {"field_names": defined})
    return None


def _check_array(t: Array, value: Any, path: Path, walk: _Walk, secret: bool) -> Any:
    if not isinstance(value, list):
        return _mismatch(t, path, walk, "list")
    inner = t.inner_type
    return [_check(inner, item, (*path, i), walk, secret) for i, item in enumerate(value)]


def _check_map(t: Map, value: Any, path: Path, walk: _Walk, secret: bool) -> Any:
    if not isinstance(value, dict):
        value = as_dict(value)
        if value is None:
            return _mismatch(t, path, walk, "dict")
    key_type = t.key_type
    out = {}
    for key, item in value.items():
        # Inside a secret field the keys are part of the secret: paths and messages mask them.
        step = MASK if secret else key
        if not key_type.accepts(key):
            walk.fail(
                (*path, step),
                Reason.RUNTIME_TYPE_MISMATCH,
                f'Invalid key at {where(path)}. Key "{show(key, secret)}" of type "{type(key)}" '
                f'is not valid for expected key type "{key_type.given_name}".',
                {"expected": key_type.given_name},
            )
            continue
        out[key] = _check(t.inner_type, item, (*path, step), walk, secret)
    return out


def _check_enum(t: Enum, value: Any, path: Path, walk: _Walk, secret: bool) -> Any:
    choice = t.lookup(value) if isinstance(value, str) else None
    if choice is not None:
        return choice.python_value if walk.post_process else value
    shown = show(value, secret)
    if isinstance(value, str):
        message = f"Value at {where(path)} not in enum type {t.given_name} got {shown}"
    else:
        message = (
            f"Value at {where(path)} for enum type {t.given_name} must be a string, got "
            f'"{shown}" of type "{type(value)}".'
        )
    walk.fail(path, Reason.RUNTIME_TYPE_MISMATCH, message, {"expected": t.config_values})
    return None


def _check_scalar_union(t: ScalarUnion, value: Any, path: Path, walk: _Walk, secret: bool) -> Any:
    branch = t.non_scalar_type if is_non_scalar(value) else t.scalar_type
    return _check(branch, value, path, walk, secret)


def _check_source(t: SourceType, value: Any, path: Path, walk: _Walk, secret: bool) -> Any:
    if not is_non_scalar(value):
        return _check(t.scalar_type, value, path, walk, secret)
    errors_before = len(walk.errors)
    env_ref = _check(t.non_scalar_type, value, path, walk, secret)
    if len(walk.errors) > errors_before or not walk.post_process:
        return env_ref
    name = env_ref["env"]
    try:
        return t.read_env(name)
    except PostProcessingError as exc:
        walk.fail(
            path,
            Reason.FAILED_POST_PROCESSING,
            f"Post processing at {where(path)} of original value {value} failed:\n{exc}",
            {"env": name},
        )
        return None


_BY_KIND: dict[ConfigTypeKind, _Checker] = {
    ConfigTypeKind.SCALAR: _check_scalar,
    ConfigTypeKind.ANY: _check_any,
    ConfigTypeKind.STRICT_SHAPE: _check_shape,
    ConfigTypeKind.PERMISSIVE_SHAPE: _check_shape,
    ConfigTypeKind.SELECTOR: _check_selector,
    ConfigTypeKind.ARRAY: _check_array,
    ConfigTypeKind.NONEABLE: _check_noneable,
    ConfigTypeKind.ENUM: _check_enum,
    ConfigTypeKind.SCALAR_UNION: _check_scalar_union,
    ConfigTypeKind.MAP: _check_map,
    ConfigTypeKind.SOURCE: _check_source,
}
