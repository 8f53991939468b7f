"""YAML run config, read so that hostile text cannot hurt.

``load_yaml`` is ``yaml.safe_load`` with three guards, each raising ``UnsafeYamlError`` (a
``yaml.YAMLError``, so callers that report bad YAML report these too, in one line):

* bytes that are not UTF-8 are named by offset, not a ``UnicodeDecodeError`` traceback;
* an alias that refers to the node it is in (``&a [*a]``) would make every later walk of the
  value (deep copies, merges, validation) recurse forever;
* aliases let a few hundred bytes stand for billions of values (each level repeating the one
  below): the value is measured as if every alias were written out, and refused past
  ``MAX_EXPANDED_VALUES``.  Aliases within that bound work as usual.

Imported where YAML is read, never by ``import opbook`` (PyYAML takes a while to import).
"""

from __future__ import annotations

from typing import IO, Any

import yaml

# Far beyond any hand-written run config, far below what exhausts memory when copied.
MAX_EXPANDED_VALUES = 1_000_000


class UnsafeYamlError(yaml.YAMLError):
    """YAML that is not UTF-8, refers to itself, or expands beyond ``MAX_EXPANDED_VALUES``."""


def load_yaml(source: str | bytes | IO[str] | IO[bytes]) -> Any:
    """The value in a YAML text (None for an empty one), guarded as the module says.

    Raises:
        yaml.YAMLError: the text is not YAML; ``UnsafeYamlError`` for the guards above.
    """
    if not isinstance(source, (str, bytes)):
        source = source.read()
    if isinstance(source, bytes):
        source = _decoded(source)
    try:
        value = yaml.safe_load(source)
    except RecursionError:
        raise UnsafeYamlError("the YAML is nested too deeply to read") from None
    _check_expansion(value)
    return value


def _decoded(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsafeYamlError(
            f"the YAML is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [*node.keys(), *node.values()]
    return list(node)


def _check_expansion(root: Any) -> None:
    """Walk ``root`` once (each shared node once), counting values as if aliases were written
    out; refuse a node inside itself, or a count past the bound.  Iterative, so that depth
    costs no stack."""
    containers = (dict, list)
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # nodes whose children are being walked: the current path
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if not isinstance(node, containers):
            continue
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            size = 1 + sum(
                sizes[id(c)] if isinstance(c, containers) else 1 for c in _children(node)
            )
            if size > MAX_EXPANDED_VALUES:
                raise UnsafeYamlError(
                    f"the YAML's aliases expand to more than {MAX_EXPANDED_VALUES:,} values; "
                    "write the config out, or use fewer levels of aliases"
                )
            sizes[key] = size
        elif key in open_nodes:
            raise UnsafeYamlError("the YAML has an alias that refers to the node it is in")
        elif key not in sizes:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
