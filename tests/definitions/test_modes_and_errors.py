"""Modes, presets, resources, loggers and hooks as definitions, and the definition errors of the
pipeline generation's explicit wiring: each names the node and the problem."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from opbook import (
    AssetMaterialization,
    DagsterInvalidConfigDefinitionError,
    DagsterInvalidDefinitionError,
    DagsterInvariantViolationError,
    DagsterType,
    DependencyDefinition,
    HookDefinition,
    InputDefinition,
    LoggerDefinition,
    ModeDefinition,
    OutputDefinition,
    PipelineDefinition,
    PresetDefinition,
    ResourceDefinition,
    SolidInvocation,
    dagster_type_loader,
    dagster_type_materializer,
    default_executors,
    default_intermediate_storage_defs,
    event_list_hook,
    execute_pipeline,
    failure_hook,
    graph,
    hardcoded_resource,
    job,
    lambda_solid,
    logger,
    op,
    pipeline,
    resource,
    solid,
    success_hook,
)
from opbook.config import Int


@lambda_solid
def emit():
    return 1


@solid(input_defs=[InputDefinition("x")])
def first(context, x):
    return x


@solid(input_defs=[InputDefinition("x")])
def second(context, x):
    return x


@solid(required_resource_keys={"db"})
def needs_db(context):
    return context.resources.db


# -- wiring errors ------------------------------------------------------------------------------


def test_cycle_is_shown_as_a_path() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match='Circular dependencies exist in "cyc": first -> second -> first',
    ):
        PipelineDefinition(
            [first, second],
            name="cyc",
            dependencies={
                "first": {"x": DependencyDefinition("second")},
                "second": {"x": DependencyDefinition("first")},
            },
        )


def test_longer_cycle_is_shown_in_full() -> None:
    @solid(input_defs=[InputDefinition("x")])
    def third(context, x):
        return x

    with pytest.raises(DagsterInvalidDefinitionError) as info:
        PipelineDefinition(
            [first, second, third],
            name="cyc3",
            dependencies={
                "first": {"x": DependencyDefinition("third")},
                "second": {"x": DependencyDefinition("first")},
                "third": {"x": DependencyDefinition("second")},
            },
        )
    cycle = str(info.value).split(": ", 1)[1].split(" -> ")
    assert cycle[0] == cycle[-1]
    assert sorted(cycle[:-1]) == ["first", "second", "third"]


def test_self_dependency_is_a_circular_reference() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match='circular reference detected in solid "first" input "x"',
    ):
        PipelineDefinition(
            [first], name="self", dependencies={"first": {"x": DependencyDefinition("first")}}
        )


def test_unknown_input_names_the_solid_and_its_inputs() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=r'solid "first" does not have input "y". Available inputs: \[\'x\'\]',
    ):
        PipelineDefinition(
            [emit, first], name="p", dependencies={"first": {"y": DependencyDefinition("emit")}}
        )


def test_unknown_upstream_node_and_output() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            'node "nope" not found in node list. Listed as dependency for node "first" input "x"'
        ),
    ):
        PipelineDefinition(
            [emit, first], name="p", dependencies={"first": {"x": DependencyDefinition("nope")}}
        )
    with pytest.raises(
        DagsterInvalidDefinitionError, match='node "emit" does not have output "other"'
    ):
        PipelineDefinition(
            [emit, first],
            name="p",
            dependencies={"first": {"x": DependencyDefinition("emit", "other")}},
        )


def test_unknown_node_in_dependency_dict() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError, match='node "ghost" in dependency dictionary not found'
    ):
        PipelineDefinition([emit], name="p", dependencies={"ghost": {}})


def test_duplicate_definition_names() -> None:
    @lambda_solid(name="emit")
    def other_emit():
        return 2

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match='conflicting node definitions with the same name "emit"',
    ):
        PipelineDefinition([emit, other_emit], name="dup")


def test_duplicate_aliases() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match='node name "a" is used more than once'):
        PipelineDefinition(
            [emit],
            name="dup",
            dependencies={
                SolidInvocation("emit", "a"): {},
                SolidInvocation("emit", alias="a", tags={"x": 1}): {},
            },
        )


def test_dependency_value_of_the_wrong_kind() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            'Expected IDependencyDefinition for solid "first" input "x". Received value'
        ),
    ):
        PipelineDefinition([emit, first], name="p", dependencies={"first": {"x": "emit"}})


def test_dependencies_of_the_wrong_shape() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError, match='The expected type for "dependencies" is Dict'
    ):
        PipelineDefinition([emit, first], name="p", dependencies=[])  # type: ignore[arg-type]
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="Received a IDependencyDefinition one layer too high under key first",
    ):
        PipelineDefinition(
            [emit, first],
            name="p",
            dependencies={"first": DependencyDefinition("emit")},  # type: ignore[dict-item]
        )


def test_not_a_definition() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError, match="Invalid item in node list: <function solid"
    ):
        PipelineDefinition([emit, solid], name="p")


class Opaque:
    """A class with no loader: run config cannot supply it."""


DEFAULT_OPAQUE = Opaque()


def test_unconnected_input_without_loader_cannot_run() -> None:
    @op
    def takes_opaque(value: Opaque):
        return value

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "Input 'value' in op 'takes_opaque' is not connected to the output of a previous node "
            "and can not be loaded from configuration, making it impossible to execute. Possible "
            "solutions are:\n  * add a dagster_type_loader for the type 'Opaque'\n"
            "  * connect 'value' to the output of another node\n"
        ),
    ):

        @job
        def lonely():
            takes_opaque()


def test_unconnected_input_inside_a_graph_is_checked_through_the_graphs_inputs() -> None:
    @op
    def takes_opaque(value: Opaque):
        return value

    @graph
    def inner(value):
        takes_opaque(value)

    with pytest.raises(
        DagsterInvalidDefinitionError, match=re.escape("Input 'value' in op 'inner.takes_opaque'")
    ):

        @job
        def lonely():
            inner()


def test_unconnected_input_with_a_default_value_or_fed_through_a_graph_is_fine() -> None:
    @op
    def emits() -> Opaque:
        return Opaque()

    @op
    def takes_opaque(value: Opaque = DEFAULT_OPAQUE):
        return value

    @graph
    def inner(value):
        takes_opaque(value)

    @job
    def fed():
        inner(emits())
        takes_opaque()

    assert fed.execute_in_process().success


def test_bad_config_schema_of_a_resource() -> None:
    with pytest.raises(DagsterInvalidConfigDefinitionError):
        ResourceDefinition(lambda _: 1, config_schema={"a": None})


# -- missing resources ---------------------------------------------------------------------------


def test_missing_resource_in_a_pipeline_names_the_solid_and_the_keys_provided() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "resource key 'db' is required by solid 'needs_db', but is not provided. Provide a "
            "resource for key 'db', or change 'db' to one of the provided resource keys: "
        ),
    ):

        @pipeline
        def no_db():
            needs_db()


def test_missing_resource_in_a_job_names_the_op_and_the_keys_provided() -> None:
    @op(required_resource_keys={"db"})
    def needs_db_op(context):
        return context.resources.db

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=r"resource key 'db' is required by op 'needs_db_op', but is not provided. Provide a resource "
        r"for key 'db', or change 'db' to one of the provided resource keys: \['io_manager', 'other'\].",
    ):

        @job(resource_defs={"other": hardcoded_resource(1)})
        def no_db():
            needs_db_op()


def test_missing_resource_in_one_of_several_modes() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="required by solid 'needs_db', but is not provided by mode 'test'",
    ):

        @pipeline(
            mode_defs=[
                ModeDefinition("prod", {"db": hardcoded_resource(1)}),
                ModeDefinition("test"),
            ]
        )
        def two_modes():
            needs_db()


def test_missing_resource_of_a_hook_on_a_node() -> None:
    @success_hook(required_resource_keys={"slack"})
    def notify(context):
        pass

    with pytest.raises(
        DagsterInvalidDefinitionError, match="resource key 'slack' is required by hook 'notify'"
    ):

        @pipeline
        def hooked():
            emit.with_hooks({notify})()


def test_missing_resource_needed_by_another_resource() -> None:
    @resource(required_resource_keys={"base"})
    def derived(init_context):
        return init_context.resources.base

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="resource key 'base' is required by resource at key 'derived'",
    ):
        ModeDefinition(resource_defs={"derived": derived}) and PipelineDefinition(
            [emit], name="p", mode_defs=[ModeDefinition(resource_defs={"derived": derived})]
        )


def test_missing_resource_of_a_type_check_names_the_type() -> None:
    needs_a = DagsterType(
        name="NeedsA",
        type_check_fn=lambda context, value: context.resources.a == value,
        required_resource_keys={"a"},
    )

    @solid(output_defs=[OutputDefinition(needs_a)])
    def emits(_):
        return "A"

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            "resource key 'a' is required by type 'NeedsA', but is not provided. Provide a "
            "resource for key 'a', or change 'a' to one of the provided resource keys: []."
        ),
    ):
        PipelineDefinition([emits], name="p")


def test_missing_resource_of_a_type_loader_names_the_loader() -> None:
    @dagster_type_loader(str, required_resource_keys={"a"})
    def load(context, value):
        return value

    loaded = DagsterType(name="Loaded", type_check_fn=lambda _, value: True, loader=load)

    @solid(input_defs=[InputDefinition("x", loaded)])
    def takes(_, x):
        return x

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="resource key 'a' is required by the loader on type 'Loaded', but is not provided",
    ):
        PipelineDefinition([takes], name="p")


def test_missing_resource_of_a_type_materializer_names_the_materializer() -> None:
    @dagster_type_materializer(str, required_resource_keys={"a"})
    def save(context, config, value):
        return AssetMaterialization("saved")

    saved = DagsterType(name="Saved", type_check_fn=lambda _, value: True, materializer=save)

    @solid(output_defs=[OutputDefinition(saved)])
    def emits(_):
        return 1

    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="resource key 'a' is required by the materializer on type 'Saved', but is not",
    ):
        PipelineDefinition([emits], name="p")


# -- modes and presets ---------------------------------------------------------------------------


def test_mode_defaults() -> None:
    mode = ModeDefinition()
    assert mode.name == "default"
    assert list(mode.logger_defs) == ["console"]
    assert mode.executor_defs == default_executors
    assert mode.intermediate_storage_defs == default_intermediate_storage_defs
    assert mode.system_storage_defs == default_intermediate_storage_defs
    assert mode.resource_defs == {}


def test_mode_takes_plain_values_as_hardcoded_resources() -> None:
    mode = ModeDefinition(resource_defs={"db": "a connection"})
    assert isinstance(mode.resource_defs["db"], ResourceDefinition)

    @pipeline(mode_defs=[mode])
    def uses_db():
        needs_db()

    assert execute_pipeline(uses_db).result_for_solid("needs_db").output_value() == "a connection"


def test_modes_choose_resources() -> None:
    @pipeline(
        mode_defs=[
            ModeDefinition("prod", {"db": hardcoded_resource("prod-db")}),
            ModeDefinition("test", {"db": hardcoded_resource("test-db")}),
        ]
    )
    def moded():
        needs_db()

    assert moded.available_modes == ["prod", "test"]
    assert (
        execute_pipeline(moded, mode="test").result_for_solid("needs_db").output_value()
        == "test-db"
    )
    with pytest.raises(DagsterInvariantViolationError, match="has multiple modes"):
        execute_pipeline(moded)
    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape("with mode nope. Available modes: ['prod', 'test']"),
    ):
        execute_pipeline(moded, mode="nope")


def test_duplicate_mode_names_are_rejected() -> None:
    with pytest.raises(DagsterInvalidDefinitionError, match="two modes with the same name"):
        PipelineDefinition([emit], name="p", mode_defs=[ModeDefinition("a"), ModeDefinition("a")])


def test_preset_for_an_unknown_mode_is_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            'PresetDefinition "p1" in "p" references mode "nope" which is not defined. '
            "Available modes: ['default']."
        ),
    ):
        PipelineDefinition([emit], name="p", preset_defs=[PresetDefinition("p1", mode="nope")])


def test_two_presets_with_one_name_are_rejected() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match=re.escape(
            'Two PresetDefinitions seen with the name "p1" in "p". PresetDefinitions must have '
            "unique names."
        ),
    ):
        PipelineDefinition(
            [emit], name="p", preset_defs=[PresetDefinition("p1"), PresetDefinition("p1")]
        )


def test_preset_from_files_merges_yaml_in_order(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text("solids:\n  a:\n    config:\n      x: 1\n      y: 2\n")
    (tmp_path / "override.yaml").write_text("solids:\n  a:\n    config:\n      y: 3\n")
    preset = PresetDefinition.from_files(
        "merged",
        [str(tmp_path / "base.yaml"), str(tmp_path / "override.yaml")],
        solid_selection=["a"],
        mode="default",
        tags={"k": "v"},
    )
    assert preset.run_config == {"solids": {"a": {"config": {"x": 1, "y": 3}}}}
    assert preset.solid_selection == ["a"]
    assert preset.mode == "default"
    assert preset.tags == {"k": "v"}
    assert "y: 3" in preset.get_environment_yaml()


def test_preset_from_files_accepts_globs_and_rejects_empty_matches(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text("a: 1\n")
    (tmp_path / "two.yaml").write_text("b: 2\n")
    assert PresetDefinition.from_files("g", [str(tmp_path / "*.yaml")]).run_config == {
        "a": 1,
        "b": 2,
    }
    with pytest.raises(DagsterInvalidDefinitionError, match="produced no results"):
        PresetDefinition.from_files("missing", [str(tmp_path / "nope.yaml")])


def test_preset_from_bad_yaml(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("a: [1,\n")
    with pytest.raises(DagsterInvariantViolationError, match='parse yaml for preset "bad"'):
        PresetDefinition.from_files("bad", [str(tmp_path / "bad.yaml")])


def test_preset_from_yaml_strings_and_additional_config() -> None:
    preset = PresetDefinition.from_yaml_strings("s", ["a:\n  b: 1\n", "a:\n  c: 2\n"])
    assert preset.run_config == {"a": {"b": 1, "c": 2}}
    assert preset.mode == "default"
    assert preset.with_additional_config({"a": {"b": 5}}).run_config == {"a": {"b": 5, "c": 2}}


# -- resources, loggers and hooks as definitions -------------------------------------------------


def test_resource_decorator_forms() -> None:
    @resource
    def bare(init_context):
        return 1

    @resource(config_schema={"url": str}, description="a db", required_resource_keys={"creds"})
    def configured(init_context):
        return init_context.resource_config["url"]

    @resource(config_schema=int)
    def scalar(init_context):
        return init_context.resource_config

    @resource()
    def empty_parentheses(init_context):
        """Documented."""
        return 2

    assert isinstance(bare, ResourceDefinition)
    assert bare.config_schema is None
    assert scalar.config_schema is not None and scalar.config_schema.config_type == Int
    assert empty_parentheses.description == "Documented."
    assert configured.description == "a db"
    assert configured.required_resource_keys == frozenset({"creds"})
    assert configured.config_schema is not None


def test_hardcoded_none_and_mock_resources() -> None:
    assert hardcoded_resource(5).resource_fn(None) == 5
    assert ResourceDefinition.hardcoded_resource("x", "desc").description == "desc"
    assert ResourceDefinition.none_resource().resource_fn(None) is None
    assert ResourceDefinition.mock_resource().resource_fn(None) is not None


def test_logger_decorator() -> None:
    @logger(config_schema={"level": str}, description="mine")
    def my_logger(init_context):
        return logging.getLogger("mine")

    @logger
    def bare_logger(init_context):
        return logging.getLogger("bare")

    assert isinstance(my_logger, LoggerDefinition)
    assert my_logger.description == "mine"
    assert my_logger.config_schema is not None
    assert isinstance(bare_logger, LoggerDefinition)


def test_hook_decorators() -> None:
    @success_hook
    def on_ok(context):
        pass

    @failure_hook(name="renamed", required_resource_keys={"r"})
    def on_fail(context):
        pass

    @event_list_hook
    def on_any(context, event_list):
        pass

    assert isinstance(on_ok, HookDefinition)
    assert (on_ok.name, on_ok.trigger) == ("on_ok", "success")
    assert (on_fail.name, on_fail.trigger, on_fail.required_resource_keys) == (
        "renamed",
        "failure",
        frozenset({"r"}),
    )
    assert on_any.trigger == "always"


def test_event_list_hook_function_needs_an_event_list_parameter() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="'only_context' decorated function does not have required positional parameter "
        "'event_list'",
    ):

        @event_list_hook
        def only_context(context):
            pass


def test_hook_function_needs_a_context_parameter() -> None:
    with pytest.raises(
        DagsterInvalidDefinitionError,
        match="@success_hook 'no_context' decorated function does not have required positional parameter 'context'",
    ):

        @success_hook
        def no_context():
            pass


def test_console_logger_writes_to_the_current_stderr() -> None:
    import contextlib
    import io

    from opbook import job, op

    @op
    def talk(context):
        context.log.info("hello from op")

    @job
    def chatty():
        talk()

    for _ in range(2):  # the second run must not write to the first run's stream
        stream = io.StringIO()
        with contextlib.redirect_stderr(stream):
            chatty.execute_in_process()
        assert "hello from op" in stream.getvalue()
