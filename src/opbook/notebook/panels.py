"""Run panels: a launchpad for a job or pipeline, and a bench for running one op by hand.

``RunPanel(job)`` gathers what a run needs in one widget: the mode and a preset (which fills
the form), an op selection, the :class:`~opbook.notebook.forms.ConfigForm`, the executor, and
the Run and Re-execute-from-failure buttons, which stay disabled, saying why, while the config
has problems.  During a run it shows the job's graph coloured by step status and a progress
bar (the notebook's live-progress view, drawn into the panel); afterwards the events and
per-step tables of ``result.to_dataframe()`` and the error and traceback of each failed step.

``SolidPanel(op)`` shows one input widget per input and the op's config form, and its Run
button calls ``execute_solid``: for trying an op on hand-picked values while debugging.

Both run through the public API (``execute_pipeline``, ``reexecute_pipeline``,
``execute_solid``); ``panel.run()`` does what the button does and returns the result.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets

from opbook import (
    DagsterError,
    DagsterEvent,
    DagsterInstance,
    DagsterInvariantViolationError,
    GraphDefinition,
    ModeDefinition,
    PipelineDefinition,
    PipelineExecutionResult,
    SolidExecutionResult,
    execute_pipeline,
    execute_solid,
    reexecute_pipeline,
)
from opbook.errors import ParameterCheckError
from opbook.notebook import debugging, session
from opbook.notebook.diagrams import draw
from opbook.notebook.engine_seam import NodeDefinition
from opbook.notebook.fmt import esc
from opbook.notebook.forms.form import ConfigForm
from opbook.notebook.forms.inputs import InputField, Namespace, user_namespace
from opbook.notebook.forms.target import as_pipeline, select_pipeline
from opbook.notebook.forms.theme import ERROR_COLOUR, Theme
from opbook.notebook.forms.values import MISSING
from opbook.notebook.progress import LiveRun
from opbook.notebook.redefine import Rebuilder, newer_ops, with_newer_ops
from opbook.notebook.render import render
from opbook.notebook.runs import RunResult, as_job_result, memoized_run, steps_to_retry
from opbook.notebook.tables import frame_html
from opbook.notebook.tracebacks import event_error, headline, user_traceback
from opbook.notebook.widgets import interactive

_NO_PRESET = "(none)"


class _InPanel:
    """Stands in for a display handle when the panel holds ``LiveRun``'s interactive graph."""

    def update(self, view: Any) -> None:
        pass


class _IntoWidget:
    """Stands in for a display handle: ``LiveRun`` draws each update into an HTML widget."""

    def __init__(self, target: widgets.HTML) -> None:
        self.target = target

    def update(self, view: Any) -> None:
        self.target.value = view._repr_html_()


def graph_html(pipeline: PipelineDefinition) -> str:
    """The job's graph before any run (the live graph takes its place when a run starts)."""
    picture = draw(pipeline)
    return render(picture.source, picture.to_text()).html()


def failures_html(events: Sequence[DagsterEvent]) -> str:
    """The error of every failed step (the exception the op raised), each with its traceback
    folded, from the op's own frame."""
    parts = []
    for event in events:
        if not event.is_step_failure:
            continue
        error = event_error(event)
        message = headline(error) if error is not None else event.message or "failed"
        trace = user_traceback(error) if error is not None else ""
        parts.append(
            f'<div style="color:{ERROR_COLOUR}"><b>{esc(event.step_key)}</b> failed: '
            f"{esc(message)}</div>"
            f"<details><summary>traceback</summary><pre>{esc(trace)}</pre></details>"
        )
    return "".join(parts)


LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]


def result_html(result: Any, level: str = "DEBUG") -> str:
    """What a finished run shows: failures, then the per-step and the events tables; the
    events table holds the lines the steps logged too, from ``level`` up."""
    # the run id is in the heading, so not in every row
    steps = frame_html(result.to_dataframe(per="step").drop(columns=["run_id"], errors="ignore"))
    frame = result.to_dataframe().drop(columns=["run_id"], errors="ignore")
    if level != "DEBUG":
        frame = frame[frame["level"] >= level]
    events = frame_html(frame)
    outcome = "succeeded" if result.success else "failed"
    colour = "#2e7d32" if result.success else ERROR_COLOUR
    run_id = getattr(result, "run_id", "") or ""
    head = f'<div style="color:{colour}"><b>Run {esc(run_id[:8])} {outcome}</b></div>'
    return (
        f"{head}{failures_html(result.event_list)}"
        f'<div class="opbook-steps"><b>Steps</b>{steps}</div>'
        f'<div class="opbook-events"><b>Events</b>{events}</div>'
    )


