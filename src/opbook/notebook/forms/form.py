"""``ConfigForm``: an ipywidgets form for the config of a job, pipeline, graph, op or resource.

The form is generated from the schema's description and checked by the engine's own
validator after every change: each problem is shown beside its field and listed, with its path,
under the form.  A YAML view of the same value can be edited instead of the widgets.

State lives in a tree of nodes (:mod:`.nodes`); this module wires the tree to the heading, the
actions, the Form / YAML tabs and the summary, and answers for the whole value.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import ipywidgets as widgets

from opbook import config as cfg
from opbook.config.errors import format_path
from opbook.config.values import copy_plain
from opbook.notebook.forms.build import build_node
from opbook.notebook.forms.host import Host
from opbook.notebook.forms.nodes import Node
from opbook.notebook.forms.problems import Problem, find, place, summary_html
from opbook.notebook.forms.target import form_target
from opbook.notebook.forms.theme import esc
from opbook.notebook.forms.values import MISSING, FieldInfo
from opbook.notebook.forms.yaml_view import YamlView

Listener = Callable[["ConfigForm"], None]
_SECTION_ALIASES = ("ops", "solids", "graph")


class ConfigForm(widgets.VBox):
    """A form for the config of ``target``, validated by the engine as it is edited.

    Args:
        target: a job, pipeline (per mode), graph, op or solid, resource, or a config schema.
        mode: the pipeline mode whose run config to edit (default: the first).
        op_selection: show only the config of these ops (``*a``, ``a+``, ``a,b``).
        value: the value to start from (default: a job's default config, else the defaults).

    Attributes:
        target: what the form edits (:class:`~opbook.notebook.forms.target.FormTarget`).
        scaffold_button, defaults_button, remove_extra_button: the three actions.
    """

    def __init__(
        self,
        target: Any,
        *,
        mode: str | None = None,
        op_selection: str | Sequence[str] | None = None,
        value: Any = None,
    ) -> None:
        super().__init__(layout=widgets.Layout(width="100%"))
        self.target = form_target(target, mode, op_selection)
        self._host = Host(build_node, self._edited)
        desc, info = _root_description(self.target.schema)
        self._root = build_node(self._host, desc, info, None, None, False)
        self._problems: list[Problem] = []
        self._problem_nodes: list[Node] = []
        self._shown = False
        self._listeners: list[Listener] = []
        self._yaml = YamlView(self._set_from_yaml, self._refresh, desc, self._masks_secret)
        self._summary = widgets.HTML()
        start = value if value is not None else self.target.initial
        self._set(start)
        self.children = [self._heading(), self._actions(), self._tabs(), self._summary]
        self._refresh()

    # -- the value ---------------------------------------------------------------------------

    @property
    def value(self) -> Any:
        """The config: only what differs from the defaults.  Set it to fill the widgets."""
        value = self._root.diff()
        if value is MISSING:
            return {} if self._takes_dict else None
        return value

    @value.setter
    def value(self, value: Any) -> None:
        self._set(value)
        self._refresh()

    @property
    def value_with_defaults(self) -> Any:
        """The config with every default filled in (secret defaults included, unmasked)."""
        value = self.value
        schema = self.target.full_schema
        if isinstance(schema, cfg.Field):
            if value is None:
                return copy_plain(schema.default_value) if schema.default_provided else None
            result = cfg.check_value(
                schema.config_type, value, post_process=False, secret=schema.is_secret
            )
        else:
            result = cfg.check_value(schema, value, post_process=False)
        if result.success:
            return result.value
        whole = self._root.get()
        return whole if whole is not MISSING else value

    @property
    def _takes_dict(self) -> bool:
        return self.target.is_run_config or self._root.kind in ("shape", "permissive")

    def _set(self, value: Any) -> None:
        if value is None:
            self._root.reset()
            return
        value = copy_plain(value)
        if self.target.is_run_config and isinstance(value, dict):
            value = _normalise_run_config(value, self.target.section)
        with self._host.batch():
            self._root.set(value)

    def _masks_secret(self, value: Any) -> bool:
        """Whether ``value`` (parsed from the YAML text) holds a secret in clear."""
        if value is None:
            return False
        value = copy_plain(value)
        if self.target.is_run_config and isinstance(value, dict):
            value = _normalise_run_config(value, self.target.section)
        return bool(cfg.mask_secrets(self.target.full_schema, value) != value)

    def _set_from_yaml(self, value: Any) -> None:
        self.value = {} if value is None and self._takes_dict else value

    # -- problems ----------------------------------------------------------------------------

    @property
    def problems(self) -> list[Problem]:
        """Every problem with the current value, each with its path."""
        return list(self._problems)

    @property
    def is_valid(self) -> bool:
        return not self._problems

    def on_change(self, callback: Listener) -> None:
        """Call ``callback(form)`` after every change (and its validation)."""
        self._listeners.append(callback)

    def _edited(self) -> None:
        self._yaml.error = None  # the widgets win over text that did not parse
        self._refresh()

    def _refresh(self) -> None:
        value = self.value
        local = [
            (node, Problem(format_path(node.path), message, "INPUT", node.path))
            for each in _nodes(self._root)
            for node, message in each.local_problems()
        ]
        quiet = {id(node) for node, _ in local}
        placed: list[tuple[Node | None, Problem]] = [
            (node, problem)
            for node, problem in place(self._root, self.target.check(value))
            if id(node) not in quiet
        ]
        placed += local
        if self._yaml.error is not None:
            # The text is what the user is editing: until it parses, its error is the problem
            # (those of the last value that parsed would be stale).
            placed = [(None, Problem("", self._yaml.error, "YAML"))]
        else:
            self._yaml.show(cfg.mask_secrets(self.target.full_schema, value))
        self._show_problems(placed)
        self._yaml.show_problems(
            (None if p.reason == "YAML" else p.stack, p.message, p.path) for p in self._problems
        )
        self._summary.value = summary_html(self._problems)
        for listener in list(self._listeners):
            listener(self)

    def _show_problems(self, placed: list[tuple[Node | None, Problem]]) -> None:
        # Problems there from the start do not open groups: a big form stays folded.
        before = {problem.path for problem in self._problems} if self._shown else None
        for old in self._problem_nodes:
            old.problems = []
        self._problem_nodes = []
        for node, problem in placed:
            if node is None:
                continue
            shown_at = format_path(node.path)
            text = problem.message if problem.path == shown_at else str(problem)
            node.problems.append(text)
            self._problem_nodes.append(node)
            if before is not None and problem.path not in before:
                _reveal(node)
        self._problems = [problem for _node, problem in placed]
        self._shown = True
        for node in [*_nodes(self._root), *self._problem_nodes]:
            node.refresh_status()

    # -- actions -----------------------------------------------------------------------------

    def scaffold_missing(self) -> None:
        """Give every missing required entry a placeholder of its type."""
        self._act(self._root.scaffold_missing)

    def fill_defaults(self) -> None:
        """Put the default back in every entry that has one and is not given."""
        self._act(self._root.fill_defaults)

    def remove_extra(self) -> None:
        """Drop every entry the schema does not define."""
        self._act(self._root.remove_extra)

    def _act(self, action: Callable[[], None]) -> None:
        with self._host.batch():
            action()
        self._edited()

    def expand_all(self) -> None:
        """Open every group of the form (building the widgets of folded ones)."""
        for node in _nodes(self._root):
            node.open_if_shown()

    # -- finding widgets ---------------------------------------------------------------------

    def widget_for(self, path: str) -> widgets.Widget:
        """The widget of a config path, such as ``"ops.load.config.path"`` or ``"tags[0]"``.

        Raises:
            KeyError: the form has no such path; the message names what is there.
        """
        return find(self._root, path).widget

    def status_for(self, path: str) -> widgets.HTML:
        """The HTML beside a field: its problems, help text and default marker."""
        return find(self._root, path).status

    # -- layout ------------------------------------------------------------------------------

    def _heading(self) -> widgets.HTML:
        return widgets.HTML(f"<b>{esc(self.target.title)}</b>")

    def _actions(self) -> widgets.HBox:
        theme = self._host.theme
        buttons = []
        for text, tip, action in (
            ("Scaffold missing", "add required entries with placeholders", self.scaffold_missing),
            ("Fill defaults", "put defaults back where nothing is given", self.fill_defaults),
            ("Remove extra", "drop entries the schema does not define", self.remove_extra),
        ):
            button = theme.make(widgets.Button, description=text, tooltip=tip, layout="button")
            button.on_click(lambda _button, act=action: act())
            buttons.append(button)
        self.scaffold_button, self.defaults_button, self.remove_extra_button = buttons
        return theme.make(widgets.HBox, buttons, layout="row")

    def _tabs(self) -> widgets.Tab:
        root = self._root
        if root.block:
            body = root.widget  # which shows the root's status (problems of the whole config)
        else:
            cells = [root.cell(), root.status]
            body = self._host.theme.make(widgets.GridBox, cells, layout="grid")
        return widgets.Tab([body, self._yaml.widget], titles=("Form", "YAML"))

    def close(self) -> None:
        """Close the form and every widget in it."""
        self._host.theme.close()
        for widget in (self._yaml.text, self._yaml.message, self._yaml.widget, self._summary):
            widget.close()
        for child in self.children:
            child.close()
        super().close()

    @property
    def yaml_text(self) -> Any:
        """The YAML view's editor, or its text area where the widgets cannot be shown (edit
        its ``value`` to set the config from YAML)."""
        return self._yaml.text


def _root_description(
    schema: cfg.Field | cfg.ConfigType,
) -> tuple[dict[str, Any], FieldInfo | None]:
    if isinstance(schema, cfg.Field):
        data = cfg.describe(cfg.Shape({"config": schema}))["fields"][0]
        return data["type"], FieldInfo.from_description(data)
    return cfg.describe(schema), None


def _normalise_run_config(value: dict[str, Any], section: str) -> dict[str, Any]:
    """Run config as the form shows it: ``solids:``/``graph:`` as the form's node section,
    ``storage:`` as ``intermediate_storage:`` (the engine accepts either)."""
    for alias in _SECTION_ALIASES:
        if alias != section and alias in value and section not in value:
            value = {(section if key == alias else key): item for key, item in value.items()}
    if "storage" in value and "intermediate_storage" not in value:
        value = {
            ("intermediate_storage" if key == "storage" else key): item
            for key, item in value.items()
        }
    return value


def _nodes(root: Node) -> Iterator[Node]:
    """Every node that makes up the value, depth first."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children()))


def _reveal(node: Node) -> None:
    """Open the groups around ``node``, so that its problem can be seen beside it."""
    chain = []
    current: Node | None = node
    while current is not None:
        chain.append(current)
        current = current.parent
    for each in reversed(chain[:-1]):
        each.open_if_shown()
