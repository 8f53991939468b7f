"""Pure graph algorithms over ``{node: [upstream nodes]}`` maps.

Nothing here knows about ops or steps: the planner and the selection grammar pass in plain
dictionaries of names.  Orders are deterministic: ties keep the order in which nodes were given.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def toposort(upstream: Mapping[N, Sequence[N]]) -> list[N] | None:
    """Kahn's algorithm.  Returns the nodes in dependency order, or None if there is a cycle.

    Among nodes that are ready at the same time, the one given first comes first.
    """
    waiting = {node: len(set(deps)) for node, deps in upstream.items()}
    downstream: dict[N, list[N]] = {node: [] for node in upstream}
    for node, deps in upstream.items():
        for dep in set(deps):
            downstream[dep].append(node)
    position = {node: i for i, node in enumerate(upstream)}
    ready = [node for node, count in waiting.items() if count == 0]
    order: list[N] = []
    while ready:
        # `ready` stays small for chains; sorting by position keeps the given order stable.
        ready.sort(key=position.__getitem__, reverse=True)
        node = ready.pop()
        order.append(node)
        for child in downstream[node]:
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return order if len(order) == len(upstream) else None


def find_cycle(upstream: Mapping[N, Sequence[N]]) -> list[N] | None:
    """One cycle as a path whose first and last node are the same (``[a, b, a]``), or None."""
    state: dict[N, int] = {}  # 1 = on the current path, 2 = finished
    for root in upstream:
        if root in state:
            continue
        path: list[N] = [root]
        iterators = [iter(upstream[root])]
        state[root] = 1
        while iterators:
            nxt = next(iterators[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iterators.pop()
            elif state.get(nxt) == 1:
                start = path.index(nxt)
                # The path follows upstream edges; report it in the direction data flows.
                cycle = [*path[start:], nxt]
                cycle.reverse()
                return cycle
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                iterators.append(iter(upstream.get(nxt, ())))
    return None


def format_cycle(cycle: Sequence[object]) -> str:
    return " -> ".join(str(node) for node in cycle)


def invert(upstream: Mapping[N, Sequence[N]]) -> dict[N, list[N]]:
    """``{node: [downstream nodes]}`` from ``{node: [upstream nodes]}``."""
    downstream: dict[N, list[N]] = {node: [] for node in upstream}
    for node, deps in upstream.items():
        for dep in deps:
            if node not in downstream[dep]:
                downstream[dep].append(node)
    return downstream


def reachable(start: Iterable[N], edges: Mapping[N, Sequence[N]], depth: int | None) -> set[N]:
    """Nodes reachable from ``start`` along ``edges`` within ``depth`` steps (None: unlimited),
    not counting the start nodes themselves unless they are reached again."""
    found: set[N] = set()
    frontier = list(start)
    level = 0
    while frontier and (depth is None or level < depth):
        level += 1
        next_frontier = []
        for node in frontier:
            for nxt in edges.get(node, ()):
                if nxt not in found:
                    found.add(nxt)
                    next_frontier.append(nxt)
        frontier = next_frontier
    return found
