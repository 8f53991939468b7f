"""Resources in runs: config, the init context, dependencies between resources, generator
teardown (also after a failure), which resources a run builds, and init failures."""

from __future__ import annotations

from typing import Any

import pytest

from opbook import (
    DagsterInvalidConfigError,
    DagsterResourceFunctionError,
    DagsterUnknownResourceError,
    InitResourceContext,
    ModeDefinition,
    ResourceDefinition,
    execute_pipeline,
    graph,
    job,
    op,
    pipeline,
    resource,
    solid,
)

LOG: list[str] = []


@pytest.fixture(autouse=True)
def _clear_log() -> None:
    LOG.clear()


@resource(config_schema={"prefix": str})
def prefix(init_context: InitResourceContext) -> Any:
    LOG.append(f"init prefix {init_context.resource_config['prefix']}")
    yield init_context.resource_config["prefix"]
    LOG.append("teardown prefix")


@resource(required_resource_keys={"prefix"})
def greeter(init_context: InitResourceContext) -> Any:
    LOG.append("init greeter")
    yield lambda name: f"{init_context.resources.prefix} {name}"
    LOG.append("teardown greeter")


@op(required_resource_keys={"greeter"})
def greet(context) -> str:
    LOG.append("op")
    return context.resources.greeter("world")


RESOURCES = {"prefix": prefix, "greeter": greeter}
CONFIG = {"resources": {"prefix": {"config": {"prefix": "hello"}}}}


def test_resources_are_built_in_dependency_order_and_torn_down_in_reverse() -> None:
    @job(resource_defs=RESOURCES)
    def greeting():
        greet()

    result = greeting.execute_in_process(run_config=CONFIG)
    assert result.output_for_node("greet") == "hello world"
    assert LOG == ["init prefix hello", "init greeter", "op", "teardown greeter", "teardown prefix"]
    init = [e.message for e in result.all_events if e.is_engine_event][1]
    assert init == "Starting initialization of resources [prefix, greeter]."


def test_teardown_runs_after_a_failed_step() -> None:
    @op(required_resource_keys={"greeter"})
    def fails(context):
        raise ValueError("no")

    @job(resource_defs=RESOURCES)
    def failing():
        fails()

    with pytest.raises(ValueError):
        failing.execute_in_process(run_config=CONFIG)
    assert LOG[-2:] == ["teardown greeter", "teardown prefix"]


def test_resource_config_is_validated_with_the_run_config() -> None:
    @job(resource_defs=RESOURCES)
    def greeting():
        greet()

    with pytest.raises(DagsterInvalidConfigError) as info:
        greeting.execute_in_process(run_config={"resources": {"prefix": {"config": {"prefix": 1}}}})
    assert "root:resources:prefix:config:prefix" in str(info.value)
    assert LOG == []


def test_init_context_members() -> None:
    seen: dict[str, Any] = {}

    @resource(config_schema={"n": int})
    def inspecting(init_context):
        seen.update(
            config=init_context.resource_config,
            run_id=init_context.run_id,
            has_log=hasattr(init_context.log, "info"),
            definition=init_context.resource_def,
            run=init_context.pipeline_run.run_id,
            instance=init_context.instance,
        )
        return init_context.resource_config["n"]

    @op(required_resource_keys={"r"})
    def uses(context):
        return context.resources.r

    @job(resource_defs={"r": inspecting})
    def inspected():
        uses()

    result = inspected.execute_in_process(run_config={"resources": {"r": {"config": {"n": 7}}}})
    assert result.output_for_node("uses") == 7
    assert seen["config"] == {"n": 7}
    assert seen["run_id"] == seen["run"] == result.run_id
    assert seen["has_log"]
    assert seen["definition"] is inspecting
    assert seen["instance"] is not None


def test_only_resources_the_run_needs_are_built() -> None:
    @resource
    def unused(_):
        LOG.append("unused built")
        return 1

    @job(resource_defs={**RESOURCES, "unused": unused})
    def greeting():
        greet()

    greeting.execute_in_process(run_config=CONFIG)
    assert "unused built" not in LOG


