"""Where each box of a graph model goes, as plain data the graph widget draws.

Graphviz's ``dot`` lays the graph out (``-Tjson0``: positions only, no drawing), with boxes
sized to their names so that labels stay readable at any number of ops; nested graphs are
clusters.  Without ``dot`` (or when it fails) a simple layered layout takes its place: each
box on the row after its deepest upstream box, straight wires.  Coordinates are in pixels
with the origin at the top left.  Layouts are cached by graph, so showing a job again, or each
live update of a run, does not lay it out again.
"""

from __future__ import annotations

import functools
import json
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from opbook.notebook.graphmodel import GraphModel

CHAR = 7.4  # width of one character of a 12px bold sans-serif label
MIN_WIDTH = 110.0
HEIGHT = 40.0
PAD = 24.0  # around the box's label
GAP_X = 24.0  # the fallback layout's gaps between boxes and rows
GAP_Y = 48.0
MARGIN = 12.0
POINTS = 72.0  # dot measures in points, node sizes in inches


@dataclass(frozen=True)
class _Spec:
    """What the layout depends on, hashable so that layouts are cached."""

    nodes: tuple[tuple[str, str, str, str | None], ...]  # key, name, definition, cluster
    clusters: tuple[tuple[str, str, str | None], ...]  # key, label, parent
    edges: tuple[tuple[str, str, str, str], ...]  # source, output, target, input
    direction: str


def _width(name: str, definition: str) -> float:
    # the second line shows a status and duration ("succeeded · 1.25 s") or the definition
    return max(MIN_WIDTH, CHAR * max(len(name), len(definition) * 0.85, 18) + PAD)


def spec_of(
    model: GraphModel, direction: str = "TB", collapsed: frozenset[str] = frozenset()
) -> _Spec:
    """What to lay out: ``model``'s boxes, clusters and wires, with each cluster of ``collapsed``
    drawn as one box in place of everything inside it (the outermost one, when nested)."""
    parents = {c.key: c.parent for c in model.clusters.values()}
    shut = {key: _outermost(key, parents, collapsed) for key in model.clusters}

    def standing(key: str, cluster: str | None) -> str:
        # the box a member is drawn as: itself, or the collapsed cluster that holds it
        outer = shut.get(cluster) if cluster is not None else None
        return outer if outer is not None else key

    nodes: list[tuple[str, str, str, str | None]] = []
    for b in model.boxes.values():
        key = standing(b.key, b.cluster)
        if key == b.key:
            nodes.append((b.key, b.name, b.definition, b.cluster))
    clusters = []
    for c in model.clusters.values():
        outer = shut[c.key]
        label = c.name if c.name == c.definition else f"{c.name} ({c.definition})"
        if outer is None:
            clusters.append((c.key, label, c.parent))
        elif outer == c.key:
            nodes.append((c.key, c.name, c.definition, c.parent))
    nodes += [(f"input/{n}", n, "graph input", None) for n in model.graph_inputs]
    nodes += [(f"output/{n}", n, "graph output", None) for n in model.graph_outputs]
    cluster_of = {b.key: b.cluster for b in model.boxes.values()}
    edges: dict[tuple[str, str, str, str], None] = {}
    for w in model.wires:
        source = standing(w.source, cluster_of.get(w.source))
        target = standing(w.target, cluster_of.get(w.target))
        if source != target:
            edges[(source, w.output, target, w.input)] = None
    return _Spec(tuple(nodes), tuple(clusters), tuple(edges), direction)


def _outermost(key: str, parents: dict[str, str | None], collapsed: frozenset[str]) -> str | None:
    """The outermost collapsed cluster holding cluster ``key`` (itself included), or None."""
    found = None
    at: str | None = key
    while at is not None:
        if at in collapsed:
            found = at
        at = parents.get(at)
    return found


def layout(
    model: GraphModel, direction: str = "TB", collapsed: Iterable[str] = ()
) -> dict[str, Any]:
    """The positions of ``model``'s boxes, wires and clusters.

    Args:
        model: the graph.
        direction: ``"TB"`` or ``"LR"``.
        collapsed: keys of clusters (nested graphs) to draw as one box each.

    Returns:
        ``{"width", "height", "engine", "nodes": [{key, name, definition, cluster, x, y, w, h}],
        "edges": [{source, output, target, input, path}], "clusters": [{key, label, x, y, w, h}]}``
        where ``path`` is an SVG path and ``engine`` says which layout made it (``"dot"`` or
        ``"layered"``).  A collapsed cluster's box also has ``"members"``: the keys of the
        steps inside it.
    """
    if direction not in ("TB", "LR"):
        raise ValueError(f'direction must be "TB" or "LR", not {direction!r}')
    shut = frozenset(collapsed)
    unknown = sorted(shut - set(model.clusters))
    if unknown:
        known = ", ".join(sorted(model.clusters)) or "none"
        raise ValueError(
            f"cannot collapse {', '.join(unknown)}: not a nested graph of {model.kind} "
            f"{model.name} (its nested graphs: {known})"
        )
    placed = _cached(spec_of(model, direction, shut))
    if not shut:
        return placed
    parents = {c.key: c.parent for c in model.clusters.values()}
    members: dict[str, list[str]] = {}
    for box in model.boxes.values():
        outer = _outermost(box.cluster, parents, shut) if box.cluster is not None else None
        if outer is not None:
            members.setdefault(outer, []).append(box.key)
    nodes = [
        n | {"collapsed": True, "members": members.get(n["key"], [])} if n["key"] in shut else n
        for n in placed["nodes"]
    ]
    return placed | {"nodes": nodes}


