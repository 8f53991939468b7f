"""Run config as a user writes it: the per-node section under any of its names, op config with
defaults, ``inputs:`` and ``outputs:``, ``execution:`` in both generations' forms, ``loggers:``,
storage, job default config, and every problem reported at once with its path."""

from __future__ import annotations

import json
import logging
import pickle
import re
from pathlib import Path
from typing import Any

import pytest

from opbook import (
    DagsterInvalidConfigError,
    Field,
    In,
    Int,
    ModeDefinition,
    Noneable,
    execute_pipeline,
    in_process_executor,
    job,
    logger,
    op,
    pipeline,
    resource,
    solid,
)
from opbook.errors import ParameterCheckError


@op(config_schema={"n": int, "label": Field(str, default_value="x"), "maybe": Noneable(int)})
def configured(context) -> Any:
    return dict(context.op_config)


@job
def configured_job():
    configured()


# -- the per-node section ------------------------------------------------------------------------


@pytest.mark.parametrize("section", ["ops", "solids", "graph"])
def test_node_section_under_any_of_its_names(section: str) -> None:
    result = configured_job.execute_in_process(
        run_config={section: {"configured": {"config": {"n": 1}}}}
    )
    assert result.output_for_node("configured") == {"n": 1, "label": "x", "maybe": None}


def test_two_node_sections_at_once_is_an_error_naming_both() -> None:
    with pytest.raises(DagsterInvalidConfigError) as info:
        configured_job.execute_in_process(
            run_config={"ops": {"configured": {"config": {"n": 1}}}, "solids": {}}
        )
    assert (
        "Received both field 'ops' and field 'solids' in config. Please use one or the other."
        in str(info.value)
    )


def test_pipeline_takes_solids_and_ops() -> None:
    @solid(config_schema=int)
    def scalar_config(context):
        return context.solid_config

    @pipeline
    def scalar():
        scalar_config()

    for section in ("solids", "ops"):
        result = execute_pipeline(scalar, {section: {"scalar_config": {"config": 3}}})
        assert result.result_for_solid("scalar_config").output_value() == 3


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    with pytest.raises(DagsterInvalidConfigError) as info:
        configured_job.execute_in_process(
            run_config={"ops": {"configured": {"config": {"n": "one", "label": 2}}}, "bogus": {}}
        )
    error = info.value
    assert str(error).startswith("Error in config for job configured_job\n")
    assert len(error.errors) == 3
    text = "\n".join(error.error_messages)
    assert "root:ops:configured:config:n" in text
    assert "root:ops:configured:config:label" in text
    assert 'Received unexpected config entry "bogus" at the root.' in text


def test_missing_required_config_names_the_entry() -> None:
    with pytest.raises(
        DagsterInvalidConfigError, match='Missing required config entry "ops" at the root'
    ):
        configured_job.execute_in_process()


def test_pipeline_config_error_preamble_names_the_pipeline() -> None:
    @solid(config_schema={"n": int})
    def needs_n(context):
        return 1

    @pipeline
    def needs_config():
        needs_n()

    with pytest.raises(
        DagsterInvalidConfigError, match=r"^Error in config for pipeline needs_config"
    ):
        execute_pipeline(needs_config)


@op
def echo_config(context) -> Any:
    return context.op_config


@solid
def echo_solid_config(context) -> Any:
    return context.solid_config


@resource
def echo_resource(init_context) -> Any:
    return init_context.resource_config


@op(required_resource_keys={"echo"})
def use_echo(context) -> Any:
    return context.resources.echo


@job(resource_defs={"echo": echo_resource})
def schemaless_job():
    echo_config()
    use_echo()


def test_op_without_config_schema_gets_its_config_as_given() -> None:
    result = schemaless_job.execute_in_process(
        run_config={"ops": {"echo_config": {"config": {"a": [1, 2]}}}}
    )
    assert result.output_for_node("echo_config") == {"a": [1, 2]}


