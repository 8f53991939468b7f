"""A graph as readable text: one line per op, upstream first, nested graphs indented.

    job numbers (3 ops), run 1f0c2a9e: failed in 4.1 ms
      load                               succeeded  0.2 ms
      inner (graph inner)
        scale    numbers <- load         succeeded  0.3 ms
      boom       numbers <- inner.scale  failed     1.1 ms

An input fed by an output other than ``result`` shows it in brackets (``x <- split[left]``).
This is what terminals show, and what notebooks show when Graphviz is not installed.
"""

from __future__ import annotations

from opbook.notebook.fmt import format_duration
from opbook.notebook.graphmodel import Box, GraphModel
from opbook.notebook.status import RunView, Subject


def _source(key: str, output: str) -> str:
    if key.startswith("input/"):
        return f"input {output}"
    return key if output == "result" else f"{key}[{output}]"


def _inputs(feeds: dict[tuple[str, str], list[str]], box: Box) -> str:
    parts = []
    for name, _kind in box.inputs:
        sources = feeds.get((box.key, name))
        parts.append(f"{name} <- {', '.join(sources)}" if sources else name)
    return "; ".join(parts)


def _title(subject: Subject) -> str:
    model, run = subject.model, subject.run
    count = len(model.boxes)
    title = f"{model.kind} {model.name} ({count} op{'s' if count != 1 else ''})"
    if run is not None:
        duration = format_duration(run.run_duration_ms)
        run_part = f"run {run.run_id[:8]}: " if run.run_id else ""
        title += f", {run_part}{run.outcome or 'running'}{' in ' + duration if duration else ''}"
    return title


def _status(run: RunView | None, key: str) -> str:
    if run is None:
        return ""
    return f"{run.shade(key):<10} {format_duration(run.duration_ms(key))}".rstrip()


def render(subject: Subject) -> str:
    """``subject``'s graph as text (with each op's status when a run colours it)."""
    model, run = subject.model, subject.run
    feeds: dict[tuple[str, str], list[str]] = {}
    for wire in model.wires:
        feeds.setdefault((wire.target, wire.input), []).append(_source(wire.source, wire.output))
    rows: list[tuple[str, str, str]] = []
    opened: set[str] = set()
    for key in model.order():
        box = model.boxes[key]
        for cluster_key in _clusters_to_open(model, box.cluster, opened):
            cluster = model.clusters[cluster_key]
            label = (
                cluster.name
                if cluster.name == cluster.definition
                else f"{cluster.name} ({cluster.definition})"
            )
            depth = model.cluster_depth(cluster.parent)
            rows.append(("  " * depth + f"{label} (graph {cluster.definition})", "", ""))
            opened.add(cluster_key)
        name = box.name if not box.is_alias else f"{box.name} ({box.definition})"
        indent = "  " * model.cluster_depth(box.cluster)
        rows.append((indent + name, _inputs(feeds, box), _status(run, key)))
    lines = [_title(subject)]
    if model.graph_inputs:
        lines.append("  inputs: " + ", ".join(model.graph_inputs))
    lines += _columns(rows)
    if model.graph_outputs:
        outputs = [
            f"{n} <- {', '.join(feeds.get((f'output/{n}', n), []))}" for n in model.graph_outputs
        ]
        lines.append("  outputs: " + "; ".join(outputs))
    if not model.boxes:
        lines.append("  (no ops)")
    return "\n".join(lines)


def _clusters_to_open(model: GraphModel, cluster: str | None, opened: set[str]) -> list[str]:
    chain: list[str] = []
    while cluster is not None and cluster not in opened:
        chain.append(cluster)
        cluster = model.clusters[cluster].parent
    return list(reversed(chain))


def _columns(rows: list[tuple[str, str, str]]) -> list[str]:
    width_name = max((len(r[0]) for r in rows), default=0)
    width_inputs = max((len(r[1]) for r in rows), default=0)
    lines = []
    for name, inputs, status in rows:
        line = f"  {name:<{width_name}}  {inputs:<{width_inputs}}  {status}"
        lines.append(line.rstrip())
    return lines
