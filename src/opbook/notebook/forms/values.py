"""Plain values in forms: the "not given" marker, comparing values, and placeholders.

``MISSING`` stands for an entry left out of a config value (None is a value).  ``same`` compares
values as config sees them (``1`` is not ``True``).  ``sample`` gives the placeholder that
"Scaffold missing" and new list items start from, from a type's description, as
``opbook.config.scaffold`` makes one from the type itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class _Missing:
    """The marker for "no value given" (None is a value)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


PathKey = str | int


@dataclass(frozen=True)
class FieldInfo:
    """A field's entry in ``describe()``: what the form shows around the field's widget."""

    name: str
    required: bool
    has_default: bool
    default: Any
    description: str | None
    is_secret: bool

    @classmethod
    def from_description(cls, data: dict[str, Any]) -> FieldInfo:
        return cls(
            data["name"],
            data["required"],
            data["has_default"],
            data["default"],
            data["description"],
            data["is_secret"],
        )


def same(left: Any, right: Any) -> bool:
    """Equal values of the same types all the way down (``1 == True`` is not the same)."""
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(v, right[k]) for k, v in left.items())
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same, left, right))
    return bool(left == right)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def short(value: Any, limit: int = 60) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_ZEROS: dict[str, Any] = {"int": 0, "float": 0.0, "bool": False, "string": "", "secret": ""}


def sample(desc: dict[str, Any]) -> Any:
    """A placeholder value for a type described by ``desc``, as ``opbook.config.scaffold``
    makes one: zeros for scalars, the first choice of an enum or selector, empty collections,
    and for shapes their required and defaulted fields."""
    kind = desc["kind"]
    if kind in _ZEROS:
        return _ZEROS[kind]
    if kind in ("shape", "permissive"):
        return {
            f["name"]: f["default"] if f["has_default"] else sample(f["type"])
            for f in desc["fields"]
            if f["required"] or f["has_default"]
        }
    if kind == "selector":
        first = desc["fields"][0]
        return {first["name"]: first["default"] if first["has_default"] else sample(first["type"])}
    if kind == "array":
        return []
    if kind == "map":
        return {}
    if kind == "enum":
        return desc["values"][0]["value"]
    if kind in ("scalar_union", "string_source", "int_source", "bool_source"):
        return sample(desc["scalar"])
    return None
