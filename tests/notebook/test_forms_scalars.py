"""Config forms: scalar fields (numbers, strings, booleans, enums, secrets), headless."""

from __future__ import annotations

import ipywidgets as widgets

from opbook import Enum, Field
from opbook.config import Secret
from opbook.notebook.forms import ConfigForm


def test_int_field_is_a_text_box_read_as_an_int() -> None:
    form = ConfigForm({"n": int})
    box = form.widget_for("n")
    assert isinstance(box, widgets.Text)
    box.value = "12"
    assert form.value == {"n": 12}
    assert form.is_valid


def test_a_wrong_number_is_reported_beside_its_field_by_the_validator() -> None:
    form = ConfigForm({"n": int, "name": str})
    form.widget_for("name").value = "x"
    form.widget_for("n").value = "twelve"
    assert not form.is_valid
    [problem] = form.problems
    assert problem.path == "n"
    assert problem.reason == "RUNTIME_TYPE_MISMATCH"
    assert 'Value "twelve"' in problem.message and "Int" in problem.message
    assert "twelve" in form.status_for("n").value
    assert form.status_for("name").value == ""


def test_float_field_reads_whole_numbers_as_floats() -> None:
    form = ConfigForm({"rate": float})
    form.widget_for("rate").value = "3"
    assert form.value == {"rate": 3.0}
    assert isinstance(form.value["rate"], float)
    form.widget_for("rate").value = "0.25"
    assert form.value == {"rate": 0.25}


def test_emptied_number_box_means_not_given() -> None:
    form = ConfigForm({"n": int})
    form.widget_for("n").value = "1"
    form.widget_for("n").value = ""
    assert form.value == {}
    assert [p.path for p in form.problems] == ["n"]
    assert form.problems[0].reason == "MISSING_REQUIRED_FIELD"


def test_string_field_required_is_missing_until_typed() -> None:
    form = ConfigForm({"path": str})
    assert [str(p) for p in form.problems] == [
        'path: Missing required config entry "path" at the root. '
        "Sample config for missing entry: {'path': ''}"
    ]
    form.widget_for("path").value = "data.csv"
    assert form.value == {"path": "data.csv"}
    assert form.problems == []


def test_string_with_default_can_be_emptied_to_the_empty_string() -> None:
    form = ConfigForm({"sep": Field(str, default_value=",")})
    assert form.widget_for("sep").value == ","
    form.widget_for("sep").value = ""
    assert form.value == {"sep": ""}


def test_bool_with_default_is_a_checkbox() -> None:
    form = ConfigForm({"verbose": Field(bool, default_value=False)})
    box = form.widget_for("verbose")
    assert isinstance(box, widgets.Checkbox)
    assert box.value is False
    box.value = True
    assert form.value == {"verbose": True}


def test_bool_without_default_shows_not_given() -> None:
    form = ConfigForm({"dry_run": bool})
    choice = form.widget_for("dry_run")
    assert isinstance(choice, widgets.Dropdown)
    assert choice.value is None
    assert [p.path for p in form.problems] == ["dry_run"]
    choice.value = False
    assert form.value == {"dry_run": False}
    assert form.is_valid


def test_enum_is_a_dropdown_of_its_values_with_the_default_chosen() -> None:
    colour = Enum("Colour", ["RED", "GREEN", "BLUE"])
    form = ConfigForm({"colour": Field(colour, default_value="GREEN")})
    choice = form.widget_for("colour")
    assert isinstance(choice, widgets.Dropdown)
    assert list(choice.options) == ["RED", "GREEN", "BLUE"]
    assert choice.value == "GREEN"
    assert form.value == {}
    choice.value = "BLUE"
    assert form.value == {"colour": "BLUE"}


def test_enum_value_not_among_the_choices_is_kept_and_reported() -> None:
    form = ConfigForm({"colour": Enum("Colour", ["RED"])})
    form.value = {"colour": "PURPLE"}
    assert form.value == {"colour": "PURPLE"}
    assert form.widget_for("colour").value is None
    [problem] = form.problems
    assert problem.path == "colour" and "PURPLE" in problem.message
    assert "PURPLE" in form.status_for("colour").value


def test_secret_value_never_reaches_the_widget() -> None:
    form = ConfigForm({"password": Secret})
    box = form.widget_for("password")
    assert isinstance(box, widgets.Password)
    box.value = "hunter2"
    assert box.value == ""  # cleared at once: the secret stays in the kernel
    assert "set" in box.placeholder
    assert form.value == {"password": "hunter2"}
    assert "hunter2" not in form.yaml_text.value
    assert "'***'" in form.yaml_text.value


def test_secret_set_from_code_is_not_shown_anywhere() -> None:
    form = ConfigForm({"token": Field(str, is_secret=True), "n": int})
    form.value = {"token": "s3cr3t", "n": "bad"}
    shown = [form.widget_for("token").value, form.yaml_text.value, form.status_for("token").value]
    shown += [p.message for p in form.problems]
    assert not any("s3cr3t" in text for text in shown)
    assert form.value["token"] == "s3cr3t"


def test_secret_given_back_as_its_mask_keeps_the_secret() -> None:
    form = ConfigForm({"password": Secret, "user": str})
    form.value = {"password": "hunter2", "user": "ada"}
    form.yaml_text.value = form.yaml_text.value.replace("ada", "bob")
    assert form.value == {"password": "hunter2", "user": "bob"}


def test_secret_default_is_masked_but_used() -> None:
    form = ConfigForm({"key": Field(Secret, default_value="default-key")})
    assert "default-key" not in form.status_for("key").value
    assert form.value == {}
    assert form.value_with_defaults == {"key": "default-key"}


def test_labels_mark_required_fields_and_carry_the_type() -> None:
    form = ConfigForm({"n": int, "m": Field(int, default_value=1)})
    required = form.widget_for("n").description
    optional = form.widget_for("m").description
    assert "*" in required and 'title="Int"' in required
    assert "*" not in optional


def test_help_text_and_default_marker_show_beside_the_field() -> None:
    form = ConfigForm({"retries": Field(int, default_value=3, description="How many tries.")})
    status = form.status_for("retries")
    assert "How many tries." in status.value
    assert "(default)" in status.value
    form.widget_for("retries").value = "5"
    assert "(default: 3)" in form.status_for("retries").value
    assert form.value == {"retries": 5}
    assert form.value_with_defaults == {"retries": 5}
