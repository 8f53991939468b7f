"""Input widgets for running one op by hand: one per input, chosen by the input's type.

Ints and floats are typed into text boxes (read as numbers), strings into a text box, booleans
are a checkbox; any other type takes a Python expression, evaluated in the user's namespace
when the op runs (``df.head()``, ``[1, 2, 3]``).  An input with a default starts from it; an
empty box means "not given", so the default (or the engine's message about a missing input)
applies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

import __main__
from opbook import DagsterInvariantViolationError, InputDefinition
from opbook.notebook.forms.scalars import parse_number
from opbook.notebook.forms.theme import Theme, esc, muted
from opbook.notebook.forms.values import MISSING

Namespace = Callable[[], Mapping[str, Any]]
_TYPED = {int: "int", float: "float", str: "string", bool: "bool"}


def user_namespace() -> Mapping[str, Any]:
    """The notebook's namespace (IPython's ``user_ns``), else ``__main__``'s."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a dependency
        return vars(__main__)
    shell = get_ipython()
    return shell.user_ns if shell is not None else vars(__main__)


class InputField:
    """The widget of one op input and how to read a value from it.

    Attributes:
        definition: the input.
        kind: ``"int"``, ``"float"``, ``"string"``, ``"bool"`` or ``"expression"``.
        widget: the ipywidget a user fills in.
    """

    def __init__(self, definition: InputDefinition, theme: Theme, namespace: Namespace) -> None:
        self.definition = definition
        self.namespace = namespace
        typing_type = definition.dagster_type.typing_type
        self.kind = (
            _TYPED.get(typing_type, "expression") if isinstance(typing_type, type) else "expression"
        )
        self.widget = self._make(theme)
        self._filled: tuple[Any, Any] | None = None
        self.help = theme.make(widgets.HTML, muted(esc(self._help())), layout="status")

    @property
    def name(self) -> str:
        return self.definition.name

    def _label(self) -> str:
        type_name = self.definition.dagster_type.name
        return f'<span title="{esc(type_name)}">{esc(self.name)}</span>'

    def _help(self) -> str:
        parts = [self.definition.dagster_type.name]
        if self.kind == "expression":
            parts.append("a Python expression, evaluated in the notebook's namespace")
        if self.definition.description:
            parts.append(self.definition.description)
        if self.definition.has_default_value:
            parts.append(f"default: {self.definition.default_value!r}")
        return " \u2014 ".join(parts)

    def _make(self, theme: Theme) -> widgets.Widget:
        default = self.definition.default_value if self.definition.has_default_value else MISSING
        label = self._label()
        if self.kind == "bool":
            return theme.make(
                widgets.Checkbox,
                value=default is True,
                description=label,
                description_allow_html=True,
            )
        if self.kind == "expression":
            text = "" if default is MISSING else repr(default)
            placeholder = "Python expression, e.g. [1, 2, 3]"
        else:
            text = "" if default is MISSING else str(default)
            placeholder = self.kind if self.kind != "string" else "text"
        return theme.make(
            widgets.Text,
            value=text,
            placeholder=placeholder,
            continuous_update=False,
            description=label,
            description_allow_html=True,
        )

    def fill(self, value: Any, source: str) -> None:
        """Show ``value`` (taken from ``source``, e.g. a run) in the widget; while the widget
        is left as filled, the input is that very object (not a re-evaluated repr)."""
        if self.kind == "bool":
            shown: Any = bool(value)
        elif self.kind in ("int", "float", "string"):
            shown = str(value)
        else:
            text = repr(value)
            shown = text if len(text) <= 200 else f"<{type(value).__name__} from {source}>"
        self.widget.value = shown
        self._filled = (shown, value)

    def value(self) -> Any:
        """The value to run with, or MISSING when the box is empty.

        Raises:
            DagsterInvariantViolationError: an expression that does not evaluate; the message
                names the input and the expression.
        """
        raw = self.widget.value
        if self._filled is not None and raw == self._filled[0]:
            return self._filled[1]
        if self.kind == "bool":
            return bool(raw)
        if raw == "" and self.kind != "string":
            return MISSING
        if raw == "" and not self.definition.has_default_value:
            return MISSING
        if self.kind in ("int", "float"):
            return parse_number(raw, self.kind)
        if self.kind == "string":
            return raw
        return self._evaluate(raw)

    def _evaluate(self, text: str) -> Any:
        namespace = self.namespace()
        scope = namespace if isinstance(namespace, dict) else dict(namespace)
        try:
            return eval(text, scope)  # the user's own expression, in their namespace, by design
        except Exception as exc:
            raise DagsterInvariantViolationError(
                f'Input "{self.name}": the expression {text!r} could not be evaluated: '
                f"{type(exc).__name__}: {exc}"
            ) from exc
