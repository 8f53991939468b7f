"""Where in YAML text a config path is: the line and columns a problem is underlined at.

The engine's validator names a problem by its path in the value (``ops.load.config.path``, as
a stack of keys and list indexes).  :func:`locate` walks the parsed document of the text the
user wrote (PyYAML's node tree, which keeps every node's position) down that path:

- a path that ends at a scalar is shown at the value (``retries: many``: ``many``);
- one that ends at a mapping or list, at its key (``config:``);
- one that goes past what the text has (a missing entry, a whole section left out), at the key
  of the deepest entry that is there (the mapping that lacks it), or at the first line.

Lines and columns count from 1; the end column is one past the last character.  Nothing here
reads the text's characters into a message: a secret typed in the text stays out of errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

# The run-config sections the engine reads under either name (the form shows the first).
_ALIASES = {
    "ops": ("solids", "graph"),
    "solids": ("ops", "graph"),
    "graph": ("ops", "solids"),
    "intermediate_storage": ("storage",),
}


@dataclass(frozen=True)
class Span:
    """A range of YAML text, 1-based; ``end_column`` is one past its last character."""

    line: int
    column: int
    end_line: int
    end_column: int


def _span(node: yaml.Node) -> Span:
    start, end = node.start_mark, node.end_mark
    if end.line > start.line and end.column == 0:  # a block ends at the next line's start
        end = start if isinstance(node, yaml.ScalarNode) else end
    if end.line > start.line:
        return Span(start.line + 1, start.column + 1, start.line + 1, 10**6)
    return Span(
        start.line + 1, start.column + 1, end.line + 1, max(end.column, start.column + 1) + 1
    )


def _compose(text: str) -> yaml.Node | None:
    try:
        # Composing builds the node tree only: an alias stays one shared node, so hostile text
        # costs what it weighs (load_yaml has already refused what cannot be read safely).
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return None


def _entry(node: yaml.MappingNode, key: Any) -> tuple[yaml.Node, yaml.Node] | None:
    wanted = [str(key), *_ALIASES.get(str(key), ())]
    for name in wanted:
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == name:
                return key_node, value_node
    return None


def locate(text: str, stack: Sequence[Any]) -> Span:
    """Where the config path ``stack`` (keys and list indexes) is shown in ``text``.

    Text that does not parse, or is empty, gives the first line.
    """
    return locate_all(text, [stack])[0]


def locate_all(text: str, stacks: Iterable[Sequence[Any]]) -> list[Span]:
    """:func:`locate` of each config path in ``stacks``, reading the text once."""
    root = _compose(text)
    first = Span(1, 1, 1, max(len(text.split("\n", 1)[0]), 1) + 1)
    return [first if root is None else _find(root, stack, first) for stack in stacks]


def _find(node: yaml.Node, stack: Sequence[Any], first: Span) -> Span:
    at: Span | None = None  # the key of the deepest entry found
    for key in stack:
        if isinstance(node, yaml.MappingNode):
            found = _entry(node, key)
            if found is None:
                break
            key_node, node = found
            at = _span(key_node)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            if not 0 <= key < len(node.value):
                break
            node = node.value[key]
            at = _span(node) if isinstance(node, yaml.ScalarNode) else at
        else:
            break
    else:
        if isinstance(node, yaml.ScalarNode):
            return _span(node)
    return at or first


def parse_error_span(exc: yaml.YAMLError) -> Span:
    """Where text that does not parse goes wrong (the first line when the error does not say)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return Span(1, 1, 1, 2)
    return Span(mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2)
