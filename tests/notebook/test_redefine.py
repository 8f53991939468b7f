"""Rebuilding graphs and jobs around a redefined op (definitions are immutable)."""

from __future__ import annotations

from typing import Any

from opbook import (
    ConfigMapping,
    HookContext,
    ModeDefinition,
    PipelineDefinition,
    ResourceDefinition,
    RetryPolicy,
    graph,
    job,
    op,
    solid,
    success_hook,
)
from opbook.notebook.redefine import Rebuilder, update_namespace, with_newer_ops


@op
def source() -> int:
    return 1


@op
def bump(x: int) -> int:
    return x + 1


@op(name="bump")
def bump_more(x: int) -> int:
    return x + 100


@graph
def bumped(x):
    return bump(x)


@job(tags={"team": "data"}, config={"ops": {}})
def pipeline_job():
    bumped.alias("first")(bump.tag({"kind": "direct"}).alias("direct")(source()))


def test_rebuilt_job_uses_the_new_op_everywhere_and_keeps_the_rest() -> None:
    rebuilt = Rebuilder(bump_more).pipeline(pipeline_job)
    assert rebuilt.name == "pipeline_job" and rebuilt.tags == {"team": "data"}
    assert rebuilt.default_run_config == {"ops": {}}
    direct = rebuilt.graph.node_named("direct")
    assert direct.definition is bump_more and direct.tags == {"kind": "direct"}
    assert rebuilt.graph.node_named("first").definition.node_named("bump").definition is bump_more
    assert rebuilt.execute_in_process().output_for_node("first") == 201
    assert pipeline_job.execute_in_process().output_for_node("first") == 3  # the old one


def test_with_newer_ops_takes_the_namespaces_redefined_ops() -> None:
    rebuilt, changed = with_newer_ops(pipeline_job, {"bump": bump_more, "source": source})
    assert changed == ["bump"]
    assert rebuilt.execute_in_process().output_for_node("first") == 201


def test_with_newer_ops_leaves_an_unchanged_job_alone() -> None:
    assert with_newer_ops(pipeline_job, {"bump": bump, "_": bump_more}) == (pipeline_job, [])


def test_a_graph_used_twice_is_rebuilt_once() -> None:
    @job
    def twice():
        bumped.alias("b")(bumped.alias("a")(source()))

    rebuilt = Rebuilder(bump_more).pipeline(twice)
    a, b = (rebuilt.graph.node_named(n).definition for n in ("a", "b"))
    assert a is b and a is not bumped


def test_update_namespace_reports_and_skips_private_names() -> None:
    namespace = {"pipeline_job": pipeline_job, "bumped": bumped, "_": pipeline_job, "other": 3}
    updated, failed = update_namespace(namespace, bump_more)
    assert updated == ["job pipeline_job", "graph bumped"] and failed == []
    assert namespace["_"] is pipeline_job
    assert namespace["bumped"] is not bumped


def test_unaffected_definitions_stay_the_same_object() -> None:
    @job
    def unrelated():
        source()

    namespace = {"unrelated": unrelated}
    assert update_namespace(namespace, bump_more) == ([], [])
    assert namespace["unrelated"] is unrelated


def test_a_new_op_needing_a_missing_resource_is_reported() -> None:
    @op(name="bump", required_resource_keys={"db"})
    def bump_with_db(x: int) -> int:
        return x

    namespace = {"pipeline_job": pipeline_job}
    updated, failed = update_namespace(namespace, bump_with_db)
    assert updated == []
    assert failed == [
        "job pipeline_job: resource key 'db' is required by op 'bump', but is not provided. "
        "Provide a resource for key 'db', or change 'db' to one of the provided resource keys: "
        "['io_manager']."
    ]
    assert namespace["pipeline_job"] is pipeline_job


def test_pipelines_keep_their_modes() -> None:
    @solid
    def value(context) -> int:
        return context.resources.base

    @solid(name="value")
    def value_plus(context) -> int:
        return context.resources.base + 1

    pipe = PipelineDefinition(
        [value],
        name="moded",
        mode_defs=[ModeDefinition("a", {"base": ResourceDefinition.hardcoded_resource(1)})],
    )
    rebuilt = Rebuilder(value_plus).pipeline(pipe)
    assert rebuilt.available_modes == ["a"]
    assert rebuilt.graph.node_named("value").definition is value_plus


def test_redefining_an_op_keeps_op_selection_subset_jobs(nb: Any) -> None:
    nb.cell("%%op\ndef one() -> int:\n    return 1\n")
    nb.cell("%%op\ndef grow(x: int) -> int:\n    return x + 1\n")
    nb.cell("%%job chain\ngrow.alias('last')(grow(one()))\n")
    nb.cell("first_two = chain.get_job_def_for_op_selection(['one', 'grow'])")
    ran = nb.cell("%%op\ndef grow(x: int) -> int:\n    return x + 10\n")
    assert "job first_two" in ran.text()[0]
    first_two = nb["first_two"]
    assert first_two is not None and first_two.solids_to_execute == {"one", "grow"}
    result = first_two.execute_in_process()
    assert result.output_for_node("grow") == 11
    assert [e.step_key for e in result.all_events if e.is_step_success] == ["one", "grow"]


