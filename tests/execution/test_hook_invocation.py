"""Hooks called directly, as in a user's tests: the arguments Dagster accepts, the context
bound to the hook, resources that must be on the context, and resources that yield."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from opbook import (
    DagsterInvalidInvocationError,
    DagsterInvariantViolationError,
    HookDefinition,
    build_hook_context,
    event_list_hook,
    failure_hook,
    op,
    resource,
    success_hook,
)
from opbook.check import CheckError


@success_hook
def note(context) -> Any:
    return context.hook_def.name


@event_list_hook
def count_events(context, event_list) -> int:
    return len(event_list)


def test_hook_receives_the_context_bound_to_it() -> None:
    assert note(build_hook_context()) == "note"


def test_hook_context_takes_an_op_or_a_solid_not_both() -> None:
    @op
    def step() -> None:
        pass

    with pytest.raises(CheckError, match="cannot set both `solid` and `op`"):
        build_hook_context(op=step, solid=step)


def test_hook_context_may_be_none_or_given_by_name() -> None:
    assert note(None) == "note"
    assert note(context=build_hook_context()) == "note"


def test_event_list_hook_takes_the_context_and_the_events() -> None:
    assert count_events(build_hook_context(), [1, 2]) == 2
    assert count_events(build_hook_context(), event_list=[1]) == 1
    assert count_events(context=None, event_list=None) == 0


def test_wrong_number_of_arguments_is_refused() -> None:
    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape("Decorated function expects one parameter, context, but 0 were provided."),
    ):
        note()
    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape(
            "Decorated function expects two parameters, context and event_list, but 1 were "
            "provided."
        ),
    ):
        count_events(None)


def test_an_argument_under_another_name_is_refused() -> None:
    with pytest.raises(
        DagsterInvalidInvocationError,
        match=re.escape("Could not find expected argument 'event_list'."),
    ):
        count_events(context=None, events=[])


def test_hook_not_made_by_a_decorator_cannot_be_invoked() -> None:
    hook = HookDefinition(name="raw", hook_fn=lambda context, events: None)
    with pytest.raises(DagsterInvalidInvocationError, match="Only hook definitions created"):
        hook(build_hook_context())


def test_required_resource_missing_from_the_context() -> None:
    @failure_hook(required_resource_keys={"slack"})
    def alert(context) -> None:
        pass

    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape(
            "The hook 'alert' requires resource 'slack', which was not provided by the context."
        ),
    ):
        alert(build_hook_context())


def test_hook_context_as_a_with_block_opens_and_closes_yielding_resources() -> None:
    log: list[str] = []

    @resource
    def connection(_) -> Iterator[str]:
        log.append("open")
        yield "conn"
        log.append("close")

    @success_hook(required_resource_keys={"conn"})
    def use(context) -> str:
        return context.resources.conn

    with build_hook_context(resources={"conn": connection}) as context:
        assert use(context) == "conn"
        assert log == ["open"]
    assert log == ["open", "close"]


def test_yielding_resource_outside_a_with_block_is_refused() -> None:
    @resource
    def connection(_) -> Iterator[str]:
        yield "conn"

    context = build_hook_context(resources={"conn": connection})
    with pytest.raises(
        DagsterInvariantViolationError,
        match=re.escape("with build_hook_context(...) as context:"),
    ):
        _ = context.resources


def test_hook_context_holds_the_op_it_was_built_with() -> None:
    @op
    def emit() -> int:
        return 1

    assert build_hook_context(op=emit).op is emit
    assert build_hook_context(solid=emit).solid is emit
