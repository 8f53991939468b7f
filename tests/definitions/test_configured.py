"""``configured`` for ops, solids, composite solids, resources, loggers and executors: a fixed
config (the new definition needs none) or a config function over a schema of its own."""

from __future__ import annotations

import logging
import re

import pytest

from opbook import (
    ConfigMapping,
    DagsterConfigMappingFunctionError,
    DagsterInvalidConfigError,
    DagsterInvalidDefinitionError,
    Field,
    ModeDefinition,
    build_init_resource_context,
    build_op_context,
    composite_solid,
    configured,
    execute_pipeline,
    executor,
    graph,
    in_process_executor,
    job,
    logger,
    multiprocess_executor,
    op,
    pipeline,
    resource,
    solid,
    validate_run_config,
)
from opbook.errors import CheckError, ParameterCheckError
from opbook.executors.in_process import execute_in_process


@op(config_schema={"n": int, "label": Field(str, default_value="plain")})
def emit(context):
    return dict(context.op_config)


three = emit.configured({"n": 3}, name="three")


@configured(emit, config_schema={"m": int})
def doubled(config):
    return {"n": config["m"] * 2, "label": "doubled"}


@job
def configured_ops():
    three()
    doubled()


def test_fixed_config_needs_no_config_and_gets_defaults() -> None:
    assert three.name == "three"
    assert three.config_schema is not None and not three.config_schema.is_required
    result = configured_ops.execute_in_process(
        run_config={"ops": {"doubled": {"config": {"m": 4}}}}
    )
    assert result.output_for_node("three") == {"n": 3, "label": "plain"}
    assert result.output_for_node("doubled") == {"n": 8, "label": "doubled"}


def test_decorated_function_names_the_new_op_and_its_schema_is_used() -> None:
    assert doubled.name == "doubled"
    with pytest.raises(DagsterInvalidConfigError, match=re.escape("root:ops:doubled:config:m")):
        configured_ops.execute_in_process(run_config={"ops": {"doubled": {"config": {"m": "x"}}}})


def test_the_original_definition_is_unchanged() -> None:
    assert emit.config_schema is not None and emit.config_schema.is_required
    assert emit.configured_from is None and three.configured_from is not None
    assert three.input_defs == emit.input_defs and three.output_defs == emit.output_defs


def test_ops_must_be_given_a_name() -> None:
    with pytest.raises(ParameterCheckError, match=re.escape('Param "name" is not a str. Got None')):
        emit.configured({"n": 1})
    with pytest.raises(ParameterCheckError, match='Param "name" is not a str'):
        configured(emit)({"n": 1})
    assert configured(emit, name="one")({"n": 1}).name == "one"


def test_a_fixed_config_that_does_not_fit_is_reported_when_the_job_runs() -> None:
    @job
    def bad():
        emit.configured({"n": "x"}, name="bad_emit")()

    with pytest.raises(
        DagsterInvalidConfigError, match='config of op "bad_emit", mapped by `configured`'
    ) as info:
        bad.execute_in_process()
    assert 'Invalid scalar at path root:n. Value "x"' in str(info.value)


def test_a_raising_config_function_is_a_config_mapping_error() -> None:
    @configured(emit, config_schema={"m": int})
    def broken(config):
        raise ValueError("no way")

    @job
    def uses_broken():
        broken()

    with pytest.raises(
        DagsterConfigMappingFunctionError, match="`configured` OpDefinition"
    ) as info:
        uses_broken.execute_in_process(run_config={"ops": {"broken": {"config": {"m": 1}}}})
    assert isinstance(info.value.user_exception, ValueError)


def test_configured_twice_maps_through_both() -> None:
    @configured(doubled, config_schema={"k": int})
    def quadrupled(config):
        return {"m": config["k"] * 2}

    @job
    def chain():
        quadrupled()

    result = chain.execute_in_process(run_config={"ops": {"quadrupled": {"config": {"k": 1}}}})
    assert result.output_for_node("quadrupled") == {"n": 4, "label": "doubled"}


def test_configured_op_invoked_directly() -> None:
    assert three(build_op_context()) == {"n": 3, "label": "plain"}
    assert doubled(build_op_context(config={"m": 1}))["n"] == 2
    with pytest.raises(DagsterInvalidConfigError, match='Error in config for op "doubled"'):
        doubled(build_op_context(config={"m": "x"}))


def test_validate_run_config_shows_the_mapped_config() -> None:
    resolved = validate_run_config(configured_ops, {"ops": {"doubled": {"config": {"m": 1}}}})
    assert resolved["ops"]["doubled"]["config"] == {"n": 2, "label": "doubled"}


