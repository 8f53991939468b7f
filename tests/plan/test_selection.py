"""The selection grammar (``*a``, ``a+``, ``++a``, ``a,b``) and op / solid selections in runs:
config of unselected ops optional but still checked, an unknown op named in the error."""

from __future__ import annotations

import re

import pytest

from opbook import (
    DagsterInvalidConfigError,
    DagsterInvalidSubsetError,
    execute_pipeline,
    execute_pipeline_iterator,
    job,
    op,
)
from opbook.plan.selection import parse_clause, select, split_clauses

#   a -> b -> c -> d
#        b -> e
#   f
UPSTREAM = {"a": [], "b": ["a"], "c": ["b"], "d": ["c"], "e": ["b"], "f": []}


@pytest.mark.parametrize(
    ("clause", "expected"),
    [
        ("c", {"c"}),
        ("*c", {"a", "b", "c"}),
        ("+c", {"b", "c"}),
        ("++c", {"a", "b", "c"}),
        ("c*", {"c", "d"}),
        ("b+", {"b", "c", "e"}),
        ("b++", {"b", "c", "d", "e"}),
        ("*b*", {"a", "b", "c", "d", "e"}),
        ("+b+", {"a", "b", "c", "e"}),
        ("  f  ", {"f"}),
    ],
)
def test_clauses(clause: str, expected: set[str]) -> None:
    assert select(UPSTREAM, [clause]) == expected


def test_clauses_are_unioned_from_a_list_or_commas() -> None:
    assert select(UPSTREAM, ["a", "f"]) == {"a", "f"}
    assert select(UPSTREAM, "a,f") == {"a", "f"}
    assert select(UPSTREAM, ["d+", "*a"]) == {"a", "d"}
    assert split_clauses(["a, b", " c "]) == ["a", "b", "c"]


def test_parse_clause() -> None:
    assert parse_clause("*a") == (None, "a", 0)
    assert parse_clause("++a+") == (2, "a", 1)
    assert parse_clause("comp.b.compute*") == (0, "comp.b.compute", None)
    assert parse_clause("step[?]") == (0, "step[?]", 0)
    assert parse_clause("**a") is None
    assert parse_clause("a*+") is None


@pytest.mark.parametrize("clause", ["zz", "**a", "a b"])
def test_a_clause_matching_nothing_raises_naming_it(clause: str) -> None:
    with pytest.raises(DagsterInvalidSubsetError) as info:
        select(UPSTREAM, ["a", clause], "ops", "op_selection")
    message = str(info.value)
    assert message.startswith("No qualified ops to execute found for op_selection=")
    assert f'"{clause.strip()}" matches nothing' in message


def test_aliases_map_other_spellings() -> None:
    assert select(UPSTREAM, ["b.compute+"], aliases={"b.compute": "b"}) == {"b", "c", "e"}


# -- selections in runs ------------------------------------------------------------------------


@op(config_schema={"start": int})
def source(context) -> int:
    return context.op_config["start"]


@op
def plus_one(x: int) -> int:
    return x + 1


@op
def standalone() -> str:
    return "alone"


@job
def chain():
    plus_one.alias("last")(plus_one(source()))
    standalone()


def executed(result: object) -> list[str]:
    events = result.all_events
    return [e.step_key for e in events if e.is_step_start]


def test_op_selection_runs_only_the_selection() -> None:
    result = chain.execute_in_process(op_selection=["standalone"])
    assert executed(result) == ["standalone"]
    assert result.success


def test_config_of_unselected_ops_is_optional_but_still_validated() -> None:
    assert chain.execute_in_process(op_selection=["standalone"]).success
    with pytest.raises(DagsterInvalidConfigError, match=re.escape("root:ops:source:config:start")):
        chain.execute_in_process(
            op_selection=["standalone"], run_config={"ops": {"source": {"config": {"start": "x"}}}}
        )


def test_selected_op_without_its_upstream_takes_its_input_from_config() -> None:
    with pytest.raises(DagsterInvalidConfigError, match="plus_one"):
        chain.execute_in_process(op_selection=["plus_one+"])
    result = chain.execute_in_process(
        op_selection=["plus_one+"], run_config={"ops": {"plus_one": {"inputs": {"x": 10}}}}
    )
    assert executed(result) == ["plus_one", "last"]
    assert result.output_for_node("last") == 12


def test_upstream_selection() -> None:
    result = chain.execute_in_process(
        op_selection=["*plus_one"], run_config={"ops": {"source": {"config": {"start": 1}}}}
    )
    assert executed(result) == ["source", "plus_one"]
    assert result.output_for_node("plus_one") == 2


def test_a_lone_star_selects_every_op() -> None:
    result = chain.execute_in_process(
        op_selection=["*"], run_config={"ops": {"source": {"config": {"start": 1}}}}
    )
    assert sorted(executed(result)) == sorted(chain.graph.node_names())


def test_unknown_op_in_op_selection_is_named() -> None:
    with pytest.raises(DagsterInvalidSubsetError, match='"nope" matches nothing'):
        chain.execute_in_process(op_selection=["nope"])


def test_solid_selection_of_execute_pipeline_and_the_iterator() -> None:
    result = execute_pipeline(
        chain,
        solid_selection=["standalone", "*plus_one"],
        run_config={"solids": {"source": {"config": {"start": 0}}}},
    )
    assert executed(result) == ["source", "standalone", "plus_one"]
    assert result.result_for_solid("last").skipped  # not selected: no events at all
    with pytest.raises(DagsterInvalidSubsetError, match="solid_selection"):
        execute_pipeline(chain, solid_selection=["missing"])
    with pytest.raises(DagsterInvalidSubsetError):
        execute_pipeline_iterator(chain, solid_selection=["missing"])


def test_subset_job_keeps_its_name_and_parent() -> None:
    subset = chain.get_job_def_for_op_selection(["standalone"])
    assert subset.name == "chain"
    assert subset.solids_to_execute == frozenset({"standalone"})
    assert subset.parent_pipeline_def is chain
    assert chain.get_job_def_for_op_selection(None) is chain


def test_selection_of_a_selection_picks_among_the_selected_ops() -> None:
    # As in Dagster 0.13, whose subset job has only the selected ops in its graph.
    subset = chain.get_job_def_for_op_selection(["standalone"])
    with pytest.raises(DagsterInvalidSubsetError, match='"\\*plus_one" matches nothing'):
        subset.execute_in_process(op_selection=["*plus_one"])
    assert executed(subset.execute_in_process(op_selection=["*"])) == ["standalone"]


def test_to_job_with_op_selection() -> None:
    from opbook import graph

    @graph
    def g():
        plus_one(standalone.alias("text")())
        standalone()

    selected = g.to_job(op_selection=["standalone"])
    assert executed(selected.execute_in_process()) == ["standalone"]
