"""The YAML view of a form's value, editable: the form and the text stay in sync both ways.

The text shows the form's value (what differs from the defaults) with secrets masked; an
``{env: NAME}`` stays as written.  Where the notebook's widgets can be shown (anywidget and the
built front-end, see :mod:`opbook.notebook.widgets`), the text is a
:class:`~opbook.notebook.widgets.yaml_editor.YamlEditorWidget`: completion and hover help from
the schema, and each problem underlined on its line (:mod:`.yaml_lines` finds the line of a
config path); elsewhere it is a plain text area.  Text typed in the editor stays as typed while
it parses (the form is not reformatting it under the cursor), unless it holds a secret in clear:
then the text is rewritten with the secret masked, as the text area always is.  Edited text that parses is set as the form's value (a masked
secret left as ``***`` keeps the secret it stands for); text that does not parse is kept as
typed and its error is shown under it until it is fixed or the form is edited.  The error says
where (line and column) and why, on lines of its own, and never quotes the text: a secret typed
in it must not show up in an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import ipywidgets as widgets
import yaml

from opbook.config.yaml_text import load_yaml
from opbook.notebook.fmt import esc
from opbook.notebook.forms.theme import ERROR_COLOUR
from opbook.notebook.forms.yaml_lines import Span, locate_all, parse_error_span


class _Dumper(yaml.SafeDumper):
    """Safe YAML that writes an object YAML cannot hold (passed through ``Any``) as its repr."""


def _represent_any(dumper: yaml.SafeDumper, data: Any) -> yaml.Node:
    return dumper.represent_str(repr(data))


_Dumper.add_representer(None, _represent_any)  # type: ignore[arg-type]  # None: any other type


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def parse_error(exc: yaml.YAMLError) -> str:
    """Why and where YAML text does not parse, without quoting any of the text."""
    lines = ["The YAML does not parse:"]
    if not isinstance(exc, yaml.MarkedYAMLError):
        return "\n".join([*lines, str(exc)])  # opbook's own reasons, which quote nothing
    problem = getattr(exc, "problem", None)
    mark = getattr(exc, "problem_mark", None)
    if problem:
        lines.append(f"{_where(mark)}: {problem}" if mark is not None else str(problem))
    else:
        lines.append(type(exc).__name__)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context:
        lines.append(f"{context} at {_where(context_mark)}" if context_mark else str(context))
    return "\n".join(lines)


def dump(value: Any) -> str:
    """``value`` as block YAML, keys in the order given; empty text for an empty config."""
    if value is None or value == {}:
        return ""
    return yaml.dump(value, Dumper=_Dumper, default_flow_style=False, sort_keys=False, width=10**6)


def dump_inline(value: Any) -> str:
    """``value`` as short YAML (collections inside flow style, no end-of-document marker)."""
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=None, sort_keys=False, width=10**6)
    return text.removesuffix("\n...\n").rstrip("\n")


def is_plain(value: Any) -> bool:
    """Whether ``value`` is made only of what YAML holds (so its text can be edited back)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, list):
        return all(is_plain(item) for item in value)
    if isinstance(value, dict):
        return all(is_plain(k) and is_plain(v) for k, v in value.items())
    return False


def editor_available() -> bool:
    """Whether the YAML view can be the schema-aware editor (else it is a text area)."""
    from opbook.notebook import widgets as notebook_widgets

    return notebook_widgets.available()


class YamlView:
    """The config as YAML text, and the parse error of edited text, if any.

    Args:
        on_value: called with the parsed value when the user's text parses.
        on_error: called when it does not (``error`` holds the message).
        schema: the schema description, for the editor's completion and hover help.
        masks: whether masking secrets changes a parsed value (a secret typed in clear).
        editor: use the schema-aware editor (default: where the widgets can be shown).

    Attributes:
        text: the editor (:class:`~opbook.notebook.widgets.yaml_editor.YamlEditorWidget`) or
            text area; either way its ``value`` is the text.
    """

    def __init__(
        self,
        on_value: Callable[[Any], None],
        on_error: Callable[[], None],
        schema: dict[str, Any] | None = None,
        masks: Callable[[Any], bool] | None = None,
        editor: bool | None = None,
    ) -> None:
        self._on_value = on_value
        self._on_error = on_error
        self._masks = masks
        self.error: str | None = None
        self._error_span: Span | None = None
        self._quiet = False
        self._typing = False
        self.editor = editor_available() if editor is None else editor
        self.text: Any
        if self.editor:
            from opbook.notebook.widgets.yaml_editor import YamlEditorWidget

            self.text = YamlEditorWidget(schema, layout=widgets.Layout(width="100%"))
        else:
            self.text = widgets.Textarea(
                placeholder="run config as YAML",
                continuous_update=False,
                layout=widgets.Layout(width="100%", height="260px"),
            )
        self.text.observe(self._typed, "value")
        self.message = widgets.HTML()
        self.widget = widgets.VBox([self.text, self.message])

    def show(self, value: Any) -> None:
        """Show ``value`` (already masked), replacing any text that did not parse.

        In the editor, text the user is typing is kept as typed (it parsed to this value).
        """
        self.error = None
        self._error_span = None
        self.message.value = ""
        if self._typing:
            return
        self._quiet = True
        try:
            self.text.value = dump(value)
        finally:
            self._quiet = False

    def show_problems(self, problems: Iterable[tuple[Sequence[Any] | None, str, str]]) -> None:
        """Underline ``(stack, message, path)`` problems on their lines (in the editor): a
        stack of None is the text's parse error."""
        if not self.editor:
            return
        problems = list(problems)
        spans = iter(locate_all(self.text.value, [s for s, _, _ in problems if s is not None]))
        unparsed = self._error_span or Span(1, 1, 1, 2)
        self.text.show_problems(
            (unparsed if stack is None else next(spans), message, path)
            for stack, message, path in problems
        )

    def _typed(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        try:
            value = load_yaml(change["new"])
        except yaml.YAMLError as exc:
            self.error = parse_error(exc)
            self._error_span = parse_error_span(exc)
            if not self.editor:  # the editor lists it under the text itself
                self.message.value = (
                    f'<div style="color:{ERROR_COLOUR}; white-space:pre-line">'
                    f"&#10006; {esc(self.error)}</div>"
                )
            self._on_error()
            return
        self.error = None
        self._error_span = None
        self.message.value = ""
        # A secret typed in clear is masked at once (the text is rewritten); else the editor
        # keeps the text as the user wrote it.
        self._typing = self.editor and not (self._masks is not None and self._masks(value))
        try:
            self._on_value(value)
        finally:
            self._typing = False