def test_solids_in_a_pipeline() -> None:
    @solid(config_schema={"word": str})
    def say(context):
        return context.solid_config["word"]

    hello = configured(say, name="hello")({"word": "hello"})

    @configured(say, config_schema=int)
    def repeat(times):
        return {"word": "ho" * times}

    @pipeline
    def talk():
        hello()
        repeat()

    result = execute_pipeline(talk, run_config={"solids": {"repeat": {"config": 3}}})
    assert result.result_for_solid("hello").output_value() == "hello"
    assert result.result_for_solid("repeat").output_value() == "hohoho"


def test_composite_solid_with_a_config_mapping() -> None:
    @solid(config_schema={"n": int})
    def inner(context):
        return context.solid_config["n"]

    @composite_solid(
        config_schema={"base": int},
        config_fn=lambda cfg: {"inner": {"config": {"n": cfg["base"] + 1}}},
    )
    def wrapped():
        return inner()

    ten = wrapped.configured({"base": 9}, name="ten")

    @pipeline
    def uses_ten():
        ten()

    result = execute_pipeline(uses_ten)
    assert result.result_for_handle("ten.inner").output_value() == 10


def test_graph_without_config_mapping_cannot_be_configured() -> None:
    @graph
    def plain():
        emit()

    with pytest.raises(DagsterInvalidDefinitionError, match="nothing to be configured"):
        plain.configured({}, name="other")


def test_aliased_node_and_other_objects_cannot_be_configured() -> None:
    with pytest.raises(CheckError, match="pending invocation"):
        configured(emit.alias("other"))
    with pytest.raises(CheckError, match="Only the following types"):
        configured(object())


# -- resources, loggers, executors -------------------------------------------------------------


@resource(config_schema={"host": str, "port": Field(int, default_value=5432)})
def database(init_context):
    return f"{init_context.resource_config['host']}:{init_context.resource_config['port']}"


@op(required_resource_keys={"db"})
def where(context):
    return context.resources.db


def test_resource_with_a_fixed_config() -> None:
    local_db = database.configured({"host": "localhost"})

    @job(resource_defs={"db": local_db})
    def uses_db():
        where()

    assert uses_db.execute_in_process().output_for_node("where") == "localhost:5432"


def test_resource_with_a_config_function() -> None:
    @configured(database, config_schema={"env": str})
    def env_db(config):
        return {"host": f"{config['env']}.db", "port": 1}

    @job(resource_defs={"db": env_db})
    def uses_db():
        where()

    result = uses_db.execute_in_process(
        run_config={"resources": {"db": {"config": {"env": "prod"}}}}
    )
    assert result.output_for_node("where") == "prod.db:1"
    assert env_db(build_init_resource_context(config={"env": "dev"})) == "dev.db:1"
    context = build_op_context(resources={"db": env_db}, resources_config={"db": {"env": "qa"}})
    assert where(context) == "qa.db:1"


def test_bad_resource_config_from_a_config_function_names_the_resource() -> None:
    bad_db = database.configured({"port": 1})

    @job(resource_defs={"db": bad_db})
    def uses_db():
        where()

    with pytest.raises(DagsterInvalidConfigError, match="Error in config for resource db"):
        uses_db.execute_in_process()


def test_logger_with_a_fixed_config() -> None:
    seen: list[object] = []

    @logger(config_schema={"level": str})
    def capture(init_context):
        seen.append(init_context.logger_config)
        made = logging.getLogger("opbook.test.configured")
        made.setLevel(init_context.logger_config["level"])
        return made

    @job(logger_defs={"capture": capture.configured({"level": "ERROR"})})
    def logged():
        three()

    assert logged.execute_in_process().success
    assert seen == [{"level": "ERROR"}]


def test_builtin_executor_configured_under_a_new_name_runs_the_original() -> None:
    no_retries = in_process_executor.configured({"retries": {"disabled": {}}}, name="no_retries")
    assert no_retries.name == "no_retries"
    assert multiprocess_executor.configured({"max_concurrent": 2}).name == "multiprocess"

    @pipeline(mode_defs=[ModeDefinition(executor_defs=[no_retries])])
    def quiet():
        emit.configured({"n": 1}, name="one")()

    result = execute_pipeline(quiet, run_config={"execution": {"no_retries": {}}})
    assert result.success
    resolved = validate_run_config(quiet)
    assert resolved["execution"] == {"no_retries": {"retries": {"disabled": {}}}}


