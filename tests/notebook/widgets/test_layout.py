"""Where the graph widget puts each box: dot's layout, or a layered one without dot."""

from __future__ import annotations

import subprocess

import pytest

from opbook import graph, job, op
from opbook.notebook import graphmodel
from opbook.notebook.widgets import layout as layout_module
from opbook.notebook.widgets.layout import layout


@op
def load() -> int:
    return 1


@op
def double(x: int) -> int:
    return 2 * x


@op
def add(a: int, b: int) -> int:
    return a + b


@graph
def inner(x: int) -> int:
    return double(x)


@job
def wired():
    number = load()
    add(inner(number), double.alias("a_much_longer_name_than_the_others")(number))


def _placed(direction: str = "TB") -> dict:
    return layout(graphmodel.from_pipeline(wired), direction)


def _without_dot(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(_spec: object) -> dict:
        raise FileNotFoundError("dot")

    monkeypatch.setattr(layout_module, "_dot", missing)
    layout_module._cached.cache_clear()


def test_each_op_gets_a_box_wide_enough_for_its_name() -> None:
    placed = _placed()
    assert placed["engine"] == "dot"
    boxes = {n["key"]: n for n in placed["nodes"]}
    assert list(boxes) == ["load", "inner.double", "a_much_longer_name_than_the_others", "add"]
    long = boxes["a_much_longer_name_than_the_others"]
    assert long["w"] > boxes["load"]["w"] >= layout_module.MIN_WIDTH
    assert long["w"] >= len(long["name"]) * layout_module.CHAR
    assert all(n["x"] >= 0 and n["x"] + n["w"] <= placed["width"] for n in placed["nodes"])
    assert all(n["y"] >= 0 and n["y"] + n["h"] <= placed["height"] for n in placed["nodes"])


def test_top_to_bottom_puts_each_op_below_its_inputs() -> None:
    boxes = {n["key"]: n for n in _placed()["nodes"]}
    assert boxes["load"]["y"] < boxes["inner.double"]["y"] < boxes["add"]["y"]


def test_left_to_right_puts_each_op_right_of_its_inputs() -> None:
    boxes = {n["key"]: n for n in _placed("LR")["nodes"]}
    assert boxes["load"]["x"] < boxes["inner.double"]["x"] < boxes["add"]["x"]


def test_each_wire_is_an_svg_path_from_output_to_input() -> None:
    edges = _placed()["edges"]
    assert {(e["source"], e["output"], e["target"], e["input"]) for e in edges} == {
        ("load", "result", "inner.double", "x"),
        ("load", "result", "a_much_longer_name_than_the_others", "x"),
        ("inner.double", "result", "add", "a"),
        ("a_much_longer_name_than_the_others", "result", "add", "b"),
    }
    assert all(e["path"].startswith("M") and " C" in e["path"] for e in edges)


def test_a_nested_graph_is_a_cluster_around_its_ops() -> None:
    placed = _placed()
    (cluster,) = placed["clusters"]
    box = next(n for n in placed["nodes"] if n["key"] == "inner.double")
    assert cluster["key"] == "inner" and cluster["label"] == "inner"
    assert cluster["x"] <= box["x"] and box["x"] + box["w"] <= cluster["x"] + cluster["w"]
    assert cluster["y"] <= box["y"] and box["y"] + box["h"] <= cluster["y"] + cluster["h"]


def test_without_dot_each_op_goes_one_row_below_its_deepest_input(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _without_dot(monkeypatch)
    placed = _placed()
    assert placed["engine"] == "layered"
    rows = {n["key"]: n["y"] for n in placed["nodes"]}
    assert rows["load"] < rows["inner.double"] == rows["a_much_longer_name_than_the_others"]
    assert rows["inner.double"] < rows["add"]
    assert len(placed["edges"]) == 4 and all(" L" in e["path"] for e in placed["edges"])
    assert placed["clusters"][0]["key"] == "inner"
    layout_module._cached.cache_clear()


def test_without_dot_boxes_of_one_row_do_not_overlap(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_dot(monkeypatch)
    same_row = sorted(
        (n for n in _placed()["nodes"] if n["key"] != "load" and n["key"] != "add"),
        key=lambda n: n["x"],
    )
    assert same_row[0]["x"] + same_row[0]["w"] < same_row[1]["x"]
    layout_module._cached.cache_clear()


def test_a_failing_dot_falls_back_to_the_layered_layout(monkeypatch: pytest.MonkeyPatch) -> None:
    def fails(_spec: object) -> dict:
        raise subprocess.CalledProcessError(1, ["dot"], stderr="syntax error")

    monkeypatch.setattr(layout_module, "_dot", fails)
    layout_module._cached.cache_clear()
    assert _placed()["engine"] == "layered"
    layout_module._cached.cache_clear()


def test_a_layout_is_made_once_per_graph() -> None:
    assert _placed() is _placed()


def test_an_unknown_direction_is_refused() -> None:
    with pytest.raises(ValueError, match='direction must be "TB" or "LR", not \'up\''):
        _placed("up")


def test_a_collapsed_graph_is_one_box_in_place_of_its_ops() -> None:
    placed = layout(graphmodel.from_pipeline(wired), collapsed=["inner"])
    boxes = {n["key"]: n for n in placed["nodes"]}
    assert "inner.double" not in boxes
    assert boxes["inner"]["collapsed"] is True
    assert boxes["inner"]["members"] == ["inner.double"]
    assert placed["clusters"] == []


def test_wires_into_a_collapsed_graph_end_at_its_box() -> None:
    placed = layout(graphmodel.from_pipeline(wired), collapsed=["inner"])
    wires = {(e["source"], e["target"]) for e in placed["edges"]}
    assert ("load", "inner") in wires and ("inner", "add") in wires


def test_a_collapsed_graph_without_dot_is_one_box_too(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_dot(monkeypatch)
    placed = layout(graphmodel.from_pipeline(wired), collapsed=["inner"])
    assert placed["engine"] == "layered"
    assert [n["key"] for n in placed["nodes"] if n.get("collapsed")] == ["inner"]


def test_only_nested_graphs_collapse() -> None:
    with pytest.raises(ValueError, match=r"cannot collapse load: not a nested graph of job wired"):
        layout(graphmodel.from_pipeline(wired), collapsed=["load"])
