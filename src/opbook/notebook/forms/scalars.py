"""Scalar fields: numbers and strings as text boxes, booleans, enums as dropdowns, secrets.

Numbers are typed into text boxes rather than number boxes, so that a wrong value can be typed
and is reported by the validator (a number box would silently refuse it): the text becomes an
int or float when it reads as one and stays a string otherwise.  An emptied box means "not
given", except for a string field with a default, where it means the empty string.

A secret's value never reaches the browser: the box is cleared as soon as a value is entered
and says only whether one is set.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from opbook.config.values import MASK
from opbook.notebook.forms.nodes import Node
from opbook.notebook.forms.values import MISSING

_NOT_SET = "not set"
_SECRET_SET = "\u25cf\u25cf\u25cf\u25cf\u25cf\u25cf set (type to replace)"


def parse_number(text: str, kind: str) -> Any:
    """``text`` as an int (or float, for a Float field); as typed when it is not a number."""
    stripped = text.strip()
    try:
        number: int | float = int(stripped)
    except ValueError:
        try:
            number = float(stripped)
        except ValueError:
            return text
    return float(number) if kind == "float" else number


class TextNode(Node):
    """Int, Float and String fields (and any scalar of a secret field)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._value: Any = MISSING

    def accepts(self, value: Any) -> bool:
        return not isinstance(value, (dict, list))

    def write(self, value: Any) -> None:
        self._value = value

    def read(self) -> Any:
        return self._value

    def parse(self, text: str) -> Any:
        if text == "":
            empty_is_value = self.kind in ("string", "secret") and (
                self.info is None or self.info.has_default
            )
            return "" if empty_is_value else MISSING
        if self.kind in ("int", "float"):
            return parse_number(text, self.kind)
        return text

    def text(self) -> str:
        if self.secret or self._foreign is not MISSING or self._value is MISSING:
            return ""
        return str(self._value)

    def placeholder(self) -> str:
        if self.secret and self.get() is not MISSING:
            return _SECRET_SET
        return _NOT_SET if self.get() is MISSING else ""

    def build(self) -> widgets.Widget:
        widget_class = widgets.Password if self.secret else widgets.Text
        widget = self.host.theme.make(
            widget_class,
            value=self.text(),
            placeholder=self.placeholder(),
            continuous_update=False,
        )
        widget.observe(self._typed, "value")
        return widget

    def show(self) -> None:
        widget = self.widget
        widget.value = self.text()
        widget.placeholder = self.placeholder()

    def _typed(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if self.secret and change["new"] == MASK and self._value is not MISSING:
            return  # the mask typed back: keep the secret
        self._value = self.parse(change["new"])
        if self.secret:
            with self.quietly():
                self.show()  # clear the box: the secret stays in the kernel only
        self.edited()


class BoolNode(Node):
    """A Bool field: a checkbox, or a True/False choice when the field has no default (so
    that "not given" can be seen)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._value: Any = MISSING

    def accepts(self, value: Any) -> bool:
        return isinstance(value, bool)

    def write(self, value: Any) -> None:
        self._value = value

    def read(self) -> Any:
        return self._value

    @property
    def uses_checkbox(self) -> bool:
        return self.info is None or self.info.has_default

    def build(self) -> widgets.Widget:
        theme = self.host.theme
        if self.uses_checkbox:
            widget: widgets.Widget = theme.make(widgets.Checkbox, value=self._value is True)
        else:
            widget = theme.make(
                widgets.Dropdown, options=[("True", True), ("False", False)], value=self._shown()
            )
        widget.observe(self._picked, "value")
        return widget

    def _shown(self) -> bool | None:
        return self._value if isinstance(self._value, bool) else None

    def show(self) -> None:
        shown = self._shown()
        self.widget.value = bool(shown) if self.uses_checkbox else shown

    def _picked(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        self._value = MISSING if change["new"] is None else change["new"]
        self.edited()


class EnumNode(Node):
    """An Enum field: a dropdown of its values (empty while not given)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._value: Any = MISSING
        self.choices = [entry["value"] for entry in self.desc["values"]]

    def accepts(self, value: Any) -> bool:
        return value in self.choices

    def write(self, value: Any) -> None:
        self._value = value

    def read(self) -> Any:
        return self._value

    def build(self) -> widgets.Widget:
        widget = self.host.theme.make(
            widgets.Dropdown,
            options=self.choices,
            value=None if self._value is MISSING else self._value,
        )
        widget.observe(self._picked, "value")
        return widget

    def show(self) -> None:
        self.widget.value = None if self._value is MISSING else self._value

    def _picked(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        self._value = MISSING if change["new"] is None else change["new"]
        self.edited()