class InProcess:
    """A custom executor object that runs the plan as the in-process executor does."""

    def execute(self, rc, resources):
        yield from execute_in_process(rc, resources)


def test_custom_executor_receives_the_mapped_config() -> None:
    seen: list[object] = []

    @executor(name="custom", config_schema={"speed": int})
    def custom(init_context):
        seen.append(init_context.executor_config)
        return InProcess()

    @configured(custom, config_schema={"fast": bool})
    def tuned(config):
        return {"speed": 10 if config["fast"] else 1}

    @job(executor_def=tuned)
    def tuned_job():
        three()

    assert execute_pipeline(tuned_job, run_config={"execution": {"config": {"fast": True}}}).success
    assert seen == [{"speed": 10}]


def test_job_config_mapping_and_graph_config_mapping_together() -> None:
    @graph(
        config=ConfigMapping(
            config_fn=lambda cfg: {"emit": {"config": {"n": cfg["n"]}}},
            config_schema={"n": int},
        )
    )
    def one_emit():
        emit()

    mapped_twice = one_emit.to_job(
        name="mapped_twice",
        config=ConfigMapping(
            config_fn=lambda cfg: {"ops": {"config": {"n": cfg["half"] * 2}}},
            config_schema={"half": int},
        ),
    )
    assert mapped_twice.execute_in_process(run_config={"half": 2}).output_for_node("emit")["n"] == 4


# -- a top-level graph's own config mapping ----------------------------------------------------


@graph(
    config=ConfigMapping(
        config_fn=lambda cfg: {"emit": {"config": {"n": cfg["base"] + 1, "label": "mapped"}}},
        config_schema={"base": int},
    )
)
def mapped_graph():
    emit()


def test_a_graph_config_mapping_is_the_job_config() -> None:
    made = mapped_graph.to_job()
    result = made.execute_in_process(run_config={"ops": {"config": {"base": 1}}})
    assert result.output_for_node("emit") == {"n": 2, "label": "mapped"}
    result = mapped_graph.execute_in_process(run_config={"solids": {"config": {"base": 5}}})
    assert result.output_for_node("emit")["n"] == 6
    resolved = validate_run_config(made, {"ops": {"config": {"base": 1}}})
    assert resolved["ops"]["emit"]["config"] == {"n": 2, "label": "mapped"}


def test_a_graph_config_mapping_validates_its_own_schema() -> None:
    with pytest.raises(DagsterInvalidConfigError, match='Missing required config entry "ops"'):
        mapped_graph.to_job().execute_in_process()
    with pytest.raises(DagsterInvalidConfigError, match=re.escape("root:ops:config:base")):
        mapped_graph.execute_in_process(run_config={"ops": {"config": {"base": "x"}}})


def test_a_graph_config_mapping_without_schema_takes_any_config() -> None:
    @graph(config=ConfigMapping(config_fn=lambda cfg: {"emit": {"config": {"n": len(cfg)}}}))
    def counted():
        emit()

    result = counted.execute_in_process(run_config={"ops": {"config": ["a", "b"]}})
    assert result.output_for_node("emit")["n"] == 2


def test_a_configured_graph_used_as_a_job() -> None:
    fixed = mapped_graph.configured({"base": 10}, name="fixed")
    assert fixed.execute_in_process().output_for_node("emit")["n"] == 11


def test_configured_copies_of_every_kind_are_new_values_remembering_their_parent() -> None:
    @logger(config_schema={"level": str})
    def leveled(init_context):
        return logging.getLogger(init_context.logger_config["level"])

    @graph(config=ConfigMapping(lambda _config: {"emit": {"config": {"n": 1}}}))
    def mapped():
        emit()

    originals = [emit, database, multiprocess_executor, leveled, mapped]
    for original in originals:
        copy = original.configured({}, name="copy")
        assert copy is not original
        assert copy.configured_from.parent is original
        assert type(copy) is type(original)


def test_a_copy_of_a_configured_op_stays_configured() -> None:
    retagged = three.with_replaced(tags={"team": "a"})
    assert retagged.configured_from is three.configured_from
    assert retagged.config_field is three.config_field


def test_a_configured_executor_keeps_the_name_it_is_not_given_another() -> None:
    assert multiprocess_executor.configured({"max_concurrent": 2}).name == "multiprocess"


def test_a_name_given_to_a_configured_resource_labels_it() -> None:
    assert repr(database.configured({"host": "h"}, name="one")) == "<ResourceDefinition one>"
