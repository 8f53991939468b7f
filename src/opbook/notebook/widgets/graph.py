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

import logging
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
    # what the open panel shows beyond the layout: {key, events, preview}, made when it opens
    detail = traitlets.Dict().tag(sync=True)
    collapsed: Any = traitlets.List().tag(sync=True)  # keys of nested graphs drawn as one box
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
        # each step's events and log lines, kept as they come (the panel formats them on demand)
        self._by_step: dict[str, list[Any]] = {}
        self._result = target if _has_outputs(target) else None
        for entry in _entries_of(target, events):
            self._keep(entry)
        self._details = _details(subject.model, _definitions(target))
        with self.hold_sync():
            self._lay_out()
            self._send_all()
        self.observe(self._on_collapsed, "collapsed")
        self.observe(self._on_selected, "selected")

    def _lay_out(self) -> None:
        placed = lay_out(self.subject.model, self.direction, self.collapsed)
        nodes = [node | self._details.get(node["key"], {}) for node in placed["nodes"]]
        self.layout = placed | {"nodes": nodes}

    def _on_collapsed(self, change: dict[str, Any]) -> None:
        with self._lock:
            self._lay_out()

    def _on_selected(self, change: dict[str, Any]) -> None:
        with self._lock:
            self.detail = self.detail_of(change["new"]) if change["new"] else {}

    def _keep(self, entry: Any) -> None:
        key = getattr(entry, "step_key", None)
        if key:
            self._by_step.setdefault(key, []).append(entry)

    def detail_of(self, key: str) -> dict[str, Any]:
        """What the panel of step ``key`` shows beyond its definition: its events and log lines
        (``time``, ``level``, ``kind``, ``message``) and a preview of each output it produced
        (when the widget was made from a result: a DataFrame's head as a table, else a
        shortened repr)."""
        with self._lock:
            entries = list(self._by_step.get(key, ()))
        origin = self.subject.run.started if self.subject.run is not None else None
        if origin is None and entries:
            origin = entries[0].timestamp
        events = [_entry_row(entry, origin) for entry in entries[-MAX_EVENTS:]]
        detail: dict[str, Any] = {"key": key, "events": events}
        if len(entries) > MAX_EVENTS:
            detail["dropped"] = len(entries) - MAX_EVENTS
        box = self.subject.model.boxes.get(key)
        if self._result is not None and box is not None:
            previews = {}
            for name, _type in box.outputs:
                found, value = _output_of(self._result, key, name)
                if found:
                    previews[name] = preview(value)
            detail["outputs"] = previews
        return detail

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
        """Fold one of the run's events (or a log line a step wrote) in; True when the
        picture changed.

        Only the step the event is about is sent to the browser; the run's end sends the
        whole state once.
        """
        with self._lock:
            if self.subject.run is None:
                self.subject.run = RunView()
                self._send_all()
            run = self.subject.run
            self._keep(event)
            if not getattr(event, "is_dagster_event", True):  # a log line: no status changes
                if event.step_key and event.step_key == self.selected:
                    self.detail = self.detail_of(event.step_key)
                return False
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
                if key == self.selected:
                    self.detail = self.detail_of(key)
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

MAX_EVENTS = 200  # the panel lists a step's last events and log lines, never thousands
MAX_REPR = 600  # characters of an output's repr
PREVIEW_ROWS = 5
PREVIEW_COLUMNS = 8
MAX_CELL = 40


def _has_outputs(target: Any) -> bool:
    return callable(getattr(target, "output_for_node", None)) or callable(
        getattr(target, "output_values_for_handle", None)
    )


def _entries_of(target: Any, events: Iterable[DagsterEvent] | None) -> list[Any]:
    """A target's events and log lines, by time (a result's own, or the ``events`` given)."""
    if events is not None:
        return list(events)
    found = list(getattr(target, "event_list", None) or ())
    logs = list(getattr(target, "logs", None) or ())
    return sorted(found + logs, key=lambda e: e.timestamp) if logs else found


def _entry_row(entry: Any, origin: float | None) -> dict[str, Any]:
    """One line of the panel's event list."""
    at = None if origin is None else round((entry.timestamp - origin) * 1000, 1)
    if getattr(entry, "is_dagster_event", True):
        kind = entry.event_type_value
        failed = kind in ("STEP_FAILURE", "RUN_FAILURE")
        level = "ERROR" if failed else "WARNING" if kind == "STEP_UP_FOR_RETRY" else "DEBUG"
        return {"ms": at, "level": level, "kind": kind, "message": _short(entry.message or "")}
    level = logging.getLevelName(entry.level)
    return {"ms": at, "level": str(level), "kind": "log", "message": _short(entry.message)}


def _short(text: str, limit: int = MAX_REPR) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _output_of(result: Any, key: str, name: str) -> tuple[bool, Any]:
    """The value a result holds for step ``key``'s output ``name``; (False, None) if none."""
    try:
        if callable(getattr(result, "output_for_node", None)):
            return True, result.output_for_node(key, name)
        return True, result.output_value_for_handle(key, name)
    except Exception:  # not produced (failed, skipped, optional), or not loadable: no preview
        return False, None


def preview(value: Any) -> dict[str, Any]:
    """A small picture of an output's value: a DataFrame's first rows as a table
    (``{"kind": "table", "columns", "rows", "shape"}``), else its repr, shortened
    (``{"kind": "repr", "type", "text"}``)."""
    head = getattr(value, "head", None)
    columns = getattr(value, "columns", None)
    shape = getattr(value, "shape", None)
    if callable(head) and columns is not None and isinstance(shape, tuple):
        try:
            top = head(PREVIEW_ROWS)
            names = [str(c) for c in list(columns)[:PREVIEW_COLUMNS]]
            rows = [
                [_short(str(cell), MAX_CELL) for cell in row]
                for row in top.iloc[:, :PREVIEW_COLUMNS].itertuples(index=False, name=None)
            ]
            return {"kind": "table", "columns": names, "rows": rows, "shape": list(shape)}
        except Exception:  # a frame-like value that is not pandas: its repr below
            pass
    try:
        text = repr(value)
    except Exception as exc:  # a broken __repr__ must not break the panel
        text = f"<repr failed: {type(exc).__name__}: {exc}>"
    return {"kind": "repr", "type": type(value).__name__, "text": _short(text)}


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
