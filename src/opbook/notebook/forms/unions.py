"""Types with two forms: Noneable (None or a value), ScalarUnion (a scalar or a structure),
the sources (a value or ``{env: NAME}``), and Any (free YAML).

The first three wrap inner nodes at the *same* config path and show a toggle before the active
one; the toggle really switches the value (``None`` is kept as None, not as "not given").  Any
is a YAML text box; text that is not YAML is reported beside it and leaves the value unset.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import ipywidgets as widgets
import yaml

from opbook.config.values import is_env_ref
from opbook.config.yaml_text import load_yaml
from opbook.notebook.forms.nodes import LabelledBox, Node
from opbook.notebook.forms.values import MISSING, PathKey, sample
from opbook.notebook.forms.yaml_view import dump_inline, is_plain

_ENV_NAME = {"kind": "string", "description": None, "type_string": "String"}


class ToggledWidget(LabelledBox):
    """The widget of a two-form value: ``toggle`` (the switch, labelled with the field's
    name), then ``active``, the widget of the form switched on (None while the value is None)."""

    @property
    def toggle(self) -> widgets.ToggleButtons:
        return self.children[0]

    @property
    def active(self) -> widgets.Widget | None:
        return self.children[1] if len(self.children) > 1 else None


class _Wrapper(Node):
    """A node showing one of its inner nodes (all at its own path) after a toggle.

    Subclasses say which inner node is ``active``, make the toggle (``make_toggle``) and say
    what it reads (``toggle_value``) and does when switched (``switched``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._toggle: widgets.Widget | None = None

    @abstractmethod
    def active(self) -> Node | None: ...

    @abstractmethod
    def make_toggle(self) -> widgets.Widget: ...

    @abstractmethod
    def toggle_value(self) -> Any: ...

    @abstractmethod
    def switched(self, value: Any) -> None: ...

    def child(self, key: PathKey) -> Node | None:
        node = self.active()
        return None if node is None else node.child(key)

    def children(self) -> list[Node]:
        node = self.active()
        return [] if node is None else [node]

    def child_keys(self) -> list[PathKey]:
        node = self.active()
        return [] if node is None else node.child_keys()

    def read(self) -> Any:
        node = self.active()
        return None if node is None else node.get()

    def diff(self) -> Any:
        if self._foreign is not MISSING:
            return self._foreign
        value = self.get()
        if value is MISSING or self.equals_default(value):
            return MISSING
        node = self.active()
        inner = MISSING if node is None else node.diff()
        return value if inner is MISSING else inner

    def build(self) -> widgets.Widget:
        self._toggle = self.make_toggle()
        self._toggle.observe(self._toggled, "value")
        return self.host.theme.make(ToggledWidget, [self._toggle], layout="row")

    def after_build(self) -> None:
        self._show_active()

    def show(self) -> None:
        if self._toggle is not None:
            self._toggle.value = self.toggle_value()
        self._show_active()

    def _show_active(self) -> None:
        widget = self._widget
        if widget is None or self._toggle is None:
            return
        node = self.active()
        widget.children = (self._toggle,) if node is None else (self._toggle, node.widget)

    def _toggled(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        self.switched(change["new"])
        node = self.active()
        if node is not None and node.get() is MISSING:
            node.set(sample(node.desc))
        self._show_active()
        self.edited()


class NoneableNode(_Wrapper):
    """Noneable: a None / value toggle, and the value's widget when it is not None."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inner = self.make_child(self.desc["element"], None, None)
        self.is_none = False

    def active(self) -> Node | None:
        return None if self.is_none else self.inner

    def write(self, value: Any) -> None:
        self.is_none = value is None
        self.inner.set(MISSING if value is None else value)

    def make_toggle(self) -> widgets.Widget:
        return self.host.theme.make(
            widgets.ToggleButtons,
            options=["None", "value"],
            value=self.toggle_value(),
            style={"button_width": "56px"},
            layout="toggle",
        )

    def toggle_value(self) -> str:
        return "None" if self.is_none else "value"

    def switched(self, value: Any) -> None:
        self.is_none = value == "None"


class ScalarUnionNode(_Wrapper):
    """ScalarUnion: a toggle between the scalar and the structured form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scalar = self.make_child(self.desc["scalar"], None, None)
        self.structured = self.make_child(self.desc["non_scalar"], None, None)
        self.use_structured = False
        self.scalar_name = str(self.desc["scalar"]["type_string"])

    def active(self) -> Node:
        return self.structured if self.use_structured else self.scalar

    def write(self, value: Any) -> None:
        self.use_structured = isinstance(value, (dict, list))
        self.active().set(value)
        (self.scalar if self.use_structured else self.structured).set(MISSING)

    def make_toggle(self) -> widgets.Widget:
        return self.host.theme.make(
            widgets.ToggleButtons,
            options=[self.scalar_name, "structured"],
            value=self.toggle_value(),
            style={"button_width": "80px"},
            layout="toggle",
        )

    def toggle_value(self) -> str:
        return "structured" if self.use_structured else self.scalar_name

    def switched(self, value: Any) -> None:
        self.use_structured = value == "structured"


class SourceNode(_Wrapper):
    """StringSource, IntSource, BoolSource: the value, or the name of an environment variable
    to read it from ("from env var").  The name is never secret; what the variable holds is
    read only when the run starts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scalar = self.make_child(self.desc["scalar"], None, None)
        self.env = self.host.builder(self.host, _ENV_NAME, None, self, "env", False)
        self.from_env = False

    def active(self) -> Node:
        return self.env if self.from_env else self.scalar

    def accepts(self, value: Any) -> bool:
        return not isinstance(value, (dict, list)) or is_env_ref(value)

    def write(self, value: Any) -> None:
        self.from_env = is_env_ref(value)
        if self.from_env:
            self.env.set(value["env"])
            self.scalar.set(MISSING)
        else:
            self.env.set(MISSING)
            self.scalar.set(value)

    def read(self) -> Any:
        if not self.from_env:
            return self.scalar.get()
        name = self.env.get()
        return MISSING if name is MISSING else {"env": name}

    def diff(self) -> Any:
        value = self.get()
        return MISSING if value is MISSING or self.equals_default(value) else value

    def child(self, key: PathKey) -> Node | None:
        return self.env if self.from_env and key == "env" else None

    def child_keys(self) -> list[PathKey]:
        return ["env"] if self.from_env else []

    def make_toggle(self) -> widgets.Widget:
        return self.host.theme.make(
            widgets.ToggleButtons,
            options=["value", "env var"],
            value=self.toggle_value(),
            tooltips=["the value itself", "the name of an environment variable holding it"],
            style={"button_width": "64px"},
            layout="toggle",
        )

    def toggle_value(self) -> str:
        return "env var" if self.from_env else "value"

    def switched(self, value: Any) -> None:
        self.from_env = value == "env var"


class AnyNode(Node):
    """Any: a YAML text box.  Python objects that YAML cannot write are shown, read-only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._value: Any = MISSING
        self._typed: str | None = None  # text that did not parse
        self._error: str | None = None

    def write(self, value: Any) -> None:
        self._value = value
        self._typed = None
        self._error = None

    def read(self) -> Any:
        return self._value

    def local_problems(self) -> list[tuple[Node, str]]:
        return [] if self._error is None else [(self, self._error)]

    def text(self) -> str:
        if self._typed is not None:
            return self._typed
        if self._value is MISSING or self.secret:
            return ""
        return dump_inline(self._value)

    @property
    def editable(self) -> bool:
        return is_plain(self._value)

    def build(self) -> widgets.Widget:
        widget_class = widgets.Password if self.secret else widgets.Textarea
        widget = self.host.theme.make(
            widget_class,
            value=self.text(),
            placeholder="YAML, e.g. [1, 2] or {a: 1}",
            continuous_update=False,
            disabled=not self.editable,
        )
        widget.observe(self._typed_text, "value")
        return widget

    def after_build(self) -> None:
        self.show()

    def show(self) -> None:
        widget = self.widget
        widget.value = self.text()
        widget.disabled = not self.editable
        if isinstance(widget, widgets.Textarea):
            widget.rows = min(max(widget.value.count("\n") + 1, 1), 8)

    def _typed_text(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        text = change["new"]
        self._typed, self._error = None, None
        if not text.strip():
            self._value = MISSING
        else:
            try:
                self._value = load_yaml(text)
            except yaml.YAMLError as exc:
                self._value, self._typed = MISSING, text
                self._error = "Not valid YAML: " + " ".join(str(exc).split())
        if self.secret:
            with self.quietly():
                self.widget.value = ""
        self.edited()
