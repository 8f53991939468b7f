"""How run config feeds inputs and writes outputs of a Dagster type: loaders and materializers.

A ``DagsterTypeLoader`` builds the value of an unconnected input from its entry in run config's
``inputs:`` section (``loader_fn(context, config_value)``, the config validated against
``schema``); a ``DagsterTypeMaterializer`` writes an output as an entry of ``outputs:`` asks
(``materializer_fn(context, config_value, value)``, returning asset materializations).  Users
make them with ``@dagster_type_loader`` / ``@dagster_type_materializer``.

The built-in ones, as in Dagster: ``Any`` inputs take ``{value: ...}``, ``{json: {path}}`` or
``{pickle: {path, trust: true}}``; the scalars take a bare value as well (``x: 3``); ``List[T]`` and
``Set[T]`` take a list of what ``T`` takes, ``Optional[T]`` what ``T`` takes or null,
``Dict`` any mapping (``Dict[str, T]`` a mapping of what ``T`` takes), ``Tuple[...]`` a list
loaded item by item.  ``Any`` and the scalars write outputs as JSON (``{"value": v}``) or pickle.

Unlike Dagster, a pickle input must say ``trust: true``: unpickling a file loads and runs code
from that file, so a run config that names one (say, from a shared YAML file) must vouch for it,
beside the path it vouches for.  Without it the input is refused, saying how to opt in.
"""

from __future__ import annotations

import inspect
import json
import pickle
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from opbook import config as cfg
from opbook.definitions.user_events import AssetMaterialization
from opbook.errors import CheckError, DagsterInvalidDefinitionError

LoaderFn = Callable[[Any, Any], Any]


@dataclass(frozen=True, eq=False)
class DagsterTypeLoader:
    """Builds an input value from run config: ``loader_fn(context, config_value)``."""

    schema: Any
    loader_fn: LoaderFn
    required_resource_keys: frozenset[str] = frozenset()

    @property
    def schema_type(self) -> cfg.ConfigType:
        return cfg.resolve_config_type(self.schema)

    def construct_from_config_value(self, context: Any, config_value: Any) -> Any:
        return self.loader_fn(context, config_value)


@dataclass(frozen=True, eq=False)
class DagsterTypeMaterializer:
    """Writes an output value as run config asks: ``materializer_fn(context, config, value)``."""

    schema: Any
    materializer_fn: Callable[[Any, Any, Any], Any]
    required_resource_keys: frozenset[str] = frozenset()

    @property
    def schema_type(self) -> cfg.ConfigType:
        return cfg.resolve_config_type(self.schema)


def dagster_type_loader(
    config_schema: Any, required_resource_keys: Iterable[str] | None = None
) -> Callable[[Callable[..., Any]], DagsterTypeLoader]:
    """Decorate ``fn(context, config_value)`` to make it a loader for a Dagster type.

    Args:
        config_schema: the schema of the input's entry in run config's ``inputs:``.
        required_resource_keys: resources the function uses (``context.resources``).
    """
    cfg.resolve_config_type(config_schema)

    def wrap(fn: Callable[..., Any]) -> DagsterTypeLoader:
        _check_positionals(fn, "@dagster_type_loader")
        return DagsterTypeLoader(config_schema, fn, frozenset(required_resource_keys or ()))

    return wrap


_CONTEXT_NAMES = frozenset({"context", "_context", "context_", "_"})


def _check_positionals(fn: Callable[..., Any], decorator: str) -> None:
    """Dagster's rule for a loader function: a first positional parameter named ``context``
    (or ``_context``, ``context_``, ``_``), then the config value."""
    params = list(inspect.signature(fn).parameters.values())
    positional = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.POSITIONAL_ONLY)
    missing = None
    if not params or params[0].name not in _CONTEXT_NAMES or params[0].kind not in positional:
        missing = "context"
    elif len(params) < 2:
        missing = "*"
    if missing is not None:
        raise DagsterInvalidDefinitionError(
            f"{decorator} '{fn.__name__}' decorated function does not have required positional "
            f"parameter '{missing}'. {decorator} decorated functions should only have keyword "
            "arguments that match input names and a first positional parameter named 'context'."
        )


def dagster_type_materializer(
    config_schema: Any, required_resource_keys: Iterable[str] | None = None
) -> Callable[[Callable[..., Any]], DagsterTypeMaterializer]:
    """Decorate ``fn(context, config_value, value)`` to make it a materializer.

    Args:
        config_schema: the schema of the output's entry in run config's ``outputs:``.
        required_resource_keys: resources the function uses (``context.resources``).
    """
    cfg.resolve_config_type(config_schema)

    def wrap(fn: Callable[..., Any]) -> DagsterTypeMaterializer:
        return DagsterTypeMaterializer(config_schema, fn, frozenset(required_resource_keys or ()))

    return wrap


# -- the built-in loaders ---------------------------------------------------------------------