def test_a_run_without_resources_emits_no_resource_events() -> None:
    @op
    def plain() -> int:
        return 1

    @job(resource_defs={"unused": ResourceDefinition.hardcoded_resource(1)})
    def no_resources_needed():
        plain()

    messages = [e.message for e in no_resources_needed.execute_in_process().all_events]
    assert not any("initialization of resources" in m for m in messages)


def test_resource_init_failure_raises_resource_function_error() -> None:
    @resource
    def broken(_):
        raise ConnectionError("refused")

    @op(required_resource_keys={"db"})
    def uses_db(context):
        return 1

    @job(resource_defs={"db": broken})
    def broken_job():
        uses_db()

    with pytest.raises(DagsterResourceFunctionError) as info:
        broken_job.execute_in_process()
    assert str(info.value) == "Error executing resource_fn on ResourceDefinition db"
    assert isinstance(info.value.user_exception, ConnectionError)
    assert isinstance(info.value.__cause__, ConnectionError)
    result = broken_job.execute_in_process(raise_on_error=False)
    assert not result.success
    assert result.events_for_node("uses_db") == []


def test_resource_init_failure_tears_down_the_resources_already_built() -> None:
    @resource(required_resource_keys={"prefix"})
    def broken_after_prefix(_):
        raise ValueError("second resource fails")

    @op(required_resource_keys={"broken"})
    def needs_broken(context):
        return 1

    @job(resource_defs={"prefix": prefix, "broken": broken_after_prefix})
    def half_built():
        needs_broken()

    half_built.execute_in_process(run_config=CONFIG, raise_on_error=False)
    assert LOG == ["init prefix hello", "teardown prefix"]


def test_a_failing_teardown_is_reported_not_raised() -> None:
    @resource
    def bad_teardown(_):
        yield 1
        raise RuntimeError("cannot close")

    @op(required_resource_keys={"r"})
    def uses(context):
        return context.resources.r

    @job(resource_defs={"r": bad_teardown})
    def closes_badly():
        uses()

    result = closes_badly.execute_in_process()
    assert result.success
    teardown = [
        e for e in result.all_events if e.is_engine_event and "Teardown" in (e.message or "")
    ]
    assert teardown[0].message == "Teardown of resources [r] failed."
    assert teardown[0].engine_event_data.error.cause.cls_name == "RuntimeError"


def test_unrequired_resource_access_raises_unknown_resource_error() -> None:
    @op(required_resource_keys={"prefix"})
    def peeks(context):
        return context.resources.greeter

    @job(resource_defs=RESOURCES)
    def peeking():
        peeks()

    with pytest.raises(DagsterUnknownResourceError) as info:
        peeking.execute_in_process(run_config=CONFIG)
    assert isinstance(info.value, AttributeError)
    assert "Unknown resource `greeter`" in str(info.value)


def test_pipeline_modes_provide_resources() -> None:
    @solid(required_resource_keys={"greeter"})
    def greet_solid(context):
        return context.resources.greeter("pipeline")

    @pipeline(mode_defs=[ModeDefinition(resource_defs=RESOURCES)])
    def greeting_pipeline():
        greet_solid()

    result = execute_pipeline(greeting_pipeline, run_config=CONFIG)
    assert result.result_for_solid("greet_solid").output_value() == "hello pipeline"


def test_graph_execute_in_process_takes_resource_values_or_definitions() -> None:
    @graph
    def greeting_graph():
        greet()

    with_values = greeting_graph.execute_in_process(resources={"greeter": lambda n: f"hi {n}"})
    assert with_values.output_for_node("greet") == "hi world"
    with_defs = greeting_graph.execute_in_process(run_config=CONFIG, resources=RESOURCES)
    assert with_defs.output_for_node("greet") == "hello world"


def test_a_resource_made_with_contextmanager_is_entered_for_the_run_and_exited_after() -> None:
    import contextlib

    events: list[str] = []

    @resource
    @contextlib.contextmanager
    def session():
        events.append("open")
        try:
            yield "session"
        finally:
            events.append("close")

    @op(required_resource_keys={"db"})
    def uses(context) -> None:
        events.append(f"use {context.resources.db}")

    @job(resource_defs={"db": session})
    def with_session():
        uses()

    assert with_session.execute_in_process().success
    assert events == ["open", "use session", "close"]
