"""The job graph as an interactive widget: pan, zoom, fit, search, and a panel per op.

``GraphWidget(job)`` lays the graph out once (``layout``) and sends it to the browser, where
``js/src/graph.js`` draws it as SVG.  Clicking an op shows its inputs and outputs with their
types, its config schema, its status, duration, attempts and error.  During a run, each event
is folded in with :meth:`GraphWidget.update`; when a step's shade or details change, only that
step is sent (``patch``: one small dict), and the browser recolours that one box.  When the run
ends the whole state is sent once (``statuses``, ``info``), so a notebook saved with its widget
state holds the final colours.

The widget's output also carries the static picture of its state (Graphviz SVG, as
``text/html``): a notebook opened without a kernel or widget state (nbviewer, GitHub, the
docs) shows the graph instead of an error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import anywidget
import traitlets

from opbook import DagsterEvent, GraphDefinition, PipelineDefinition
from opbook.config import type_to_string
from opbook.notebook import render, textgraph
from opbook.notebook.diagrams import draw_subject
from opbook.notebook.engine_seam import NodeDefinition, flatten_graph
from opbook.notebook.fmt import esc, format_duration
from opbook.notebook.status import BORDER, FILL, STATUS_LABELS, RunView, Subject, subject_of
from opbook.notebook.widgets import bundle_file, with_fallback
from opbook.notebook.widgets.layout import layout as lay_out


def palette() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The shades' colours and legend labels, from the one vocabulary of ``status``."""
    colours = {shade: {"fill": FILL[shade], "border": BORDER[shade]} for shade in FILL}
    labels = {str(shade): label for shade, label in STATUS_LABELS.items()}
    return colours, labels


class GraphWidget(anywidget.AnyWidget):
    """An interactive picture of a job, pipeline, graph, op or result.

    Args:
        target: what to draw (as for ``diagrams.draw``); a result is coloured by its run.
        events: a run's events so far, to colour a definition with.
        direction: ``"TB"`` (top to bottom) or ``"LR"`` (left to right).
        subject: the model and run to show, when the caller has them already (``target`` then
            only supplies the op definitions, for their config and descriptions).
        steps: the steps the run is expected to run, which the summary counts (default: every
            op of the picture).
    """

    _esm = bundle_file("graph.js")
    _css = bundle_file("widgets.css")

    layout = traitlets.Dict().tag(sync=True)
    statuses = traitlets.Dict().tag(sync=True)  # step key -> shade, sent in full at the run's end
    info = traitlets.Dict().tag(sync=True)  # step key -> {duration_ms, attempts, error}
    patch = traitlets.Dict().tag(sync=True)  # {seq, statuses, info}: what one event changed
    title = traitlets.Unicode().tag(sync=True)
    summary = traitlets.Unicode().tag(sync=True)
    selected = traitlets.Unicode().tag(sync=True)  # the op whose panel is open ("" for none)
    colours = traitlets.Dict().tag(sync=True)
    labels = traitlets.Dict().tag(sync=True)

    def __init__(
        self,
        target: Any = None,
        events: Iterable[DagsterEvent] | None = None,
        *,
        direction: str = "TB",
        subject: Subject | None = None,
        steps: Iterable[str] | None = None,
        **kwargs: Any,
    ) -> None:
        if subject is None:
            if target is None:
                raise TypeError("GraphWidget needs a target (a job, graph, op or result)")
            subject = subject_of(target, events)
        colours, labels = palette()
        super().__init__(colours=colours, labels=labels, **kwargs)
        self.subject = subject
        self.direction = direction
        self.steps = list(steps) if steps is not None else list(subject.model.boxes)
        self._lock = threading.RLock()  # events may come from an engine thread
        self._seq = 0
        self._sent: dict[str, tuple[str, dict[str, Any]]] = {}
        # how many of ``steps`` are in each shade, kept up to date event by event (counting
        # them all for each event made a run's display cost grow with the square of its size)
        self._counts: dict[str, int] = {}
        self._step_set = set(self.steps)
        # While True, the output kept for notebooks opened without a kernel is the text picture
        # rather than the Graphviz one: a live run shows itself so at its start, and draws the
        # picture once, at its end (drawing it costs as much as a hundred fast steps).
        self.draft = False
        placed = lay_out(subject.model, direction)
        details = _details(subject.model, _definitions(target))
        nodes = [node | details.get(node["key"], {}) for node in placed["nodes"]]
        with self.hold_sync():
            self.layout = placed | {"nodes": nodes}
            self._send_all()

    @property
    def run(self) -> RunView | None:
        return self.subject.run

    def __repr__(self) -> str:  # the trait-by-trait repr would print the whole layout
        model = self.subject.model
        text = f"GraphWidget({model.kind} {model.name}: {len(model.boxes)} ops)"
        return f"{text} {self.summary}" if self.summary else text

    # -- state ---------------------------------------------------------------------------------

    def _state_of(self, key: str) -> tuple[str, dict[str, Any]]:
        run = self.subject.run
        assert run is not None
        state = run.states.get(key)
        info: dict[str, Any] = {"duration_ms": run.duration_ms(key)}
        if state is not None:
            info["attempts"] = state.attempts
            if state.error:
                info["error"] = state.error
        return run.shade(key), info

    def _send_all(self) -> None:
        run = self.subject.run
        if run is None:
            self.title = _title(self.subject, None)
            return
        keys = list(self.subject.model.boxes) + [
            key for key in run.states.steps if key not in self.subject.model.boxes
        ]
        self._sent = {key: self._state_of(key) for key in keys}
        with self.hold_sync():
            self.statuses = {key: shade for key, (shade, _) in self._sent.items()}
            self.info = {key: info for key, (_, info) in self._sent.items()}
            self.title = _title(self.subject, run)
            self._counts = run.counts(self.steps)
            self.summary = _summary(run, self.steps, self._counts)

    def update(self, event: DagsterEvent) -> bool:
        """Fold one of the run's events in; True when the picture changed.

        Only the step the event is about is sent to the browser; the run's end sends the
        whole state once.
        """
        with self._lock:
            if self.subject.run is None:
                self.subject.run = RunView()
                self._send_all()
            run = self.subject.run
            run.update(event)
            if run.finished:
                self._send_all()
                return True
            key = event.step_key
            if key is None:
                return False
            state = self._state_of(key)
            before = self._sent.get(key)
            if before == state:
                return False
            self._sent[key] = state
            if key in self._step_set:
                self._counts[before[0] if before is not None else "pending"] -= 1
                self._counts[state[0]] += 1
            self._seq += 1
            with self.hold_sync():
                self.patch = {
                    "seq": self._seq,
                    "statuses": {key: state[0]},
                    "info": {key: state[1]},
                }
                self.summary = _summary(run, self.steps, self._counts)
            return True

    def __call__(self, event: DagsterEvent) -> None:
        """The widget as a progress callback: ``execute_in_process(progress=widget.update)``."""
        self.update(event)

    # -- output --------------------------------------------------------------------------------

    def static_html(self) -> str:
        """The picture of the current state as HTML (Graphviz SVG, or text without ``dot``;
        text while ``draft``)."""
        with self._lock:
            subject = Subject(self.subject.model, self.subject.run)
            summary = f'<p class="opbook-summary">{esc(self.summary)}</p>' if self.summary else ""
            if self.draft:  # (the text alone: building the Graphviz source costs too)
                return (
                    summary + render.Rendered(None, textgraph.render(subject), _DRAFT_NOTE).html()
                )
            picture = draw_subject(subject, self.direction)
        return summary + render.render(picture.source, picture.text).html()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return with_fallback(super()._repr_mimebundle_(**kwargs), self.static_html())


