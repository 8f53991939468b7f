"""build_resources: resources built outside a run, torn down when the with block ends."""

from __future__ import annotations

import pytest

from opbook import (
    DagsterInstance,
    DagsterInvalidConfigError,
    DagsterResourceFunctionError,
    Field,
    build_resources,
    resource,
)
from opbook.errors import DagsterInvalidInvocationError


@resource(
    config_schema={"plant": str, "animal": Field(str, is_required=False, default_value="dog")}
)
def garden(init_context):
    config = init_context.resource_config
    return f"plant: {config['plant']}, animal: {config['animal']}"


def test_definitions_are_built_and_values_kept() -> None:
    @resource
    def from_def(_):
        return "foo"

    with build_resources({"from_def": from_def, "from_val": "bar"}) as resources:
        assert (resources.from_def, resources.from_val) == ("foo", "bar")


def test_config_is_given_as_in_a_run_config_defaults_filled() -> None:
    with build_resources(
        {"garden": garden}, resource_config={"garden": {"config": {"plant": "maple tree"}}}
    ) as resources:
        assert resources.garden == "plant: maple tree, animal: dog"


def test_bad_config_lists_every_problem() -> None:
    bad = {"garden": {"config": {"plant": 1, "tree": 2}}}
    with pytest.raises(DagsterInvalidConfigError, match="Error in config for resources") as info:
        build_resources({"garden": garden}, resource_config=bad).__enter__()
    assert len(info.value.errors) == 2


def test_a_resource_gets_the_resources_it_requires_built_first() -> None:
    @resource(required_resource_keys={"animal"})
    def sentence(init_context):
        return f"{init_context.resources.animal} is an animal."

    with build_resources({"sentence": sentence, "animal": "dog"}) as resources:
        assert resources.sentence == "dog is an animal."


def test_a_required_resource_that_was_not_given_is_named() -> None:
    @resource(required_resource_keys={"animal"})
    def sentence(init_context):
        return init_context.resources.animal

    with pytest.raises(DagsterInvalidInvocationError, match=r"requires resources \['animal'\]"):
        build_resources({"sentence": sentence}).__enter__()


def test_a_failing_resource_function_names_the_resource() -> None:
    @resource
    def i_will_fail(_):
        raise Exception("Failed.")

    with (
        pytest.raises(
            DagsterResourceFunctionError,
            match="Error executing resource_fn on ResourceDefinition i_will_fail",
        ),
        build_resources({"i_will_fail": i_will_fail}),
    ):
        pass


def test_the_init_context_has_an_instance() -> None:
    seen = []

    @resource
    def needs_instance(init_context):
        seen.append(init_context.instance)

    instance = DagsterInstance.ephemeral()
    with build_resources({"a": needs_instance}):
        pass
    with build_resources({"a": needs_instance}, instance=instance):
        pass
    assert isinstance(seen[0], DagsterInstance) and seen[1] is instance


def test_yielding_resources_are_torn_down_in_reverse_order_on_exit() -> None:
    events: list[str] = []

    def tracked(name):
        @resource
        def _res(_):
            events.append(f"up {name}")
            yield name
            events.append(f"down {name}")

        return _res

    with build_resources({"a": tracked("a"), "b": tracked("b")}) as resources:
        assert resources.a == "a"
        events.append("body")
    assert events == ["up a", "up b", "body", "down b", "down a"]


def test_teardown_runs_when_the_block_raises() -> None:
    torn_down = []

    @resource
    def cm_resource(_):
        try:
            yield "foo"
        finally:
            torn_down.append(True)

    with pytest.raises(RuntimeError), build_resources({"cm": cm_resource}):
        raise RuntimeError("boom")
    assert torn_down == [True]
