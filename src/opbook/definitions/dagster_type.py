"""Dagster types: runtime type checks for op inputs and outputs.

A ``DagsterType`` is a name plus a type-check function ``(context, value) -> bool | TypeCheck``,
optionally a loader (how run config supplies the value of an unconnected input) and a
materializer (how run config asks for an output to be written out).  Python annotations are
turned into Dagster types by ``resolve_dagster_type``: ``int`` -> ``Int``, ``list[int]`` ->
``List[Int]``, ``Optional[str]`` -> ``Optional[String]``, any other class -> a type checking
``isinstance``.  The builtin scalar types also stand for the matching config scalars, so
``config_schema={"n": Int}`` works as in Dagster.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any as TypingAny

from opbook import config as cfg
from opbook.definitions.user_events import TypeCheck
from opbook.errors import CheckError, DagsterInvalidDefinitionError

TypeCheckFn = Callable[[TypingAny, TypingAny], "bool | TypeCheck"]


@dataclass(frozen=True, eq=False)
class DagsterTypeLoader:
    """Builds an input value from run config: ``loader_fn(context, config_value)``."""

    schema: TypingAny
    loader_fn: Callable[[TypingAny, TypingAny], TypingAny]
    required_resource_keys: frozenset[str] = frozenset()

    @property
    def schema_type(self) -> cfg.ConfigType:
        return cfg.resolve_config_type(self.schema)


@dataclass(frozen=True, eq=False)
class DagsterTypeMaterializer:
    """Writes an output value as run config asks: ``materializer_fn(context, config, value)``."""

    schema: TypingAny
    materializer_fn: Callable[[TypingAny, TypingAny, TypingAny], TypingAny]
    required_resource_keys: frozenset[str] = frozenset()

    @property
    def schema_type(self) -> cfg.ConfigType:
        return cfg.resolve_config_type(self.schema)


def dagster_type_loader(
    config_schema: TypingAny, required_resource_keys: Iterable[str] | None = None
) -> Callable[[Callable[..., TypingAny]], DagsterTypeLoader]:
    """Decorate ``fn(context, config_value)`` to make it a loader for a Dagster type."""
    cfg.resolve_config_type(config_schema)

    def wrap(fn: Callable[..., TypingAny]) -> DagsterTypeLoader:
        return DagsterTypeLoader(config_schema, fn, frozenset(required_resource_keys or ()))

    return wrap


def dagster_type_materializer(
    config_schema: TypingAny, required_resource_keys: Iterable[str] | None = None
) -> Callable[[Callable[..., TypingAny]], DagsterTypeMaterializer]:
    """Decorate ``fn(context, config_value, value)`` to make it a materializer."""
    cfg.resolve_config_type(config_schema)

    def wrap(fn: Callable[..., TypingAny]) -> DagsterTypeMaterializer:
        return DagsterTypeMaterializer(config_schema, fn, frozenset(required_resource_keys or ()))

    return wrap


class DagsterType:
    """A named runtime type check.

    Args:
        type_check_fn: ``(context, value) -> bool | TypeCheck``.
        key / name: identity and display name (``name`` defaults to ``key``).
        description: shown in docs and the notebook.
        loader / materializer: run-config hooks for inputs and outputs.
        required_resource_keys: resources the type check needs.
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
        required_resource_keys: Iterable[str] | None = None,
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
        self.required_resource_keys = frozenset(required_resource_keys or ())
        self.typing_type = typing_type
        # The engine skips calling the check for types that accept everything, and checks the
        # builtin scalars with a plain isinstance (see _BuiltinScalarType).
        self.is_any = False
        self.builtin_python_type: type | None = None
        self.is_nothing = False

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def unique_name(self) -> str:
        return self.key

    @property
    def input_hydration_config(self) -> DagsterTypeLoader | None:
        return self.loader

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


def _fail_unless(value: TypingAny, python_type: type | tuple[type, ...], desc: str) -> TypeCheck:
    if isinstance(value, python_type):
        return TypeCheck(success=True)
    return TypeCheck(
        success=False,
        description=f'Value "{value}" of python type "{type(value).__name__}" must be a {desc}.',
    )


class _BuiltinScalarType(DagsterType):
    """Int, Float, Bool, String: a type check plus the matching config scalar."""

    def __init__(
        self, name: str, python_type: type, config_type: cfg.ConfigType, desc: str
    ) -> None:
        self._python_type = python_type
        self._desc = desc
        self._config_type = config_type
        super().__init__(
            lambda _context, value: _fail_unless(value, python_type, desc),
            key=name,
            is_builtin=True,
            loader=_scalar_loader(config_type),
            materializer=_builtin_materializer(),
            typing_type=python_type,
        )
        self.builtin_python_type = python_type

    def __config_type__(self) -> cfg.ConfigType:
        return self._config_type


