"""ConfigForm as a whole: targets, the value, the YAML view, validation, actions, selection."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pytest

from opbook import (
    ConfigMapping,
    Field,
    ModeDefinition,
    PresetDefinition,
    ResourceDefinition,
    graph,
    job,
    op,
    pipeline,
    resource,
    solid,
)
from opbook.definitions.run_config import run_config_schema
from opbook.errors import DagsterInvalidSubsetError, ParameterCheckError
from opbook.notebook.forms import ConfigForm, schema_for


@op(config_schema={"path": str, "retries": Field(int, default_value=3)})
def load(context) -> list:
    return [context.op_config["path"]]


@op(config_schema={"limit": Field(int, default_value=10)}, required_resource_keys={"db"})
def clean(context, rows: list) -> list:
    return rows[: context.op_config["limit"]]


@op
def report(context, rows: list) -> int:
    return len(rows)


@resource(config_schema={"url": str})
def database(init_context) -> str:
    return init_context.resource_config["url"]


@job(resource_defs={"db": database})
def etl() -> None:
    report(clean(load()))


def _filled(form: ConfigForm) -> ConfigForm:
    form.widget_for("ops.load.config.path").value = "in.csv"
    form.widget_for("resources.db.config.url").value = "sqlite://"
    return form


def test_job_form_shows_run_config_sections_in_schema_order() -> None:
    form = ConfigForm(etl)
    groups = [part for part in form.widget_for("").children if isinstance(part, widgets.Accordion)]
    titles = [group.titles[0].split(" ")[0] for group in groups]
    assert titles == ["execution", "loggers", "intermediate_storage", "ops", "resources"]
    opened = [group.selected_index for group in groups]
    assert opened == [None, None, None, 0, 0]  # what needs input is open
    assert form.target.title == "Run config of job etl"


def test_value_is_only_what_differs_from_defaults() -> None:
    form = _filled(ConfigForm(etl))
    assert form.is_valid
    assert form.value == {
        "ops": {"load": {"config": {"path": "in.csv"}}},
        "resources": {"db": {"config": {"url": "sqlite://"}}},
    }
    full = form.value_with_defaults
    assert full["ops"]["load"]["config"] == {"path": "in.csv", "retries": 3}
    assert full["ops"]["clean"]["config"] == {"limit": 10}
    assert full["execution"] == {"in_process": {"config": {"retries": {"enabled": {}}}}}


def test_value_runs_as_is() -> None:
    form = _filled(ConfigForm(etl))
    result = etl.execute_in_process(run_config=form.value)
    assert result.success
    assert result.output_for_node("report") == 1


def test_setting_the_value_fills_the_widgets_and_round_trips() -> None:
    value = {
        "ops": {
            "load": {"config": {"path": "a.csv", "retries": 5}},
            "clean": {"config": {"limit": 2}},
        },
        "resources": {"db": {"config": {"url": "pg://"}}},
    }
    form = ConfigForm(etl)
    form.value = value
    assert form.widget_for("ops.load.config.retries").value == "5"
    assert form.widget_for("ops.clean.config.limit").value == "2"
    assert form.value == value
    again = ConfigForm(etl, value=form.value)
    assert again.value == value


def test_setting_the_value_resets_what_it_leaves_out_to_defaults() -> None:
    form = ConfigForm(etl, value={"ops": {"load": {"config": {"path": "a", "retries": 9}}}})
    form.value = {"ops": {"load": {"config": {"path": "b"}}}}
    assert form.widget_for("ops.load.config.retries").value == "3"


def test_solids_section_given_to_a_job_form_is_read_as_ops() -> None:
    form = ConfigForm(etl, value={"solids": {"load": {"config": {"path": "x"}}}})
    assert form.value["ops"] == {"load": {"config": {"path": "x"}}}


def test_job_default_config_is_the_starting_value() -> None:
    @job(config={"ops": {"load": {"config": {"path": "default.csv"}}}})
    def with_defaults() -> None:
        load()

    form = ConfigForm(with_defaults)
    assert form.widget_for("ops.load.config.path").value == "default.csv"
    assert form.is_valid


def test_yaml_view_follows_the_widgets() -> None:
    form = ConfigForm(etl)
    form.widget_for("ops.load.config.path").value = "in.csv"
    assert "path: in.csv" in form.yaml_text.value
    assert "ops:\n  load:\n    config:\n" in form.yaml_text.value


def test_widgets_follow_the_yaml_view() -> None:
    form = ConfigForm(etl)
    form.yaml_text.value = (
        "ops:\n  load:\n    config:\n      path: y.csv\n      retries: 1\n"
        "resources:\n  db:\n    config:\n      url: mem://\n"
    )
    assert form.widget_for("ops.load.config.path").value == "y.csv"
    assert form.widget_for("ops.load.config.retries").value == "1"
    assert form.is_valid


def test_yaml_that_does_not_parse_is_a_problem_until_fixed() -> None:
    form = _filled(ConfigForm(etl))
    form.yaml_text.value = "ops: [unclosed"
    assert not form.is_valid
    assert form.problems[-1].reason == "YAML"
    assert form.yaml_text.value == "ops: [unclosed"  # kept as typed
    assert form.widget_for("ops.load.config.path").value == "in.csv"  # the last good value
    form.widget_for("ops.load.config.retries").value = "4"  # editing the form wins
    assert form.is_valid
    assert "retries: 4" in form.yaml_text.value


def test_yaml_that_does_not_parse_is_the_only_problem_listed() -> None:
    form = ConfigForm(etl)
    assert len(form.problems) == 2  # path and url are missing
    form.yaml_text.value = "ops: [unclosed"
    assert [p.reason for p in form.problems] == ["YAML"]


def test_yaml_parse_error_says_where_and_why_on_lines_of_its_own() -> None:
    form = ConfigForm(etl)
    form.yaml_text.value = "ops:\n  load: {config: {path: x}\n"
    (problem,) = form.problems
    assert problem.message.splitlines() == [
        "The YAML does not parse:",
        "line 3, column 1: expected ',' or '}', but got '<stream end>'",
        "while parsing a flow mapping at line 2, column 9",
    ]


def test_yaml_parse_error_never_quotes_the_text() -> None:
    form = ConfigForm(etl)
    form.yaml_text.value = "resources:\n  db:\n    config:\n     url: pg://user:s3cr3t@db: x\n"
    (problem,) = form.problems
    assert "line 4, column" in problem.message
    assert "s3cr3t" not in problem.message and "s3cr3t" not in form._summary.value


def test_every_problem_is_listed_with_its_path_in_the_summary() -> None:
    form = ConfigForm(etl)
    form.widget_for("ops.load.config.retries").value = "many"
    paths = sorted(p.path for p in form.problems)
    assert paths == ["ops.load.config.path", "ops.load.config.retries", "resources.db.config.url"]
    summary = html.unescape(form.children[-1].value)
    assert "3 problems" in summary
    for path in paths:
        assert f"<code>{path}</code>" in summary


def test_valid_config_says_so() -> None:
    form = _filled(ConfigForm(etl))
    assert "The config is valid" in form.children[-1].value


def test_listeners_hear_every_change() -> None:
    form = ConfigForm(etl)
    heard: list[bool] = []
    form.on_change(lambda f: heard.append(f.is_valid))
    _filled(form)
    assert heard == [False, True]


def test_scaffold_missing_adds_placeholders_for_required_entries() -> None:
    form = ConfigForm(etl)
    form.scaffold_button.click()
    assert form.value == {
        "ops": {"load": {"config": {"path": ""}}},
        "resources": {"db": {"config": {"url": ""}}},
    }
    assert form.is_valid


def test_scaffold_missing_leaves_optional_groups_alone() -> None:
    form = ConfigForm({"n": int, "extra": Field({"a": int}, is_required=False)})
    form.scaffold_missing()
    assert form.value == {"n": 0}


def test_fill_defaults_puts_cleared_defaults_back() -> None:
    form = ConfigForm(etl)
    form.widget_for("ops.load.config.retries").value = ""
    assert form.widget_for("ops.load.config.retries").value == ""
    form.defaults_button.click()
    assert form.widget_for("ops.load.config.retries").value == "3"


def test_remove_extra_drops_what_the_schema_does_not_define() -> None:
    form = ConfigForm(etl)
    form.value = {
        "ops": {"load": {"config": {"path": "p", "colour": "red"}}, "ghost": {}},
        "resources": {"db": {"config": {"url": "u"}}},
    }
    assert sorted(p.path for p in form.problems) == ["ops.ghost", "ops.load.config.colour"]
    form.remove_extra()
    assert form.value == {
        "ops": {"load": {"config": {"path": "p"}}},
        "resources": {"db": {"config": {"url": "u"}}},
    }


def test_op_selection_prunes_the_form_to_the_selected_ops() -> None:
    form = ConfigForm(etl, op_selection="load")
    assert form.widget_for("ops.load.config.path")
    with pytest.raises(KeyError):
        form.widget_for("ops.clean")
    with pytest.raises(KeyError):
        form.widget_for("resources.db")  # no selected op needs the database
    form.widget_for("ops.load.config.path").value = "x"
    assert form.is_valid
    assert form.target.selected == frozenset({"load"})


def test_op_selection_query_grammar_and_bad_queries() -> None:
    form = ConfigForm(etl, op_selection=["load+"])
    assert form.target.selected == frozenset({"load", "clean"})
    with pytest.raises(DagsterInvalidSubsetError, match="nope"):
        ConfigForm(etl, op_selection="nope")


def test_pipeline_form_is_per_mode() -> None:
    @solid(config_schema={"n": Field(int, default_value=1)}, required_resource_keys={"store"})
    def write(context) -> None:
        return None

    @pipeline(
        mode_defs=[
            ModeDefinition("local", resource_defs={"store": ResourceDefinition.none_resource()}),
            ModeDefinition("prod", resource_defs={"store": database}),
        ],
        preset_defs=[
            PresetDefinition("p", {"resources": {"store": {"config": {"url": "x"}}}}, mode="prod")
        ],
    )
    def publish() -> None:
        write()

    local = ConfigForm(publish)
    assert local.is_valid and "mode local" in local.target.title
    prod = ConfigForm(publish, mode="prod")
    assert [p.path for p in prod.problems] == ["resources.store.config.url"]
    prod.value = {"resources": {"store": {"config": {"url": "pg://"}}}}
    assert prod.is_valid
    with pytest.raises(KeyError):
        prod.widget_for("ops")  # a pipeline's section is solids:
    assert prod.widget_for("solids.write") is not None


def test_graph_form_is_the_run_config_of_the_graph_run_as_a_job() -> None:
    @graph
    def one_load() -> None:
        load()

    form = ConfigForm(one_load)
    form.widget_for("ops.load.config.path").value = "g.csv"
    assert form.is_valid
    assert one_load.execute_in_process(run_config=form.value).success


def test_op_form_edits_the_ops_own_config() -> None:
    form = ConfigForm(load)
    assert form.target.title == "Config of op load"
    form.widget_for("path").value = "x"
    assert form.value == {"path": "x"}
    assert form.value_with_defaults == {"path": "x", "retries": 3}


def test_op_with_scalar_config_and_op_without_config() -> None:
    @op(config_schema=int)
    def scaled(context) -> int:
        return context.op_config

    form = ConfigForm(scaled)
    assert form.value is None and not form.is_valid
    form.widget_for("").value = "3"
    assert form.value == 3 and form.is_valid
    bare = ConfigForm(report)
    assert bare.is_valid and bare.value == {}
    assert "no config" in bare.widget_for("").children[1].value


def test_resource_form_edits_the_resources_config() -> None:
    form = ConfigForm(database)
    assert [p.path for p in form.problems] == ["url"]
    form.widget_for("url").value = "sqlite://"
    assert form.value == {"url": "sqlite://"}


def test_job_with_a_config_mapping_shows_the_mappings_own_fields() -> None:
    @job(
        config=ConfigMapping(
            config_fn=lambda c: {"ops": {"load": {"config": {"path": c["source"]}}}},
            config_schema={"source": str},
        )
    )
    def mapped() -> None:
        load()

    form = ConfigForm(mapped)
    assert [p.path for p in form.problems] == ["source"]
    form.widget_for("source").value = "m.csv"
    assert form.is_valid
    assert mapped.execute_in_process(run_config=form.value).output_for_node("load") == ["m.csv"]


def test_a_failing_config_mapping_is_a_problem_of_the_whole_config() -> None:
    def broken(_config: dict) -> dict:
        raise RuntimeError("mapping broke")

    @job(config=ConfigMapping(config_fn=broken, config_schema={"n": Field(int, default_value=1)}))
    def mapped_badly() -> None:
        report(load())

    form = ConfigForm(mapped_badly)
    [problem] = form.problems
    assert problem.path == "" and "mapping broke" in problem.message


def test_form_of_something_without_config_is_refused() -> None:
    with pytest.raises(ParameterCheckError, match="config form needs"):
        ConfigForm(42)


def test_schema_for_gives_what_the_engine_validates_with() -> None:
    assert schema_for(etl) == run_config_schema(etl)
    assert schema_for(load) == load.config_field
    assert schema_for(database) == database.config_field
    selected = schema_for(etl, op_selection="load")
    assert not selected.fields["ops"].config_type.fields["clean"].is_required


def test_big_form_folds_groups_past_the_first_ones_until_opened() -> None:
    ops = [
        op(name=f"op_{i}", config_schema={f"f{j}": int for j in range(10)})(lambda context: None)
        for i in range(20)
    ]

    @job
    def wide() -> None:
        for each in ops:
            each()

    form = ConfigForm(wide)
    groups = [g for g in form.widget_for("ops").children if isinstance(g, widgets.Accordion)]
    opened = [g.selected_index == 0 for g in groups]
    assert opened[0] and not opened[-1]
    assert len(form.problems) == 200
    groups[-1].selected_index = 0
    assert isinstance(form.widget_for("ops.op_19.config.f9"), widgets.Text)
    assert "Missing" in form.status_for("ops.op_19.config.f9").value
    form.expand_all()
    assert all(g.selected_index == 0 for g in groups)


def test_config_of_unselected_ops_is_kept_and_its_secrets_masked() -> None:
    @op(config_schema={"token": Field(str, is_secret=True)})
    def fetch(context) -> None:
        return None

    @job
    def two() -> None:
        fetch()
        load()

    value = {"ops": {"fetch": {"config": {"token": "s3cr3t"}}, "load": {"config": {"path": "p"}}}}
    form = ConfigForm(two, op_selection="load", value=value)
    assert form.is_valid  # the engine takes config of ops outside the selection
    assert form.value_with_defaults["ops"]["fetch"] == {"config": {"token": "s3cr3t"}}
    assert "s3cr3t" not in form.yaml_text.value and "token: '***'" in form.yaml_text.value


def test_closing_a_form_closes_its_widgets() -> None:
    form = ConfigForm(etl)
    box = form.widget_for("ops.load.config.path")
    assert box.comm is not None
    form.close()
    assert box.comm is None and form.comm is None
