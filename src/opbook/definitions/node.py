"""What ops and graphs have in common: a name, inputs, outputs, config, tags, and the ways to
invoke them inside a composition (``alias``, ``tag``, ``with_hooks``, ``with_retry_policy``).

Calling a node definition does one of two things.  Inside the body of ``@graph`` /
``@composite_solid`` / ``@job`` / ``@pipeline`` it records an invocation and returns handles to
the invocation's outputs.  Anywhere else it runs the node directly, like a function, through
the engine reached through ``definitions.engine``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from opbook import config as cfg
from opbook.definitions import composition
from opbook.definitions.configured import Configurable, split_config_schema
from opbook.definitions.engine import engine
from opbook.definitions.frozen import Frozen
from opbook.definitions.input_output import InputDefinition, OutputDefinition
from opbook.definitions.names import check_reserved
from opbook.definitions.tags import validate_tags
from opbook.errors import DagsterInvalidDefinitionError, DagsterInvariantViolationError

if TYPE_CHECKING:
    from opbook.definitions.hook import HookDefinition
    from opbook.definitions.user_events import RetryPolicy


class NodeDefinition(Configurable, Frozen):
    """Base of op/solid and graph/composite definitions (frozen values)."""

    node_kind = "node"  # "op", "solid", "graph", "composite solid": used in messages
    configured_naming = "required"  # names are unique in a job: a configured copy needs one

    def __init__(
        self,
        name: str,
        input_defs: Sequence[InputDefinition],
        output_defs: Sequence[OutputDefinition],
        description: str | None = None,
        tags: Mapping[str, Any] | None = None,
        config_schema: Any = None,
        positional_inputs: Sequence[str] | None = None,
    ) -> None:
        if not isinstance(name, str) or not name or not all(c.isalnum() or c in "_-" for c in name):
            raise DagsterInvalidDefinitionError(
                f'"{name}" is not a valid name for a {self.node_kind}: use letters, digits, '
                "underscores and dashes."
            )
        self.name = check_reserved(name)
        self.description = description
        self.tags = validate_tags(tags)
        self.input_defs = list(input_defs)
        self.output_defs = list(output_defs)
        self._input_dict = {d.name: d for d in self.input_defs}
        self._output_dict = {d.name: d for d in self.output_defs}
        self._check_unique("input", [d.name for d in self.input_defs])
        self._check_unique("output", [d.name for d in self.output_defs])
        # A configured copy is given a ConfiguredSchema: its schema and where its config goes.
        config_schema, self.configured_from = split_config_schema(config_schema)
        self.config_field: cfg.Field | None = (
            None if config_schema is None else _as_config_field(config_schema, name, self.node_kind)
        )
        # The order in which positional arguments feed inputs (a function's parameter order).
        self.positional_inputs = (
            list(positional_inputs)
            if positional_inputs is not None
            else [d.name for d in self.input_defs]
        )

    def _check_unique(self, what: str, names: list[str]) -> None:
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise DagsterInvalidDefinitionError(
                f'{self.node_kind.capitalize()} "{self.name}" has more than one {what} named '
                f"{duplicates[0]!r}."
            )

    # -- introspection ---------------------------------------------------------------------

    @property
    def config_schema(self) -> cfg.Field | None:
        return self.config_field

    @property
    def has_config_entry(self) -> bool:
        return self.config_field is not None

    @property
    def input_dict(self) -> dict[str, InputDefinition]:
        return self._input_dict

    @property
    def output_dict(self) -> dict[str, OutputDefinition]:
        return self._output_dict

    def has_input(self, name: str) -> bool:
        return name in self._input_dict

    def has_output(self, name: str) -> bool:
        return name in self._output_dict

    def input_def_named(self, name: str) -> InputDefinition:
        try:
            return self._input_dict[name]
        except KeyError:
            raise DagsterInvariantViolationError(
                f'{self.node_kind.capitalize()} "{self.name}" has no input "{name}". '
                f"Its inputs are {list(self._input_dict)}."
            ) from None

    def output_def_named(self, name: str) -> OutputDefinition:
        try:
            return self._output_dict[name]
        except KeyError:
            raise DagsterInvariantViolationError(
                f'{self.node_kind.capitalize()} "{self.name}" has no output "{name}". '
                f"Its outputs are {list(self._output_dict)}."
            ) from None

    @property
    def ins(self) -> dict[str, InputDefinition]:
        return self._input_dict

    @property
    def outs(self) -> dict[str, OutputDefinition]:
        return self._output_dict

    def iterate_node_defs(self) -> Iterable[NodeDefinition]:
        yield self

    def all_required_resource_keys(self) -> frozenset[str]:
        return frozenset()

    # -- composition -----------------------------------------------------------------------

    def alias(self, name: str) -> composition.PendingInvocation:
        return composition.PendingInvocation(self, alias=name)

    def tag(self, tags: Mapping[str, Any]) -> composition.PendingInvocation:
        return composition.PendingInvocation(self, tags=tags)

    def with_hooks(self, hook_defs: Iterable[HookDefinition]) -> composition.PendingInvocation:
        return composition.PendingInvocation(self, hook_defs=frozenset(hook_defs))

    def with_retry_policy(self, retry_policy: RetryPolicy) -> composition.PendingInvocation:
        return composition.PendingInvocation(self, retry_policy=retry_policy)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if composition.is_composing():
            return composition.PendingInvocation(self)(*args, **kwargs)
        return engine().invoke(self, args, kwargs)

    def describe_node(self) -> str:
        return f'{self.node_kind} "{self.name}"'

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def _as_config_field(config_schema: Any, name: str, kind: str) -> cfg.Field:
    try:
        return cfg.convert_to_field(config_schema)
    except DagsterInvalidDefinitionError as exc:
        raise type(exc)(f'{exc} (In the config schema of {kind} "{name}".)') from exc
