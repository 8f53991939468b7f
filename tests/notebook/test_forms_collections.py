"""Config forms: arrays (add, remove, move) and maps (key/value rows), headless."""

from __future__ import annotations

import html

from opbook import Field, Map
from opbook.notebook.forms import ConfigForm


def _buttons(row: object) -> dict[str, object]:
    """The move up / move down / remove buttons of an array row, by tooltip."""
    return {child.tooltip: child for child in row.children if hasattr(child, "tooltip")}  # type: ignore[attr-defined]


def test_required_array_is_missing_until_given_even_empty() -> None:
    form = ConfigForm({"tags": [str]})
    assert [p.path for p in form.problems] == ["tags"]
    form.scaffold_missing()
    assert form.value == {"tags": []}
    assert form.is_valid


def test_add_item_starts_from_a_placeholder_of_the_element_type() -> None:
    form = ConfigForm({"sizes": [int]})
    array = form.widget_for("sizes")
    array.add_button.click()
    array.add_button.click()
    assert form.value == {"sizes": [0, 0]}
    form.widget_for("sizes[1]").value = "7"
    assert form.value == {"sizes": [0, 7]}
    assert len(array.rows) == 2


def test_items_move_up_and_down_and_are_removed() -> None:
    form = ConfigForm({"names": [str]}, value={"names": ["a", "b", "c"]})
    array = form.widget_for("names")
    _buttons(array.rows[2])["move up"].click()
    assert form.value == {"names": ["a", "c", "b"]}
    _buttons(array.rows[0])["move down"].click()
    assert form.value == {"names": ["c", "a", "b"]}
    old_row = array.rows[1]
    _buttons(old_row)["remove"].click()
    assert form.value == {"names": ["c", "b"]}
    assert form.widget_for("names[1]").value == "b"
    assert old_row.comm is None  # rows are rebuilt; the old ones are closed


def test_problems_in_items_carry_the_index_in_their_path() -> None:
    form = ConfigForm({"sizes": [int]}, value={"sizes": [1, "x", 3]})
    [problem] = form.problems
    assert problem.path == "sizes[1]"
    assert "x" in html.unescape(form.status_for("sizes[1]").value)


def test_array_of_shapes_has_a_group_per_item() -> None:
    form = ConfigForm({"outputs": [{"path": str, "mode": Field(str, default_value="w")}]})
    form.widget_for("outputs").add_button.click()
    assert form.value == {"outputs": [{"path": ""}]}
    form.widget_for("outputs[0].path").value = "out.csv"
    assert form.value_with_defaults == {"outputs": [{"path": "out.csv", "mode": "w"}]}


def test_array_given_a_non_list_is_reported() -> None:
    form = ConfigForm({"tags": [str]}, value={"tags": "a"})
    [problem] = form.problems
    assert problem.path == "tags" and "must be list" in problem.message


def test_map_rows_hold_a_key_and_a_typed_value() -> None:
    form = ConfigForm({"weights": Map(str, float)})
    table = form.widget_for("weights")
    table.new_key.value = "a"
    table.add_button.click()
    assert form.value == {"weights": {"a": 0.0}}
    form.widget_for("weights.a").value = "1.5"
    assert form.value == {"weights": {"a": 1.5}}


def test_map_key_can_be_renamed_and_removed() -> None:
    form = ConfigForm({"weights": Map(str, int)}, value={"weights": {"a": 1, "b": 2}})
    table = form.widget_for("weights")
    key_box, _value, remove, _status = table.rows[0].children
    key_box.value = "z"
    assert form.value == {"weights": {"z": 1, "b": 2}}
    table.rows[1].children[2].click()
    assert form.value == {"weights": {"z": 1}}
    assert remove is not None


def test_map_keys_are_read_as_the_key_type() -> None:
    form = ConfigForm({"by_id": Map(int, str)})
    table = form.widget_for("by_id")
    table.new_key.value = "42"
    table.add_button.click()
    assert form.value == {"by_id": {42: ""}}
    table.new_key.value = "x"
    table.add_button.click()
    [problem] = form.problems
    assert "Invalid key" in problem.message and problem.path == "by_id.x"


def test_map_key_given_twice_is_reported_beside_the_row() -> None:
    form = ConfigForm({"m": Map(str, int)}, value={"m": {"a": 1, "b": 2}})
    table = form.widget_for("m")
    table.rows[1].children[0].value = "a"
    assert any("given twice" in p.message for p in form.problems)
    assert not form.is_valid
