"""The config form's YAML editor as a widget: CodeMirror, which knows the config schema.

The editor completes keys and enum values from the schema (:func:`schema_tree` makes the tree
it reads from ``config``'s schema description), shows a key's description, type and default on
hover, and underlines the problems the Python side sends (``diagnostics``: the engine's
validator's problems, placed on their lines by :mod:`opbook.notebook.forms.yaml_lines`), which
it also lists under the text.  ``value`` is the text, kept in sync both ways: the config form
sets it when its fields change and reads it back when the user types (sent after a short pause).

A notebook opened without a kernel shows the text in a ``<pre>`` (the widget's static output).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import anywidget
import traitlets

from opbook.notebook.fmt import esc
from opbook.notebook.forms.yaml_lines import Span
from opbook.notebook.forms.yaml_view import dump_inline
from opbook.notebook.widgets import bundle_file, with_fallback

_UNWRAP_KINDS = ("noneable",)
_FIELD_KINDS = ("shape", "permissive", "selector")


def schema_tree(desc: Mapping[str, Any]) -> dict[str, Any]:
    """The editor's view of a schema description (``config.describe``): a tree of nodes with
    ``type`` (as the validator writes it), ``kind``, ``description``, and where they apply
    ``fields`` (name to ``{required, default, description, secret, node}``; a secret's default
    is already masked by ``describe``), ``values`` (what a value may be: enum values, booleans),
    ``item`` (a list's elements) and ``entry`` (a map's values).

    Wrappers are folded into what they wrap: a noneable (``Noneable(Int)``) is its element plus
    ``null``; a scalar union or a source (``StringSource``) offers both of its sides.
    """
    return _tree(desc)


def _tree(desc: Mapping[str, Any]) -> dict[str, Any]:
    kind = str(desc["kind"])
    node: dict[str, Any] = {
        "kind": kind,
        "type": desc.get("type_string") or kind,
        "description": desc.get("description"),
    }
    if kind in _UNWRAP_KINDS:
        inner = _tree(desc["element"])
        values = inner.get("values")
        return {**inner, "type": node["type"], "values": [*(values or []), _value(None)]}
    if "scalar" in desc and "non_scalar" in desc:
        scalar, non_scalar = _tree(desc["scalar"]), _tree(desc["non_scalar"])
        for part in ("fields", "item", "entry", "values"):
            found = non_scalar.get(part) or scalar.get(part)
            if found:
                node[part] = found
        return node
    if kind in _FIELD_KINDS:
        node["fields"] = {field["name"]: _field(field) for field in desc.get("fields", ())}
    elif kind == "enum":
        node["values"] = [_value(v["value"], v.get("description")) for v in desc["values"]]
    elif kind == "bool":
        node["values"] = [_value(True), _value(False)]
    elif kind == "array":
        node["item"] = _tree(desc["element"])
    elif kind == "map":
        node["entry"] = _tree(desc["value"])
    return node


def _field(field: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "required": bool(field["required"]),
        "default": dump_inline(field["default"]) if field["has_default"] else None,
        "description": field.get("description"),
        "secret": bool(field.get("is_secret")),
        "node": _tree(field["type"]),
    }


def _value(value: Any, description: str | None = None) -> dict[str, Any]:
    return {"value": dump_inline(value), "description": description}


def diagnostic(span: Span, message: str, path: str = "") -> dict[str, Any]:
    """One problem as the editor takes it (1-based lines and columns)."""
    return {
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "message": message,
        "path": path,
        "severity": "error",
    }


class YamlEditorWidget(anywidget.AnyWidget):
    """A YAML editor with completion, hover help and per-line problems from a config schema.

    Args:
        schema: a schema description (``opbook.config.describe(...)``), or None for plain YAML.
        value: the text to start with.
    """

    _esm = bundle_file("yaml_editor.js")
    _css = bundle_file("widgets.css")

    value = traitlets.Unicode("").tag(sync=True)
    schema: Any = traitlets.Dict().tag(sync=True)
    diagnostics: Any = traitlets.List().tag(sync=True)
    placeholder = traitlets.Unicode("run config as YAML").tag(sync=True)
    height = traitlets.Unicode("260px").tag(sync=True)

    def __init__(
        self, schema: Mapping[str, Any] | None = None, value: str = "", **kwargs: Any
    ) -> None:
        tree = schema_tree(schema) if schema else {}
        super().__init__(schema=tree, value=value, **kwargs)

    def __repr__(self) -> str:
        lines = self.value.count("\n") + (1 if self.value and not self.value.endswith("\n") else 0)
        return f"YamlEditorWidget({lines} lines, {len(self.diagnostics)} problems)"

    def show_problems(self, problems: Iterable[tuple[Span, str, str]]) -> None:
        """Underline and list ``(span, message, path)`` problems (replacing those shown)."""
        self.diagnostics = [diagnostic(span, message, path) for span, message, path in problems]

    def static_html(self) -> str:
        """The text as HTML (what a notebook without a kernel shows)."""
        return (
            '<pre class="opbook-yaml" style="border:1px solid #ccc;padding:4px">'
            f"{esc(self.value)}</pre>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return with_fallback(super()._repr_mimebundle_(**kwargs), self.static_html())