def test_redefinition_keeps_hooks_attached_to_one_op() -> None:
    fired: list[str] = []

    @success_hook
    def note(context: HookContext) -> None:
        fired.append(context.op.name)

    @job
    def hooked():
        bump.with_hooks({note})(source())

    rebuilt = Rebuilder(bump_more).pipeline(hooked)
    result = rebuilt.execute_in_process()
    assert result.output_for_node("bump") == 101
    assert fired == ["bump"]
    assert [(e.event_type_value, e.step_key) for e in result.all_events if e.is_hook_event] == [
        ("HOOK_COMPLETED", "bump")
    ]


def test_redefinition_keeps_a_graph_default_config() -> None:
    @op(config_schema={"factor": int})
    def scale(context, x: int) -> int:
        return x * context.op_config["factor"]

    @op(name="scale", config_schema={"factor": int})
    def scale_plus(context, x: int) -> int:
        return x + context.op_config["factor"]

    @graph(config={"scale": {"config": {"factor": 3}}})
    def scaled():
        scale(source())

    rebuilt = Rebuilder(scale_plus).graph(scaled)
    assert rebuilt.to_job().execute_in_process().output_for_node("scale") == 4


def test_a_graph_in_the_namespace_and_in_a_job_is_rebuilt_once_for_both() -> None:
    @job
    def uses_bumped():
        bumped(source())

    namespace = {"bumped": bumped, "uses_bumped": uses_bumped}
    update_namespace(namespace, bump_more)
    assert namespace["uses_bumped"].graph.node_named("bumped").definition is namespace["bumped"]


def test_a_graph_that_does_not_use_the_op_stays_the_same_object() -> None:
    @graph
    def unaffected():
        return source.alias("other")()

    @job
    def mixed():
        unaffected()
        bump(source())

    rebuilt = Rebuilder(bump_more).pipeline(mixed)
    assert rebuilt.graph.node_named("unaffected").definition is unaffected


def test_rebuilt_nodes_keep_their_retry_policy() -> None:
    policy = RetryPolicy(max_retries=2)

    @job
    def retried():
        bump.with_retry_policy(policy)(source())

    rebuilt = Rebuilder(bump_more).pipeline(retried)
    assert rebuilt.graph.node_named("bump").retry_policy is policy


def test_a_rebuilt_graph_keeps_its_description_and_tags() -> None:
    @graph(description="Adds one.", tags={"owner": "me"})
    def described(x):
        return bump(x)

    rebuilt = Rebuilder(bump_more).graph(described)
    assert rebuilt.description == "Adds one."
    assert rebuilt.tags == {"owner": "me"}


def test_a_rebuilt_graph_keeps_its_config_mapping() -> None:
    @op(config_schema={"n": int})
    def configured(context) -> int:
        return context.op_config["n"]

    @graph(
        config=ConfigMapping(lambda c: {"configured": {"config": {"n": c["n"] * 10}}}, {"n": int})
    )
    def mapped():
        return bump(configured())

    rebuilt = Rebuilder(bump_more).graph(mapped)
    result = rebuilt.to_job().execute_in_process(run_config={"ops": {"config": {"n": 2}}})
    assert result.output_value() == 120


def test_a_rebuilt_graph_keeps_the_python_name_and_module_of_its_function() -> None:
    rebuilt = Rebuilder(bump_more).graph(bumped)
    assert rebuilt.__name__ == "bumped"
    assert rebuilt.__module__ == __name__


def test_a_job_whose_mode_provides_the_new_ops_resource_is_rebuilt() -> None:
    @op(name="bump", required_resource_keys={"db"})
    def bump_with_db(context, x: int) -> int:
        return x + context.resources.db

    @job(resource_defs={"db": ResourceDefinition.hardcoded_resource(10)})
    def with_db():
        bump(source())

    namespace = {"with_db": with_db}
    assert update_namespace(namespace, bump_with_db) == (["job with_db"], [])
    assert namespace["with_db"].execute_in_process().output_for_node("bump") == 11


def test_update_namespace_goes_on_past_names_it_skips_or_cannot_rebuild() -> None:
    @op(name="bump", required_resource_keys={"db"})
    def bump_with_db(x: int) -> int:
        return x

    @job(resource_defs={"db": ResourceDefinition.hardcoded_resource(1)})
    def with_db():
        bump(source())

    @job
    def unrelated():
        source()

    namespace = {
        "_": bumped,
        "number": 3,
        "unrelated": unrelated,
        "pipeline_job": pipeline_job,
        "with_db": with_db,
    }
    updated, failed = update_namespace(namespace, bump_with_db)
    assert updated == ["job with_db"]
    assert [line.split(":")[0] for line in failed] == ["job pipeline_job"]


def test_a_pipeline_is_reported_as_a_pipeline() -> None:
    @solid
    def value(_context) -> int:
        return 1

    @solid(name="value")
    def value_plus(_context) -> int:
        return 2

    namespace = {"legacy": PipelineDefinition([value], name="legacy")}
    assert update_namespace(namespace, value_plus) == (["pipeline legacy"], [])
