"""The YAML editor's model: the schema tree it completes from, problems on their lines, and
the config form kept in sync with it both ways through its traits."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from opbook import Enum, EnumValue, Field, Noneable, StringSource, job, op, resource
from opbook import config as cfg
from opbook.config import Secret

pytest.importorskip("anywidget")
from opbook.notebook import widgets as notebook_widgets
from opbook.notebook.forms import ConfigForm
from opbook.notebook.widgets.yaml_editor import YamlEditorWidget, schema_tree

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

Mode = Enum("Mode", [EnumValue("FAST", description="skip checks"), EnumValue("SAFE")])


@op(
    config_schema={
        "path": Field(str, description="where to read from"),
        "retries": Field(int, default_value=3),
        "mode": Field(Mode, default_value="SAFE"),
        "limit": Field(Noneable(int), is_required=False),
        "tags": Field([str], is_required=False),
    }
)
def load(context) -> int:
    return 1


@resource(config_schema={"url": StringSource, "password": Field(Secret, default_value="pw0")})
def database(init_context) -> str:
    return init_context.resource_config["url"]


@job(resource_defs={"db": database})
def etl() -> None:
    load()


@pytest.fixture(autouse=True)
def _built() -> None:
    if not notebook_widgets.available():
        pytest.skip(f"the widgets cannot be shown: {notebook_widgets.unavailable_reason()}")


def _form() -> ConfigForm:
    form = ConfigForm(etl)
    assert isinstance(form.yaml_text, YamlEditorWidget)
    return form


# -- completion data -------------------------------------------------------------------------


def test_the_tree_has_the_keys_of_each_section() -> None:
    tree = _form().yaml_text.schema
    assert {"ops", "resources"} <= set(tree["fields"])
    load_config = tree["fields"]["ops"]["node"]["fields"]["load"]["node"]["fields"]["config"]
    assert list(load_config["node"]["fields"]) == ["path", "retries", "mode", "limit", "tags"]


def test_a_field_carries_its_description_type_and_default() -> None:
    fields = schema_tree(cfg.describe(load.config_schema))["fields"]
    assert fields["path"]["description"] == "where to read from"
    assert fields["path"]["required"] is True
    assert fields["retries"]["node"]["type"] == "Int"
    assert fields["retries"]["default"] == "3"


def test_an_enum_offers_its_values_with_their_descriptions() -> None:
    mode = schema_tree(cfg.describe(load.config_schema))["fields"]["mode"]["node"]
    assert mode["values"] == [
        {"value": "FAST", "description": "skip checks"},
        {"value": "SAFE", "description": None},
    ]


def test_a_noneable_is_its_element_plus_null() -> None:
    limit = schema_tree(cfg.describe(load.config_schema))["fields"]["limit"]["node"]
    assert limit["kind"] == "int" and limit["values"][-1]["value"] == "null"


def test_a_list_gives_its_element_and_a_bool_its_two_values() -> None:
    tree = schema_tree(cfg.describe({"tags": [str], "on": bool}))
    assert tree["fields"]["tags"]["node"]["item"]["type"] == "String"
    assert [v["value"] for v in tree["fields"]["on"]["node"]["values"]] == ["true", "false"]


def test_a_secret_default_stays_masked_in_the_tree() -> None:
    tree = _form().yaml_text.schema
    db = tree["fields"]["resources"]["node"]["fields"]["db"]["node"]
    password = db["fields"]["config"]["node"]["fields"]["password"]
    assert password["default"] == "'***'" and password["secret"] is True
    assert "pw0" not in repr(tree)


# -- problems on their lines -----------------------------------------------------------------


def test_a_bad_value_is_underlined_on_its_line() -> None:
    form = _form()
    form.yaml_text.value = (
        "ops:\n  load:\n    config:\n      path: a.csv\n      mode: SLOW\n"
        "resources:\n  db:\n    config:\n      url: x\n"
    )
    (problem,) = form.yaml_text.diagnostics
    assert (problem["line"], problem["column"], problem["end_column"]) == (5, 13, 17)
    assert problem["path"] == "ops.load.config.mode"
    assert (
        problem["message"]
        == "Value at path root:ops:load:config:mode not in enum type Mode got SLOW"
    )


def test_a_missing_entry_is_underlined_at_the_mapping_that_lacks_it() -> None:
    form = _form()
    form.yaml_text.value = "ops:\n  load:\n    config:\n      retries: 1\n"
    lines = {(d["path"], d["line"]) for d in form.yaml_text.diagnostics}
    assert ("ops.load.config.path", 3) in lines  # at "config:"
    assert ("resources.db.config.url", 1) in lines  # no resources section: the first line


def test_text_that_does_not_parse_is_underlined_where_it_stops() -> None:
    form = _form()
    form.yaml_text.value = "ops:\n  load: {config: {path: x}\n"
    (problem,) = form.yaml_text.diagnostics
    assert problem["line"] == 3
    assert problem["message"].startswith("The YAML does not parse:")
    assert form._yaml.message.value == ""  # listed by the editor, not twice


def test_a_secret_never_shows_in_a_problem() -> None:
    form = _form()
    form.yaml_text.value = "resources:\n  db:\n    config:\n     url: pg://u:s3cr3t@db: x\n"
    assert form.yaml_text.diagnostics
    assert all("s3cr3t" not in d["message"] for d in form.yaml_text.diagnostics)


def test_fixing_the_text_clears_the_problems() -> None:
    form = _form()
    form.yaml_text.value = "ops:\n  load:\n    config:\n      path: a\n      mode: SLOW\n"
    form.yaml_text.value = (
        "ops:\n  load:\n    config:\n      path: a\n      mode: FAST\n"
        "resources:\n  db:\n    config:\n      url: x\n"
    )
    assert form.yaml_text.diagnostics == []
    assert form.is_valid


# -- in sync with the form, both ways --------------------------------------------------------


def test_typed_yaml_sets_the_form_fields_and_stays_as_typed() -> None:
    form = _form()
    text = "ops:\n  load:\n    config: {path: b.csv, mode: FAST}\n"
    form.yaml_text.value = text
    assert form.widget_for("ops.load.config.path").value == "b.csv"
    assert form.widget_for("ops.load.config.mode").value == "FAST"
    assert form.yaml_text.value == text  # not reformatted under the cursor


def test_a_form_edit_rewrites_the_yaml() -> None:
    form = _form()
    form.widget_for("ops.load.config.path").value = "c.csv"
    assert "ops:\n  load:\n    config:\n      path: c.csv\n" in form.yaml_text.value


def test_a_secret_typed_in_clear_is_masked_in_the_editor() -> None:
    form = _form()
    form.yaml_text.value = "resources:\n  db:\n    config:\n      url: x\n      password: hunter2\n"
    assert form.value["resources"]["db"]["config"]["password"] == "hunter2"
    assert "hunter2" not in form.yaml_text.value
    assert "password: '***'" in form.yaml_text.value


# -- the widget itself, and the fallback -----------------------------------------------------


def test_the_widget_output_carries_the_text_for_a_notebook_without_a_kernel() -> None:
    editor = YamlEditorWidget(value="a: <1>\n")
    bundle = editor._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert WIDGET_VIEW in data
    assert "a: &lt;1&gt;" in data["text/html"]


def test_without_the_widgets_the_yaml_view_is_a_text_area(monkeypatch) -> None:
    monkeypatch.setattr(notebook_widgets, "available", lambda: False)
    form = ConfigForm(etl)
    assert isinstance(form.yaml_text, widgets.Textarea)
    form.yaml_text.value = "ops:\n  load:\n    config: {path: d.csv}\n"
    assert form.widget_for("ops.load.config.path").value == "d.csv"
    assert "      path: d.csv\n" in form.yaml_text.value  # the text area is rewritten
