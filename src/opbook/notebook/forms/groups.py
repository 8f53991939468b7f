"""Shapes and permissive shapes: a titled group of fields, in the schema's order.

Each one-line field is a row of a two-column grid: the labelled input and, beside it, its
status (problems, help text, default marker); a sub-group is a collapsible titled block
between the grids, showing its own status inside.  Keys that are not fields
are kept as *entries*, each a YAML box with a remove button: in a permissive shape they are
part of the config (and new ones can be added); in a strict shape they are unexpected, reported
by the validator, and dropped by "Remove extra".

A shape whose only field is itself a shape (``ops.load.config``) is shown as one group, so a
job's config is not buried under three levels of titles.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from opbook.notebook.forms.nodes import Node
from opbook.notebook.forms.theme import close_all
from opbook.notebook.forms.values import MISSING, FieldInfo, PathKey

_ANY = {"kind": "any", "description": None, "type_string": "Any"}


class ShapeNode(Node):
    """A Shape or Permissive: named fields, plus entries for other keys."""

    block = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields: dict[str, Node] = {}
        for data in self.desc["fields"]:
            info = FieldInfo.from_description(data)
            self.fields[info.name] = self.make_child(data["type"], info, info.name)
        self.entries: dict[str, Node] = {}
        self.permissive = self.kind == "permissive"
        self._field_parts: list[widgets.Widget] | None = None
        self._new_key: widgets.Text | None = None
        self._add_button: widgets.Button | None = None

    # -- structure ---------------------------------------------------------------------------

    def child(self, key: PathKey) -> Node | None:
        if not isinstance(key, str):
            return None
        return self.fields.get(key) or self.entries.get(key)

    def children(self) -> list[Node]:
        return [*self.fields.values(), *self.entries.values()]

    @property
    def only_group(self) -> Node | None:
        """The single field, when this shape (not the form's root) is nothing but a wrapper
        around another group."""
        if self.parent is None or len(self.fields) != 1 or self.permissive or self.entries:
            return None
        (node,) = self.fields.values()
        return node if isinstance(node, ShapeNode) else None

    @property
    def size(self) -> int:
        inner = self.only_group
        return inner.size if inner is not None else super().size

    @property
    def name(self) -> str:
        inner = self.only_group
        own = super().name
        return f"{own} \u203a {inner.name}" if inner is not None else own

    # -- value -------------------------------------------------------------------------------

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict)

    def write(self, value: Any) -> None:
        given = value if value is not MISSING else {}
        for name, node in self.fields.items():
            node.set(given[name] if name in given else node.default())
        self.entries = {}
        for key, item in given.items():
            if key not in self.fields:
                self._add_entry(str(key), item)
        self._show_entries()

    def read(self) -> Any:
        if self._untouched_optional():
            return MISSING
        out = {}
        for name, node in self.fields.items():
            value = node.get()
            if value is not MISSING:
                out[name] = value
        for key, node in self.entries.items():
            value = node.get()
            out[key] = None if value is MISSING else value
        return out

    def _inner_diff(self) -> dict[str, Any]:
        out = {}
        for name, node in self.fields.items():
            value = node.diff()
            if value is not MISSING:
                out[name] = value
        for key, node in self.entries.items():
            value = node.get()
            out[key] = None if value is MISSING else value
        return out

    def _untouched_optional(self) -> bool:
        info = self.info
        optional = info is not None and not info.required and not info.has_default
        return optional and not self._inner_diff()

    def diff(self) -> Any:
        if self._foreign is not MISSING:
            return self._foreign
        value = self.get()
        if value is MISSING or self.equals_default(value):
            return MISSING
        inner = self._inner_diff()
        if self.equals_default(inner) or (not inner and self.info and not self.info.required):
            return MISSING
        return inner

    def remove_extra(self) -> None:
        if self.entries and not self.permissive:
            self.entries = {}
            self._show_entries()
            self.host.changed()
        for node in self.fields.values():
            node.remove_extra()

    # -- entries (keys that are not fields) ----------------------------------------------------

    def _add_entry(self, key: str, value: Any) -> Node:
        node = self.make_child(_ANY, None, key)
        node.set(value)
        self.entries[key] = node
        return node

    def _show_entries(self) -> None:
        if self._widget is not None and self.only_group is None:
            old = self.take_rows()
            self._widget.children = self._parts()
            close_all(old)

    def _parts(self) -> tuple[widgets.Widget, ...]:
        """The group's body: runs of one-line fields as two-column grids (input, status)
        between sub-groups, then the entries and the add-entry row."""
        theme = self.host.theme
        if self._field_parts is None:
            self._field_parts = []
            cells: list[widgets.Widget] = []
            for node in self.fields.values():
                if node.block:
                    self._field_parts += [*self._grid(cells), node.cell()]
                    cells = []
                else:
                    cells += node.row_cells()
            self._field_parts += self._grid(cells)
        cells = []
        for key, node in self.entries.items():
            remove = self.row_widget(
                theme.make(
                    widgets.Button,
                    description="\u2715",
                    tooltip=f"remove {key}",
                    layout="small_button",
                )
            )
            remove.on_click(lambda _button, key=key: self._remove_entry(key))
            row = theme.make(widgets.HBox, [node.cell(), remove], layout="row")
            cells += [self.row_widget(row), node.status]
        if self.permissive:
            cells += self._add_cells()
        parts = [*self._field_parts, *map(self.row_widget, self._grid(cells))]
        if not parts:
            parts.append(theme.make(widgets.HTML, "<i>no config</i>"))
        return (self.status, *parts)

    def _grid(self, cells: list[widgets.Widget]) -> list[widgets.Widget]:
        return [self.host.theme.make(widgets.GridBox, cells, layout="grid")] if cells else []

    def _remove_entry(self, key: str) -> None:
        self.entries.pop(key, None)
        self._show_entries()
        self.edited()

    def _add_clicked(self, _button: widgets.Button) -> None:
        assert self._new_key is not None
        key = self._new_key.value.strip()
        if not key or key in self.fields or key in self.entries:
            return
        self._add_entry(key, None)
        self._new_key.value = ""
        self._show_entries()
        self.edited()

    # -- widgets -----------------------------------------------------------------------------

    def build(self) -> widgets.Widget:
        theme = self.host.theme
        inner = self.only_group
        if inner is not None:
            return theme.make(widgets.VBox, [self.status, inner.widget], layout="block")
        return theme.make(widgets.VBox, layout="block")

    def show(self) -> None:
        self._show_entries()

    def after_build(self) -> None:
        self._show_entries()

    def _add_cells(self) -> list[widgets.Widget]:
        theme = self.host.theme
        if self._new_key is None:
            self._new_key = theme.make(widgets.Text, placeholder="new key", layout="key")
            self._add_button = theme.make(
                widgets.Button, description="Add entry", icon="plus", layout="button"
            )
            self._add_button.on_click(self._add_clicked)
        return [self._new_key, self._add_button]