def _read_json_value(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or "value" not in data:
        raise CheckError(f'The JSON file {path} must hold an object with a "value" key.')
    return data["value"]


PICKLE_DESCRIPTION = (
    "Load the value from a pickle file. Unpickling loads and runs code from that file, so it "
    "is refused unless trust is true: set it only for files you made or whose maker you trust."
)
TRUST_DESCRIPTION = (
    "Load the pickle file anyway: it loads and runs code from that file (default false)."
)


def _read_pickle_value(spec: dict[str, Any]) -> Any:
    path = spec["path"]
    if not spec.get("trust"):
        raise CheckError(
            f"Refusing to load the pickle file {path!r}: loading a pickle loads and runs code "
            "from that file. If you made the file or trust whoever did, say so in the run "
            f"config: {{pickle: {{path: {path!r}, trust: true}}}}. Otherwise give the value as "
            "{value: ...} or {json: {path: ...}}."
        )
    with open(path, "rb") as handle:
        return pickle.load(handle)


def _selector_loader_fn(_context: Any, config_value: Any) -> Any:
    if not isinstance(config_value, dict):
        return config_value
    ((kind, spec),) = config_value.items()
    if kind == "value":
        return spec
    if kind == "json":
        return _read_json_value(spec["path"])
    return _read_pickle_value(spec)


def _value_selector(value_type: cfg.ConfigType) -> cfg.Selector:
    return cfg.Selector(
        {
            "value": cfg.Field(value_type),
            "json": cfg.Field({"path": cfg.String}),
            "pickle": cfg.Field(
                {
                    "path": cfg.String,
                    "trust": cfg.Field(
                        cfg.Bool, default_value=False, description=TRUST_DESCRIPTION
                    ),
                },
                description=PICKLE_DESCRIPTION,
            ),
        }
    )


def scalar_loader(config_type: cfg.ConfigType) -> DagsterTypeLoader:
    """``x: 3`` or ``x: {value: 3}`` (or ``json`` / ``pickle`` files)."""
    return DagsterTypeLoader(
        cfg.ScalarUnion(config_type, _value_selector(config_type)), _selector_loader_fn
    )


def any_loader() -> DagsterTypeLoader:
    """``x: {value: ...}`` (or ``json`` / ``pickle`` files)."""
    return DagsterTypeLoader(_value_selector(cfg.Any), _selector_loader_fn)


def dict_loader() -> DagsterTypeLoader:
    """A bare ``Dict`` input: any mapping, taken as it is."""
    return DagsterTypeLoader(cfg.Permissive(), lambda _c, value: dict(value))


def list_loader(inner: DagsterTypeLoader | None) -> DagsterTypeLoader | None:
    """``List[T]``: a list of what ``T``'s loader takes, loaded item by item."""
    if inner is None:
        return None

    def load(context: Any, config_value: Any) -> list[Any]:
        return [inner.loader_fn(context, item) for item in config_value]

    return DagsterTypeLoader(cfg.Array(inner.schema_type), load, inner.required_resource_keys)


def set_loader(inner: DagsterTypeLoader | None) -> DagsterTypeLoader | None:
    """``Set[T]``: a list of what ``T``'s loader takes, made a set."""
    if inner is None:
        return None

    def load(context: Any, config_value: Any) -> set[Any]:
        return {inner.loader_fn(context, item) for item in config_value}

    return DagsterTypeLoader(cfg.Array(inner.schema_type), load, inner.required_resource_keys)


def optional_loader(inner: DagsterTypeLoader | None) -> DagsterTypeLoader | None:
    """``Optional[T]``: what ``T``'s loader takes, or null."""
    if inner is None:
        return None

    def load(context: Any, config_value: Any) -> Any:
        return None if config_value is None else inner.loader_fn(context, config_value)

    return DagsterTypeLoader(cfg.Noneable(inner.schema_type), load, inner.required_resource_keys)


def typed_dict_loader(
    key_is_string: bool, inner: DagsterTypeLoader | None
) -> DagsterTypeLoader | None:
    """``Dict[str, T]``: a mapping of names to what ``T``'s loader takes."""
    if not key_is_string or inner is None:
        return None

    def load(context: Any, config_value: Any) -> dict[str, Any]:
        return {key: inner.loader_fn(context, item) for key, item in config_value.items()}

    schema = cfg.Map(cfg.String, inner.schema_type)
    return DagsterTypeLoader(schema, load, inner.required_resource_keys)


def tuple_loader(inners: Sequence[DagsterTypeLoader | None]) -> DagsterTypeLoader | None:
    """``Tuple[A, B]``: a list whose items each of ``A``'s, ``B``'s loaders loads."""
    if not inners or any(inner is None for inner in inners):
        return None
    loaders = [inner for inner in inners if inner is not None]

    def load(context: Any, config_value: Any) -> tuple[Any, ...]:
        if len(config_value) != len(loaders):
            raise CheckError(
                f"A tuple of {len(loaders)} items was expected in run config, got "
                f"{len(config_value)}: {config_value!r}."
            )
        return tuple(
            loader.loader_fn(context, item)
            for loader, item in zip(loaders, config_value, strict=True)
        )

    keys = frozenset().union(*(loader.required_resource_keys for loader in loaders))
    return DagsterTypeLoader(cfg.Array(cfg.Any), load, keys)


# -- the built-in materializer -----------------------------------------------------------------


def _write_output(_context: Any, config_value: Any, value: Any) -> AssetMaterialization:
    ((kind, spec),) = config_value.items()
    path = spec["path"]
    if kind == "json":
        with open(path, "w", encoding="utf-8") as handle:
            json.dump({"value": value}, handle)
    else:
        with open(path, "wb") as handle:
            pickle.dump(value, handle)
    return AssetMaterialization.file(path)


def builtin_materializer() -> DagsterTypeMaterializer:
    """``outputs: [{result: {json: {path}}}]`` or ``{pickle: {path}}``."""
    return DagsterTypeMaterializer(
        cfg.Selector({"json": {"path": cfg.String}, "pickle": {"path": cfg.String}}), _write_output
    )
