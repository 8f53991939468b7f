"""The config form and the run panels never hold a secret in a widget.

Everything a widget holds is sent to the browser and saved with the notebook (as the widget
state), so each test looks at the state of every widget there is, as Jupyter would save it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable

import ipywidgets as widgets
import ipywidgets.widgets.widget as widget_module
import pytest

from opbook import (
    DagsterInstance,
    Field,
    IntSource,
    StringSource,
    job,
    op,
    resource,
)
from opbook.config import Secret
from opbook.notebook.forms import ConfigForm
from opbook.notebook.panels import RunPanel, SolidPanel


@resource(config_schema={"password": StringSource, "port": Field(IntSource, is_required=False)})
def db(init_context):
    return init_context.resource_config["password"]


@op(
    config_schema={
        "token": Field(str, is_secret=True),
        "key": Secret,
        "pin": Field(int, is_secret=True, is_required=False),
        "rows": int,
    },
    required_resource_keys={"db"},
)
def query(context) -> int:
    # the run gets the real value, not a mask
    assert context.resources.db == os.environ["OPBOOK_SECURITY_DB_PASSWORD"]
    return context.op_config["rows"]


@op
def check(rows: int) -> int:
    if rows > 5:
        raise ValueError("too many rows")
    return rows


@job(resource_defs={"db": db})
def guarded():
    check(query())


def run_config(secrets, rows: int = 1, **more) -> dict:
    return {
        "resources": {"db": {"config": secrets.resource_config()}},
        "ops": {"query": {"config": secrets.op_config(rows=rows, **more)}},
    }


@pytest.fixture
def widget_state() -> Callable[[], str]:
    """The state of every widget made since the test started, as a notebook would save it."""
    before = set(widget_module._instances)

    def state() -> str:
        made = [w for key, w in widget_module._instances.items() if key not in before]
        assert made, "no widget to look at"
        saved = widgets.Widget.get_manager_state(drop_defaults=False, widgets=made)
        return json.dumps(saved, default=str)

    return state


def secret_path(secret) -> str:
    if secret.kind == "env":
        return "resources.db.config.password"
    return f"ops.query.config.{'token' if secret.kind == 'field' else 'key'}"


@pytest.fixture
def instance() -> DagsterInstance:
    return DagsterInstance.ephemeral()


def test_a_form_given_secrets_shows_references_and_masks(secret, secrets, widget_state):
    form = ConfigForm(guarded, value=run_config(secrets))

    assert form.is_valid, form.problems
    yaml_text = form.yaml_text.value
    if secret.kind == "env":
        assert f"env: {secret.env_name}" in yaml_text
    else:
        assert "***" in yaml_text
    secret.assert_hidden(widget_state())
    form.close()


def test_a_form_keeps_secret_fields_in_the_kernel_for_the_run(secrets):
    form = ConfigForm(guarded, value=run_config(secrets))
    config = form.value["ops"]["query"]["config"]
    assert config["token"] == secrets.field.value
    assert config["key"] == secrets.scalar.value
    assert form.value["resources"]["db"]["config"]["password"] == secrets.env.recorded
    form.close()


@pytest.mark.parametrize("kind", ["field", "scalar"])
def test_a_secret_typed_into_the_form_leaves_the_widget(secrets, kind, widget_state):
    case = getattr(secrets, kind)
    form = ConfigForm(guarded, value=run_config(secrets, rows=2) | {"ops": {}})
    form.expand_all()
    box = form.widget_for(f"ops.query.config.{'token' if kind == 'field' else 'key'}")
    assert isinstance(box, widgets.Password)

    box.value = case.value

    assert box.value == ""
    assert form.value["ops"]["query"]["config"]["token" if kind == "field" else "key"] == case.value
    case.assert_hidden(widget_state())
    form.close()


def test_a_secret_typed_into_the_yaml_view_is_masked_there(secrets, widget_state):
    form = ConfigForm(guarded)
    form.yaml_text.value = (
        f"resources: {{db: {{config: {{password: {{env: {secrets.env.env_name}}}}}}}}}\n"
        f"ops: {{query: {{config: {{token: {secrets.field.value}, "
        f"key: {secrets.scalar.value}, rows: 1}}}}}}\n"
    )
    assert form.is_valid, form.problems
    assert form.value["ops"]["query"]["config"]["token"] == secrets.field.value
    assert "***" in form.yaml_text.value
    secrets.assert_hidden(widget_state())
    form.close()


def test_problems_with_secret_fields_show_no_value(secrets, widget_state):
    bad = run_config(secrets, pin=secrets.field.value)  # a string where an Int is expected
    bad["ops"]["query"]["config"]["key"] = [secrets.scalar.value]  # a list for a Secret
    form = ConfigForm(guarded, value=bad)
    form.expand_all()

    paths = {problem.path for problem in form.problems}
    assert {"ops.query.config.pin", "ops.query.config.key"} <= paths
    shown = [str(problem) for problem in form.problems]
    secrets.assert_hidden(shown, widget_state())
    form.close()


def test_problems_with_an_env_value_show_no_value(secrets, monkeypatch, widget_state):
    monkeypatch.setenv("OPBOOK_SECURITY_PORT", secrets.env.value)  # not an int
    config = run_config(secrets)
    config["resources"]["db"]["config"]["port"] = {"env": "OPBOOK_SECURITY_PORT"}
    form = ConfigForm(guarded, value=config)
    form.expand_all()

    (problem,) = form.problems
    assert problem.path == "resources.db.config.port"
    assert "OPBOOK_SECURITY_PORT" in str(problem)
    secrets.env.assert_hidden(str(problem), widget_state())
    form.close()


def test_a_run_panel_run_shows_no_secret(secret, secrets, instance, widget_state):
    panel = RunPanel(guarded, instance=instance, run_config=run_config(secrets))

    result = panel.run()

    assert result.success
    assert "Run" in panel.results.value
    secret.assert_hidden(widget_state(), result.run_config, instance.get_run(result.run_id))
    panel.close()


def test_a_failed_run_panel_run_shows_no_secret(secret, secrets, instance, widget_state):
    panel = RunPanel(guarded, instance=instance, run_config=run_config(secrets, rows=10))
    failed = panel.run()
    assert not failed.success
    assert "too many rows" in panel.results.value

    retried = panel.reexecute_from_failure()  # re-executed with the form's config

    assert not retried.success
    secret.assert_hidden(widget_state(), retried.run_config)
    panel.close()


def test_an_op_panel_shows_no_secret(secrets, widget_state):
    @op(config_schema={"token": Field(str, is_secret=True), "key": Secret})
    def sign(context, text: str) -> int:
        return len(text + context.op_config["token"] + context.op_config["key"])

    panel = SolidPanel(sign)
    panel.form.value = {"token": secrets.field.value, "key": secrets.scalar.value}
    panel.inputs["text"].value = "abc"

    result = panel.run()

    assert result.output_value() == 3 + len(secrets.field.value) + len(secrets.scalar.value)
    secrets.assert_hidden(widget_state())
    panel.close()