def error_html(exc: BaseException) -> str:
    return f'<pre style="color:{ERROR_COLOUR}; white-space:pre-wrap">{esc(exc)}</pre>'


def disabled_reason(form: ConfigForm) -> str:
    """Why a run cannot start yet (empty when it can)."""
    problems = form.problems
    if not problems:
        return ""
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return (
        f'<span style="color:{ERROR_COLOUR}">Fix the config first ({count}; the first: '
        f"<code>{esc(problems[0].path or '(root)')}</code>: {esc(problems[0].message)})</span>"
    )


class RunPanel(widgets.VBox):
    """Run a job or pipeline from a notebook, as from a launchpad.

    Args:
        target: a job or pipeline (a graph runs as a job without resources).
        instance: where runs are recorded (the session's default instance if None).
        mode: the mode to start with (default: the first).
        op_selection: the ops to run (``*a``, ``a+``, ``a,b``; default: all).
        run_config: the config to start from (default: the job's default config).

    Attributes:
        form: the panel's :class:`ConfigForm` (replaced when the mode or selection changes).
        last_result: the result of the last run (None before the first).
        mode_picker, preset_picker, selection, executor_picker, run_button, memoized
        (the checkbox for a memoized run: only the ops changed since the last memoized run
        and what depends on them run), reexecute_button, reason, notice, progress, level_picker, results: the panel's
        widgets (``level_picker`` chooses the lowest level of the rows in the events table:
        events are DEBUG, failures ERROR, and the lines steps log have their own level).
    """

    def __init__(
        self,
        target: Any,
        *,
        instance: DagsterInstance | None = None,
        mode: str | None = None,
        op_selection: str | Sequence[str] | None = None,
        run_config: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(layout=widgets.Layout(width="100%"))
        pipeline = as_pipeline(target)
        if pipeline is None:
            raise ParameterCheckError(
                f"RunPanel runs a job or pipeline; got {target!r}. For one op use SolidPanel."
            )
        self.pipeline = pipeline
        self.instance = instance
        self.last_result: RunResult | None = None
        self._tags: dict[str, Any] = {}
        self._quiet = False
        self._selection_error = ""
        theme = Theme()
        query = op_selection if isinstance(op_selection, str) else ",".join(op_selection or [])
        self._make_controls(theme, mode or pipeline.available_modes[0], query)
        self.form = self._new_form(dict(run_config) if run_config is not None else None)
        self._form_box = widgets.VBox([self.form])
        self._layout_panel(theme)
        self._form_changed(self.form)

    # -- building ----------------------------------------------------------------------------

    def _make_controls(self, theme: Theme, mode: str, selection: str) -> None:
        pipeline = self.pipeline
        self.mode_picker = theme.make(
            widgets.Dropdown,
            options=pipeline.available_modes,
            value=mode,
            description="mode",
            disabled=pipeline.is_single_mode,
        )
        presets = [_NO_PRESET] + [p.name for p in pipeline.preset_defs]
        self.preset_picker = theme.make(
            widgets.Dropdown,
            options=presets,
            value=_NO_PRESET,
            description="preset",
            disabled=len(presets) == 1,
        )
        self.selection = theme.make(
            widgets.Text,
            value=selection,
            placeholder="all ops; or e.g. load+, *report",
            description="op selection",
            continuous_update=False,
        )
        self.selection_message = theme.make(widgets.HTML, layout="status")
        self.executor_picker = theme.make(widgets.Dropdown, description="executor")
        self.run_button = theme.make(
            widgets.Button, description="Run", icon="play", button_style="success", layout="button"
        )
        self.memoized = theme.make(
            widgets.Checkbox,
            value=False,
            description="memoized",
            tooltip="run only the ops changed since the last memoized run, and what depends "
            "on them; reuse the stored outputs of the others",
            indent=False,
            layout="button",
        )
        self.reexecute_button = theme.make(
            widgets.Button,
            description="Re-execute from failure",
            icon="redo",
            disabled=True,
            layout="button",
        )
        self.reason = theme.make(widgets.HTML, layout="status")
        self.notice = widgets.HTML()
        self.level_picker = theme.make(
            widgets.Dropdown, options=LEVELS, value="DEBUG", description="events from"
        )
        self.level_picker.observe(self._level_picked, "value")
        self.progress = widgets.HTML(graph_html(pipeline))
        self.results = widgets.HTML()
        self.mode_picker.observe(self._mode_picked, "value")
        self.preset_picker.observe(self._preset_picked, "value")
        self.selection.observe(self._selection_typed, "value")
        self.executor_picker.observe(self._executor_picked, "value")
        self.run_button.on_click(lambda _b: self._clicked(self.run))
        self.reexecute_button.on_click(lambda _b: self._clicked(self.reexecute_from_failure))

    def _layout_panel(self, theme: Theme) -> None:
        kind = self.pipeline.target_type
        title = widgets.HTML(f"<h4 style='margin:4px 0'>Run {kind} {esc(self.pipeline.name)}</h4>")
        row = theme.layouts["row"]
        self.children = [
            title,
            widgets.HBox([self.mode_picker, self.preset_picker], layout=row),
            widgets.HBox([self.selection, self.selection_message], layout=row),
            self._form_box,
            widgets.HBox(
                [self.executor_picker, self.run_button, self.memoized, self.reexecute_button],
                layout=row,
            ),
            self.reason,
            self.notice,
            self.progress,
            self.level_picker,
            self.results,
        ]

    def _new_form(self, value: Any) -> ConfigForm:
        form = ConfigForm(
            self.pipeline,
            mode=self.mode_picker.value,
            op_selection=self._selection_query(),
            value=value,
        )
        form.on_change(self._form_changed)
        self._show_executors(form)
        return form

    def _replace_form(self, value: Any) -> None:
        old, self.form = self.form, self._new_form(value)
        self._form_box.children = [self.form]
        old.close()
        self._form_changed(self.form)

    # -- reacting to the controls ------------------------------------------------------------

    @property
    def mode(self) -> str:
        return str(self.mode_picker.value)

    @property
    def mode_definition(self) -> ModeDefinition:
        return self.pipeline.get_mode_definition(self.mode)

    def _selection_query(self) -> list[str] | None:
        text = self.selection.value.strip()
        return [text] if text else None

    def _mode_picked(self, _change: dict[str, Any]) -> None:
        if not self._quiet:
            self._replace_form(self.form.value)

    def _selection_typed(self, _change: dict[str, Any]) -> None:
        if self._quiet:
            return
        try:
            select_pipeline(self.pipeline, self._selection_query())
        except DagsterError as exc:
            self._selection_error = str(exc)
            self.selection_message.value = error_html(exc)
            self._update_buttons()
            return
        self._selection_error = ""
        self.selection_message.value = ""
        self._replace_form(self.form.value)

    def _preset_picked(self, change: dict[str, Any]) -> None:
        if self._quiet or change["new"] == _NO_PRESET:
            self._tags = {}
            return
        self.use_preset(change["new"])

    def use_preset(self, name: str) -> None:
        """Take the mode, op selection, tags and run config of preset ``name``."""
        preset = self.pipeline.get_preset(name)
        self._quiet = True
        try:
            self.preset_picker.value = name
            self.mode_picker.value = preset.mode
            self.selection.value = ",".join(preset.solid_selection or [])
        finally:
            self._quiet = False
        self._tags = dict(preset.tags)
        self.selection_message.value = ""
        self._replace_form(dict(preset.run_config or {}))

    def _show_executors(self, form: ConfigForm) -> None:
        names = [e.name for e in self.mode_definition.executor_defs]
        self._quiet = True
        try:
            self.executor_picker.options = names
            self.executor_picker.value = self._executor_in(form) or names[0]
            self.executor_picker.disabled = len(names) == 1
        finally:
            self._quiet = False

    def _executor_in(self, form: ConfigForm) -> str | None:
        """The executor the form's ``execution`` entry chooses."""
        execution = form.value_with_defaults.get("execution") if form.target.is_run_config else None
        if not isinstance(execution, dict) or len(execution) != 1:
            return None
        (name,) = execution
        executors = self.mode_definition.executor_defs
        if name == "config":
            inner = execution["config"]
            if len(executors) == 1 or not isinstance(inner, dict) or len(inner) != 1:
                return executors[0].name
            (name,) = inner
        return name if any(e.name == name for e in executors) else None

    def _executor_picked(self, change: dict[str, Any]) -> None:
        if self._quiet or change["new"] is None or change["new"] == self._executor_in(self.form):
            return
        value = dict(self.form.value)
        value["execution"] = {change["new"]: {}}
        self.form.value = value

    def _form_changed(self, form: ConfigForm) -> None:
        if form is not self.form:
            return
        chosen = self._executor_in(form)
        if chosen is not None and chosen != self.executor_picker.value:
            self._quiet = True
            try:
                self.executor_picker.value = chosen
            finally:
                self._quiet = False
        self._update_buttons()

    def _update_buttons(self) -> None:
        reason = disabled_reason(self.form)
        if self._selection_error:
            reason = f'<span style="color:{ERROR_COLOUR}">Fix the op selection first.</span>'
        self.reason.value = reason
        self.run_button.disabled = bool(reason)
        failed = self.last_result is not None and not self.last_result.success
        self.reexecute_button.disabled = bool(reason) or not failed

    # -- running -----------------------------------------------------------------------------

    def _clicked(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except DagsterError as exc:
            self.results.value = error_html(exc)

    def _live(self, steps: Sequence[str] | None = None) -> LiveRun:
        target = self.form.target.pipeline or self.pipeline
        live = LiveRun(target, steps, live=True, min_interval=0.1, widget=interactive())
        if live.widget is not None:  # the interactive graph takes the picture's place
            shown = getattr(self, "_graph", self.progress)
            self.children = [live.widget if c is shown else c for c in self.children]
            self._graph = live.widget
            live.handle = _InPanel()
        else:
            live.handle = _IntoWidget(self.progress)  # draw into the panel, not a new display
        return live

    def _busy(self, busy: bool) -> None:
        if busy:
            self.run_button.disabled = self.reexecute_button.disabled = True
            self.results.value = ""
        else:
            self._update_buttons()

    def use_current_definitions(self) -> list[str]:
        """Take the ops the notebook redefined (``%%op``, or a cell run again) since the panel
        was made: the job is rebuilt with them, the form keeps what was typed, and the panel
        says which ops changed.  Returns their names (empty when nothing changed).

        Raises:
            DagsterError: a redefined op no longer fits the job (the engine's message).
        """
        pipeline, changed = with_newer_ops(self.pipeline, user_namespace())
        if not changed:
            return []
        self.pipeline = pipeline
        self._replace_form(self.form.value)
        names = ", ".join(changed)
        self.notice.value = (
            f"<i>Uses the new definition of {esc(names)} (redefined since this panel was "
            "made); the config is kept.</i>"
        )
        return changed

    def run(self) -> RunResult:
        """Run with the form's config, selection, mode and executor; return the result.

        Ops redefined in the notebook since the panel was made are used (see
        :meth:`use_current_definitions`).

        Raises:
            DagsterInvalidConfigError: the config has problems (nothing runs).
        """
        self.use_current_definitions()
        config = self.form.value
        pipeline, tags = self.pipeline, self._tags
        if self.memoized.value:
            pipeline, tags = memoized_run(pipeline, tags)
        self._busy(True)
        try:
            result = execute_pipeline(
                pipeline,
                config,
                mode=self.mode,
                tags=tags,
                solid_selection=self._selection_query(),
                instance=self.instance,
                raise_on_error=False,
                progress=self._live(),
            )
        finally:
            self._busy(False)
        return self._finished(result, config)

    def reexecute_from_failure(self) -> RunResult:
        """Run again the steps of the last run that failed or did not run, loading the other
        steps' outputs from it; return the new result.

        Raises:
            DagsterInvariantViolationError: there is no failed last run to re-execute.
        """
        parent = self.last_result
        if parent is None or parent.success:
            raise DagsterInvariantViolationError(
                f"Nothing to re-execute from failure: the last run of {self.pipeline.name} "
                + ("succeeded." if parent is not None else "has not happened yet.")
            )
        self.use_current_definitions()
        instance = self.instance if self.instance is not None else DagsterInstance.get()
        steps = steps_to_retry(self.pipeline, parent.run_id, instance)
        config = self.form.value
        self._busy(True)
        try:
            result = reexecute_pipeline(
                self.pipeline,
                parent.run_id,
                run_config=config,
                step_selection=steps,
                mode=self.mode,
                tags=self._tags,
                instance=instance,
                raise_on_error=False,
                progress=self._live(steps),
            )
        finally:
            self._busy(False)
        return self._finished(result, config)

    def _finished(self, run: PipelineExecutionResult, config: Any) -> RunResult:
        result = self.last_result = as_job_result(run)
        session.current().remember_run(result.run_id, dict(config))
        session.current().remember_result(result)
        self.results.value = result_html(result, self.level_picker.value)
        self._update_buttons()
        return result

    def _level_picked(self, change: dict[str, Any]) -> None:
        if self.last_result is not None:
            self.results.value = result_html(self.last_result, change["new"])


class SolidPanel(widgets.VBox):
    """Run one op (or solid) on hand-picked inputs with ``execute_solid``, for debugging.

    Args:
        op_or_solid: the op, solid or graph to run.
        mode_def: the mode giving its resources.
        resources: resources by key (values or ``ResourceDefinition``s); an alternative to
            ``mode_def``.
        namespace: where input expressions are evaluated (default: the notebook's namespace).
        from_run: the id (or id prefix) of a run of this notebook session: the inputs are
            filled with the values the op's step received in that run, the config form with
            the op's config in it, and (without ``mode_def`` or ``resources``) the run's
            resources and their config are used.

    Raises:
        DagsterInvariantViolationError: ``from_run`` is not a run of this session, or the op
            did not run in it.

    Attributes:
        inputs: each input's name mapped to its widget.
        form: the op's :class:`ConfigForm` (None when the op takes no config).
        last_result: the result of the last run.
        run_button, results: the panel's button and output.
    """

    def __init__(
        self,
        op_or_solid: NodeDefinition,
        *,
        mode_def: ModeDefinition | None = None,
        resources: Mapping[str, Any] | None = None,
        namespace: Namespace | Mapping[str, Any] | None = None,
        from_run: str | None = None,
    ) -> None:
        super().__init__(layout=widgets.Layout(width="100%"))
        if not isinstance(op_or_solid, NodeDefinition):
            raise ParameterCheckError(
                f"SolidPanel runs one op or solid; got {op_or_solid!r}. For a job use RunPanel."
            )
        if mode_def is None and resources:
            mode_def = ModeDefinition(resource_defs=dict(resources))
        self.definition = op_or_solid
        self.mode_def = mode_def
        self._resources_config: dict[str, Any] = {}
        self.last_result: SolidExecutionResult | None = None
        self._theme = theme = Theme()
        self._namespace = _namespace(namespace)
        self.run_button = theme.make(
            widgets.Button, description="Run", icon="play", button_style="success", layout="button"
        )
        self.run_button.on_click(lambda _b: self._clicked())
        self.reason = theme.make(widgets.HTML, layout="status")
        self.notice = widgets.HTML()
        self.results = widgets.HTML()
        self._build(op_or_solid, None)
        if from_run is not None:
            self._fill_from_run(from_run)

    def _fill_from_run(self, run_id: str) -> None:
        """Fill the inputs and config with what the op's step got in run ``run_id``."""
        try:
            result = debugging.session_result(run_id)
        except DagsterInvariantViolationError as exc:
            raise DagsterInvariantViolationError(
                f"SolidPanel(from_run={run_id!r}): {exc}"
            ) from None
        steps = debugging.steps_of(result, self.definition)
        if not steps:
            raise DagsterInvariantViolationError(
                f"SolidPanel(from_run=...): {self.definition.node_kind} "
                f"{self.definition.name!r} did not run in run {result.run_id}"
            )
        call = debugging.step_call(result, steps[0])
        if self.mode_def is None:
            self.mode_def, self._resources_config = call.mode_def, call.resources_config
        if self.form is not None and call.config is not None:
            self._build(self.definition, call.config)
        source = f"run {result.run_id[:8]}"
        for field in self._fields:
            if field.name in call.inputs:
                field.fill(call.inputs[field.name], source)
        self.notice.value = (
            f"<i>Inputs and config from step {esc(call.step_key)} of {esc(source)}.</i>"
        )

    def _build(self, definition: NodeDefinition, config: Any) -> None:
        """The input widgets and config form of ``definition``; ``config`` fills the form."""
        old_fields = {f.name: f for f in getattr(self, "_fields", [])}
        self.definition = definition
        self._fields = [
            old_fields.get(d.name) or InputField(d, self._theme, self._namespace)
            for d in definition.input_defs
            if not d.dagster_type.is_nothing
        ]
        self.inputs: dict[str, widgets.Widget] = {f.name: f.widget for f in self._fields}
        self.form = (
            ConfigForm(definition, value=config) if definition.config_field is not None else None
        )
        if self.form is not None:
            self.form.on_change(lambda form: self._update_button())
        self.children = self._parts(self._theme)
        self._update_button()

    def use_current_definition(self) -> bool:
        """Take the op the notebook redefined since the panel was made, keeping the inputs
        and config typed; True when it changed (the panel says so)."""
        newer = newer_ops(_as_graph(self.definition), user_namespace())
        if not newer:
            return False
        definition = self.definition
        if isinstance(definition, GraphDefinition):
            for op in newer:
                definition = Rebuilder(op).graph(definition)
        else:
            (definition,) = newer
        config = self.form.value if self.form is not None else None
        self._build(definition, config)
        self.notice.value = (
            f"<i>Uses the new definition of {esc(self.definition.name)} (redefined since this "
            "panel was made); the inputs and config are kept.</i>"
        )
        return True

    def _parts(self, theme: Theme) -> list[widgets.Widget]:
        name = esc(self.definition.name)
        kind = esc(self.definition.node_kind)
        parts: list[widgets.Widget] = [
            widgets.HTML(f"<h4 style='margin:4px 0'>Run {kind} {name}</h4>")
        ]
        if self._fields:
            cells = [cell for f in self._fields for cell in (f.widget, f.help)]
            parts += [
                widgets.HTML("<b>Inputs</b>"),
                theme.make(widgets.GridBox, cells, layout="grid"),
            ]
        if self.form is not None:
            parts.append(self.form)
        parts += [widgets.HBox([self.run_button, self.reason]), self.notice, self.results]
        return parts

    def _update_button(self) -> None:
        reason = disabled_reason(self.form) if self.form is not None else ""
        self.reason.value = reason
        self.run_button.disabled = bool(reason)

    def input_values(self) -> dict[str, Any]:
        """The inputs given in the widgets (expressions evaluated now)."""
        values = {f.name: f.value() for f in self._fields}
        return {name: value for name, value in values.items() if value is not MISSING}

    def run(self) -> SolidExecutionResult:
        """Run the op with ``execute_solid`` on the inputs and config given; return its result.

        Raises:
            DagsterInvariantViolationError: an input expression does not evaluate.
            DagsterInvalidConfigError: the config has problems, or a required input has no
                value.
        """
        self.use_current_definition()
        run_config: dict[str, Any] | None = None
        if self.form is not None:
            config = self.form.value
            if config is not None:
                run_config = {"solids": {self.definition.name: {"config": config}}}
        if self._resources_config:
            run_config = {**(run_config or {}), "resources": self._resources_config}
        result = execute_solid(
            self.definition,
            mode_def=self.mode_def,
            input_values=self.input_values(),
            run_config=run_config,
            raise_on_error=False,
        )
        self.last_result = result
        self.results.value = solid_result_html(result)
        return result

    def _clicked(self) -> None:
        try:
            self.run()
        except DagsterError as exc:
            self.results.value = error_html(exc)


def solid_result_html(result: Any) -> str:
    """One op's run: its outputs (or failure), then its events."""
    if result.success:
        outputs = result.output_values or {}
        rows = "".join(
            f"<tr><td><code>{esc(name)}</code></td><td><pre>{esc(_shown(value))}</pre></td></tr>"
            for name, value in outputs.items()
        )
        head = '<div style="color:#2e7d32"><b>Succeeded</b></div>'
        body = f'<table class="opbook-outputs">{rows}</table>' if rows else "<i>no outputs</i>"
    else:
        head = f'<div style="color:{ERROR_COLOUR}"><b>Failed</b></div>'
        body = failures_html(result.step_events)
    events = frame_html(result.to_dataframe())
    return f'{head}{body}<div class="opbook-events"><b>Events</b>{events}</div>'


def _shown(value: Any, limit: int = 2000) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _as_graph(definition: NodeDefinition) -> GraphDefinition:
    """A one-node graph of ``definition`` (to ask which ops replace it)."""
    if isinstance(definition, GraphDefinition):
        return definition
    return GraphDefinition("panel", node_defs=[definition])


def _namespace(namespace: Namespace | Mapping[str, Any] | None) -> Namespace:
    if namespace is None:
        return user_namespace
    if callable(namespace):
        return namespace
    fixed = namespace
    return lambda: fixed


def show_form(target: Any, **options: Any) -> ConfigForm:
    """``%opbook form TARGET``: the config form of a job, pipeline, graph, op or resource."""
    return ConfigForm(target, **options)


def show_panel(target: Any, **options: Any) -> RunPanel | SolidPanel:
    """``%opbook panel TARGET``: a RunPanel for a job, pipeline or graph, a SolidPanel for an
    op or solid."""
    if as_pipeline(target) is None and isinstance(target, NodeDefinition):
        return SolidPanel(target, **options)
    return RunPanel(target, **options)
