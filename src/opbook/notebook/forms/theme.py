"""Shared looks of one form: layouts and styles made once, and the small HTML snippets.

Every ipywidget creates its own ``Layout`` and ``Style`` widgets unless given one; sharing one
instance per kind across a form's widgets makes building a 200-field form about three times
faster.  The instances are per form (never module globals), so closing one form's widgets
cannot break another's.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

LABEL_WIDTH = "190px"
ERROR_COLOUR = "#c62828"
MUTED_COLOUR = "#757575"


class Theme:
    """The layouts and styles a form's widgets share; :meth:`make` builds a widget with them."""

    def __init__(self) -> None:
        self._styles: dict[tuple[type, tuple[tuple[str, str], ...]], Any] = {}
        self._has_style: dict[Any, bool] = {}
        self.made: list[widgets.Widget] = []  # every widget made here, to close with the form
        layout = widgets.Layout
        self.layouts: dict[str, widgets.Layout] = {
            "plain": layout(),
            "status": layout(margin="0 0 0 8px"),
            "grid": layout(
                grid_template_columns="minmax(0, max-content) minmax(0, 1fr)",
                grid_gap="2px 4px",
                align_items="center",
                width="100%",
            ),
            "button": layout(width="auto"),
            "small_button": layout(width="32px", padding="0"),
            "label": layout(width=LABEL_WIDTH, min_width=LABEL_WIDTH),
            "row": layout(align_items="center"),
            "column": layout(flex_flow="column", align_items="flex-start"),
            "block": layout(width="100%"),
            "key": layout(width="160px"),
            "toggle": layout(width="auto", margin="0 8px 0 0"),
        }
        # What a folded group holds until opened; one for all (a widget may have many views).
        self.placeholder = widgets.VBox(layout=self.layouts["block"])

    def style(self, widget_class: Any, **settings: str) -> Any:
        """The one style of ``widget_class`` with ``settings`` (labels of equal width unless
        ``description_width`` is given)."""
        style_class = widget_class.style.klass  # the class the `style` trait holds
        key = (style_class, tuple(sorted(settings.items())))
        style = self._styles.get(key)
        if style is None:
            style = style_class()
            if "description_width" in style.keys:
                style.description_width = LABEL_WIDTH
            for name, value in settings.items():
                setattr(style, name, value)
            self._styles[key] = style
        return style

    def make(
        self,
        widget_class: Any,
        *args: Any,
        layout: str = "plain",
        style: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """A new ``widget_class(*args, **kwargs)`` with a shared layout and style."""
        has_style = self._has_style.get(widget_class)
        if has_style is None:
            names = widget_class.class_trait_names()
            has_style = self._has_style[widget_class] = "style" in names
        if has_style:
            kwargs["style"] = self.style(widget_class, **(style or {}))
        widget = widget_class(*args, layout=self.layouts[layout], **kwargs)
        self.made.append(widget)
        return widget

    def close(self) -> None:
        """Close every widget of the form (the browser forgets them; the kernel frees them)."""
        for widget in [*self.made, *self._styles.values(), *self.layouts.values()]:
            widget.close()
        self.placeholder.close()
        self.made = []


def close_all(made: list[widgets.Widget]) -> None:
    """Close widgets that were replaced (rows of a list rebuilt after an edit)."""
    for widget in made:
        widget.close()


def esc(text: object) -> str:
    """``text`` escaped for HTML."""
    return html.escape(str(text), quote=True)


def label_html(name: str, required: bool, type_string: str) -> str:
    """A field's label: its name, a red star when required, its type as the hover text."""
    star = f' <span style="color:{ERROR_COLOUR}" title="required">*</span>' if required else ""
    return f'<span title="{esc(type_string)}">{esc(name)}</span>{star}'


def muted(text: str) -> str:
    return f'<span style="color:{MUTED_COLOUR}">{text}</span>'


def error_html(message: str) -> str:
    return f'<div style="color:{ERROR_COLOUR}; white-space:normal">&#10006; {esc(message)}</div>'
