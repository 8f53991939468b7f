"""The contexts user code receives: the compute context (``SolidExecutionContext`` /
``OpExecutionContext``) with every member of both generations, its system view, and the
``TypeCheckContext`` of a type-check function."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from opbook import (
    AbstractComputeExecutionContext,
    AssetMaterialization,
    DagsterInvalidPropertyError,
    DagsterInvariantViolationError,
    DagsterType,
    DagsterUnknownResourceError,
    ExpectationResult,
    Field,
    In,
    InputDefinition,
    ModeDefinition,
    OpExecutionContext,
    SolidExecutionContext,
    SystemComputeExecutionContext,
    TypeCheck,
    TypeCheckContext,
    execute_pipeline,
    graph,
    hardcoded_resource,
    job,
    op,
    pipeline,
    solid,
)

SEEN: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _clear() -> None:
    SEEN.clear()


@op(
    config_schema={"n": Field(int, default_value=3)},
    required_resource_keys={"db"},
    tags={"op_tag": "o"},
)
def inspect_op(context: OpExecutionContext) -> int:
    SEEN["context"] = context
    SEEN.update(
        op_config=context.op_config,
        solid_config=context.solid_config,
        db=context.resources.db,
        run_id=context.run_id,
        run_config=context.run_config,
        job_name=context.job_def.name,
        pipeline_name=context.pipeline_def.name,
        name=context.pipeline_name,
        op=context.op.name,
        solid=context.solid.name,
        op_def=context.op_def.name,
        solid_def=context.solid_def.name,
        handle=str(context.solid_handle),
        has_op_tag=context.has_tag("op_tag"),
        op_tag=context.get_tag("op_tag"),
        has_job_tag=context.has_tag("job_tag"),
        job_tag=context.get_tag("job_tag"),
        missing_tag=context.get_tag("missing"),
        has_missing=context.has_tag("missing"),
        retry_number=context.retry_number,
        step_launcher=context.step_launcher,
        describe=context.describe_op(),
        mode=context.mode_def.name,
        run_status=context.pipeline_run.run_id,
        instance=context.instance,
        mapping_key=context.get_mapping_key(),
        system=context.get_system_context(),
        step_context=context.get_step_execution_context(),
        step_key=context.get_system_context().step.key,
    )
    context.log.info("from the op")
    return 1


@graph
def wrapper():
    inspect_op.alias("aliased")()


@job(resource_defs={"db": hardcoded_resource("conn")}, tags={"job_tag": "j"})
def context_job():
    wrapper()


def test_op_context_members() -> None:
    run_config = {"ops": {"wrapper": {"ops": {"aliased": {"config": {"n": 5}}}}}}
    result = context_job.execute_in_process(run_config=run_config)
    assert SEEN["op_config"] == SEEN["solid_config"] == {"n": 5}
    assert SEEN["db"] == "conn"
    assert SEEN["run_id"] == SEEN["run_status"] == result.run_id
    assert SEEN["run_config"] == run_config
    assert SEEN["job_name"] == SEEN["pipeline_name"] == SEEN["name"] == "context_job"
    assert SEEN["op"] == SEEN["solid"] == "aliased"
    assert SEEN["op_def"] == SEEN["solid_def"] == "inspect_op"
    assert SEEN["handle"] == "wrapper.aliased"
    assert (SEEN["has_op_tag"], SEEN["op_tag"]) == (True, "o")
    assert (SEEN["has_job_tag"], SEEN["job_tag"]) == (True, "j")
    assert (SEEN["has_missing"], SEEN["missing_tag"]) == (False, None)
    assert SEEN["retry_number"] == 0
    assert SEEN["step_launcher"] is None
    assert SEEN["describe"] == 'op "wrapper.aliased"'
    assert SEEN["mode"] == "default"
    assert SEEN["instance"] is not None
    assert SEEN["mapping_key"] is None
    assert isinstance(SEEN["system"], SystemComputeExecutionContext)
    assert SEEN["step_context"] is SEEN["system"]
    assert SEEN["step_key"] == "wrapper.aliased"


def test_default_op_config_is_filled() -> None:
    context_job.execute_in_process()
    assert SEEN["op_config"] == {"n": 3}


def test_context_classes_of_both_generations() -> None:
    context_job.execute_in_process()
    context = SEEN["context"]
    assert isinstance(context, OpExecutionContext)
    assert isinstance(context, SolidExecutionContext)
    assert isinstance(context, AbstractComputeExecutionContext)


def test_abstract_context_declares_the_fact_sheet_members() -> None:
    assert AbstractComputeExecutionContext.__abstractmethods__ == {
        "has_tag",
        "get_tag",
        "run_id",
        "solid_def",
        "solid",
        "pipeline_def",
        "pipeline_run",
        "resources",
        "log",
        "solid_config",
    }


def test_abstract_context_members_answer_on_a_run_context() -> None:
    def describe(context: AbstractComputeExecutionContext) -> tuple[Any, ...]:
        return (
            context.solid_def.name,
            context.solid.name,
            context.pipeline_def.name,
            context.pipeline_run.run_id == context.run_id,
            context.resources.db,
            context.solid_config,
            context.op_config,
        )

    @op(config_schema={"n": int}, required_resource_keys={"db"})
    def described(context) -> tuple[Any, ...]:
        return describe(context)

    @job(resource_defs={"db": hardcoded_resource("the db")})
    def describing():
        described.alias("renamed")()

    result = describing.execute_in_process(run_config={"ops": {"renamed": {"config": {"n": 2}}}})
    assert result.output_for_node("renamed") == (
        "described",
        "renamed",
        "describing",
        True,
        "the db",
        {"n": 2},
        {"n": 2},
    )


def test_a_context_subclass_missing_solid_config_cannot_be_made() -> None:
    class Partial(AbstractComputeExecutionContext):
        has_tag = get_tag = lambda self, key: None
        run_id = solid_def = solid = pipeline_def = pipeline_run = resources = log = None

    with pytest.raises(TypeError, match="solid_config"):
        Partial()  # type: ignore[abstract]


def test_unrequired_resource_and_removed_file_manager() -> None:
    @op(required_resource_keys={"db"})
    def touches(context):
        with pytest.raises(DagsterUnknownResourceError, match="Unknown resource `other`"):
            _ = context.resources.other
        assert "db" in context.resources
        with pytest.raises(DagsterInvalidPropertyError, match="moved to resources"):
            _ = context.file_manager
        return 1

    @job(resource_defs={"db": hardcoded_resource(1), "other": hardcoded_resource(2)})
    def touching():
        touches()

    assert touching.execute_in_process().success


def test_solid_context_and_run_tags() -> None:
    @solid(input_defs=[InputDefinition("x")])
    def inspect_solid(context: SolidExecutionContext, x):
        SEEN.update(
            config=context.solid_config,
            tag=context.get_tag("run_tag"),
            describe=context.describe_op(),
            previous=context.previous_attempt_count,
            resources=context.resources,
        )
        return x

    @solid
    def emit(context):
        return 1

    @pipeline(mode_defs=[ModeDefinition("m")], tags={"run_tag": "from pipeline"})
    def solid_pipeline():
        inspect_solid(emit())

    execute_pipeline(solid_pipeline)
    assert SEEN["config"] is None
    assert SEEN["tag"] == "from pipeline"
    assert SEEN["describe"] == 'solid "inspect_solid"'
    assert SEEN["previous"] == 0
    execute_pipeline(solid_pipeline, tags={"run_tag": "from the call"})
    assert SEEN["tag"] == "from the call"


def test_context_log_goes_to_the_run_loggers() -> None:
    from opbook import logger

    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    @logger
    def collecting(init_context):
        log = logging.getLogger("opbook.tests.contexts")
        log.setLevel(logging.DEBUG)
        log.handlers = [Collect()]
        log.propagate = False
        return log

    @op
    def logs(context):
        context.log.warning("careful %s", "now")
        return 1

    @job(logger_defs={"collect": collecting})
    def logging_job():
        logs()

    logging_job.execute_in_process()
    warning = next(r for r in records if r.levelno == logging.WARNING)
    assert warning.getMessage() == "careful now"


def test_log_event_and_output_metadata() -> None:
    @op
    def logs_events(context):
        context.log_event(AssetMaterialization("logged"))
        context.log_event(ExpectationResult(False, "checked"))
        assert context.has_events()
        context.add_output_metadata({"rows": 10})
        with pytest.raises(DagsterInvariantViolationError, match="no such output"):
            context.add_output_metadata({"x": 1}, output_name="nope")
        return 1

    @job
    def logging_events():
        logs_events()

    result = logging_events.execute_in_process()
    kinds = [e.event_type_value for e in result.events_for_node("logs_events")]
    assert kinds == [
        "STEP_START",
        "STEP_OUTPUT",
        "HANDLED_OUTPUT",
        "ASSET_MATERIALIZATION",
        "STEP_EXPECTATION_RESULT",
        "STEP_SUCCESS",
    ]
    output = next(e for e in result.all_events if e.is_successful_output)
    assert [(m.label, m.entry_data.value) for m in output.step_output_data.metadata_entries] == [
        ("rows", 10)
    ]
    expectation = next(
        e for e in result.all_events if e.event_type_value == "STEP_EXPECTATION_RESULT"
    )
    assert expectation.message == "Expectation checked failed"


def test_system_context_members() -> None:
    context_job.execute_in_process()
    system = SEEN["context"].get_system_context()
    assert system.pipeline_def is context_job
    assert system.execution_plan.has_step("wrapper.aliased")
    assert system.environment_config.nodes["wrapper.aliased"].config == {"n": 3}
    assert system.solid_def.name == "inspect_op"
    assert system.required_resource_keys == frozenset({"db"})
    assert system.logging_tags["step_key"] == "wrapper.aliased"
    assert system.retries is True
    assert system.raise_on_error is True
    assert system.for_type(DagsterType(lambda _c, _v: True, name="T")).run_id == system.run_id
    assert system.for_compute().solid_config == {"n": 3}
    assert system.for_step(system.step).solid_handle == system.solid_handle
    assert system.for_hook(None).step_key == "wrapper.aliased"
    assert system.intermediate_storage_def.name == "in_memory"
    assert system.system_storage_def is system.intermediate_storage_def
    assert system.using_asset_store() is False
    assert system.intermediate_storage.name == "in_memory"
    assert system.mode_def.name == "default"


# -- TypeCheckContext -------------------------------------------------------------------------------


def test_type_check_context_members() -> None:
    def check(context: TypeCheckContext, value: Any) -> TypeCheck:
        SEEN.update(run_id=context.run_id, resource=context.resources.checker, log=context.log)
        return TypeCheck(success=value > 0, description="must be positive")

    Positive = DagsterType(check, name="Positive", required_resource_keys={"checker"})

    @op
    def one() -> int:
        return 1

    @op(ins={"x": In(Positive)})
    def positive(x):
        return x

    @job(resource_defs={"checker": hardcoded_resource("the checker")})
    def checked():
        positive(one())

    result = checked.execute_in_process()
    assert SEEN["run_id"] == result.run_id
    assert SEEN["resource"] == "the checker"
    assert hasattr(SEEN["log"], "info")