@functools.lru_cache(maxsize=32)
def _cached(spec: _Spec) -> dict[str, Any]:
    try:
        return _dot(spec)
    except (OSError, subprocess.SubprocessError, ValueError, KeyError):
        return _layered(spec)


# -- Graphviz ------------------------------------------------------------------------------------


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dot_source(spec: _Spec) -> str:
    lines = [
        "digraph G {",
        f"graph [rankdir={spec.direction} nodesep=0.35 ranksep=0.5];",
        'node [shape=box fixedsize=true label=""];',
    ]
    members: dict[str | None, list[str]] = {}
    for key, name, definition, cluster in spec.nodes:
        width = _width(name, definition) / POINTS
        members.setdefault(cluster, []).append(
            f"{_quote(key)} [width={width:.3f} height={HEIGHT / POINTS:.3f}];"
        )
    children: dict[str | None, list[tuple[str, str]]] = {}
    for key, label, parent in spec.clusters:
        children.setdefault(parent, []).append((key, label))

    def add(parent: str | None, indent: str) -> None:
        lines.extend(indent + line for line in members.get(parent, []))
        for key, label in children.get(parent, []):
            lines.append(f"{indent}subgraph {_quote('cluster_' + key)} {{")
            lines.append(f"{indent}  label={_quote(label)}; margin=16;")
            add(key, indent + "  ")
            lines.append(indent + "}")

    add(None, "")
    lines += [f"{_quote(s)} -> {_quote(t)} [id=e{i}];" for i, (s, _, t, _) in enumerate(spec.edges)]
    lines.append("}")
    return "\n".join(lines)


