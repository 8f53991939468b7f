"""The context of a directly invoked op has no run: reading what only a run has is an error."""

from __future__ import annotations

import pytest

from opbook import DagsterInvalidPropertyError, build_op_context, op


@pytest.mark.parametrize(
    "name",
    [
        "pipeline_run",
        "step_launcher",
        "pipeline_def",
        "job_def",
        "pipeline_name",
        "job_name",
        "mode_def",
        "solid_handle",
        "solid",
    ],
)
def test_run_properties_are_not_set_on_a_direct_context(name: str) -> None:
    with pytest.raises(
        DagsterInvalidPropertyError,
        match=f"The {name.replace('job', 'pipeline')} property is not set on the context when "
        "a solid is directly invoked.",
    ):
        getattr(build_op_context(), name)


def test_get_step_execution_context_is_not_available_on_a_direct_context() -> None:
    @op
    def reads_step_context(context):
        return context.get_step_execution_context()

    with pytest.raises(DagsterInvalidPropertyError, match="get_step_execution_context method"):
        reads_step_context(build_op_context())


def test_an_invoked_ops_run_config_holds_its_config_and_the_resources_config() -> None:
    seen = {}

    @op(config_schema={"foo": str})
    def configured(context):
        seen["run_config"] = context.run_config

    @op
    def plain(context):
        seen["plain"] = context.run_config

    configured(build_op_context(config={"foo": "bar"}))
    plain(build_op_context())
    assert seen["run_config"] == {
        "solids": {"configured": {"config": {"foo": "bar"}}},
        "resources": {},
    }
    assert seen["plain"] == {"resources": {}}


def test_run_config_is_not_set_before_an_op_is_invoked() -> None:
    with pytest.raises(DagsterInvalidPropertyError, match="The run_config property is not set"):
        _ = build_op_context().run_config


def test_a_contextmanager_resource_is_entered_by_the_context_and_exited_after() -> None:
    import contextlib

    from opbook import DagsterInvariantViolationError, resource

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
    def uses(context) -> str:
        return context.resources.db

    with build_op_context(resources={"db": session}) as context:
        assert uses(context) == "session"
    assert events == ["open", "close"]
    with pytest.raises(DagsterInvariantViolationError, match="At least one provided resource"):
        uses(build_op_context(resources={"db": session}))
