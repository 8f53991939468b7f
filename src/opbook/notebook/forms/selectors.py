"""Selectors: a choice of exactly one branch, and the chosen branch's own form below it.

Branch nodes are made when first chosen and kept, so switching back and forth keeps what was
typed.  A value that is not a one-key dict of a known branch is kept as given (the validator
says what is wrong); "Remove extra" keeps only its first known branch.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from opbook.notebook.forms.groups import ShapeNode
from opbook.notebook.forms.nodes import Node
from opbook.notebook.forms.theme import close_all
from opbook.notebook.forms.values import MISSING, FieldInfo, PathKey


class SelectorNode(Node):
    """A Selector: a dropdown of branches and the chosen branch's sub-form."""

    block = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.branch_data = {data["name"]: data for data in self.desc["fields"]}
        self.branches: dict[str, Node] = {}
        self.chosen: str | None = None
        self._choice: widgets.Dropdown | None = None

    def branch(self, name: str) -> Node:
        """The node of branch ``name``, made (with its defaults) on first use."""
        node = self.branches.get(name)
        if node is None:
            data = self.branch_data[name]
            node = self.make_child(data["type"], FieldInfo.from_description(data), name)
            node.reset()
            self.branches[name] = node
        return node

    def child(self, key: PathKey) -> Node | None:
        if isinstance(key, str) and key in self.branch_data:
            return self.branch(key)
        return None

    def child_keys(self) -> list[PathKey]:
        return list(self.branch_data)

    def children(self) -> list[Node]:
        return [] if self.chosen is None else [self.branch(self.chosen)]

    # -- value -------------------------------------------------------------------------------

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in self.branch_data

    def write(self, value: Any) -> None:
        if value is MISSING:
            self.chosen = None
            return
        ((name, given),) = value.items()
        self.chosen = name
        # `filesystem:` with nothing after it selects the branch with its defaults
        self.branch(name).set(MISSING if given is None else given)

    def read(self) -> Any:
        if self.chosen is None:
            return MISSING
        node = self.branch(self.chosen)
        value = node.get()
        if value is MISSING:
            value = {} if isinstance(node, ShapeNode) else None
        return {self.chosen: value}

    def diff(self) -> Any:
        value = self.get()
        if value is MISSING or self._foreign is not MISSING:
            return value
        inner = self.branch(self.chosen).diff()  # type: ignore[arg-type]
        brief = {self.chosen: {} if inner is MISSING else inner}
        if self.equals_default(value) or self.equals_default(brief):
            return MISSING
        return brief

    def remove_extra(self) -> None:
        foreign = self._foreign
        if isinstance(foreign, dict):
            known = [key for key in foreign if key in self.branch_data]
            self.set({known[0]: foreign[known[0]]} if known else self.default())
            self.host.changed()
        super().remove_extra()

    # -- widgets -----------------------------------------------------------------------------

    def build(self) -> widgets.Widget:
        theme = self.host.theme
        self._choice = theme.make(
            widgets.Dropdown,
            options=list(self.branch_data),
            value=self.chosen,
            description="choose",
        )
        self._choice.observe(self._picked, "value")
        return theme.make(SelectorWidget, [self.status, self._choice], layout="block")

    def after_build(self) -> None:
        self._show_branch()

    def show(self) -> None:
        if self._choice is not None:
            self._choice.value = self.chosen
        self._show_branch()

    def _show_branch(self) -> None:
        if self._widget is None or self._choice is None:
            return
        old = self.take_rows()
        parts: list[widgets.Widget] = [self.status, self._choice]
        if self.chosen is not None:
            node = self.branch(self.chosen)
            if node.block:
                parts.append(node.widget)
            else:
                cells = [node.cell(), node.status]
                row = self.host.theme.make(widgets.HBox, cells, layout="row")
                parts.append(self.row_widget(row))
        self._widget.children = tuple(parts)
        close_all(old)

    def _picked(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        self.chosen = change["new"]
        self._foreign = MISSING
        self._show_branch()
        self.edited()


class SelectorWidget(widgets.VBox):
    """A selector's widget: its status, ``choice`` (the branch dropdown), then the chosen
    branch's form."""

    @property
    def choice(self) -> widgets.Dropdown:
        return self.children[1]
