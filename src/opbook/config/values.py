"""Small helpers on plain config values (dicts, lists, scalars): copy, freeze, show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_ATOMS = (str, int, float, bool, type(None))
_SHOWN_MAX = 200
MASK = "***"


def copy_plain(value: Any) -> Any:
    """A copy of ``value`` in which every dict, list, tuple and set is new.

    Other objects are shared: config values are data, and copying arbitrary objects (locks,
    connections, DataFrames passed through ``Any``) could fail or cost a lot.
    """
    if isinstance(value, _ATOMS):
        return value
    if isinstance(value, dict):
        return {k: copy_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(copy_plain(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return type(value)(value)
    return value


def freeze(value: Any) -> Any:
    """A hashable stand-in for ``value``, equal for equal values (used to hash defaults)."""
    if isinstance(value, dict):
        return ("dict", frozenset((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("seq", tuple(freeze(v) for v in value))
    if isinstance(value, (set, frozenset)):
        return ("set", frozenset(value))
    try:
        hash(value)
    except TypeError:
        # Equal values of an unhashable class must still hash equal: use the class alone.
        return ("unhashable", type(value).__qualname__)
    return value


def as_dict(value: object) -> dict[Any, Any] | None:
    """``value`` if it is a dict, a dict of any other mapping (read-only ones too), else None."""
    if isinstance(value, dict):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    return None


def is_non_scalar(value: object) -> bool:
    """Whether ``value`` takes the non-scalar branch of a scalar union: a mapping or a list."""
    return isinstance(value, (dict, list, Mapping))


def is_env_ref(value: object) -> bool:
    """Whether ``value`` is ``{"env": "NAME"}``, a reference to an environment variable."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("env"), str)


def show(value: object, secret: bool = False) -> str:
    """``value`` as text for an error message: masked when secret, shortened when long."""
    if secret:
        return MASK
    text = str(value)
    if len(text) > _SHOWN_MAX:
        text = text[: _SHOWN_MAX - 3] + "..."
    return text
