"""Job graphs drawn with Graphviz: ``draw(target)`` gives a ``graphviz.Digraph``.

Each op is a box listing its inputs (top row), its name (with the definition's name under an
alias) and its outputs (bottom row); each wire runs from an output cell to an input cell and is
labelled with the input's name.  Nested graphs are clusters.  When a run colours the picture,
boxes take the colour of their status and show their duration, and a legend says what the
colours mean.

The returned ``JobGraph`` is a ``graphviz.Digraph`` that also knows its text rendering: shown
in a notebook without Graphviz's ``dot`` program, it falls back to that text and a one-line
hint on installing Graphviz, never a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import graphviz

from opbook import DagsterEvent
from opbook.notebook import render, textgraph
from opbook.notebook.engine_seam import StepStatus
from opbook.notebook.fmt import esc, format_duration
from opbook.notebook.graphmodel import Box, Cluster, GraphModel
from opbook.notebook.status import (
    BORDER,
    FILL,
    STATUS_LABELS,
    STATUSES,
    RunView,
    Subject,
    subject_of,
)

FONT = "Helvetica"


class JobGraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` of a job that can also show itself as text."""

    text: str = ""

    def _repr_mimebundle_(
        self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any
    ) -> dict[str, str]:
        return render.mimebundle(self.source, self.text)

    def to_text(self) -> str:
        """The graph as text (what a terminal, or a notebook without Graphviz, shows)."""
        return self.text or str(self.source)


def draw(
    target: Any, events: Iterable[DagsterEvent] | None = None, direction: str = "TB"
) -> JobGraph:
    """The graph of a job, pipeline, graph, op, execution plan or result, as a Digraph.

    Args:
        target: what to draw; a result is coloured by the status of its steps.
        events: a run's events (complete or so far) to colour a definition with.
        direction: ``"TB"`` (top to bottom) or ``"LR"`` (left to right).

    Returns:
        JobGraph: a ``graphviz.Digraph`` (``.source``, ``.pipe()``, ``.render()`` all work).
    """
    return draw_subject(subject_of(target, events), direction)


def draw_subject(subject: Subject, direction: str = "TB") -> JobGraph:
    model, run = subject.model, subject.run
    graph = JobGraph(
        name=model.name,
        graph_attr={
            "rankdir": direction,
            "label": _title(model, run),
            "labelloc": "t",
            "fontname": FONT,
            "fontsize": "12",
            "nodesep": "0.3",
            "ranksep": "0.45",
        },
        node_attr={"shape": "plain", "fontname": FONT, "fontsize": "10"},
        edge_attr={"fontname": FONT, "fontsize": "9", "color": "#5f6b7a", "arrowsize": "0.7"},
    )
    _add_members(graph, model, run, None)
    for name in model.graph_inputs:
        graph.node(f"input/{name}", name, shape="ellipse", style="dashed", color="#5f6b7a")
    for name in model.graph_outputs:
        graph.node(f"output/{name}", name, shape="ellipse", style="dashed", color="#5f6b7a")
    out_side, in_side = ("s", "n") if direction == "TB" else ("e", "w")
    for wire in model.wires:
        graph.edge(
            _port(wire.source, "o", wire.output, out_side),
            _port(wire.target, "i", wire.input, in_side),
            wire.input,
        )
    if run is not None:
        graph.node("legend", _legend(), shape="plain")
    graph.text = textgraph.render(subject)
    return graph


def _port(key: str, side: str, name: str, compass: str) -> str:
    # Box keys and the names of inputs and outputs never hold ':', so "key:port" is unambiguous.
    if key.startswith(("input/", "output/")):
        return key
    return f"{key}:{side}_{name}:{compass}"


def _add_members(
    graph: graphviz.Digraph, model: GraphModel, run: RunView | None, parent: str | None
) -> None:
    for box in model.boxes.values():
        if box.cluster == parent:
            graph.node(box.key, _box_label(box, run))
    for cluster in model.clusters.values():
        if cluster.parent == parent:
            graph.subgraph(_cluster(model, cluster, run))


def _cluster(model: GraphModel, cluster: Cluster, run: RunView | None) -> graphviz.Digraph:
    label = (
        cluster.name
        if cluster.name == cluster.definition
        else f"{cluster.name} ({cluster.definition})"
    )
    sub = graphviz.Digraph(
        name=f"cluster_{cluster.key}",
        graph_attr={
            "label": label,
            "style": "rounded,dashed",
            "color": "#5f6b7a",
            "fontname": FONT,
            "fontsize": "10",
            "labeljust": "l",
        },
    )
    _add_members(sub, model, run, cluster.key)
    return sub


def _cells(items: list[tuple[str, str]], side: str) -> str:
    cells = "".join(
        f'<TD PORT="{side}_{esc(name)}" TOOLTIP="{esc(name)}: {esc(kind)}">{esc(name)}</TD>'
        for name, kind in items
    )
    return f'<TR><TD BORDER="0"><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2"><TR>{cells}</TR></TABLE></TD></TR>'


def _box_label(box: Box, run: RunView | None) -> str:
    shade = run.shade(box.key) if run is not None else "definition"
    title = f"<B>{esc(box.name)}</B>"
    if box.is_alias:
        title += f'<BR/><FONT POINT-SIZE="8">{esc(box.definition)}</FONT>'
    if run is not None:
        detail = shade
        duration = format_duration(run.duration_ms(box.key))
        if duration:
            detail += f" · {duration}"
        title += f'<BR/><FONT POINT-SIZE="8">{esc(detail)}</FONT>'
    rows = _cells(box.inputs, "i") if box.inputs else ""
    rows += f'<TR><TD CELLPADDING="4">{title}</TD></TR>'
    rows += _cells(box.outputs, "o") if box.outputs else ""
    style = ' STYLE="DASHED"' if shade == StepStatus.SKIPPED else ' STYLE="ROUNDED"'
    return (
        f'<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="0" BGCOLOR="{FILL[shade]}" '
        f'COLOR="{BORDER[shade]}"{style}>{rows}</TABLE>>'
    )


def _legend() -> str:
    cells = "".join(
        f'<TD BGCOLOR="{FILL[s]}" BORDER="1" COLOR="{BORDER[s]}">{esc(STATUS_LABELS[s])}</TD>'
        for s in STATUSES
    )
    return f'<<TABLE BORDER="0" CELLSPACING="2" CELLPADDING="3"><TR>{cells}</TR></TABLE>>'


def _title(model: GraphModel, run: RunView | None) -> str:
    count = len(model.boxes)
    title = f"{model.kind} {model.name} ({count} op{'s' if count != 1 else ''})"
    if run is None:
        return title
    state = run.outcome or "running"
    duration = format_duration(run.run_duration_ms)
    run_part = f"run {run.run_id[:8]}: " if run.run_id else ""
    return f"{title}, {run_part}{state}{' in ' + duration if duration else ''}"