def test_resource_without_config_schema_gets_its_config_as_given() -> None:
    result = schemaless_job.execute_in_process(run_config={"resources": {"echo": {"config": 5}}})
    assert result.output_for_node("use_echo") == 5


def test_config_without_schema_is_optional_and_none_when_left_out() -> None:
    result = schemaless_job.execute_in_process()
    assert result.output_for_node("echo_config") is None
    assert result.output_for_node("use_echo") is None


def test_solid_without_config_schema_gets_its_config_as_given() -> None:
    @pipeline
    def schemaless_pipeline():
        echo_solid_config()

    result = execute_pipeline(
        schemaless_pipeline, run_config={"solids": {"echo_solid_config": {"config": "x"}}}
    )
    assert result.result_for_solid("echo_solid_config").output_value() == "x"


def test_run_config_must_be_a_dict() -> None:
    with pytest.raises(ParameterCheckError, match='Param "run_config" is not a dict'):
        execute_pipeline(configured_job, run_config=["ops"])  # type: ignore[arg-type]


def test_job_default_config_is_used_when_none_is_given() -> None:
    @job(config={"ops": {"configured": {"config": {"n": 5}}}})
    def with_default():
        configured()

    assert with_default.execute_in_process().output_for_node("configured")["n"] == 5
    given = with_default.execute_in_process(
        run_config={"ops": {"configured": {"config": {"n": 6}}}}
    )
    assert given.output_for_node("configured")["n"] == 6


# -- inputs ------------------------------------------------------------------------------------------


@op(ins={"count": In(Int), "anything": In()})
def combine(count, anything) -> Any:
    return count, anything


@job
def inputs_job():
    combine()


def test_scalar_inputs_take_bare_values_and_any_takes_value() -> None:
    result = inputs_job.execute_in_process(
        run_config={"ops": {"combine": {"inputs": {"count": 3, "anything": {"value": [1, 2]}}}}}
    )
    assert result.output_for_node("combine") == (3, [1, 2])
    step_events = [e.event_type_value for e in result.events_for_node("combine")]
    assert step_events[:3] == ["STEP_START", "STEP_INPUT", "STEP_INPUT"]


def test_scalar_input_also_takes_value_form() -> None:
    result = inputs_job.execute_in_process(
        run_config={
            "ops": {"combine": {"inputs": {"count": {"value": 4}, "anything": {"value": None}}}}
        }
    )
    assert result.output_for_node("combine") == (4, None)


def test_any_input_rejects_a_bare_value() -> None:
    with pytest.raises(
        DagsterInvalidConfigError,
        match=re.escape("root:ops:combine:inputs:anything must be a dict"),
    ):
        inputs_job.execute_in_process(
            run_config={"ops": {"combine": {"inputs": {"count": 1, "anything": 2}}}}
        )


def test_inputs_from_json_and_pickle_files(tmp_path: Path) -> None:
    (tmp_path / "count.json").write_text(json.dumps({"value": 9}))
    (tmp_path / "anything.pickle").write_bytes(pickle.dumps({"a": 1}))
    result = inputs_job.execute_in_process(
        run_config={
            "ops": {
                "combine": {
                    "inputs": {
                        "count": {"json": {"path": str(tmp_path / "count.json")}},
                        "anything": {
                            "pickle": {"path": str(tmp_path / "anything.pickle"), "trust": True}
                        },
                    }
                }
            }
        }
    )
    assert result.output_for_node("combine") == (9, {"a": 1})


def test_input_from_config_is_type_checked() -> None:
    result = inputs_job.execute_in_process(
        run_config={
            "ops": {"combine": {"inputs": {"count": {"value": 1}, "anything": {"value": 1}}}}
        },
    )
    assert result.success
    with pytest.raises(DagsterInvalidConfigError, match=re.escape("root:ops:combine:inputs:count")):
        inputs_job.execute_in_process(
            run_config={"ops": {"combine": {"inputs": {"count": "x", "anything": {"value": 1}}}}}
        )