class _AnyType(DagsterType):
    def __init__(self) -> None:
        super().__init__(
            lambda _c, _v: True,
            key="Any",
            is_builtin=True,
            loader=_any_loader(),
            materializer=_builtin_materializer(),
            typing_type=TypingAny,
        )
        self.is_any = True

    def __config_type__(self) -> cfg.ConfigType:
        return cfg.Any


class _NothingType(DagsterType):
    def __init__(self) -> None:
        super().__init__(
            lambda _c, value: (
                value is None
                or TypeCheck(
                    False, f'Value must be None, got a value of type "{type(value).__name__}".'
                )
            ),
            key="Nothing",
            is_builtin=True,
            typing_type=type(None),
        )
        self.is_nothing = True


# -- builtin loaders and materializers (run-config `inputs:` and `outputs:`) ------------------


def _read_json_value(path: str) -> TypingAny:
    import json

    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or "value" not in data:
        raise CheckError(f'The JSON file {path} must hold an object with a "value" key.')
    return data["value"]


def _read_pickle_value(path: str) -> TypingAny:
    import pickle

    with open(path, "rb") as handle:
        return pickle.load(handle)


def _selector_loader_fn(_context: TypingAny, config_value: TypingAny) -> TypingAny:
    if not isinstance(config_value, dict):
        return config_value
    ((kind, spec),) = config_value.items()
    if kind == "value":
        return spec
    if kind == "json":
        return _read_json_value(spec["path"])
    return _read_pickle_value(spec["path"])


def _value_selector(value_type: cfg.ConfigType) -> cfg.Selector:
    return cfg.Selector(
        {
            "value": cfg.Field(value_type),
            "json": cfg.Field({"path": cfg.String}),
            "pickle": cfg.Field({"path": cfg.String}),
        }
    )


def _scalar_loader(config_type: cfg.ConfigType) -> DagsterTypeLoader:
    return DagsterTypeLoader(
        cfg.ScalarUnion(config_type, _value_selector(config_type)), _selector_loader_fn
    )


def _any_loader() -> DagsterTypeLoader:
    return DagsterTypeLoader(_value_selector(cfg.Any), _selector_loader_fn)


def _write_output(_context: TypingAny, config_value: TypingAny, value: TypingAny) -> TypingAny:
    import json
    import pickle

    from opbook.definitions.user_events import AssetMaterialization

    ((kind, spec),) = config_value.items()
    path = spec["path"]
    if kind == "json":
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"value": value}, handle)
    else:
        with open(path, "wb") as handle:
            pickle.dump(value, handle)
    return AssetMaterialization.file(path)


def _builtin_materializer() -> DagsterTypeMaterializer:
    return DagsterTypeMaterializer(
        cfg.Selector({"json": {"path": cfg.String}, "pickle": {"path": cfg.String}}), _write_output
    )


Any = _AnyType()
Int = _BuiltinScalarType("Int", int, cfg.Int, "int")
Float = _BuiltinScalarType("Float", float, cfg.Float, "float")
Bool = _BuiltinScalarType("Bool", bool, cfg.Bool, "bool")
String = _BuiltinScalarType("String", str, cfg.String, "string")
Nothing = _NothingType()


# -- composite types: List[...], Optional[...], Dict, Set, Tuple -------------------------------


def _list_type(inner: DagsterType) -> DagsterType:
    def check(context: TypingAny, value: TypingAny) -> TypeCheck:
        if not isinstance(value, list):
            return _fail_unless(value, list, "list")
        if inner.is_any:
            return TypeCheck(success=True)
        for item in value:
            result = inner.type_check(context, item)
            if not result.success:
                return result
        return TypeCheck(success=True)

    return DagsterType(check, key=f"List[{inner.name}]", typing_type=list)


def _optional_type(inner: DagsterType) -> DagsterType:
    def check(context: TypingAny, value: TypingAny) -> TypeCheck:
        return TypeCheck(success=True) if value is None else inner.type_check(context, value)

    return DagsterType(check, key=f"Optional[{inner.name}]", loader=inner.loader)


def _container_type(name: str, python_type: type) -> DagsterType:
    return DagsterType(
        lambda _c, value: _fail_unless(value, python_type, python_type.__name__),
        key=name,
        typing_type=python_type,
    )


