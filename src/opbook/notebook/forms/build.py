"""Which node class shows which kind of config type (any kind not listed is edited as YAML)."""

from __future__ import annotations

from typing import Any

from opbook.notebook.forms.arrays import ArrayNode, MapNode
from opbook.notebook.forms.groups import ShapeNode
from opbook.notebook.forms.host import Host
from opbook.notebook.forms.nodes import Node
from opbook.notebook.forms.scalars import BoolNode, EnumNode, TextNode
from opbook.notebook.forms.selectors import SelectorNode
from opbook.notebook.forms.unions import AnyNode, NoneableNode, ScalarUnionNode, SourceNode
from opbook.notebook.forms.values import FieldInfo, PathKey

NODE_CLASSES: dict[str, type[Node]] = {
    "int": TextNode,
    "float": TextNode,
    "string": TextNode,
    "secret": TextNode,
    "bool": BoolNode,
    "enum": EnumNode,
    "any": AnyNode,
    "shape": ShapeNode,
    "permissive": ShapeNode,
    "selector": SelectorNode,
    "array": ArrayNode,
    "map": MapNode,
    "noneable": NoneableNode,
    "scalar_union": ScalarUnionNode,
    "string_source": SourceNode,
    "int_source": SourceNode,
    "bool_source": SourceNode,
}


def build_node(
    host: Host,
    desc: dict[str, Any],
    info: FieldInfo | None,
    parent: Node | None,
    key: PathKey | None,
    secret: bool,
) -> Node:
    """The node for a value of the type described by ``desc`` (and field ``info``)."""
    node_class = NODE_CLASSES.get(str(desc["kind"]), AnyNode)
    return node_class(host, desc, info, parent, key, secret)
