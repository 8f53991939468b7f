"""Config forms: shapes, permissive shapes and selectors, headless."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pytest

from opbook import Field, Permissive, Selector, Shape
from opbook.notebook.forms import ConfigForm


def _labels(group: widgets.VBox) -> list[str]:
    """The field names of a group, in the order shown: sub-groups by title, fields in grids by
    label (status cells skipped)."""
    names = []
    for part in group.children:
        cells = part.children if isinstance(part, widgets.GridBox) else [part]
        for cell in cells:
            if isinstance(cell, widgets.Accordion):
                names.append(cell.titles[0].rstrip(" *"))
            elif not isinstance(cell, widgets.HTML):
                names.append(cell.description.split(">")[1].split("<")[0])
    return names


def _status(form: ConfigForm, path: str) -> str:
    return html.unescape(form.status_for(path).value)


def test_fields_keep_the_schema_order() -> None:
    schema = {"zeta": int, "sub": {"x": int}, "alpha": str, "mid": Field(bool, default_value=True)}
    form = ConfigForm(schema)
    assert _labels(form.widget_for("")) == ["zeta", "sub", "alpha", "mid"]


def test_nested_shape_is_a_titled_collapsible_group() -> None:
    form = ConfigForm({"db": {"host": str, "port": Field(int, default_value=5432)}})
    grid = form.widget_for("")
    group = grid.children[1]  # after the root's status
    assert isinstance(group, widgets.Accordion)
    assert group.titles == ("db *",)
    assert group.selected_index == 0  # required: open
    form.widget_for("db.host").value = "localhost"
    assert form.value == {"db": {"host": "localhost"}}
    assert form.value_with_defaults == {"db": {"host": "localhost", "port": 5432}}


def test_optional_group_starts_folded_and_is_built_when_opened() -> None:
    form = ConfigForm({"tuning": {"depth": Field(int, default_value=3)}, "n": int})
    group = form.widget_for("").children[1]
    assert group.selected_index is None
    group.selected_index = 0
    depth = form.widget_for("tuning.depth")
    status, grid = group.children[0].children  # the group's own status, then its fields
    assert grid.children[0] is depth
    assert status is form.status_for("tuning")
    assert depth.value == "3"


def test_an_optional_group_left_alone_is_not_in_the_value() -> None:
    schema = {"extra": Field({"a": int, "b": str}, is_required=False), "n": int}
    form = ConfigForm(schema, value={"n": 1})
    assert form.value == {"n": 1}
    assert form.is_valid
    form.widget_for("extra.a").value = "2"
    assert form.value == {"n": 1, "extra": {"a": 2}}
    assert [p.path for p in form.problems] == ["extra.b"]


def test_missing_fields_are_shown_one_by_one_at_each_field() -> None:
    form = ConfigForm({"a": int, "b": str, "c": Field(int, default_value=1)})
    assert [(p.path, p.reason) for p in form.problems] == [
        ("a", "MISSING_REQUIRED_FIELDS"),
        ("b", "MISSING_REQUIRED_FIELDS"),
    ]
    assert 'Missing required config entry "a"' in _status(form, "a")
    assert 'Missing required config entry "b"' in _status(form, "b")


def test_unexpected_entries_are_kept_shown_and_removed_by_remove_extra() -> None:
    form = ConfigForm({"a": int})
    form.value = {"a": 1, "typo": 2}
    assert form.value == {"a": 1, "typo": 2}
    [problem] = form.problems
    assert problem.path == "typo" and problem.reason == "FIELD_NOT_DEFINED"
    assert "unexpected config entry" in _status(form, "typo")
    form.remove_extra_button.click()
    assert form.value == {"a": 1}
    assert form.is_valid


def test_permissive_shape_takes_free_entries() -> None:
    form = ConfigForm({"env": Permissive({"home": Field(str, default_value="/root")})})
    form.value = {"env": {"PATH": "/bin"}}
    assert form.value == {"env": {"PATH": "/bin"}}
    assert form.is_valid
    form.remove_extra()  # free entries of a permissive shape are not extra
    assert form.value == {"env": {"PATH": "/bin"}}


def test_permissive_entries_can_be_added_and_removed_with_widgets() -> None:
    form = ConfigForm({"tags": Permissive()})
    form.expand_all()
    group = form.widget_for("tags")
    new_key, add = group.children[-1].children[-2:]
    new_key.value = "team"
    add.click()
    form.widget_for("tags.team").value = "data"
    assert form.value == {"tags": {"team": "data"}}
    remove = group.children[-1].children[0].children[1]
    remove.click()
    assert form.value == {}


def test_shape_given_a_non_dict_keeps_it_and_reports_it() -> None:
    form = ConfigForm({"db": {"host": str}})
    form.value = {"db": [1, 2]}
    assert form.value == {"db": [1, 2]}
    [problem] = form.problems
    assert problem.path == "db" and "must be dict" in problem.message
    assert "given: <code>[1, 2]</code>" in _status(form, "db")
    form.widget_for("db.host").value = "h"
    assert form.value == {"db": {"host": "h"}}


def test_a_shape_wrapping_one_group_is_shown_as_one_group() -> None:
    form = ConfigForm({"load": {"config": {"path": str}}})
    group = form.widget_for("").children[1]
    assert group.titles == ("load \u203a config *",)
    form.widget_for("load.config.path").value = "x"
    assert form.value == {"load": {"config": {"path": "x"}}}


def test_selector_chooses_one_branch_with_its_sub_form() -> None:
    storage = Selector(
        {"memory": {}, "disk": {"base_dir": str, "sync": Field(bool, default_value=False)}}
    )
    form = ConfigForm({"storage": storage})
    selector = form.widget_for("storage")
    assert selector.choice.value is None
    assert [p.path for p in form.problems] == ["storage"]
    selector.choice.value = "disk"
    assert selector.children[-1] is form.widget_for("storage.disk")
    assert [p.path for p in form.problems] == ["storage.disk.base_dir"]
    form.widget_for("storage.disk.base_dir").value = "/tmp/x"
    assert form.value == {"storage": {"disk": {"base_dir": "/tmp/x"}}}
    selector.choice.value = "memory"
    assert form.value == {"storage": {"memory": {}}}
    selector.choice.value = "disk"  # what was typed is kept
    assert form.value == {"storage": {"disk": {"base_dir": "/tmp/x"}}}


def test_selector_with_a_default_branch_is_left_out_of_the_value() -> None:
    choice = Selector({"fast": {"level": Field(int, default_value=1)}, "slow": {}})
    form = ConfigForm({"speed": Field(choice, default_value={"fast": {}})})
    assert form.widget_for("speed").choice.value == "fast"
    assert form.value == {}
    form.widget_for("speed.fast.level").value = "2"
    assert form.value == {"speed": {"fast": {"level": 2}}}


def test_selector_given_two_branches_keeps_the_first_after_remove_extra() -> None:
    form = ConfigForm({"s": Selector({"a": int, "b": int})})
    form.value = {"s": {"a": 1, "b": 2}}
    assert form.problems[0].reason == "SELECTOR_FIELD_ERROR"
    form.remove_extra()
    assert form.value == {"s": {"a": 1}}
    assert form.is_valid


def test_selector_branch_given_as_none_selects_it_with_defaults() -> None:
    choice = Selector({"disk": {"sync": Field(bool, default_value=True)}, "memory": {}})
    form = ConfigForm({"s": choice})
    form.value = {"s": {"disk": None}}
    assert form.value == {"s": {"disk": {}}}
    assert form.value_with_defaults == {"s": {"disk": {"sync": True}}}


@pytest.mark.parametrize("path", ["nope", "db.nope", "db[0]"])
def test_widget_for_an_unknown_path_names_what_is_there(path: str) -> None:
    form = ConfigForm(Shape({"db": {"host": str}}))
    with pytest.raises(KeyError, match="there is \\["):
        form.widget_for(path)
