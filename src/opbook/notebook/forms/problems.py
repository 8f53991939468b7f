"""Problems with a form's value, placed beside the fields they are about.

The engine's validator reports each problem with a path (``ops.load.config.path``) and a
reason.  A missing field is reported at the shape that lacks it; the form shows it at the field
itself, one problem per field.  An unexpected key is shown at its entry.  Anything whose node
is not shown (an op outside the selection) is still listed in the summary.

Config paths are written as in the validator's messages: names joined by dots, list indexes
in brackets (``items[2].name``).  :func:`find` reads such a path back, matching map keys that
themselves contain dots.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from opbook import config as cfg
from opbook.config.errors import format_path, where
from opbook.notebook.forms.nodes import Node
from opbook.notebook.forms.theme import ERROR_COLOUR, esc
from opbook.notebook.forms.values import PathKey

_MISSING_REASONS = ("MISSING_REQUIRED_FIELD", "MISSING_REQUIRED_FIELDS")
_UNEXPECTED_REASONS = ("FIELD_NOT_DEFINED", "FIELDS_NOT_DEFINED")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a form's value.

    Attributes:
        path: the dotted config path it is about (``""`` for the whole config).
        message: what is wrong, in the validator's words.
        reason: the validator's reason (``MISSING_REQUIRED_FIELD``, ...), or ``YAML`` /
            ``INPUT`` for text the form could not read.
        stack: the path as keys and list indexes (what the YAML editor finds the line of).
    """

    path: str
    message: str
    reason: str
    stack: tuple[PathKey, ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.path or '(root)'}: {self.message}"


def place(root: Node, errors: Iterable[cfg.EvaluationError]) -> list[tuple[Node | None, Problem]]:
    """Each problem, with the node it is shown beside (None when that node is not shown)."""
    placed = []
    for error in errors:
        for stack, message in _split(error):
            problem = Problem(format_path(stack), message, error.reason.value, tuple(stack))
            placed.append((walk(root, stack), problem))
    return placed


def _split(error: cfg.EvaluationError) -> Iterator[tuple[tuple[PathKey, ...], str]]:
    """One (path, message) per field a missing-fields or unexpected-fields problem names."""
    names = error.error_data.get("field_names") if isinstance(error.error_data, dict) else None
    reason = error.reason.value
    if not names or reason not in (*_MISSING_REASONS, *_UNEXPECTED_REASONS):
        yield error.stack, error.message
        return
    if len(names) == 1 or reason == "FIELD_NOT_DEFINED":
        for name in names:
            yield (*error.stack, name), error.message
        return
    for name in names:
        if reason in _MISSING_REASONS:
            message = f'Missing required config entry "{name}" at {where(error.stack)}.'
        else:
            message = f'Received unexpected config entry "{name}" at {where(error.stack)}.'
        yield (*error.stack, name), message


def walk(root: Node, stack: tuple[PathKey, ...]) -> Node | None:
    """The node at ``stack``, or the nearest shown node above it (None when there is none)."""
    node = root
    for key in stack:
        below = node.child(key)
        if below is None:
            return node
        node = below
    return node


def find(root: Node, path: str) -> Node:
    """The node of a dotted config path such as ``ops.load.config.path`` or ``items[0]``.

    Raises:
        KeyError: no node has that path; the message names the keys there are.
    """
    node, rest = root, path.strip()
    while rest:
        node, rest = _step(node, rest, path)
    return node


def _step(node: Node, rest: str, path: str) -> tuple[Node, str]:
    if rest.startswith("["):
        close = rest.find("]")
        if close > 0 and rest[1:close].lstrip("-").isdigit():
            below = node.child(int(rest[1:close]))
            if below is not None:
                return below, rest[close + 1 :].removeprefix(".")
        raise KeyError(_no_such(node, rest, path))
    keys = {str(key) for key in node.child_keys()}
    for key in sorted(keys, key=len, reverse=True):  # longest first: keys with dots
        after = rest[len(key) :]
        if rest.startswith(key) and (not after or after[0] in ".["):
            below = node.child(key)
            if below is not None:
                return below, after.removeprefix(".")
    raise KeyError(_no_such(node, rest, path))


def _no_such(node: Node, rest: str, path: str) -> str:
    keys = sorted(str(key) for key in node.child_keys())
    where_text = format_path(node.path) or "the root"
    return f"The form has no config path {path!r}: nothing named {rest!r} at {where_text}; there is {keys}."


def summary_html(problems: list[Problem]) -> str:
    """The list of problems shown under a form (or a line saying the config is valid)."""
    if not problems:
        return '<span style="color:#2e7d32">&#10004; The config is valid.</span>'
    items = "".join(
        f'<li style="white-space:pre-line"><code>{esc(p.path or "(root)")}</code>: '
        f"{esc(p.message)}</li>"
        for p in problems
    )
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return (
        f'<div style="color:{ERROR_COLOUR}"><b>{count}</b>'
        f'<ul style="margin:2px 0">{items}</ul></div>'
    )