def _dot(spec: _Spec) -> dict[str, Any]:
    done = subprocess.run(
        ["dot", "-Tjson0"],
        input=_dot_source(spec),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    graph = json.loads(done.stdout)
    _, _, right, top = (float(v) for v in graph["bb"].split(","))
    height = top + 2 * MARGIN

    def point(text: str) -> tuple[float, float]:
        x, y = text.split(",")[:2]
        return float(x) + MARGIN, top - float(y) + MARGIN

    by_key = {n[0]: n for n in spec.nodes}
    labels = {c[0]: c[1] for c in spec.clusters}
    nodes, clusters = [], []
    for obj in graph.get("objects", []):
        name = obj["name"]
        if name in by_key:
            key, label, definition, cluster = by_key[name]
            w, h = float(obj["width"]) * POINTS, float(obj["height"]) * POINTS
            cx, cy = point(obj["pos"])
            nodes.append(_node(key, label, definition, cluster, cx - w / 2, cy - h / 2, w, h))
        elif name.startswith("cluster_") and "bb" in obj:
            x0, y0, x1, y1 = (float(v) for v in obj["bb"].split(","))
            key = name[len("cluster_") :]
            clusters.append(
                _box(key, labels.get(key, key), x0 + MARGIN, top - y1 + MARGIN, x1 - x0, y1 - y0)
            )
    order = {key: i for i, (key, *_) in enumerate(spec.nodes)}
    nodes.sort(key=lambda n: order[n["key"]])
    edges = []
    for edge in graph.get("edges", []):
        source, output, target, input_ = spec.edges[int(str(edge["id"])[1:])]
        edges.append(_edge(source, output, target, input_, _spline(edge["pos"], point)))
    edges.sort(key=lambda e: (e["source"], e["target"], e["input"]))
    return _result("dot", right + 2 * MARGIN, height, nodes, edges, clusters)


def _spline(pos: str, point: Any) -> str:
    """An SVG path from a dot edge's ``pos``: ``e,x,y`` (arrow tip) then the B-spline points."""
    tip = None
    coords = []
    for part in pos.split():
        if part.startswith("e,"):
            tip = point(part[2:])
        elif not part.startswith("s,"):
            coords.append(point(part))
    path = f"M{coords[0][0]:.1f},{coords[0][1]:.1f}"
    for i in range(1, len(coords) - 2, 3):
        (ax, ay), (bx, by), (cx, cy) = coords[i : i + 3]
        path += f" C{ax:.1f},{ay:.1f} {bx:.1f},{by:.1f} {cx:.1f},{cy:.1f}"
    if tip is not None:
        path += f" L{tip[0]:.1f},{tip[1]:.1f}"
    return path


# -- without Graphviz ----------------------------------------------------------------------------


def _layered(spec: _Spec) -> dict[str, Any]:
    """Each box one row below its deepest upstream box; rows centred; straight wires."""
    keys = [n[0] for n in spec.nodes]
    upstream: dict[str, set[str]] = {key: set() for key in keys}
    for source, _, target, _ in spec.edges:
        if source in upstream and target in upstream and source != target:
            upstream[target].add(source)
    depth = _depths(keys, upstream)
    rows: dict[int, list[tuple[str, str, str, str | None]]] = {}
    for node in spec.nodes:
        rows.setdefault(depth[node[0]], []).append(node)
    lr = spec.direction == "LR"
    widest = max((_width(n[1], n[2]) for n in spec.nodes), default=MIN_WIDTH)

    # a row's extent across the flow, and the step from one row to the next along it
    def extent(row: list[tuple[str, str, str, str | None]]) -> float:
        sizes = [HEIGHT if lr else _width(n[1], n[2]) for n in row]
        return sum(sizes) + GAP_X * (len(row) - 1)

    widths = {r: extent(row) for r, row in rows.items()}
    across = max(widths.values(), default=0.0)
    step = widest + GAP_Y if lr else HEIGHT + GAP_Y
    nodes, where = [], {}
    for r in sorted(rows):
        offset = MARGIN + (across - widths[r]) / 2
        for key, name, definition, cluster in rows[r]:
            w = _width(name, definition)
            along = MARGIN + r * step
            x, y = (along, offset) if lr else (offset, along)
            nodes.append(_node(key, name, definition, cluster, x, y, w, HEIGHT))
            where[key] = nodes[-1]
            offset += (HEIGHT if lr else w) + GAP_X
    edges = []
    for source, output, target, input_ in spec.edges:
        if source in where and target in where:
            a, b = where[source], where[target]
            if lr:
                start = (a["x"] + a["w"], a["y"] + a["h"] / 2)
                end = (b["x"], b["y"] + b["h"] / 2)
            else:
                start = (a["x"] + a["w"] / 2, a["y"] + a["h"])
                end = (b["x"] + b["w"] / 2, b["y"])
            path = f"M{start[0]:.1f},{start[1]:.1f} L{end[0]:.1f},{end[1]:.1f}"
            edges.append(_edge(source, output, target, input_, path))
    clusters = _cluster_boxes(spec, where)
    width = max((n["x"] + n["w"] for n in nodes), default=0.0) + MARGIN
    height = max((n["y"] + n["h"] for n in nodes), default=0.0) + MARGIN
    return _result("layered", width, height, nodes, edges, clusters)


def _depths(keys: list[str], upstream: dict[str, set[str]]) -> dict[str, int]:
    """Each key's row: one more than its deepest upstream key's (Kahn's order, no recursion)."""
    downstream: dict[str, list[str]] = {key: [] for key in keys}
    waiting = {key: len(ups) for key, ups in upstream.items()}
    for key, ups in upstream.items():
        for up in ups:
            downstream[up].append(key)
    depth = dict.fromkeys(keys, 0)
    ready = [key for key in keys if waiting[key] == 0]
    while ready:
        key = ready.pop()
        for after in downstream[key]:
            depth[after] = max(depth[after], depth[key] + 1)
            waiting[after] -= 1
            if waiting[after] == 0:
                ready.append(after)
    return depth  # boxes on a cycle (never in a checked graph) stay on the first row


def _cluster_boxes(spec: _Spec, where: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    parents = {key: parent for key, _, parent in spec.clusters}
    boxes = []
    for key, label, _ in spec.clusters:
        inside = [
            node
            for node_key, _, _, cluster in spec.nodes
            if _within(cluster, key, parents) and (node := where.get(node_key)) is not None
        ]
        if inside:
            x0 = min(n["x"] for n in inside) - 10
            y0 = min(n["y"] for n in inside) - 20
            x1 = max(n["x"] + n["w"] for n in inside) + 10
            y1 = max(n["y"] + n["h"] for n in inside) + 10
            boxes.append(_box(key, label, x0, y0, x1 - x0, y1 - y0))
    return boxes


def _within(cluster: str | None, key: str, parents: dict[str, str | None]) -> bool:
    while cluster is not None:
        if cluster == key:
            return True
        cluster = parents.get(cluster)
    return False


# -- records -------------------------------------------------------------------------------------


def _node(
    key: str,
    name: str,
    definition: str,
    cluster: str | None,
    x: float,
    y: float,
    w: float,
    h: float,
) -> dict[str, Any]:
    return {"key": key, "name": name, "definition": definition, "cluster": cluster} | _xywh(
        x, y, w, h
    )


def _box(key: str, label: str, x: float, y: float, w: float, h: float) -> dict[str, Any]:
    return {"key": key, "label": label} | _xywh(x, y, w, h)


def _xywh(x: float, y: float, w: float, h: float) -> dict[str, float]:
    return {"x": round(x, 1), "y": round(y, 1), "w": round(w, 1), "h": round(h, 1)}


def _edge(source: str, output: str, target: str, input_: str, path: str) -> dict[str, Any]:
    return {"source": source, "output": output, "target": target, "input": input_, "path": path}


def _result(
    engine: str,
    width: float,
    height: float,
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    clusters: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "engine": engine,
        "width": round(width, 1),
        "height": round(height, 1),
        "nodes": nodes,
        "edges": edges,
        "clusters": clusters,
    }
