"""Config forms: Noneable, ScalarUnion, the env-readable sources and Any, headless."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from opbook import BoolSource, Field, IntSource, Noneable, ScalarUnion, StringSource
from opbook.notebook.forms import ConfigForm


def test_noneable_toggle_really_keeps_none() -> None:
    form = ConfigForm({"limit": Field(Noneable(int), default_value=10)})
    toggled = form.widget_for("limit")
    assert toggled.toggle.value == "value"
    assert toggled.active.value == "10"
    toggled.toggle.value = "None"
    assert toggled.active is None
    assert form.value == {"limit": None}
    assert form.value_with_defaults == {"limit": None}
    assert form.is_valid


def test_noneable_switched_on_starts_from_a_placeholder() -> None:
    form = ConfigForm({"limit": Noneable(int)})
    toggled = form.widget_for("limit")
    assert toggled.toggle.value == "None"
    assert form.value == {}  # None is the default of a Noneable
    toggled.toggle.value = "value"
    assert form.value == {"limit": 0}
    toggled.active.value = "25"
    assert form.value == {"limit": 25}


def test_noneable_field_is_labelled_on_its_toggle() -> None:
    form = ConfigForm({"limit": Noneable(int)})
    assert "limit" in form.widget_for("limit").toggle.description


def test_scalar_union_toggles_between_scalar_and_structure() -> None:
    form = ConfigForm(
        {"retry": ScalarUnion(int, {"times": int, "delay": Field(float, default_value=1.0)})}
    )
    toggled = form.widget_for("retry")
    assert list(toggled.toggle.options) == ["Int", "structured"]
    toggled.active.value = "3"
    assert form.value == {"retry": 3}
    toggled.toggle.value = "structured"
    form.widget_for("retry.times").value = "5"
    assert form.value == {"retry": {"times": 5}}
    assert form.value_with_defaults == {"retry": {"times": 5, "delay": 1.0}}


def test_scalar_union_set_from_code_picks_the_form() -> None:
    form = ConfigForm({"retry": ScalarUnion(int, {"times": int})}, value={"retry": {"times": 2}})
    assert form.widget_for("retry").toggle.value == "structured"
    form.value = {"retry": 4}
    assert form.widget_for("retry").toggle.value == "Int"
    assert form.value == {"retry": 4}


@pytest.mark.parametrize(
    ("source", "typed", "value"),
    [(StringSource, "abc", "abc"), (IntSource, "8080", 8080)],
)
def test_source_takes_a_value_or_an_environment_variable(
    source: object, typed: str, value: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = ConfigForm({"x": source})
    toggled = form.widget_for("x")
    toggled.active.value = typed
    assert form.value == {"x": value}
    toggled.toggle.value = "env var"
    form.widget_for("x.env").value = "OPBOOK_TEST_FORMS_VAR"
    assert form.value == {"x": {"env": "OPBOOK_TEST_FORMS_VAR"}}
    [problem] = form.problems  # the engine reads the variable, which is not set
    assert problem.reason == "FAILED_POST_PROCESSING" and "OPBOOK_TEST_FORMS_VAR" in problem.message
    monkeypatch.setenv("OPBOOK_TEST_FORMS_VAR", typed)
    form.value = form.value
    assert form.is_valid


def test_bool_source_value_is_a_checkbox() -> None:
    form = ConfigForm({"on": Field(BoolSource, default_value=True)})
    assert isinstance(form.widget_for("on").active, widgets.Checkbox)
    form.widget_for("on").active.value = False
    assert form.value == {"on": False}


def test_secret_source_keeps_the_variable_name_as_written() -> None:
    form = ConfigForm({"token": Field(StringSource, is_secret=True)})
    form.value = {"token": {"env": "API_TOKEN"}}
    assert "API_TOKEN" in form.yaml_text.value
    assert form.widget_for("token.env").value == "API_TOKEN"
    form.value = {"token": "plain-secret"}
    assert "plain-secret" not in form.yaml_text.value
    assert form.widget_for("token").active.value == ""


def test_any_is_a_yaml_box() -> None:
    form = ConfigForm(
        {
            "payload": Field(dict, is_required=False),
            "blob": Field(object_schema(), is_required=False),
        }
    )
    box = form.widget_for("blob")
    assert isinstance(box, widgets.Textarea)
    box.value = "{a: 1, b: [x, y]}"
    assert form.value == {"blob": {"a": 1, "b": ["x", "y"]}}
    form.value = {"blob": [1, 2]}
    assert box.value == "[1, 2]"


def test_any_text_that_is_not_yaml_is_reported_beside_it() -> None:
    form = ConfigForm({"blob": object_schema()})
    form.widget_for("blob").value = "{a: [1"
    [problem] = form.problems
    assert problem.path == "blob" and problem.reason == "INPUT"
    assert problem.message.startswith("Not valid YAML")
    assert form.widget_for("blob").value == "{a: [1"  # kept as typed
    form.widget_for("blob").value = "null"
    assert form.value == {"blob": None}
    assert form.is_valid


def test_any_holding_a_python_object_shows_it_read_only() -> None:
    marker = object()
    form = ConfigForm({"blob": object_schema()}, value={"blob": marker})
    box = form.widget_for("blob")
    assert box.disabled and "object" in box.value
    assert form.value == {"blob": marker}


def object_schema() -> object:
    from opbook.config import Any

    return Any