def test_a_missing_input_file_fails_the_step_with_the_loader_error(tmp_path: Path) -> None:
    result = inputs_job.execute_in_process(
        raise_on_error=False,
        run_config={
            "ops": {
                "combine": {
                    "inputs": {
                        "count": 1,
                        "anything": {"json": {"path": str(tmp_path / "missing.json")}},
                    }
                }
            }
        },
    )
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_failure_data.error.cls_name == "DagsterTypeLoadingError"
    assert 'loading input "anything" of step "combine"' in failure.step_failure_data.error.message


# -- outputs -----------------------------------------------------------------------------------------


@op
def produce() -> int:
    return 42


@job
def outputs_job():
    produce()


def test_outputs_list_writes_files_and_materializes_after_handled_output(tmp_path: Path) -> None:
    json_path = tmp_path / "out.json"
    pickle_path = tmp_path / "out.pickle"
    result = outputs_job.execute_in_process(
        run_config={
            "ops": {
                "produce": {
                    "outputs": [
                        {"result": {"json": {"path": str(json_path)}}},
                        {"result": {"pickle": {"path": str(pickle_path)}}},
                    ]
                }
            }
        }
    )
    assert json.loads(json_path.read_text()) == {"value": 42}
    assert pickle.loads(pickle_path.read_bytes()) == 42
    kinds = [e.event_type_value for e in result.events_for_node("produce")]
    assert kinds == [
        "STEP_START",
        "STEP_OUTPUT",
        "HANDLED_OUTPUT",
        "ASSET_MATERIALIZATION",
        "ASSET_MATERIALIZATION",
        "STEP_SUCCESS",
    ]
    (first, _second) = result.asset_materializations_for_node("produce")
    assert first.asset_key.path == [str(json_path)]


def test_outputs_as_a_dict_is_an_error() -> None:
    with pytest.raises(
        DagsterInvalidConfigError, match=re.escape("root:ops:produce:outputs must be list")
    ):
        outputs_job.execute_in_process(
            run_config={"ops": {"produce": {"outputs": {"result": {"json": {"path": "x"}}}}}}
        )


# -- execution ----------------------------------------------------------------------------------------


@op
def retry_once(context) -> int:
    from opbook import RetryRequested

    if context.retry_number == 0:
        raise RetryRequested(max_retries=1)
    return context.retry_number


@job
def default_executor_job():
    retry_once()


@job(executor_def=in_process_executor)
def single_executor_job():
    retry_once()


@pytest.mark.parametrize(
    "execution",
    [
        {"config": {"in_process": {"retries": {"disabled": {}}}}},
        {"in_process": {"config": {"retries": {"disabled": {}}}}},
    ],
)
def test_default_executor_job_takes_013_and_pipeline_forms(execution: dict) -> None:
    enabled = execute_pipeline(default_executor_job)
    assert enabled.success
    disabled = execute_pipeline(default_executor_job, {"execution": execution})
    assert not disabled.success


def test_single_executor_job_takes_its_config_directly() -> None:
    result = execute_pipeline(
        single_executor_job, {"execution": {"config": {"retries": {"disabled": {}}}}}
    )
    assert not result.success
    assert execute_pipeline(single_executor_job, {"execution": {"config": {}}}).success


def test_pipeline_execution_selector() -> None:
    @pipeline
    def retrying_pipeline():
        retry_once()

    assert execute_pipeline(retrying_pipeline, {"execution": {"in_process": {}}}).success
    assert execute_pipeline(retrying_pipeline, {"execution": {"in_process": None}}).success
    disabled = execute_pipeline(
        retrying_pipeline, {"execution": {"in_process": {"config": {"retries": {"disabled": {}}}}}}
    )
    assert not disabled.success


def test_only_one_executor_may_be_named() -> None:
    @pipeline
    def retrying_pipeline():
        retry_once()

    with pytest.raises(
        DagsterInvalidConfigError,
        match="You can only specify a single field at path root:execution",
    ):
        execute_pipeline(retrying_pipeline, {"execution": {"in_process": {}, "multiprocess": {}}})


