"""Planning dynamic graphs: placeholders ``op[?]``, collect steps, and the mapped steps a
re-execution plans from their placeholder."""

from __future__ import annotations

from opbook import DynamicOut, DynamicOutput, job, op
from opbook.definitions.run_config import resolve_run_config
from opbook.events import StepKind, StepOutputHandle
from opbook.plan.dynamic import resolve_mapped, split_key
from opbook.plan.plan import build_plan


@op(out=DynamicOut())
def emit():
    yield DynamicOutput(1, mapping_key="a")


@op
def echo(x):
    return x


@op
def ten():
    return 10


@op
def add(x, y):
    return x + y


@op
def total(xs):
    return sum(xs)


@job
def dynamic_job():
    total(emit().map(lambda x: echo(add(x, ten()))).collect())


def _plan(keys=None):
    resolved = resolve_run_config(dynamic_job, dynamic_job.get_mode_definition(None), {})
    return build_plan(dynamic_job, resolved, keys)


def test_steps_downstream_of_a_dynamic_output_are_placeholders() -> None:
    plan = _plan()
    assert sorted(plan.step_keys) == ["add[?]", "echo[?]", "emit", "ten", "total"]
    assert plan.get_step_by_key("echo[?]").kind is StepKind.UNRESOLVED_MAPPED
    assert plan.get_step_by_key("total").kind is StepKind.UNRESOLVED_COLLECT


def test_a_placeholder_waits_for_the_step_that_resolves_it_only() -> None:
    links = _plan().links
    assert links.upstream["add[?]"] == ("emit",)
    assert links.upstream["echo[?]"] == ("emit",)
    assert links.placeholders == {"add[?]", "echo[?]"}


def test_resolving_a_placeholder_keys_its_inputs() -> None:
    step = resolve_mapped(_plan().get_step_by_key("add[?]"), "a")
    assert step.key == "add[a]" and step.mapping_key == "a"
    assert [s for i in step.inputs for s in i.sources] == [
        StepOutputHandle("emit", "result", "a"),
        StepOutputHandle("ten", "result"),
    ]


def test_a_plan_without_dynamic_outputs_has_no_placeholders() -> None:
    @job
    def plain():
        echo(ten())

    resolved = resolve_run_config(plain, plain.get_mode_definition(None), {})
    links = build_plan(plain, resolved).links
    assert not links.placeholders and not links.collectors


def test_a_selected_mapped_step_is_planned_from_its_placeholder() -> None:
    plan = _plan(["add[b]", "echo[b]"])
    assert plan.step_keys == ["add[b]", "echo[b]"]
    assert plan.get_step_by_key("echo[b]").upstream_keys == ("add[b]",)


def test_split_key_reads_mapped_step_keys() -> None:
    assert split_key("op[k1]") == ("op", "k1")
    assert split_key("op[?]") == ("op", "?")
    assert split_key("comp.op") == ("comp.op", None)