_DRAFT_NOTE = "The run is in progress: its picture is drawn when it ends."


def _title(subject: Subject, run: RunView | None) -> str:
    model = subject.model
    count = len(model.boxes)
    title = f"{model.kind} {model.name} ({count} op{'s' if count != 1 else ''})"
    if run is not None and run.run_id:
        title += f", run {run.run_id[:8]}"
    return title


def _summary(run: RunView, keys: list[str], counts: dict[str, int]) -> str:
    """The run's state in words; ``counts``: how many of ``keys`` are in each shade."""
    done = len(keys) - counts["pending"] - counts["running"]
    state = run.outcome or "running"
    parts = [f"{n} {STATUS_LABELS[s]}" for s, n in counts.items() if n and s != "pending"]
    elapsed = format_duration(run.run_duration_ms)
    text = f"{state}: {done} of {len(keys)} steps done"
    text += f" ({', '.join(parts)})" if parts else ""
    return text + (f" in {elapsed}" if elapsed else "")


# -- what the side panel shows ------------------------------------------------------------------


def _definitions(target: Any) -> dict[str, NodeDefinition]:
    """The op definition of each step key of ``target`` (empty when it has none)."""
    for attribute in ("job_def", "pipeline_def"):  # results
        target = getattr(target, attribute, None) or target
    if isinstance(target, PipelineDefinition):
        target = (target.parent_pipeline_def or target).graph
    if isinstance(target, GraphDefinition):
        return {handle: op.definition for handle, op in flatten_graph(target).ops.items()}
    if isinstance(target, NodeDefinition):
        return {target.name: target}
    return {}


def _details(model: Any, definitions: dict[str, NodeDefinition]) -> dict[str, dict[str, Any]]:
    details: dict[str, dict[str, Any]] = {}
    for key, box in model.boxes.items():
        definition = definitions.get(key)
        details[key] = {
            "inputs": [list(pair) for pair in box.inputs],
            "outputs": [list(pair) for pair in box.outputs],
            "description": getattr(definition, "description", None) or None,
            "config": config_text(definition) if definition is not None else None,
        }
    return details


def config_text(definition: NodeDefinition) -> str | None:
    """An op's config schema as lines ``name: Type = default`` with descriptions; None if none."""
    field = definition.config_field
    if field is None:
        return None
    fields = getattr(field.config_type, "fields", None)
    if not fields:
        return type_to_string(field.config_type)
    lines = []
    for name, inner in fields.items():
        line = f"{name}: {type_to_string(inner.config_type)}"
        if inner.default_provided:
            line += " = ***" if inner.is_secret else f" = {inner.default_value!r}"
        elif not inner.is_required:
            line += " (optional)"
        if inner.description:
            line += f"\n    {inner.description}"
        lines.append(line)
    return "\n".join(lines)