def test_execute_in_process_ignores_the_executor_choice() -> None:
    result = default_executor_job.execute_in_process(
        run_config={"execution": {"config": {"multiprocess": {}}}}
    )
    assert result.success
    assert "Executing steps in process" in (result.all_events[1].message or "")


# -- loggers ------------------------------------------------------------------------------------------


class ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


HANDLER = ListHandler()


@logger(config_schema={"log_level": Field(str, default_value="INFO")})
def list_logger(init_context):
    log = logging.getLogger("opbook.tests.list_logger")
    log.setLevel(init_context.logger_config["log_level"])
    log.propagate = False
    if HANDLER not in log.handlers:
        log.addHandler(HANDLER)
    return log


@op
def logs(context) -> int:
    context.log.debug("debug message")
    context.log.info("info message")
    return 1


def test_logger_config_sets_the_level() -> None:
    @job(logger_defs={"list": list_logger})
    def logging_job():
        logs()

    HANDLER.records.clear()
    logging_job.execute_in_process()
    info_only = [r.getMessage() for r in HANDLER.records]
    assert "info message" in info_only
    assert "debug message" not in info_only

    HANDLER.records.clear()
    logging_job.execute_in_process(
        run_config={"loggers": {"list": {"config": {"log_level": "DEBUG"}}}}
    )
    with_debug = [r.getMessage() for r in HANDLER.records]
    assert "debug message" in with_debug
    assert any("STEP_START" in m for m in with_debug)


def test_logger_records_carry_the_step_key() -> None:
    @pipeline(mode_defs=[ModeDefinition(logger_defs={"list": list_logger})])
    def logging_pipeline():
        logs()

    HANDLER.records.clear()
    execute_pipeline(logging_pipeline)
    record = next(r for r in HANDLER.records if r.getMessage() == "info message")
    assert record.opbook_step_key == "logs"  # type: ignore[attr-defined]


def test_unknown_logger_is_a_config_error() -> None:
    with pytest.raises(DagsterInvalidConfigError, match='"nope"'):
        default_executor_job.execute_in_process(run_config={"loggers": {"nope": {}}})


# -- storage ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["storage", "intermediate_storage"])
def test_pipeline_filesystem_storage_writes_values_under_base_dir(key: str, tmp_path: Path) -> None:
    @solid
    def value(context):
        return {"stored": True}

    @pipeline
    def stored():
        value()

    result = execute_pipeline(
        stored, {key: {"filesystem": {"config": {"base_dir": str(tmp_path)}}}}
    )
    assert result.result_for_solid("value").output_value() == {"stored": True}
    assert list(tmp_path.rglob("result"))
    handled = next(e for e in result.event_list if e.is_handled_output)
    assert handled.handled_output_data.manager_key == "filesystem"


def test_storage_and_intermediate_storage_together_is_an_error() -> None:
    @solid
    def value(context):
        return 1

    @pipeline
    def stored():
        value()

    with pytest.raises(
        DagsterInvalidConfigError, match="both field 'storage' and field 'intermediate_storage'"
    ):
        execute_pipeline(
            stored, {"storage": {"in_memory": {}}, "intermediate_storage": {"in_memory": {}}}
        )


# -- nested graphs -------------------------------------------------------------------------------


def test_nested_graph_config_takes_either_section_name() -> None:
    from opbook import graph

    @op(config_schema={"n": int})
    def emit(context) -> int:
        return context.op_config["n"]

    @op
    def add(x: int, y: int) -> int:
        return x + y

    @graph
    def inner(x: int):
        return add(x, emit())

    @graph
    def outer(y: int):
        return inner(y)

    @job
    def nested():
        outer()

    for key in ("ops", "solids"):
        run_config = {
            "ops": {
                "outer": {"inputs": {"y": 1}, key: {"inner": {key: {"emit": {"config": {"n": 2}}}}}}
            }
        }
        assert nested.execute_in_process(run_config=run_config).output_for_node("outer") == 3
    with pytest.raises(
        DagsterInvalidConfigError,
        match="Received both field 'ops' and field 'solids' in the config of node \"outer\"",
    ):
        nested.execute_in_process(run_config={"ops": {"outer": {"ops": {}, "solids": {}}}})