class _Subscriptable:
    """``List`` / ``Optional`` / ``Dict`` / ``Set`` / ``Tuple``: bare, or subscripted."""

    def __init__(
        self, name: str, make: Callable[[TypingAny], DagsterType], bare: DagsterType
    ) -> None:
        self._name = name
        self._make = make
        self.bare = bare

    def __getitem__(self, inner: TypingAny) -> DagsterType:
        return self._make(inner)

    def __repr__(self) -> str:
        return self._name


List = _Subscriptable(
    "List", lambda inner: _list_type(resolve_dagster_type(inner)), _container_type("List", list)
)
Optional = _Subscriptable(
    "Optional", lambda inner: _optional_type(resolve_dagster_type(inner)), Any
)
Dict = _Subscriptable(
    "Dict", lambda _inner: _container_type("Dict", dict), _container_type("Dict", dict)
)
Set = _Subscriptable("Set", lambda _inner: _container_type("Set", set), _container_type("Set", set))
Tuple = _Subscriptable(
    "Tuple", lambda _inner: _container_type("Tuple", tuple), _container_type("Tuple", tuple)
)

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
}
_CLASS_TYPES: dict[type, DagsterType] = {}


def PythonObjectDagsterType(
    python_type: type | tuple[type, ...],
    name: str | None = None,
    description: str | None = None,
    loader: DagsterTypeLoader | None = None,
    materializer: DagsterTypeMaterializer | None = None,
    type_check_fn: TypeCheckFn | None = None,
) -> DagsterType:
    """A Dagster type that checks ``isinstance(value, python_type)``."""
    types = python_type if isinstance(python_type, tuple) else (python_type,)
    label = name or "_".join(t.__name__ for t in types)
    check = type_check_fn or (lambda _c, value: _fail_unless(value, types, label))
    return DagsterType(
        check,
        key=label,
        description=description,
        loader=loader,
        materializer=materializer,
        typing_type=python_type,
    )


def make_python_type_usable_as_dagster_type(python_type: type, dagster_type: DagsterType) -> None:
    """Let ``python_type`` be used in annotations and ``In``/``Out`` to mean ``dagster_type``."""
    existing = _CLASS_TYPES.get(python_type)
    if existing is not None and existing is not dagster_type:
        raise DagsterInvalidDefinitionError(
            f"A Dagster type has already been registered for the Python type {python_type}."
        )
    _CLASS_TYPES[python_type] = dagster_type


def usable_as_dagster_type(
    name: str | None = None,
    description: str | None = None,
    loader: DagsterTypeLoader | None = None,
    materializer: DagsterTypeMaterializer | None = None,
) -> Callable[[type], type]:
    """Class decorator: make the class usable as a Dagster type (an ``isinstance`` check)."""

    def wrap(cls: type) -> type:
        make_python_type_usable_as_dagster_type(
            cls,
            PythonObjectDagsterType(cls, name or cls.__name__, description, loader, materializer),
        )
        return cls

    if isinstance(name, type):  # used bare: @usable_as_dagster_type
        cls, name = name, None
        return wrap(cls)
    return wrap


def resolve_dagster_type(hint: TypingAny) -> DagsterType:
    """The Dagster type for an annotation, ``In``/``Out`` type or Dagster type."""
    if isinstance(hint, DagsterType):
        return hint
    if isinstance(hint, _Subscriptable):
        return hint.bare
    if hint in _BY_PYTHON_TYPE:
        return _BY_PYTHON_TYPE[hint]
    if isinstance(hint, type) and hint in _CLASS_TYPES:
        return _CLASS_TYPES[hint]
    origin = typing.get_origin(hint)
    if origin is not None:
        return _resolve_generic(hint, origin)
    if isinstance(hint, type):
        made = PythonObjectDagsterType(hint)
        _CLASS_TYPES[hint] = made
        return made
    raise DagsterInvalidDefinitionError(
        f"Invalid type: dagster_type must be a DagsterType, a Python type or a typing "
        f"annotation; got {hint!r}."
    )


def _resolve_generic(hint: TypingAny, origin: TypingAny) -> DagsterType:
    args = typing.get_args(hint)
    if origin is list:
        return List[args[0]] if args else List.bare
    if origin is typing.Union:
        others = [a for a in args if a is not type(None)]
        if len(others) == 1 and len(args) == 2:
            return Optional[others[0]]
        return Any
    if origin in (dict, set, tuple, frozenset):
        return resolve_dagster_type(origin)
    import types as pytypes

    if isinstance(hint, pytypes.UnionType):
        return _resolve_generic(typing.Union[args], typing.Union)  # noqa: UP007
    return Any
