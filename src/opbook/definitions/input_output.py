"""Inputs and outputs of ops: ``In`` / ``Out`` (job generation, named by position) and
``InputDefinition`` / ``OutputDefinition`` (pipeline generation, named explicitly); and of graphs:
``GraphIn`` / ``GraphOut`` (a description, no type).

Both generations resolve to ``InputDefinition`` / ``OutputDefinition``, the form the engine uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opbook.definitions.dagster_type import DagsterType, DagsterTypeKind, resolve_dagster_type
from opbook.definitions.frozen import Frozen
from opbook.definitions.names import check_valid_name
from opbook.errors import DagsterInvalidDefinitionError


class _NoValue:
    """Marks "no default value" (None is a valid default)."""

    _instance: _NoValue | None = None

    def __new__(cls) -> _NoValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NoValue"

    def __reduce__(self) -> str:
        return "NO_VALUE"


NO_VALUE: Any = _NoValue()


class InputDefinition(Frozen):
    """One named input: its Dagster type, description, default value and metadata (frozen)."""

    __slots__ = (
        "dagster_type",
        "default_value",
        "description",
        "metadata",
        "name",
        "root_manager_key",
        "type_given",
    )

    def __init__(
        self,
        name: str,
        dagster_type: Any = None,
        description: str | None = None,
        default_value: Any = NO_VALUE,
        root_manager_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = check_valid_name(name)
        self.dagster_type: DagsterType = resolve_dagster_type(dagster_type)
        # Whether the type was given, or left to the compute function's annotation.
        self.type_given = dagster_type is not None
        self.description = description
        self.default_value = default_value
        self.root_manager_key = root_manager_key
        self.metadata = dict(metadata or {})
        if self.dagster_type.is_nothing and default_value is not NO_VALUE:
            raise DagsterInvalidDefinitionError(
                f'Input "{name}" has type Nothing, which cannot have a default value.'
            )
        # A scalar type checks without a context, so a bad default fails at definition.
        if (
            default_value is not NO_VALUE
            and self.dagster_type.kind is DagsterTypeKind.SCALAR
            and not self.dagster_type.type_check(None, default_value).success
        ):
            raise DagsterInvalidDefinitionError(
                f"Type check failed for the default_value of InputDefinition {name} of type "
                f"{self.dagster_type.display_name}. Received value {default_value!r} of type "
                f"{type(default_value)}"
            )

    @property
    def has_default_value(self) -> bool:
        return self.default_value is not NO_VALUE

    def combine_with_inferred(self, annotation: Any, default: Any) -> InputDefinition:
        """This definition, with what it leaves open (type, default value) taken from the
        compute function's parameter, as Dagster's decorators merge them."""
        if (self.type_given or annotation is NO_VALUE) and (
            self.has_default_value or default is NO_VALUE
        ):
            return self
        return InputDefinition(
            self.name,
            self.dagster_type if self.type_given or annotation is NO_VALUE else annotation,
            self.description,
            self.default_value if self.has_default_value else default,
            self.root_manager_key,
            self.metadata,
        )

    @property
    def is_nothing(self) -> bool:
        return self.dagster_type.is_nothing

    def __repr__(self) -> str:
        return f"InputDefinition({self.name!r}, {self.dagster_type.name})"


class OutputDefinition(Frozen):
    """One named output: its Dagster type, description and whether it must be produced
    (frozen)."""

    __slots__ = (
        "asset_key",
        "asset_metadata",
        "dagster_type",
        "description",
        "io_manager_key",
        "is_required",
        "metadata",
        "name",
    )

    def __init__(
        self,
        dagster_type: Any = None,
        name: str | None = None,
        description: str | None = None,
        is_required: bool = True,
        io_manager_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        asset_metadata: Mapping[str, Any] | None = None,
        asset_key: Any = None,
    ) -> None:
        self.name = check_valid_name(name or "result")
        self.dagster_type: DagsterType = resolve_dagster_type(dagster_type)
        self.description = description
        self.is_required = is_required
        # As in Dagster, every output names a manager: "io_manager" unless told otherwise.
        self.io_manager_key = io_manager_key or "io_manager"
        self.metadata = dict(metadata or {})
        self.asset_metadata = dict(asset_metadata or {})
        # An AssetKey, or a function of the OutputContext giving one.
        self.asset_key = asset_key

    def get_asset_key(self, context: Any) -> Any:
        """The asset this output is stored as (None if it names none)."""
        key = self.asset_key
        return key(context) if callable(key) else key

    @property
    def optional(self) -> bool:
        return not self.is_required

    # A class attribute, not a property: read for every output a step yields.
    is_dynamic = False

    def __repr__(self) -> str:
        return f"OutputDefinition({self.name!r}, {self.dagster_type.name})"


class DynamicOutputDefinition(OutputDefinition):
    """An output whose items are known only at run time: the op yields one ``DynamicOutput``
    per item.  In a composition the output must be unpacked with ``.map(fn)`` (run ``fn``'s
    ops once per item) or ``.collect()`` (a list of every item).  Same arguments as
    ``OutputDefinition``.
    """

    __slots__ = ()

    is_dynamic = True

    def __repr__(self) -> str:
        return f"DynamicOutputDefinition({self.name!r}, {self.dagster_type.name})"


class In(Frozen):
    """An op input, named by the compute function's parameter it feeds (frozen)."""

    def __init__(
        self,
        dagster_type: Any = NO_VALUE,
        description: str | None = None,
        default_value: Any = NO_VALUE,
        root_manager_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.dagster_type = dagster_type
        self.description = description
        self.default_value = default_value
        self.root_manager_key = root_manager_key
        self.metadata = metadata

    def to_definition(
        self, name: str, annotation: Any = NO_VALUE, default: Any = NO_VALUE
    ) -> InputDefinition:
        hint = self.dagster_type if self.dagster_type is not NO_VALUE else annotation
        return InputDefinition(
            name,
            None if hint is NO_VALUE else hint,
            self.description,
            self.default_value if self.default_value is not NO_VALUE else default,
            self.root_manager_key,
            self.metadata,
        )


class Out(Frozen):
    """An op output; in ``out={"a": Out(), "b": Out()}`` the key names it (frozen)."""

    def __init__(
        self,
        dagster_type: Any = NO_VALUE,
        description: str | None = None,
        is_required: bool = True,
        io_manager_key: str | None = None,
        metadata: Mapping[str, Any] | None = None,
        asset_key: Any = None,
    ) -> None:
        self.dagster_type = dagster_type
        self.description = description
        self.is_required = is_required
        self.io_manager_key = io_manager_key
        self.metadata = metadata
        self.asset_key = asset_key

    def to_definition(self, name: str, annotation: Any = NO_VALUE) -> OutputDefinition:
        hint = self.dagster_type if self.dagster_type is not NO_VALUE else annotation
        return OutputDefinition(
            None if hint is NO_VALUE else hint,
            name,
            self.description,
            self.is_required,
            self.io_manager_key,
            self.metadata,
            asset_key=self.asset_key,
        )


class DynamicOut(Out):
    """An op output whose items are known only at run time (``DynamicOutputDefinition`` in
    the job API): ``@op(out=DynamicOut())`` and yield one ``DynamicOutput`` per item."""

    def to_definition(self, name: str, annotation: Any = NO_VALUE) -> OutputDefinition:
        hint = self.dagster_type if self.dagster_type is not NO_VALUE else annotation
        return DynamicOutputDefinition(
            None if hint is NO_VALUE else hint,
            name,
            self.description,
            self.is_required,
            self.io_manager_key,
            self.metadata,
            asset_key=self.asset_key,
        )


@dataclass(frozen=True)
class GraphIn:
    """An input of a graph: ``@graph(ins={"x": GraphIn(description=...)})``.

    Its type is ``Any``; the values that reach the graph are checked by the ops it feeds.
    """

    description: str | None = None

    def to_definition(self, name: str) -> InputDefinition:
        return InputDefinition(name, description=self.description)


@dataclass(frozen=True)
class GraphOut:
    """An output of a graph: ``@graph(out=GraphOut())`` for one, or
    ``@graph(out={"a": GraphOut(), "b": GraphOut()})`` for several (the function returns a
    dict of them, or a tuple in this order).
    """

    description: str | None = None

    def to_definition(self, name: str | None) -> OutputDefinition:
        return OutputDefinition(None, name, self.description)