def test_composite_config_mapping_onto_a_nested_composite() -> None:
    from opbook import composite_solid

    @solid(config_schema={"n": int})
    def leaf(context):
        return context.solid_config["n"]

    @composite_solid
    def middle():
        return leaf()

    @composite_solid(
        config_schema={"m": int},
        config_fn=lambda cfg: {"middle": {"solids": {"leaf": {"config": {"n": cfg["m"] * 10}}}}},
    )
    def top():
        return middle()

    @pipeline
    def mapped():
        top()

    result = execute_pipeline(mapped, {"solids": {"top": {"config": {"m": 4}}}})
    assert result.output_for_solid("top.middle.leaf") == 40


def test_console_logger_level_and_name_come_from_config() -> None:
    default_executor_job.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": "ERROR", "name": "quiet_one"}}}}
    )
    assert logging.getLogger("opbook.console.quiet_one").level == logging.ERROR
    default_executor_job.execute_in_process(
        run_config={
            "loggers": {"console": {"config": {"log_level": "debug", "name": "chatty_one"}}}
        }
    )
    assert logging.getLogger("opbook.console.chatty_one").level == logging.DEBUG


def test_a_missing_input_names_the_op_and_the_input() -> None:
    @op
    def needs_x(x: int) -> int:
        return x

    @job
    def unfed():
        needs_x()

    with pytest.raises(DagsterInvalidConfigError) as info:
        unfed.execute_in_process()
    assert "'needs_x': {'inputs': {'x'" in str(info.value)
    with pytest.raises(
        DagsterInvalidConfigError,
        match=re.escape('Missing required config entry "x" at path root:ops:needs_x:inputs'),
    ):
        unfed.execute_in_process(run_config={"ops": {"needs_x": {"inputs": {}}}})


def test_config_mapping_errors() -> None:
    from opbook import ConfigMapping, DagsterConfigMappingFunctionError, graph

    def broken(config: Any) -> Any:
        raise ZeroDivisionError("bad mapping")

    @graph(config=ConfigMapping(config_fn=broken, config_schema={"x": int}))
    def raises_in_mapping():
        configured()

    @graph(config=ConfigMapping(config_fn=lambda c: {"configured": {"config": {"n": "no"}}}))
    def maps_badly():
        configured()

    @job
    def mapping_errors():
        raises_in_mapping()

    @job
    def bad_mapping():
        maps_badly()

    with pytest.raises(DagsterConfigMappingFunctionError) as info:
        mapping_errors.execute_in_process(
            run_config={"ops": {"raises_in_mapping": {"config": {"x": 1}}}}
        )
    assert isinstance(info.value.user_exception, ZeroDivisionError)
    with pytest.raises(DagsterInvalidConfigError, match='config mapped by graph "maps_badly"'):
        bad_mapping.execute_in_process(run_config={"ops": {"maps_badly": {"config": {}}}})


def test_only_the_loggers_named_in_config_are_built() -> None:
    from opbook.definitions.logger import colored_console_logger

    built: list[Any] = []

    @logger(config_schema={"tag": str})
    def needs_config(init_context):
        built.append(("needs_config", init_context.logger_config))
        return logging.getLogger("opbook.tests.needs_config")

    @logger
    def plain(init_context):
        built.append(("plain", init_context.logger_config))
        return logging.getLogger("opbook.tests.plain")

    @job(
        logger_defs={
            "needs_config": needs_config,
            "plain": plain,
            "console": colored_console_logger,
        }
    )
    def logged():
        produce()

    with pytest.raises(DagsterInvalidConfigError, match='Missing required config entry "loggers"'):
        logged.execute_in_process()
    logged.execute_in_process(run_config={"loggers": {"needs_config": {"config": {"tag": "t"}}}})
    assert built == [("needs_config", {"tag": "t"})]
