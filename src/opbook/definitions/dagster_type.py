"""Dagster types: runtime type checks for op inputs and outputs.

A ``DagsterType`` is a name plus a type-check function ``(context, value) -> bool | TypeCheck``,
optionally a loader (how run config supplies the value of an unconnected input) and a
materializer (how run config asks for an output to be written out); see ``type_loaders``.

Annotations and ``In`` / ``Out`` types become Dagster types through ``resolve_dagster_type``:
``int`` -> ``Int`` (and ``float``, ``bool``, ``str``), ``typing.Any`` or nothing -> ``Any``,
``-> None`` -> ``Nothing``; ``List[int]`` / ``list[int]`` -> ``List[Int]``, ``Optional[str]`` /
``str | None`` -> ``Optional[String]``, ``Dict[str, int]`` -> ``Dict[String,Int]``, and
likewise ``Set`` and ``Tuple``: container types check their items too.  A class registered with
``make_python_type_usable_as_dagster_type`` (or decorated ``@usable_as_dagster_type``) means its
Dagster type; any other class an ``isinstance`` check inferred from the hint.  Dagster's own
``List``, ``Optional``, ``Dict``, ``Set`` and ``Tuple`` helpers build the same types.  The
builtin scalar types also stand for the matching config scalars, so ``config_schema={"n": Int}``
works as in Dagster.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Any as TypingAny

from opbook import config as cfg
from opbook.definitions.frozen import Frozen
from opbook.definitions.type_loaders import (
    DagsterTypeLoader,
    DagsterTypeMaterializer,
    any_loader,
    builtin_materializer,
    dict_loader,
    list_loader,
    optional_loader,
    scalar_loader,
    set_loader,
    tuple_loader,
    typed_dict_loader,
)
from opbook.definitions.user_events import Failure, TypeCheck
from opbook.errors import DagsterInvalidDefinitionError

TypeCheckFn = Callable[[TypingAny, TypingAny], "bool | TypeCheck"]


class DagsterTypeKind(enum.Enum):
    ANY = "ANY"
    SCALAR = "SCALAR"
    LIST = "LIST"
    NOTHING = "NOTHING"
    NULLABLE = "NULLABLE"
    REGULAR = "REGULAR"


class DagsterType(Frozen):
    """A named runtime type check (a frozen value).

    Args:
        type_check_fn: ``(context, value) -> bool | TypeCheck``.
        key: the type's identity.
        name: its display name (default: ``key``).
        is_builtin: one of opbook's own types.
        description: shown in docs and the notebook.
        loader: builds an input's value from run config (``dagster_type_loader``).
        materializer: writes an output as run config asks (``dagster_type_materializer``).
        serialization_strategy: accepted for compatibility; opbook's storages pickle every
            value.
        auto_plugins: accepted for compatibility; not used.
        required_resource_keys: resources the type check needs.
        kind: what sort of type this is (``DagsterTypeKind``).
        typing_type: the Python type a value of this type has, where there is one.
    """

    def __init__(
        self,
        type_check_fn: TypeCheckFn,
        key: str | None = None,
        name: str | None = None,
        is_builtin: bool = False,
        description: str | None = None,
        loader: DagsterTypeLoader | None = None,
        materializer: DagsterTypeMaterializer | None = None,
        serialization_strategy: TypingAny = None,
        auto_plugins: TypingAny = None,
        required_resource_keys: Iterable[str] | None = None,
        kind: DagsterTypeKind = DagsterTypeKind.REGULAR,
        typing_type: TypingAny = None,
    ) -> None:
        if not callable(type_check_fn):
            raise DagsterInvalidDefinitionError(
                f"type_check_fn of DagsterType {name or key!r} must be callable."
            )
        display = name or key
        if display is None:
            raise DagsterInvalidDefinitionError("A DagsterType needs a name or a key.")
        self.type_check_fn = type_check_fn
        self.key = key or display
        self.name = display
        self.is_builtin = is_builtin
        self.description = description
        self.loader = loader
        self.materializer = materializer
        self.serialization_strategy = serialization_strategy
        self.auto_plugins = list(auto_plugins or [])
        self.required_resource_keys = frozenset(required_resource_keys or ())
        self.kind = kind
        self.typing_type = typing_type
        # The engine skips calling the check for types that accept everything, and checks the
        # builtin scalars with a plain isinstance (see _BuiltinScalarType).
        self.is_any = kind is DagsterTypeKind.ANY
        self.builtin_python_type: type | None = None
        self.is_nothing = kind is DagsterTypeKind.NOTHING

    @property
    def display_name(self) -> str:
        return self.name

    def __config_misuse__(self) -> str | None:
        """Why a Dagster type cannot be a config schema (the config system reads it to explain)."""
        return (
            f"You have passed an instance of DagsterType {self.display_name} to the config "
            f"system (Repr of type: {self!r}). The DagsterType and config schema systems are "
            "separate. Valid config values are: int, float, bool or str; a config type (Int, "
            "Float, Bool, String, StringSource, Any, Array, Noneable, Selector, Shape, "
            "Permissive, ...); a dict of them (a Shape); or a one-item list of one (an Array)."
        )

    @property
    def unique_name(self) -> str:
        return self.key

    @property
    def input_hydration_config(self) -> DagsterTypeLoader | None:
        return self.loader

    @property
    def output_materialization_config(self) -> DagsterTypeMaterializer | None:
        return self.materializer

    @property
    def is_nullable(self) -> bool:
        return self.kind is DagsterTypeKind.NULLABLE

    @property
    def is_list(self) -> bool:
        return self.kind is DagsterTypeKind.LIST

    @property
    def inner_types(self) -> list[DagsterType]:
        return []

    @property
    def supports_fan_in(self) -> bool:
        return False

    def type_check(self, context: TypingAny, value: TypingAny) -> TypeCheck:
        """Run the check and normalise its answer to a ``TypeCheck``."""
        answer = self.type_check_fn(context, value)
        if isinstance(answer, TypeCheck):
            return answer
        if isinstance(answer, bool):
            return TypeCheck(success=answer)
        return TypeCheck(
            success=False,
            description=(
                f"Type checks must return TypeCheck or bool. Type check for type {self.name} "
                f"returned value of type {type(answer)} when checking runtime value of type "
                f"{type(value)}."
            ),
        )

    def __repr__(self) -> str:
        return f"DagsterType({self.name})"


def type_check_outcome(
    dagster_type: DagsterType, context: TypingAny, value: TypingAny
) -> TypeCheck:
    """The check's answer, with a ``Failure`` raised by the check turned into a failed check
    (as ``check_dagster_type`` and direct invocation report it)."""
    try:
        return dagster_type.type_check(context, value)
    except Failure as failure:
        return TypeCheck(False, failure.description, list(failure.metadata_entries))


def _fail_unless(value: TypingAny, python_type: type | tuple[type, ...], desc: str) -> TypeCheck:
    if isinstance(value, python_type):
        return TypeCheck(success=True)
    return TypeCheck(
        success=False,
        description=f'Value "{value}" of python type "{type(value).__name__}" must be a {desc}.',
    )


# -- the builtin types -------------------------------------------------------------------------


class _BuiltinScalarType(DagsterType):
    """Int, Float, Bool, String: a type check plus the matching config scalar."""

    def __init__(
        self, name: str, python_type: type, config_type: cfg.ConfigType, desc: str
    ) -> None:
        self._config_type = config_type
        super().__init__(
            lambda _context, value: _fail_unless(value, python_type, desc),
            key=name,
            is_builtin=True,
            loader=scalar_loader(config_type),
            materializer=builtin_materializer(),
            kind=DagsterTypeKind.SCALAR,
            typing_type=python_type,
        )
        self.builtin_python_type = python_type

    def __config_type__(self) -> cfg.ConfigType:
        return self._config_type

    def __reduce__(self) -> str:
        return self.name  # the module's own object: Int, Float, Bool or String


class _AnyType(DagsterType):
    def __init__(self) -> None:
        super().__init__(
            lambda _c, _v: True,
            key="Any",
            is_builtin=True,
            loader=any_loader(),
            materializer=builtin_materializer(),
            kind=DagsterTypeKind.ANY,
            typing_type=TypingAny,
        )

    @property
    def supports_fan_in(self) -> bool:
        return True

    def __config_type__(self) -> cfg.ConfigType:
        return cfg.Any

    def __reduce__(self) -> str:
        return "Any"


def _nothing_check(_context: TypingAny, value: TypingAny) -> TypeCheck:
    if value is None:
        return TypeCheck(success=True)
    return TypeCheck(False, f"Value must be None, got a {type(value)}")


class _NothingType(DagsterType):
    def __init__(self) -> None:
        super().__init__(
            _nothing_check,
            key="Nothing",
            is_builtin=True,
            kind=DagsterTypeKind.NOTHING,
            typing_type=type(None),
        )

    @property
    def supports_fan_in(self) -> bool:
        return True

    def __reduce__(self) -> str:
        return "Nothing"


Any = _AnyType()
Int = _BuiltinScalarType("Int", int, cfg.Int, "int")
Float = _BuiltinScalarType("Float", float, cfg.Float, "float")
Bool = _BuiltinScalarType("Bool", bool, cfg.Bool, "bool")
String = _BuiltinScalarType("String", str, cfg.String, "string")
Nothing = _NothingType()


class PythonObjectDagsterType(DagsterType):
    """A Dagster type that checks ``isinstance(value, python_type)``; a tuple of classes is a
    union (named ``Union[int, float]``).

    Args:
        python_type: the class, or a tuple of classes.
        key: the type's identity (default: the class's name).
        name: its display name (default: the class's name).
        type_check_fn: a check to use instead of ``isinstance``.
        **kwargs: ``description``, ``loader``, ``materializer`` ..., as for ``DagsterType``.
    """

    def __init__(
        self,
        python_type: type | tuple[type, ...],
        key: str | None = None,
        name: str | None = None,
        type_check_fn: TypeCheckFn | None = None,
        **kwargs: TypingAny,
    ) -> None:
        classes = python_type if isinstance(python_type, tuple) else (python_type,)
        if not classes or not all(isinstance(c, type) for c in classes):
            raise DagsterInvalidDefinitionError(
                f"PythonObjectDagsterType needs a class or a tuple of classes, got {python_type!r}."
            )
        self.python_type = python_type
        self.type_str = (
            f"Union[{', '.join(c.__name__ for c in classes)}]"
            if isinstance(python_type, tuple)
            else python_type.__name__
        )
        label = name or self.type_str
        kwargs.setdefault("typing_type", python_type)
        super().__init__(
            type_check_fn or _isinstance_check(classes, label, self.type_str),
            key=key or label,
            name=label,
            **kwargs,
        )


def _isinstance_check(classes: tuple[type, ...], name: str, expected: str) -> TypeCheckFn:
    def check(_context: TypingAny, value: TypingAny) -> TypeCheck:
        if isinstance(value, classes):
            return TypeCheck(success=True)
        return TypeCheck(
            success=False,
            description=(
                f"Value of type {type(value)} failed type check for Dagster type {name}, "
                f"expected value to be of Python type {expected}."
            ),
        )

    return check


# -- container types: List[...], Optional[...], Dict[...], Set[...], Tuple[...] -----------------


def _inner_checks(context: TypingAny, pairs: Iterable[tuple[DagsterType, TypingAny]]) -> TypeCheck:
    """The first failing item check, or success."""
    for inner, item in pairs:
        if inner.is_any:
            continue
        result = inner.type_check(context, item)
        if not result.success:
            return result
    return TypeCheck(success=True)


def _not_nothing(inner: DagsterType, wrapper: str) -> DagsterType:
    if inner.is_nothing:
        raise DagsterInvalidDefinitionError(
            f"Type Nothing can not be wrapped in {wrapper}; a Nothing input takes fan-in as it is."
        )
    return inner


_ARRAY_HINT = "Please use a python list (e.g. [int]) or dagster.Array (e.g. Array(int)) instead."
_CONFIG_MISUSE = {
    "List": f"Cannot use List in the context of config. {_ARRAY_HINT}",
    "Set": f"Cannot use Set in the context of a config field. {_ARRAY_HINT}",
    "Tuple": f"Cannot use Tuple in the context of a config field. {_ARRAY_HINT}",
}


class ListType(DagsterType):
    """``List[T]``: a list whose every item is a ``T``."""

    def __config_misuse__(self) -> str:
        """Why this cannot be a config schema (the config system reads it to explain)."""
        return _CONFIG_MISUSE["List"]

    def __init__(self, inner: DagsterType) -> None:
        self.inner_type = _not_nothing(inner, "List or Optional")
        super().__init__(
            self._check,
            key=f"List.{inner.key}",
            name=f"List[{inner.name}]",
            loader=list_loader(inner.loader),
            kind=DagsterTypeKind.LIST,
            typing_type=list,
        )

    def _check(self, context: TypingAny, value: TypingAny) -> TypeCheck:
        if not isinstance(value, list):
            return _fail_unless(value, list, "list")
        return _inner_checks(context, ((self.inner_type, item) for item in value))

    def __reduce__(self) -> tuple[TypingAny, ...]:
        # Rebuilt through the cache, so that an unpickled List[Int] is List[Int] itself.
        return (_rebuilt, (ListType, (self.inner_type,)))

    @property
    def display_name(self) -> str:
        """Dagster's form, as error messages show it: ``[Int]`` (``name`` is ``List[Int]``)."""
        return f"[{self.inner_type.display_name}]"

    @property
    def inner_types(self) -> list[DagsterType]:
        return [self.inner_type, *self.inner_type.inner_types]

    @property
    def supports_fan_in(self) -> bool:
        return True


class OptionalType(DagsterType):
    """``Optional[T]``: None, or a ``T``."""

    def __init__(self, inner: DagsterType) -> None:
        self.inner_type = _not_nothing(inner, "List or Optional")
        super().__init__(
            self._check,
            key=f"Optional.{inner.key}",
            name=f"Optional[{inner.name}]",
            loader=optional_loader(inner.loader),
            kind=DagsterTypeKind.NULLABLE,
        )

    def _check(self, context: TypingAny, value: TypingAny) -> TypeCheck:
        if value is None:
            return TypeCheck(success=True)
        return self.inner_type.type_check(context, value)

    def __reduce__(self) -> tuple[TypingAny, ...]:
        # Rebuilt through the cache, so that an unpickled List[Int] is List[Int] itself.
        return (_rebuilt, (OptionalType, (self.inner_type,)))

    @property
    def display_name(self) -> str:
        """Dagster's form, as error messages show it: ``Int?`` (``name`` is ``Optional[Int]``)."""
        return f"{self.inner_type.display_name}?"

    @property
    def inner_types(self) -> list[DagsterType]:
        return [self.inner_type, *self.inner_type.inner_types]


class DictType(DagsterType):
    """``Dict[K, V]``: a dict whose keys are ``K`` and values ``V``."""

    def __init__(self, key_type: DagsterType, value_type: DagsterType) -> None:
        self.key_type = key_type
        self.value_type = value_type
        super().__init__(
            self._check,
            key=f"TypedPythonDict.{key_type.key}.{value_type.key}",
            name=f"Dict[{key_type.name},{value_type.name}]",
            loader=typed_dict_loader(key_type is String, value_type.loader),
            typing_type=dict,
        )

    def _check(self, context: TypingAny, value: TypingAny) -> TypeCheck:
        if not isinstance(value, dict):
            return TypeCheck(False, f"Value should be a dict, got a {type(value)}")
        pairs = (
            (t, x) for k, v in value.items() for t, x in ((self.key_type, k), (self.value_type, v))
        )
        return _inner_checks(context, pairs)

    def __reduce__(self) -> tuple[TypingAny, ...]:
        # Rebuilt through the cache, so that an unpickled List[Int] is List[Int] itself.
        return (_rebuilt, (DictType, (self.key_type, self.value_type)))

    @property
    def display_name(self) -> str:
        return f"Dict[{self.key_type.display_name},{self.value_type.display_name}]"

    @property
    def inner_types(self) -> list[DagsterType]:
        return [self.key_type, self.value_type]


class SetType(DagsterType):
    """``Set[T]``: a set whose every item is a ``T``."""

    def __config_misuse__(self) -> str:
        return _CONFIG_MISUSE["Set"]

    def __init__(self, inner: DagsterType) -> None:
        self.inner_type = _not_nothing(inner, "Set")
        super().__init__(
            self._check,
            key=f"TypedPythonSet.{inner.key}",
            name=f"Set[{inner.name}]",
            loader=set_loader(inner.loader),
            typing_type=set,
        )

    def _check(self, context: TypingAny, value: TypingAny) -> TypeCheck:
        if not isinstance(value, set):
            return TypeCheck(False, f"Value should be a set, got a {type(value)}")
        return _inner_checks(context, ((self.inner_type, item) for item in value))

    def __reduce__(self) -> tuple[TypingAny, ...]:
        # Rebuilt through the cache, so that an unpickled List[Int] is List[Int] itself.
        return (_rebuilt, (SetType, (self.inner_type,)))

    @property
    def display_name(self) -> str:
        return f"Set[{self.inner_type.display_name}]"

    @property
    def inner_types(self) -> list[DagsterType]:
        return [self.inner_type]


class TupleType(DagsterType):
    """``Tuple[A, B, ...]``: a tuple of exactly these items, in order."""

    def __config_misuse__(self) -> str:
        return _CONFIG_MISUSE["Tuple"]

    def __init__(self, inners: Sequence[DagsterType]) -> None:
        self.inner_types_list = [_not_nothing(inner, "Tuple") for inner in inners]
        super().__init__(
            self._check,
            key="TypedPythonTuple" + ".".join(t.key for t in inners),
            name=f"Tuple[{','.join(t.name for t in inners)}]",
            loader=tuple_loader([t.loader for t in inners]),
            typing_type=tuple,
        )

    def _check(self, context: TypingAny, value: TypingAny) -> TypeCheck:
        if not isinstance(value, tuple):
            return TypeCheck(False, f"Value should be a tuple, got a {type(value)}")
        if len(value) != len(self.inner_types_list):
            return TypeCheck(
                False,
                f"Tuple with key {self.key} requires {len(self.inner_types_list)} entries, "
                f"received {len(value)} values",
            )
        return _inner_checks(context, zip(self.inner_types_list, value, strict=True))

    def __reduce__(self) -> tuple[TypingAny, ...]:
        # Rebuilt through the cache, so that an unpickled List[Int] is List[Int] itself.
        return (_rebuilt, (TupleType, (self.inner_types_list,)))

    @property
    def display_name(self) -> str:
        return f"Tuple[{','.join(t.display_name for t in self.inner_types_list)}]"

    @property
    def inner_types(self) -> list[DagsterType]:
        return list(self.inner_types_list)


_MADE: dict[str, DagsterType] = {}


def _made(dagster_type: DagsterType) -> DagsterType:
    """One object per container type (``List[Int]`` twice is the same type)."""
    return _MADE.setdefault(dagster_type.key, dagster_type)


def _rebuilt(cls: Callable[..., DagsterType], args: tuple[TypingAny, ...]) -> DagsterType:
    return _made(cls(*args))


def _container(name: str, python_type: type, loader: DagsterTypeLoader | None) -> DagsterType:
    return PythonObjectDagsterType(
        python_type,
        name=name,
        type_check_fn=lambda _c, value: _fail_unless(value, python_type, python_type.__name__),
        loader=loader,
        is_builtin=True,
    )


class _TypeHelper:
    """``List`` / ``Optional`` / ``Dict`` / ``Set`` / ``Tuple``: used bare or subscripted."""

    def __init__(
        self, name: str, make: Callable[[TypingAny], DagsterType], bare: DagsterType
    ) -> None:
        self._name = name
        self._make = make
        self.bare = bare

    def __getitem__(self, inner: TypingAny) -> DagsterType:
        return _made(self._make(inner))

    def __call__(self, inner: TypingAny) -> DagsterType:
        if self._name != "List":  # as in Dagster, where only List(T) may be called
            raise TypeError(f"'Dagster{self._name}Api' object is not callable")
        return self[inner]

    def __repr__(self) -> str:
        return self._name

    def __config_misuse__(self) -> str | None:
        return _CONFIG_MISUSE.get(self._name)


def _make_dict(args: TypingAny) -> DagsterType:
    if not isinstance(args, tuple) or len(args) != 2:
        raise DagsterInvalidDefinitionError(
            f"Dict takes two type parameters: Dict[K, V]. Got {args!r}."
        )
    return DictType(resolve_dagster_type(args[0]), resolve_dagster_type(args[1]))


def _make_tuple(args: TypingAny) -> DagsterType:
    items = args if isinstance(args, tuple) else (args,)
    if Ellipsis in items:
        return Tuple.bare  # a tuple of any length: checked as a tuple only
    return TupleType([resolve_dagster_type(item) for item in items])


List = _TypeHelper(
    "List",
    lambda inner: ListType(resolve_dagster_type(inner)),
    _container("List", list, list_loader(any_loader())),
)
Optional = _TypeHelper("Optional", lambda inner: OptionalType(resolve_dagster_type(inner)), Any)
Dict = _TypeHelper("Dict", _make_dict, _container("Dict", dict, dict_loader()))
Set = _TypeHelper(
    "Set", lambda inner: SetType(resolve_dagster_type(inner)), _container("Set", set, None)
)
Tuple = _TypeHelper("Tuple", _make_tuple, _container("Tuple", tuple, None))


# -- from Python types and annotations ---------------------------------------------------------

_BY_PYTHON_TYPE: dict[TypingAny, DagsterType] = {
    int: Int,
    float: Float,
    bool: Bool,
    str: String,
    type(None): Nothing,
    None: Any,
    TypingAny: Any,
    list: List.bare,
    dict: Dict.bare,
    set: Set.bare,
    tuple: Tuple.bare,
    frozenset: Set.bare,
}
# Classes mapped on purpose (make_python_type_usable_as_dagster_type), and those inferred
# from a hint because nothing was registered for them.
_REGISTERED: dict[type, DagsterType] = {}
_INFERRED: dict[type, DagsterType] = {}


def make_python_type_usable_as_dagster_type(python_type: type, dagster_type: DagsterType) -> None:
    """Let ``python_type`` be used in annotations and ``In``/``Out`` to mean ``dagster_type``.

    Raises:
        DagsterInvalidDefinitionError: another Dagster type is registered for ``python_type``
            already, or an op used the class as a hint before this call.
    """
    registered = _REGISTERED.get(python_type)
    if registered is not None and registered is not dagster_type:
        raise DagsterInvalidDefinitionError(
            f"A Dagster type has already been registered for the Python type {python_type}. "
            "make_python_type_usable_as_dagster_type can only be called once on a python type "
            "as it is registering a 1:1 mapping between that python type and a dagster type."
        )
    if python_type in _INFERRED:
        raise DagsterInvalidDefinitionError(
            f"A Dagster type has already been registered for the Python type {python_type}. The "
            'Dagster type was "auto-registered": an op or solid used the Python type as an '
            "annotation before make_python_type_usable_as_dagster_type was called. Call "
            "make_python_type_usable_as_dagster_type before any definition refers to the type."
        )
    _REGISTERED[python_type] = dagster_type


def usable_as_dagster_type(
    name: TypingAny = None,
    description: str | None = None,
    loader: DagsterTypeLoader | None = None,
    materializer: DagsterTypeMaterializer | None = None,
) -> TypingAny:
    """Class decorator: make the class usable as a Dagster type (an ``isinstance`` check).
    Usable bare (``@usable_as_dagster_type``) or with arguments."""

    def wrap(cls: type) -> type:
        made = PythonObjectDagsterType(
            cls,
            name=name or cls.__name__,
            description=description,
            loader=loader,
            materializer=materializer,
        )
        make_python_type_usable_as_dagster_type(cls, made)
        return cls

    if isinstance(name, type):  # used bare
        cls, name = name, None
        return wrap(cls)
    return wrap


def _inferred(hint: type) -> DagsterType:
    made = _INFERRED.get(hint)
    if made is None:
        qualified = f"{hint.__module__}.{hint.__qualname__}"
        made = PythonObjectDagsterType(
            hint,
            key=f"_TypeHintInferred[{qualified}]",
            name=hint.__name__,
            description=f"DagsterType created from a type hint for the Python type {qualified}",
        )
        _INFERRED[hint] = made
    return made


def _invalid(hint: TypingAny, why: str = "") -> DagsterInvalidDefinitionError:
    return DagsterInvalidDefinitionError(
        f"Invalid type: dagster_type must be an instance of DagsterType or a Python type: got "
        f"{hint!r}{why}"
    )


def resolve_dagster_type(hint: TypingAny) -> DagsterType:
    """The Dagster type for an annotation, ``In``/``Out`` type or Dagster type.

    Raises:
        DagsterInvalidDefinitionError: ``hint`` names no type.
    """
    if isinstance(hint, DagsterType):
        return hint
    if isinstance(hint, _TypeHelper):
        return hint.bare
    if isinstance(hint, type) and issubclass(hint, DagsterType):
        raise _invalid(hint, ". Pass an instance of the DagsterType class, not the class.")
    if isinstance(hint, cfg.ConfigType):
        raise _invalid(hint, ". A config type checks config, not values passed between ops.")
    if _hashable(hint) and hint in _BY_PYTHON_TYPE:
        return _BY_PYTHON_TYPE[hint]
    origin = typing.get_origin(hint)
    if origin is not None:
        return _resolve_generic(hint, origin)
    if isinstance(hint, type):
        return _REGISTERED.get(hint) or _inferred(hint)
    if isinstance(hint, str):
        raise _invalid(
            hint,
            ". The annotation could not be evaluated: is the class defined inside a function "
            "in a module using `from __future__ import annotations`? Define it at module level, "
            "or give the type with In(...) / Out(...).",
        )
    raise _invalid(hint, ".")


def _hashable(hint: TypingAny) -> bool:
    try:
        hash(hint)
    except TypeError:
        return False
    return True


def _resolve_generic(hint: TypingAny, origin: TypingAny) -> DagsterType:
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _resolve_union(hint, args)
    if not args:
        return resolve_dagster_type(origin)
    if origin is list:
        return List[args[0]]
    if origin in (set, frozenset):
        return Set[args[0]]
    if origin is dict:
        return Dict[args]
    if origin is tuple:
        return Tuple[args]
    if isinstance(origin, type):
        return resolve_dagster_type(origin)  # another generic class: checked as its class
    return Any


def _resolve_union(hint: TypingAny, args: tuple[TypingAny, ...]) -> DagsterType:
    others = [a for a in args if a is not type(None)]
    if len(others) == 1 and len(args) == 2:
        return Optional[others[0]]
    classes = tuple(a for a in others if isinstance(a, type) and typing.get_origin(a) is None)
    if len(classes) != len(others):
        return Any  # a union of generics: too loose to check
    union = PythonObjectDagsterType(classes)
    return Optional[union] if len(others) != len(args) else _made(union)


def is_typing_type(hint: TypingAny) -> bool:
    """Whether ``hint`` comes from Python's typing machinery (``List[int]``, ``list[int]``,
    ``Optional[str]``, bare ``typing.List``...) rather than being a class or a Dagster type."""
    if hint in (list, dict, set, tuple, typing.Optional):
        return True
    return typing.get_origin(hint) is not None
