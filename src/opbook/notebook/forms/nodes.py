"""The model behind a config form: a tree of nodes, one per config value, each owning its widget.

A node is built from the plain-data description of its type (:func:`opbook.config.describe`),
plus, when it stands for a field of a shape or selector, that field's entry (:class:`FieldInfo`:
name, required, default, help text, secret).  The node, not its widget, holds the value: widgets
are built only when first shown (a collapsed group costs nothing until opened) and mirror the
node.  ``MISSING`` means "not given": the entry is left out of the config value.

A value a node's widgets cannot show (a list given for a shape, a word for a checkbox) is kept
as it is, *foreign*, so the validator reports it beside the field; any edit of the widget
replaces it.  Every change reaches the :class:`Host` (the form), which validates and redraws.
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_description import DescriptionWidget

from opbook.config.values import MASK
from opbook.notebook.forms.host import Host
from opbook.notebook.forms.theme import error_html, esc, label_html, muted
from opbook.notebook.forms.values import MISSING, FieldInfo, PathKey, same, sample, short


class Node(ABC):
    """One config value in a form.

    Subclasses implement ``accepts`` (can the widgets show this value?), ``write`` (store an
    accepted value, or MISSING to clear), ``read`` (the value, MISSING when not given),
    ``build`` (make the widget from the current state) and ``show`` (update a built widget).
    """

    # Shown as a collapsible titled group rather than one labelled line; the widget of a
    # block node shows the node's own status first.
    block = False

    def __init__(
        self,
        host: Host,
        desc: dict[str, Any],
        info: FieldInfo | None,
        parent: Node | None,
        key: PathKey | None,
        secret: bool,
    ) -> None:
        self.host = host
        self.desc = desc
        self.info = info
        self.parent = parent
        self.key = key
        self.secret = secret or (info is not None and info.is_secret)
        self.problems: list[str] = []
        self._foreign: Any = MISSING
        self._widget: widgets.Widget | None = None
        self._status: widgets.HTML | None = None
        self._accordion: widgets.Accordion | None = None
        self._quiet = False
        self._rows: list[widgets.Widget] = []  # row widgets, closed when the rows are rebuilt

    # -- identity ----------------------------------------------------------------------------

    @property
    def kind(self) -> str:
        return str(self.desc["kind"])

    @property
    def path(self) -> tuple[PathKey, ...]:
        if self.parent is None:
            return ()
        base = self.parent.path
        return base if self.key is None else (*base, self.key)

    @property
    def name(self) -> str:
        if self.info is not None:
            return self.info.name
        if isinstance(self.key, int):
            return f"[{self.key}]"
        return "value" if self.key is None else str(self.key)

    @property
    def required(self) -> bool:
        return self.info is not None and self.info.required

    def child(self, key: PathKey) -> Node | None:
        """The node of ``key`` below this one (None when there is none)."""
        return None

    def children(self) -> list[Node]:
        """The nodes directly below this one that currently make up its value."""
        return []

    def child_keys(self) -> list[PathKey]:
        """The keys ``child`` answers for."""
        return [node.key for node in self.children() if node.key is not None]

    def local_problems(self) -> list[tuple[Node, str]]:
        """Problems the validator cannot see (text that is not YAML, a repeated map key)."""
        return []

    def make_child(self, desc: dict[str, Any], info: FieldInfo | None, key: PathKey | None) -> Node:
        return self.host.builder(self.host, desc, info, self, key, self.secret)

    # -- value -------------------------------------------------------------------------------

    def accepts(self, value: Any) -> bool:
        return True

    @abstractmethod
    def write(self, value: Any) -> None: ...

    @abstractmethod
    def read(self) -> Any: ...

    def get(self) -> Any:
        """The node's value, or MISSING when nothing is given."""
        return self._foreign if self._foreign is not MISSING else self.read()

    def set(self, value: Any) -> None:
        """Show ``value`` (MISSING clears the node); values the widgets cannot show are kept.

        A secret given as its mask (``***``, as the YAML view shows it) keeps the secret."""
        if self.secret and value == MASK and self.get() is not MISSING:
            return
        if value is not MISSING and not self.accepts(value):
            self._foreign = value
            self.write(MISSING)
        else:
            self._foreign = MISSING
            self.write(value)
        self.redraw()

    def default(self) -> Any:
        """The field's default as described (secret defaults masked), or MISSING."""
        if self.info is not None and self.info.has_default:
            return self.info.default
        return MISSING

    def reset(self) -> None:
        self.set(self.default())

    def diff(self) -> Any:
        """The value without what equals the defaults (MISSING when it all does)."""
        value = self.get()
        if value is MISSING or self.equals_default(value):
            return MISSING
        return value

    def equals_default(self, value: Any) -> bool:
        return self.info is not None and self.info.has_default and same(value, self.info.default)

    def edited(self) -> None:
        """Called by widget handlers: the user changed the value (which replaces any value
        given above it that the widgets could not show)."""
        node: Node | None = self
        while node is not None:
            node._foreign = MISSING
            node = node.parent
        self.host.changed()

    # -- actions -----------------------------------------------------------------------------

    def fill_defaults(self) -> None:
        if self.get() is MISSING and self.default() is not MISSING:
            self.reset()
            return
        for node in self.children():
            node.fill_defaults()

    def scaffold_missing(self) -> None:
        if self.get() is MISSING:
            if self.required:  # an optional entry left out stays out, with what is inside it
                self.set(sample(self.desc))
            return
        for node in self.children():
            node.scaffold_missing()

    def remove_extra(self) -> None:
        for node in self.children():
            node.remove_extra()

    # -- widgets -----------------------------------------------------------------------------

    @property
    def widget(self) -> widgets.Widget:
        """The node's widget, built on first use."""
        if self._widget is None:
            with self.quietly():
                self._widget = self.build()
                self.after_build()
        return self._widget

    @property
    def built(self) -> bool:
        return self._widget is not None

    @abstractmethod
    def build(self) -> widgets.Widget: ...

    def row_widget(self, widget: widgets.Widget) -> widgets.Widget:
        """Note a widget of a row that a rebuild of the rows replaces."""
        self._rows.append(widget)
        return widget

    def take_rows(self) -> list[widgets.Widget]:
        """The row widgets made so far, forgotten here (close them once replaced)."""
        rows, self._rows = self._rows, []
        return rows

    def after_build(self) -> None:
        """Finish a widget that needs itself to exist (rows added to it); nothing by default."""
        return None

    def show(self) -> None:
        """Bring a built widget up to date with the value; nothing to do by default."""
        return None

    def redraw(self) -> None:
        if self._widget is not None:
            with self.quietly():
                self.show()
        self.refresh_status()

    @contextlib.contextmanager
    def quietly(self) -> Iterator[None]:
        """Widget changes made inside are the node's own, not the user's."""
        before, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = before

    @property
    def status(self) -> widgets.HTML:
        """The HTML beside the field: problems, help text and the default marker."""
        if self._status is None:
            self._status = self.host.theme.make(widgets.HTML, self.status_html(), layout="status")
        return self._status

    def refresh_status(self) -> None:
        if self._status is not None:
            self._status.value = self.status_html()

    def status_html(self) -> str:
        parts = [error_html(problem) for problem in self.problems]
        if self._foreign is not MISSING:
            shown = MASK if self.secret else short(self._foreign)
            parts.append(muted(f"given: <code>{esc(shown)}</code>"))
        info = self.info
        if info is not None and info.description:
            parts.append(muted(esc(info.description)))
        if info is not None and info.has_default:
            parts.append(muted(self._default_marker(info)))
        return " ".join(parts)

    def _default_marker(self, info: FieldInfo) -> str:
        if self.equals_default(self.get()):
            return "<i>(default)</i>"
        if self.block:
            return ""
        shown = MASK if self.secret else short(info.default)
        return f"<i>(default: {esc(shown)})</i>"

    def label(self) -> str:
        type_string = str(self.desc.get("type_string", ""))
        needs_value = self.info is not None and self.info.required and not self.info.has_default
        return label_html(self.name, needs_value, type_string)

    def cell(self) -> widgets.Widget:
        """The widget shown in the parent's row: a labelled input, or a titled group."""
        if self.block:
            return self.collapsible()
        widget = self.widget
        if isinstance(widget, DescriptionWidget):
            widget.description = self.label()
            widget.description_allow_html = True
            return widget
        if isinstance(widget, LabelledBox):
            widget.set_label(self.label())
            return widget
        theme = self.host.theme
        label = theme.make(widgets.HTML, self.label(), layout="label")
        return theme.make(widgets.HBox, [label, widget], layout="row")

    def collapsible(self) -> widgets.Accordion:
        """The node's widget in a collapsible group titled with its name.

        Groups that need input open at once while the form's budget of open fields lasts;
        the others are built when first opened."""
        if self._accordion is None:
            theme = self.host.theme
            open_now = self.parent is None or (self.required and self.host.take(self.size))
            child = self._content() if open_now else theme.placeholder
            title = self.name + (" *" if self.required else "")
            self._accordion = theme.make(
                widgets.Accordion, [child], titles=(title,), layout="block"
            )
            if open_now:
                self._accordion.selected_index = 0
            self._accordion.observe(self._opened, "selected_index")
        return self._accordion

    def _content(self) -> widgets.Widget:
        """What an open group holds: its widget (which shows the group's status first)."""
        return self.widget

    def row_cells(self) -> list[widgets.Widget]:
        """The cells of the node's row in its parent: a titled group (whose widget shows its
        own status inside), or the labelled input and its status beside it."""
        return [self.cell()] if self.block else [self.cell(), self.status]

    @property
    def size(self) -> int:
        """How many rows the node's group shows when opened."""
        return max(1, len(self.desc.get("fields", ())))

    def expand(self) -> None:
        """Open this node's group (and build its widget)."""
        accordion = self.collapsible() if self.block else None
        if accordion is not None and accordion.selected_index != 0:
            accordion.selected_index = 0

    def open_if_shown(self) -> None:
        """Open the node's group if it has been put on screen (a parent opened it)."""
        if self._accordion is not None:
            self.expand()

    def _opened(self, change: dict[str, Any]) -> None:
        accordion = change["owner"]
        if change["new"] == 0 and accordion.children[0] is self.host.theme.placeholder:
            accordion.children = (self._content(),)


class LabelledBox(widgets.Box):
    """A box whose first child shows the field's label as its description (saving a
    wrapping box and a label widget)."""

    def set_label(self, html: str) -> None:
        first = self.children[0]
        first.description = html
        first.description_allow_html = True
