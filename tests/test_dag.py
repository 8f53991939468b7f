"""The pure graph algorithms under the planner and the selection grammar."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from opbook.dag import find_cycle, format_cycle, invert, reachable, toposort


def test_toposort_keeps_the_given_order_among_ready_nodes() -> None:
    assert toposort({"c": [], "a": [], "b": ["c"]}) == ["c", "a", "b"]
    assert toposort({"b": ["a"], "a": []}) == ["a", "b"]


def test_toposort_of_a_cycle_is_none() -> None:
    assert toposort({"a": ["b"], "b": ["a"], "c": []}) is None


def test_find_cycle_reports_the_path_in_data_flow_order() -> None:
    cycle = find_cycle({"a": ["c"], "b": ["a"], "c": ["b"], "d": []})
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    assert len(cycle) == 4
    # each node feeds the next one
    upstream = {"a": ["c"], "b": ["a"], "c": ["b"]}
    for feeder, fed in itertools.pairwise(cycle):
        assert feeder in upstream[fed]
    assert find_cycle({"a": [], "b": ["a"]}) is None
    assert format_cycle(["a", "b", "a"]) == "a -> b -> a"


def test_invert_and_reachable() -> None:
    upstream = {"a": [], "b": ["a"], "c": ["b"], "d": ["a", "a"]}
    downstream = invert(upstream)
    assert downstream == {"a": ["b", "d"], "b": ["c"], "c": [], "d": []}
    assert reachable(["a"], downstream, None) == {"b", "c", "d"}
    assert reachable(["a"], downstream, 1) == {"b", "d"}
    assert reachable(["c"], upstream, 0) == set()


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(st.integers(0, 9), st.lists(st.integers(0, 9), max_size=3), min_size=1))
def test_toposort_or_cycle_on_random_graphs(raw: dict[int, list[int]]) -> None:
    upstream = {node: [d for d in deps if d in raw] for node, deps in raw.items()}
    order = toposort(upstream)
    cycle = find_cycle(upstream)
    assert (order is None) == (cycle is not None)
    if order is not None:
        position = {node: i for i, node in enumerate(order)}
        assert sorted(order) == sorted(upstream)
        for node, deps in upstream.items():
            assert all(position[d] < position[node] for d in deps)
