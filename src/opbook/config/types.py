"""The base of every config type, and the leaf types: scalars, ``Any`` and enums.

A config type is an immutable value.  Two types are equal (and hash equal) when they are
structurally equal, so a schema written twice gives two equal types.  Equality is decided by a
*key*, a tuple each class builds once in its constructor; the hash is computed from it once.

Types with children (shapes, arrays, ...) live in :mod:`opbook.config.schema`, because building
them means resolving the shorthand a user writes (``{"a": int}``), which builds ``Field``\\ s,
which in turn build types.
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Iterable

from opbook.errors import ParameterCheckError


class ConfigTypeKind(enum.Enum):
    """What a config type is; every class of type has exactly one kind."""

    SCALAR = "SCALAR"
    ANY = "ANY"
    STRICT_SHAPE = "STRICT_SHAPE"
    PERMISSIVE_SHAPE = "PERMISSIVE_SHAPE"
    SELECTOR = "SELECTOR"
    ARRAY = "ARRAY"
    NONEABLE = "NONEABLE"
    ENUM = "ENUM"
    SCALAR_UNION = "SCALAR_UNION"
    MAP = "MAP"
    SOURCE = "SOURCE"


def check_description(description: object) -> str | None:
    """Return ``description`` if it is a string or None; raise ``ParameterCheckError`` if not."""
    if description is not None and not isinstance(description, str):
        raise ParameterCheckError(
            f"description must be a string or None, got {description!r} of type "
            f"{type(description).__name__}"
        )
    return description


class ConfigType:
    """Base of every config type.

    Attributes:
        kind: the :class:`ConfigTypeKind` of the type.
        given_name: the name of a named type (``"Int"``, an enum's name), else None.
        description: free text for documentation and forms, or None.
    """

    __slots__ = ("_hash", "_key", "description", "given_name", "kind")

    kind: ConfigTypeKind
    given_name: str | None
    description: str | None
    _key: tuple[object, ...]
    _hash: int

    def __init__(
        self,
        kind: ConfigTypeKind,
        key: tuple[object, ...],
        *,
        given_name: str | None = None,
        description: str | None = None,
    ) -> None:
        full_key = (type(self).__name__, given_name, check_description(description), *key)
        self._init_slot("kind", kind)
        self._init_slot("given_name", given_name)
        self._init_slot("description", description)
        self._init_slot("_key", full_key)
        self._init_slot("_hash", hash(full_key))

    def _init_slot(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"config types are immutable; cannot set {name!r}")

    def __setstate__(self, state: tuple[None, dict[str, object]]) -> None:
        # Unpickling (in a worker process): restore the slots and hash again, since string
        # hashes differ from one process to another.
        for name, value in state[1].items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "_hash", hash(self._key))

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"config types are immutable; cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, ConfigType):
            return NotImplemented
        return self._hash == other._hash and self._key == other._key

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return self.given_name or type(self).__name__

    @property
    def key(self) -> str:
        """A string naming the type, the same for equal types (``"Int"``, ``"Array.Int"``)."""
        return self.given_name or type(self).__name__


class ScalarType(ConfigType):
    """A single value of one Python type; subclasses say which values they accept.

    ``zero`` is the placeholder a scaffold uses for the type.
    """

    __slots__ = ()
    zero: typing.ClassVar[object] = None

    def __init__(self, name: str, description: str | None = None) -> None:
        super().__init__(ConfigTypeKind.SCALAR, (), given_name=name, description=description)

    def accepts(self, value: object) -> bool:
        """Whether ``value`` is a valid value of this scalar."""
        raise NotImplementedError

    def coerce(self, value: object) -> object:
        """The post-processed form of an accepted value (the value itself, but for Float)."""
        return value


class IntType(ScalarType):
    """Integers; ``bool`` is refused although Python makes it an ``int``."""

    __slots__ = ()
    zero = 0

    def __init__(self) -> None:
        super().__init__("Int")

    def accepts(self, value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)


class FloatType(ScalarType):
    """Numbers; ints (and bools, being ints) are accepted and become floats."""

    __slots__ = ()
    zero = 0.0

    def __init__(self) -> None:
        super().__init__("Float")

    def accepts(self, value: object) -> bool:
        return isinstance(value, (int, float))

    def coerce(self, value: object) -> object:
        return float(typing.cast(float, value))


class BoolType(ScalarType):
    """``True`` or ``False`` only."""

    __slots__ = ()
    zero = False

    def __init__(self) -> None:
        super().__init__("Bool")

    def accepts(self, value: object) -> bool:
        return isinstance(value, bool)


class StringType(ScalarType):
    """Strings."""

    __slots__ = ()
    zero = ""

    def __init__(self, name: str = "String") -> None:
        super().__init__(name)

    def accepts(self, value: object) -> bool:
        return isinstance(value, str)


class SecretType(StringType):
    """A string whose value is never shown: error messages and ``mask_secrets`` print ``***``."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("Secret")


class AnyType(ConfigType):
    """Any value at all, None included; passed through unchanged (containers are copied)."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(ConfigTypeKind.ANY, (), given_name="Any")


Int = IntType()
Float = FloatType()
Bool = BoolType()
String = StringType()
Secret = SecretType()
Any = AnyType()


class EnumValue:
    """One choice of an :class:`Enum`: the string written in config, and the value it becomes.

    Args:
        config_value: the string a user writes.
        python_value: the value handed to user code; the config string itself when None.
        description: free text for documentation and forms.
    """

    __slots__ = ("config_value", "description", "python_value")

    config_value: str
    python_value: object
    description: str | None

    def __init__(
        self, config_value: str, python_value: object = None, description: str | None = None
    ) -> None:
        if not isinstance(config_value, str):
            raise ParameterCheckError(
                f"EnumValue config_value must be a string, got {config_value!r}"
            )
        object.__setattr__(self, "config_value", config_value)
        object.__setattr__(
            self, "python_value", config_value if python_value is None else python_value
        )
        object.__setattr__(self, "description", check_description(description))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"EnumValue is immutable; cannot set {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EnumValue):
            return NotImplemented
        return (self.config_value, self.python_value, self.description) == (
            other.config_value,
            other.python_value,
            other.description,
        )

    def __hash__(self) -> int:
        # python_value may be unhashable; equal values always share these two parts.
        return hash((self.config_value, self.description))

    def __repr__(self) -> str:
        return f"EnumValue({self.config_value!r})"


class Enum(ConfigType):
    """A choice among named strings; the value becomes the chosen ``EnumValue.python_value``.

    Args:
        name: the enum's name, shown in messages and printed types.
        enum_values: the choices, as ``EnumValue``\\ s or plain strings.
        description: free text for documentation and forms.
    """

    __slots__ = ("_by_config_value", "enum_values")

    enum_values: tuple[EnumValue, ...]
    _by_config_value: dict[str, EnumValue]

    def __init__(
        self,
        name: str,
        enum_values: Iterable[EnumValue | str],
        description: str | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ParameterCheckError(f"Enum name must be a non-empty string, got {name!r}")
        values = tuple(v if isinstance(v, EnumValue) else EnumValue(v) for v in enum_values)
        by_config_value = {v.config_value: v for v in values}
        if not values or len(by_config_value) != len(values):
            raise ParameterCheckError(
                f"Enum {name} needs at least one value and distinct config values, got "
                f"{[v.config_value for v in values]}"
            )
        super().__init__(ConfigTypeKind.ENUM, values, given_name=name, description=description)
        self._init_slot("enum_values", values)
        self._init_slot("_by_config_value", by_config_value)

    @classmethod
    def from_python_enum(cls, enum_cls: type[enum.Enum], name: str | None = None) -> Enum:
        """An Enum whose config values are the member names and whose values are the members."""
        if not (isinstance(enum_cls, type) and issubclass(enum_cls, enum.Enum)):
            raise ParameterCheckError(f"expected a Python enum class, got {enum_cls!r}")
        values = [EnumValue(member.name, python_value=member) for member in enum_cls]
        return cls(name or enum_cls.__name__, values)

    @property
    def config_values(self) -> list[str]:
        """The strings a user may write, in declaration order."""
        return [v.config_value for v in self.enum_values]

    def lookup(self, config_value: str) -> EnumValue | None:
        """The choice written as ``config_value``, or None."""
        return self._by_config_value.get(config_value)
