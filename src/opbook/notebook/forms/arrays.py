"""Arrays and maps: rows of items, added and removed (and, for arrays, moved) by buttons.

An array or map that was never given is MISSING, not empty: a required list must be given,
even if empty (adding and removing an item, or "Scaffold missing", gives ``[]``).  New items
start from a placeholder of their type.  Map keys are typed in a text box and read as the
map's key type; an unreadable or repeated key is reported beside the row.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from opbook.notebook.forms.nodes import Node
from opbook.notebook.forms.scalars import parse_number
from opbook.notebook.forms.theme import close_all
from opbook.notebook.forms.values import MISSING, PathKey, sample


class ArrayNode(Node):
    """An Array: its items in order, each with move up / move down / remove buttons."""

    block = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items: list[Node] = []
        self.given = False
        self._footer: widgets.Widget | None = None

    def child(self, key: PathKey) -> Node | None:
        if isinstance(key, int) and 0 <= key < len(self.items):
            return self.items[key]
        return None

    def children(self) -> list[Node]:
        return list(self.items)

    def accepts(self, value: Any) -> bool:
        return isinstance(value, list)

    def write(self, value: Any) -> None:
        self.given = value is not MISSING
        self.items = []
        for item in value if value is not MISSING else []:
            self._append(item)
        self._show_rows()

    def read(self) -> Any:
        if not self.given and not self.items:
            return MISSING
        values = [item.get() for item in self.items]
        return [None if value is MISSING else value for value in values]

    def diff(self) -> Any:
        if self._foreign is not MISSING:
            return self._foreign
        value = self.get()
        if value is MISSING or self.equals_default(value):
            return MISSING
        return [_or_none(item.diff()) for item in self.items]

    def _append(self, value: Any) -> Node:
        node = self.make_child(self.desc["element"], None, len(self.items))
        node.set(value)
        self.items.append(node)
        return node

    # -- editing -----------------------------------------------------------------------------

    def add(self) -> Node:
        """Append an item holding a placeholder of the element type."""
        node = self._append(sample(self.desc["element"]))
        self.given = True
        self._show_rows()
        self.edited()
        return node

    def remove(self, index: int) -> None:
        del self.items[index]
        self._renumber()
        self.edited()

    def move(self, index: int, offset: int) -> None:
        """Move item ``index`` up (-1) or down (+1)."""
        target = index + offset
        if 0 <= target < len(self.items):
            self.items[index], self.items[target] = self.items[target], self.items[index]
            self._renumber()
            self.edited()

    def _renumber(self) -> None:
        for index, node in enumerate(self.items):
            node.key = index
        self._show_rows()

    # -- widgets -----------------------------------------------------------------------------

    def build(self) -> widgets.Widget:
        theme = self.host.theme
        self._footer = theme.make(
            widgets.Button, description="Add item", icon="plus", layout="button"
        )
        self._footer.on_click(lambda _button: self.add())
        return theme.make(CollectionWidget, layout="block")

    def after_build(self) -> None:
        self._show_rows()

    def show(self) -> None:
        self._show_rows()

    def _show_rows(self) -> None:
        if self._widget is not None:
            old = self.take_rows()
            rows = [self._row(i, node) for i, node in enumerate(self.items)]
            self._widget.children = (self.status, *rows, self._footer)
            close_all(old)

    def _row(self, index: int, node: Node) -> widgets.Widget:
        theme = self.host.theme
        buttons = []
        for text, tip, action in (
            ("\u2191", "move up", lambda _b: self.move(index, -1)),
            ("\u2193", "move down", lambda _b: self.move(index, 1)),
            ("\u2715", "remove", lambda _b: self.remove(index)),
        ):
            button = self.row_widget(
                theme.make(widgets.Button, description=text, tooltip=tip, layout="small_button")
            )
            button.on_click(action)
            buttons.append(button)
        cells = node.row_cells()
        row = theme.make(widgets.HBox, [cells[0], *buttons, *cells[1:]], layout="row")
        return self.row_widget(row)


class MapNode(Node):
    """A Map: rows of key and value, with a box and button to add a key."""

    block = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries: list[tuple[Any, Node]] = []
        self.given = False
        self._footer: widgets.Widget | None = None
        self._new_key: widgets.Text | None = None

    @property
    def key_kind(self) -> str:
        return str(self.desc["key"]["kind"])

    def child(self, key: PathKey) -> Node | None:
        for entry_key, node in self.entries:
            if entry_key == key or str(entry_key) == str(key):
                return node
        return None

    def children(self) -> list[Node]:
        return [node for _key, node in self.entries]

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict)

    def write(self, value: Any) -> None:
        self.given = value is not MISSING
        self.entries = []
        for key, item in (value if value is not MISSING else {}).items():
            self._append(key, item)
        self._show_rows()

    def read(self) -> Any:
        if not self.given and not self.entries:
            return MISSING
        out = {}
        for key, node in self.entries:
            value = node.get()
            out[key] = None if value is MISSING else value
        return out

    def diff(self) -> Any:
        if self._foreign is not MISSING:
            return self._foreign
        value = self.get()
        if value is MISSING or self.equals_default(value):
            return MISSING
        return {key: _or_none(node.diff()) for key, node in self.entries}

    def _append(self, key: Any, value: Any) -> Node:
        node = self.make_child(self.desc["value"], None, key)
        node.set(value)
        self.entries.append((key, node))
        return node

    def parse_key(self, text: str) -> Any:
        """A typed key as the map's key type (kept as text when it does not read as one)."""
        if self.key_kind in ("int", "float"):
            return parse_number(text, self.key_kind)
        if self.key_kind == "bool" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        return text

    def local_problems(self) -> list[tuple[Node, str]]:
        """Repeated keys, found here because a dict cannot hold them."""
        seen: set[Any] = set()
        problems = []
        for key, node in self.entries:
            if key in seen:
                problems.append((node, f"The key {key!r} is given twice; only the last is kept."))
            seen.add(key)
        return problems

    # -- editing -----------------------------------------------------------------------------

    def add(self, key: Any) -> Node:
        """Add ``key`` with a placeholder value of the map's value type."""
        node = self._append(key, sample(self.desc["value"]))
        self.given = True
        self._show_rows()
        self.edited()
        return node

    def remove(self, key: Any) -> None:
        self.entries = [(k, node) for k, node in self.entries if k != key]
        self._show_rows()
        self.edited()

    def rename(self, old: Any, text: str) -> None:
        new = self.parse_key(text)
        for index, (key, node) in enumerate(self.entries):
            if key == old:
                node.key = new
                self.entries[index] = (new, node)
                break
        self._show_rows()
        self.edited()

    # -- widgets -----------------------------------------------------------------------------

    def build(self) -> widgets.Widget:
        theme = self.host.theme
        self._new_key = theme.make(widgets.Text, placeholder="new key", layout="key")
        add = theme.make(widgets.Button, description="Add key", icon="plus", layout="button")
        add.on_click(self._add_clicked)
        self._footer = theme.make(widgets.HBox, [self._new_key, add], layout="row")
        return theme.make(CollectionWidget, layout="block")

    def after_build(self) -> None:
        self._show_rows()

    def show(self) -> None:
        self._show_rows()

    def _add_clicked(self, _button: widgets.Button) -> None:
        assert self._new_key is not None
        text = self._new_key.value.strip()
        if text:
            self._new_key.value = ""
            self.add(self.parse_key(text))

    def _show_rows(self) -> None:
        if self._widget is not None:
            old = self.take_rows()
            rows = [self._row(key, node) for key, node in self.entries]
            self._widget.children = (self.status, *rows, self._footer)
            close_all(old)

    def _row(self, key: Any, node: Node) -> widgets.Widget:
        theme = self.host.theme
        key_box = self.row_widget(
            theme.make(widgets.Text, value=str(key), continuous_update=False, layout="key")
        )
        key_box.observe(lambda change: self.rename(key, change["new"]), "value")
        remove = self.row_widget(
            theme.make(
                widgets.Button, description="\u2715", tooltip="remove", layout="small_button"
            )
        )
        remove.on_click(lambda _b: self.remove(key))
        beside = [] if node.block else [node.status]  # a group shows its status inside
        row = theme.make(widgets.HBox, [key_box, node.widget, remove, *beside], layout="row")
        return self.row_widget(row)


def _or_none(value: Any) -> Any:
    return None if value is MISSING else value


class CollectionWidget(widgets.VBox):
    """An array's or map's widget: its status, ``rows`` (one per item), then the add button
    (for a map, after the ``new_key`` box)."""

    @property
    def rows(self) -> tuple[widgets.Widget, ...]:
        return self.children[1:-1]

    @property
    def add_button(self) -> widgets.Button:
        footer = self.children[-1]
        return footer if isinstance(footer, widgets.Button) else footer.children[1]

    @property
    def new_key(self) -> widgets.Text | None:
        footer = self.children[-1]
        return None if isinstance(footer, widgets.Button) else footer.children[0]
